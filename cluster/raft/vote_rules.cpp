#include "cluster/raft/vote_rules.h"

#include <algorithm>
#include <vector>

#include "sim/assert.h"

namespace samsa::cluster::raft {

namespace {
constexpr std::int64_t kRetryBackoffBaseMs = 100;  // KRaft's RETRY_BACKOFF_BASE_MS
}  // namespace

bool log_is_up_to_date(EpochOffset candidate, EpochOffset own) { return candidate >= own; }

VoteDecision decide_vote(const VoterView& voter, const VoteAsk& ask, bool check_log) {
  VoteDecision out;
  if (ask.candidate_epoch < voter.epoch) {
    out.error = ErrorCode::kFencedLeaderEpoch;
    return out;
  }
  // KRaft's validateVoterOnlyRequest: observers and strangers take no part in elections.
  if (!voter.self_is_voter || !voter.candidate_is_voter) {
    out.error = ErrorCode::kInconsistentVoterSet;
    return out;
  }
  RaftRole role = voter.role;
  std::optional<sim::NodeId> voted_for = voter.voted_for;
  if (ask.candidate_epoch > voter.epoch) {
    out.enter_epoch = true;
    role = RaftRole::kUnattached;
    voted_for.reset();
  }
  const bool log_ok = !check_log || log_is_up_to_date(ask.candidate_log_end, voter.log_end);
  switch (role) {
    case RaftRole::kUnattached:
      out.grant = log_ok;
      break;
    case RaftRole::kVoted:
      // A vote is durable and final for the epoch: only the same candidate gets it again.
      out.grant = voted_for == ask.candidate;
      break;
    case RaftRole::kCandidate:  // voted for itself
    case RaftRole::kLeader:
    case RaftRole::kResigned:
    case RaftRole::kFollower:  // a leader is known in this epoch
    case RaftRole::kObserver:
      out.grant = false;
      break;
  }
  return out;
}

std::optional<Offset> majority_high_watermark(std::span<const Offset> voter_end_offsets,
                                              Offset epoch_start_offset) {
  SAMSA_ASSERT(!voter_end_offsets.empty(), "a quorum has at least one voter");
  std::vector<Offset> sorted(voter_end_offsets.begin(), voter_end_offsets.end());
  std::sort(sorted.begin(), sorted.end(), [](Offset a, Offset b) { return a > b; });
  // With n voters, the (n/2 + 1)-th largest end offset is held by a majority.
  const Offset majority = sorted[sorted.size() / 2];
  if (majority <= epoch_start_offset) return std::nullopt;
  return majority;
}

FetchPosition validate_fetch_position(Offset fetch_offset, LeaderEpoch last_fetched_epoch,
                                      Offset log_start_offset,
                                      std::optional<SnapshotId> latest_snapshot,
                                      EpochEndOffset end_of_last_fetched) {
  FetchPosition out;
  if (latest_snapshot &&
      (fetch_offset < log_start_offset ||
       (fetch_offset == latest_snapshot->end_offset && last_fetched_epoch < latest_snapshot->epoch))) {
    out.kind = FetchPosition::Kind::kSnapshot;
    out.snapshot = *latest_snapshot;
    return out;
  }
  if (end_of_last_fetched.epoch != last_fetched_epoch ||
      end_of_last_fetched.end_offset < fetch_offset) {
    out.kind = FetchPosition::Kind::kDiverging;
    out.diverging = end_of_last_fetched;
  }
  return out;
}

Offset truncation_offset(EpochEndOffset diverging, EpochEndOffset own_end_of_epoch,
                         Offset log_end_offset, Offset log_start_offset) {
  Offset target = log_end_offset;
  if (diverging.end_offset >= Offset(0)) target = std::min(target, diverging.end_offset);
  if (own_end_of_epoch.end_offset != kUndefinedEpochOffset) {
    target = std::min(target, own_end_of_epoch.end_offset);
  }
  if (diverging.end_offset < Offset(0) && own_end_of_epoch.end_offset == kUndefinedEpochOffset) {
    target = log_start_offset;  // the leader knows none of our epochs: start over
  }
  return std::max(target, log_start_offset);
}

std::int64_t election_backoff_ms(std::int32_t retries, std::int32_t backoff_max_ms, sim::Rng& rng) {
  SAMSA_ASSERT(retries >= 1, "a backoff follows at least one lost election");
  const std::uint64_t bound = std::uint64_t{1} << std::min(retries, 20);
  const auto drawn = static_cast<std::int64_t>(rng.below(bound)) * kRetryBackoffBaseMs;
  return std::min<std::int64_t>(drawn, backoff_max_ms);
}

std::int64_t end_quorum_backoff_ms(std::span<const sim::NodeId> preferred_successors,
                                   sim::NodeId self, std::int32_t backoff_max_ms) {
  const auto it = std::find(preferred_successors.begin(), preferred_successors.end(), self);
  if (it == preferred_successors.end()) return backoff_max_ms;
  const auto position = it - preferred_successors.begin();
  if (position == 0) return 0;
  const std::int64_t backoff = kRetryBackoffBaseMs << std::min<std::int64_t>(position - 1, 20);
  return std::min<std::int64_t>(backoff, backoff_max_ms);
}

}  // namespace samsa::cluster::raft
