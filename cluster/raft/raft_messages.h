// The Raft quorum's protocol (KIP-595, KIP-630) as typed messages over sim::Network: Vote,
// BeginQuorumEpoch, EndQuorumEpoch, the pull-based Fetch with divergence detection and
// snapshot redirection, and FetchSnapshot. Field names follow Kafka's request schemas.
// Every message has a digest over all its fields (folded into the trace hash) and a
// one-line describe() for trace files. Every response names the responder's epoch and the
// leader it knows, so any answer can teach the asker a newer epoch.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cluster/errors.h"
#include "cluster/log/leader_epoch_cache.h"
#include "cluster/raft/raft_types.h"
#include "cluster/types.h"
#include "sim/disk.h"
#include "sim/ids.h"
#include "sim/network.h"

namespace samsa::cluster::raft {

// A candidate asks a voter for its vote in candidate_epoch (Raft §5.2); its log ends at
// last_offset with a record of last_offset_epoch (§5.4.1).
struct VoteRequest final : sim::Message {
  LeaderEpoch candidate_epoch{0};
  sim::NodeId candidate;
  LeaderEpoch last_offset_epoch{0};
  Offset last_offset{0};
  std::string_view kind() const override { return "Vote"; }
  std::uint64_t digest() const override;
  std::string describe() const override;
};

struct VoteResponse final : sim::Message {
  ErrorCode error = ErrorCode::kNone;
  LeaderEpoch leader_epoch{0};
  std::optional<sim::NodeId> leader;
  bool vote_granted = false;
  std::string_view kind() const override { return "VoteResponse"; }
  std::uint64_t digest() const override;
  std::string describe() const override;
};

// A new leader tells the voters it leads leader_epoch.
struct BeginQuorumEpochRequest final : sim::Message {
  LeaderEpoch leader_epoch{0};
  sim::NodeId leader;
  std::string_view kind() const override { return "BeginQuorumEpoch"; }
  std::uint64_t digest() const override;
  std::string describe() const override;
};

// The answer of BeginQuorumEpoch and EndQuorumEpoch alike.
struct QuorumEpochResponse : sim::Message {
  ErrorCode error = ErrorCode::kNone;
  LeaderEpoch leader_epoch{0};
  std::optional<sim::NodeId> leader;
  std::uint64_t digest() const override;
  std::string describe() const override;
};
struct BeginQuorumEpochResponse final : QuorumEpochResponse {
  std::string_view kind() const override { return "BeginQuorumEpochResponse"; }
};
struct EndQuorumEpochResponse final : QuorumEpochResponse {
  std::string_view kind() const override { return "EndQuorumEpochResponse"; }
};

// A resigning leader tells the voters; the first preferred successor campaigns at once,
// the others after a backoff growing with their position (KIP-595).
struct EndQuorumEpochRequest final : sim::Message {
  LeaderEpoch leader_epoch{0};
  sim::NodeId leader;
  std::vector<sim::NodeId> preferred_successors;
  std::string_view kind() const override { return "EndQuorumEpoch"; }
  std::uint64_t digest() const override;
  std::string describe() const override;
};

// A follower or observer pulls from the leader. fetch_offset acknowledges (as durable)
// every record below it; last_fetched_epoch is the epoch of the record before it, which
// the leader checks against its own log (KIP-595 divergence detection).
// current_leader_epoch (an addition to the brief, as Kafka's CurrentLeaderEpoch) fences
// fetches of an older epoch and tells a stale leader it is behind.
struct RaftFetchRequest final : sim::Message {
  sim::NodeId replica;
  LeaderEpoch current_leader_epoch{0};
  Offset fetch_offset{0};
  LeaderEpoch last_fetched_epoch{0};
  std::int32_t max_wait_ms = 0;
  std::int32_t max_bytes = 1 << 20;
  std::string_view kind() const override { return "RaftFetch"; }
  std::uint64_t digest() const override;
  std::string describe() const override;
};

// At most one of diverging_epoch (truncate to at most its end offset, then fetch again)
// and snapshot_id (fetch that snapshot first) is set; records are whole batches.
struct RaftFetchResponse final : sim::Message {
  ErrorCode error = ErrorCode::kNone;
  LeaderEpoch leader_epoch{0};
  std::optional<sim::NodeId> leader;
  Offset high_watermark{-1};
  Offset log_start_offset{-1};
  sim::Bytes records;
  std::optional<EpochEndOffset> diverging_epoch;
  std::optional<SnapshotId> snapshot_id;
  std::string_view kind() const override { return "RaftFetchResponse"; }
  std::uint64_t digest() const override;
  std::string describe() const override;
};

struct FetchSnapshotRequest final : sim::Message {
  sim::NodeId replica;
  LeaderEpoch current_leader_epoch{0};  // an addition to the brief, as in Fetch
  SnapshotId snapshot_id{Offset(0), LeaderEpoch(0)};
  std::string_view kind() const override { return "FetchSnapshot"; }
  std::uint64_t digest() const override;
  std::string describe() const override;
};

// bytes: the whole snapshot file (its CRC included), in one piece.
struct FetchSnapshotResponse final : sim::Message {
  ErrorCode error = ErrorCode::kNone;
  LeaderEpoch leader_epoch{0};  // additions to the brief, as every response
  std::optional<sim::NodeId> leader;
  SnapshotId snapshot_id{Offset(0), LeaderEpoch(0)};
  sim::Bytes bytes;
  std::string_view kind() const override { return "FetchSnapshotResponse"; }
  std::uint64_t digest() const override;
  std::string describe() const override;
};

}  // namespace samsa::cluster::raft
