// The records of the offsets topic (__consumer_offsets) in Kafka's layout (the schemas of
// GroupMetadataManager): a key says what a record is about, a value what it now is, and a
// tombstone (null value) deletes it, so the compacted topic keeps the latest of each. The
// group coordinator writes them (group_metadata_manager.h) and replays them, in offset
// order, when it becomes leader of a partition. Also here: which partition owns a group.
//
// Layout, as Kafka's non-flexible schemas: an int16 version, then the fields in order,
// integers big-endian fixed width; a string is an int16 length then UTF-8 bytes (length -1
// is null, allowed only where nullable), a byte array an int32 length then the bytes, an
// array an int32 count then its items. The key version tells the record kind: 0 or 1 an
// offset commit, 2 a group's metadata (this build writes 1 and 2, and value version 3).
// Invariants:
//   1. decode(encode(x)) == x for every x within the bounds below (encode asserts them).
//   2. Decoding never reads outside its span: truncated, unknown-version, out-of-range or
//      trailing input is an OffsetsRecordError value, never a crash.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "cluster/log/byte_utils.h"
#include "cluster/log/record_batch.h"
#include "cluster/types.h"
#include "sim/result.h"

namespace samsa::cluster {

inline constexpr std::int16_t kOffsetCommitKeyVersion = 1;
inline constexpr std::int16_t kGroupMetadataKeyVersion = 2;
inline constexpr std::int16_t kOffsetCommitValueVersion = 3;
inline constexpr std::int16_t kGroupMetadataValueVersion = 3;
// An int16 length: Kafka's protocol cannot carry a longer string.
inline constexpr std::size_t kMaxOffsetsRecordStringBytes = 32'767;
// Bounds the decoder enforces (Kafka's group.max.size is an int, but a group's record is
// one record of at most a batch).
inline constexpr std::size_t kMaxOffsetsRecordMembers = 100'000;

struct OffsetCommitKey {
  std::string group;
  std::string topic;
  PartitionIndex partition{0};
  bool operator==(const OffsetCommitKey&) const = default;
};

struct GroupMetadataKey {
  std::string group;
  bool operator==(const GroupMetadataKey&) const = default;
};

using OffsetsRecordKey = std::variant<OffsetCommitKey, GroupMetadataKey>;

// Kafka's OffsetAndMetadata as stored: the next offset to consume, the leader epoch of the
// last record consumed (KIP-320), the client's metadata string and when it was committed.
struct OffsetCommitValue {
  Offset offset{-1};
  LeaderEpoch leader_epoch = kNoLeaderEpoch;
  std::string metadata;
  std::int64_t commit_timestamp_ms = 0;
  bool operator==(const OffsetCommitValue&) const = default;
};

// One member as the group's record keeps it (Kafka's MemberMetadata schema; client_host is
// not modelled). `subscription` is the member's metadata for the group's chosen protocol.
struct GroupMemberValue {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string client_id;
  std::int32_t rebalance_timeout_ms = 0;
  std::int32_t session_timeout_ms = 0;
  Bytes subscription;
  Bytes assignment;
  bool operator==(const GroupMemberValue&) const = default;
};

// A group after a completed rebalance (or an empty group's generation). `protocol` and
// `leader` are null for a group without members.
struct GroupMetadataValue {
  std::string protocol_type;
  std::int32_t generation = 0;
  std::optional<std::string> protocol;
  std::optional<std::string> leader;
  std::int64_t current_state_timestamp_ms = -1;
  std::vector<GroupMemberValue> members;
  bool operator==(const GroupMetadataValue&) const = default;
};

enum class OffsetsRecordError : std::uint8_t {
  kTruncated,           // the input ends inside a field
  kUnsupportedVersion,  // a version this build does not read
  kInvalidField,        // a negative length or count, a null where not nullable, a bad id
  kTrailingBytes,       // bytes left after the last field
  kMissingKey,          // a record of the topic without a key
};
std::string_view offsets_record_error_name(OffsetsRecordError error);

Bytes encode_key(const OffsetsRecordKey& key);
sim::Result<OffsetsRecordKey, OffsetsRecordError> decode_key(std::span<const std::uint8_t> bytes);
Bytes encode_offset_commit_value(const OffsetCommitValue& value);
sim::Result<OffsetCommitValue, OffsetsRecordError> decode_offset_commit_value(
    std::span<const std::uint8_t> bytes);
Bytes encode_group_metadata_value(const GroupMetadataValue& value);
sim::Result<GroupMetadataValue, OffsetsRecordError> decode_group_metadata_value(
    std::span<const std::uint8_t> bytes);

// A whole record of the topic: its key and the value of the key's kind, or no value for a
// tombstone.
using OffsetsRecordValue = std::variant<OffsetCommitValue, GroupMetadataValue>;
struct OffsetsRecord {
  OffsetsRecordKey key;
  std::optional<OffsetsRecordValue> value;
  bool operator==(const OffsetsRecord&) const = default;
};

// What the coordinator appends: key and value encoded (a tombstone when `value` is
// nullopt). The value's kind must match the key's (asserted).
RecordInput make_offsets_record(const OffsetsRecord& record, std::int64_t timestamp_ms);
// Decodes a record read back from the topic.
sim::Result<OffsetsRecord, OffsetsRecordError> decode_offsets_record(const Record& record);

// Java's String.hashCode of `utf8` taken as UTF-16 code units (h = 31*h + unit, int32
// wrap-around); well-formed UTF-8 hashes exactly as Java does, each byte of a malformed
// sequence counts as one U+FFFD (Java's decoder replaces it).
std::int32_t java_string_hash(std::string_view utf8);
// The offsets partition that owns `group_id`: Kafka's
// Utils.abs(groupId.hashCode) % offsets.topic.num.partitions, where Utils.abs maps
// Integer.MIN_VALUE to 0 and is the true absolute value otherwise.
PartitionIndex partition_for_group(std::string_view group_id, std::int32_t num_partitions);

}  // namespace samsa::cluster
