#include "cluster/broker/partition.h"

#include <fmt/format.h>

#include <algorithm>

#include "cluster/log/partition_log.h"
#include "cluster/log/record_batch.h"
#include "sim/log.h"

namespace samsa::cluster {

namespace {
// Bound on the delay-queue rounds of one acks=all request (each waits for a change).
constexpr int kMaxAckRounds = 1'000'000;

bool contains(const std::vector<BrokerId>& set, BrokerId b) {
  return std::find(set.begin(), set.end(), b) != set.end();
}
}  // namespace

Partition::Partition(BrokerContext& ctx, TopicPartition tp, std::unique_ptr<PartitionLog> log)
    : ctx_(ctx), tp_(std::move(tp)), log_(std::move(log)) {
  state_.tp = tp_;
  state_.leader_epoch = kNoLeaderEpoch;
  if (log_ == nullptr || log_->offline()) {
    offline_ = true;
    SAMSA_LOG_WARN("{}: offline: its log could not be opened", to_string(tp_));
    return;
  }
  high_watermark_ = std::min(log_->checkpointed_high_watermark(), log_->log_end_offset());
  checkpointed_high_watermark_ = high_watermark_;
  observe();
}

Partition::~Partition() = default;

void Partition::observe() {
  if (!ctx_.config.replica_observer || offline_) return;
  ReplicaObservation now{
      .broker = ctx_.config.broker_id,
      .tp = tp_,
      .role = role_,
      .leader_epoch = role_ == ReplicaRole::kNone ? kNoLeaderEpoch : state_.leader_epoch,
      .high_watermark = high_watermark_,
      .log_end_offset = log_end_offset(),
      .isr = leader_ ? leader_->maximal_isr() : std::vector<BrokerId>{},
      .log_start_offset = log_ != nullptr ? log_->log_start_offset() : Offset(0)};
  if (observed_ == now) return;
  observed_ = now;
  ctx_.config.replica_observer(now);
}

std::int64_t Partition::now_ms() const {
  return sim::to_ms(ctx_.env.monotonic().time_since_epoch());
}

// --- Metadata ---------------------------------------------------------------------------

void Partition::apply_state(const PartitionState& state) {
  const sim::MutexLock lock(log_mutex_);
  const ObserveOnExit observe_on_exit{*this};
  // Kafka's ReplicaManager ignores leader and follower changes for a partition in an
  // offline log dir ("Unable to bring up new local leader ... offline log directory").
  if (offline_) return;
  SAMSA_ASSERT(state.leader_epoch >= state_.leader_epoch || role_ == ReplicaRole::kNone,
               fmt::format("{}: leader epoch went backwards", to_string(tp_)));
  const BrokerId self = ctx_.config.broker_id;
  if (!contains(state.replicas, self) || state.leader == kNoLeader) {
    stop();
    state_ = state;
    return;
  }
  const bool new_leadership =
      state.leader_epoch > state_.leader_epoch || state.leader != state_.leader;
  if (state.leader == self) {
    if (role_ != ReplicaRole::kLeader || new_leadership) {
      become_leader(state);
    } else {
      update_isr(state);
    }
    return;
  }
  if (role_ != ReplicaRole::kFollower || new_leadership) {
    become_follower(state);
  } else if (state.partition_epoch > state_.partition_epoch) {
    state_ = state;
  }
}

// KIP-101: the new leader records (epoch, LEO) in its epoch cache; its HW is its own,
// clamped to its LEO, and only moves up from there.
void Partition::become_leader(const PartitionState& state) {
  // The epoch is recorded (disk I/O) before the role flips, so that nobody sees a leader
  // whose replica state is not set up yet.
  const Offset leo = log_end_offset();
  const auto assigned = log_->assign_epoch_start_offset(state.leader_epoch, leo);
  if (!assigned.ok()) {
    SAMSA_ASSERT(went_offline(assigned.error(), "recording the new leader epoch"),
                 fmt::format("{}: only a disk error stops a new leader", to_string(tp_)));
    return;
  }
  ++generation_;
  role_ = ReplicaRole::kLeader;
  state_ = state;
  leader_.emplace(ctx_.config.broker_id, ctx_.config.replication, &ctx_.config.bugs);
  const Offset hw = std::min(high_watermark_, leo);
  leader_->become_leader(state.leader_epoch, leo, state.replicas, state.isr, leo, hw, now_ms());
  high_watermark_ = hw;
  sync_leader_high_watermark();
  SAMSA_LOG_DEBUG("{}: leader at epoch {}, LEO {}, HW {}", to_string(tp_), state.leader_epoch, leo,
                  high_watermark_);
  const std::uint64_t generation = generation_;
  ctx_.env.spawn(fmt::format("isr-{}", to_string(tp_)),
                 [this, generation] { run_isr_checks(generation); });
  ctx_.changed.notify();
}

// Pending acks=all waiters see the role change and answer NOT_LEADER_OR_FOLLOWER. The
// log is truncated later, by the leader's diverging-epoch answer (KIP-101/KIP-595) —
// unless Bug::kTruncateToHighWatermark brings back the pre-KIP-101 truncation to our HW.
void Partition::become_follower(const PartitionState& state) {
  ++generation_;
  role_ = ReplicaRole::kFollower;
  state_ = state;
  leader_.reset();
  ctx_.changed.notify();
  if (ctx_.config.bugs.on(Bug::kTruncateToHighWatermark)) truncate_to(high_watermark_);
  SAMSA_LOG_DEBUG("{}: follower of broker {} at epoch {}, LEO {}", to_string(tp_), state.leader,
                  state.leader_epoch, log_end_offset());
}

void Partition::stop() {
  if (role_ == ReplicaRole::kNone) return;
  ++generation_;
  role_ = ReplicaRole::kNone;
  leader_.reset();
  ctx_.changed.notify();
}

// --- Leader side ------------------------------------------------------------------------

ErrorCode Partition::check_leader_epoch(LeaderEpoch current, bool leader_required) const {
  // Kafka's getPartitionOrError answers for an offline partition before any epoch check.
  if (offline_) return ErrorCode::kKafkaStorageError;
  if (current != kNoLeaderEpoch && current < state_.leader_epoch)
    return ErrorCode::kFencedLeaderEpoch;
  if (current != kNoLeaderEpoch && current > state_.leader_epoch)
    return ErrorCode::kUnknownLeaderEpoch;
  if (leader_required && role_ != ReplicaRole::kLeader) return ErrorCode::kNotLeaderOrFollower;
  return ErrorCode::kNone;
}

AppendOutcome Partition::append_records(const ProduceRequest& request) {
  const sim::MutexLock lock(log_mutex_);
  AppendOutcome out;
  out.error = check_leader_epoch(kNoLeaderEpoch, true);
  if (out.error != ErrorCode::kNone) return out;
  out.epoch = state_.leader_epoch;
  const auto view = BatchView::parse(request.batch);
  if (!view.ok()) {
    out.error = ErrorCode::kCorruptMessage;
    return out;
  }
  if (request.acks == -1) {
    out.error = leader_->check_before_append();  // NOT_ENOUGH_REPLICAS: nothing appended
    if (out.error != ErrorCode::kNone) return out;
  }
  const BatchView& batch = view.value();
  // Kafka's LogValidator: "Compacted topic cannot accept message without key".
  if (compacts(log_->config().cleanup_policy)) {
    const auto records = batch.records();
    if (std::any_of(records.begin(), records.end(), [](const Record& r) { return !r.key; })) {
      out.error = ErrorCode::kInvalidRecord;
      return out;
    }
  }
  if (batch.producer_id() != kNoProducerId) {  // KIP-98
    const SequenceCheck check = log_->producer_state().check(
        batch.producer_id(), batch.producer_epoch(), batch.base_sequence(), batch.last_sequence());
    out.error = check.error;
    if (check.duplicate_of) {
      out.base_offset = check.duplicate_of->first_offset;
      out.last_offset = check.duplicate_of->last_offset;
      out.appended = true;  // already in the log: acks=all still waits for the HW
    }
    if (!check.should_append()) return out;
  }
  return append_to_log(request.batch, out);
}

AppendOutcome Partition::append_to_log(const Bytes& batch, AppendOutcome out) {
  const Offset base = log_end_offset();
  auto appended = log_->append_as_leader(batch, state_.leader_epoch);
  if (!appended.ok()) {
    const bool offline = went_offline(appended.error(), "appending");
    out.error = !offline && appended.error() == LogError::kInvalidBatch
                    ? ErrorCode::kInvalidRecord
                    : ErrorCode::kKafkaStorageError;
    return out;
  }
  out.base_offset = base;
  out.last_offset = log_end_offset() - 1;
  out.appended = true;
  leader_->on_leader_append(log_end_offset());
  sync_leader_high_watermark();
  observe();
  ctx_.changed.notify();  // new data for long polls
  return out;
}

ErrorCode Partition::await_acks_all(const AppendOutcome& appended, sim::SimTime deadline) {
  for (int round = 0; round < kMaxAckRounds; ++round) {
    const std::shared_ptr<sim::Event> signal = ctx_.changed.current();
    // Kafka's DelayedProduce completes with KAFKA_STORAGE_ERROR once the partition is
    // offline (markPartitionOffline completes the delayed requests).
    if (offline_) return ErrorCode::kKafkaStorageError;
    if (role_ != ReplicaRole::kLeader || state_.leader_epoch != appended.epoch) {
      return ErrorCode::kNotLeaderOrFollower;
    }
    const AckCheck check = leader_->check_acks_all(appended.last_offset, log_end_offset());
    if (check.done) return check.error;
    if (!signal->wait_until(deadline)) return ErrorCode::kRequestTimedOut;
  }
  return ErrorCode::kRequestTimedOut;
}

EpochEndOffset Partition::end_offset_for(LeaderEpoch epoch) const {
  EpochEndOffset answer = log_->epoch_cache().end_offset_for(epoch, log_end_offset());
  // Pre-KIP-279: only the end offset was answered, and the follower took it as the end
  // of the epoch it asked about — wrong when the leader never saw that epoch.
  if (ctx_.config.bugs.on(Bug::kEpochLookupWithoutEpoch) &&
      answer.end_offset != kUndefinedEpochOffset) {
    answer.epoch = epoch;
  }
  return answer;
}

FetchedPartition Partition::read(const FetchPartition& request, BrokerId replica_id,
                                 bool follower_may_serve) {
  const sim::MutexLock lock(log_mutex_);
  FetchedPartition out;
  out.tp = tp_;
  const bool leader_required = replica_id >= BrokerId(0) || !follower_may_serve;
  out.error = check_leader_epoch(request.current_leader_epoch, leader_required);
  if (out.error == ErrorCode::kNone && role_ == ReplicaRole::kNone) {
    out.error = ErrorCode::kNotLeaderOrFollower;
  }
  if (out.error == ErrorCode::kNone && replica_id >= BrokerId(0) &&
      leader_->follower(replica_id) == nullptr) {
    out.error = ErrorCode::kNotLeaderOrFollower;  // not a replica of this partition
  }
  if (out.error != ErrorCode::kNone) return out;
  const bool follower = replica_id >= BrokerId(0);
  if (follower && request.last_fetched_epoch != kNoLeaderEpoch) {
    // KIP-595/KIP-320: the follower's last epoch must end where ours does, at or after
    // its fetch offset; otherwise it diverged and must truncate first.
    const EpochEndOffset ours = end_offset_for(request.last_fetched_epoch);
    if (ours.epoch != request.last_fetched_epoch || ours.end_offset < request.fetch_offset) {
      out.diverging_epoch = ours;
      fill_offsets(out);
      return out;
    }
  }
  if (request.fetch_offset < log_->log_start_offset() || request.fetch_offset > log_end_offset()) {
    out.error = ErrorCode::kOffsetOutOfRange;
    fill_offsets(out);
    return out;
  }
  const Offset limit = follower ? log_end_offset() : high_watermark_;
  if (request.fetch_offset < limit) {
    auto records = read_range(request.fetch_offset, limit, std::max(1, request.max_bytes));
    if (!records) {
      out.error = ErrorCode::kKafkaStorageError;
      return out;
    }
    out.records = std::move(*records);
  }
  if (follower) {
    leader_->on_follower_fetch(replica_id, request.fetch_offset, log_end_offset(), now_ms());
    sync_leader_high_watermark();
    maybe_expand_isr(replica_id);
  }
  fill_offsets(out);
  return out;
}

sim::Result<Partition::LocalRead, ErrorCode> Partition::read_as_leader_to_log_end(
    LeaderEpoch epoch, std::optional<Offset> start, std::int32_t max_bytes) {
  const sim::MutexLock lock(log_mutex_);
  if (offline_) return sim::Err(ErrorCode::kKafkaStorageError);
  if (role_ != ReplicaRole::kLeader || state_.leader_epoch != epoch) {
    return sim::Err(ErrorCode::kNotLeaderOrFollower);
  }
  LocalRead out;
  out.log_start_offset = log_->log_start_offset();
  out.log_end_offset = log_end_offset();
  const Offset from = start.value_or(out.log_start_offset);
  if (from < out.log_start_offset || from > out.log_end_offset) {
    return sim::Err(ErrorCode::kOffsetOutOfRange);
  }
  if (from < out.log_end_offset) {
    auto records = read_range(from, out.log_end_offset, std::max(1, max_bytes));
    if (!records) return sim::Err(ErrorCode::kKafkaStorageError);
    out.batches = std::move(*records);
  }
  return out;
}

void Partition::fill_offsets(FetchedPartition& out) const {
  out.high_watermark = high_watermark_;
  out.log_start_offset = log_->log_start_offset();
  out.log_end_offset = log_end_offset();
}

ListOffsetsResponse Partition::list_offsets(const ListOffsetsRequest& request) {
  const sim::MutexLock lock(log_mutex_);
  ListOffsetsResponse out;
  out.error = check_leader_epoch(request.current_leader_epoch, true);
  if (out.error != ErrorCode::kNone) return out;
  out.leader_epoch = state_.leader_epoch;
  if (request.timestamp == kEarliestTimestamp) {
    out.offset = log_->log_start_offset();
  } else if (request.timestamp == kLatestTimestamp) {
    out.offset = high_watermark_;  // consumers see up to the HW only
  } else {
    const auto found = log_->offset_for_timestamp(request.timestamp);
    if (!found.ok() && went_offline(found.error(), "looking up a timestamp")) {
      out.error = ErrorCode::kKafkaStorageError;
      return out;
    }
    out.offset = found.ok() && found.value() && *found.value() < high_watermark_ ? *found.value()
                                                                                 : kNoOffset;
  }
  return out;
}

bool Partition::went_offline(LogError error, std::string_view during) {
  if (!offline_ && error == LogError::kIo) {
    SAMSA_ASSERT(log_->offline(), "an I/O error takes the log offline");
    go_offline(during);
  }
  return offline_;
}

// Kafka's ReplicaManager.handleLogDirFailure for this partition: fetching stops (no role,
// so the fetcher drops it), the leader state goes (so the HW stops), the waiters of the
// delay queue and of long polls wake to answer KAFKA_STORAGE_ERROR. The log object stays:
// every call on it would fail anyway (PartitionLog invariant 5) until a restart reopens it.
void Partition::go_offline(std::string_view during) {
  if (offline_) return;
  SAMSA_LOG_WARN("{}: storage error while {}: offline until the broker restarts", to_string(tp_),
                 during);
  offline_ = true;
  ++generation_;
  role_ = ReplicaRole::kNone;
  leader_.reset();
  ctx_.changed.notify();
}

}  // namespace samsa::cluster
