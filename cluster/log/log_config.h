// The partition log's configuration and error codes, shared by PartitionLog
// (partition_log.h) and its segments (log_segment.h). Config names follow Kafka's topic
// configs (segment.bytes, segment.ms, flush.messages, flush.ms, index.interval.bytes,
// segment.index.bytes); defaults are Kafka's, except segment_bytes, scaled down for
// simulation.
#pragma once

#include <cstdint>
#include <limits>
#include <string_view>

#include "cluster/types.h"
#include "sim/disk.h"

namespace samsa::cluster {

struct LogConfig {
  std::int64_t segment_bytes = 1 << 20;              // roll when the next batch would pass it
  std::int64_t segment_ms = 7 * 24 * 3600 * 1000LL;  // roll when the first batch is this old
  std::int64_t flush_messages = std::numeric_limits<std::int64_t>::max();  // fsync every N
  std::int64_t flush_ms = std::numeric_limits<std::int64_t>::max();        // fsync every T
  std::int32_t index_interval_bytes = 4096;             // bytes between offset index entries
  std::int32_t segment_index_bytes = 10 * 1024 * 1024;  // an index this large rolls the segment
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
  bool operator==(const SegmentInfo&) const = default;
};

}  // namespace samsa::cluster
