// StateMachine: what the replicated metadata log feeds (KRaft's RaftClient.Listener). The
// controller's metadata image and the broker's metadata follower implement it; the Raft
// replica (raft_replica.h) calls it from one fiber, its applier, never concurrently.
// Invariants the replica keeps: 1. apply() sees committed records only, in log order, each
// exactly once per process incarnation (after a restore(), from the snapshot's end);
// 2. Raft's own control records are never passed; 3. a leader hears on_leader_change()
// about itself only once its epoch is ready (see below). Callbacks must not block on the
// replica (append() is fine; wait_committed() is not).
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "cluster/types.h"
#include "sim/disk.h"
#include "sim/ids.h"

namespace samsa::cluster::raft {

class StateMachine {
 public:
  virtual ~StateMachine() = default;
  // A committed record, in log order.
  virtual void apply(Offset offset, LeaderEpoch epoch, std::span<const std::uint8_t> value) = 0;
  // The state after the last applied record; restore() replaces the whole state with one
  // taken at `end_offset` (the next record to apply is at end_offset).
  virtual sim::Bytes snapshot() const = 0;
  virtual void restore(Offset end_offset, std::span<const std::uint8_t> snapshot) = 0;
  // The known leader changed. For the leader itself this is called only once its own epoch
  // is ready: the leader-change record of its epoch is committed and every record before
  // it has been applied (KRaft's handleLeaderChange after claim). leader is nullopt when
  // unknown (also while candidate, and after resigning).
  virtual void on_leader_change(std::optional<sim::NodeId> leader, LeaderEpoch epoch) {
    (void)leader;
    (void)epoch;
  }
  // After each pass of the applier that moved the applied end (apply() calls, skipped
  // control records), with the next offset to apply (KRaft's handleCommit batch end).
  virtual void on_commit_end(Offset applied_end_offset) { (void)applied_end_offset; }
};

}  // namespace samsa::cluster::raft
