// The scenario catalogue (scenarios/*.toml): every file that ships loads, compiles for seed 1
// to a valid plan, and runs that seed to the end without a failed assertion inside the
// simulated cluster. Each file states its expected outcome in its comment block; a file
// whose comment says "Expected outcome: pass" must pass seed 1 — every property the
// config promises holds. One test per file, in sorted order, so CTest names each.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "harness/runner.h"
#include "harness/scenario.h"
#include "properties/observations.h"
#include "properties/run_plan.h"

namespace samsa::harness {
namespace {

namespace fs = std::filesystem;

// The comment line every catalogue file carries, and the verdict that requires a pass.
constexpr std::string_view kExpectedOutcome = "# Expected outcome:";
constexpr std::string_view kExpectPass = "# Expected outcome: pass";

// File stems of scenarios/*.toml, sorted (directory order is the file system's).
std::vector<std::string> catalogue_stems() {
  std::vector<std::string> stems;
  for (const fs::directory_entry& entry : fs::directory_iterator(SAMSA_CATALOGUE_DIR)) {
    if (entry.is_regular_file() && entry.path().extension() == ".toml") {
      stems.push_back(entry.path().stem().string());
    }
  }
  std::sort(stems.begin(), stems.end());
  return stems;
}

std::string catalogue_path(const std::string& stem) {
  return (fs::path(SAMSA_CATALOGUE_DIR) / (stem + ".toml")).string();
}

// GoogleTest names allow only letters, digits and underscores.
std::string test_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param;
  std::replace(name.begin(), name.end(), '-', '_');
  return name;
}

TEST(ScenarioCatalogue, ShipsTheScenariosTheDocsName) {
  const std::vector<std::string> stems = catalogue_stems();
  for (const char* required :
       {"default", "leader-failover-acks-0", "leader-failover-acks-1", "leader-failover-acks-all",
        "isolated-leader", "isr-shrink-to-min-insync", "isr-below-min-insync",
        "power-loss-whole-cluster-fsync", "power-loss-whole-cluster-no-fsync", "rolling-restart",
        "controller-failover", "unclean-leader-election", "non-idempotent-retries-reorder",
        "rebalance-storm-eager", "rebalance-storm-cooperative", "coordinator-failover",
        "clock-skew"}) {
    EXPECT_TRUE(std::find(stems.begin(), stems.end(), required) != stems.end())
        << "scenarios/" << required << ".toml is missing";
  }
}

// The retention and compaction scenarios show what their comments say: retention deletes
// segments of the run's topic, and the cleaner removes records from it.
TEST(ScenarioCatalogue, RetentionAndCompactionScenariosDeleteAndCleanTheTopic) {
  struct Shows {
    const char* stem;
    bool retention;
    bool compaction;
  };
  for (const Shows& shows :
       {Shows{"retention-lagging-consumer", true, false},
        Shows{"retention-clock-skew", true, false}, Shows{"compaction-crashes", false, true},
        Shows{"compaction-delete", true, true}}) {
    SCOPED_TRACE(shows.stem);
    const auto loaded = load_scenario(catalogue_path(shows.stem));
    ASSERT_TRUE(loaded.ok()) << loaded.error().to_string();
    const RunResult result = run_plan(plan_for(loaded.value(), 1), RunOptions::seeded(1));
    ASSERT_NE(result.observations, nullptr);
    std::size_t deleted_segments = 0;
    for (const properties::RetentionSample& sample : result.observations->retention) {
      if (sample.tp.topic == "events") deleted_segments += sample.pass.deleted.size();
    }
    std::size_t cleaned_away = 0;
    for (const properties::CleanerSample& sample : result.observations->cleaner) {
      if (sample.tp.topic != "events") continue;
      for (const properties::CleanedRecordSeen& record : sample.records) {
        if (!record.kept) ++cleaned_away;
      }
    }
    if (shows.retention) {
      EXPECT_GT(deleted_segments, 0u) << "retention deleted nothing";
    }
    if (shows.compaction) {
      EXPECT_GT(cleaned_away, 0u) << "the cleaner removed nothing";
    } else {
      EXPECT_EQ(cleaned_away, 0u);
    }
  }
}

class CatalogueScenario : public ::testing::TestWithParam<std::string> {};

TEST_P(CatalogueScenario, LoadsValidatesAndRunsSeedOneToItsExpectedOutcome) {
  const auto loaded = load_scenario(catalogue_path(GetParam()));
  ASSERT_TRUE(loaded.ok()) << loaded.error().to_string();
  const Scenario& scenario = loaded.value();
  EXPECT_EQ(scenario.name, GetParam());
  EXPECT_FALSE(scenario.description.empty());
  ASSERT_NE(scenario.text.find(kExpectedOutcome), std::string::npos)
      << "the comment block must state the expected outcome (\"" << kExpectedOutcome << " ...\")";

  const properties::RunPlan plan = plan_for(scenario, 1);
  const std::optional<std::string> invalid = properties::validate_plan(plan);
  ASSERT_FALSE(invalid.has_value()) << *invalid;

  const RunResult result = run_plan(plan, RunOptions::seeded(1));
  for (const properties::Violation& violation : result.violations) {
    EXPECT_NE(violation.property, kInvariantProperty) << violation.detail;
  }
  EXPECT_GT(result.stats.produced, 0) << "the workload never ran";
  if (scenario.text.find(kExpectPass) != std::string::npos) {
    EXPECT_TRUE(result.pass) << "seed 1 of " << GetParam() << ":\n" << describe_result(result);
  }
}

INSTANTIATE_TEST_SUITE_P(Catalogue, CatalogueScenario, ::testing::ValuesIn(catalogue_stems()),
                         test_name);

}  // namespace
}  // namespace samsa::harness
