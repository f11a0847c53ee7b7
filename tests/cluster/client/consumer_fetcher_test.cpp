// Claims about how the consumer turns a fetched partition's batches into records
// (parse_completed_fetch): what is returned, with which epoch, and where the position
// goes next. The fetcher's network side is covered end to end (tests/harness/consumer_test.cpp).
#include "cluster/client/consumer_fetcher.h"

#include <gtest/gtest.h>

#include <string>

namespace samsa::cluster {
namespace {

const TopicPartition kTp{"orders", PartitionIndex(0)};

Bytes batch_of(std::int64_t base_offset, int count, std::int32_t epoch, bool control = false) {
  std::vector<RecordInput> records;
  for (int i = 0; i < count; ++i) {
    const std::string value = "v" + std::to_string(base_offset + i);
    records.push_back(RecordInput{1000 + i, std::nullopt, Bytes(value.begin(), value.end())});
  }
  Bytes batch = control ? encode_control_batch(records) : encode_batch(records);
  stamp_batch(batch, Offset(base_offset), LeaderEpoch(epoch));
  return batch;
}

Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

std::vector<std::int64_t> offsets_of(const CompletedFetch& fetch) {
  std::vector<std::int64_t> out;
  for (const ConsumerRecord& r : fetch.records) out.push_back(r.offset.value());
  return out;
}

TEST(ConsumerFetcher, RecordsBelowThePositionInABatchThatStartsBelowItAreNotReturned) {
  const auto fetch = parse_completed_fetch(kTp, Offset(7), concat({batch_of(5, 4, 0), batch_of(9, 2, 1)}));
  ASSERT_TRUE(fetch.has_value());
  EXPECT_EQ(offsets_of(*fetch), (std::vector<std::int64_t>{7, 8, 9, 10}));
  EXPECT_EQ(fetch->next_fetch_offset, Offset(11));
  EXPECT_EQ(fetch->last_epoch, LeaderEpoch(1));
  EXPECT_EQ(fetch->expected_position(), Offset(7));
}

TEST(ConsumerFetcher, EveryRecordCarriesTheLeaderEpochOfItsBatch) {
  const auto fetch = parse_completed_fetch(kTp, Offset(0), concat({batch_of(0, 2, 3), batch_of(2, 1, 4)}));
  ASSERT_TRUE(fetch.has_value());
  ASSERT_EQ(fetch->records.size(), 3U);
  EXPECT_EQ(fetch->records[0].leader_epoch, LeaderEpoch(3));
  EXPECT_EQ(fetch->records[1].leader_epoch, LeaderEpoch(3));
  EXPECT_EQ(fetch->records[2].leader_epoch, LeaderEpoch(4));
  EXPECT_EQ(fetch->records[2].timestamp_ms, 1000);
  EXPECT_EQ(fetch->records[0].tp, kTp);
}

TEST(ConsumerFetcher, AControlBatchIsNeverReturnedButThePositionMovesPastIt) {
  const auto fetch = parse_completed_fetch(kTp, Offset(0), concat({batch_of(0, 2, 0), batch_of(2, 1, 1, true)}));
  ASSERT_TRUE(fetch.has_value());
  EXPECT_EQ(offsets_of(*fetch), (std::vector<std::int64_t>{0, 1}));
  EXPECT_EQ(fetch->next_fetch_offset, Offset(3));
  const auto only_control = parse_completed_fetch(kTp, Offset(2), batch_of(2, 1, 1, true));
  ASSERT_TRUE(only_control.has_value());
  EXPECT_TRUE(only_control->records.empty());
  EXPECT_EQ(only_control->next_fetch_offset, Offset(3)) << "else the consumer refetches it forever";
}

TEST(ConsumerFetcher, ACorruptFirstBatchIsAnErrorAndACorruptLaterBatchEndsTheDataThere) {
  Bytes bad = batch_of(3, 2, 0);
  bad.back() ^= 0xff;  // inside the CRC's range
  EXPECT_FALSE(parse_completed_fetch(kTp, Offset(3), bad).has_value());
  const auto fetch = parse_completed_fetch(kTp, Offset(0), concat({batch_of(0, 3, 0), bad}));
  ASSERT_TRUE(fetch.has_value());
  EXPECT_EQ(offsets_of(*fetch), (std::vector<std::int64_t>{0, 1, 2}));
  EXPECT_EQ(fetch->next_fetch_offset, Offset(3)) << "the next fetch starts at the bad batch";
}

TEST(ConsumerFetcher, NoBatchesLeaveThePositionWhereItWas) {
  const auto fetch = parse_completed_fetch(kTp, Offset(12), Bytes{});
  ASSERT_TRUE(fetch.has_value());
  EXPECT_TRUE(fetch->records.empty());
  EXPECT_EQ(fetch->next_fetch_offset, Offset(12));
}

}  // namespace
}  // namespace samsa::cluster
