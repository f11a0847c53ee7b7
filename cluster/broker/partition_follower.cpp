// The follower side of a partition replica, and the log helpers leader and follower
// share: fetch state for the fetcher, truncation by diverging epoch (KIP-101/KIP-595),
// the follower's high watermark, producer state rebuilt from batches in the log.
#include <fmt/format.h>

#include <algorithm>

#include "cluster/broker/partition.h"
#include "cluster/log/partition_log.h"
#include "cluster/log/record_batch.h"
#include "sim/log.h"

namespace samsa::cluster {

namespace {
constexpr std::int32_t kRebuildChunkBytes = 1 << 20;
constexpr int kMaxRebuildChunks = 1 << 20;
}  // namespace

Offset Partition::log_end_offset() const {
  return log_->log_end_offset();
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
  if (role_ != ReplicaRole::kFollower || sent.current_leader_epoch != state_.leader_epoch) {
    return true;  // an answer for an older role: ignore it
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
      SAMSA_LOG_WARN("{}: follower append failed: {}", to_string(tp_),
                     log_error_name(appended.error()));
      return false;
    }
    record_producer_batches(got.records);
  }
  set_follower_high_watermark(got.high_watermark);
  return true;
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

void Partition::truncate_to(Offset offset) {
  SAMSA_ASSERT(role_ != ReplicaRole::kLeader, "a leader never truncates its log");
  if (offset >= log_end_offset()) {
    // As Kafka's UnifiedLog.truncateTo: the epoch cache is truncated even so, for it may
    // end with an epoch this replica assigned as leader but never wrote under — which the
    // new leader never saw, so every fetch would diverge again.
    const auto cut = log_->epoch_cache().truncate_from_end(log_end_offset());
    SAMSA_ASSERT(cut.ok(), fmt::format("{}: epoch cache truncation failed", to_string(tp_)));
    return;
  }
  const auto truncated = log_->truncate_to(offset);
  SAMSA_ASSERT(truncated.ok(), fmt::format("{}: truncation failed", to_string(tp_)));
  producers_.truncate_to(offset);
  high_watermark_ = std::min(high_watermark_, log_end_offset());
}

// Followers take the leader's HW, clamped to their own LEO (it may move back with it).
void Partition::set_follower_high_watermark(Offset leader_high_watermark) {
  SAMSA_ASSERT(role_ != ReplicaRole::kLeader, "the leader's HW comes from its replica state");
  const Offset hw = std::min(leader_high_watermark, log_end_offset());
  if (hw == high_watermark_) return;
  high_watermark_ = hw;
  ctx_.changed.notify();  // follower reads (KIP-392) long-poll on it
}

void Partition::sync_leader_high_watermark() {
  if (!leader_) return;
  const Offset hw = leader_->high_watermark();
  SAMSA_ASSERT(hw >= high_watermark_, fmt::format("{}: leader HW moved back", to_string(tp_)));
  SAMSA_ASSERT(hw <= log_end_offset(), fmt::format("{}: leader HW above its LEO", to_string(tp_)));
  if (hw == high_watermark_) return;
  high_watermark_ = hw;
  ctx_.changed.notify();  // acks=all waiters and long polls re-check
}

void Partition::checkpoint_high_watermark() {
  const sim::MutexLock lock(log_mutex_);
  if (checkpointed_high_watermark_ == high_watermark_) return;
  const Offset hw = std::min(high_watermark_, log_end_offset());
  if (log_->checkpoint_high_watermark(hw).ok()) checkpointed_high_watermark_ = hw;
}

Bytes Partition::read_range(Offset from, Offset limit, std::int32_t max_bytes) {
  auto result = log_->read(from, max_bytes, limit);
  if (!result.ok()) return {};
  return std::move(result.value().batches);
}

void Partition::record_producer_batches(const Bytes& bytes) {
  for (const BatchView& batch : scan_batches(bytes).batches) {
    if (batch.producer_id() == kNoProducerId) continue;
    producers_.record(
        batch.producer_id(), batch.producer_epoch(),
        ProducerBatch{batch.base_sequence(), batch.last_sequence(), batch.base_offset(),
                      batch.last_offset(), batch.max_timestamp()});
  }
}

// Recovery: the producers' windows as the batches in the log describe them (KIP-98).
void Partition::rebuild_producer_state() {
  producers_.clear();
  Offset next = log_->log_start_offset();
  for (int chunk = 0; chunk < kMaxRebuildChunks && next < log_end_offset(); ++chunk) {
    const Bytes bytes = read_range(next, log_end_offset(), kRebuildChunkBytes);
    const ScanResult scan = scan_batches(bytes);
    if (scan.batches.empty()) break;
    record_producer_batches(bytes);
    next = scan.batches.back().last_offset() + 1;
  }
}

}  // namespace samsa::cluster
