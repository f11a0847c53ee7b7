// The replica's durable election state (KRaft's quorum-state file, KIP-595): the current
// epoch, whom this replica voted for in it, and the leader it knows. RaftReplica writes it
// before it answers a vote, begins or follows an epoch, so that after any crash or power
// loss a voter never votes twice in one epoch nor forgets an epoch it took part in.
// Stored as a CheckpointFile (write temp, fsync, rename, fsync dir): one entry of three
// integers "epoch voted_for leader", -1 for none.
// Invariants: 1. epoch >= 0; 2. a leader of the epoch, if any, is the replica's vote when
// the replica is that leader; 3. read() returns exactly what the last successful write()
// stored (or the initial state, epoch 0, when there was none).
#pragma once

#include <optional>
#include <string>

#include "cluster/log/checkpoint_file.h"
#include "cluster/types.h"
#include "sim/disk.h"
#include "sim/ids.h"
#include "sim/result.h"

namespace samsa::cluster::raft {

struct ElectionState {
  LeaderEpoch epoch{0};
  std::optional<sim::NodeId> voted_for;
  std::optional<sim::NodeId> leader;
  bool operator==(const ElectionState&) const = default;
};

class QuorumStateFile {
 public:
  static constexpr const char* kFileName = "quorum-state";

  QuorumStateFile(sim::Disk& disk, const std::string& dir);

  // The state as last written; epoch 0 with no vote and no leader when there is no file.
  sim::Result<ElectionState, CheckpointError> read() const;
  // Replaces the state; durable when it returns ok. Call from a fiber of the disk's node.
  sim::Status<CheckpointError> write(const ElectionState& state);

 private:
  CheckpointFile file_;
};

}  // namespace samsa::cluster::raft
