// RaftReplica: one replica of the Raft metadata quorum (KIP-595, after KRaft's
// KafkaRaftClient) on one node: the controller node runs a voter, a broker's metadata
// follower runs an observer. It keeps the metadata log (a PartitionLog in
// "<dir>/__cluster_metadata-0"), the durable election state ("<dir>/quorum-state") and
// snapshots ("<dir>/snapshots"), elects a leader with Vote / BeginQuorumEpoch /
// EndQuorumEpoch, replicates by pull (Fetch with divergence detection, FetchSnapshot), and
// feeds the committed records to a StateMachine.
//
// Lifecycle: the node's main fiber creates the RpcEndpoint and the replica, calls start(),
// then runs rpc.serve() and passes every request to handle() first. Both live on the main
// fiber's stack; a crash kills everything and a restart builds a new replica from disk
// (the replica's fibers share its state, so they may unwind after the main frame).
//
// Invariants (Raft §5, KIP-595):
//   1. At most one leader per epoch: a vote is durable before it is answered and a voter
//      votes once per epoch.
//   2. A record counts toward the high watermark only once durable (fsynced) on a
//      majority of voters, and the HW passes no offset before the start of the leader's
//      epoch until the epoch's leader-change record is on a majority (§5.4.2).
//   3. The HW never moves back within a process incarnation; a replica never truncates its
//      log below it (a committed record is never lost).
//   4. The state machine sees committed records only, in log order, each once per
//      incarnation; a restarted replica applies nothing until it learns a HW.
// Every public method except the accessors must be called from a fiber of the node.
#pragma once

#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "cluster/raft/raft_config.h"
#include "cluster/raft/raft_types.h"
#include "cluster/raft/state_machine.h"
#include "cluster/types.h"
#include "sim/node_env.h"
#include "sim/result.h"
#include "sim/rpc.h"

namespace samsa::cluster::raft {

class ReplicaCore;

// One record of the metadata log as read_log() returns it.
struct LoggedRecord {
  Offset offset;
  LeaderEpoch epoch;
  bool control = false;  // Raft's own leader-change record
  sim::Bytes value;
  bool operator==(const LoggedRecord&) const = default;
};

class RaftReplica {
 public:
  RaftReplica(sim::NodeEnv& env, sim::RpcEndpoint& rpc, RaftConfig config, StateMachine& machine);
  ~RaftReplica();
  RaftReplica(const RaftReplica&) = delete;
  RaftReplica& operator=(const RaftReplica&) = delete;

  // Recovers the log, the election state and the newest snapshot (restored into the state
  // machine) and spawns the replica's fibers. kIo when the disk cannot be read.
  sim::Status<RaftError> start();
  // True when `request` is a Raft request; it is answered from a fiber of its own.
  bool handle(const sim::Envelope& request);

  // Leader only: appends `values` (at least one) as one batch in the current epoch, fsyncs
  // it and returns its last offset. kNotLeader unless this replica is the ready leader.
  sim::Result<Offset, RaftError> append(std::vector<sim::Bytes> values);
  // Waits until `offset` is committed (HW > offset) while this replica stays leader of
  // `epoch`: kLeadershipLost as soon as it is not, kTimeout after `timeout`.
  sim::Status<RaftError> wait_committed(Offset offset, LeaderEpoch epoch, sim::Duration timeout);
  // Graceful resignation: the leader gives up its epoch and sends EndQuorumEpoch to the
  // voters, the most up-to-date first (KIP-595). No-op unless leader.
  void resign();

  RaftRole role() const;
  LeaderEpoch epoch() const;
  // The leader of the current epoch as far as this replica knows (itself while it leads,
  // ready or not); nullopt when unknown or after resigning.
  std::optional<sim::NodeId> leader() const;
  bool is_ready_leader() const;  // leader whose epoch is ready (see on_leader_change)
  Offset high_watermark() const;
  // The leader's HW as last heard (this replica's own while it leads): below it, the
  // replica is still catching up. (An addition to the brief, for the metadata loader.)
  Offset leader_high_watermark() const;
  Offset log_end_offset() const;
  Offset log_start_offset() const;
  Offset applied_end_offset() const;  // next offset to apply
  std::optional<SnapshotId> latest_snapshot() const;

  // Every record of the log from the log start to its end (tests and the harness).
  sim::Result<std::vector<LoggedRecord>, RaftError> read_log();

 private:
  std::shared_ptr<ReplicaCore> core_;
};

}  // namespace samsa::cluster::raft
