// `samsa run`: exit codes, the readable summary, --json's fields, --trace, scenario names.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/cli/cli_testing.h"

namespace samsa::cli::testing {
namespace {

TEST(RunCommand, exitsZeroAndSaysPassWhenEveryPropertyHeld) {
  const Invocation r = samsa({"run", fixture(kPassing), "--seed", "1"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_NE(r.out.find("PASS"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("trace hash"), std::string::npos);
  EXPECT_NE(r.out.find("samsa run " + fixture(kPassing) + " --seed 1"), std::string::npos) << r.out;
}

TEST(RunCommand, exitsOneAndPrintsTheReplayCommandWhenABugIsCaught) {
  const Invocation r = samsa(
      {"run", fixture(kRandom), "--seed", std::to_string(kFailingSeed), "--bug", kFailingBug});
  ASSERT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_NE(r.out.find("FAIL"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("--seed " + std::to_string(kFailingSeed) + " --bug " + kFailingBug),
            std::string::npos)
      << r.out;
}

TEST(RunCommand, jsonHasEveryFieldDesignMdNames) {
  const Invocation r = samsa({"run", fixture(kRandom), "--seed", std::to_string(kFailingSeed),
                              "--bug", kFailingBug, "--json"});
  ASSERT_EQ(r.exit_code, 1) << describe(r);
  const nlohmann::json j = parse_json(r.out);
  ASSERT_TRUE(j.is_object()) << r.out;
  for (const char* key :
       {"seed", "scenario", "verdict", "violations", "trace_hash", "events", "sim_ms", "wall_ms",
        "stats", "measurements", "outcome", "bugs", "plan"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_EQ(j["seed"], kFailingSeed);
  EXPECT_EQ(j["verdict"], "fail");
  EXPECT_EQ(j["trace_hash"].get<std::string>().size(), 16u);
  ASSERT_FALSE(j["violations"].empty());
  for (const char* key : {"property", "detail", "at_ms"})
    EXPECT_TRUE(j["violations"][0].contains(key)) << key;
  for (const char* key : {"produced", "acknowledged", "failed", "indeterminate", "consumed",
                          "commits", "rebalances", "faults", "lost_acknowledged"}) {
    EXPECT_TRUE(j["stats"].contains(key)) << key;
  }
  EXPECT_EQ(j["bugs"], nlohmann::json::array({kFailingBug}));
}

TEST(RunCommand, eachBugFlagTakesOneNameAndMayComeBeforeTheScenario) {
  const Invocation r = samsa({"run", "--bug", kFailingBug, "--bug", "elect-outside-isr",
                              fixture(kRandom), "--seed", std::to_string(kFailingSeed), "--json"});
  ASSERT_NE(r.exit_code, 2) << describe(r);
  const nlohmann::json j = parse_json(r.out);
  EXPECT_EQ(j["bugs"].size(), 2u) << r.out;
  EXPECT_NE(j["replay"].get<std::string>().find("--bug elect-outside-isr"), std::string::npos)
      << r.out;
}

TEST(RunCommand, theSameSeedGivesTheSameTraceHashInANewProcess) {
  const nlohmann::json a =
      parse_json(samsa({"run", fixture(kRandom), "--seed", "3", "--json"}).out);
  const nlohmann::json b =
      parse_json(samsa({"run", fixture(kRandom), "--seed", "3", "--json"}).out);
  ASSERT_TRUE(a.is_object() && b.is_object());
  EXPECT_EQ(a["trace_hash"], b["trace_hash"]);
  EXPECT_EQ(a["events"], b["events"]);
}

TEST(RunCommand, aCatalogueNameResolvesToTheFileInTheCatalogue) {
  const Invocation r = samsa({"run", "crash-pass", "--seed", "1", "--json"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(parse_json(r.out)["scenario"], "crash-pass");
}

TEST(RunCommand, writesTheTraceFileAndTheLogLevelMayFollowTheSubcommand) {
  const fs::path trace = scratch_dir() / "trace.txt";
  const Invocation r = samsa(
      {"run", fixture(kPassing), "--seed", "1", "--trace", trace.string(), "--log-level", "off"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_GT(fs::file_size(trace), 0u);
}

TEST(RunCommand, reportWritesHtmlMarkdownAndJsonWhileStdoutKeepsOnlyTheJson) {
  const fs::path dir = scratch_dir() / "run-report";
  const Invocation r = samsa({"run", fixture(kRandom), "--seed", std::to_string(kFailingSeed),
                              "--bug", kFailingBug, "--json", "--report", dir.string()});
  ASSERT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_TRUE(nlohmann::json::accept(r.out)) << r.out;
  for (const char* name : {"report.html", "report.md", "report.json"}) {
    EXPECT_GT(fs::file_size(dir / name), 0u) << name;
  }
  const auto report = nlohmann::json::parse(std::ifstream(dir / "report.json"));
  EXPECT_EQ(report["verdict"], "fail");
  EXPECT_FALSE(report["violations"].empty());
  EXPECT_NE(report["shrink"].get<std::string>().find("samsa shrink"), std::string::npos);
}

TEST(RunCommand, exitsTwoForAMissingScenarioFile) {
  const Invocation r = samsa({"run", "/nonexistent/nothing.toml"});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_NE(r.err.find("nothing.toml"), std::string::npos) << r.err;
}

TEST(RunCommand, exitsTwoForAnUnknownCatalogueName) {
  const Invocation r = samsa({"run", "no-such-scenario"});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_NE(r.err.find("no-such-scenario"), std::string::npos) << r.err;
}

TEST(RunCommand, exitsTwoNamingTheFileLineAndKeyOfABrokenScenario) {
  const Invocation r = samsa({"run", fixture("broken/min-isr-too-big.toml")});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_NE(r.err.find("min-isr-too-big.toml:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("min.insync.replicas"), std::string::npos) << r.err;
}

TEST(RunCommand, exitsTwoNamingAnUnknownBug) {
  const Invocation r = samsa({"run", fixture(kPassing), "--bug", "no-such-bug"});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_NE(r.err.find("no-such-bug"), std::string::npos) << r.err;
}

TEST(RunCommand, helpDescribesTheCommandAndItsFlags) {
  const Invocation r = samsa({"run", "--help"});
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  for (const char* flag : {"--seed", "--bug", "--json", "--trace"})
    EXPECT_NE(r.out.find(flag), std::string::npos) << flag;
}

}  // namespace
}  // namespace samsa::cli::testing
