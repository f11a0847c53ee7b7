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
#include <optional>
#include <string>
#include <vector>

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
};

struct Observations {
  std::vector<ReplicaSample> replicas;
  std::vector<MetadataSample> metadata;
  std::vector<MetadataDivergence> metadata_divergence;
  std::vector<ControllerLeadership> controllers;
  std::vector<FaultEvent> faults;
  std::vector<ReplicaLog> final_logs;
  sim::SimTime safety_end{};    // faults stop being injected here; healing begins
  sim::SimTime liveness_end{};  // the run ended here
  // The most recent fault injected at or before `t`, described in words ("" if none).
  std::string fault_before(sim::SimTime t) const;  // injections only, not healings
};

}  // namespace samsa::properties
