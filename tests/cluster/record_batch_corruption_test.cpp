// Decoding untrusted bytes: every corruption, truncation and out-of-range field of a batch is
// an error value, never a different valid batch and never a read past the span.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>
#include <vector>

#include "cluster/log/record_batch.h"
#include "tests/cluster/record_batch_testing.h"

namespace samsa::cluster {
namespace {

using namespace batch_test;  // NOLINT: the helpers shared by the record batch tests

// --- Corruption and truncation ---

RC_GTEST_PROP(RecordBatch, AnySingleByteCorruptionUnderTheCrcIsACrcMismatch, ()) {
  Bytes batch = encode_batch(*gen_records());
  const auto pos = *rc::gen::inRange<std::size_t>(f::kAttributes, batch.size());
  const auto flip = *rc::gen::inRange<int>(1, 256);
  batch[pos] = static_cast<std::uint8_t>(batch[pos] ^ flip);
  RC_ASSERT(parse_error(batch) == DecodeError::kCrcMismatch);
}

RC_GTEST_PROP(RecordBatch, AnySingleByteCorruptionOfLengthMagicOrCrcIsAnError, ()) {
  Bytes batch = encode_batch(*gen_records());
  const auto pos = *rc::gen::element<std::size_t>(8, 9, 10, 11, 16, 17, 18, 19, 20);
  const auto flip = *rc::gen::inRange<int>(1, 256);
  batch[pos] = static_cast<std::uint8_t>(batch[pos] ^ flip);
  RC_ASSERT(parse_error(batch).has_value());
}

TEST(RecordBatch, FlippingAnyBitOfASmallBatchOutsideOffsetAndEpochIsDetected) {
  const Bytes good = encode_batch(kExample, {ProducerId(1), ProducerEpoch(2), Sequence(3)});
  for (std::size_t pos = 0; pos < good.size(); ++pos) {
    const bool stampable = pos < f::kBatchLength || (pos >= f::kLeaderEpoch && pos < f::kMagic);
    if (stampable) continue;
    for (int bit = 0; bit < 8; ++bit) {
      Bytes bad = good;
      bad[pos] = static_cast<std::uint8_t>(bad[pos] ^ (1 << bit));
      EXPECT_TRUE(parse_error(bad).has_value()) << "byte " << pos << " bit " << bit;
    }
  }
}

// As in Kafka: the leader stamps these after the producer computed the CRC.
TEST(RecordBatch, BaseOffsetAndLeaderEpochAreNotCoveredByTheCrc) {
  Bytes batch = encode_batch(kExample);
  batch[f::kBaseOffset + 7] ^= 0x10;
  batch[f::kLeaderEpoch + 3] ^= 0x02;
  const BatchView view = parse_ok(batch);
  EXPECT_EQ(view.base_offset(), Offset(16));
  EXPECT_EQ(view.leader_epoch(), LeaderEpoch(-3));
}

RC_GTEST_PROP(RecordBatch, AnyTruncationIsDetectedWithoutReadingPastTheSpan, ()) {
  const Bytes batch = encode_batch(*gen_records());
  // Each prefix is copied into a buffer of exactly its size, so that under the sanitizer
  // build any read past the span is a heap-buffer-overflow.
  const auto cuts = *rc::gen::container<std::vector<std::size_t>>(
      16, rc::gen::inRange<std::size_t>(0, batch.size()));
  for (std::size_t cut : cuts) {
    const Bytes prefix(batch.begin(), batch.begin() + static_cast<std::ptrdiff_t>(cut));
    RC_ASSERT(parse_error(prefix) == DecodeError::kTruncated);
  }
}

TEST(RecordBatch, EveryPrefixOfASmallBatchIsTruncated) {
  const Bytes batch = encode_batch(kExample);
  for (std::size_t cut = 0; cut < batch.size(); ++cut) {
    const Bytes prefix(batch.begin(), batch.begin() + static_cast<std::ptrdiff_t>(cut));
    EXPECT_EQ(parse_error(prefix), DecodeError::kTruncated) << "cut at " << cut;
  }
}

RC_GTEST_PROP(RecordBatch, ArbitraryBytesUnderAValidCrcDecodeOrFailWithinTheSpan, ()) {
  // Legal header values, so that decoding reaches the records.
  const auto count = *rc::gen::inRange<std::int32_t>(0, 4);
  const auto last_delta = *rc::gen::inRange<std::int32_t>(count, 8);
  const auto area = *rc::gen::arbitrary<Bytes>();
  const Bytes batch = with_records_area(area, count, last_delta);
  auto view = BatchView::parse(batch);
  if (view) RC_ASSERT(view.value().records().size() == static_cast<std::size_t>(count));
}

RC_GTEST_PROP(RecordBatch, MutatedRecordsUnderAValidCrcDecodeOrFailWithinTheSpan, ()) {
  Bytes batch = encode_batch(*gen_records());
  const auto edits = *rc::gen::inRange(1, 4);
  for (int i = 0; i < edits; ++i) {
    const auto pos = *rc::gen::inRange<std::size_t>(kBatchHeaderBytes, batch.size());
    batch[pos] = *rc::gen::arbitrary<std::uint8_t>();
  }
  reseal(batch);
  auto view = BatchView::parse(batch);
  if (view) {
    RC_ASSERT(view.value().records().size() ==
              static_cast<std::size_t>(view.value().record_count()));
  }
}

// --- Bounds on header and record fields ---

TEST(RecordBatch, BatchLengthBelowTheHeaderOrAbove64MiBIsBadLength) {
  for (std::int32_t length :
       {-1, 0, 48, kMaxBatchLength + 1, std::numeric_limits<std::int32_t>::max()}) {
    Bytes batch = encode_batch(kExample);
    store_be<std::int32_t>(batch, f::kBatchLength, length);
    EXPECT_EQ(parse_error(batch), DecodeError::kBadLength) << length;
  }
}

TEST(RecordBatch, BatchLengthBeyondTheBytesIsTruncated) {
  Bytes batch = encode_batch(kExample);
  store_be<std::int32_t>(batch, f::kBatchLength, kMaxBatchLength);
  EXPECT_EQ(parse_error(batch), DecodeError::kTruncated);
}

TEST(RecordBatch, MagicOtherThanTwoIsBadMagic) {
  Bytes batch = encode_batch(kExample);
  batch[f::kMagic] = 1;
  EXPECT_EQ(parse_error(batch), DecodeError::kBadMagic);
}

TEST(RecordBatch, OutOfRangeHeaderFieldsUnderAValidCrcAreBadHeader) {
  auto with = [](auto edit) {
    Bytes batch = encode_batch(kExample);
    edit(batch);
    reseal(batch);
    return parse_error(batch);
  };
  EXPECT_EQ(with([](Bytes& b) { store_be<std::int32_t>(b, f::kRecordCount, -1); }),
            DecodeError::kBadHeader);
  EXPECT_EQ(with([](Bytes& b) { store_be<std::int32_t>(b, f::kRecordCount, 1 << 20); }),
            DecodeError::kBadHeader);
  EXPECT_EQ(with([](Bytes& b) { store_be<std::int32_t>(b, f::kLastOffsetDelta, -1); }),
            DecodeError::kBadHeader);
  EXPECT_EQ(with([](Bytes& b) { store_be<std::int16_t>(b, f::kAttributes, 1); }),
            DecodeError::kBadHeader);  // compressed: not supported
  EXPECT_EQ(with([](Bytes& b) { store_be<std::int64_t>(b, f::kBaseOffset, -1); }),
            DecodeError::kBadHeader);
  EXPECT_EQ(with([](Bytes& b) { store_be<std::int64_t>(b, f::kBaseOffset, kInt64Max - 2); }),
            DecodeError::kBadHeader);  // the last offset would overflow
  EXPECT_EQ(with([](Bytes& b) { store_be<std::int16_t>(b, f::kAttributes, 0x30); }),
            std::nullopt);  // transactional and control bits are kept, not rejected
}

TEST(RecordBatch, MalformedRecordsUnderAValidCrcAreBadRecord) {
  const Bytes good = concat({raw_record(0, 1), raw_record(1, 0)});
  EXPECT_EQ(parse_error(with_records_area(good, 2, 1)), std::nullopt);
  EXPECT_EQ(parse_error(with_records_area(good, 3, 2)), DecodeError::kBadRecord);  // missing
  EXPECT_EQ(parse_error(with_records_area(good, 1, 1)), DecodeError::kBadRecord);  // trailing
  EXPECT_EQ(parse_error(with_records_area(good, 2, 0)), DecodeError::kBadRecord);  // delta > last
  const Bytes repeated = concat({raw_record(1, 0), raw_record(1, 0)});
  EXPECT_EQ(parse_error(with_records_area(repeated, 2, 1)), DecodeError::kBadRecord);
  EXPECT_EQ(parse_error(with_records_area(raw_record(-1, 0), 1, 0)), DecodeError::kBadRecord);
  EXPECT_EQ(parse_error(with_records_area(raw_record(0, -2), 1, 0)), DecodeError::kBadRecord);
  EXPECT_EQ(parse_error(with_records_area(raw_record(0, 0, 1), 1, 0)), DecodeError::kBadRecord);
  Bytes long_key = raw_record(0, 1);
  long_key[4] = 2 * 40;  // key length 40: past the record's end
  EXPECT_EQ(parse_error(with_records_area(long_key, 1, 0)), DecodeError::kBadRecord);
  Bytes negative_length = raw_record(0, 0);
  negative_length[0] = 1;  // length -1
  EXPECT_EQ(parse_error(with_records_area(negative_length, 1, 0)), DecodeError::kBadRecord);
  Bytes padded = raw_record(0, 0);
  padded[0] = static_cast<std::uint8_t>(padded[0] + 2);  // length one more than the fields
  padded.push_back(0);
  EXPECT_EQ(parse_error(with_records_area(padded, 1, 0)), DecodeError::kBadRecord);
}

TEST(RecordBatch, ATimestampOverflowingInt64UnderAValidCrcIsBadRecord) {
  Bytes batch = encode_batch(kExample);  // the third record is 200 ms after the base
  store_be<std::int64_t>(batch, f::kBaseTimestamp, kInt64Max - 100);
  reseal(batch);
  EXPECT_EQ(parse_error(batch), DecodeError::kBadRecord);
}

TEST(RecordBatch, EveryDecodeErrorHasADistinctName) {
  const std::vector<DecodeError> all = {DecodeError::kTruncated, DecodeError::kBadLength,
                                        DecodeError::kBadMagic,  DecodeError::kCrcMismatch,
                                        DecodeError::kBadHeader, DecodeError::kBadRecord};
  std::vector<std::string_view> names;
  for (auto e : all) names.push_back(decode_error_name(e));
  std::sort(names.begin(), names.end());
  EXPECT_EQ(std::unique(names.begin(), names.end()), names.end());
  EXPECT_EQ(decode_error_name(DecodeError::kCrcMismatch), "crc-mismatch");
}

}  // namespace
}  // namespace samsa::cluster
