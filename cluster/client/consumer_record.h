// What KafkaConsumer::poll() hands its caller: the records (Kafka's ConsumerRecord, with
// the leader epoch of the batch each came in, KIP-320) and, per partition, the errors
// Kafka's consumer throws as exceptions — here values: OffsetOutOfRange and
// NoOffsetForPartition under auto.offset.reset=none, LogTruncation (KIP-320) under none,
// and a batch that fails its CRC. A partition with an error keeps its position until the
// caller seeks, and the error comes back at later polls until then.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string_view>
#include <vector>

#include "cluster/errors.h"
#include "cluster/log/leader_epoch_cache.h"
#include "cluster/log/record_batch.h"
#include "cluster/metadata/metadata.h"
#include "cluster/types.h"

namespace samsa::cluster {

struct ConsumerRecord {
  TopicPartition tp;
  Offset offset;
  LeaderEpoch leader_epoch = kNoLeaderEpoch;  // the batch's partition leader epoch
  std::int64_t timestamp_ms = 0;
  std::optional<Bytes> key;
  std::optional<Bytes> value;  // nullopt: a tombstone
  bool operator==(const ConsumerRecord&) const = default;
};

enum class PollError : std::uint8_t {
  kOffsetOutOfRange,      // the leader answered OFFSET_OUT_OF_RANGE at the position
  kNoOffsetForPartition,  // no committed offset and no reset policy
  kLogTruncation,         // validation found the position past the leader's log (KIP-320)
  kCorruptRecord,         // a fetched batch at the position failed to decode (CRC)
};

inline std::string_view poll_error_name(PollError error) {
  switch (error) {
    case PollError::kOffsetOutOfRange:
      return "OffsetOutOfRange";
    case PollError::kNoOffsetForPartition:
      return "NoOffsetForPartition";
    case PollError::kLogTruncation:
      return "LogTruncation";
    case PollError::kCorruptRecord:
      return "CorruptRecord";
  }
  return "Unknown";
}

struct PartitionPollError {
  PollError kind = PollError::kOffsetOutOfRange;
  // The protocol code behind it: OFFSET_OUT_OF_RANGE for the first three kinds (Kafka's
  // exceptions all extend InvalidOffsetException), CORRUPT_MESSAGE for the last.
  ErrorCode error = ErrorCode::kOffsetOutOfRange;
  Offset offset = kNoOffset;  // the position at fault (none for kNoOffsetForPartition)
  // kLogTruncation: the first offset known to diverge and its epoch, when the leader
  // knew one (Kafka's LogTruncationException.divergentOffsets).
  std::optional<EpochEndOffset> divergent_offset;
  bool operator==(const PartitionPollError&) const = default;
};

struct PollResult {
  std::vector<ConsumerRecord> records;  // per partition in offset order
  std::map<TopicPartition, PartitionPollError> errors;
  bool empty() const { return records.empty() && errors.empty(); }
};

}  // namespace samsa::cluster
