// The fetcher of a follower or observer (KIP-595 pull replication): fetch from the leader,
// truncate on a diverging epoch, append and fsync before acknowledging, take the leader's
// high watermark, and load the leader's snapshot when it has moved its log start past us
// (KIP-630). An observer that knows no leader asks the voters in turn.
#include <fmt/format.h>

#include <algorithm>

#include "cluster/raft/replica_core.h"
#include "cluster/raft/vote_rules.h"
#include "sim/log.h"

namespace samsa::cluster::raft {

namespace {
constexpr sim::Duration kIdleWait = std::chrono::seconds(1);
constexpr int kMaxCallWaitRounds = 1'000'000;  // each round ends by a change or the deadline
}  // namespace

// Bounded by the process's life: a crash unwinds it (FiberKilled).
void ReplicaCore::run_fetcher() {
  for (;;) {
    const std::shared_ptr<sim::Event> signal = changed_.current();
    std::optional<sim::NodeId> target;
    std::shared_ptr<RaftFetchRequest> request;
    std::uint64_t generation = 0;
    {
      const sim::MutexLock lock(mutex_);
      target = fetch_target();
      // Everything acknowledged must be durable (a failed flush is retried here).
      if (target && flushed_end_ < log_->log_end_offset()) {
        if (auto flushed = log_->flush(); flushed.ok()) {
          flushed_end_ = log_->log_end_offset();
        } else {
          target.reset();
        }
      }
      if (target) {
        generation = generation_;
        request = build_fetch();
      }
    }
    if (!target) {
      signal->wait_until(env_.deadline_after(kIdleWait));
      continue;
    }
    const sim::MessagePtr answer = call_unless_role_changes(*target, request, generation);
    FetchOutcome outcome = FetchOutcome::kBackoff;
    std::optional<SnapshotId> snapshot;
    const auto* response = dynamic_cast<const RaftFetchResponse*>(answer.get());
    if (response == nullptr && generation_ != generation) continue;  // fetch anew at once
    {
      const sim::MutexLock lock(mutex_);
      if (response != nullptr) {
        outcome = on_fetch_response(generation, *target, *request, *response, &snapshot);
      } else if (role_ == RaftRole::kObserver && !election_.leader) {
        ++next_voter_index_;
      }
    }
    if (outcome == FetchOutcome::kFetchSnapshot && !fetch_snapshot(generation, *target, *snapshot)) {
      outcome = FetchOutcome::kBackoff;
    }
    if (outcome == FetchOutcome::kBackoff) env_.sleep_for(kRetryBackoff);
  }
}

// Sends the Fetch from a fiber of its own and waits for its answer, but no longer than
// the role lasts: a follower of a new leader must not sit out the timeout of a Fetch to
// the old one (KRaft's poll loop simply sends to the new leader). Null when there was no
// answer, or the role changed first (the call then ends unobserved, by its timeout).
sim::MessagePtr ReplicaCore::call_unless_role_changes(sim::NodeId target,
                                                      std::shared_ptr<RaftFetchRequest> request,
                                                      std::uint64_t generation) {
  const sim::Duration timeout =
      std::chrono::milliseconds(config_.fetch_max_wait_ms + config_.request_timeout_ms);
  auto answer = std::make_shared<std::optional<sim::MessagePtr>>();
  env_.spawn("raft-fetch-call", [self = shared_from_this(), target, request, timeout, answer] {
    auto result = self->rpc_.call(target, request, timeout);
    *answer = result.ok() ? result.value() : nullptr;
    self->changed_.notify();
  });
  const sim::SimTime deadline = env_.deadline_after(timeout + kRetryBackoff);
  for (int round = 0; round < kMaxCallWaitRounds; ++round) {
    const std::shared_ptr<sim::Event> signal = changed_.current();
    if (answer->has_value()) return **answer;
    if (generation_ != generation || !signal->wait_until(deadline)) break;
  }
  return answer->has_value() ? **answer : nullptr;
}

std::optional<sim::NodeId> ReplicaCore::fetch_target() {
  if (role_ == RaftRole::kFollower) return election_.leader;
  if (role_ != RaftRole::kObserver) return std::nullopt;
  if (election_.leader) return election_.leader;
  return config_.voters[next_voter_index_ % config_.voters.size()];
}

std::shared_ptr<RaftFetchRequest> ReplicaCore::build_fetch() const {
  auto request = std::make_shared<RaftFetchRequest>();
  const EpochOffset last = last_epoch_offset();
  request->replica = self_;
  request->current_leader_epoch = election_.epoch;
  request->fetch_offset = last.offset;
  request->last_fetched_epoch = last.epoch;
  request->max_wait_ms = config_.fetch_max_wait_ms;
  request->max_bytes = kMaxFetchBytes;
  return request;
}

ReplicaCore::FetchOutcome ReplicaCore::on_fetch_response(std::uint64_t generation,
                                                         sim::NodeId from,
                                                         const RaftFetchRequest& sent,
                                                         const RaftFetchResponse& got,
                                                         std::optional<SnapshotId>* snapshot) {
  if (generation_ != generation) return FetchOutcome::kAgain;  // asked for an older role
  if (observe_leader(got.leader_epoch, got.leader)) return FetchOutcome::kAgain;
  if (got.leader_epoch < election_.epoch) return FetchOutcome::kBackoff;
  if (got.error != ErrorCode::kNone) {
    if (role_ == RaftRole::kObserver && !election_.leader) ++next_voter_index_;
    return FetchOutcome::kBackoff;
  }
  if (election_.leader != from) return FetchOutcome::kBackoff;
  // A valid answer of this epoch's leader.
  fetch_deadline_ = now() + std::chrono::milliseconds(config_.fetch_timeout_ms);
  leader_high_watermark_ = std::max(leader_high_watermark_, got.high_watermark);
  if (got.diverging_epoch) {
    truncate_on_divergence(*got.diverging_epoch);
    return FetchOutcome::kAgain;
  }
  if (got.snapshot_id) {
    *snapshot = *got.snapshot_id;
    return FetchOutcome::kFetchSnapshot;
  }
  if (sent.fetch_offset != log_->log_end_offset()) return FetchOutcome::kAgain;
  if (!got.records.empty() && !append_fetched(got.records)) return FetchOutcome::kBackoff;
  // Followers: HW = min(leader's HW, own end offset); below it the log matches the
  // leader's, for the leader validated our fetch position.
  const Offset hw = std::min(got.high_watermark, log_->log_end_offset());
  if (hw > high_watermark_) {
    high_watermark_ = hw;
    changed_.notify();
  }
  return FetchOutcome::kAgain;
}

// KIP-595: truncate to where our log and the leader's agree, then fetch again. A committed
// record is never truncated (KRaft refuses, "below the current high watermark").
void ReplicaCore::truncate_on_divergence(const EpochEndOffset& diverging) {
  const Offset end = log_->log_end_offset();
  const EpochEndOffset own = log_->epoch_cache().end_offset_for(diverging.epoch, end);
  const Offset target = truncation_offset(diverging, own, end, log_->log_start_offset());
  SAMSA_ASSERT(target >= high_watermark_,
               fmt::format("raft {}: the leader of epoch {} asks to truncate to {}, below the high "
                           "watermark {}: a committed record would be lost",
                           env_.name(), election_.epoch, target, high_watermark_));
  SAMSA_LOG_INFO("raft {}: diverged at epoch {} (leader ends it at {}): truncates {} -> {}",
                 env_.name(), diverging.epoch, diverging.end_offset, end, target);
  // At or above the end only the epoch cache is cut there (an epoch this replica assigned
  // but never wrote under would make every fetch diverge again), as Kafka's truncateTo.
  if (auto truncated = log_->truncate_to(target); !truncated.ok()) {
    on_log_error("a truncation", truncated.error());
    return;
  }
  flushed_end_ = std::min(flushed_end_, log_->log_end_offset());
  changed_.notify();
}

bool ReplicaCore::append_fetched(const sim::Bytes& records) {
  if (auto appended = log_->append_as_follower(records); !appended.ok()) {
    SAMSA_LOG_WARN("raft {}: follower append failed: {}", env_.name(),
                   log_error_name(appended.error()));
    if (appended.error() == LogError::kIo) on_log_error("a follower append", appended.error());
    return false;
  }
  changed_.notify();
  // fsynced before the next Fetch acknowledges it.
  if (auto flushed = log_->flush(); !flushed.ok()) {
    on_log_error("a follower flush", flushed.error());
    return false;
  }
  flushed_end_ = log_->log_end_offset();
  return true;
}

// Downloads snapshot `id` from the leader and installs it. False when it should back off.
bool ReplicaCore::fetch_snapshot(std::uint64_t generation, sim::NodeId from, SnapshotId id) {
  auto request = std::make_shared<FetchSnapshotRequest>();
  request->replica = self_;
  request->current_leader_epoch = election_.epoch;
  request->snapshot_id = id;
  auto result = rpc_.call(from, request, std::chrono::milliseconds(config_.request_timeout_ms));
  const auto* response =
      result.ok() ? dynamic_cast<const FetchSnapshotResponse*>(result.value().get()) : nullptr;
  if (response == nullptr) return false;
  {
    const sim::MutexLock lock(mutex_);
    if (observe_leader(response->leader_epoch, response->leader)) return true;
    if (generation_ != generation) return true;
  }
  if (response->error != ErrorCode::kNone) return false;
  const std::optional<Snapshot> snapshot = SnapshotStore::decode(response->bytes, id);
  if (!snapshot) {
    SAMSA_LOG_WARN("raft {}: snapshot ({}, {}) from {} does not check out", env_.name(),
                   id.end_offset, id.epoch, from);
    return false;
  }
  install_snapshot(generation, *snapshot, response->bytes);
  return true;
}

// KIP-630: the snapshot becomes durable, the log restarts empty at its end, and the state
// machine takes its state. Serialized with the applier by machine_mutex_.
void ReplicaCore::install_snapshot(std::uint64_t generation, const Snapshot& snapshot,
                                   std::span<const std::uint8_t> file) {
  const sim::MutexLock machine_lock(machine_mutex_);
  const Offset end = snapshot.id.end_offset;
  {
    const sim::MutexLock lock(mutex_);
    // Only for the follower that asked (a leader's log is never reset), and only forward.
    if (generation_ != generation || end < applied_end_) return;
    SAMSA_ASSERT(high_watermark_ <= end, "a snapshot from the leader never moves the HW back");
    if (auto written = snapshots_.write_file(snapshot.id, file); !written.ok()) {
      SAMSA_LOG_ERROR("raft {}: cannot write snapshot ({}, {}): {}", env_.name(), end,
                      snapshot.id.epoch, sim::io_error_name(written.error()));
      return;
    }
    if (auto reset = log_->truncate_fully_and_start_at(end); !reset.ok()) {
      on_log_error("the log reset for a snapshot", reset.error());
      return;
    }
    latest_snapshot_ = snapshot.id;
    flushed_end_ = end;
    high_watermark_ = std::max(high_watermark_, end);
    leader_high_watermark_ = std::max(leader_high_watermark_, end);
    applied_end_ = end;
    last_applied_epoch_ = snapshot.id.epoch;
    records_since_snapshot_ = 0;
  }
  SAMSA_LOG_INFO("raft {}: installed snapshot ({}, {}) from the leader", env_.name(), end,
                 snapshot.id.epoch);
  machine_.restore(end, snapshot.payload);
  if (auto removed = snapshots_.remove_older_than(snapshot.id); !removed.ok()) {
    SAMSA_LOG_WARN("raft {}: cannot remove old snapshots", env_.name());
  }
  changed_.notify();
}

}  // namespace samsa::cluster::raft
