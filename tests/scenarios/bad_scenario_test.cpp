// The corpus of broken scenario files (tests/scenarios/bad/): each opens with
// "# expect: <line> <key>" ("-" for no key, as for a TOML syntax error), and loading it must
// fail at exactly that line and key, with a message. Every mismatch is reported.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "harness/scenario.h"

namespace samsa::harness {
namespace {

struct Expectation {
  int line = -1;
  std::string key;
};

// Parses the first line of `path`; line -1 when it has no expectation.
Expectation expectation_of(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::string first;
  std::getline(in, first);
  std::istringstream words(first);
  std::string hash, expect;
  Expectation e;
  if (!(words >> hash >> expect >> e.line >> e.key) || hash != "#" || expect != "expect:") {
    return Expectation{};
  }
  if (e.key == "-") e.key.clear();
  return e;
}

std::vector<std::filesystem::path> bad_files() {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(SAMSA_BAD_SCENARIO_DIR)) {
    if (entry.path().extension() == ".toml") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(BadScenarios, EveryBrokenFileFailsAtItsExpectedLineAndKey) {
  const std::vector<std::filesystem::path> files = bad_files();
  EXPECT_GE(files.size(), 18u);
  for (const std::filesystem::path& file : files) {
    SCOPED_TRACE(file.filename().string());
    const Expectation expected = expectation_of(file);
    ASSERT_GE(expected.line, 0) << "the first line must be \"# expect: <line> <key>\"";
    auto result = load_scenario(file.string());
    if (result.ok()) {
      ADD_FAILURE() << "loaded, but should fail at line " << expected.line << " " << expected.key;
      continue;
    }
    const ScenarioError& error = result.error();
    EXPECT_EQ(error.line, expected.line) << error.to_string();
    EXPECT_EQ(error.key, expected.key) << error.to_string();
    EXPECT_FALSE(error.message.empty());
    EXPECT_EQ(error.file, file.string());
  }
}

TEST(BadScenarios, ASmallGoodScenarioLoads) {
  auto result = parse_scenario(R"(# a good file beside the bad ones
description = "three brokers, a crash, acks=all"
[topic]
replication.factor = 3
min.insync.replicas = 2
[[faults.script]]
at_ms = 4000
action = "crash"
node = "broker-1"
duration_ms = 3000
)",
                               "good.toml");
  ASSERT_TRUE(result.ok()) << result.error().to_string();
  EXPECT_EQ(result.value().base.faults.size(), 1u);
  EXPECT_EQ(result.value().name, "good");
}

}  // namespace
}  // namespace samsa::harness
