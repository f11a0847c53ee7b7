// The shrinker (harness/plan_shrink.h) against synthetic predicates: no cluster runs.
#include "harness/plan_shrink.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace samsa::harness {
namespace {

using namespace std::chrono_literals;
using properties::FaultKind;
using properties::FaultStep;
using properties::NodeRef;
using properties::NodeRole;
using properties::RunPlan;

FaultStep step(sim::Duration at, FaultKind kind, NodeRole role, int index, sim::Duration duration) {
  return FaultStep{at, kind, NodeRef{role, index}, duration, 0};
}

// A plan with six faults, one of which (a crash of broker index 1) is "the bug".
RunPlan busy_plan() {
  RunPlan plan;
  plan.cluster.brokers = 5;
  plan.cluster.partitions = 4;
  plan.workload.producers = 3;
  plan.workload.consumers = 3;
  plan.workload.records_per_producer = 400;
  plan.safety = 20s;
  plan.faults = {step(1s, FaultKind::kPause, NodeRole::kBroker, 0, 2s),
                 step(2s, FaultKind::kIsolate, NodeRole::kController, 2, 3s),
                 step(4s, FaultKind::kCrash, NodeRole::kConsumer, 1, 2s),
                 step(6s, FaultKind::kCrash, NodeRole::kBroker, 1, 4s),
                 step(9s, FaultKind::kPartition, NodeRole::kBroker, 1, 3s),
                 step(12s, FaultKind::kCrash, NodeRole::kBroker, 2, 5s)};
  return plan;
}

bool has_broker_one_crash(const RunPlan& plan) {
  return std::any_of(plan.faults.begin(), plan.faults.end(), [&](const FaultStep& f) {
    return f.kind == FaultKind::kCrash && f.target.role == NodeRole::kBroker &&
           f.target.index % plan.cluster.brokers == 1;
  });
}

TEST(PlanShrink, aFailureThatNeedsOneCrashOfBrokerOneShrinksToExactlyThatFault) {
  ASSERT_FALSE(properties::validate_plan(busy_plan()).has_value());
  const ShrinkResult result = shrink_plan(busy_plan(), has_broker_one_crash);
  ASSERT_EQ(result.plan.faults.size(), 1u) << properties::describe_plan(result.plan);
  const FaultStep& f = result.plan.faults.front();
  EXPECT_EQ(f.kind, FaultKind::kCrash);
  EXPECT_EQ(f.target, (NodeRef{NodeRole::kBroker, 1}));
  EXPECT_FALSE(result.budget_spent);
  EXPECT_GT(result.accepted, 0);
  // Everything else went as low as it can.
  EXPECT_EQ(result.plan.cluster.brokers, result.plan.cluster.replication_factor);
  EXPECT_EQ(result.plan.cluster.partitions, 1);
  EXPECT_EQ(result.plan.workload.producers, 1);
  EXPECT_EQ(result.plan.workload.consumers, 0);
  EXPECT_EQ(result.plan.workload.records_per_producer, 1);
  EXPECT_LT(f.duration, 200ms);
  EXPECT_EQ(f.at, 0ms);
  EXPECT_LE(result.plan.safety, f.at + f.duration + 1s);
  EXPECT_LT(properties::plan_size(result.plan), properties::plan_size(busy_plan()));
}

TEST(PlanShrink, everyCandidateHandedToThePredicatePassesValidatePlan) {
  int runs = 0;
  int invalid = 0;
  // A predicate that accepts some candidates and not others, so the descent wanders.
  auto predicate = [&](const RunPlan& plan) {
    ++runs;
    if (properties::validate_plan(plan).has_value()) ++invalid;
    return (properties::plan_size(plan) + static_cast<std::int64_t>(plan.faults.size())) % 3 != 0;
  };
  const ShrinkResult result = shrink_plan(busy_plan(), predicate, {500});
  EXPECT_EQ(invalid, 0);
  EXPECT_EQ(runs, result.runs);
  for (const RunPlan& candidate : shrink_candidates(busy_plan())) {
    EXPECT_FALSE(properties::validate_plan(candidate).has_value())
        << properties::describe_plan(candidate);
    EXPECT_NE(candidate, busy_plan());
  }
}

TEST(PlanShrink, neverCallsThePredicateMoreThanMaxRuns) {
  int runs = 0;
  const ShrinkResult result =
      shrink_plan(busy_plan(), [&](const RunPlan&) { return ++runs > 0; }, {7});
  EXPECT_EQ(runs, 7);
  EXPECT_EQ(result.runs, 7);
  EXPECT_TRUE(result.budget_spent);
}

TEST(PlanShrink, returnsTheInputWhenNoSmallerPlanFails) {
  const ShrinkResult result = shrink_plan(busy_plan(), [](const RunPlan&) { return false; });
  EXPECT_EQ(result.plan, busy_plan());
  EXPECT_EQ(result.accepted, 0);
  EXPECT_EQ(result.runs, static_cast<int>(shrink_candidates(busy_plan()).size()));
}

TEST(PlanShrink, isAPureFunctionOfPlanAndPredicate) {
  auto predicate = [](const RunPlan& plan) {
    return plan.faults.size() >= 2 || plan.workload.consumers > 1;
  };
  EXPECT_EQ(shrink_plan(busy_plan(), predicate).plan, shrink_plan(busy_plan(), predicate).plan);
}

TEST(PlanShrink, tryingDroppingFaultsInChunksBeforeSingleSteps) {
  const std::vector<RunPlan> candidates = shrink_candidates(busy_plan());
  ASSERT_GE(candidates.size(), 3u);
  EXPECT_TRUE(candidates[0].faults.empty());   // all of them
  EXPECT_EQ(candidates[1].faults.size(), 3u);  // the first half
  EXPECT_EQ(candidates[2].faults.size(), 3u);  // the second half
}

TEST(PlanShrink, canonicalTargetsNameNodesThatExistWithoutChangingWhichNodeIsHit) {
  RunPlan plan = busy_plan();
  plan.cluster.brokers = 3;
  plan.cluster.controllers = 5;
  plan.faults = {step(1s, FaultKind::kCrash, NodeRole::kBroker, 4, 1s),
                 step(2s, FaultKind::kPartition, NodeRole::kBroker, 4, 1s),
                 step(3s, FaultKind::kLossyNetwork, NodeRole::kController, 3, 1s),
                 step(4s, FaultKind::kPause, NodeRole::kConsumer, 7, 1s)};
  const RunPlan canonical = canonical_targets(plan);
  EXPECT_EQ(canonical.faults[0].target, (NodeRef{NodeRole::kBroker, 1}));  // 4 mod 3
  EXPECT_EQ(canonical.faults[1].target,
            (NodeRef{NodeRole::kController, 4}));  // same side, a node that exists
  EXPECT_EQ(canonical.faults[2].target, (NodeRef{NodeRole::kBroker, 0}));
  EXPECT_EQ(canonical.faults[3].target, (NodeRef{NodeRole::kConsumer, 1}));  // 7 mod 3
}

}  // namespace
}  // namespace samsa::harness
