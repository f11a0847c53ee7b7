// The follower side of a partition replica, and the log helpers leader and follower
// share: fetch state for the fetcher, truncation by diverging epoch (KIP-101/KIP-595),
// the follower's high watermark, the HW checkpoint. (The producer state lives in the
// PartitionLog, which records every batch it appends.)
#include <fmt/format.h>

#include <algorithm>

#include "cluster/broker/partition.h"
#include "cluster/log/partition_log.h"
#include "cluster/log/record_batch.h"
#include "sim/log.h"

namespace samsa::cluster {

Offset Partition::log_end_offset() const {
  return log_ != nullptr ? log_->log_end_offset() : Offset(0);
}

FetchPartition Partition::next_fetch() const {
  FetchPartition p;
  p.tp = tp_;
  p.fetch_offset = log_end_offset();
  p.current_leader_epoch = state_.leader_epoch;
  p.log_start_offset = log_->log_start_offset();
  // Pre-KIP-101 followers had no divergence detection at all.
  const auto latest = log_->epoch_cache().latest_epoch();
  if (latest && !ctx_.config.bugs.on(Bug::kTruncateToHighWatermark)) p.last_fetched_epoch = *latest;
  return p;
}

bool Partition::on_fetch_response(const FetchPartition& sent, const FetchedPartition& got) {
  if (got.diverging_epoch && ctx_.config.bugs.on(Bug::kHighWatermarkBeforeTruncation) &&
      !expose_high_watermark_first(sent, got)) {
    return true;
  }
  const sim::MutexLock lock(log_mutex_);
  const ObserveOnExit observe_on_exit{*this};
  if (role_ != ReplicaRole::kFollower || sent.current_leader_epoch != state_.leader_epoch) {
    return true;  // an answer for an older role (or an offline replica): ignore it
  }
  if (got.error == ErrorCode::kOffsetOutOfRange && sent.fetch_offset == log_end_offset() &&
      got.log_start_offset > sent.fetch_offset) {
    // Kafka's fetchOffsetAndTruncate: the leader's retention deleted what this replica
    // would fetch next; it cannot catch up record by record, so it starts empty at the
    // leader's log start (truncateFullyAndStartAt). The leader's offsets come with the error.
    SAMSA_LOG_DEBUG("{}: fetch offset {} below the leader's log start {}: start again there",
                    to_string(tp_), sent.fetch_offset, got.log_start_offset);
    const auto restarted = log_->truncate_fully_and_start_at(got.log_start_offset);
    if (!restarted.ok() && !went_offline(restarted.error(), "starting at the leader's log start")) {
      go_offline(fmt::format("starting at the leader's log start ({})",
                             log_error_name(restarted.error())));
    }
    high_watermark_ = log_end_offset();  // <= the leader's HW: its log start is below it
    return true;
  }
  if (got.error != ErrorCode::kNone) {
    SAMSA_LOG_DEBUG("{}: fetch error {}", to_string(tp_), error_name(got.error));
    return false;
  }
  if (got.diverging_epoch) {
    truncate_on_divergence(*got.diverging_epoch);
    return true;
  }
  if (sent.fetch_offset != log_end_offset()) return true;  // the log moved meanwhile
  if (!got.records.empty()) {
    const auto appended = log_->append_as_follower(got.records);
    if (!appended.ok()) {
      // Offline: the fetcher drops this partition (it has no role any more).
      if (went_offline(appended.error(), "appending as follower")) return true;
      SAMSA_LOG_WARN("{}: follower append failed: {}", to_string(tp_),
                     log_error_name(appended.error()));
      return false;
    }
  }
  set_follower_high_watermark(got.high_watermark);
  follow_log_start_offset(got.log_start_offset);
  return true;
}

// Kafka's follower: log.maybeIncrementLogStartOffset(leader's log start), bounded by its
// own HW — retention then deletes the segments wholly below it (RetentionReason::kLogStart).
void Partition::follow_log_start_offset(Offset leader_log_start) {
  const Offset target = std::min(leader_log_start, high_watermark_);
  if (target <= log_->log_start_offset()) return;
  const auto advanced = log_->advance_log_start_offset(target);
  if (!advanced.ok() && !went_offline(advanced.error(), "advancing the log start offset")) {
    go_offline(
        fmt::format("advancing the log start offset ({})", log_error_name(advanced.error())));
  }
}

// KIP-595 (and KIP-101's OffsetsForLeaderEpoch before it): truncate to the smaller of our
// own end offset for the diverging epoch and the leader's — never to our own HW.
// KAFKA-14704: the pre-fix fetcher applied the partition data — the leader's HW
// included — in one step and the truncation in a later one, so readers of this replica
// (KIP-392) could see the divergent tail below the new HW. Returns false when the answer
// is stale.
bool Partition::expose_high_watermark_first(const FetchPartition& sent,
                                            const FetchedPartition& got) {
  {
    const sim::MutexLock lock(log_mutex_);
    if (role_ != ReplicaRole::kFollower || sent.current_leader_epoch != state_.leader_epoch)
      return false;
    set_follower_high_watermark(got.high_watermark);
  }
  ctx_.env.sleep_for(sim::Duration::zero());  // the steps are apart: readers run in between
  return true;
}

void Partition::truncate_on_divergence(const EpochEndOffset& diverging) {
  const EpochEndOffset ours = log_->epoch_cache().end_offset_for(diverging.epoch, log_end_offset());
  Offset target = std::min(diverging.end_offset, log_end_offset());
  if (ours.end_offset != kUndefinedEpochOffset) target = std::min(target, ours.end_offset);
  target = std::max(target, log_->log_start_offset());
  SAMSA_LOG_DEBUG("{}: diverged at epoch {} (leader ends it at {}), truncate {} -> {}",
                  to_string(tp_), diverging.epoch, diverging.end_offset, log_end_offset(), target);
  truncate_to(target);
}

// At or above the LEO the log still truncates its epoch cache (Kafka's
// UnifiedLog.truncateTo): it may end with an epoch this replica assigned as leader but
// never wrote under — which the new leader never saw, so every fetch would diverge again.
// A disk error takes the replica offline (Kafka's KafkaStorageException during
// truncation marks the log dir offline) instead of stopping the run; so does latent
// corruption where the cut must be made (Kafka's fetcher marks such a partition failed
// and stops fetching it, KIP-461): the replica cannot follow either way.
void Partition::truncate_to(Offset offset) {
  SAMSA_ASSERT(role_ != ReplicaRole::kLeader, "a leader never truncates its log");
  const auto truncated = log_->truncate_to(offset);
  if (!truncated.ok()) {
    if (!went_offline(truncated.error(), "truncating")) {
      go_offline(fmt::format("truncating ({})", log_error_name(truncated.error())));
    }
    return;
  }
  high_watermark_ = std::min(high_watermark_, log_end_offset());
  observe();
}

// Followers take the leader's HW, clamped to their own LEO (it may move back with it).
void Partition::set_follower_high_watermark(Offset leader_high_watermark) {
  SAMSA_ASSERT(role_ != ReplicaRole::kLeader, "the leader's HW comes from its replica state");
  const Offset hw = std::min(leader_high_watermark, log_end_offset());
  if (hw == high_watermark_) return;
  high_watermark_ = hw;
  observe();
  ctx_.changed.notify();  // follower reads (KIP-392) long-poll on it
}

void Partition::sync_leader_high_watermark() {
  if (!leader_) return;
  const Offset hw = leader_->high_watermark();
  SAMSA_ASSERT(hw >= high_watermark_, fmt::format("{}: leader HW moved back", to_string(tp_)));
  SAMSA_ASSERT(hw <= log_end_offset(), fmt::format("{}: leader HW above its LEO", to_string(tp_)));
  if (hw == high_watermark_) return;
  high_watermark_ = hw;
  observe();
  ctx_.changed.notify();  // acks=all waiters and long polls re-check
}

void Partition::checkpoint_high_watermark() {
  const sim::MutexLock lock(log_mutex_);
  if (offline_ || checkpointed_high_watermark_ == high_watermark_) return;
  const Offset hw = std::min(high_watermark_, log_end_offset());
  const auto written = log_->checkpoint_high_watermark(hw);
  if (written.ok()) {
    checkpointed_high_watermark_ = hw;
  } else {
    went_offline(written.error(), "checkpointing the high watermark");
  }
}

void Partition::flush_for_shutdown() {
  const sim::MutexLock lock(log_mutex_);
  if (offline_) return;
  const Offset hw = std::min(high_watermark_, log_end_offset());
  if (const auto written = log_->checkpoint_high_watermark(hw); !written.ok()) {
    went_offline(written.error(), "checkpointing the high watermark at shutdown");
    return;
  }
  checkpointed_high_watermark_ = hw;
  if (const auto flushed = log_->clean_flush(); !flushed.ok()) {
    went_offline(flushed.error(), "the clean flush at shutdown");
  }
}

std::optional<Bytes> Partition::read_range(Offset from, Offset limit, std::int32_t max_bytes) {
  auto result = log_->read(from, max_bytes, limit);
  if (result.ok()) return std::move(result.value().batches);
  if (went_offline(result.error(), "reading")) return std::nullopt;
  return Bytes{};  // latent corruption: nothing readable there
}

}  // namespace samsa::cluster
