// Run plans: validation names the setting at fault; the generator yields only valid plans,
// each drawing its faults from its own swarm subset of kinds; a seed always yields the same
// plan; and RapidCheck shrinks a failing plan down to the fault that matters.
#include "properties/run_plan.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <set>

#include "properties/plan_gen.h"
#include "properties/plan_sample.h"

namespace samsa::properties {
namespace {

using namespace std::chrono_literals;

std::string error_of(const RunPlan& plan) {
  return validate_plan(plan).value_or("");
}

TEST(RunPlan, TheDefaultPlanIsValid) {
  EXPECT_EQ(error_of(RunPlan{}), "");
}

TEST(RunPlan, MinInsyncReplicasAboveTheReplicationFactorIsRejectedByName) {
  RunPlan plan;
  plan.cluster.min_insync_replicas = 4;
  EXPECT_NE(error_of(plan).find("min.insync.replicas = 4"), std::string::npos) << error_of(plan);
}

TEST(RunPlan, AReplicationFactorAboveTheBrokerCountIsRejected) {
  RunPlan plan;
  plan.cluster.brokers = 2;
  EXPECT_NE(error_of(plan).find("replication.factor = 3"), std::string::npos) << error_of(plan);
}

TEST(RunPlan, IdempotenceWithoutAcksAllIsRejected) {
  RunPlan plan;
  plan.workload.acks = 1;
  EXPECT_NE(error_of(plan).find("enable.idempotence = true needs acks = all"), std::string::npos);
}

TEST(RunPlan, AFaultThatOutlastsTheSafetyPhaseIsRejected) {
  RunPlan plan;
  plan.safety = 5s;
  plan.faults = {FaultStep{4s, FaultKind::kCrash, NodeRef{}, 2s, 0}};
  EXPECT_NE(error_of(plan).find("lasts past the safety phase"), std::string::npos);
}

TEST(RunPlan, FaultsOutOfOrderAndConsumerFaultsWithoutConsumersAreRejected) {
  RunPlan plan;
  plan.faults = {FaultStep{2s, FaultKind::kCrash, NodeRef{}, 1s, 0},
                 FaultStep{1s, FaultKind::kCrash, NodeRef{}, 1s, 0}};
  EXPECT_NE(error_of(plan).find("comes before"), std::string::npos);
  plan.faults = {FaultStep{1s, FaultKind::kPause, NodeRef{NodeRole::kConsumer, 0}, 1s, 0}};
  plan.workload.consumers = 0;
  EXPECT_NE(error_of(plan).find("targets a consumer"), std::string::npos);
}

TEST(RunPlan, RetentionAndCompactionSettingsAreCheckedByName) {
  const auto error_with = [](auto change) {
    RunPlan plan;
    change(plan);
    return error_of(plan);
  };
  EXPECT_NE(error_with([](RunPlan& p) {
              p.cluster.cleanup_policy = "delete,compact";
            }).find("cleanup.policy = \"delete,compact\""),
            std::string::npos);
  EXPECT_NE(error_with([](RunPlan& p) { p.cluster.retention_ms = -2; }).find("retention.ms = -2"),
            std::string::npos);
  EXPECT_NE(
      error_with([](RunPlan& p) { p.cluster.retention_bytes = -2; }).find("retention.bytes = -2"),
      std::string::npos);
  EXPECT_NE(error_with([](RunPlan& p) {
              p.cluster.min_cleanable_dirty_ratio = 1.5;
            }).find("min.cleanable.dirty.ratio = 1.5"),
            std::string::npos);
  EXPECT_NE(error_with([](RunPlan& p) {
              p.cluster.min_compaction_lag_ms = -1;
            }).find("min.compaction.lag.ms = -1"),
            std::string::npos);
  EXPECT_NE(error_with([](RunPlan& p) {
              p.cluster.max_compaction_lag_ms = 0;
            }).find("max.compaction.lag.ms = 0"),
            std::string::npos);
  EXPECT_NE(error_with([](RunPlan& p) {
              p.cluster.min_compaction_lag_ms = 10;
              p.cluster.max_compaction_lag_ms = 5;
            }).find("min.compaction.lag.ms = 10 is more than max.compaction.lag.ms = 5"),
            std::string::npos);
  EXPECT_NE(error_with([](RunPlan& p) {
              p.cluster.delete_retention_ms = -1;
            }).find("delete.retention.ms = -1"),
            std::string::npos);
  EXPECT_NE(error_with([](RunPlan& p) {
              p.cluster.retention_check_interval_ms = 0;
            }).find("log.retention.check.interval.ms = 0"),
            std::string::npos);
  EXPECT_NE(error_with([](RunPlan& p) {
              p.cluster.cleaner_backoff_ms = 0;
            }).find("log.cleaner.backoff.ms = 0"),
            std::string::npos);
  EXPECT_NE(error_with([](RunPlan& p) {
              p.workload.tombstone_per_mille = 1001;
            }).find("tombstone_per_mille = 1001"),
            std::string::npos);
  EXPECT_NE(error_with([](RunPlan& p) {
              p.workload.tombstone_per_mille = 10;
              p.workload.keys = 0;
            }).find("needs keys > 0"),
            std::string::npos);
  EXPECT_NE(error_with([](RunPlan& p) {
              p.cluster.cleanup_policy = "compact";
              p.workload.keys = 0;
            }).find("keys = 0 on a topic with cleanup.policy = \"compact\""),
            std::string::npos);
  // What Kafka allows: no limits, zero, retention shorter than a segment, a keyless
  // compacted topic nobody writes to.
  EXPECT_EQ(error_with([](RunPlan& p) {
              p.cluster.cleanup_policy = "compact,delete";
              p.cluster.retention_ms = -1;
              p.cluster.retention_bytes = 0;
              p.cluster.segment_ms = 60'000;
              p.cluster.min_cleanable_dirty_ratio = 0;
              p.cluster.delete_retention_ms = 0;
              p.cluster.min_compaction_lag_ms = 7;
              p.cluster.max_compaction_lag_ms = 7;
              p.workload.keys = 0;
              p.workload.producers = 0;
            }),
            "");
  EXPECT_EQ(error_with([](RunPlan& p) {
              p.cluster.retention_ms = 100;
              p.cluster.segment_ms = 60'000;
              p.workload.tombstone_per_mille = 1000;
            }),
            "");
}

TEST(RunPlan, TheDescriptionNamesRetentionSettingsOnlyWhenSet) {
  RunPlan plan;
  const std::string plain = describe_plan(plan);
  EXPECT_EQ(plain.find("cleanup.policy"), std::string::npos) << plain;
  EXPECT_EQ(plain.find("retention"), std::string::npos) << plain;
  plan.cluster.cleanup_policy = "compact";
  plan.cluster.retention_bytes = 8192;
  plan.cluster.delete_retention_ms = 2000;
  plan.workload.tombstone_per_mille = 100;
  const std::string text = describe_plan(plan);
  for (const char* part : {"cleanup.policy compact", "retention.bytes 8192",
                           "delete.retention.ms 2000", "tombstones 100 per mille"}) {
    EXPECT_NE(text.find(part), std::string::npos) << part << " in " << text;
  }
  EXPECT_EQ(text.find(", retention.ms "), std::string::npos) << text;
  EXPECT_EQ(text.find("; retention.ms "), std::string::npos) << text;
  EXPECT_EQ(text.find("min.cleanable"), std::string::npos) << text;
}

TEST(RunPlan, FaultKindNamesRoundTrip) {
  for (FaultKind kind : all_fault_kinds()) {
    EXPECT_EQ(fault_kind_from_name(fault_kind_name(kind)), kind);
    EXPECT_FALSE(fault_kind_description(kind).empty());
  }
  EXPECT_EQ(fault_kind_from_name("meteor"), std::nullopt);
}

PlanSpace swarm_space() {
  PlanSpace space;
  space.kinds = all_fault_kinds();
  return space;
}

RC_GTEST_PROP(PlanGen, EveryGeneratedPlanIsValidAndOrderedInTime, ()) {
  const RunPlan plan = *gen_run_plan(swarm_space());
  RC_ASSERT(error_of(plan) == "");
  RC_ASSERT(plan.faults.size() <= swarm_space().max_faults);
}

TEST(PlanGen, SwarmPlansEnableDifferentSubsetsOfFaultKinds) {
  std::set<std::set<FaultKind>> subsets;
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    std::set<FaultKind> kinds;
    for (const FaultStep& f : plan_for_seed(swarm_space(), seed).faults) kinds.insert(f.kind);
    if (kinds.size() > 1) subsets.insert(kinds);
  }
  EXPECT_GE(subsets.size(), 5U) << "plans should mix different subsets of kinds";
}

TEST(PlanGen, TargetsStayWithinTheAllowedRoles) {
  PlanSpace space = swarm_space();
  space.targets = {NodeRole::kController};
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    for (const FaultStep& f : plan_for_seed(space, seed).faults) {
      EXPECT_EQ(f.target.role, NodeRole::kController);
    }
  }
}

TEST(PlanGen, ASeedAlwaysYieldsTheSamePlanAndSeedsDiffer) {
  EXPECT_EQ(plan_for_seed(swarm_space(), 7), plan_for_seed(swarm_space(), 7));
  EXPECT_NE(plan_for_seed(swarm_space(), 7), plan_for_seed(swarm_space(), 8));
}

TEST(PlanGen, FaultsSpreadOverTheWholeSafetyPhase) {
  sim::Duration latest{};
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    for (const FaultStep& f : plan_for_seed(swarm_space(), seed).faults) {
      latest = std::max(latest, f.at);
    }
  }
  EXPECT_GT(latest, RunPlan{}.safety / 2);
}

// A "bug" that fires when any power loss hits broker index 2: RapidCheck must shrink the
// plan to that one fault, with the smallest shape.
TEST(PlanGen, ShrinkingWalksAFailingPlanDownToTheFaultThatMatters) {
  RunPlan smallest;
  const auto result = rc::detail::checkTestable([&] {
    const RunPlan plan = *gen_run_plan(swarm_space());
    for (const FaultStep& f : plan.faults) {
      if (f.kind == FaultKind::kPowerLoss && f.target.index == 2) {
        smallest = plan;
        RC_FAIL("power loss of index 2");
      }
    }
  });
  ASSERT_TRUE(result.template is<rc::detail::FailureResult>());
  // The last plan that failed is the shrunk one.
  ASSERT_EQ(smallest.faults.size(), 1U) << describe_plan(smallest);
  EXPECT_EQ(smallest.faults[0].at, sim::Duration::zero());
  EXPECT_EQ(smallest.cluster.partitions, 1);
  EXPECT_LT(plan_size(smallest), plan_size(RunPlan{}));
}

}  // namespace
}  // namespace samsa::properties
