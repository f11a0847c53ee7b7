// The decision rules of the Raft quorum (Raft paper §5.2-§5.4, KIP-595) as pure functions,
// so they can be tested one by one without a simulation. RaftReplica takes every vote,
// commit and divergence decision through them; nothing here touches state or disk.
#pragma once

#include <optional>
#include <span>

#include "cluster/errors.h"
#include "cluster/log/leader_epoch_cache.h"
#include "cluster/raft/raft_types.h"
#include "cluster/types.h"
#include "sim/ids.h"
#include "sim/random.h"

namespace samsa::cluster::raft {

// Raft §5.4.1: a candidate's log is at least as up to date as ours when its last epoch is
// higher, or equal with an end offset at least ours.
bool log_is_up_to_date(EpochOffset candidate, EpochOffset own);

// What a voter knows when a VoteRequest arrives.
struct VoterView {
  bool self_is_voter = true;
  bool candidate_is_voter = true;
  RaftRole role = RaftRole::kUnattached;
  LeaderEpoch epoch{0};
  std::optional<sim::NodeId> voted_for;
  EpochOffset log_end{LeaderEpoch(0), Offset(0)};
};

struct VoteAsk {
  LeaderEpoch candidate_epoch{0};
  sim::NodeId candidate;
  EpochOffset candidate_log_end{LeaderEpoch(0), Offset(0)};
};

struct VoteDecision {
  ErrorCode error = ErrorCode::kNone;
  bool enter_epoch = false;  // first become unattached in the candidate's (higher) epoch
  bool grant = false;        // then grant (an unattached voter records the vote durably)
};

// KRaft's handleVoteRequest + EpochState.canGrantVote: an older epoch is fenced; a newer
// one makes the voter unattached in it first; then the vote is granted only by an
// unattached voter (or one that already voted for this candidate in this epoch) whose log
// the candidate's is at least as up to date as — unless check_log is false
// (Bug::kRaftVoteWithoutLogCheck).
VoteDecision decide_vote(const VoterView& voter, const VoteAsk& ask, bool check_log);

// Raft §5.3/§5.4.2 with KIP-595's flush rule: the offset below which a majority of the
// voters hold the log (each voter's acknowledged end offset; -1 unknown), if that offset
// lies past the start of the leader's epoch (so the epoch's leader-change record is
// committed); nullopt otherwise. The caller keeps its HW monotonic.
std::optional<Offset> majority_high_watermark(std::span<const Offset> voter_end_offsets,
                                              Offset epoch_start_offset);

// The leader's check of a Fetch position (KRaft's validateOffsetAndEpoch).
struct FetchPosition {
  enum class Kind : std::uint8_t { kValid, kDiverging, kSnapshot };
  Kind kind = Kind::kValid;
  EpochEndOffset diverging{kUndefinedEpoch, kUndefinedEpochOffset};
  SnapshotId snapshot{Offset(0), LeaderEpoch(0)};
};
// `end_of_last_fetched` is the leader's epoch cache's end_offset_for(last_fetched_epoch).
// Below the log start, or at a snapshot's end with an older last epoch, the follower must
// load the latest snapshot; otherwise its last epoch must end in the leader's log at or
// after its fetch offset, or it diverged and must truncate to the leader's end of it.
FetchPosition validate_fetch_position(Offset fetch_offset, LeaderEpoch last_fetched_epoch,
                                      Offset log_start_offset,
                                      std::optional<SnapshotId> latest_snapshot,
                                      EpochEndOffset end_of_last_fetched);

// Where a follower truncates on a diverging epoch (KRaft's truncateToEndOffset): to the
// smaller of the leader's end of that epoch and its own (own_end_of_epoch is its cache's
// end_offset_for(diverging.epoch), undefined when it holds no epoch at or below it), never
// above its log end nor below its log start.
Offset truncation_offset(EpochEndOffset diverging, EpochEndOffset own_end_of_epoch,
                         Offset log_end_offset, Offset log_start_offset);

// KRaft's binaryExponentialElectionBackoffMs after `retries` (>= 1) lost elections:
// min(max, 100 * r) ms with r uniform in [0, 2^min(retries, 20)), drawn from `rng`.
std::int64_t election_backoff_ms(std::int32_t retries, std::int32_t backoff_max_ms, sim::Rng& rng);
// For a follower told by EndQuorumEpoch: 0 for the first preferred successor, then
// 100 * 2^(position-1) capped at max; max when it is not a preferred successor.
std::int64_t end_quorum_backoff_ms(std::span<const sim::NodeId> preferred_successors,
                                   sim::NodeId self, std::int32_t backoff_max_ms);

}  // namespace samsa::cluster::raft
