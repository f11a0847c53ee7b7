// The leader's side (KIP-595): serving Fetch (divergence and snapshot redirection, long
// polls), FetchSnapshot, the high watermark (Raft §5.3, §5.4.2), check quorum, appends.
#include <fmt/format.h>

#include <algorithm>

#include "cluster/log/record_batch.h"
#include "cluster/raft/replica_core.h"
#include "cluster/raft/vote_rules.h"
#include "sim/log.h"

namespace samsa::cluster::raft {

namespace {
constexpr int kMaxCommitWaitRounds = 1'000'000;
}  // namespace

ErrorCode ReplicaCore::check_leader_request(LeaderEpoch current_leader_epoch) const {
  if (current_leader_epoch < election_.epoch) return ErrorCode::kFencedLeaderEpoch;
  if (current_leader_epoch > election_.epoch) return ErrorCode::kUnknownLeaderEpoch;
  if (role_ != RaftRole::kLeader) return ErrorCode::kNotLeaderOrFollower;
  return ErrorCode::kNone;
}

// A Fetch at the leader's end offset waits (long poll) until an append, a HW move or a
// role change, at most max_wait_ms; then it is answered with whatever there is.
sim::MessagePtr ReplicaCore::handle_fetch(const RaftFetchRequest& request) {
  const sim::SimTime deadline =
      env_.deadline_after(std::chrono::milliseconds(std::max(0, request.max_wait_ms)));
  const std::shared_ptr<sim::Event> signal = changed_.current();
  {
    const sim::MutexLock lock(mutex_);
    if (auto response = answer_fetch(request, request.max_wait_ms > 0)) return response;
  }
  signal->wait_until(deadline);
  const sim::MutexLock lock(mutex_);
  return answer_fetch(request, false);
}

// The answer to a Fetch, or null when it should wait (may_wait and nothing to send).
std::shared_ptr<RaftFetchResponse> ReplicaCore::answer_fetch(const RaftFetchRequest& request,
                                                             bool may_wait) {
  auto out = quorum_response<RaftFetchResponse>(check_leader_request(request.current_leader_epoch));
  out->high_watermark = high_watermark_;
  out->log_start_offset = log_->log_start_offset();
  if (out->error != ErrorCode::kNone) return out;
  const Offset end = log_->log_end_offset();
  const FetchPosition position = validate_fetch_position(
      request.fetch_offset, request.last_fetched_epoch, log_->log_start_offset(), latest_snapshot_,
      log_->epoch_cache().end_offset_for(request.last_fetched_epoch, end));
  if (position.kind == FetchPosition::Kind::kSnapshot) {
    out->snapshot_id = position.snapshot;
    return out;
  }
  if (position.kind == FetchPosition::Kind::kDiverging) {
    out->diverging_epoch = position.diverging;
    return out;
  }
  SAMSA_ASSERT(request.fetch_offset <= end, "a valid fetch position lies within the leader's log");
  // The fetch offset acknowledges every record below it as durable on that voter.
  const auto it = progress_.find(request.replica);
  if (it != progress_.end() && request.replica != self_) {
    it->second.end_offset = request.fetch_offset;
    it->second.last_fetch = now();
    it->second.fetched = true;
    maybe_advance_high_watermark();
    out->high_watermark = high_watermark_;
  }
  if (request.fetch_offset < end) {
    auto read = log_->read(request.fetch_offset,
                           std::clamp(request.max_bytes, 1, kMaxFetchBytes), end);
    if (!read.ok()) {
      out->error = read.error() == LogError::kOffsetOutOfRange ? ErrorCode::kOffsetOutOfRange
                                                               : ErrorCode::kKafkaStorageError;
      if (read.error() == LogError::kIo) on_log_error("a fetch read", read.error());
      return out;
    }
    out->records = std::move(read.value().batches);
    return out;
  }
  return may_wait ? nullptr : out;
}

sim::MessagePtr ReplicaCore::handle_fetch_snapshot(const FetchSnapshotRequest& request) {
  auto out = quorum_response<FetchSnapshotResponse>(
      check_leader_request(request.current_leader_epoch));
  out->snapshot_id = request.snapshot_id;
  if (out->error != ErrorCode::kNone) return out;
  auto file = snapshots_.read_file(request.snapshot_id);
  if (!file.ok()) {
    out->error = ErrorCode::kSnapshotNotFound;
    return out;
  }
  out->bytes = std::move(file).value();
  return out;
}

// KIP-595: the new leader's first record in its epoch is a leader-change control record;
// until it is on a majority nothing of earlier epochs counts as committed (Raft §5.4.2).
void ReplicaCore::start_leader_epoch() {
  const std::string text = fmt::format("leader={} epoch={}", self_, election_.epoch);
  const RecordInput record{env_.wall_ms(), sim::Bytes{'L', 'e', 'a', 'd', 'e', 'r', 'C', 'h', 'a', 'n', 'g', 'e'},
                           sim::Bytes(text.begin(), text.end())};
  const sim::Bytes batch = encode_control_batch(std::span(&record, 1));
  if (auto appended = log_->append_as_leader(batch, election_.epoch); !appended.ok()) {
    on_log_error("the leader-change append", appended.error());
    return;
  }
  if (auto flushed = log_->flush(); !flushed.ok()) {
    on_log_error("the leader-change flush", flushed.error());
    return;
  }
  flushed_end_ = log_->log_end_offset();
  maybe_advance_high_watermark();
  const std::uint64_t generation = generation_;
  for (sim::NodeId voter : config_.voters) {
    if (voter == self_) continue;
    env_.spawn("raft-begin-epoch", [self = shared_from_this(), generation, voter] {
      self->send_begin_quorum_epoch(generation, voter);
    });
  }
  changed_.notify();
}

// Raft §5.3: the HW is the end offset a majority of voters hold durably (the leader's own
// counts once fsynced), and only past the epoch's start (§5.4.2). It never moves back.
void ReplicaCore::maybe_advance_high_watermark() {
  SAMSA_ASSERT(role_ == RaftRole::kLeader, "only the leader computes the high watermark");
  std::vector<Offset> ends;
  ends.reserve(config_.voters.size());
  for (sim::NodeId voter : config_.voters) {
    ends.push_back(voter == self_ ? flushed_end_ : progress_[voter].end_offset);
  }
  const std::optional<Offset> majority = majority_high_watermark(ends, epoch_start_offset_);
  if (!majority || *majority <= high_watermark_) return;
  SAMSA_ASSERT(*majority <= log_->log_end_offset(), "the high watermark passes the leader's log");
  high_watermark_ = *majority;
  leader_high_watermark_ = *majority;
  changed_.notify();
}

bool ReplicaCore::check_quorum_expired(sim::SimTime t) const {
  std::size_t recent = 1;  // the leader itself
  for (const auto& entry : progress_) {
    if (entry.first == self_) continue;
    if (t - entry.second.last_fetch < std::chrono::milliseconds(config_.fetch_timeout_ms)) ++recent;
  }
  return recent < majority();
}

// The voters other than the leader, the most up to date first (KIP-595 EndQuorumEpoch).
std::vector<sim::NodeId> ReplicaCore::preferred_successors() const {
  std::vector<sim::NodeId> successors;
  for (sim::NodeId voter : config_.voters) {
    if (voter != self_) successors.push_back(voter);
  }
  std::stable_sort(successors.begin(), successors.end(), [this](sim::NodeId a, sim::NodeId b) {
    return progress_.at(a).end_offset > progress_.at(b).end_offset;
  });
  return successors;
}

sim::Result<Offset, RaftError> ReplicaCore::append(std::vector<sim::Bytes> values) {
  SAMSA_ASSERT(!values.empty(), "append() needs at least one value");
  const sim::MutexLock lock(mutex_);
  if (!is_ready_leader()) return sim::Err(RaftError::kNotLeader);
  std::vector<RecordInput> records;
  records.reserve(values.size());
  for (sim::Bytes& value : values) records.push_back(RecordInput{env_.wall_ms(), {}, std::move(value)});
  const sim::Bytes batch = encode_batch(records);
  auto appended = log_->append_as_leader(batch, election_.epoch);
  if (!appended.ok()) {
    on_log_error("an append", appended.error());
    return sim::Err(RaftError::kIo);
  }
  changed_.notify();  // long-polling fetches may take it while we fsync
  if (auto flushed = log_->flush(); !flushed.ok()) {
    on_log_error("an append's flush", flushed.error());
    return sim::Err(RaftError::kIo);
  }
  flushed_end_ = log_->log_end_offset();
  if (role_ == RaftRole::kLeader) maybe_advance_high_watermark();
  return appended.value().last_offset;
}

sim::Status<RaftError> ReplicaCore::wait_committed(Offset offset, LeaderEpoch epoch,
                                                   sim::Duration timeout) {
  const sim::SimTime deadline = env_.deadline_after(timeout);
  for (int round = 0; round < kMaxCommitWaitRounds; ++round) {
    const std::shared_ptr<sim::Event> signal = changed_.current();
    if (role_ != RaftRole::kLeader || election_.epoch != epoch) {
      return sim::Err(RaftError::kLeadershipLost);
    }
    if (high_watermark_ > offset) return sim::Unit{};
    if (!signal->wait_until(deadline)) {
      if (role_ == RaftRole::kLeader && election_.epoch == epoch && high_watermark_ > offset) {
        return sim::Unit{};
      }
      return sim::Err(role_ == RaftRole::kLeader && election_.epoch == epoch
                          ? RaftError::kTimeout
                          : RaftError::kLeadershipLost);
    }
  }
  return sim::Err(RaftError::kTimeout);
}

}  // namespace samsa::cluster::raft
