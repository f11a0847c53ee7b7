// The runner end to end: a fault-free plan passes with every acknowledged record read; a
// plan replays to the same trace hash and history; faults are recorded as observations;
// an assertion inside the cluster becomes an "invariant" violation, not a crash.
#include "harness/runner.h"

#include <gtest/gtest.h>

#include <set>

#include "properties/data_checks.h"
#include "tests/harness/plan_testing.h"

namespace samsa::harness {
namespace {

using namespace testing;

RunPlan small_plan() {
  RunPlan plan;
  plan.cluster.partitions = 2;
  plan.workload.records_per_producer = 60;
  plan.workload.consumers = 2;
  plan.safety = 6s;
  plan.liveness = 20s;
  return plan;
}

TEST(Runner, AFaultFreePlanPassesAndEveryAcknowledgedRecordIsRead) {
  const RunResult result = run_plan(small_plan(), RunOptions::seeded(7));
  EXPECT_TRUE(result.pass) << describe(result);
  EXPECT_EQ(result.stats.produced, 60);
  EXPECT_EQ(result.stats.acknowledged, 60);
  EXPECT_GE(result.stats.consumed, 60);
  EXPECT_EQ(result.measurements.at("unseen_acknowledged"), 0);
  ASSERT_NE(result.observations, nullptr);
  EXPECT_FALSE(result.observations->replicas.empty());
  EXPECT_FALSE(result.observations->metadata.empty());
  EXPECT_FALSE(result.observations->controllers.empty());
  // Two partitions and the offsets topic, three replicas each, all read back.
  std::set<std::pair<cluster::BrokerId, cluster::TopicPartition>> logs;
  std::int64_t records = 0;
  for (const auto& log : result.observations->final_logs) {
    logs.insert({log.broker, log.tp});
    if (log.tp.topic == kRunTopic) records += static_cast<std::int64_t>(log.records.size());
  }
  EXPECT_EQ(records, 3 * 60);
  EXPECT_GE(logs.size(), 6U);
}

TEST(Runner, APlanReplaysToTheSameTraceHashAndHistory) {
  RunPlan plan = small_plan();
  plan.faults = {FaultStep{1s, FaultKind::kCrash, NodeRef{NodeRole::kBroker, 1}, 2s, 0},
                 FaultStep{2s, FaultKind::kIsolate, NodeRef{NodeRole::kController, 0}, 2s, 0}};
  const RunResult a = run_plan(plan, RunOptions::seeded(11));
  const RunResult b = run_plan(plan, RunOptions::seeded(11));
  EXPECT_EQ(a.trace_hash, b.trace_hash);
  EXPECT_EQ(a.history_digest, b.history_digest);
  EXPECT_EQ(a.events, b.events);
  EXPECT_EQ(a.violations, b.violations);
  const RunResult c = run_plan(plan, RunOptions::seeded(12));
  EXPECT_NE(a.trace_hash, c.trace_hash);
}

TEST(Runner, FaultsAndTheirHealingAreObserved) {
  RunPlan plan = small_plan();
  plan.faults = {FaultStep{1s, FaultKind::kPowerLoss, NodeRef{NodeRole::kBroker, 0}, 1500ms, 0},
                 FaultStep{1200ms, FaultKind::kPause, NodeRef{NodeRole::kConsumer, 1}, 1s, 0},
                 FaultStep{3s, FaultKind::kClockSkew, NodeRef{NodeRole::kBroker, 2}, 1s, 400}};
  const RunResult result = run_plan(plan, RunOptions::seeded(3));
  EXPECT_TRUE(result.pass) << describe(result);
  EXPECT_EQ(result.stats.faults, 3);
  std::vector<std::string> kinds;
  for (const auto& f : result.observations->faults) kinds.push_back(f.kind);
  EXPECT_EQ(kinds, (std::vector<std::string>{"power-loss", "pause", "resume", "restart",
                                             "clock-skew", "clock-reset", "heal-all"}));
}

}  // namespace
}  // namespace samsa::harness

namespace samsa::harness {
namespace {

// A leader cut off from its followers and the controllers, but not from the producers:
// what it acknowledges alone is lost when the new leader's log wins.
RunPlan stranded_leader_plan() {
  RunPlan plan = small_plan();
  plan.workload.consumers = 0;
  plan.workload.records_per_producer = 200;
  plan.safety = 12s;
  plan.faults = {FaultStep{2s, FaultKind::kPartition, NodeRef{NodeRole::kBroker, 0}, 6s, 0}};
  return plan;
}

TEST(Runner, AcksOneLossUnderASplitIsMeasuredWithItsReasonNotFailed) {
  RunPlan plan = stranded_leader_plan();
  plan.workload.acks = 1;
  plan.workload.enable_idempotence = false;
  plan.workload.max_in_flight = 1;
  std::int64_t lost = 0;
  for (std::uint64_t seed = 1; seed <= 8; ++seed) {
    const RunResult result = run_plan(plan, RunOptions::seeded(seed));
    EXPECT_TRUE(result.pass) << "seed " << seed << ": " << describe(result);
    EXPECT_EQ(result.promises.of("producer-0").why_not, "acks=1, enable.idempotence=false");
    lost += result.measurements.at("lost_acknowledged_unpromised") +
            result.measurements.at("unseen_acknowledged_unpromised");
  }
  EXPECT_GT(lost, 0) << "a stranded leader acknowledged records the new leader never had";
}

TEST(Runner, TheSameSplitLosesNothingAcknowledgedUnderAcksAll) {
  for (std::uint64_t seed = 1; seed <= 8; ++seed) {
    const RunResult result = run_plan(stranded_leader_plan(), RunOptions::seeded(seed));
    EXPECT_TRUE(result.pass) << "seed " << seed << ": " << describe(result);
    EXPECT_EQ(result.measurements.at("lost_acknowledged"), 0);
    EXPECT_EQ(result.measurements.at("unseen_acknowledged"), 0);
    EXPECT_GT(result.stats.acknowledged, 0);
  }
}

TEST(Runner, AnAssertionInsideTheClusterIsAnInvariantViolationNotACrash) {
  RunPlan plan = small_plan();
  plan.workload.consumers = 0;
  plan.bugs = {"raft-vote-without-log-check"};
  plan.faults = {};
  // The Raft bug needs leader changes: crash and isolate controllers in turn.
  for (int i = 0; i < 6; ++i) {
    plan.faults.push_back(FaultStep{std::chrono::milliseconds(500 + 900 * i),
                                    i % 2 == 0 ? FaultKind::kCrash : FaultKind::kIsolate,
                                    NodeRef{NodeRole::kController, i % 3}, 800ms, 0});
  }
  bool found = false;
  for (std::uint64_t seed = 1; seed <= 20 && !found; ++seed) {
    const RunResult result = run_plan(plan, RunOptions::seeded(seed));
    for (const auto& v : result.violations) {
      if (v.property != properties::kInvariant) continue;
      found = true;
      EXPECT_NE(v.detail.find("assertion"), std::string::npos) << v.detail;
      EXPECT_EQ(result.outcome.rfind("failed: ", 0), 0U) << result.outcome;
      EXPECT_FALSE(result.pass);
    }
  }
  EXPECT_TRUE(found) << "no seed of 20 broke an assertion with the Raft bug on";
}

}  // namespace
}  // namespace samsa::harness
