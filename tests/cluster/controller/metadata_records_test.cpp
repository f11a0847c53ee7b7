// The metadata record codec: every record round-trips; truncated, trailing, unknown and
// out-of-range input is an error value, never a read past the span or another record.
#include "cluster/controller/metadata_records.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "sim/assert.h"
#include "tests/cluster/controller/controller_testing.h"
#include "tests/cluster/controller/record_generators.h"

namespace samsa::cluster::controller::testing {
namespace {

const std::vector<MetadataRecord> kExamples = {
    RegisterBrokerRecord{kB1, sim::NodeId(7), BrokerEpoch(12), 0xdeadbeefcafeULL},
    BrokerRegistrationChangeRecord{kB2, BrokerEpoch(3), false, std::nullopt},
    BrokerRegistrationChangeRecord{kB2, BrokerEpoch(3), std::nullopt, true},
    TopicRecord{"orders", true},
    PartitionRecord{tp("orders", 2), ids({1, 2, 3}), ids({1, 3}), kB3, LeaderEpoch(4),
                    PartitionEpoch(9)},
    PartitionChangeRecord{tp("orders", 0), ids({2}), kNoLeader},
    PartitionChangeRecord{tp("orders", 0), std::nullopt, std::nullopt},
};

std::optional<RecordDecodeError> decode_error(const Bytes& bytes) {
  auto decoded = decode_record(bytes);
  if (decoded.ok()) return std::nullopt;
  return decoded.error();
}

// [type][version] then fields written by hand.
Bytes header(std::uint8_t type) {
  return Bytes{type, 0};
}

TEST(MetadataRecords, EachRecordTypeRoundTripsThroughTheCodec) {
  for (const MetadataRecord& record : kExamples) {
    auto decoded = decode_record(encode_record(record));
    ASSERT_TRUE(decoded.ok()) << describe(record);
    EXPECT_EQ(decoded.value(), record);
  }
}

RC_GTEST_PROP(MetadataRecords, DecodeOfEncodeIsTheSameRecord, ()) {
  const MetadataRecord record = *gen_record();
  RC_ASSERT(is_well_formed(record));
  auto decoded = decode_record(encode_record(record));
  RC_ASSERT(decoded.ok());
  RC_ASSERT(decoded.value() == record);
}

RC_GTEST_PROP(MetadataRecords, EveryStrictPrefixOfARecordIsTruncated, ()) {
  const Bytes bytes = encode_record(*gen_record());
  const auto length = *rc::gen::inRange<std::size_t>(0, bytes.size());
  const Bytes prefix(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(length));
  RC_ASSERT(decode_error(prefix) == RecordDecodeError::kTruncated);
}

RC_GTEST_PROP(MetadataRecords, ACorruptedRecordDecodesToAnErrorOrAWellFormedRecord, ()) {
  Bytes bytes = encode_record(*gen_record());
  const auto pos = *rc::gen::inRange<std::size_t>(0, bytes.size());
  bytes[pos] = static_cast<std::uint8_t>(bytes[pos] ^ *rc::gen::inRange(1, 256));
  auto decoded = decode_record(bytes);
  if (decoded.ok()) {
    RC_ASSERT(is_well_formed(decoded.value()));
    RC_ASSERT(decode_record(encode_record(decoded.value())).value() == decoded.value());
  }
}

RC_GTEST_PROP(MetadataRecords, ArbitraryBytesAfterAValidHeaderNeverReadPastTheInput, ()) {
  Bytes bytes = header(static_cast<std::uint8_t>(*rc::gen::inRange(1, 6)));
  const auto tail =
      *rc::gen::container<std::vector<std::uint8_t>>(rc::gen::arbitrary<std::uint8_t>());
  bytes.insert(bytes.end(), tail.begin(), tail.end());
  // Only an exact-size copy: AddressSanitizer catches any read past it.
  auto decoded = decode_record(std::span<const std::uint8_t>(bytes.data(), bytes.size()));
  if (decoded.ok()) RC_ASSERT(is_well_formed(decoded.value()));
}

TEST(MetadataRecords, AnEmptyOrOneByteInputIsTruncated) {
  EXPECT_EQ(decode_error({}), RecordDecodeError::kTruncated);
  EXPECT_EQ(decode_error({3}), RecordDecodeError::kTruncated);
}

TEST(MetadataRecords, AnUnknownTypeByteIsAnError) {
  for (std::uint8_t type : {0, 7, 255}) {
    EXPECT_EQ(decode_error(header(type)), RecordDecodeError::kUnknownType) << int{type};
  }
}

TEST(MetadataRecords, AnUnsupportedVersionIsAnError) {
  Bytes bytes = encode_record(TopicRecord{"t", false});
  bytes[1] = 1;
  EXPECT_EQ(decode_error(bytes), RecordDecodeError::kUnsupportedVersion);
}

TEST(MetadataRecords, TrailingBytesAreAnError) {
  Bytes bytes = encode_record(TopicRecord{"t", false});
  bytes.push_back(0);
  EXPECT_EQ(decode_error(bytes), RecordDecodeError::kTrailingBytes);
}

TEST(MetadataRecords, ANegativeBrokerIdIsAnInvalidField) {
  Bytes bytes = header(1);
  append_varint(bytes, -1);  // broker id
  append_varlong(bytes, 1);  // node
  append_varlong(bytes, 1);  // broker epoch
  append_varlong(bytes, 1);  // incarnation
  EXPECT_EQ(decode_error(bytes), RecordDecodeError::kInvalidField);
}

TEST(MetadataRecords, ANodeIdBeyondThirtyTwoBitsIsAnInvalidField) {
  Bytes bytes = header(1);
  append_varint(bytes, 1);
  append_varlong(bytes, std::int64_t{1} << 32);
  append_varlong(bytes, 1);
  append_varlong(bytes, 1);
  EXPECT_EQ(decode_error(bytes), RecordDecodeError::kInvalidField);
}

TEST(MetadataRecords, ABoolByteOtherThanZeroOrOneIsAnInvalidField) {
  Bytes bytes = header(3);
  append_varint(bytes, 1);
  bytes.push_back('t');
  bytes.push_back(2);
  EXPECT_EQ(decode_error(bytes), RecordDecodeError::kInvalidField);
}

TEST(MetadataRecords, AnEmptyTopicNameIsAnInvalidField) {
  Bytes bytes = header(3);
  append_varint(bytes, 0);
  bytes.push_back(0);
  EXPECT_EQ(decode_error(bytes), RecordDecodeError::kInvalidField);
}

Bytes partition_prefix() {
  Bytes bytes = header(4);
  append_varint(bytes, 1);
  bytes.push_back('t');
  append_varint(bytes, 0);  // partition index
  return bytes;
}

TEST(MetadataRecords, AListLongerThanTheBoundIsAnInvalidField) {
  Bytes bytes = partition_prefix();
  append_varint(bytes, static_cast<std::int32_t>(kMaxRecordBrokerList + 1));
  bytes.resize(bytes.size() + kMaxRecordBrokerList + 10, 0);
  EXPECT_EQ(decode_error(bytes), RecordDecodeError::kInvalidField);
}

TEST(MetadataRecords, ANegativeListCountIsAnInvalidField) {
  Bytes bytes = partition_prefix();
  append_varint(bytes, -1);
  EXPECT_EQ(decode_error(bytes), RecordDecodeError::kInvalidField);
}

TEST(MetadataRecords, AListCountBeyondTheInputIsTruncated) {
  Bytes bytes = partition_prefix();
  append_varint(bytes, 5);
  append_varint(bytes, 1);
  EXPECT_EQ(decode_error(bytes), RecordDecodeError::kTruncated);
}

TEST(MetadataRecords, AnOverlongVarintIsAnInvalidField) {
  Bytes bytes = header(3);
  for (int i = 0; i < 5; ++i) bytes.push_back(0x80);
  bytes.push_back(0x01);
  EXPECT_EQ(decode_error(bytes), RecordDecodeError::kInvalidField);
}

TEST(MetadataRecords, ALeaderBelowNoLeaderIsAnInvalidField) {
  PartitionChangeRecord change{tp("t", 0), std::nullopt, kNoLeader};
  Bytes bytes = encode_record(change);
  // The last byte is the leader's zigzag varint: -1 is 1; -2 is 3.
  ASSERT_EQ(bytes.back(), 1);
  bytes.back() = 3;
  EXPECT_EQ(decode_error(bytes), RecordDecodeError::kInvalidField);
}

TEST(MetadataRecords, EncodingAMalformedRecordIsAnInvariantViolation) {
  EXPECT_THROW(encode_record(TopicRecord{"", false}), sim::InvariantViolation);
  EXPECT_THROW(encode_record(RegisterBrokerRecord{BrokerId(-3), sim::NodeId(1), BrokerEpoch(1), 0}),
               sim::InvariantViolation);
}

TEST(MetadataRecords, DescribeNamesTheRecordAndItsFields) {
  EXPECT_EQ(
      describe(kExamples[0]),
      fmt::format("RegisterBroker(broker=1 node=7 epoch=12 incarnation={})", 0xdeadbeefcafeULL));
  EXPECT_EQ(describe(kExamples[1]), "BrokerRegistrationChange(broker=2 epoch=3 fenced=false)");
  EXPECT_EQ(describe(kExamples[3]), "Topic(name=orders unclean.leader.election.enable=true)");
  EXPECT_EQ(
      describe(kExamples[4]),
      "Partition(orders-2 replicas=[1,2,3] isr=[1,3] leader=3 leader_epoch=4 partition_epoch=9)");
  EXPECT_EQ(describe(kExamples[5]), "PartitionChange(orders-0 isr=[2] leader=-1)");
}

}  // namespace
}  // namespace samsa::cluster::controller::testing
