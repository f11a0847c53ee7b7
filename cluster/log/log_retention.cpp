#include "cluster/log/log_retention.h"

#include <fmt/format.h>

#include <optional>

#include "cluster/log/partition_log.h"
#include "sim/assert.h"

namespace samsa::cluster {

using sim::Err;

std::string_view retention_reason_name(RetentionReason reason) {
  switch (reason) {
    case RetentionReason::kTime:
      return "time";
    case RetentionReason::kSize:
      return "size";
    case RetentionReason::kLogStart:
      return "log-start";
  }
  return "?";
}

namespace {

// Why retention deletes `segment`, or nullopt when no rule does. `remaining_bytes` is the
// partition's size without the segments already chosen.
std::optional<RetentionReason> deletion_reason(const SegmentInfo& segment, Offset log_start,
                                               std::int64_t now_ms, std::uint64_t remaining_bytes,
                                               const LogConfig& config, const Bugs& bugs) {
  if (segment.next_offset <= log_start) return RetentionReason::kLogStart;
  if (!deletes(config.cleanup_policy)) return std::nullopt;
  // An empty segment has no timestamp (Kafka's NO_TIMESTAMP): time retention skips it.
  const std::int64_t timestamp_ms = bugs.on(Bug::kRetentionByFirstTimestamp)
                                        ? segment.first_timestamp_ms
                                        : segment.largest_timestamp_ms;
  if (config.retention_ms >= 0 && segment.next_offset > segment.base_offset && timestamp_ms >= 0 &&
      now_ms - timestamp_ms > config.retention_ms) {
    return RetentionReason::kTime;
  }
  // Kafka's shouldDeleteSegment for size: diff = size - retention.bytes; delete while
  // diff - segment.size >= 0.
  if (config.retention_bytes >= 0 &&
      remaining_bytes >= static_cast<std::uint64_t>(config.retention_bytes) &&
      remaining_bytes - static_cast<std::uint64_t>(config.retention_bytes) >= segment.size_bytes) {
    return RetentionReason::kSize;
  }
  return std::nullopt;
}

}  // namespace

std::vector<DeletedSegment> select_segments_to_delete(std::span<const SegmentInfo> segments,
                                                      Offset log_start, Offset high_watermark,
                                                      std::int64_t now_ms, const LogConfig& config,
                                                      const Bugs& bugs) {
  std::vector<DeletedSegment> deleted;
  std::uint64_t remaining_bytes = 0;
  for (const SegmentInfo& segment : segments) remaining_bytes += segment.size_bytes;
  // The last segment is active and never goes (rule 1).
  for (std::size_t i = 0; i + 1 < segments.size(); ++i) {
    const SegmentInfo& segment = segments[i];
    if (segment.next_offset > high_watermark) break;  // rule 2
    const auto reason = deletion_reason(segment, log_start, now_ms, remaining_bytes, config, bugs);
    if (!reason) break;  // a prefix only
    deleted.push_back(DeletedSegment{segment, *reason});
    remaining_bytes -= segment.size_bytes;
  }
  return deleted;
}

sim::Result<RetentionPass, LogError> PartitionLog::delete_old_segments(Offset high_watermark,
                                                                       std::int64_t now_ms,
                                                                       const Bugs& bugs) {
  if (offline_) return Err{LogError::kIo};
  RetentionPass pass;
  pass.now_ms = now_ms;
  pass.high_watermark = high_watermark;
  pass.active_segment_base = segments_.back()->base_offset();
  pass.log_start_before = log_start_offset_;
  for (const auto& segment : segments_) pass.size_before_bytes += segment->size_bytes();
  const std::vector<SegmentInfo> infos = segments();
  pass.deleted =
      select_segments_to_delete(infos, log_start_offset_, high_watermark, now_ms, config_, bugs);
  if (!pass.deleted.empty()) {
    const Offset first_kept = pass.deleted.back().segment.next_offset;
    SAMSA_ASSERT(first_kept <= log_end_offset() && first_kept <= high_watermark,
                 fmt::format("{}: retention past the HW {} or the LEO", dir_, high_watermark));
    // The log start moves durably first: a crash before the files go leaves a log start
    // above the first segment's base, and the next check deletes it as kLogStart.
    if (auto st = advance_log_start_offset(first_kept); !st) return Err{st.error()};
    for (const DeletedSegment& deleted : pass.deleted) {
      SAMSA_ASSERT(
          segments_.size() > 1 && segments_.front()->base_offset() == deleted.segment.base_offset,
          fmt::format("{}: retention deletes a prefix, never the active segment", dir_));
      if (auto st = segments_.front()->delete_files(); !st) return fail(st.error());
      segments_.erase(segments_.begin());
      dir_unsynced_ = true;
    }
    // Snapshots below the new log start describe batches that are gone (Kafka's
    // deleteSnapshotsBefore); open() would rebuild from the log start without them.
    while (!snapshots_.empty() && snapshots_.front() < log_start_offset_) {
      if (auto st = delete_producer_snapshot(snapshots_.front()); !st) return Err{st.error()};
    }
    if (auto st = sync_dir(); !st) return Err{st.error()};
    delete_horizons_known_ = false;  // the cleaner's tombstones may have gone with them
    check_invariants();
  }
  pass.log_start_after = log_start_offset_;
  return pass;
}

}  // namespace samsa::cluster
