// Small vocabulary types of the Raft quorum (KIP-595) shared by the replica, its messages
// and its storage: the replica's role, the errors of its public API, and the id of a
// snapshot (the offset it ends at and the epoch of its last record, KIP-630).
#pragma once

#include <compare>
#include <cstdint>
#include <string_view>

#include "cluster/types.h"

namespace samsa::cluster::raft {

// KRaft's quorum states. kObserver: a replica whose node is not a voter (whatever it knows
// about the leader). kResigned: a leader that gave up its epoch and waits for a successor.
enum class RaftRole : std::uint8_t {
  kUnattached,
  kVoted,
  kCandidate,
  kLeader,
  kFollower,
  kResigned,
  kObserver
};
enum class RaftError : std::uint8_t { kNotLeader, kTimeout, kLeadershipLost, kIo };

std::string_view raft_role_name(RaftRole role);
std::string_view raft_error_name(RaftError error);

// A snapshot ends at end_offset (the next record after it) and its last record was
// written in `epoch`. Ordered by end offset first, as KRaft's OffsetAndEpoch.
struct SnapshotId {
  Offset end_offset;
  LeaderEpoch epoch;
  auto operator<=>(const SnapshotId&) const = default;
};

// A position in a log: the epoch of the last record before `offset` and that offset.
// Compared as Raft §5.4.1 compares logs: by epoch first, then by offset.
struct EpochOffset {
  LeaderEpoch epoch;
  Offset offset;
  auto operator<=>(const EpochOffset&) const = default;
};

}  // namespace samsa::cluster::raft
