#include "cluster/log/record_batch.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

#include "tests/cluster/record_batch_testing.h"

namespace samsa::cluster {
namespace {

using namespace batch_test;  // NOLINT: the helpers shared by the record batch tests

// --- Encoding and decoding ---

TEST(RecordBatch, FixedExampleRoundTripsWithNullKeysTombstonesAndEmptyValues) {
  const BatchProducer producer{ProducerId(42), ProducerEpoch(3), Sequence(17)};
  const Bytes batch = encode_batch(kExample, producer, Offset(100), LeaderEpoch(5));
  const BatchView view = parse_ok(batch);
  EXPECT_EQ(view.base_offset(), Offset(100));
  EXPECT_EQ(view.last_offset(), Offset(103));
  EXPECT_EQ(view.leader_epoch(), LeaderEpoch(5));
  EXPECT_EQ(view.record_count(), 4);
  EXPECT_EQ(view.base_timestamp(), 1000);
  EXPECT_EQ(view.max_timestamp(), 1200);
  EXPECT_EQ(view.producer_id(), ProducerId(42));
  EXPECT_EQ(view.producer_epoch(), ProducerEpoch(3));
  EXPECT_EQ(view.base_sequence(), Sequence(17));
  EXPECT_EQ(view.last_sequence(), Sequence(20));
  EXPECT_EQ(view.size_bytes(), batch.size());
  const auto records = view.records();
  EXPECT_EQ(records, expected_records(kExample, Offset(100)));
  EXPECT_FALSE(records[1].key.has_value());
  EXPECT_TRUE(records[2].tombstone());
  EXPECT_FALSE(records[3].tombstone());
  EXPECT_EQ(records[3].value, Bytes{});
}

TEST(RecordBatch, DefaultsAreAnUnstampedBatchWithoutProducer) {
  const Bytes batch = encode_batch(kExample);
  const BatchView view = parse_ok(batch);
  EXPECT_EQ(view.base_offset(), Offset(0));
  EXPECT_EQ(view.leader_epoch(), kNoLeaderEpoch);
  EXPECT_EQ(view.producer_id(), kNoProducerId);
  EXPECT_EQ(view.producer_epoch(), kNoProducerEpoch);
  EXPECT_EQ(view.base_sequence(), kNoSequence);
  EXPECT_EQ(view.last_sequence(), kNoSequence);
}

TEST(RecordBatch, HeaderFieldsLieAtTheDocumentedByteOffsets) {
  const BatchProducer producer{ProducerId(0x0102030405060708), ProducerEpoch(0x0A0B), Sequence(9)};
  const Bytes b = encode_batch(kExample, producer, Offset(7), LeaderEpoch(6));
  EXPECT_EQ(load_be<std::int64_t>(b, f::kBaseOffset), 7);
  EXPECT_EQ(load_be<std::int32_t>(b, f::kBatchLength), static_cast<std::int32_t>(b.size() - 12));
  EXPECT_EQ(load_be<std::int32_t>(b, f::kLeaderEpoch), 6);
  EXPECT_EQ(load_be<std::int8_t>(b, f::kMagic), 2);
  EXPECT_EQ(load_be<std::uint32_t>(b, f::kCrc),
            crc32c(std::span<const std::uint8_t>(b).subspan(21)));
  EXPECT_EQ(load_be<std::int16_t>(b, f::kAttributes), 0);
  EXPECT_EQ(load_be<std::int32_t>(b, f::kLastOffsetDelta), 3);
  EXPECT_EQ(load_be<std::int64_t>(b, f::kBaseTimestamp), 1000);
  EXPECT_EQ(load_be<std::int64_t>(b, f::kMaxTimestamp), 1200);
  EXPECT_EQ(load_be<std::int64_t>(b, f::kProducerId), 0x0102030405060708);
  EXPECT_EQ(load_be<std::int16_t>(b, f::kProducerEpoch), 0x0A0B);
  EXPECT_EQ(load_be<std::int32_t>(b, f::kBaseSequence), 9);
  EXPECT_EQ(load_be<std::int32_t>(b, f::kRecordCount), 4);
  EXPECT_EQ(f::kRecords, 61u);
}

TEST(RecordBatch, FirstRecordIsEncodedAsDocumented) {
  const Bytes b = encode_batch(std::vector<RecordInput>{{5, bytes("k"), bytes("vv")}});
  // length 9 | attributes 0 | ts delta 0 | offset delta 0 | key len 1, 'k' | value len 2,
  // 'v' 'v' | headers 0; varints zigzag-encoded.
  const Bytes expected{18, 0, 0, 0, 2, 'k', 4, 'v', 'v', 0};
  EXPECT_EQ(Bytes(b.begin() + kBatchHeaderBytes, b.end()), expected);
}

TEST(RecordBatch, ExtremeTimestampDeltasRoundTrip) {
  const std::vector<RecordInput> in = {{0, std::nullopt, bytes("a")},
                                       {kInt64Max, std::nullopt, bytes("b")},
                                       {kInt64Min, std::nullopt, bytes("c")}};
  const Bytes batch = encode_batch(in);
  const BatchView view = parse_ok(batch);
  EXPECT_EQ(view.records(), expected_records(in, Offset(0)));
  EXPECT_EQ(view.max_timestamp(), kInt64Max);
}

TEST(RecordBatch, LastSequenceWrapsPastInt32MaxToZeroAsKafkaDoes) {
  const auto max = std::numeric_limits<std::int32_t>::max();
  const BatchProducer producer{ProducerId(1), ProducerEpoch(0), Sequence(max - 1)};
  const Bytes batch = encode_batch(kExample, producer);  // 4 records
  const BatchView view = parse_ok(batch);
  EXPECT_EQ(view.last_sequence(), Sequence(1));  // max-1, max, 0, 1
}

RC_GTEST_PROP(RecordBatch, AnyRecordsAndProducerFieldsRoundTrip,
              (std::int64_t producer_id, std::int16_t producer_epoch, std::int32_t sequence,
               std::int32_t epoch)) {
  const auto in = *gen_records();
  const Offset base = *gen_base_offset();
  const BatchProducer producer{ProducerId(producer_id), ProducerEpoch(producer_epoch),
                               Sequence(sequence)};
  const Bytes batch = encode_batch(in, producer, base, LeaderEpoch(epoch));
  auto view = BatchView::parse(batch);
  RC_ASSERT(view.ok());
  const BatchView& v = view.value();
  RC_ASSERT(v.records() == expected_records(in, base));
  RC_ASSERT(v.base_offset() == base);
  RC_ASSERT(v.last_offset() == base + static_cast<std::int64_t>(in.size() - 1));
  RC_ASSERT(v.leader_epoch() == LeaderEpoch(epoch));
  RC_ASSERT(v.record_count() == static_cast<std::int32_t>(in.size()));
  RC_ASSERT(v.producer_id() == producer.id);
  RC_ASSERT(v.producer_epoch() == producer.epoch);
  RC_ASSERT(v.base_sequence() == producer.base_sequence);
  RC_ASSERT(v.base_timestamp() == in.front().timestamp_ms);
  const auto max_ts = std::max_element(in.begin(), in.end(), [](const auto& a, const auto& b) {
    return a.timestamp_ms < b.timestamp_ms;
  });
  RC_ASSERT(v.max_timestamp() == max_ts->timestamp_ms);
  RC_ASSERT(v.size_bytes() == batch.size());
}

TEST(RecordBatch, ParseReadsOnlyTheFirstBatchOfALongerBuffer) {
  Bytes two = encode_batch(kExample);
  const std::size_t first_size = two.size();
  const Bytes second = encode_batch(std::vector<RecordInput>{{1, std::nullopt, bytes("x")}});
  two.insert(two.end(), second.begin(), second.end());
  const BatchView view = parse_ok(two);
  EXPECT_EQ(view.size_bytes(), first_size);
  EXPECT_EQ(view.record_count(), 4);
}

// --- Stamping ---

RC_GTEST_PROP(RecordBatch, StampingSetsBaseOffsetAndEpochAndKeepsTheCrcValid,
              (std::int32_t epoch)) {
  const auto in = *gen_records();
  Bytes batch = encode_batch(in);
  const Bytes before = batch;
  const Offset base = *gen_base_offset();
  stamp_batch(batch, base, LeaderEpoch(epoch));
  auto view = BatchView::parse(batch);
  RC_ASSERT(view.ok());
  RC_ASSERT(view.value().base_offset() == base);
  RC_ASSERT(view.value().leader_epoch() == LeaderEpoch(epoch));
  RC_ASSERT(view.value().records() == expected_records(in, base));
  // Only the two stamped fields changed; the CRC-covered bytes are untouched.
  RC_ASSERT(std::equal(batch.begin() + f::kBatchLength, batch.begin() + f::kLeaderEpoch,
                       before.begin() + f::kBatchLength));
  RC_ASSERT(std::equal(batch.begin() + f::kMagic, batch.end(), before.begin() + f::kMagic));
}

// --- Scanning a segment ---

Bytes concat(const std::vector<Bytes>& batches) {
  Bytes out;
  for (const auto& b : batches) out.insert(out.end(), b.begin(), b.end());
  return out;
}

TEST(ScanBatches, ReadsEveryBatchOfACleanSegmentToTheEnd) {
  const std::vector<Bytes> batches = {encode_batch(kExample, {}, Offset(0)),
                                      encode_batch(kExample, {}, Offset(4))};
  const Bytes segment = concat(batches);
  const ScanResult scan = scan_batches(segment);
  ASSERT_EQ(scan.batches.size(), 2u);
  EXPECT_EQ(scan.batches[1].base_offset(), Offset(4));
  EXPECT_EQ(scan.valid_bytes, segment.size());
  EXPECT_EQ(scan.stopped_by, std::nullopt);
}

TEST(ScanBatches, OfAnEmptySegmentFindsNothingAndNoError) {
  const ScanResult scan = scan_batches({});
  EXPECT_TRUE(scan.batches.empty());
  EXPECT_EQ(scan.valid_bytes, 0u);
  EXPECT_EQ(scan.stopped_by, std::nullopt);
}

RC_GTEST_PROP(ScanBatches, StopsAtATornTailWithValidBytesAtTheEndOfTheLastGoodBatch, ()) {
  const auto count = *rc::gen::inRange(0, 5);
  std::vector<Bytes> batches;
  for (int i = 0; i < count; ++i) batches.push_back(encode_batch(*gen_records()));
  const Bytes good = concat(batches);
  const Bytes torn_batch = encode_batch(*gen_records());
  const auto cut = *rc::gen::inRange<std::size_t>(1, torn_batch.size());
  Bytes segment = good;
  segment.insert(segment.end(), torn_batch.begin(),
                 torn_batch.begin() + static_cast<std::ptrdiff_t>(cut));
  const ScanResult scan = scan_batches(segment);
  RC_ASSERT(scan.batches.size() == batches.size());
  RC_ASSERT(scan.valid_bytes == good.size());
  RC_ASSERT(scan.stopped_by == DecodeError::kTruncated);
}

TEST(ScanBatches, StopsAtACorruptBatchEvenWhenGoodOnesFollow) {
  std::vector<Bytes> batches = {encode_batch(kExample), encode_batch(kExample),
                                encode_batch(kExample)};
  batches[1].back() ^= 0x01;
  const ScanResult scan = scan_batches(concat(batches));
  EXPECT_EQ(scan.batches.size(), 1u);
  EXPECT_EQ(scan.valid_bytes, batches[0].size());
  EXPECT_EQ(scan.stopped_by, DecodeError::kCrcMismatch);
}

// --- Filtering (the log cleaner's copy) ---

RC_GTEST_PROP(FilterBatch, KeepsOffsetsTheCoveredRangeAndProducerFieldsOfTheKeptRecords,
              (std::int32_t sequence)) {
  const auto in = *gen_records();
  const Offset base = *gen_base_offset();
  const BatchProducer producer{ProducerId(7), ProducerEpoch(1), Sequence(sequence)};
  const Bytes original_bytes = encode_batch(in, producer, base, LeaderEpoch(4));
  const BatchView original = parse_ok(original_bytes);
  const auto keep_mask =
      *rc::gen::container<std::vector<bool>>(in.size(), rc::gen::arbitrary<bool>());
  std::vector<Record> kept;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (keep_mask[i]) kept.push_back(expected_records(in, base)[i]);
  }
  const Bytes filtered_bytes = filter_batch(original, [&](const Record& r) {
    return keep_mask[static_cast<std::size_t>(r.offset - base)];
  });
  auto filtered = BatchView::parse(filtered_bytes);
  RC_ASSERT(filtered.ok());
  const BatchView& v = filtered.value();
  RC_ASSERT(v.records() == kept);
  RC_ASSERT(v.record_count() == static_cast<std::int32_t>(kept.size()));
  RC_ASSERT(v.base_offset() == original.base_offset());
  RC_ASSERT(v.last_offset() == original.last_offset());
  RC_ASSERT(v.leader_epoch() == original.leader_epoch());
  RC_ASSERT(v.producer_id() == original.producer_id());
  RC_ASSERT(v.producer_epoch() == original.producer_epoch());
  RC_ASSERT(v.base_sequence() == original.base_sequence());
  RC_ASSERT(v.last_sequence() == original.last_sequence());
  std::int64_t max_ts = original.max_timestamp();
  if (!kept.empty()) {
    max_ts = std::max_element(kept.begin(), kept.end(), [](const auto& a, const auto& b) {
               return a.timestamp_ms < b.timestamp_ms;
             })->timestamp_ms;
  }
  RC_ASSERT(v.max_timestamp() == max_ts);
}

RC_GTEST_PROP(FilterBatch, KeepingEveryRecordReproducesTheBatchByteForByte, ()) {
  const Bytes batch = encode_batch(*gen_records(), {}, *gen_base_offset(), LeaderEpoch(2));
  RC_ASSERT(filter_batch(parse_ok(batch), [](const Record&) { return true; }) == batch);
}

TEST(FilterBatch, FilteringAFilteredBatchAgainKeepsTheOriginalOffsets) {
  const Bytes batch = encode_batch(kExample, {}, Offset(50));
  const BatchView original = parse_ok(batch);
  const Bytes once = filter_batch(original, [](const Record& r) { return r.offset != Offset(51); });
  const BatchView once_view = parse_ok(once);
  const Bytes twice =
      filter_batch(once_view, [](const Record& r) { return r.offset != Offset(52); });
  const BatchView view = parse_ok(twice);
  const auto records = view.records();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].offset, Offset(50));
  EXPECT_EQ(records[1].offset, Offset(53));
  EXPECT_EQ(view.last_offset(), Offset(53));
}

TEST(FilterBatch, KeepingNothingLeavesAnEmptyBatchThatStillCoversTheRange) {
  const BatchProducer producer{ProducerId(9), ProducerEpoch(0), Sequence(5)};
  const Bytes batch = encode_batch(kExample, producer, Offset(10));
  const Bytes filtered = filter_batch(parse_ok(batch), [](const Record&) { return false; });
  const BatchView empty = parse_ok(filtered);
  EXPECT_EQ(empty.record_count(), 0);
  EXPECT_TRUE(empty.records().empty());
  EXPECT_EQ(empty.base_offset(), Offset(10));
  EXPECT_EQ(empty.last_offset(), Offset(13));
  EXPECT_EQ(empty.last_sequence(), Sequence(8));
  EXPECT_EQ(empty.max_timestamp(), 1200);
  EXPECT_EQ(empty.size_bytes(), kBatchHeaderBytes);
}

}  // namespace
}  // namespace samsa::cluster
