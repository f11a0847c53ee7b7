// The record batch: the unit a producer sends, a leader appends and stamps, a follower
// copies and a segment file stores — our own byte format modelled on Kafka's v2 batch
// (KIP-98, DefaultRecordBatch). encode_batch writes one; BatchView::parse validates one in
// place without ever reading past its span; scan_batches walks a segment's bytes and finds
// where valid data ends (for recovery truncation). Invariant: a batch that parses has a
// matching CRC32C, and every record in it decodes inside the batch with strictly increasing
// offset deltas in [0, last_offset_delta].
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "cluster/log/byte_utils.h"
#include "cluster/types.h"
#include "sim/result.h"

namespace samsa::cluster {

// Byte layout. Header fields are big-endian and fixed width:
//
//   offset  size  field                   notes
//   0       8     base_offset             int64; stamped by the leader, outside the CRC
//   8       4     batch_length            int32; bytes after this field (whole size - 12)
//   12      4     partition_leader_epoch  int32; stamped by the leader, outside the CRC
//   16      1     magic                   int8 = 2
//   17      4     crc                     uint32 CRC32C of bytes [21, end)
//   21      2     attributes              int16; bits 0-2 compression (only 0 = none is
//                                         accepted), bit 4 transactional, bit 5 control,
//                                         bit 6 delete horizon (KIP-534)
//   23      4     last_offset_delta       int32; last offset - base offset, >= 0
//   27      8     base_timestamp          int64; first record's timestamp (ms), or the
//                                         delete horizon when attributes bit 6 is set
//   35      8     max_timestamp           int64; largest record timestamp (ms)
//   43      8     producer_id             int64; -1 without idempotence
//   51      2     producer_epoch          int16; -1 without idempotence
//   53      4     base_sequence           int32; -1 without idempotence
//   57      4     record_count            int32; >= 0
//   61      ...   records
//
// Each record, varints zigzag-encoded (byte_utils.h):
//   length varint (bytes after it) | attributes int8 (0) | timestamp_delta varlong (from
//   base_timestamp) | offset_delta varint (from base_offset) | key_length varint (-1 =
//   null key) | key | value_length varint (-1 = null value: a tombstone) | value |
//   headers_count varint (always 0).
//
// Like Kafka, base_offset and partition_leader_epoch lie outside the CRC so a leader can
// stamp them without recomputing it; the CRC does not protect them.
namespace batch_field {
inline constexpr std::size_t kBaseOffset = 0;
inline constexpr std::size_t kBatchLength = 8;
inline constexpr std::size_t kLeaderEpoch = 12;
inline constexpr std::size_t kMagic = 16;
inline constexpr std::size_t kCrc = 17;
inline constexpr std::size_t kAttributes = 21;  // the CRC covers from here to the end
inline constexpr std::size_t kLastOffsetDelta = 23;
inline constexpr std::size_t kBaseTimestamp = 27;
inline constexpr std::size_t kMaxTimestamp = 35;
inline constexpr std::size_t kProducerId = 43;
inline constexpr std::size_t kProducerEpoch = 51;
inline constexpr std::size_t kBaseSequence = 53;
inline constexpr std::size_t kRecordCount = 57;
inline constexpr std::size_t kRecords = 61;
}  // namespace batch_field

inline constexpr std::size_t kBatchHeaderBytes = batch_field::kRecords;
inline constexpr std::size_t kBatchLogOverheadBytes = 12;  // base_offset + batch_length
inline constexpr std::int32_t kMaxBatchLength = 64 << 20;  // 64 MiB
inline constexpr std::int8_t kBatchMagic = 2;

struct Record {
  Offset offset;
  std::int64_t timestamp_ms = 0;
  std::optional<Bytes> key;
  std::optional<Bytes> value;  // nullopt: a tombstone (deletes the key under compaction)

  bool tombstone() const { return !value.has_value(); }
  bool operator==(const Record&) const = default;
};

// A record as a producer hands it to encode_batch (its offset is assigned by position).
struct RecordInput {
  std::int64_t timestamp_ms = 0;
  std::optional<Bytes> key;
  std::optional<Bytes> value;
};

// The idempotent producer's fields (KIP-98); the defaults mean "not idempotent".
struct BatchProducer {
  ProducerId id = kNoProducerId;
  ProducerEpoch epoch = kNoProducerEpoch;
  Sequence base_sequence = kNoSequence;
};

enum class DecodeError : std::uint8_t {
  kTruncated,    // the bytes end before the header, or before batch_length says
  kBadLength,    // batch_length below the header's size or above kMaxBatchLength
  kBadMagic,     // magic is not 2
  kCrcMismatch,  // the CRC32C of [attributes, end) differs from the stored one
  kBadHeader,    // a header field out of range: base_offset < 0 or last offset past
                 // INT64_MAX, last_offset_delta < 0, record_count < 0 or more than the
                 // bytes left, compression != none
  kBadRecord,    // a record does not decode within the batch, an offset delta is out of
                 // range or not increasing, or bytes remain after the last record
};
std::string_view decode_error_name(DecodeError error);

// Encodes `records` (at least one) as one batch; record i gets offset delta i and the
// batch carries base_offset/epoch as given (the leader stamps the real ones on append).
// A batch over kMaxBatchLength or a timestamp delta overflowing int64 is a broken
// invariant (the producer bounds batch.size far below).
Bytes encode_batch(std::span<const RecordInput> records, BatchProducer producer = {},
                   Offset base_offset = Offset(0), LeaderEpoch epoch = kNoLeaderEpoch);

// A control batch (attributes bit 5, as Kafka's): records of the log's own protocol, such
// as Raft's leader-change record (KIP-595), never handed to consumers or state machines.
inline constexpr std::int16_t kControlBatchAttribute = 0x20;
Bytes encode_control_batch(std::span<const RecordInput> records);

// KIP-534: a batch the log cleaner has passed while it held tombstones carries their
// delete horizon (when the cleaner may remove them) in base_timestamp, flagged by
// attributes bit 6; record timestamps stay what they were (their deltas are rebased).
inline constexpr std::int16_t kDeleteHorizonAttribute = 0x40;

// A validated, non-owning view of one batch: the bytes it was parsed from must outlive it.
class BatchView {
 public:
  // Parses the batch at the front of `bytes` (which may hold more after it).
  static sim::Result<BatchView, DecodeError> parse(std::span<const std::uint8_t> bytes);
  // A view of a temporary buffer would dangle at once.
  static sim::Result<BatchView, DecodeError> parse(const Bytes&& bytes) = delete;

  Offset base_offset() const;
  Offset last_offset() const;  // base_offset + last_offset_delta, even if compacted away
  LeaderEpoch leader_epoch() const;
  std::int32_t record_count() const;
  std::int64_t base_timestamp() const;
  std::int64_t max_timestamp() const;
  ProducerId producer_id() const;
  ProducerEpoch producer_epoch() const;
  Sequence base_sequence() const;
  // base_sequence + last_offset_delta, wrapping past INT32_MAX to 0 as Kafka does;
  // kNoSequence when the batch has none.
  Sequence last_sequence() const;
  bool is_control() const;  // attributes bit 5 (kControlBatchAttribute)
  // base_timestamp when attributes bit 6 (kDeleteHorizonAttribute) is set, else nullopt.
  std::optional<std::int64_t> delete_horizon_ms() const;
  std::size_t size_bytes() const { return bytes_.size(); }  // the whole batch
  std::span<const std::uint8_t> bytes() const { return bytes_; }

  // The records, decoded (copies of keys and values).
  std::vector<Record> records() const;

 private:
  explicit BatchView(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}
  std::span<const std::uint8_t> bytes_;
};

// Rewrites base_offset and partition_leader_epoch of an encoded batch in place; the CRC
// stays valid because it does not cover them. base_offset must be >= 0 and leave room for
// the batch's last offset.
void stamp_batch(std::span<std::uint8_t> batch, Offset base_offset, LeaderEpoch epoch);

// A copy of `batch` keeping only the records `keep` accepts, as the log cleaner writes
// it: base offset, epoch, base timestamp, producer fields, last_offset_delta (so it covers
// its original offset range) and each kept record's bytes stay as they were;
// record_count, max_timestamp and the CRC are recomputed. With nothing kept the result
// is an empty batch (record_count 0, max_timestamp unchanged); whether to keep it — Kafka
// does only to retain a producer's last sequence — is the caller's decision.
Bytes filter_batch(const BatchView& batch, const std::function<bool(const Record&)>& keep);
// filter_batch for a batch that is to carry a delete horizon (KIP-534): attributes bit 6
// set, base_timestamp = `delete_horizon_ms`, and each kept record re-encoded with its
// timestamp delta taken from the horizon, so every record's timestamp, offset, key and
// value stay as they were; max_timestamp and the CRC are recomputed as filter_batch does.
Bytes filter_batch_with_delete_horizon(const BatchView& batch,
                                       const std::function<bool(const Record&)>& keep,
                                       std::int64_t delete_horizon_ms);

// Consecutive batches (a segment file's content) split into views, up to the first
// invalid or truncated one. valid_bytes is where the last good batch ends (recovery
// truncates the file there); stopped_by is why scanning stopped before the end, or
// nullopt when every byte belongs to a valid batch.
struct ScanResult {
  std::vector<BatchView> batches;
  std::size_t valid_bytes = 0;
  std::optional<DecodeError> stopped_by;
};
ScanResult scan_batches(std::span<const std::uint8_t> bytes);

}  // namespace samsa::cluster
