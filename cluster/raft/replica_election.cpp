// Elections (Raft §5.2, §5.4.1; KIP-595): answering and sending Vote, BeginQuorumEpoch and
// EndQuorumEpoch, candidate backoff and graceful resignation.
#include <fmt/format.h>

#include "cluster/raft/replica_core.h"
#include "cluster/raft/vote_rules.h"
#include "sim/log.h"

namespace samsa::cluster::raft {

namespace {
constexpr int kMaxVoteAttempts = 100;            // each ends by a response or a timeout
constexpr int kMaxBeginEpochAttempts = 10'000;   // until the voter answers or fetches
constexpr int kMaxEndEpochAttempts = 5;
constexpr sim::Duration kQuorumRetryBackoff = std::chrono::milliseconds(100);
}  // namespace

sim::MessagePtr ReplicaCore::handle_vote(const VoteRequest& request) {
  const sim::MutexLock lock(mutex_);
  const VoterView view{self_is_voter_,    is_voter(request.candidate), role_,
                       election_.epoch,   election_.voted_for,         last_epoch_offset()};
  const VoteAsk ask{request.candidate_epoch, request.candidate,
                    EpochOffset{request.last_offset_epoch, request.last_offset}};
  const bool check_log = !config_.bugs.on(Bug::kRaftVoteWithoutLogCheck);
  const VoteDecision decision = decide_vote(view, ask, check_log);
  bool granted = false;
  if (decision.error == ErrorCode::kNone) {
    if (decision.enter_epoch) become_unattached(request.candidate_epoch);
    if (decision.grant && election_.epoch == request.candidate_epoch) {
      if (role_ == RaftRole::kUnattached) become_voted(request.candidate);
      // Granted only once the vote is durable (it is when we are in the voted state).
      granted = role_ == RaftRole::kVoted && election_.voted_for == request.candidate;
    }
  }
  SAMSA_LOG_DEBUG("raft {}: vote for {} in epoch {} (log ({}, {}) vs ours ({}, {})): {}",
                  env_.name(), request.candidate, request.candidate_epoch,
                  request.last_offset_epoch, request.last_offset, view.log_end.epoch,
                  view.log_end.offset, granted ? "granted" : "refused");
  auto response = quorum_response<VoteResponse>(decision.error);
  response->vote_granted = granted;
  return response;
}

void ReplicaCore::request_vote(std::uint64_t generation, sim::NodeId voter) {
  for (int attempt = 0; attempt < kMaxVoteAttempts; ++attempt) {
    auto request = std::make_shared<VoteRequest>();
    {
      const sim::MutexLock lock(mutex_);
      if (generation_ != generation) return;
      const EpochOffset last = last_epoch_offset();
      request->candidate_epoch = election_.epoch;
      request->candidate = self_;
      request->last_offset_epoch = last.epoch;
      request->last_offset = last.offset;
    }
    auto result =
        rpc_.call(voter, request, std::chrono::milliseconds(config_.request_timeout_ms));
    {
      const sim::MutexLock lock(mutex_);
      if (generation_ != generation) return;
      const auto* response =
          result.ok() ? dynamic_cast<const VoteResponse*>(result.value().get()) : nullptr;
      if (response != nullptr) {
        on_vote_response(voter, *response);
        return;
      }
    }
    // determinism-ok: NodeEnv::sleep_for is the kernel's virtual-time sleep
    env_.sleep_for(kRetryBackoff);
  }
}

void ReplicaCore::on_vote_response(sim::NodeId voter, const VoteResponse& response) {
  if (observe_leader(response.leader_epoch, response.leader)) return;
  if (role_ != RaftRole::kCandidate || response.leader_epoch != election_.epoch) return;
  if (response.error == ErrorCode::kNone && response.vote_granted) {
    votes_granted_.insert(voter);
  } else {
    votes_rejected_.insert(voter);
  }
  if (votes_granted_.size() >= majority()) {
    SAMSA_LOG_INFO("raft {}: won the election of epoch {} with {} votes", env_.name(),
                   election_.epoch, votes_granted_.size());
    become_leader();
  } else if (votes_rejected_.size() >= majority() && !backoff_deadline_) {
    start_backoff();
  }
}

// A lost election: wait a random, exponentially growing time before the next one, so that
// split votes do not repeat forever (KRaft's binaryExponentialElectionBackoffMs).
void ReplicaCore::start_backoff() {
  const std::int64_t ms =
      election_backoff_ms(election_retries_, config_.election_backoff_max_ms, env_.rng());
  backoff_deadline_ = now() + std::chrono::milliseconds(ms);
  SAMSA_LOG_DEBUG("raft {}: election of epoch {} lost, backs off {}ms", env_.name(),
                  election_.epoch, ms);
  changed_.notify();
}

sim::MessagePtr ReplicaCore::handle_begin_quorum_epoch(const BeginQuorumEpochRequest& request) {
  const sim::MutexLock lock(mutex_);
  if (request.leader_epoch < election_.epoch) {
    return quorum_response<BeginQuorumEpochResponse>(ErrorCode::kFencedLeaderEpoch);
  }
  if (!self_is_voter_ || !is_voter(request.leader)) {
    return quorum_response<BeginQuorumEpochResponse>(ErrorCode::kInconsistentVoterSet);
  }
  observe_leader(request.leader_epoch, request.leader);
  return quorum_response<BeginQuorumEpochResponse>(ErrorCode::kNone);
}

// KIP-595: a follower of the resigning leader shortens its fetch timeout, to nothing for
// the first preferred successor, so that the most up-to-date voter campaigns first.
sim::MessagePtr ReplicaCore::handle_end_quorum_epoch(const EndQuorumEpochRequest& request) {
  const sim::MutexLock lock(mutex_);
  if (request.leader_epoch < election_.epoch) {
    return quorum_response<EndQuorumEpochResponse>(ErrorCode::kFencedLeaderEpoch);
  }
  if (!self_is_voter_ || !is_voter(request.leader)) {
    return quorum_response<EndQuorumEpochResponse>(ErrorCode::kInconsistentVoterSet);
  }
  observe_leader(request.leader_epoch, request.leader);
  if (role_ == RaftRole::kFollower && election_.epoch == request.leader_epoch &&
      election_.leader == request.leader) {
    const std::int64_t ms = end_quorum_backoff_ms(request.preferred_successors, self_,
                                                  config_.election_backoff_max_ms);
    fetch_deadline_ = std::min(fetch_deadline_, now() + std::chrono::milliseconds(ms));
    changed_.notify();
  }
  return quorum_response<EndQuorumEpochResponse>(ErrorCode::kNone);
}

// A new leader tells each voter until it answers or fetches in the new epoch.
void ReplicaCore::send_begin_quorum_epoch(std::uint64_t generation, sim::NodeId voter) {
  for (int attempt = 0; attempt < kMaxBeginEpochAttempts; ++attempt) {
    if (generation_ != generation || progress_[voter].fetched) return;
    auto request = std::make_shared<BeginQuorumEpochRequest>();
    request->leader_epoch = election_.epoch;
    request->leader = self_;
    auto result =
        rpc_.call(voter, request, std::chrono::milliseconds(config_.request_timeout_ms));
    if (generation_ != generation) return;
    const auto* response =
        result.ok() ? dynamic_cast<const BeginQuorumEpochResponse*>(result.value().get())
                    : nullptr;
    if (response != nullptr) {
      const sim::MutexLock lock(mutex_);
      if (observe_leader(response->leader_epoch, response->leader)) return;
      if (response->error == ErrorCode::kNone) return;
    }
    // determinism-ok: NodeEnv::sleep_for is the kernel's virtual-time sleep
    env_.sleep_for(kQuorumRetryBackoff);
  }
}

void ReplicaCore::send_end_quorum_epoch(std::uint64_t generation, sim::NodeId voter,
                                        std::vector<sim::NodeId> successors) {
  for (int attempt = 0; attempt < kMaxEndEpochAttempts; ++attempt) {
    if (generation_ != generation) return;
    auto request = std::make_shared<EndQuorumEpochRequest>();
    request->leader_epoch = election_.epoch;
    request->leader = self_;
    request->preferred_successors = successors;
    auto result =
        rpc_.call(voter, request, std::chrono::milliseconds(config_.request_timeout_ms));
    if (generation_ != generation) return;
    const auto* response =
        result.ok() ? dynamic_cast<const EndQuorumEpochResponse*>(result.value().get()) : nullptr;
    if (response != nullptr) {
      const sim::MutexLock lock(mutex_);
      observe_leader(response->leader_epoch, response->leader);
      return;
    }
    env_.sleep_for(kQuorumRetryBackoff);
  }
}

void ReplicaCore::resign() {
  const sim::MutexLock lock(mutex_);
  if (role_ != RaftRole::kLeader) return;
  SAMSA_LOG_INFO("raft {}: resigns epoch {}", env_.name(), election_.epoch);
  become_resigned();
}

}  // namespace samsa::cluster::raft
