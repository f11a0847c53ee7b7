// RunPlan: one whole-cluster run as a value — the cluster's shape and config, the
// workload, the fault schedule, the phase lengths and the bug switches. The harness's
// runner (harness/runner.h) executes a plan under a seed; the plan generator
// (plan_gen.h) draws plans for RapidCheck, which shrinks them (fewer faults, shorter,
// fewer nodes and records) while the seed stays fixed; scenario files will compile to
// plans. A plan names nodes by role and index, resolved modulo the plan's node counts, so
// a fault stays meaningful when shrinking removes nodes.
//
// Invariants of a valid plan (validate_plan): 1. 1 <= replication_factor <= brokers and
// 1 <= min_insync_replicas <= replication_factor; 2. controllers is 1, 3 or 5; 3.
// idempotence implies acks = all, max_in_flight <= 5 and retries > 0; 4. every fault starts within
// the safety phase and lasts at most the rest of it (everything is healed when it ends); 5. every
// count is within the bounds in kPlanLimits; 6. names (assignor, commit mode, offset reset, bugs,
// properties) are known; 7. retention and compaction settings are within Kafka's ranges (-1:
// no limit for retention.ms and retention.bytes), min.compaction.lag.ms <=
// max.compaction.lag.ms, the broker intervals are in [1, max_safety], and tombstones or a
// compacted topic that records are sent to need keys > 0.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/disk.h"
#include "sim/network.h"
#include "sim/time.h"

namespace samsa::properties {

enum class FaultKind : std::uint8_t {
  kCrash,         // kill -9 a node, restart it after `duration`
  kPowerLoss,     // crash and lose what it had not fsynced, restart after `duration`
  kPause,         // stop a node taking steps for `duration` (a GC stall)
  kIsolate,       // cut one node off the network for `duration`
  kPartition,     // split brokers and controllers into two sides for `duration`
  kClockSkew,     // set a node's clock `amount_ms` off for `duration`
  kLossyNetwork,  // drop `amount_ms` per mille of messages for `duration`
};
inline constexpr int kFaultKinds = 7;
std::string_view fault_kind_name(FaultKind kind);
std::optional<FaultKind> fault_kind_from_name(std::string_view name);
// One line per kind, for `samsa list faults`.
std::string_view fault_kind_description(FaultKind kind);

enum class NodeRole : std::uint8_t { kBroker, kController, kConsumer };

struct NodeRef {
  NodeRole role = NodeRole::kBroker;
  int index = 0;  // resolved modulo the number of nodes of that role
  bool operator==(const NodeRef&) const = default;
};

struct FaultStep {
  sim::Duration at{};  // from the start of the safety phase
  FaultKind kind = FaultKind::kCrash;
  NodeRef target;            // kPartition: the nodes with index <= target.index of every
                             // role form one side (brokers and controllers)
  sim::Duration duration{};  // until it heals (restart, resume, rejoin, clock reset)
  std::int64_t amount = 0;   // kClockSkew: offset in ms; kLossyNetwork: drop per mille
  bool operator==(const FaultStep&) const = default;
};

struct ClusterPlan {
  int controllers = 3;
  int brokers = 3;
  int partitions = 3;
  int replication_factor = 3;
  int min_insync_replicas = 2;
  bool unclean_leader_election_enable = false;
  bool flush_every_message = false;                  // flush.messages = 1: fsync each append
  std::int64_t segment_bytes = 1 << 20;              // segment.bytes
  std::int64_t segment_ms = 7LL * 24 * 3600 * 1000;  // segment.ms
  // Retention and compaction of the run's topic (Kafka's topic configs).
  std::string cleanup_policy = "delete";               // delete, compact or compact,delete
  std::int64_t retention_ms = 7LL * 24 * 3600 * 1000;  // retention.ms (-1: none)
  std::int64_t retention_bytes = -1;                   // retention.bytes (-1: none)
  double min_cleanable_dirty_ratio = 0.5;              // min.cleanable.dirty.ratio
  std::int64_t min_compaction_lag_ms = 0;              // min.compaction.lag.ms
  std::int64_t max_compaction_lag_ms = std::numeric_limits<std::int64_t>::max();
  std::int64_t delete_retention_ms = 24LL * 3600 * 1000;  // delete.retention.ms
  // Broker intervals, scaled down from Kafka's 5 min and 15 s for simulated runs.
  std::int64_t retention_check_interval_ms = 1'000;  // log.retention.check.interval.ms
  std::int64_t cleaner_backoff_ms = 1'000;           // log.cleaner.backoff.ms
  sim::NetworkConfig network;  // latency, loss, duplication, delay (the fault-free weather)
  sim::DiskConfig disk;        // latencies and the torn-write chance at power loss
  bool operator==(const ClusterPlan&) const = default;
};

struct WorkloadPlan {
  int producers = 1;
  int keys = 8;
  std::int64_t records_per_producer = 200;
  sim::Duration send_interval = std::chrono::milliseconds(20);
  int acks = -1;  // 0, 1 or -1 (all)
  bool enable_idempotence = true;
  int max_in_flight = 5;  // max.in.flight.requests.per.connection
  std::int32_t retries = 2'147'483'647;
  std::int64_t linger_ms = 5;
  std::int64_t delivery_timeout_ms = 20'000;
  int consumers = 2;  // members of one consumer group; 0: no group
  // partition.assignment.strategy: range, roundrobin, sticky or cooperative-sticky.
  std::string assignor = "range";
  // How members commit: "sync" (commit_sync of each poll after processing it), "async"
  // (commit_async of the same) or "auto" (enable.auto.commit).
  std::string commit = "sync";
  std::string auto_offset_reset = "earliest";  // earliest or latest
  // Of each thousand sends, how many are tombstones (a null value: delete the key).
  int tombstone_per_mille = 0;
  // How long a consumer "processes" each non-empty poll before it commits (a pause that
  // lands here makes a zombie that commits with a stale generation).
  sim::Duration processing_time = std::chrono::milliseconds(5);
  bool operator==(const WorkloadPlan&) const = default;
};

struct RunPlan {
  ClusterPlan cluster;
  WorkloadPlan workload;
  std::vector<FaultStep> faults;  // in order of `at`
  sim::Duration safety = std::chrono::seconds(20);
  // After healing: every producer must finish and every acknowledged record be read
  // within this (the liveness bound).
  sim::Duration liveness = std::chrono::seconds(30);
  std::vector<std::string> bugs;  // --bug names (cluster/bugs.h)
  // The properties whose violations count (registered names, checker.h); empty: every one
  // (each still fails only where the config promises it).
  std::vector<std::string> properties;
  bool operator==(const RunPlan&) const = default;
};

struct PlanLimits {
  int max_brokers = 5;
  int max_partitions = 8;
  int max_producers = 3;
  int max_consumers = 4;
  std::int64_t max_records_per_producer = 5'000;
  std::size_t max_faults = 64;
  sim::Duration max_safety = std::chrono::minutes(10);
  sim::Duration max_liveness = std::chrono::minutes(10);
};
inline constexpr PlanLimits kPlanLimits{};

// How many nodes of `role` the plan has (consumers: the group's members).
int role_count(const RunPlan& plan, NodeRole role);

// The first broken invariant of the header, in words naming the setting; nullopt if valid.
std::optional<std::string> validate_plan(const RunPlan& plan);

// A one-paragraph description, and a size for shrink reports (faults + nodes + records).
std::string describe_plan(const RunPlan& plan);
std::int64_t plan_size(const RunPlan& plan);

}  // namespace samsa::properties
