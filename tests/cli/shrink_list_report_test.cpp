// `samsa shrink`, `samsa list` and `samsa report`.
#include <gtest/gtest.h>

#include "harness/scenario.h"
#include "properties/run_plan.h"
#include "tests/cli/cli_testing.h"
#include "tests/reports/xml_testing.h"

namespace samsa::cli::testing {
namespace {

// Explores seeds 1..kFailingSeed with the failing bug into `out`; returns its failure file.
fs::path failure_file(const fs::path& out) {
  samsa({"explore", fixture(kRandom), "--seeds", std::to_string(kFailingSeed), "--bug", kFailingBug,
         "--jobs", "2", "--out", out.string()});
  return out / "failures" / (std::to_string(kFailingSeed) + ".json");
}

TEST(ShrinkCommand, writesAScenarioThatLoadsStillFailsUnderTheSameSeedAndIsNoBigger) {
  const fs::path dir = scratch_dir();
  const fs::path file = failure_file(dir / "out");
  ASSERT_TRUE(fs::is_regular_file(file));
  const fs::path shrunk = dir / "shrunk.toml";
  const Invocation r =
      samsa({"shrink", file.string(), "--out", shrunk.string(), "--max-runs", "12"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_NE(r.out.find("samsa run " + shrunk.string() + " --seed " + std::to_string(kFailingSeed)),
            std::string::npos)
      << r.out;

  auto loaded = harness::load_scenario(shrunk.string());
  ASSERT_TRUE(loaded.ok()) << loaded.error().to_string();
  auto original = harness::load_scenario(fixture(kRandom));
  ASSERT_TRUE(original.ok());
  EXPECT_LE(
      properties::plan_size(harness::plan_for(loaded.value(), kFailingSeed)),
      properties::plan_size(harness::plan_for(original.value(), kFailingSeed, {kFailingBug})));

  const Invocation rerun = samsa({"run", shrunk.string(), "--seed", std::to_string(kFailingSeed)});
  EXPECT_EQ(rerun.exit_code, 1) << describe(rerun);
}

TEST(ShrinkCommand, exitsOneWhenTheRecordedSeedNoLongerFails) {
  const fs::path dir = scratch_dir();
  const fs::path file = failure_file(dir / "out");
  nlohmann::json saved = parse_json(read_file(file));
  ASSERT_TRUE(saved.is_object());
  saved["bugs"] = nlohmann::json::array();  // without the bug the seed passes
  std::ofstream(file) << saved.dump();
  const Invocation r = samsa({"shrink", file.string(), "--max-runs", "2"});
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_NE(r.err.find("nothing to shrink"), std::string::npos) << r.err;
}

TEST(ListCommand, printsEveryCategoryOnePerLineWithADescription) {
  const std::vector<std::pair<std::string, std::string>> expected{{"properties", "lost-write"},
                                                                  {"faults", "crash"},
                                                                  {"bugs", kFailingBug},
                                                                  {"scenarios", "crash-pass"}};
  for (const auto& entry : expected) {
    const Invocation r = samsa({"list", entry.first});
    EXPECT_EQ(r.exit_code, 0) << entry.first << "\n" << describe(r);
    EXPECT_NE(r.out.find(entry.second + " "), std::string::npos) << entry.first << "\n" << r.out;
  }
  const Invocation scenarios = samsa({"list", "scenarios"});
  EXPECT_NE(scenarios.out.find("passes"), std::string::npos)
      << scenarios.out;  // crash-pass's description
}

TEST(ListCommand, listsAScenarioThatDoesNotLoadAndExitsTwo) {
  const Invocation r =
      samsa({"list", "scenarios"}, "SAMSA_SCENARIO_DIR=" + quoted(fixture("broken")));
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_NE(r.out.find("min-isr-too-big"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(does not load:"), std::string::npos) << r.out;
}

TEST(ReportCommand, writesMarkdownAndJsonFromAnExploreDirectory) {
  const fs::path dir = scratch_dir();
  failure_file(dir / "out");
  const Invocation r =
      samsa({"report", (dir / "out").string(), "--out", (dir / "report").string()});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  const nlohmann::json report = parse_json(read_file(dir / "report" / "report.json"));
  ASSERT_TRUE(report.is_object());
  EXPECT_GE(report["failed"].get<int>(), 1);
  EXPECT_FALSE(report["by_property"].empty());
  EXPECT_FALSE(report["fault_kinds"].empty());
  const std::string html = read_file(dir / "report" / "report.html");
  EXPECT_NE(html.find("<svg "), std::string::npos);  // the fault kinds chart
  std::string why;
  EXPECT_TRUE(reports::testing::well_formed(html, &why)) << why;
  const std::string md = read_file(dir / "report" / "report.md");
  EXPECT_NE(md.find("samsa replay"), std::string::npos) << md;
}

TEST(ReportCommand, exitsTwoWhenTheDirectoryHasNoSummary) {
  const Invocation r = samsa({"report", scratch_dir().string()});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_NE(r.err.find("summary.json"), std::string::npos) << r.err;
}

TEST(ExploreCommand, reportFlagWritesTheReportToo) {
  const fs::path dir = scratch_dir();
  const Invocation r =
      samsa({"explore", fixture(kRandom), "--seeds", "2", "--jobs", "2", "--report", dir.string()});
  EXPECT_EQ(r.exit_code == 0 || r.exit_code == 1, true) << describe(r);
  EXPECT_TRUE(fs::is_regular_file(dir / "report.md"));
  EXPECT_TRUE(fs::is_regular_file(dir / "report.json"));
  EXPECT_TRUE(fs::is_regular_file(dir / "report.html"));
}

}  // namespace
}  // namespace samsa::cli::testing
