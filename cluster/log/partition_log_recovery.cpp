// PartitionLog::open and recovery, after Kafka's LogLoader.
//
// Recovery, in order:
//   1. Read the checkpoints (recovery point, log start offset, high watermark, epoch
//      cache); a missing one means "nothing yet", a malformed one fails open (kCorrupt).
//   2. Finish what a log cleaner pass left (log_cleaner.h rule 3): delete "*.log.cleaned"
//      files; complete each "<base>.log.swap" — delete the segments whose base lies in
//      (base, the swap's end) and the index files of <base>, rename it over <base>.log.
//      List the segment files, by base offset (orphaned index files are removed).
//   3. A segment whose successor starts at or below the recovery point was flushed whole:
//      it is trusted (indexes loaded, only its tail re-read; any doubt — a missing or insane
//      index, a tail that does not parse — and it is validated like the rest). Every other
//      segment is read batch by batch (CRC, offsets contiguous from its base) and cut at
//      the first torn or corrupt batch; after a cut, or at a segment that does not start
//      where the previous one ends, every later segment is deleted. No torn batch is kept.
//   4. The log start offset is max(checkpoint, first base); a log whose start lies past its
//      end (its data lost after the start moved) restarts empty at the start. The recovery
//      point is clamped into [first base, LEO] and rewritten if it changed; the epoch cache
//      is truncated to the log start and the LEO; the high watermark into [start, LEO].
//   5. The producer state (Kafka's LogLoader.rebuildProducerState): snapshots above the
//      LEO are deleted; the newest one left whose CRC, header and content check out is
//      loaded (a bad one is deleted and the next older tried), and only the batches from
//      its offset to the LEO are read; with none, every batch from the log start is.
#include <fmt/format.h>

#include <algorithm>
#include <utility>

#include "cluster/log/partition_log.h"
#include "sim/assert.h"
#include "sim/log.h"

namespace samsa::cluster {

using sim::Err;

namespace {

// A one-offset checkpoint: nullopt when absent, kCorrupt when malformed.
sim::Result<std::optional<Offset>, LogError> read_offset_checkpoint(const CheckpointFile& file) {
  auto read = file.read();
  if (!read) {
    switch (read.error().kind) {
      case CheckpointErrorKind::kNotFound:
        return std::optional<Offset>();
      case CheckpointErrorKind::kIo:
        return Err{LogError::kIo};
      case CheckpointErrorKind::kMalformed:
        SAMSA_LOG_WARN("{}", read.error().detail);
        return Err{LogError::kCorrupt};
    }
  }
  const auto& entries = read.value();
  if (entries.size() != 1 || entries[0][0] < 0) {
    SAMSA_LOG_WARN("{}: expected one non-negative offset", file.path());
    return Err{LogError::kCorrupt};
  }
  return std::optional<Offset>(Offset(entries[0][0]));
}

void check_config(const LogConfig& c) {
  SAMSA_ASSERT(c.segment_bytes > 0 && c.segment_bytes <= INT32_MAX, "segment_bytes in (0, 2^31)");
  SAMSA_ASSERT(c.segment_ms > 0 && c.flush_messages > 0 && c.flush_ms >= 0,
               "segment_ms and flush_messages positive, flush_ms non-negative");
  SAMSA_ASSERT(c.index_interval_bytes >= 0, "index_interval_bytes non-negative");
  SAMSA_ASSERT(c.segment_index_bytes >= 12, "segment_index_bytes holds at least one entry");
}

bool is_index_file(const std::string& name) {
  return name.ends_with(OffsetIndexCodec::kSuffix) || name.ends_with(TimeIndexCodec::kSuffix);
}

// The offset of a snapshot file name ("<20 digits>.snapshot"), parsed as the segment file
// name with the same stem would be.
std::optional<Offset> parse_snapshot_file_name(const std::string& name) {
  const std::string_view suffix = PartitionLog::kSnapshotSuffix;
  if (!name.ends_with(suffix)) return std::nullopt;
  return LogSegment::parse_log_file_name(name.substr(0, name.size() - suffix.size()) + ".log");
}

// Reads in chunks of this size while rebuilding the producer state.
constexpr std::int32_t kProducerScanChunkBytes = 1 << 20;

}  // namespace

sim::Result<std::unique_ptr<PartitionLog>, LogError> PartitionLog::open(sim::NodeEnv& env,
                                                                        std::string dir,
                                                                        LogConfig config) {
  check_config(config);
  SAMSA_ASSERT(!dir.empty() && dir.back() != '/', "a partition log needs a directory path");
  auto cache = LeaderEpochCache::load(env.disk(), dir + "/" + LeaderEpochCache::kFileName);
  if (!cache) {
    SAMSA_LOG_WARN("{}", cache.error().detail);
    return Err{cache.error().kind == CheckpointErrorKind::kIo ? LogError::kIo : LogError::kCorrupt};
  }
  std::unique_ptr<PartitionLog> log(
      new PartitionLog(env, std::move(dir), config, std::move(cache.value())));
  if (auto st = log->recover(); !st) return Err{st.error()};
  if (auto st = log->load_producer_state(); !st) return Err{st.error()};
  return log;
}

sim::Status<LogError> PartitionLog::recover() {
  auto recovery_point = read_offset_checkpoint(recovery_point_file_);
  if (!recovery_point) return fail(recovery_point.error());
  auto log_start = read_offset_checkpoint(log_start_file_);
  if (!log_start) return fail(log_start.error());
  auto high_watermark = read_offset_checkpoint(high_watermark_file_);
  if (!high_watermark) return fail(high_watermark.error());
  // Only a compacted log has a cleaner (and so a checkpoint): a log that never compacts
  // reads no file for it, so it opens exactly as before the cleaner existed.
  if (compacts(config_.cleanup_policy)) {
    auto cleaner_offset = read_offset_checkpoint(cleaner_checkpoint_file_);
    if (!cleaner_offset) return fail(cleaner_offset.error());
    cleaner_offset_ = cleaner_offset.value();
  }
  if (auto st = complete_cleaner_swaps(); !st) return st;

  auto bases = list_segments();
  if (!bases) return fail(bases.error());
  if (bases.value().empty()) {
    auto segment = LogSegment::create(env_.disk(), dir_, log_start.value().value_or(Offset(0)),
                                      config_, env_.wall_ms());
    if (!segment) return fail(segment.error());
    segments_.push_back(std::move(segment.value()));
    dir_unsynced_ = true;
  } else if (auto st = load_segments(bases.value(), recovery_point.value().value_or(Offset(0)));
             !st) {
    return st;
  }
  log_start_offset_ =
      std::max(log_start.value().value_or(Offset(0)), segments_.front()->base_offset());
  // recovery_point_ must be set before anything below may flush.
  recovery_point_ = std::clamp(recovery_point.value().value_or(Offset(0)),
                               segments_.front()->base_offset(), log_end_offset());
  if (log_start_offset_ > log_end_offset()) {
    SAMSA_LOG_INFO("{}: log start {} past recovered LEO {}: starting empty there", dir_,
                   log_start_offset_, log_end_offset());
    if (auto st = truncate_fully_and_start_at(log_start_offset_); !st) return st;
  }
  if (recovery_point.value() && *recovery_point.value() != recovery_point_) {
    if (auto st = set_recovery_point(recovery_point_); !st) return st;
  }
  // Names a crashed process created (a segment it rolled to) may not be durable yet.
  dir_unsynced_ = true;
  if (auto st = sync_dir(); !st) return st;
  // Start first: it may move an entry up to the log start, which the end then drops if
  // the log is empty there.
  if (auto st = epoch_cache_.truncate_from_start(log_start_offset_); !st) return fail(st.error());
  if (auto st = epoch_cache_.truncate_from_end(log_end_offset()); !st) return fail(st.error());
  high_watermark_ =
      std::clamp(high_watermark.value().value_or(Offset(0)), log_start_offset_, log_end_offset());
  check_invariants();
  return sim::Unit{};
}

// The base offsets of the segment files in the directory, ascending; index files whose
// segment is gone (a deletion a crash interrupted) and snapshot files never renamed into
// place are removed on the way. Also lists the producer snapshots (snapshots_).
sim::Result<std::vector<Offset>, LogError> PartitionLog::list_segments() {
  sim::Disk& disk = env_.disk();
  const std::vector<std::string> names = disk.list(dir_);
  std::vector<Offset> bases;
  snapshots_.clear();
  for (const std::string& name : names) {
    if (const auto base = LogSegment::parse_log_file_name(name)) bases.push_back(*base);
    if (const auto end = parse_snapshot_file_name(name)) snapshots_.push_back(*end);
    if (name.ends_with(std::string(kSnapshotSuffix) + ".tmp")) {
      if (!disk.remove(dir_ + "/" + name)) return Err{LogError::kIo};
      dir_unsynced_ = true;
    }
    const std::string log_name = name.substr(0, name.find('.')) + ".log";
    if (is_index_file(name) && !std::binary_search(names.begin(), names.end(), log_name)) {
      if (!disk.remove(dir_ + "/" + name)) return Err{LogError::kIo};
      dir_unsynced_ = true;
    }
  }
  std::sort(bases.begin(), bases.end());
  std::sort(snapshots_.begin(), snapshots_.end());
  return bases;
}

sim::Status<LogError> PartitionLog::load_segments(const std::vector<Offset>& bases,
                                                  Offset recovery_point) {
  std::size_t kept = 0;
  for (; kept < bases.size(); ++kept) {
    const Offset base = bases[kept];
    if (!segments_.empty() && base != segments_.back()->next_offset()) {
      SAMSA_LOG_INFO("{}: segment {} does not continue the log at {}: deleting it and later ones",
                     dir_, base, segments_.back()->next_offset());
      break;
    }
    auto segment = LogSegment::open(env_.disk(), dir_, base, config_, env_.wall_ms());
    const bool below_recovery_point = kept + 1 < bases.size() && bases[kept + 1] <= recovery_point;
    bool loaded = false;
    if (below_recovery_point) {
      auto st = segment->load_trusted(bases[kept + 1]);
      if (!st && st.error() == LogError::kIo) return fail(LogError::kIo);
      loaded = st.ok();
    }
    std::uint64_t truncated_bytes = 0;
    if (!loaded) {
      auto recovered = segment->recover();
      if (!recovered) return fail(recovered.error());
      truncated_bytes = recovered.value();
    }
    segments_.push_back(std::move(segment));
    if (truncated_bytes > 0) {
      SAMSA_LOG_INFO("{}: recovery cut {} bytes from segment {} at offset {}", dir_,
                     truncated_bytes, base, segments_.back()->next_offset());
      ++kept;
      break;
    }
  }
  for (std::size_t i = kept; i < bases.size(); ++i) {
    if (auto st = delete_segment_files(bases[i]); !st) return st;
  }
  return sim::Unit{};
}

sim::Status<LogError> PartitionLog::delete_segment_files(Offset base_offset) {
  auto segment = LogSegment::open(env_.disk(), dir_, base_offset, config_, env_.wall_ms());
  if (auto st = segment->delete_files(); !st) return fail(st.error());
  dir_unsynced_ = true;
  return sim::Unit{};
}

sim::Status<LogError> PartitionLog::complete_cleaner_swaps() {
  sim::Disk& disk = env_.disk();
  const std::vector<std::string> names = disk.list(dir_);
  const std::string cleaned_suffix = std::string(".log") + kCleanedSuffix;
  const std::string swap_suffix = std::string(".log") + kSwapSuffix;
  for (const std::string& name : names) {
    if (!name.ends_with(cleaned_suffix)) continue;
    SAMSA_LOG_INFO("{}: deleting unfinished cleaner output {}", dir_, name);
    if (!disk.remove(dir_ + "/" + name)) return fail(LogError::kIo);
    dir_unsynced_ = true;
  }
  for (const std::string& name : names) {
    if (!name.ends_with(swap_suffix)) continue;
    const std::string log_name = name.substr(0, name.size() - std::string_view(kSwapSuffix).size());
    const auto base = LogSegment::parse_log_file_name(log_name);
    if (!base) continue;
    const std::string swap_path = dir_ + "/" + name;
    auto size = disk.size(swap_path);
    if (!size) return fail(LogError::kIo);
    auto bytes = disk.read(swap_path, 0, size.value());
    if (!bytes) return fail(LogError::kIo);
    const ScanResult scan = scan_batches(bytes.value());
    // A swap file was fsynced whole before it got its name, so only latent corruption
    // makes it unreadable; then the segments it would replace are the better copy.
    if (scan.stopped_by || scan.batches.empty() || scan.batches.front().base_offset() != *base) {
      SAMSA_LOG_WARN("{}: cleaner swap file {} does not parse: deleting it", dir_, name);
      if (!disk.remove(swap_path)) return fail(LogError::kIo);
      dir_unsynced_ = true;
      continue;
    }
    const Offset end = scan.batches.back().last_offset() + 1;
    for (const std::string& other : names) {
      const auto other_base = LogSegment::parse_log_file_name(other);
      if (other_base && *other_base > *base && *other_base < end) {
        if (auto st = delete_segment_files(*other_base); !st) return st;
      }
    }
    auto replaced = LogSegment::open(disk, dir_, *base, config_, env_.wall_ms());
    if (auto st = replaced->delete_index_files(); !st) return fail(st.error());
    SAMSA_LOG_INFO("{}: completing cleaner swap of [{}, {})", dir_, *base, end);
    if (!disk.rename(swap_path, dir_ + "/" + log_name)) return fail(LogError::kIo);
    dir_unsynced_ = true;
  }
  return sync_dir();
}

// --- Producer state ------------------------------------------------------------------

sim::Status<LogError> PartitionLog::load_producer_state() {
  producers_.clear();
  last_load_ = ProducerStateLoad{};
  if (auto st = delete_producer_snapshots_above(log_end_offset()); !st) return st;
  // The deletions are durable before anything can be appended past the LEO (invariant 7).
  if (auto st = sync_dir(); !st) return st;
  Offset scan_from = log_start_offset_;
  // Newest first; each pass loads one snapshot or deletes it.
  while (!snapshots_.empty()) {
    const Offset end = snapshots_.back();
    // Kafka's truncateAndReload drops snapshots at or below the log start: what they
    // describe is gone, so the state is rebuilt from the log that is left.
    if (end <= log_start_offset_) break;
    auto text = read_whole_file(env_.disk(), producer_snapshot_path(end), kMaxSnapshotBytes);
    if (!text && text.error().kind == CheckpointErrorKind::kIo) return fail(LogError::kIo);
    std::string why = text ? std::string() : text.error().detail;
    std::optional<ProducerStateManager> state;
    if (text) state = ProducerStateManager::decode_snapshot(text.value(), end, &why);
    if (state) {
      producers_ = std::move(*state);
      last_load_.snapshot = end;
      scan_from = end;
      break;
    }
    SAMSA_LOG_WARN("{}: producer snapshot {} ignored: {}", dir_, end, why);
    if (auto st = delete_producer_snapshot(end); !st) return st;
  }
  if (auto st = scan_producer_batches(scan_from); !st) return st;
  // Older snapshots a power loss brought back (their deletion was not durable yet).
  while (snapshots_.size() > kSnapshotsRetained) {
    if (auto st = delete_producer_snapshot(snapshots_.front()); !st) return st;
  }
  return sim::Unit{};
}

// Records every batch from the one holding `from` to the LEO. A batch that no longer
// reads back (latent corruption, which recovery only finds above the recovery point)
// ends the scan: no reader can get past it either.
sim::Status<LogError> PartitionLog::scan_producer_batches(Offset from) {
  const Offset leo = log_end_offset();
  Offset next = from;
  // Bounded: every read returns at least one batch, so `next` grows by at least one.
  for (std::int64_t round = 0; next < leo; ++round) {
    SAMSA_ASSERT(round <= leo - from, "a producer-state scan makes progress");
    auto chunk = read(next, kProducerScanChunkBytes, leo);
    if (!chunk && chunk.error() == LogError::kIo) return Err{LogError::kIo};
    if (!chunk) {
      SAMSA_LOG_WARN("{}: producer state rebuilt up to {}: {}", dir_, next,
                     log_error_name(chunk.error()));
      return sim::Unit{};
    }
    const ScanResult scan = scan_batches(chunk.value().batches);
    SAMSA_ASSERT(!scan.batches.empty() && !scan.stopped_by, "reads return whole valid batches");
    for (const BatchView& batch : scan.batches) {
      // The batch holding `from` may begin below it (at the log start): those before
      // `from` were recorded already (from a snapshot) or lie wholly below the log start.
      if (batch.last_offset() < from) continue;
      record_producer_batch(batch);
      ++last_load_.batches_scanned;
    }
    next = scan.batches.back().last_offset() + 1;
  }
  return sim::Unit{};
}

}  // namespace samsa::cluster
