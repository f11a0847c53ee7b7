// The offsets topic's record codec and group partitioning: round trips, Kafka's byte
// layout, every kind of malformed input as an error value, and Java's String.hashCode /
// Kafka's Utils.abs pinned by vectors computed from their definitions.
#include "cluster/group/offsets_records.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <limits>
#include <string>
#include <vector>

namespace samsa::cluster {
namespace {

Bytes bytes_of(std::initializer_list<int> values) {
  Bytes out;
  for (int v : values) out.push_back(static_cast<std::uint8_t>(v));
  return out;
}

GroupMetadataValue two_member_group() {
  GroupMetadataValue value;
  value.protocol_type = "consumer";
  value.generation = 7;
  value.protocol = "range";
  value.leader = "c-1-1";
  value.current_state_timestamp_ms = 1'700'000'000'000;
  value.members.push_back(GroupMemberValue{"c-1-1", std::nullopt, "c", 300'000, 10'000,
                                           bytes_of({1, 2}), bytes_of({3})});
  value.members.push_back(
      GroupMemberValue{"static-1-2", "static", "c", 60'000, 45'000, {}, bytes_of({9, 9, 9})});
  return value;
}

std::string gen_string() {
  return *rc::gen::container<std::string>(*rc::gen::inRange<std::size_t>(0, 12),
                                          rc::gen::arbitrary<char>());
}
Bytes gen_bytes() {
  return *rc::gen::container<Bytes>(*rc::gen::inRange<std::size_t>(0, 12),
                                    rc::gen::arbitrary<std::uint8_t>());
}

GroupMetadataValue gen_group_value() {
  GroupMetadataValue value;
  value.protocol_type = gen_string();
  value.generation = *rc::gen::inRange(0, std::numeric_limits<std::int32_t>::max());
  if (*rc::gen::arbitrary<bool>()) value.protocol = gen_string();
  if (*rc::gen::arbitrary<bool>()) value.leader = gen_string();
  value.current_state_timestamp_ms = *rc::gen::arbitrary<std::int64_t>();
  const auto members = *rc::gen::inRange(0, 5);
  for (int i = 0; i < members; ++i) {
    GroupMemberValue m;
    m.member_id = *rc::gen::nonEmpty(rc::gen::string<std::string>());
    if (*rc::gen::arbitrary<bool>()) m.group_instance_id = gen_string();
    m.client_id = gen_string();
    m.rebalance_timeout_ms = *rc::gen::inRange(0, std::numeric_limits<std::int32_t>::max());
    m.session_timeout_ms = *rc::gen::inRange(0, std::numeric_limits<std::int32_t>::max());
    m.subscription = gen_bytes();
    m.assignment = gen_bytes();
    value.members.push_back(std::move(m));
  }
  return value;
}

OffsetCommitValue gen_commit_value() {
  return OffsetCommitValue{
      Offset(*rc::gen::arbitrary<std::int64_t>()),
      LeaderEpoch(*rc::gen::inRange(-1, std::numeric_limits<std::int32_t>::max())), gen_string(),
      *rc::gen::arbitrary<std::int64_t>()};
}

// --- Layout ----------------------------------------------------------------------------

TEST(OffsetsRecords, OffsetCommitKeyIsKafkasVersionOneLayout) {
  const Bytes bytes = encode_key(OffsetCommitKey{"g", "t", PartitionIndex(3)});
  EXPECT_EQ(bytes, bytes_of({0, 1, 0, 1, 'g', 0, 1, 't', 0, 0, 0, 3}));
}

TEST(OffsetsRecords, GroupMetadataKeyIsKafkasVersionTwoLayout) {
  EXPECT_EQ(encode_key(GroupMetadataKey{"grp"}), bytes_of({0, 2, 0, 3, 'g', 'r', 'p'}));
}

TEST(OffsetsRecords, OffsetCommitValueIsKafkasVersionThreeLayout) {
  const Bytes bytes =
      encode_offset_commit_value(OffsetCommitValue{Offset(258), LeaderEpoch(5), "m", 1});
  EXPECT_EQ(bytes, bytes_of({0, 3, 0, 0,   0, 0, 0, 0, 1, 2, 0, 0, 0,
                             5, 0, 1, 'm', 0, 0, 0, 0, 0, 0, 0, 1}));
}

TEST(OffsetsRecords, EmptyGroupValueWritesNullProtocolAndLeader) {
  GroupMetadataValue value;
  value.protocol_type = "c";
  value.generation = 2;
  value.current_state_timestamp_ms = 0;
  EXPECT_EQ(encode_group_metadata_value(value),
            bytes_of({0, 3, 0, 1, 'c', 0, 0, 0, 2, 0xff, 0xff, 0xff, 0xff,
                      0, 0, 0, 0, 0,   0, 0, 0, 0, 0,    0,    0}));
}

// --- Round trips -------------------------------------------------------------------------

TEST(OffsetsRecords, GroupValueWithStaticAndDynamicMembersRoundTrips) {
  const GroupMetadataValue value = two_member_group();
  const auto decoded = decode_group_metadata_value(encode_group_metadata_value(value));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded.value(), value);
}

TEST(OffsetsRecords, TombstoneRecordDecodesWithoutValue) {
  const OffsetsRecord tombstone{OffsetCommitKey{"g", "orders", PartitionIndex(1)}, std::nullopt};
  const RecordInput input = make_offsets_record(tombstone, 42);
  EXPECT_FALSE(input.value.has_value());
  const auto decoded = decode_offsets_record(Record{Offset(0), 42, input.key, input.value});
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded.value(), tombstone);
}

TEST(OffsetsRecords, RecordWithoutKeyIsAnError) {
  const auto decoded = decode_offsets_record(Record{Offset(0), 0, std::nullopt, Bytes{0, 3}});
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.error(), OffsetsRecordError::kMissingKey);
}

TEST(OffsetsRecords, VersionZeroOffsetCommitKeyIsRead) {
  const auto decoded = decode_key(bytes_of({0, 0, 0, 1, 'g', 0, 1, 't', 0, 0, 0, 3}));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(std::get<OffsetCommitKey>(decoded.value()),
            (OffsetCommitKey{"g", "t", PartitionIndex(3)}));
}

RC_GTEST_PROP(OffsetsRecords, DecodeOfEncodeIsTheSameRecord, ()) {
  const bool commit = *rc::gen::arbitrary<bool>();
  OffsetsRecord record{GroupMetadataKey{gen_string()}, std::nullopt};
  if (commit) {
    record.key =
        OffsetCommitKey{gen_string(), gen_string(), PartitionIndex(*rc::gen::inRange(0, 1 << 30))};
    if (*rc::gen::arbitrary<bool>()) record.value = gen_commit_value();
  } else if (*rc::gen::arbitrary<bool>()) {
    record.value = gen_group_value();
  }
  const RecordInput input = make_offsets_record(record, 5);
  const auto decoded = decode_offsets_record(Record{Offset(9), 5, input.key, input.value});
  RC_ASSERT(decoded.ok());
  RC_ASSERT(decoded.value() == record);
}

// --- Malformed input ---------------------------------------------------------------------

RC_GTEST_PROP(OffsetsRecords, EveryStrictPrefixOfAGroupValueIsTruncated, ()) {
  const Bytes bytes = encode_group_metadata_value(gen_group_value());
  const auto cut = *rc::gen::inRange<std::size_t>(0, bytes.size());
  const auto decoded = decode_group_metadata_value(std::span(bytes.data(), cut));
  RC_ASSERT(!decoded.ok());
  RC_ASSERT(decoded.error() == OffsetsRecordError::kTruncated);
}

TEST(OffsetsRecords, EveryStrictPrefixOfACommitValueAndKeyIsTruncated) {
  const Bytes value =
      encode_offset_commit_value(OffsetCommitValue{Offset(1), LeaderEpoch(2), "meta", 3});
  const Bytes key = encode_key(OffsetCommitKey{"group", "topic", PartitionIndex(4)});
  for (std::size_t cut = 0; cut < value.size(); ++cut) {
    const auto decoded = decode_offset_commit_value(std::span(value.data(), cut));
    ASSERT_FALSE(decoded.ok()) << cut;
    EXPECT_EQ(decoded.error(), OffsetsRecordError::kTruncated) << cut;
  }
  for (std::size_t cut = 0; cut < key.size(); ++cut) {
    const auto decoded = decode_key(std::span(key.data(), cut));
    ASSERT_FALSE(decoded.ok()) << cut;
    EXPECT_EQ(decoded.error(), OffsetsRecordError::kTruncated) << cut;
  }
}

TEST(OffsetsRecords, TrailingBytesAreAnError) {
  Bytes bytes = encode_key(GroupMetadataKey{"g"});
  bytes.push_back(0);
  const auto decoded = decode_key(bytes);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.error(), OffsetsRecordError::kTrailingBytes);
}

TEST(OffsetsRecords, UnknownVersionsAreAnError) {
  EXPECT_EQ(decode_key(bytes_of({0, 3, 0, 0})).error(), OffsetsRecordError::kUnsupportedVersion);
  Bytes value = encode_offset_commit_value(OffsetCommitValue{});
  value[1] = 2;  // version 2 has another layout, which this build does not read
  EXPECT_EQ(decode_offset_commit_value(value).error(), OffsetsRecordError::kUnsupportedVersion);
  Bytes group = encode_group_metadata_value(two_member_group());
  group[1] = 4;
  EXPECT_EQ(decode_group_metadata_value(group).error(), OffsetsRecordError::kUnsupportedVersion);
}

TEST(OffsetsRecords, OutOfRangeFieldsAreInvalid) {
  // A null group id (only protocol, leader and instance ids are nullable).
  EXPECT_EQ(decode_key(bytes_of({0, 2, 0xff, 0xff})).error(), OffsetsRecordError::kInvalidField);
  // A string length below -1.
  EXPECT_EQ(decode_key(bytes_of({0, 2, 0xff, 0xfe})).error(), OffsetsRecordError::kInvalidField);
  // A negative partition.
  EXPECT_EQ(decode_key(bytes_of({0, 1, 0, 1, 'g', 0, 1, 't', 0xff, 0xff, 0xff, 0xff})).error(),
            OffsetsRecordError::kInvalidField);
  // A leader epoch below -1.
  Bytes value = encode_offset_commit_value(OffsetCommitValue{Offset(1), LeaderEpoch(-1), "", 0});
  value[10] = 0xff;
  value[11] = 0xff;
  value[12] = 0xff;
  value[13] = 0xfe;
  EXPECT_EQ(decode_offset_commit_value(value).error(), OffsetsRecordError::kInvalidField);
}

TEST(OffsetsRecords, NegativeMemberCountIsInvalidAndAnOversizedOneTruncated) {
  GroupMetadataValue empty;
  empty.protocol_type = "c";
  Bytes bytes = encode_group_metadata_value(empty);
  const std::size_t count_at = bytes.size() - 4;
  bytes[count_at] = 0xff;
  EXPECT_EQ(decode_group_metadata_value(bytes).error(), OffsetsRecordError::kInvalidField);
  bytes[count_at] = 0;
  bytes[count_at + 3] = 50;  // 50 members in zero bytes
  EXPECT_EQ(decode_group_metadata_value(bytes).error(), OffsetsRecordError::kTruncated);
}

RC_GTEST_PROP(OffsetsRecords, ArbitraryBytesDecodeToAValueOrAnErrorNeverACrash, ()) {
  const Bytes bytes = *rc::gen::container<Bytes>(rc::gen::arbitrary<std::uint8_t>());
  (void)decode_key(bytes);
  (void)decode_offset_commit_value(bytes);
  const auto group = decode_group_metadata_value(bytes);
  if (group.ok()) RC_ASSERT(encode_group_metadata_value(group.value()) == bytes);
}

// --- Partitioning ------------------------------------------------------------------------

// Vectors from Java's definition: s[0]*31^(n-1) + ... + s[n-1] over UTF-16 code units,
// in int arithmetic.
TEST(OffsetsRecords, JavaStringHashMatchesJavaForAsciiAndUnicode) {
  EXPECT_EQ(java_string_hash(""), 0);
  EXPECT_EQ(java_string_hash("a"), 97);
  EXPECT_EQ(java_string_hash("hello"), 99162322);
  EXPECT_EQ(java_string_hash("my-group"), -1906497762);
  EXPECT_EQ(java_string_hash("polygenelubricants"), std::numeric_limits<std::int32_t>::min());
  EXPECT_EQ(java_string_hash("g\xc3\xa9n\xc3\xa9ration"), -868715744);  // "génération"
  EXPECT_EQ(java_string_hash("\xf0\x9f\x98\x80grp"), 1276929186);       // U+1F600: a surrogate pair
}

TEST(OffsetsRecords, MalformedUtf8HashesAsReplacementCharacters) {
  EXPECT_EQ(java_string_hash("\xff"), 0xFFFD);
  EXPECT_EQ(java_string_hash("\xc3"), 0xFFFD);  // a sequence cut short
  EXPECT_EQ(java_string_hash("\xed\xa0\x80"),
            (0xFFFD * 31 + 0xFFFD) * 31 + 0xFFFD);  // an encoded surrogate
}

TEST(OffsetsRecords, PartitionForGroupIsKafkasUtilsAbsOfTheHash) {
  EXPECT_EQ(partition_for_group("hello", 50), PartitionIndex(22));
  EXPECT_EQ(partition_for_group("consumer-group-1", 50), PartitionIndex(20));
  // Negative hashes: Utils.abs, not a mask (which would give 36 and 17).
  EXPECT_EQ(partition_for_group("my-group", 50), PartitionIndex(12));
  EXPECT_EQ(partition_for_group("orders", 50), PartitionIndex(31));
  // Integer.MIN_VALUE has no absolute value; Utils.abs maps it to 0.
  EXPECT_EQ(partition_for_group("polygenelubricants", 50), PartitionIndex(0));
  EXPECT_EQ(partition_for_group("anything", 1), PartitionIndex(0));
}

}  // namespace
}  // namespace samsa::cluster
