#include "cluster/log/record_batch.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "cluster/log/crc32c.h"

namespace samsa::cluster {
namespace {

namespace f = batch_field;
using sim::Err;
using sim::Status;
using sim::Unit;

constexpr std::int16_t kCompressionMask = 0x07;
constexpr std::size_t kMinBatchLength = kBatchHeaderBytes - kBatchLogOverheadBytes;

// The header fields encode_batch and filter_batch choose; batch_length and the CRC follow
// from the bytes (finish_batch).
struct HeaderFields {
  Offset base_offset;
  LeaderEpoch epoch;
  std::int16_t attributes = 0;
  std::int32_t last_offset_delta = 0;
  std::int64_t base_timestamp = 0;
  std::int64_t max_timestamp = 0;
  BatchProducer producer;
  std::int32_t record_count = 0;
};

void append_header(Bytes& out, const HeaderFields& h) {
  SAMSA_ASSERT(out.empty(), "the header starts the batch");
  append_be<std::int64_t>(out, h.base_offset.value());
  append_be<std::int32_t>(out, 0);  // batch_length, set by finish_batch
  append_be<std::int32_t>(out, h.epoch.value());
  append_be<std::int8_t>(out, kBatchMagic);
  append_be<std::uint32_t>(out, 0);  // crc, set by finish_batch
  append_be<std::int16_t>(out, h.attributes);
  append_be<std::int32_t>(out, h.last_offset_delta);
  append_be<std::int64_t>(out, h.base_timestamp);
  append_be<std::int64_t>(out, h.max_timestamp);
  append_be<std::int64_t>(out, h.producer.id.value());
  append_be<std::int16_t>(out, h.producer.epoch.value());
  append_be<std::int32_t>(out, h.producer.base_sequence.value());
  append_be<std::int32_t>(out, h.record_count);
  SAMSA_ASSERT(out.size() == kBatchHeaderBytes, "header size matches the layout table");
}

// Sets batch_length and the CRC once every record has been appended.
void finish_batch(Bytes& batch) {
  SAMSA_ASSERT(batch.size() >= kBatchHeaderBytes, "a batch holds at least its header");
  const std::size_t length = batch.size() - kBatchLogOverheadBytes;
  SAMSA_ASSERT(length <= static_cast<std::size_t>(kMaxBatchLength),
               "a batch must not exceed kMaxBatchLength");
  store_be<std::int32_t>(batch, f::kBatchLength, static_cast<std::int32_t>(length));
  const auto covered = std::span<const std::uint8_t>(batch).subspan(f::kAttributes);
  store_be<std::uint32_t>(batch, f::kCrc, crc32c(covered));
}

void append_nullable(Bytes& out, const std::optional<Bytes>& bytes) {
  if (!bytes) {
    append_varint(out, -1);
    return;
  }
  SAMSA_ASSERT(bytes->size() <= static_cast<std::size_t>(kMaxBatchLength), "field too large");
  append_varint(out, static_cast<std::int32_t>(bytes->size()));
  out.insert(out.end(), bytes->begin(), bytes->end());
}

void append_record(Bytes& out, std::int32_t offset_delta, std::int64_t timestamp_delta,
                   const std::optional<Bytes>& key, const std::optional<Bytes>& value) {
  Bytes body;
  body.push_back(0);  // attributes: unused, as in Kafka
  append_varlong(body, timestamp_delta);
  append_varint(body, offset_delta);
  append_nullable(body, key);
  append_nullable(body, value);
  append_varint(body, 0);  // headers_count
  SAMSA_ASSERT(body.size() <= static_cast<std::size_t>(kMaxBatchLength), "record too large");
  append_varint(out, static_cast<std::int32_t>(body.size()));
  out.insert(out.end(), body.begin(), body.end());
}

// One record as it lies in the batch: views into the batch's bytes.
struct RawRecord {
  std::int32_t offset_delta = 0;
  std::int64_t timestamp_ms = 0;
  std::optional<std::span<const std::uint8_t>> key;
  std::optional<std::span<const std::uint8_t>> value;
  std::span<const std::uint8_t> encoded;  // the whole record, length field included
};

// A key or value: length -1 is null; any other negative length or one past the end is
// malformed (the outer nullopt).
std::optional<std::optional<std::span<const std::uint8_t>>> read_nullable(ByteReader& r) {
  const auto length = r.read_varint();
  if (!length || *length < -1) return std::nullopt;
  if (*length == -1) return std::optional<std::span<const std::uint8_t>>();
  auto bytes = r.read_bytes(static_cast<std::size_t>(*length));
  if (!bytes) return std::nullopt;
  return std::optional<std::span<const std::uint8_t>>(*bytes);
}

// Decodes the record at the reader's position, or nullopt if it is malformed.
// (Its `encoded` is left for the caller, which knows the span the reader walks.)
std::optional<RawRecord> read_record(ByteReader& outer, std::int64_t base_timestamp) {
  const auto length = outer.read_varint();
  if (!length || *length < 0) return std::nullopt;
  const auto body = outer.read_bytes(static_cast<std::size_t>(*length));
  if (!body) return std::nullopt;
  ByteReader r(*body);
  RawRecord rec;
  const auto attributes = r.read_int8();
  const auto timestamp_delta = r.read_varlong();
  const auto offset_delta = r.read_varint();
  if (!attributes || !timestamp_delta || !offset_delta) return std::nullopt;
  if (__builtin_add_overflow(base_timestamp, *timestamp_delta, &rec.timestamp_ms)) {
    return std::nullopt;
  }
  rec.offset_delta = *offset_delta;
  auto key = read_nullable(r);
  if (!key) return std::nullopt;
  auto value = read_nullable(r);
  if (!value) return std::nullopt;
  rec.key = *key;
  rec.value = *value;
  const auto headers_count = r.read_varint();
  // We write no headers; any other count, or bytes left over, is not a record of ours.
  if (!headers_count || *headers_count != 0 || r.remaining() != 0) return std::nullopt;
  return rec;
}

// Checks everything about the batch at the front of `bytes` except its records, and
// returns the batch's bytes (its exact extent).
sim::Result<std::span<const std::uint8_t>, DecodeError> check_header(
    std::span<const std::uint8_t> bytes) {
  if (bytes.size() < kBatchHeaderBytes) return Err(DecodeError::kTruncated);
  const auto length = load_be<std::int32_t>(bytes, f::kBatchLength);
  if (length < static_cast<std::int32_t>(kMinBatchLength) || length > kMaxBatchLength) {
    return Err(DecodeError::kBadLength);
  }
  const std::size_t size = kBatchLogOverheadBytes + static_cast<std::size_t>(length);
  if (bytes.size() < size) return Err(DecodeError::kTruncated);
  const auto batch = bytes.first(size);
  if (load_be<std::int8_t>(batch, f::kMagic) != kBatchMagic) return Err(DecodeError::kBadMagic);
  if (load_be<std::uint32_t>(batch, f::kCrc) != crc32c(batch.subspan(f::kAttributes))) {
    return Err(DecodeError::kCrcMismatch);
  }
  const auto base_offset = load_be<std::int64_t>(batch, f::kBaseOffset);
  const auto last_offset_delta = load_be<std::int32_t>(batch, f::kLastOffsetDelta);
  const auto record_count = load_be<std::int32_t>(batch, f::kRecordCount);
  const auto attributes = load_be<std::int16_t>(batch, f::kAttributes);
  const bool offsets_ok =
      base_offset >= 0 && last_offset_delta >= 0 &&
      base_offset <= std::numeric_limits<std::int64_t>::max() - last_offset_delta;
  const bool count_ok =
      record_count >= 0 && static_cast<std::size_t>(record_count) <= size - kBatchHeaderBytes;
  if (!offsets_ok || !count_ok || (attributes & kCompressionMask) != 0) {
    return Err(DecodeError::kBadHeader);
  }
  return batch;
}

// Decodes each record of a batch whose header passed check_header and calls
// visit(const RawRecord&) on it, in order. Fails on the first malformed record, an offset
// delta out of [0, last_offset_delta] or not above the previous one, or trailing bytes.
template <class Visit>
Status<DecodeError> walk_records(std::span<const std::uint8_t> batch, Visit&& visit) {
  const auto area = batch.subspan(f::kRecords);
  const auto count = load_be<std::int32_t>(batch, f::kRecordCount);
  const auto last_offset_delta = load_be<std::int32_t>(batch, f::kLastOffsetDelta);
  const auto base_timestamp = load_be<std::int64_t>(batch, f::kBaseTimestamp);
  ByteReader reader(area);
  std::int64_t previous_delta = -1;
  for (std::int32_t i = 0; i < count; ++i) {
    const std::size_t start = reader.position();
    auto rec = read_record(reader, base_timestamp);
    if (!rec || rec->offset_delta <= previous_delta || rec->offset_delta > last_offset_delta) {
      return Err(DecodeError::kBadRecord);
    }
    previous_delta = rec->offset_delta;
    rec->encoded = area.subspan(start, reader.position() - start);
    visit(*rec);
  }
  if (reader.remaining() != 0) return Err(DecodeError::kBadRecord);
  return Unit{};
}

std::optional<Bytes> to_bytes(const std::optional<std::span<const std::uint8_t>>& view) {
  if (!view) return std::nullopt;
  return Bytes(view->begin(), view->end());
}

Record to_record(const RawRecord& raw, Offset base_offset) {
  return Record{base_offset + raw.offset_delta, raw.timestamp_ms, to_bytes(raw.key),
                to_bytes(raw.value)};
}

}  // namespace

std::string_view decode_error_name(DecodeError error) {
  switch (error) {
    case DecodeError::kTruncated:
      return "truncated";
    case DecodeError::kBadLength:
      return "bad-length";
    case DecodeError::kBadMagic:
      return "bad-magic";
    case DecodeError::kCrcMismatch:
      return "crc-mismatch";
    case DecodeError::kBadHeader:
      return "bad-header";
    case DecodeError::kBadRecord:
      return "bad-record";
  }
  return "unknown";
}

Bytes encode_batch(std::span<const RecordInput> records, BatchProducer producer, Offset base_offset,
                   LeaderEpoch epoch) {
  SAMSA_ASSERT(!records.empty(), "a producer never sends an empty batch");
  SAMSA_ASSERT(records.size() <= static_cast<std::size_t>(kMaxBatchLength), "too many records");
  SAMSA_ASSERT(base_offset >= Offset(0), "offsets are non-negative");
  HeaderFields h;
  h.base_offset = base_offset;
  h.epoch = epoch;
  h.last_offset_delta = static_cast<std::int32_t>(records.size() - 1);
  h.base_timestamp = records.front().timestamp_ms;
  h.max_timestamp = records.front().timestamp_ms;
  h.producer = producer;
  h.record_count = static_cast<std::int32_t>(records.size());
  for (const auto& r : records) h.max_timestamp = std::max(h.max_timestamp, r.timestamp_ms);
  Bytes out;
  append_header(out, h);
  for (std::int32_t i = 0; i < h.record_count; ++i) {
    const auto& r = records[static_cast<std::size_t>(i)];
    std::int64_t timestamp_delta = 0;
    const bool overflow =
        __builtin_sub_overflow(r.timestamp_ms, h.base_timestamp, &timestamp_delta);
    SAMSA_ASSERT(!overflow, "record timestamps too far apart to encode as deltas");
    append_record(out, i, timestamp_delta, r.key, r.value);
  }
  finish_batch(out);
  return out;
}

Bytes encode_control_batch(std::span<const RecordInput> records) {
  Bytes out = encode_batch(records);
  store_be<std::int16_t>(out, f::kAttributes, kControlBatchAttribute);
  finish_batch(out);  // the CRC covers the attributes
  return out;
}

sim::Result<BatchView, DecodeError> BatchView::parse(std::span<const std::uint8_t> bytes) {
  auto batch = check_header(bytes);
  if (!batch) return Err(batch.error());
  auto records = walk_records(batch.value(), [](const RawRecord&) {});
  if (!records) return Err(records.error());
  return BatchView(batch.value());
}

Offset BatchView::base_offset() const {
  return Offset(load_be<std::int64_t>(bytes_, f::kBaseOffset));
}
Offset BatchView::last_offset() const {
  return base_offset() + load_be<std::int32_t>(bytes_, f::kLastOffsetDelta);
}
LeaderEpoch BatchView::leader_epoch() const {
  return LeaderEpoch(load_be<std::int32_t>(bytes_, f::kLeaderEpoch));
}
bool BatchView::is_control() const {
  return (load_be<std::int16_t>(bytes_, f::kAttributes) & kControlBatchAttribute) != 0;
}
std::optional<std::int64_t> BatchView::delete_horizon_ms() const {
  if ((load_be<std::int16_t>(bytes_, f::kAttributes) & kDeleteHorizonAttribute) == 0) {
    return std::nullopt;
  }
  return base_timestamp();
}
std::int32_t BatchView::record_count() const {
  return load_be<std::int32_t>(bytes_, f::kRecordCount);
}
std::int64_t BatchView::base_timestamp() const {
  return load_be<std::int64_t>(bytes_, f::kBaseTimestamp);
}
std::int64_t BatchView::max_timestamp() const {
  return load_be<std::int64_t>(bytes_, f::kMaxTimestamp);
}
ProducerId BatchView::producer_id() const {
  return ProducerId(load_be<std::int64_t>(bytes_, f::kProducerId));
}
ProducerEpoch BatchView::producer_epoch() const {
  return ProducerEpoch(load_be<std::int16_t>(bytes_, f::kProducerEpoch));
}
Sequence BatchView::base_sequence() const {
  return Sequence(load_be<std::int32_t>(bytes_, f::kBaseSequence));
}

Sequence BatchView::last_sequence() const {
  // DefaultRecordBatch.incrementSequence: sequences wrap from INT32_MAX to 0.
  const Sequence base = base_sequence();
  if (base == kNoSequence) return kNoSequence;
  const std::int64_t last =
      std::int64_t{base.value()} + load_be<std::int32_t>(bytes_, f::kLastOffsetDelta);
  constexpr std::int64_t kWrap = std::int64_t{std::numeric_limits<std::int32_t>::max()} + 1;
  return Sequence(static_cast<std::int32_t>(last % kWrap));
}

std::vector<Record> BatchView::records() const {
  std::vector<Record> out;
  out.reserve(static_cast<std::size_t>(record_count()));
  const Offset base = base_offset();
  auto walked =
      walk_records(bytes_, [&](const RawRecord& raw) { out.push_back(to_record(raw, base)); });
  SAMSA_ASSERT(walked.ok(), "a parsed batch's records decode");
  return out;
}

void stamp_batch(std::span<std::uint8_t> batch, Offset base_offset, LeaderEpoch epoch) {
  SAMSA_ASSERT(batch.size() >= kBatchHeaderBytes, "stamp_batch needs a whole header");
  const auto last_offset_delta = load_be<std::int32_t>(batch, f::kLastOffsetDelta);
  SAMSA_ASSERT(
      base_offset >= Offset(0) &&
          base_offset.value() <= std::numeric_limits<std::int64_t>::max() - last_offset_delta,
      "stamped offsets must be non-negative and not overflow");
  store_be<std::int64_t>(batch, f::kBaseOffset, base_offset.value());
  store_be<std::int32_t>(batch, f::kLeaderEpoch, epoch.value());
}

Bytes filter_batch(const BatchView& batch, const std::function<bool(const Record&)>& keep) {
  const auto in = batch.bytes();
  Bytes out(in.begin(), in.begin() + kBatchHeaderBytes);
  std::int32_t kept = 0;
  std::optional<std::int64_t> max_timestamp;
  const Offset base = batch.base_offset();
  auto walked = walk_records(in, [&](const RawRecord& raw) {
    if (!keep(to_record(raw, base))) return;
    out.insert(out.end(), raw.encoded.begin(), raw.encoded.end());
    max_timestamp = std::max(max_timestamp.value_or(raw.timestamp_ms), raw.timestamp_ms);
    ++kept;
  });
  SAMSA_ASSERT(walked.ok(), "a parsed batch's records decode");
  store_be<std::int32_t>(out, f::kRecordCount, kept);
  store_be<std::int64_t>(out, f::kMaxTimestamp, max_timestamp.value_or(batch.max_timestamp()));
  finish_batch(out);
  return out;
}

Bytes filter_batch_with_delete_horizon(const BatchView& batch,
                                       const std::function<bool(const Record&)>& keep,
                                       std::int64_t delete_horizon_ms) {
  const auto in = batch.bytes();
  Bytes out(in.begin(), in.begin() + kBatchHeaderBytes);
  std::int32_t kept = 0;
  std::optional<std::int64_t> max_timestamp;
  const Offset base = batch.base_offset();
  auto walked = walk_records(in, [&](const RawRecord& raw) {
    Record record = to_record(raw, base);
    if (!keep(record)) return;
    std::int64_t timestamp_delta = 0;
    const bool overflow =
        __builtin_sub_overflow(raw.timestamp_ms, delete_horizon_ms, &timestamp_delta);
    SAMSA_ASSERT(!overflow, "a record timestamp too far from its delete horizon to encode");
    append_record(out, raw.offset_delta, timestamp_delta, record.key, record.value);
    max_timestamp = std::max(max_timestamp.value_or(raw.timestamp_ms), raw.timestamp_ms);
    ++kept;
  });
  SAMSA_ASSERT(walked.ok(), "a parsed batch's records decode");
  const auto attributes = load_be<std::int16_t>(in, f::kAttributes);
  store_be<std::int16_t>(out, f::kAttributes,
                         static_cast<std::int16_t>(attributes | kDeleteHorizonAttribute));
  store_be<std::int64_t>(out, f::kBaseTimestamp, delete_horizon_ms);
  store_be<std::int32_t>(out, f::kRecordCount, kept);
  store_be<std::int64_t>(out, f::kMaxTimestamp, max_timestamp.value_or(batch.max_timestamp()));
  finish_batch(out);
  return out;
}

ScanResult scan_batches(std::span<const std::uint8_t> bytes) {
  ScanResult result;
  // Every batch holds at least its header, so this bounds the loop.
  const std::size_t max_batches = bytes.size() / kBatchHeaderBytes;
  while (result.valid_bytes < bytes.size()) {
    SAMSA_ASSERT(result.batches.size() <= max_batches, "scan_batches makes progress");
    auto view = BatchView::parse(bytes.subspan(result.valid_bytes));
    if (!view) {
      result.stopped_by = view.error();
      break;
    }
    result.valid_bytes += view.value().size_bytes();
    result.batches.push_back(view.value());
  }
  return result;
}

}  // namespace samsa::cluster
