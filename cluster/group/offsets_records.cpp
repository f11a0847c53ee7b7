#include "cluster/group/offsets_records.h"

#include <limits>

#include "sim/assert.h"

namespace samsa::cluster {
namespace {

// --- Writing -----------------------------------------------------------------------------

class Writer {
 public:
  explicit Writer(std::int16_t version) { i16(version); }
  Writer& i16(std::int16_t v) {
    append_be<std::int16_t>(out_, v);
    return *this;
  }
  Writer& i32(std::int32_t v) {
    append_be<std::int32_t>(out_, v);
    return *this;
  }
  Writer& i64(std::int64_t v) {
    append_be<std::int64_t>(out_, v);
    return *this;
  }
  Writer& str(std::string_view s) {
    SAMSA_ASSERT(s.size() <= kMaxOffsetsRecordStringBytes,
                 "an offsets-topic string longer than an int16 length can say");
    i16(static_cast<std::int16_t>(s.size()));
    out_.insert(out_.end(), s.begin(), s.end());
    return *this;
  }
  Writer& nullable_str(const std::optional<std::string>& s) { return s ? str(*s) : i16(-1); }
  Writer& bytes(const Bytes& b) {
    SAMSA_ASSERT(b.size() <= static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()),
                 "an offsets-topic byte array longer than an int32 length can say");
    i32(static_cast<std::int32_t>(b.size()));
    out_.insert(out_.end(), b.begin(), b.end());
    return *this;
  }
  Bytes take() { return std::move(out_); }

 private:
  Bytes out_;
};

// --- Reading: each read returns a value or latches the first error -----------------------

class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> bytes) : in_(bytes) {}

  std::optional<OffsetsRecordError> error() const { return error_; }
  void fail(OffsetsRecordError e) {
    if (!error_) error_ = e;
  }
  // The trailing-bytes check every decoder ends with.
  void expect_end() {
    if (!error_ && in_.remaining() != 0) fail(OffsetsRecordError::kTrailingBytes);
  }

  std::int16_t i16() { return fixed<std::int16_t>(); }
  std::int32_t i32() { return fixed<std::int32_t>(); }
  std::int64_t i64() { return fixed<std::int64_t>(); }
  std::optional<std::string> nullable_str() {
    const std::int16_t n = i16();
    if (error_) return std::nullopt;
    if (n == -1) return std::nullopt;
    if (n < -1) {
      fail(OffsetsRecordError::kInvalidField);
      return std::nullopt;
    }
    const auto view = take(static_cast<std::size_t>(n));
    return std::string(view.begin(), view.end());
  }
  std::string str() {
    std::optional<std::string> s = nullable_str();
    if (!s && !error_) fail(OffsetsRecordError::kInvalidField);  // null where not nullable
    return s.value_or(std::string());
  }
  Bytes bytes() {
    const std::int32_t n = i32();
    if (error_) return {};
    if (n < 0) {
      fail(OffsetsRecordError::kInvalidField);
      return {};
    }
    const auto view = take(static_cast<std::size_t>(n));
    return Bytes(view.begin(), view.end());
  }
  // An array count: negative or above `max` is a bad field; items take at least a byte
  // each, so more than remain is a truncation.
  std::size_t count(std::size_t max) {
    const std::int32_t n = i32();
    if (error_) return 0;
    if (n < 0 || static_cast<std::size_t>(n) > max) {
      fail(OffsetsRecordError::kInvalidField);
      return 0;
    }
    if (static_cast<std::size_t>(n) > in_.remaining()) {
      fail(OffsetsRecordError::kTruncated);
      return 0;
    }
    return static_cast<std::size_t>(n);
  }
  // A field that must satisfy `ok` (ids, timeouts, epochs).
  void require(bool ok) {
    if (!ok) fail(OffsetsRecordError::kInvalidField);
  }

 private:
  template <class T>
  T fixed() {
    if (error_) return 0;
    const auto view = in_.read_bytes(sizeof(T));
    if (!view) {
      fail(OffsetsRecordError::kTruncated);
      return 0;
    }
    return load_be<T>(*view, 0);
  }
  std::span<const std::uint8_t> take(std::size_t n) {
    const auto view = in_.read_bytes(n);
    if (!view) {
      fail(OffsetsRecordError::kTruncated);
      return {};
    }
    return *view;
  }

  ByteReader in_;
  std::optional<OffsetsRecordError> error_;
};

template <class T>
sim::Result<T, OffsetsRecordError> finish(Reader& in, T value) {
  in.expect_end();
  if (in.error()) return sim::Err(*in.error());
  return value;
}

// --- Members of a group's record ---------------------------------------------------------

void write_member(Writer& out, const GroupMemberValue& m) {
  out.str(m.member_id).nullable_str(m.group_instance_id).str(m.client_id);
  out.i32(m.rebalance_timeout_ms).i32(m.session_timeout_ms);
  out.bytes(m.subscription).bytes(m.assignment);
}

GroupMemberValue read_member(Reader& in) {
  GroupMemberValue m;
  m.member_id = in.str();
  in.require(!m.member_id.empty() || in.error().has_value());
  m.group_instance_id = in.nullable_str();
  m.client_id = in.str();
  m.rebalance_timeout_ms = in.i32();
  m.session_timeout_ms = in.i32();
  in.require(m.rebalance_timeout_ms >= 0 && m.session_timeout_ms >= 0);
  m.subscription = in.bytes();
  m.assignment = in.bytes();
  return m;
}

// --- Java's String.hashCode over UTF-8 input ---------------------------------------------

constexpr std::uint32_t kReplacementCharacter = 0xFFFD;

// The code point of a well-formed UTF-8 sequence at utf8[pos] and its length, or
// (U+FFFD, 1) when none starts there (RFC 3629: no overlongs, no surrogates, <= U+10FFFF).
std::pair<std::uint32_t, std::size_t> next_code_point(std::string_view utf8, std::size_t pos) {
  const auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(utf8[pos + i]); };
  const std::uint8_t lead = byte(0);
  if (lead < 0x80) return {lead, 1};
  std::size_t length = 0;
  std::uint32_t cp = 0;
  std::uint8_t second_low = 0x80;
  std::uint8_t second_high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    cp = lead & 0x1Fu;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    cp = lead & 0x0Fu;
    if (lead == 0xE0) second_low = 0xA0;   // no overlong forms
    if (lead == 0xED) second_high = 0x9F;  // no surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    cp = lead & 0x07u;
    if (lead == 0xF0) second_low = 0x90;
    if (lead == 0xF4) second_high = 0x8F;  // nothing above U+10FFFF
  } else {
    return {kReplacementCharacter, 1};
  }
  if (utf8.size() - pos < length) return {kReplacementCharacter, 1};
  for (std::size_t i = 1; i < length; ++i) {
    const std::uint8_t low = i == 1 ? second_low : 0x80;
    const std::uint8_t high = i == 1 ? second_high : 0xBF;
    if (byte(i) < low || byte(i) > high) return {kReplacementCharacter, 1};
    cp = (cp << 6) | (byte(i) & 0x3Fu);
  }
  return {cp, length};
}

}  // namespace

std::string_view offsets_record_error_name(OffsetsRecordError error) {
  switch (error) {
    case OffsetsRecordError::kTruncated:
      return "truncated";
    case OffsetsRecordError::kUnsupportedVersion:
      return "unsupported-version";
    case OffsetsRecordError::kInvalidField:
      return "invalid-field";
    case OffsetsRecordError::kTrailingBytes:
      return "trailing-bytes";
    case OffsetsRecordError::kMissingKey:
      return "missing-key";
  }
  return "unknown";
}

Bytes encode_key(const OffsetsRecordKey& key) {
  if (const auto* commit = std::get_if<OffsetCommitKey>(&key)) {
    SAMSA_ASSERT(commit->partition.value() >= 0, "an offset commit key for a negative partition");
    return Writer(kOffsetCommitKeyVersion)
        .str(commit->group)
        .str(commit->topic)
        .i32(commit->partition.value())
        .take();
  }
  return Writer(kGroupMetadataKeyVersion).str(std::get<GroupMetadataKey>(key).group).take();
}

sim::Result<OffsetsRecordKey, OffsetsRecordError> decode_key(std::span<const std::uint8_t> bytes) {
  Reader in(bytes);
  const std::int16_t version = in.i16();
  if (in.error()) return sim::Err(*in.error());
  if (version == 0 || version == 1) {  // Kafka's OffsetCommitKey v0 and v1 share a layout
    OffsetCommitKey key;
    key.group = in.str();
    key.topic = in.str();
    key.partition = PartitionIndex(in.i32());
    in.require(key.partition.value() >= 0);
    return finish<OffsetsRecordKey>(in, key);
  }
  if (version == kGroupMetadataKeyVersion) {
    GroupMetadataKey key;
    key.group = in.str();
    return finish<OffsetsRecordKey>(in, key);
  }
  return sim::Err(OffsetsRecordError::kUnsupportedVersion);
}

Bytes encode_offset_commit_value(const OffsetCommitValue& value) {
  SAMSA_ASSERT(value.leader_epoch.value() >= -1, "a committed leader epoch below -1");
  return Writer(kOffsetCommitValueVersion)
      .i64(value.offset.value())
      .i32(value.leader_epoch.value())
      .str(value.metadata)
      .i64(value.commit_timestamp_ms)
      .take();
}

sim::Result<OffsetCommitValue, OffsetsRecordError> decode_offset_commit_value(
    std::span<const std::uint8_t> bytes) {
  Reader in(bytes);
  const std::int16_t version = in.i16();
  if (in.error()) return sim::Err(*in.error());
  if (version != kOffsetCommitValueVersion)
    return sim::Err(OffsetsRecordError::kUnsupportedVersion);
  OffsetCommitValue value;
  value.offset = Offset(in.i64());
  value.leader_epoch = LeaderEpoch(in.i32());
  in.require(value.leader_epoch.value() >= -1);
  value.metadata = in.str();
  value.commit_timestamp_ms = in.i64();
  return finish(in, value);
}

Bytes encode_group_metadata_value(const GroupMetadataValue& value) {
  SAMSA_ASSERT(value.generation >= 0, "a group record with a negative generation");
  SAMSA_ASSERT(value.members.size() <= kMaxOffsetsRecordMembers,
               "a group record with too many members");
  Writer out(kGroupMetadataValueVersion);
  out.str(value.protocol_type).i32(value.generation).nullable_str(value.protocol);
  out.nullable_str(value.leader).i64(value.current_state_timestamp_ms);
  out.i32(static_cast<std::int32_t>(value.members.size()));
  for (const GroupMemberValue& member : value.members) {
    SAMSA_ASSERT(!member.member_id.empty(), "a group record member without a member id");
    SAMSA_ASSERT(member.rebalance_timeout_ms >= 0 && member.session_timeout_ms >= 0,
                 "a group record member with a negative timeout");
    write_member(out, member);
  }
  return out.take();
}

sim::Result<GroupMetadataValue, OffsetsRecordError> decode_group_metadata_value(
    std::span<const std::uint8_t> bytes) {
  Reader in(bytes);
  const std::int16_t version = in.i16();
  if (in.error()) return sim::Err(*in.error());
  if (version != kGroupMetadataValueVersion)
    return sim::Err(OffsetsRecordError::kUnsupportedVersion);
  GroupMetadataValue value;
  value.protocol_type = in.str();
  value.generation = in.i32();
  in.require(value.generation >= 0);
  value.protocol = in.nullable_str();
  value.leader = in.nullable_str();
  value.current_state_timestamp_ms = in.i64();
  const std::size_t members = in.count(kMaxOffsetsRecordMembers);
  for (std::size_t i = 0; i < members && !in.error(); ++i) value.members.push_back(read_member(in));
  return finish(in, value);
}

RecordInput make_offsets_record(const OffsetsRecord& record, std::int64_t timestamp_ms) {
  RecordInput input;
  input.timestamp_ms = timestamp_ms;
  input.key = encode_key(record.key);
  if (!record.value) return input;  // a tombstone
  if (std::holds_alternative<OffsetCommitKey>(record.key)) {
    SAMSA_ASSERT(std::holds_alternative<OffsetCommitValue>(*record.value),
                 "an offset commit key with a group metadata value");
    input.value = encode_offset_commit_value(std::get<OffsetCommitValue>(*record.value));
  } else {
    SAMSA_ASSERT(std::holds_alternative<GroupMetadataValue>(*record.value),
                 "a group metadata key with an offset commit value");
    input.value = encode_group_metadata_value(std::get<GroupMetadataValue>(*record.value));
  }
  return input;
}

sim::Result<OffsetsRecord, OffsetsRecordError> decode_offsets_record(const Record& record) {
  if (!record.key) return sim::Err(OffsetsRecordError::kMissingKey);
  auto key = decode_key(*record.key);
  if (!key) return sim::Err(key.error());
  OffsetsRecord result{key.value(), std::nullopt};
  if (!record.value) return result;
  if (std::holds_alternative<OffsetCommitKey>(result.key)) {
    auto value = decode_offset_commit_value(*record.value);
    if (!value) return sim::Err(value.error());
    result.value = value.value();
  } else {
    auto value = decode_group_metadata_value(*record.value);
    if (!value) return sim::Err(value.error());
    result.value = std::move(value).value();
  }
  return result;
}

std::int32_t java_string_hash(std::string_view utf8) {
  std::uint32_t h = 0;  // unsigned: Java's int overflow wraps, C++'s signed overflow is UB
  const auto add_unit = [&h](std::uint32_t unit) { h = 31u * h + unit; };
  for (std::size_t pos = 0; pos < utf8.size();) {
    const auto [cp, length] = next_code_point(utf8, pos);
    pos += length;
    if (cp < 0x10000) {
      add_unit(cp);
    } else {  // a UTF-16 surrogate pair
      add_unit(0xD800u + ((cp - 0x10000u) >> 10));
      add_unit(0xDC00u + ((cp - 0x10000u) & 0x3FFu));
    }
  }
  return static_cast<std::int32_t>(h);
}

PartitionIndex partition_for_group(std::string_view group_id, std::int32_t num_partitions) {
  SAMSA_ASSERT(num_partitions > 0, "the offsets topic has no partitions");
  const std::int32_t hash = java_string_hash(group_id);
  // Kafka's Utils.abs: Integer.MIN_VALUE has no positive twin and maps to 0.
  const std::int32_t abs =
      hash == std::numeric_limits<std::int32_t>::min() ? 0 : (hash < 0 ? -hash : hash);
  return PartitionIndex(abs % num_partitions);
}

}  // namespace samsa::cluster
