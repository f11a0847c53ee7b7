// plan_for and plan_space (harness/scenario.h): a scenario and a seed give one plan; the
// random schedule is drawn from the seed, the script is merged into it in time order, and
// every plan passes validate_plan.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "harness/scenario.h"
#include "properties/plan_sample.h"
#include "tests/scenarios/scenario_testing.h"

namespace samsa::harness {
namespace {

using namespace std::chrono_literals;
using properties::FaultKind;
using properties::FaultStep;

Scenario load(const std::string& text) {
  return testing::load_text(text, "plan-test.toml");
}

const std::string kScript = R"(
[[faults.script]]
at_ms = 3000
action = "isolate"
node = "broker-1"
duration_ms = 2000
[[faults.script]]
at_ms = 9000
action = "lossy-network"
duration_ms = 1000
drop_per_mille = 200
)";

const std::string kRandom = R"(description = "random and script"
[faults.random]
kinds = ["crash", "power-loss", "pause", "isolate", "partition", "clock-skew", "lossy-network"]
max_faults = 8
vary_shape = true
)";

TEST(ScenarioPlan, AScriptedScenarioRunsItsBasePlanUnderEverySeed) {
  const Scenario s = load("description = \"scripted\"\n" + kScript);
  EXPECT_FALSE(plan_space(s).has_value());
  for (std::uint64_t seed : {0u, 1u, 99u}) EXPECT_EQ(plan_for(s, seed), s.base);
}

TEST(ScenarioPlan, TheSameSeedGivesTheSamePlanAndSeedsDiffer) {
  const Scenario s = load(kRandom);
  EXPECT_EQ(plan_for(s, 7), plan_for(s, 7));
  int distinct = 0;
  for (std::uint64_t seed = 1; seed <= 10; ++seed) distinct += plan_for(s, seed) != plan_for(s, 0);
  EXPECT_GE(distinct, 9);
}

TEST(ScenarioPlan, EveryPlanOfARandomScenarioIsValid) {
  const Scenario s = load(kRandom + kScript);
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    const properties::RunPlan plan = plan_for(s, seed);
    EXPECT_EQ(properties::validate_plan(plan), std::nullopt) << "seed " << seed;
    EXPECT_LE(plan.faults.size(), 8u + 2u);
  }
}

TEST(ScenarioPlan, ScriptStepsAreMergedIntoTheDrawnScheduleInTimeOrder) {
  const Scenario s = load(kRandom + kScript);
  const std::optional<properties::PlanSpace> space = plan_space(s);
  ASSERT_TRUE(space.has_value());
  EXPECT_TRUE(space->base.faults.empty());
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    const properties::RunPlan plan = plan_for(s, seed);
    const properties::RunPlan drawn = properties::plan_for_seed(*space, seed);
    EXPECT_EQ(plan.faults.size(), drawn.faults.size() + s.base.faults.size());
    for (const FaultStep& step : s.base.faults) {
      EXPECT_NE(std::find(plan.faults.begin(), plan.faults.end(), step), plan.faults.end());
    }
    EXPECT_TRUE(std::is_sorted(plan.faults.begin(), plan.faults.end(),
                               [](const FaultStep& a, const FaultStep& b) { return a.at < b.at; }));
  }
}

TEST(ScenarioPlan, PlanSpaceCarriesEveryRandomSetting) {
  const Scenario s = load(R"(description = "space"
[faults.random]
kinds = ["pause", "crash"]
weights = { pause = 2, crash = 5 }
max_faults = 3
max_duration_ms = 1234
targets = ["consumer", "controller"]
)" + kScript);
  const std::optional<properties::PlanSpace> space = plan_space(s);
  ASSERT_TRUE(space.has_value());
  EXPECT_EQ(space->kinds, (std::vector<FaultKind>{FaultKind::kPause, FaultKind::kCrash}));
  EXPECT_EQ(space->weights, (std::vector<int>{2, 5}));
  EXPECT_EQ(space->max_faults, 3u);
  EXPECT_EQ(space->max_fault_duration, 1234ms);
  EXPECT_EQ(space->targets, (std::vector<properties::NodeRole>{properties::NodeRole::kConsumer,
                                                               properties::NodeRole::kController}));
  EXPECT_FALSE(space->vary_shape);
  properties::RunPlan base = s.base;
  base.faults.clear();
  EXPECT_EQ(space->base, base);
}

std::map<FaultKind, int> kind_counts(const Scenario& s) {
  std::map<FaultKind, int> counts;
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    for (const FaultStep& step : plan_for(s, seed).faults) ++counts[step.kind];
  }
  return counts;
}

// Swarm testing enables {crash}, {pause} or both per seed, the same subsets under either
// weighting (the subset is drawn first); weights decide the mix in the plans with both.
TEST(ScenarioPlan, WeightsShiftHowOftenEachKindIsDrawn) {
  const std::string head =
      "description = \"weights\"\n[faults.random]\nkinds = [\"crash\", \"pause\"]\n";
  auto crash_heavy = kind_counts(load(head + "weights = { crash = 20, pause = 1 }\n"));
  auto pause_heavy = kind_counts(load(head + "weights = { crash = 1, pause = 20 }\n"));
  auto equal = kind_counts(load(head));
  EXPECT_GT(crash_heavy[FaultKind::kCrash], equal[FaultKind::kCrash] + 50);
  EXPECT_GT(equal[FaultKind::kCrash], pause_heavy[FaultKind::kCrash] + 50);
  EXPECT_GT(pause_heavy[FaultKind::kPause], equal[FaultKind::kPause] + 50);
  EXPECT_GT(equal[FaultKind::kPause], crash_heavy[FaultKind::kPause] + 50);
}

TEST(ScenarioPlan, ExtraBugsAreAppendedOnce) {
  const Scenario s = load("description = \"bugs\"\n[run]\nbugs = [\"elect-outside-isr\"]\n");
  const properties::RunPlan plan = plan_for(
      s, 1, {"elect-outside-isr", "truncate-to-high-watermark", "truncate-to-high-watermark"});
  EXPECT_EQ(plan.bugs,
            (std::vector<std::string>{"elect-outside-isr", "truncate-to-high-watermark"}));
}

}  // namespace
}  // namespace samsa::harness
