#include "harness/bug_hunt.h"

#include <algorithm>

#include "cluster/bugs.h"
#include "properties/checker.h"
#include "properties/consumption_checks.h"
#include "properties/data_checks.h"
#include "properties/group_checks.h"
#include "properties/plan_sample.h"
#include "properties/replica_checks.h"

namespace samsa::harness {

namespace {

using namespace std::chrono_literals;
using properties::FaultKind;
using properties::PlanSpace;
using properties::RunPlan;

// Replication: acks=all idempotent producers, no group, brokers crashed and cut off.
PlanSpace replication_space(std::vector<FaultKind> kinds) {
  PlanSpace space;
  RunPlan& plan = space.base;
  plan.cluster.partitions = 2;
  plan.workload.producers = 2;
  plan.workload.records_per_producer = 250;
  plan.workload.consumers = 0;
  plan.safety = 15s;
  plan.liveness = 30s;
  space.kinds = std::move(kinds);
  space.max_faults = 12;
  space.vary_shape = false;
  space.targets = {properties::NodeRole::kBroker};
  return space;
}

// The controller quorum under crashes and isolations, brokers too.
PlanSpace controller_space() {
  PlanSpace space = replication_space({FaultKind::kCrash, FaultKind::kIsolate, FaultKind::kPause});
  space.base.cluster.partitions = 3;
  space.targets = {properties::NodeRole::kBroker, properties::NodeRole::kController};
  return space;
}

// Two replicas with min.insync.replicas=1: a leader alone in its ISR keeps appending while
// the other replica is away, then fails; the other leads a newer epoch without ever having
// seen the first one's (KIP-279's and KAFKA-7128's shapes).
PlanSpace divergence_space() {
  PlanSpace space =
      replication_space({FaultKind::kCrash, FaultKind::kIsolate, FaultKind::kPartition});
  space.base.cluster.replication_factor = 2;
  space.base.cluster.min_insync_replicas = 1;
  space.base.cluster.partitions = 8;
  space.base.workload.acks = 1;  // a leader's own append is acknowledged: tails diverge
  space.base.workload.enable_idempotence = false;
  space.base.workload.max_in_flight = 5;  // order and survival are measured, not promised
  space.max_faults = 16;
  return space;
}

// A consumer group of three under member and broker faults.
PlanSpace group_space(bool cooperative) {
  PlanSpace space = replication_space({FaultKind::kCrash, FaultKind::kPause, FaultKind::kIsolate});
  RunPlan& plan = space.base;
  plan.cluster.partitions = 4;
  plan.workload.producers = 1;
  plan.workload.records_per_producer = 400;
  plan.workload.consumers = 3;
  plan.workload.assignor = cooperative ? "cooperative-sticky" : "range";
  plan.workload.processing_time = 300ms;  // a pause often lands between a poll and its commit
  space.targets = {properties::NodeRole::kConsumer, properties::NodeRole::kBroker};
  return space;
}

// Time retention over small segments: records expire within the run while producers keep
// writing, brokers crash now and then.
PlanSpace retention_space() {
  PlanSpace space = replication_space({FaultKind::kCrash});
  RunPlan& plan = space.base;
  plan.cluster.segment_bytes = 2'048;
  plan.cluster.retention_ms = 3'000;
  plan.workload.records_per_producer = 600;
  plan.workload.send_interval = 25ms;
  space.max_faults = 4;
  return space;
}

// A compacted topic of few keys with tombstones over small segments, cleaned eagerly;
// brokers crash and are cut off (an isolated follower holds the HW back while segments roll).
PlanSpace compaction_space() {
  PlanSpace space = replication_space({FaultKind::kCrash, FaultKind::kIsolate});
  RunPlan& plan = space.base;
  plan.cluster.cleanup_policy = "compact";
  plan.cluster.segment_bytes = 1'024;
  plan.cluster.min_cleanable_dirty_ratio = 0.1;
  plan.cluster.delete_retention_ms = 4'000;
  plan.workload.keys = 5;
  plan.workload.tombstone_per_mille = 100;
  plan.workload.records_per_producer = 400;
  space.max_faults = 6;
  return space;
}

// What diverging replica logs show as: acknowledged records gone, replicas that disagree
// below their high watermarks, one offset read with two values.
std::vector<std::string> divergence_properties() {
  return {std::string(properties::kLostWrite), std::string(properties::kUnseen),
          std::string(properties::kReplicaLogMatching),
          std::string(properties::kInconsistentOffsets),
          std::string(properties::kCommittedDataKept)};
}

std::vector<BugHunt> make_hunts() {
  const std::vector<FaultKind> failover{FaultKind::kCrash, FaultKind::kIsolate};
  const std::vector<FaultKind> split{FaultKind::kPartition};
  std::vector<BugHunt> hunts{
      {"truncate-to-high-watermark",
       {std::string(properties::kCommittedDataKept)},
       30,
       "leader crashes and isolations under acks=all",
       replication_space(failover)},
      {"epoch-lookup-without-epoch", divergence_properties(), 0,
       "two replicas, min.insync.replicas=1, crashes, isolations and splits", divergence_space()},
      {"isr-expand-without-epoch-start", divergence_properties(), 0,
       "two replicas, min.insync.replicas=1, crashes, isolations and splits", divergence_space()},
      {"high-watermark-before-truncation",
       {std::string(properties::kMonotonicHw)},
       30,
       "leader crashes and isolations under acks=all",
       replication_space(failover)},
      {"acks-all-on-leader-append",
       {std::string(properties::kLostWrite), std::string(properties::kUnseen)},
       30,
       "network splits that leave a leader reachable by producers only",
       replication_space(split)},
      {"raft-vote-without-log-check",
       {std::string(properties::kInvariant), std::string(properties::kOneControllerPerEpoch)},
       30,
       "controller and broker crashes, isolations and pauses",
       controller_space()},
      {"elect-outside-isr",
       {std::string(properties::kIsrLegality)},
       30,
       "broker crashes that overlap",
       replication_space({FaultKind::kCrash})},
      {"fenced-broker-joins-isr",
       {std::string(properties::kIsrLegality)},
       40,
       "controller and broker crashes, isolations and pauses",
       controller_space()},
      {"commit-from-stale-generation",
       {std::string(properties::kCommitFencing)},
       30,
       "a group of three (range) under member and broker faults",
       group_space(false)},
      {"eager-owner-keeps-fetching",
       {std::string(properties::kGroupExclusivity)},
       30,
       "a group of three (range) under member and broker faults",
       group_space(false)},
      {"reset-to-latest-on-leader-change",
       {std::string(properties::kRebalanceNoSkip), std::string(properties::kPollSkip)},
       30,
       "a group of three (range) under member and broker faults",
       group_space(false)},
      {"cleaner-past-high-watermark",
       {"compaction-keeps-latest"},
       30,
       "a compacted topic under broker crashes and isolations",
       compaction_space()},
      {"early-tombstone-removal",
       {"tombstone-kept"},
       30,
       "a compacted topic with tombstones under broker crashes and isolations",
       compaction_space()},
      {"retention-by-first-timestamp",
       {"retention-deleted-young"},
       30,
       "time retention over small segments under broker crashes",
       retention_space()},
      {"cleaner-keeps-first-value",
       {"compaction-keeps-latest", "compacted-read"},
       30,
       "a compacted topic under broker crashes and isolations",
       compaction_space()},
  };
  return hunts;
}

}  // namespace

const std::vector<BugHunt>& bug_hunts() {
  static const std::vector<BugHunt> hunts = make_hunts();
  return hunts;
}

bool HuntResult::named_by(const BugHunt& hunt) const {
  return std::any_of(hunt.properties.begin(), hunt.properties.end(),
                     [this](const std::string& p) { return properties.contains(p); });
}

RunPlan hunt_plan(const BugHunt& hunt, std::uint64_t seed, bool bug_on) {
  RunPlan plan = properties::plan_for_seed(hunt.space, seed);
  if (bug_on) plan.bugs = {hunt.bug};
  return plan;
}

HuntResult hunt(const BugHunt& hunt, bool bug_on, int limit) {
  HuntResult found;
  for (int s = 1; s <= limit; ++s) {
    const auto seed = static_cast<std::uint64_t>(s);
    const RunResult result = run_plan(hunt_plan(hunt, seed, bug_on), RunOptions::seeded(seed));
    if (result.pass) continue;
    found.found_at = seed;
    for (const properties::Violation& v : result.violations) {
      found.properties.insert(v.property);
      const bool named = std::find(hunt.properties.begin(), hunt.properties.end(), v.property) !=
                         hunt.properties.end();
      if (named && found.first_detail.empty()) found.first_detail = v.detail;
    }
    break;
  }
  return found;
}

}  // namespace samsa::harness
