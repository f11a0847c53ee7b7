// Golden Markdown reports: small fixed seeds of the fixture scenarios, rendered by the real
// binary, compared byte for byte with tests/cli/golden/. A run is a pure function of its
// scenario and seed, so any difference is a change in the cluster, the checkers or the
// report — look at the diff, and when it is intended, rewrite the files with
// `SAMSA_UPDATE_GOLDEN=1 ctest -R ReportGolden` and review them in the commit.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <regex>
#include <string>

#include "tests/cli/cli_testing.h"

namespace samsa::cli {
namespace {

using namespace testing;

// `text` with every occurrence of `from` replaced by `to`.
std::string replaced(std::string text, const std::string& from, const std::string& to) {
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at)) {
    text.replace(at, from.size(), to);
    at += to.size();
  }
  return text;
}

void expect_golden(const std::string& actual, const std::string& name) {
  const fs::path golden = fs::path(SAMSA_CLI_GOLDEN) / name;
  const char* update = std::getenv("SAMSA_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    std::ofstream(golden) << actual;
    return;
  }
  ASSERT_TRUE(fs::exists(golden)) << golden << " is missing: run with SAMSA_UPDATE_GOLDEN=1";
  EXPECT_EQ(actual, read_file(golden)) << "the report differs from " << golden;
}

TEST(ReportGolden, theMarkdownOfAFailingRunIsTheGoldenOne) {
  const fs::path dir = scratch_dir();
  const Invocation r = samsa({"run", "crash-random", "--seed", std::to_string(kFailingSeed),
                              "--bug", kFailingBug, "--report", (dir / "r").string()});
  ASSERT_EQ(r.exit_code, 1) << describe(r);
  expect_golden(read_file(dir / "r" / "report.md"), "run-crash-random-bug.md");
}

TEST(ReportGolden, theMarkdownOfAPassingRunIsTheGoldenOne) {
  const fs::path dir = scratch_dir();
  const Invocation r =
      samsa({"run", "crash-pass", "--seed", "1", "--report", (dir / "r").string()});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  expect_golden(read_file(dir / "r" / "report.md"), "run-crash-pass.md");
}

// Wall-clock throughput is the one line an exploration report cannot repeat; the output
// directory is the test's scratch directory.
TEST(ReportGolden, theMarkdownOfAnExplorationIsTheGoldenOneButForItsWallTime) {
  const fs::path dir = scratch_dir();
  const Invocation r = samsa({"explore", "crash-random", "--seeds", std::to_string(kFailingSeed),
                              "--jobs", "1", "--bug", kFailingBug, "--out", (dir / "out").string(),
                              "--report", (dir / "r").string()});
  ASSERT_EQ(r.exit_code, 1) << describe(r);
  std::string md = replaced(read_file(dir / "r" / "report.md"), dir.string(), "OUT");
  md = std::regex_replace(md, std::regex("Throughput: .*"), "Throughput: (wall time)");
  expect_golden(md, "explore-crash-random-bug.md");
}

}  // namespace
}  // namespace samsa::cli
