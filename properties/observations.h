// Observations: what the harness saw inside the cluster during one run, beside the
// clients' History — white-box facts the replica, controller and liveness checkers read.
// The harness records them through hooks that observe and never steer (a broker's
// ReplicaObserver, a controller's on_commit and on_active_change, the nemesis), and
// inspects every replica's log once the run is over.
//
// Invariants: 1. every vector but final_logs is in the order things happened (by `at`, ties
// in the order recorded); 2. `metadata` holds each committed version once, as the first controller
// to apply it saw it, and `metadata_divergence` names every later apply of that version that gave a
// different image; 3. `final_logs` holds one entry per (broker, partition) replica found on a
// broker's disk after the run, its records in offset order.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cluster/log/log_config.h"
#include "cluster/log/log_retention.h"
#include "cluster/metadata/metadata.h"
#include "cluster/types.h"
#include "sim/ids.h"
#include "sim/time.h"

namespace samsa::properties {

enum class ReplicaRoleSeen : std::uint8_t { kNone, kLeader, kFollower };

// One replica's state after a change of its role, high watermark or log end offset.
struct ReplicaSample {
  sim::SimTime at{};
  cluster::BrokerId broker{0};
  cluster::TopicPartition tp;
  ReplicaRoleSeen role = ReplicaRoleSeen::kNone;
  cluster::LeaderEpoch leader_epoch{cluster::kNoLeaderEpoch};  // the leadership it acts under
  cluster::Offset high_watermark{0};
  cluster::Offset log_end_offset{0};
  // The ISR the leader uses for its high watermark and acks (the maximal ISR while an
  // AlterPartition is pending, KIP-497); empty for followers.
  std::vector<cluster::BrokerId> isr;
  cluster::Offset log_start_offset{0};
};

// A committed metadata version as a controller applied it.
struct MetadataSample {
  sim::SimTime at{};
  sim::NodeId controller{};
  cluster::MetadataImage image;
};

// Two controllers applied one metadata version with different results (Raft's log
// matching broken: a committed entry differs between replicas).
struct MetadataDivergence {
  sim::SimTime at{};
  std::int64_t version = 0;
  sim::NodeId first_controller{};
  sim::NodeId other_controller{};
};

// A controller that became (or stopped being) the active one, in a Raft epoch.
struct ControllerLeadership {
  sim::SimTime at{};
  sim::NodeId controller{};
  cluster::LeaderEpoch epoch{0};
  bool active = false;  // false: it resigned or lost leadership at `at`
};

// A fault the nemesis injected, or its healing.
struct FaultEvent {
  sim::SimTime at{};
  std::string kind;                // a fault kind name (crash, restart, power-loss, isolate, ...)
  std::vector<std::string> nodes;  // node names it hit
  std::string detail;              // e.g. "for 1200 ms", "offset +300 ms"
};

struct ReplicaRecord {
  cluster::Offset offset{-1};
  cluster::LeaderEpoch leader_epoch{cluster::kNoLeaderEpoch};
  std::optional<std::string> key;
  std::optional<std::string> value;  // nullopt: a tombstone
  std::int64_t timestamp_ms = 0;     // as the producer stamped it (CreateTime)
  bool operator==(const ReplicaRecord&) const = default;
};

// One replica's log as a restart after a crash would recover it once the run is over (a
// crash keeps the page cache: what the broker wrote, synced or not, minus a torn tail).
struct ReplicaLog {
  cluster::BrokerId broker{0};
  cluster::TopicPartition tp;
  cluster::Offset log_start_offset{0};
  cluster::Offset log_end_offset{0};
  cluster::Offset high_watermark{0};  // the last one the replica had in memory (or its checkpoint)
  std::vector<ReplicaRecord> records;
  std::vector<cluster::SegmentInfo> segments;  // oldest first; the last is the active one
  cluster::Offset cleaner_checkpoint{0};       // the first offset its cleaner had not cleaned
  std::int64_t clock_ms = 0;                   // the broker's clock when it was inspected
};

// One retention check of one replica that deleted at least one segment.
struct RetentionSample {
  sim::SimTime at{};
  cluster::BrokerId broker{0};
  cluster::TopicPartition tp;
  cluster::RetentionPass pass;
};

// One record a cleaner pass read below its end, and what became of it.
struct CleanedRecordSeen {
  cluster::Offset offset{-1};
  std::int64_t timestamp_ms = 0;
  std::optional<std::string> key;
  std::optional<std::string> value;  // nullopt: a tombstone
  bool kept = true;
  std::int64_t delete_horizon_ms = -1;  // a tombstone's, after the pass (-1: none)
};

// One log cleaner pass over one replica's log (cluster/log/log_cleaner.h's CleanPass).
struct CleanerSample {
  sim::SimTime at{};
  cluster::BrokerId broker{0};
  cluster::TopicPartition tp;
  std::int64_t now_ms = 0;  // the broker's clock
  std::string trigger;      // dirty-ratio, max-compaction-lag or delete-horizon
  cluster::Offset log_start_offset{0};
  cluster::Offset first_dirty_offset{0};
  cluster::Offset end_offset{0};
  cluster::Offset high_watermark{0};
  cluster::Offset active_segment_base{0};
  double dirty_ratio = 0;
  std::uint64_t bytes_before = 0;
  std::uint64_t bytes_after = 0;
  std::int64_t oldest_dirty_timestamp_ms = -1;
  std::vector<CleanedRecordSeen> records;  // every record in [log start, end), in order
};

struct Observations {
  std::vector<ReplicaSample> replicas;
  std::vector<MetadataSample> metadata;
  std::vector<MetadataDivergence> metadata_divergence;
  std::vector<ControllerLeadership> controllers;
  std::vector<FaultEvent> faults;
  std::vector<ReplicaLog> final_logs;
  std::vector<RetentionSample> retention;  // passes that deleted something
  std::vector<CleanerSample> cleaner;
  // Each topic's log config as the brokers applied it (the run's topic and the offsets
  // topic), and the broker intervals that bound how late retention and cleaning may be.
  std::map<std::string, cluster::LogConfig> topic_configs;
  std::int64_t retention_check_interval_ms = 0;
  std::int64_t cleaner_backoff_ms = 0;
  sim::SimTime safety_end{};    // faults stop being injected here; healing begins
  sim::SimTime liveness_end{};  // the run ended here
  // The most recent fault injected at or before `t`, described in words ("" if none).
  std::string fault_before(sim::SimTime t) const;  // injections only, not healings
};

}  // namespace samsa::properties
