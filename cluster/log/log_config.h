// The partition log's configuration and error codes, shared by PartitionLog
// (partition_log.h) and its segments (log_segment.h). Config names follow Kafka's topic
// configs (segment.bytes, segment.ms, flush.messages, flush.ms, index.interval.bytes,
// segment.index.bytes); defaults are Kafka's, except segment_bytes, scaled down for
// simulation.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>

#include "cluster/types.h"
#include "sim/disk.h"

namespace samsa::cluster {

// cleanup.policy: what happens to old segments. kDelete: retention deletes them whole;
// kCompact: the log cleaner keeps the latest record of each key (log_cleaner.h);
// kCompactDelete ("compact,delete"): both.
enum class CleanupPolicy : std::uint8_t { kDelete, kCompact, kCompactDelete };

constexpr std::string_view cleanup_policy_name(CleanupPolicy policy) {
  switch (policy) {
    case CleanupPolicy::kDelete:
      return "delete";
    case CleanupPolicy::kCompact:
      return "compact";
    case CleanupPolicy::kCompactDelete:
      return "compact,delete";
  }
  return "?";
}
// The policy named by cleanup_policy_name, or nullopt for any other text.
constexpr std::optional<CleanupPolicy> cleanup_policy_from_name(std::string_view name) {
  for (const CleanupPolicy p :
       {CleanupPolicy::kDelete, CleanupPolicy::kCompact, CleanupPolicy::kCompactDelete}) {
    if (cleanup_policy_name(p) == name) return p;
  }
  return std::nullopt;
}
constexpr bool deletes(CleanupPolicy policy) {
  return policy != CleanupPolicy::kCompact;
}
constexpr bool compacts(CleanupPolicy policy) {
  return policy != CleanupPolicy::kDelete;
}

struct LogConfig {
  std::int64_t segment_bytes = 1 << 20;              // roll when the next batch would pass it
  std::int64_t segment_ms = 7 * 24 * 3600 * 1000LL;  // roll when the first batch is this old
  std::int64_t flush_messages = std::numeric_limits<std::int64_t>::max();  // fsync every N
  std::int64_t flush_ms = std::numeric_limits<std::int64_t>::max();        // fsync every T
  std::int32_t index_interval_bytes = 4096;             // bytes between offset index entries
  std::int32_t segment_index_bytes = 10 * 1024 * 1024;  // an index this large rolls the segment
  CleanupPolicy cleanup_policy = CleanupPolicy::kDelete;
  // Time retention: a segment whose largest timestamp is older than this by the broker's
  // own clock is deleted (-1: no time limit).
  std::int64_t retention_ms = 7 * 24 * 3600 * 1000LL;
  // Size retention: the oldest segments go while the partition is larger (-1: no limit).
  std::int64_t retention_bytes = -1;
  // The cleaner picks a log once dirty bytes / (cleaned + dirty bytes) reaches this.
  double min_cleanable_dirty_ratio = 0.5;
  // A record stays uncompacted at least this long after its timestamp...
  std::int64_t min_compaction_lag_ms = 0;
  // ...and a log whose dirty section holds a record older than this is cleaned whatever
  // its dirty ratio.
  std::int64_t max_compaction_lag_ms = std::numeric_limits<std::int64_t>::max();
  // A tombstone stays this long after the cleaner first passes it (KIP-534's delete
  // horizon), so a reader that reaches the head within it sees the delete.
  std::int64_t delete_retention_ms = 24 * 3600 * 1000LL;
  bool operator==(const LogConfig&) const = default;
};

enum class LogError : std::uint8_t {
  kIo,                   // the disk failed; the log is offline until reopened (Kafka's
                         // KafkaStorageException: the log dir goes offline)
  kCorrupt,              // stored bytes or a checkpoint do not parse (latent corruption)
  kOffsetOutOfRange,     // an offset outside [log start offset, log end offset]
  kInvalidBatch,         // an appended batch does not parse or breaks a rule
  kNonMonotonicOffsets,  // a follower's batches do not continue the log at its end
};

constexpr std::string_view log_error_name(LogError error) {
  switch (error) {
    case LogError::kIo:
      return "io";
    case LogError::kCorrupt:
      return "corrupt";
    case LogError::kOffsetOutOfRange:
      return "offset-out-of-range";
    case LogError::kInvalidBatch:
      return "invalid-batch";
    case LogError::kNonMonotonicOffsets:
      return "non-monotonic-offsets";
  }
  return "?";
}

// What retention, compaction and tests see of one segment.
struct SegmentInfo {
  Offset base_offset;
  Offset next_offset;  // one past the last offset it holds (== base when empty)
  std::uint64_t size_bytes = 0;
  std::int64_t largest_timestamp_ms = -1;  // -1 while empty (Kafka's NO_TIMESTAMP)
  std::int64_t first_timestamp_ms = -1;    // the first batch's max timestamp (-1 while empty)
  bool operator==(const SegmentInfo&) const = default;
};

}  // namespace samsa::cluster
