// Claims about batching by batch.size and linger.ms, the buffer.memory bound and retry
// order in the producer's RecordAccumulator (pure bookkeeping: times are passed in).
#include "cluster/client/record_accumulator.h"

#include <gtest/gtest.h>

#include <string>

namespace samsa::cluster {
namespace {

using namespace std::chrono_literals;

const TopicPartition kTp0{"orders", PartitionIndex(0)};
const TopicPartition kTp1{"orders", PartitionIndex(1)};
const sim::SimTime kT0{1s};

PendingRecord record_of(std::size_t value_bytes) {
  return PendingRecord{RecordInput{0, std::nullopt, Bytes(value_bytes, 7)}, nullptr};
}

ProducerConfig config_with(std::int32_t batch_size, std::int64_t linger_ms,
                           std::int64_t buffer_memory = 1 << 20) {
  ProducerConfig config;
  config.batch_size = batch_size;
  config.linger_ms = linger_ms;
  config.buffer_memory = buffer_memory;
  return config;
}

TEST(RecordAccumulator, RecordsOfOnePartitionShareABatchUntilBatchSizeWouldBePassed) {
  const std::size_t one = record_size_estimate(record_of(100).input);
  RecordAccumulator acc(config_with(static_cast<std::int32_t>(3 * one), 1000));
  for (int i = 0; i < 7; ++i) ASSERT_TRUE(acc.append(kTp0, record_of(100), kT0).ok());
  EXPECT_EQ(acc.queued_batches(), 3U);  // 3 + 3 + 1
  EXPECT_EQ(acc.buffered_bytes(), 7 * one);
  EXPECT_EQ(acc.drain(kTp0)->records.size(), 3U);
  EXPECT_EQ(acc.drain(kTp0)->records.size(), 3U);
  EXPECT_EQ(acc.drain(kTp0)->records.size(), 1U);
}

TEST(RecordAccumulator, ARecordLargerThanBatchSizeTravelsAloneInItsOwnBatch) {
  RecordAccumulator acc(config_with(100, 1000));
  ASSERT_TRUE(acc.append(kTp0, record_of(10), kT0).ok());
  ASSERT_TRUE(acc.append(kTp0, record_of(500), kT0).ok());
  ASSERT_TRUE(acc.append(kTp0, record_of(10), kT0).ok());
  EXPECT_EQ(acc.queued_batches(), 3U);
}

TEST(RecordAccumulator, APartlyFilledBatchIsReadyOnlyAfterLingerMs) {
  RecordAccumulator acc(config_with(16384, 50));
  ASSERT_TRUE(acc.append(kTp0, record_of(10), kT0).ok());
  EXPECT_TRUE(acc.ready(kT0).empty());
  EXPECT_TRUE(acc.ready(kT0 + 49ms).empty());
  EXPECT_EQ(acc.ready(kT0 + 50ms), std::vector<TopicPartition>{kTp0});
  EXPECT_EQ(acc.next_ready_time(kT0), kT0 + 50ms);
}

TEST(RecordAccumulator, AFullBatchIsReadyAtOnceWithoutWaitingForLinger) {
  const std::size_t one = record_size_estimate(record_of(10).input);
  RecordAccumulator acc(config_with(static_cast<std::int32_t>(2 * one), 10'000));
  ASSERT_TRUE(acc.append(kTp0, record_of(10), kT0).ok());
  ASSERT_TRUE(acc.append(kTp1, record_of(10), kT0).ok());
  EXPECT_TRUE(acc.ready(kT0).empty());
  ASSERT_TRUE(acc.append(kTp0, record_of(10), kT0).ok());
  EXPECT_EQ(acc.ready(kT0), std::vector<TopicPartition>{kTp0}) << "only the full partition";
}

TEST(RecordAccumulator, LingerZeroSendsEveryBatchAtOnce) {
  RecordAccumulator acc(config_with(16384, 0));
  ASSERT_TRUE(acc.append(kTp0, record_of(10), kT0).ok());
  EXPECT_EQ(acc.ready(kT0), std::vector<TopicPartition>{kTp0});
}

TEST(RecordAccumulator, FlushMakesQueuedBatchesReadyButNotLaterOnes) {
  RecordAccumulator acc(config_with(16384, 1000));
  ASSERT_TRUE(acc.append(kTp0, record_of(10), kT0).ok());
  EXPECT_TRUE(acc.ready(kT0).empty());
  acc.flush();
  ASSERT_TRUE(acc.append(kTp1, record_of(10), kT0).ok());
  EXPECT_EQ(acc.ready(kT0), std::vector<TopicPartition>{kTp0});
}

TEST(RecordAccumulator, AppendFailsWithBufferExhaustedOnceBufferMemoryIsFullAndReleaseFreesIt) {
  const std::size_t one = record_size_estimate(record_of(100).input);
  RecordAccumulator acc(config_with(16384, 0, static_cast<std::int64_t>(2 * one)));
  ASSERT_TRUE(acc.append(kTp0, record_of(100), kT0).ok());
  ASSERT_TRUE(acc.append(kTp0, record_of(100), kT0).ok());
  auto refused = acc.append(kTp0, record_of(100), kT0);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error(), AppendError::kBufferExhausted);
  BatchPtr batch = acc.drain(kTp0);
  EXPECT_EQ(acc.buffered_bytes(), 2 * one) << "bytes stay buffered until the batch settles";
  acc.release(*batch);
  EXPECT_EQ(acc.buffered_bytes(), 0U);
  EXPECT_TRUE(acc.append(kTp0, record_of(100), kT0).ok());
}

TEST(RecordAccumulator, ARetriedBatchJumpsAheadOfLaterBatchesAndWaitsForItsBackoff) {
  RecordAccumulator acc(config_with(1, 0));
  ASSERT_TRUE(acc.append(kTp0, record_of(10), kT0).ok());
  BatchPtr first = acc.drain(kTp0);
  first->attempts = 1;
  ASSERT_TRUE(acc.append(kTp0, record_of(10), kT0).ok());
  first->retry_after = kT0 + 100ms;
  acc.reenqueue(first);
  EXPECT_TRUE(acc.ready(kT0 + 99ms).empty()) << "the retried head blocks until its backoff";
  EXPECT_EQ(acc.drain(kTp0)->id, first->id);
}

TEST(RecordAccumulator, HeadNamesTheBatchDrainReturnsNextWithoutRemovingIt) {
  RecordAccumulator acc(config_with(1, 0));
  EXPECT_EQ(acc.head(kTp0), nullptr);
  ASSERT_TRUE(acc.append(kTp0, record_of(10), kT0).ok());
  ASSERT_TRUE(acc.append(kTp0, record_of(10), kT0).ok());
  const ProducerBatch* head = acc.head(kTp0);
  ASSERT_NE(head, nullptr);
  EXPECT_EQ(acc.queued_batches(), 2U);
  EXPECT_EQ(acc.drain(kTp0).get(), head);
  EXPECT_EQ(acc.head(kTp1), nullptr);
}

TEST(RecordAccumulator, ARetriedBatchNeverGrowsWithNewRecords) {
  RecordAccumulator acc(config_with(16384, 0));
  ASSERT_TRUE(acc.append(kTp0, record_of(10), kT0).ok());
  BatchPtr first = acc.drain(kTp0);
  first->attempts = 1;
  acc.reenqueue(first);
  ASSERT_TRUE(acc.append(kTp0, record_of(10), kT0).ok());
  EXPECT_EQ(first->records.size(), 1U);
  EXPECT_EQ(acc.queued_batches(), 2U);
}

TEST(RecordAccumulator, ExpireRemovesOnlyBatchesOlderThanDeliveryTimeout) {
  ProducerConfig config = config_with(1, 0);
  config.delivery_timeout_ms = 1000;
  RecordAccumulator acc(config);
  ASSERT_TRUE(acc.append(kTp0, record_of(10), kT0).ok());
  ASSERT_TRUE(acc.append(kTp1, record_of(10), kT0 + 500ms).ok());
  EXPECT_TRUE(acc.expire(kT0 + 999ms).empty());
  const std::vector<BatchPtr> expired = acc.expire(kT0 + 1000ms);
  ASSERT_EQ(expired.size(), 1U);
  EXPECT_EQ(expired[0]->tp, kTp0);
  EXPECT_EQ(acc.queued_batches(), 1U);
}

}  // namespace
}  // namespace samsa::cluster
