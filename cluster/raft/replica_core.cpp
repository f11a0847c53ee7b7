// Recovery, role transitions and the timer fiber of a Raft replica (KIP-595's quorum
// states: unattached, voted, candidate, leader, follower, resigned; observers).
#include "cluster/raft/replica_core.h"

#include <fmt/format.h>

#include <algorithm>

#include "sim/log.h"

namespace samsa::cluster::raft {

namespace {

constexpr const char* kLogDirName = "__cluster_metadata-0";
constexpr sim::Duration kMaxTimerWait = std::chrono::seconds(1);

std::string node_text(const std::optional<sim::NodeId>& node) {
  return node ? fmt::format("{}", *node) : std::string("none");
}

}  // namespace

ReplicaCore::ReplicaCore(sim::NodeEnv env, sim::RpcEndpoint& rpc, RaftConfig config,
                         StateMachine& machine)
    : env_(env),
      rpc_(rpc),
      config_(std::move(config)),
      machine_(machine),
      self_(env.id()),
      quorum_file_(env_.disk(), config_.dir),
      snapshots_(env_.disk(), config_.dir) {
  SAMSA_ASSERT(!config_.voters.empty(), "a Raft quorum has at least one voter");
  std::vector<sim::NodeId> sorted = config_.voters;
  std::sort(sorted.begin(), sorted.end());
  SAMSA_ASSERT(std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end(),
               "the voter set names a node twice");
  SAMSA_ASSERT(config_.election_timeout_ms > 0 && config_.fetch_timeout_ms > 0 &&
                   config_.request_timeout_ms > 0 && config_.fetch_max_wait_ms >= 0 &&
                   config_.election_backoff_max_ms >= 0,
               "Raft timeouts must be positive");
  self_is_voter_ = is_voter(self_);
}

bool ReplicaCore::is_voter(sim::NodeId node) const {
  return std::find(config_.voters.begin(), config_.voters.end(), node) != config_.voters.end();
}

std::optional<sim::NodeId> ReplicaCore::leader() const {
  if (role_ == RaftRole::kResigned) return std::nullopt;
  return election_.leader;
}

// --- Recovery ---------------------------------------------------------------------------

sim::Status<RaftError> ReplicaCore::start() {
  SAMSA_ASSERT(!started_, "RaftReplica::start() called twice");
  const sim::MutexLock lock(mutex_);
  auto opened = PartitionLog::open(env_, fmt::format("{}/{}", config_.dir, kLogDirName), config_.log);
  if (!opened.ok()) {
    SAMSA_LOG_ERROR("raft {}: cannot open the metadata log: {}", env_.name(),
                    log_error_name(opened.error()));
    return sim::Err(RaftError::kIo);
  }
  log_ = std::move(opened).value();
  auto state = quorum_file_.read();
  if (!state.ok()) {
    SAMSA_LOG_ERROR("raft {}: cannot read the quorum state: {}", env_.name(), state.error().detail);
    return sim::Err(RaftError::kIo);
  }
  election_ = state.value();
  if (auto recovered = recover_snapshot(); !recovered.ok()) return recovered;
  // What recovery kept may sit in the page cache only: make it durable before any Fetch
  // acknowledges it or any vote relies on it.
  if (!log_->flush().ok()) return sim::Err(RaftError::kIo);
  flushed_end_ = log_->log_end_offset();
  // Nothing is applied again until a leader tells the HW (or this lone voter computes it).
  high_watermark_ = applied_end_;
  leader_high_watermark_ = applied_end_;
  const EpochOffset last = last_epoch_offset();
  if (last.epoch > election_.epoch && !persist(ElectionState{last.epoch, {}, {}})) {
    return sim::Err(RaftError::kIo);
  }
  choose_initial_role();
  started_ = true;
  auto self = shared_from_this();
  env_.spawn("raft-timers", [self] { self->run_timers(); });
  env_.spawn("raft-fetcher", [self] { self->run_fetcher(); });
  env_.spawn("raft-applier", [self] { self->run_applier(); });
  return sim::Unit{};
}

// The newest valid snapshot becomes the state machine's state and the log's start.
sim::Status<RaftError> ReplicaCore::recover_snapshot() {
  auto loaded = snapshots_.load_newest();
  if (!loaded.ok()) return sim::Err(RaftError::kIo);
  if (!loaded.value()) {
    if (log_->log_start_offset() > Offset(0)) {
      SAMSA_LOG_ERROR("raft {}: the log starts at {} but no snapshot covers it", env_.name(),
                      log_->log_start_offset());
      return sim::Err(RaftError::kIo);
    }
    applied_end_ = log_->log_start_offset();
    return sim::Unit{};
  }
  const Snapshot& snapshot = *loaded.value();
  const Offset end = snapshot.id.end_offset;
  if (end < log_->log_start_offset()) {
    SAMSA_LOG_ERROR("raft {}: the newest valid snapshot ends at {}, before the log start {}",
                    env_.name(), end, log_->log_start_offset());
    return sim::Err(RaftError::kIo);
  }
  // A crash may have come between writing the snapshot and moving the log start.
  const bool moved = end > log_->log_end_offset() ? log_->truncate_fully_and_start_at(end).ok()
                                                  : log_->advance_log_start_offset(end).ok();
  if (!moved) return sim::Err(RaftError::kIo);
  latest_snapshot_ = snapshot.id;
  applied_end_ = end;
  last_applied_epoch_ = snapshot.id.epoch;
  machine_.restore(end, snapshot.payload);
  return sim::Unit{};
}

// KRaft's QuorumState.initialize: a replica that led its epoch comes back resigned (it
// must not lead or vote in that epoch again); a vote or a known leader is kept.
void ReplicaCore::choose_initial_role() {
  RaftRole role = RaftRole::kUnattached;
  if (!self_is_voter_) {
    role = RaftRole::kObserver;
  } else if (election_.leader == self_) {
    role = RaftRole::kResigned;
  } else if (election_.voted_for) {
    role = RaftRole::kVoted;
  } else if (election_.leader) {
    role = RaftRole::kFollower;
  }
  election_deadline_ = now() + random_election_timeout();
  fetch_deadline_ = now() + std::chrono::milliseconds(config_.fetch_timeout_ms);
  set_role(role);
}

// --- Transitions ------------------------------------------------------------------------

// The new election state is durable before anyone can see it (KIP-595: before a vote is
// answered or an epoch begun).
bool ReplicaCore::persist(const ElectionState& next) {
  SAMSA_ASSERT(next.epoch >= election_.epoch, "the quorum epoch never moves back");
  if (next == election_) return true;
  if (auto written = quorum_file_.write(next); !written.ok()) {
    SAMSA_LOG_ERROR("raft {}: cannot write the quorum state: {}", env_.name(),
                    written.error().detail);
    return false;
  }
  election_ = next;
  return true;
}

void ReplicaCore::set_role(RaftRole role) {
  const RaftRole old = role_;
  role_ = role;
  ++generation_;
  ready_ = false;
  if (role != RaftRole::kCandidate) backoff_deadline_.reset();
  if (started_) {
    SAMSA_LOG_INFO("raft {}: {} -> {} in epoch {} (leader {})", env_.name(), raft_role_name(old),
                   raft_role_name(role), election_.epoch, node_text(leader()));
  } else {
    SAMSA_LOG_INFO("raft {}: starts {} in epoch {} (leader {}, log end {}, snapshot end {})",
                   env_.name(), raft_role_name(role), election_.epoch, node_text(leader()),
                   log_->log_end_offset(), applied_end_);
  }
  if (config_.on_role_change) config_.on_role_change(role_, election_.epoch, leader());
  changed_.notify();
}

// Raft §5.2 (Figure 2): a voter's election timer restarts only when it hears from a leader
// or grants a vote, not when a newer epoch merely passes by; otherwise a stale voter that
// keeps campaigning (and keeps losing) could keep every up-to-date voter from ever timing
// out and campaigning itself.
void ReplicaCore::become_unattached(LeaderEpoch epoch) {
  if (!persist(ElectionState{epoch, {}, {}})) return;
  sim::SimTime deadline = now() + random_election_timeout();
  if (role_ == RaftRole::kFollower) deadline = std::min(deadline, fetch_deadline_);
  if (role_ == RaftRole::kUnattached || role_ == RaftRole::kVoted) deadline = election_deadline_;
  election_deadline_ = deadline;
  set_role(self_is_voter_ ? RaftRole::kUnattached : RaftRole::kObserver);
}

void ReplicaCore::become_voted(sim::NodeId candidate) {
  SAMSA_ASSERT(role_ == RaftRole::kUnattached, "only an unattached voter casts a new vote");
  if (!persist(ElectionState{election_.epoch, candidate, {}})) return;
  election_deadline_ = now() + random_election_timeout();
  set_role(RaftRole::kVoted);
}

// Raft §5.2: a new epoch, a vote for itself, and vote requests to every other voter.
void ReplicaCore::become_candidate() {
  SAMSA_ASSERT(self_is_voter_, "an observer never campaigns");
  const bool again = role_ == RaftRole::kCandidate;
  if (!persist(ElectionState{election_.epoch + 1, self_, {}})) return;
  election_retries_ = again ? election_retries_ + 1 : 1;
  votes_granted_ = {self_};
  votes_rejected_.clear();
  backoff_deadline_.reset();
  election_deadline_ = now() + random_election_timeout();
  set_role(RaftRole::kCandidate);
  if (votes_granted_.size() >= majority()) {
    become_leader();
    return;
  }
  const std::uint64_t generation = generation_;
  for (sim::NodeId voter : config_.voters) {
    if (voter == self_) continue;
    env_.spawn("raft-vote", [self = shared_from_this(), generation, voter] {
      self->request_vote(generation, voter);
    });
  }
}

void ReplicaCore::become_leader() {
  SAMSA_ASSERT(role_ == RaftRole::kCandidate, "only a candidate becomes leader");
  if (!persist(ElectionState{election_.epoch, self_, self_})) return;
  epoch_start_offset_ = log_->log_end_offset();
  progress_.clear();
  for (sim::NodeId voter : config_.voters) progress_[voter] = VoterProgress{Offset(-1), now(), false};
  set_role(RaftRole::kLeader);
  start_leader_epoch();
}

void ReplicaCore::become_follower(LeaderEpoch epoch, sim::NodeId leader) {
  SAMSA_ASSERT(leader != self_, "a replica never follows itself");
  ElectionState next{epoch, {}, leader};
  if (epoch == election_.epoch) {
    SAMSA_ASSERT(!election_.leader || *election_.leader == leader,
                 fmt::format("raft {}: two leaders ({} and {}) in epoch {}", env_.name(),
                             node_text(election_.leader), leader, epoch));
    next.voted_for = election_.voted_for;
  }
  if (!persist(next)) return;
  fetch_deadline_ = now() + std::chrono::milliseconds(config_.fetch_timeout_ms);
  set_role(self_is_voter_ ? RaftRole::kFollower : RaftRole::kObserver);
}

void ReplicaCore::become_resigned() {
  SAMSA_ASSERT(role_ == RaftRole::kLeader, "only a leader resigns");
  std::vector<sim::NodeId> successors = preferred_successors();
  election_deadline_ = now() + random_election_timeout();
  set_role(RaftRole::kResigned);
  const std::uint64_t generation = generation_;
  for (sim::NodeId voter : config_.voters) {
    if (voter == self_) continue;
    env_.spawn("raft-end-epoch", [self = shared_from_this(), generation, voter, successors] {
      self->send_end_quorum_epoch(generation, voter, successors);
    });
  }
}

bool ReplicaCore::observe_leader(LeaderEpoch epoch, std::optional<sim::NodeId> leader) {
  if (epoch > election_.epoch) {
    if (leader && *leader != self_) {
      become_follower(epoch, *leader);
    } else {
      become_unattached(epoch);
    }
    return true;
  }
  if (epoch < election_.epoch || !leader || *leader == self_) return false;
  // Raft §5.2: one leader per epoch. A replica that led this epoch hears of no other.
  SAMSA_ASSERT(role_ != RaftRole::kLeader && role_ != RaftRole::kResigned &&
                   election_.leader != self_,
               fmt::format("raft {}: node {} claims epoch {}, which this node leads", env_.name(),
                           *leader, epoch));
  if (election_.leader == leader) return false;
  become_follower(epoch, *leader);
  return true;
}

void ReplicaCore::on_log_error(std::string_view what, LogError error) {
  SAMSA_LOG_ERROR("raft {}: {} failed: {}", env_.name(), what, log_error_name(error));
  if (role_ == RaftRole::kLeader) become_resigned();
}

// --- Requests ---------------------------------------------------------------------------

bool ReplicaCore::handle(const sim::Envelope& request) {
  const sim::Message* message = request.message.get();
  const bool raft = dynamic_cast<const VoteRequest*>(message) != nullptr ||
                    dynamic_cast<const BeginQuorumEpochRequest*>(message) != nullptr ||
                    dynamic_cast<const EndQuorumEpochRequest*>(message) != nullptr ||
                    dynamic_cast<const RaftFetchRequest*>(message) != nullptr ||
                    dynamic_cast<const FetchSnapshotRequest*>(message) != nullptr;
  if (!raft || request.is_response) return false;
  SAMSA_ASSERT(started_, "a Raft request before RaftReplica::start()");
  if (in_flight_requests_ >= kMaxInFlightRequests) {
    SAMSA_LOG_DEBUG("raft {}: drops a {}: too many requests in flight", env_.name(), message->kind());
    return true;
  }
  ++in_flight_requests_;
  env_.spawn(fmt::format("raft-{}", message->kind()), [self = shared_from_this(), request] {
    struct Done {
      ReplicaCore& core;
      ~Done() { --core.in_flight_requests_; }
    } done{*self};
    sim::MessagePtr response = self->dispatch(request);
    if (response != nullptr && request.correlation_id != 0) self->rpc_.reply(request, response);
  });
  return true;
}

sim::MessagePtr ReplicaCore::dispatch(const sim::Envelope& request) {
  const sim::Message* message = request.message.get();
  if (const auto* vote = dynamic_cast<const VoteRequest*>(message)) return handle_vote(*vote);
  if (const auto* begin = dynamic_cast<const BeginQuorumEpochRequest*>(message)) {
    return handle_begin_quorum_epoch(*begin);
  }
  if (const auto* end = dynamic_cast<const EndQuorumEpochRequest*>(message)) {
    return handle_end_quorum_epoch(*end);
  }
  if (const auto* fetch = dynamic_cast<const RaftFetchRequest*>(message)) return handle_fetch(*fetch);
  const auto* snapshot = dynamic_cast<const FetchSnapshotRequest*>(message);
  SAMSA_ASSERT(snapshot != nullptr, "dispatch of a request handle() did not accept");
  return handle_fetch_snapshot(*snapshot);
}

// --- Timers -----------------------------------------------------------------------------

// The timer fiber (KRaft's poll loop): election and fetch timeouts, candidate backoff and
// the leader's check quorum. Bounded by the process's life.
void ReplicaCore::run_timers() {
  for (;;) {
    const std::shared_ptr<sim::Event> signal = changed_.current();
    sim::SimTime next;
    {
      const sim::MutexLock lock(mutex_);
      next = poll_timers();
    }
    const sim::Duration wait =
        std::clamp<sim::Duration>(next - now(), std::chrono::milliseconds(1), kMaxTimerWait);
    signal->wait_until(env_.deadline_after(wait));
  }
}

// Acts on every expired timer; returns when the next one expires (node-monotonic time).
sim::SimTime ReplicaCore::poll_timers() {
  const sim::SimTime t = now();
  switch (role_) {
    case RaftRole::kUnattached:
    case RaftRole::kVoted:
    case RaftRole::kResigned:
      if (t >= election_deadline_) become_candidate();
      break;
    case RaftRole::kFollower:
      if (t >= fetch_deadline_) become_candidate();
      break;
    case RaftRole::kCandidate:
      if (backoff_deadline_ ? t >= *backoff_deadline_ : false) {
        become_candidate();
      } else if (!backoff_deadline_ && t >= election_deadline_) {
        start_backoff();
      }
      break;
    case RaftRole::kLeader:
      if (check_quorum_expired(t)) {
        SAMSA_LOG_INFO("raft {}: no Fetch from a majority in {}ms: resigns epoch {}", env_.name(),
                       config_.fetch_timeout_ms, election_.epoch);
        become_resigned();
      }
      break;
    case RaftRole::kObserver:
      if (election_.leader && t >= fetch_deadline_ &&
          persist(ElectionState{election_.epoch, {}, {}})) {
        set_role(RaftRole::kObserver);  // the leader is unknown again: try the voters
      }
      break;
  }
  switch (role_) {
    case RaftRole::kUnattached:
    case RaftRole::kVoted:
    case RaftRole::kResigned:
      return election_deadline_;
    case RaftRole::kFollower:
      return fetch_deadline_;
    case RaftRole::kCandidate:
      return backoff_deadline_ ? *backoff_deadline_ : election_deadline_;
    case RaftRole::kLeader:
      return t + std::chrono::milliseconds(std::max(1, config_.fetch_timeout_ms / 10));
    case RaftRole::kObserver:
      return election_.leader ? fetch_deadline_ : t + kMaxTimerWait;
  }
  return t + kMaxTimerWait;
}

sim::Duration ReplicaCore::random_election_timeout() {
  const std::int64_t t = config_.election_timeout_ms;
  return std::chrono::milliseconds(env_.rng().uniform_int(t, 2 * t - 1));
}

// The (epoch, offset) this replica's log ends at: the epoch of its last record, or of the
// snapshot it starts from when it holds no record (KRaft's lastFetchedEpoch).
EpochOffset ReplicaCore::last_epoch_offset() const {
  const Offset end = log_->log_end_offset();
  const Offset start = log_->log_start_offset();
  if (end == start && latest_snapshot_ && latest_snapshot_->end_offset == start) {
    return EpochOffset{latest_snapshot_->epoch, end};
  }
  const std::optional<LeaderEpoch> latest = log_->epoch_cache().latest_epoch();
  return EpochOffset{latest.value_or(LeaderEpoch(0)), end};
}

}  // namespace samsa::cluster::raft
