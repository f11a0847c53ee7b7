// Retention: which whole segments at the front of a partition log may be deleted, after
// Kafka's UnifiedLog.deleteOldSegments — by time (retention.ms against each segment's
// largest timestamp, read on the broker's own clock, so clock skew shows), by size
// (retention.bytes for the partition) and by the log start offset (segments wholly below
// it). PartitionLog::delete_old_segments applies the decision; the broker runs it every
// log.retention.check.interval.ms on every replica it holds.
//
// Rules (each an assertion in PartitionLog and a property in properties/):
//   1. Only a prefix of the segments goes, oldest first; never the active (last) one.
//   2. Only segments wholly below the high watermark (next offset <= HW).
//   3. Time and size apply only under cleanup.policy delete or compact,delete; the log start
//      rule applies under every policy.
//   4. The log start offset only moves forward: to the base of the first segment kept.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "cluster/bugs.h"
#include "cluster/log/log_config.h"
#include "cluster/types.h"

namespace samsa::cluster {

enum class RetentionReason : std::uint8_t {
  kTime,      // now - largest timestamp > retention.ms
  kSize,      // the partition stays within retention.bytes without it
  kLogStart,  // wholly below the log start offset (a follower learned it from its leader)
};
std::string_view retention_reason_name(RetentionReason reason);

struct DeletedSegment {
  SegmentInfo segment;
  RetentionReason reason = RetentionReason::kTime;
  bool operator==(const DeletedSegment&) const = default;
};

// One retention check of one replica's log.
struct RetentionPass {
  std::int64_t now_ms = 0;  // the broker's clock when it decided
  Offset high_watermark;
  Offset active_segment_base;  // the active segment's, which no rule may delete
  Offset log_start_before;
  Offset log_start_after;
  std::uint64_t size_before_bytes = 0;
  std::vector<DeletedSegment> deleted;  // oldest first
};

// The prefix of `segments` (oldest first, the last one active) that retention deletes now.
// Pure: the bug switch kRetentionByFirstTimestamp judges time by first_timestamp_ms.
std::vector<DeletedSegment> select_segments_to_delete(std::span<const SegmentInfo> segments,
                                                      Offset log_start, Offset high_watermark,
                                                      std::int64_t now_ms, const LogConfig& config,
                                                      const Bugs& bugs);

}  // namespace samsa::cluster
