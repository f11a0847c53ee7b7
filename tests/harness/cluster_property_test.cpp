// Whole-cluster properties: RapidCheck draws a RunPlan (swarm testing: each plan enables
// a random subset of fault kinds) and a simulation seed, the runner executes it, and every
// checker must hold — the guarantee each test names is one of them, the others must hold
// too. The simulation seed is drawn without shrinking, so RapidCheck shrinks the plan
// (fewer faults, shorter, fewer nodes and records) against the same seed. 10 cases each
// by default (SAMSA_CLUSTER_CASES=N for more); a failure prints the shrunk plan, every
// violation and RapidCheck's reproduce string.
#include <fmt/format.h>

#include <set>
#include <string>

#include "harness/runner.h"
#include "harness/scenario.h"
#include "properties/plan_gen.h"
#include "tests/harness/property_check.h"

namespace samsa::harness {
namespace {

using namespace std::chrono_literals;
using properties::FaultKind;
using properties::PlanSpace;
using properties::RunPlan;

constexpr int kCases = 10;
constexpr const char* kCasesEnv = "SAMSA_CLUSTER_CASES";

RunPlan base_plan() {
  RunPlan plan;
  plan.cluster.partitions = 3;
  plan.workload.producers = 2;
  plan.workload.records_per_producer = 150;
  plan.workload.consumers = 2;
  plan.safety = 10s;
  plan.liveness = 40s;
  return plan;
}

// Runs the plan under a seed drawn without shrinking and asserts that it passes.
void run_and_check(const RunPlan& plan) {
  const auto seed = *rc::gen::noShrink(rc::gen::inRange<std::uint64_t>(1, 1'000'000'000));
  const RunResult result = run_plan(plan, RunOptions::seeded(seed));
  std::set<std::string> kinds;
  for (const properties::FaultStep& f : plan.faults) {
    kinds.insert(std::string(properties::fault_kind_name(f.kind)));
  }
  RC_TAG(fmt::format("{} fault kinds", kinds.size()));
  if (!result.pass) {
    // The shrunk plan as a scenario file: save it and `samsa run FILE --seed N` replays it.
    RC_LOG() << "seed " << seed << "\n"
             << properties::describe_plan(plan) << "\n"
             << describe_result(result) << "\nas a scenario (samsa run FILE --seed " << seed
             << "):\n"
             << scenario_to_toml(plan, "a failing whole-cluster property case", "");
  }
  RC_ASSERT(result.pass);
}

std::vector<FaultKind> kinds_without(FaultKind excluded) {
  std::vector<FaultKind> kinds;
  for (FaultKind k : properties::all_fault_kinds()) {
    if (k != excluded) kinds.push_back(k);
  }
  return kinds;
}

TEST(ClusterProperty, AcksAllIdempotentWritesSurviveCrashesPausesPartitionsAndClockTrouble) {
  testing::check_property("cluster-acks-all", kCases, kCasesEnv, [] {
    PlanSpace space;
    space.base = base_plan();
    space.kinds = kinds_without(FaultKind::kPowerLoss);
    run_and_check(*properties::gen_run_plan(space));
  });
}

TEST(ClusterProperty, WithAnFsyncPerWritePowerLossLosesNoAcknowledgedWrite) {
  testing::check_property("cluster-fsync-power-loss", kCases, kCasesEnv, [] {
    PlanSpace space;
    space.base = base_plan();
    space.base.cluster.flush_every_message = true;
    space.kinds = {FaultKind::kPowerLoss, FaultKind::kCrash, FaultKind::kIsolate};
    run_and_check(*properties::gen_run_plan(space));
  });
}

TEST(ClusterProperty, EveryFaultKindTogetherBreaksNoPromiseTheConfigMakes) {
  testing::check_property("cluster-swarm", kCases, kCasesEnv, [] {
    PlanSpace space;
    space.base = base_plan();
    space.kinds = properties::all_fault_kinds();
    run_and_check(*properties::gen_run_plan(space));
  });
}

TEST(ClusterProperty, AcksOneWithoutIdempotenceMeasuresLossAndReorderingInsteadOfFailing) {
  testing::check_property("cluster-acks-one", kCases, kCasesEnv, [] {
    PlanSpace space;
    space.base = base_plan();
    space.base.workload.acks = 1;
    space.base.workload.enable_idempotence = false;
    space.base.cluster.min_insync_replicas = 1;
    space.kinds = properties::all_fault_kinds();
    const RunPlan plan = *properties::gen_run_plan(space);
    run_and_check(plan);
  });
}

TEST(ClusterProperty, RetentionDeletesOnlyExpiredCommittedSegmentsUnderCrashesAndClockSkew) {
  testing::check_property("cluster-retention", kCases, kCasesEnv, [] {
    PlanSpace space;
    space.base = base_plan();
    space.base.cluster.segment_bytes = 2'048;
    space.base.cluster.retention_ms = 3'000;
    space.base.cluster.retention_bytes = 8'192;
    space.base.workload.processing_time = 200ms;  // a lagging group: retention outruns it
    space.kinds = {FaultKind::kCrash, FaultKind::kClockSkew, FaultKind::kIsolate,
                   FaultKind::kPause};
    run_and_check(*properties::gen_run_plan(space));
  });
}

TEST(ClusterProperty, CompactionKeepsTheLatestValueOfEveryKeyUnderCrashesAndPowerLoss) {
  testing::check_property("cluster-compaction", kCases, kCasesEnv, [] {
    PlanSpace space;
    space.base = base_plan();
    space.base.cluster.cleanup_policy = "compact";
    space.base.cluster.flush_every_message = true;  // power loss keeps acknowledged writes
    space.base.cluster.segment_bytes = 1'024;
    space.base.cluster.min_cleanable_dirty_ratio = 0.1;
    space.base.cluster.delete_retention_ms = 3'000;
    space.base.workload.keys = 6;
    space.base.workload.tombstone_per_mille = 100;
    space.kinds = {FaultKind::kCrash, FaultKind::kPowerLoss, FaultKind::kIsolate};
    run_and_check(*properties::gen_run_plan(space));
  });
}

}  // namespace
}  // namespace samsa::harness
