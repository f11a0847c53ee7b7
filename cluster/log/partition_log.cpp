// PartitionLog's operations: append, read, truncate, flush and the checkpoints. Opening
// and recovery live in partition_log_recovery.cpp.
#include "cluster/log/partition_log.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

#include "sim/assert.h"
#include "sim/log.h"

namespace samsa::cluster {

using sim::Err;

PartitionLog::PartitionLog(sim::NodeEnv env, std::string dir, LogConfig config,
                           LeaderEpochCache cache)
    : env_(env),
      dir_(std::move(dir)),
      config_(config),
      epoch_cache_(std::move(cache)),
      recovery_point_file_(env_.disk(), dir_ + "/" + kRecoveryPointFile, 1),
      log_start_file_(env_.disk(), dir_ + "/" + kLogStartFile, 1),
      high_watermark_file_(env_.disk(), dir_ + "/" + kHighWatermarkFile, 1),
      cleaner_checkpoint_file_(env_.disk(), dir_ + "/" + kCleanerCheckpointFile, 1),
      last_flush_(env_.monotonic()) {}

PartitionLog::~PartitionLog() = default;

Offset PartitionLog::log_end_offset() const {
  return segments_.back()->next_offset();
}

sim::Err<LogError> PartitionLog::fail(LogError error) {
  if (error == LogError::kIo) offline_ = true;
  return Err{error};
}

sim::Err<LogError> PartitionLog::fail(const CheckpointError& error) {
  SAMSA_LOG_WARN("{}: checkpoint failed: {}", dir_, error.detail);
  return fail(error.kind == CheckpointErrorKind::kMalformed ? LogError::kCorrupt : LogError::kIo);
}

void PartitionLog::check_invariants() const {
  SAMSA_ASSERT(!segments_.empty(), fmt::format("{}: a log has an active segment", dir_));
  for (std::size_t i = 1; i < segments_.size(); ++i) {
    SAMSA_ASSERT(segments_[i]->base_offset() == segments_[i - 1]->next_offset(),
                 fmt::format("{}: segment {} does not start where segment {} ends ({})", dir_,
                             segments_[i]->base_offset(), segments_[i - 1]->base_offset(),
                             segments_[i - 1]->next_offset()));
  }
  const Offset leo = log_end_offset();
  SAMSA_ASSERT(segments_.front()->base_offset() <= log_start_offset_ && log_start_offset_ <= leo,
               fmt::format("{}: log start {} outside [{}, LEO {}]", dir_, log_start_offset_,
                           segments_.front()->base_offset(), leo));
  SAMSA_ASSERT(recovery_point_ <= leo,
               fmt::format("{}: recovery point {} past LEO {}", dir_, recovery_point_, leo));
}

// --- Appending -------------------------------------------------------------------------

sim::Result<AppendInfo, LogError> PartitionLog::append_as_leader(
    std::span<const std::uint8_t> batch, LeaderEpoch epoch) {
  if (offline_) return Err{LogError::kIo};
  const auto latest = epoch_cache_.latest_epoch();
  SAMSA_ASSERT(epoch >= LeaderEpoch(0) && (!latest || *latest <= epoch),
               fmt::format("{}: leader append under epoch {} after epoch {}", dir_, epoch,
                           latest.value_or(kNoLeaderEpoch)));
  auto parsed = BatchView::parse(batch);
  if (!parsed || parsed.value().size_bytes() != batch.size() || parsed.value().record_count() < 1) {
    return Err{LogError::kInvalidBatch};
  }
  sim::Bytes stamped(batch.begin(), batch.end());
  stamp_batch(stamped, log_end_offset(), epoch);
  auto view = BatchView::parse(stamped);
  SAMSA_ASSERT(view.ok(), "stamping keeps a batch valid");
  return append_validated({view.value()});
}

sim::Result<AppendInfo, LogError> PartitionLog::append_as_follower(
    std::span<const std::uint8_t> batches) {
  if (offline_) return Err{LogError::kIo};
  std::vector<BatchView> views;
  Offset expected = log_end_offset();
  // Bounded: every batch is at least a header long.
  for (std::size_t pos = 0; pos < batches.size();) {
    auto view = BatchView::parse(batches.subspan(pos));
    if (!view) {
      return Err{view.error() == DecodeError::kCrcMismatch ? LogError::kCorrupt
                                                           : LogError::kInvalidBatch};
    }
    if (view.value().leader_epoch() < LeaderEpoch(0)) return Err{LogError::kInvalidBatch};
    if (view.value().base_offset() != expected) return Err{LogError::kNonMonotonicOffsets};
    expected = view.value().last_offset() + 1;
    pos += view.value().size_bytes();
    views.push_back(view.value());
  }
  if (views.empty()) {
    return AppendInfo{log_end_offset(), log_end_offset() - 1, -1, 0};  // nothing to append
  }
  return append_validated(views);
}

// Both appends end here, with batches already checked to continue the log.
sim::Result<AppendInfo, LogError> PartitionLog::append_validated(
    const std::vector<BatchView>& batches) {
  AppendInfo info{batches.front().base_offset(), batches.back().last_offset(), -1, 0};
  for (const BatchView& batch : batches) {
    SAMSA_ASSERT(batch.base_offset() == log_end_offset(), "appends continue the log");
    if (active_segment().should_roll(batch, env_.wall_ms())) {
      if (auto st = roll(); !st) return fail(st.error());
    }
    // Kafka's maybeAssignEpochStartOffset: the cache learns the epoch before the data
    // lands, so the log never holds a batch of an epoch the cache does not know.
    if (auto st = epoch_cache_.assign(batch.leader_epoch(), batch.base_offset()); !st) {
      return fail(st.error());
    }
    if (auto st = active_segment().append(batch); !st) return fail(st.error());
    record_producer_batch(batch);
    SAMSA_ASSERT(epoch_cache_.epoch_for_offset(batch.base_offset()) == batch.leader_epoch(),
                 fmt::format("{}: the epoch cache does not give batch {} its epoch {}", dir_,
                             batch.base_offset(), batch.leader_epoch()));
    info.max_timestamp = std::max(info.max_timestamp, batch.max_timestamp());
    info.record_count += batch.record_count();
  }
  SAMSA_ASSERT(log_end_offset() == info.last_offset + 1, "the LEO follows the last batch");
  if (auto st = maybe_flush(); !st) return fail(st.error());
  return info;
}

sim::Status<LogError> PartitionLog::roll() {
  if (auto st = active_segment().on_become_inactive(); !st) return fail(st.error());
  auto segment = LogSegment::create(env_.disk(), dir_, log_end_offset(), config_, env_.wall_ms());
  if (!segment) return fail(segment.error());
  segments_.push_back(std::move(segment.value()));
  dir_unsynced_ = true;
  check_invariants();
  // Kafka flushes everything below a new segment when it rolls (UnifiedLog.roll schedules
  // flushUptoOffsetExclusive(newSegment.baseOffset)); here it happens at once, and the
  // producer state is snapshotted at the new segment's base (ProducerStateManager
  // .takeSnapshot in roll) once what it describes is durable (invariant 7).
  if (auto st = flush(); !st) return st;
  return write_producer_snapshot();
}

sim::Status<LogError> PartitionLog::maybe_flush() {
  const std::int64_t unflushed_messages = log_end_offset() - recovery_point_;
  if (unflushed_messages == 0) return sim::Unit{};
  const std::int64_t since_flush_ms = sim::to_ms(env_.monotonic() - last_flush_);
  if (unflushed_messages >= config_.flush_messages || since_flush_ms >= config_.flush_ms) {
    return flush();
  }
  return sim::Unit{};
}

// --- Durability ------------------------------------------------------------------------

sim::Status<LogError> PartitionLog::sync_dir() {
  if (!dir_unsynced_) return sim::Unit{};
  if (!env_.disk().fsync_dir(dir_)) return fail(LogError::kIo);
  dir_unsynced_ = false;
  return sim::Unit{};
}

sim::Status<LogError> PartitionLog::write_offset_checkpoint(CheckpointFile& file, Offset offset) {
  const CheckpointEntry entry{offset.value()};
  if (auto st = file.write(std::span(&entry, 1)); !st) return fail(st.error());
  return sim::Unit{};
}

sim::Status<LogError> PartitionLog::set_recovery_point(Offset offset) {
  if (auto st = write_offset_checkpoint(recovery_point_file_, offset); !st) return st;
  recovery_point_ = offset;
  return sim::Unit{};
}

sim::Status<LogError> PartitionLog::clean_flush() {
  if (auto st = flush(); !st) return st;
  return write_producer_snapshot();
}

sim::Status<LogError> PartitionLog::flush() {
  if (offline_) return Err{LogError::kIo};
  // Data first, then the names, then the checkpoint that says both are durable.
  for (const auto& segment : segments_) {
    if (!segment->unflushed()) continue;
    if (auto st = segment->flush(); !st) return fail(st.error());
  }
  if (auto st = sync_dir(); !st) return st;
  last_flush_ = env_.monotonic();
  if (recovery_point_ == log_end_offset()) return sim::Unit{};
  return set_recovery_point(log_end_offset());
}

// --- Truncation ------------------------------------------------------------------------

sim::Status<LogError> PartitionLog::truncate_to(Offset offset) {
  if (offline_) return Err{LogError::kIo};
  if (offset >= log_end_offset()) {
    if (auto st = epoch_cache_.truncate_from_end(log_end_offset()); !st) return fail(st.error());
    return sim::Unit{};
  }
  if (offset < log_start_offset_) return truncate_fully_and_start_at(offset);
  // Whole batches go, so the LEO lands on the base of the batch holding `offset`; when
  // that lies below the log start (which DeleteRecords or retention may put inside a
  // batch), nothing at or above the log start remains: start empty at `offset`.
  auto cut = segment_holding(offset).batch_base_offset(offset);
  if (!cut) return fail(cut.error());
  if (cut.value() < log_start_offset_) return truncate_fully_and_start_at(offset);
  // The log shrinks durably before the epoch cache forgets anything: a power loss midway
  // leaves the old log (whole or cut at a batch boundary, see recovery) with a cache that
  // still covers it.
  while (segments_.back()->base_offset() > offset) {
    if (auto st = segments_.back()->delete_files(); !st) return fail(st.error());
    segments_.pop_back();
    dir_unsynced_ = true;
  }
  if (auto st = active_segment().truncate_to(offset); !st) return fail(st.error());
  if (auto st = active_segment().flush(); !st) return fail(st.error());
  // Only latent corruption found while cutting can take the LEO below the log start.
  if (log_end_offset() < log_start_offset_) return truncate_fully_and_start_at(log_start_offset_);
  const Offset leo = log_end_offset();
  // Gone durably (with the segment names) before anything is appended past the LEO again,
  // so no snapshot can describe batches that are not the ones below its offset.
  if (auto st = delete_producer_snapshots_above(leo); !st) return st;
  if (auto st = sync_dir(); !st) return st;
  if (recovery_point_ > leo) {
    if (auto st = set_recovery_point(leo); !st) return st;
  }
  if (high_watermark_ > leo) {
    if (auto st = checkpoint_high_watermark(leo); !st) return st;
  }
  // Kafka's LogCleanerManager.maybeTruncateCheckpoint: what is appended past the new LEO
  // is dirty again.
  if (cleaner_offset_ && *cleaner_offset_ > leo) {
    if (auto st = write_cleaner_checkpoint(leo); !st) return st;
  }
  if (auto st = epoch_cache_.truncate_from_end(leo); !st) return fail(st.error());
  // Popping the truncated batches cannot bring back the older ones the five-batch window
  // had dropped: reload instead, as Kafka's truncateAndReload does.
  if (auto st = load_producer_state(); !st) return st;
  check_invariants();
  return sim::Unit{};
}

sim::Status<LogError> PartitionLog::truncate_fully_and_start_at(Offset offset) {
  if (offline_) return Err{LogError::kIo};
  SAMSA_ASSERT(offset >= Offset(0), "a log starts at a non-negative offset");
  // The segments go (durably) before any checkpoint moves: a power loss first leaves the
  // old log untouched, and later an empty segment at `offset` that recovery completes —
  // never the old data under a log start moved back below it.
  for (const auto& segment : segments_) {
    if (auto st = segment->delete_files(); !st) return fail(st.error());
  }
  segments_.clear();
  if (auto st = delete_producer_snapshots_above(Offset(-1)); !st) return st;
  producers_.clear();
  auto segment = LogSegment::create(env_.disk(), dir_, offset, config_, env_.wall_ms());
  if (!segment) return fail(segment.error());
  segments_.push_back(std::move(segment.value()));
  dir_unsynced_ = true;
  if (auto st = active_segment().flush(); !st) return fail(st.error());
  if (auto st = sync_dir(); !st) return st;
  if (auto st = write_offset_checkpoint(log_start_file_, offset); !st) return st;
  log_start_offset_ = offset;
  if (auto st = set_recovery_point(offset); !st) return st;
  if (auto st = checkpoint_high_watermark(offset); !st) return st;
  if (cleaner_offset_ && *cleaner_offset_ != offset) {
    if (auto st = write_cleaner_checkpoint(offset); !st) return st;
  }
  delete_horizons_known_ = false;
  if (auto st = epoch_cache_.clear(); !st) return fail(st.error());
  check_invariants();
  return sim::Unit{};
}

// --- Reading ---------------------------------------------------------------------------

LogSegment& PartitionLog::segment_holding(Offset offset) {
  // The last segment starting at or below `offset`.
  auto it = std::upper_bound(segments_.begin(), segments_.end(), offset,
                             [](Offset o, const auto& s) { return o < s->base_offset(); });
  SAMSA_ASSERT(it != segments_.begin(), "the first segment starts at or below the log start");
  LogSegment& segment = **std::prev(it);
  SAMSA_ASSERT(offset < segment.next_offset(), "contiguous segments hold every offset below LEO");
  return segment;
}

sim::Result<ReadResult, LogError> PartitionLog::read(Offset offset, std::int32_t max_bytes,
                                                     Offset max_offset) {
  if (offline_) return Err{LogError::kIo};
  const Offset leo = log_end_offset();
  if (offset < log_start_offset_ || offset > leo) return Err{LogError::kOffsetOutOfRange};
  ReadResult result{sim::Bytes{}, log_start_offset_, leo};
  if (offset == leo) return result;
  auto bytes = segment_holding(offset).read(offset, max_bytes, max_offset, true);
  if (!bytes) return fail(bytes.error());
  result.batches = std::move(bytes.value());
  return result;
}

sim::Result<std::optional<Offset>, LogError> PartitionLog::offset_for_timestamp(
    std::int64_t timestamp_ms) {
  if (offline_) return Err{LogError::kIo};
  for (const auto& segment : segments_) {
    if (segment->next_offset() <= log_start_offset_) continue;
    if (segment->largest_timestamp_ms() < timestamp_ms) continue;
    auto found = segment->find_offset_by_timestamp(timestamp_ms, log_start_offset_);
    if (!found) return fail(found.error());
    if (found.value()) return found.value();
  }
  return std::optional<Offset>();
}

std::vector<SegmentInfo> PartitionLog::segments() const {
  std::vector<SegmentInfo> infos;
  infos.reserve(segments_.size());
  for (const auto& segment : segments_) infos.push_back(segment->info());
  return infos;
}

// --- Checkpoints -----------------------------------------------------------------------

sim::Status<LogError> PartitionLog::checkpoint_high_watermark(Offset hw) {
  if (offline_) return Err{LogError::kIo};
  SAMSA_ASSERT(hw >= Offset(0) && hw <= log_end_offset(),
               fmt::format("{}: high watermark {} past LEO {}", dir_, hw, log_end_offset()));
  if (auto st = write_offset_checkpoint(high_watermark_file_, hw); !st) return st;
  high_watermark_ = hw;
  return sim::Unit{};
}

sim::Status<LogError> PartitionLog::advance_log_start_offset(Offset offset) {
  if (offline_) return Err{LogError::kIo};
  if (offset <= log_start_offset_) return sim::Unit{};
  if (offset > log_end_offset()) return Err{LogError::kOffsetOutOfRange};
  if (auto st = write_offset_checkpoint(log_start_file_, offset); !st) return st;
  log_start_offset_ = offset;
  if (auto st = epoch_cache_.truncate_from_start(offset); !st) return fail(st.error());
  // The producer state stays (Kafka's onLogStartOffsetIncremented since KAFKA-7190 and
  // KIP-360): forgetting a producer whose batches retention deleted answers its next
  // retry UNKNOWN_PRODUCER_ID, and a retry of a batch that did land is then written twice.
  check_invariants();
  return sim::Unit{};
}

sim::Status<LogError> PartitionLog::assign_epoch_start_offset(LeaderEpoch epoch,
                                                              Offset start_offset) {
  if (offline_) return Err{LogError::kIo};
  SAMSA_ASSERT(start_offset == log_end_offset(),
               fmt::format("{}: epoch {} assigned at {}, not at the LEO {}", dir_, epoch,
                           start_offset, log_end_offset()));
  if (auto st = epoch_cache_.assign(epoch, start_offset); !st) return fail(st.error());
  return sim::Unit{};
}

// --- Producer-state snapshots ----------------------------------------------------------

std::string PartitionLog::producer_snapshot_path(Offset end_offset) const {
  return fmt::format("{}/{}{}", dir_, LogSegment::file_stem(end_offset), kSnapshotSuffix);
}

void PartitionLog::record_producer_batch(const BatchView& batch) {
  if (batch.producer_id() == kNoProducerId) return;
  producers_.record(batch.producer_id(), batch.producer_epoch(),
                    ProducerBatch{batch.base_sequence(), batch.last_sequence(), batch.base_offset(),
                                  batch.last_offset(), batch.max_timestamp()});
}

// Kafka's ProducerStateManager.takeSnapshot: the state at the LEO, replaced atomically
// (write_file_atomically), then all but the newest kSnapshotsRetained are deleted.
sim::Status<LogError> PartitionLog::write_producer_snapshot() {
  const Offset leo = log_end_offset();
  SAMSA_ASSERT(recovery_point_ == leo, "a snapshot describes durable batches only (invariant 7)");
  if (!snapshots_.empty() && snapshots_.back() == leo) return sim::Unit{};
  SAMSA_ASSERT(snapshots_.empty() || snapshots_.back() < leo, "snapshots are taken in LEO order");
  const std::string text = producers_.encode_snapshot(leo);
  SAMSA_ASSERT(text.size() <= kMaxSnapshotBytes, "producer snapshot too large");
  if (auto st = write_file_atomically(env_.disk(), producer_snapshot_path(leo), text); !st) {
    return fail(st.error());
  }
  snapshots_.push_back(leo);
  // Bounded by the snapshots on disk.
  while (snapshots_.size() > kSnapshotsRetained) {
    if (auto st = delete_producer_snapshot(snapshots_.front()); !st) return st;
  }
  return sim::Unit{};
}

sim::Status<LogError> PartitionLog::delete_producer_snapshot(Offset end_offset) {
  const auto it = std::find(snapshots_.begin(), snapshots_.end(), end_offset);
  SAMSA_ASSERT(it != snapshots_.end(), "only a known snapshot is deleted");
  const std::string path = producer_snapshot_path(end_offset);
  if (env_.disk().exists(path) && !env_.disk().remove(path)) return fail(LogError::kIo);
  snapshots_.erase(it);
  dir_unsynced_ = true;
  return sim::Unit{};
}

sim::Status<LogError> PartitionLog::delete_producer_snapshots_above(Offset end_offset) {
  // Bounded by the snapshots on disk.
  while (!snapshots_.empty() && snapshots_.back() > end_offset) {
    if (auto st = delete_producer_snapshot(snapshots_.back()); !st) return st;
  }
  return sim::Unit{};
}

}  // namespace samsa::cluster
