// Claims about the idempotent producer's sequence bookkeeping (KIP-98) and its client-side
// epoch bump (KIP-360), and about retried idempotent batches keeping sequence order.
#include "cluster/client/producer_idempotence.h"

#include <gtest/gtest.h>

namespace samsa::cluster {
namespace {

const TopicPartition kTp{"orders", PartitionIndex(0)};

ProducerBatch batch_of(int records) {
  ProducerBatch batch;
  batch.tp = kTp;
  for (int i = 0; i < records; ++i) batch.records.push_back(PendingRecord{RecordInput{}, nullptr});
  return batch;
}

IdempotenceState with_id() {
  IdempotenceState state;
  state.set_producer_id(ProducerId(42), ProducerEpoch(0));
  return state;
}

TEST(Idempotence, BatchesOfAPartitionGetConsecutiveSequencesOneNumberPerRecord) {
  IdempotenceState state = with_id();
  ProducerBatch a = batch_of(3);
  ProducerBatch b = batch_of(2);
  state.assign(a);
  state.assign(b);
  EXPECT_EQ(a.base_sequence, Sequence(0));
  EXPECT_EQ(b.base_sequence, Sequence(3));
  EXPECT_EQ(state.next_sequence(kTp), Sequence(5));
  EXPECT_EQ(a.producer_id, ProducerId(42));
  EXPECT_EQ(state.unsettled(kTp), (std::set<std::int32_t>{0, 3}));
}

TEST(Idempotence, ARetriedBatchKeepsItsSequence) {
  IdempotenceState state = with_id();
  ProducerBatch a = batch_of(2);
  state.assign(a);
  state.assign(a);  // drained again for a retry
  EXPECT_EQ(a.base_sequence, Sequence(0));
  EXPECT_EQ(state.next_sequence(kTp), Sequence(2));
}

TEST(Idempotence, OutOfOrderBehindAnUnsettledOlderBatchIsRetriedWithoutABump) {
  IdempotenceState state = with_id();
  ProducerBatch a = batch_of(1);
  ProducerBatch b = batch_of(1);
  state.assign(a);
  state.assign(b);
  EXPECT_EQ(state.on_error(b, ErrorCode::kOutOfOrderSequenceNumber, AttemptFate::kFatalNotAppended),
            AttemptFate::kRetriableNotAppended);
  EXPECT_EQ(state.epoch(), ProducerEpoch(0));
}

TEST(Idempotence, OutOfOrderForTheOldestBatchBumpsTheEpochResetsSequencesAndFailsIt) {
  IdempotenceState state = with_id();
  ProducerBatch a = batch_of(1);
  ProducerBatch b = batch_of(1);
  state.assign(a);
  state.assign(b);
  EXPECT_EQ(state.on_error(a, ErrorCode::kOutOfOrderSequenceNumber, AttemptFate::kFatalNotAppended),
            AttemptFate::kFatalNotAppended);
  EXPECT_EQ(state.epoch(), ProducerEpoch(1));
  EXPECT_EQ(state.next_sequence(kTp), Sequence(0));
  state.assign(b);  // b is resent under the new epoch from sequence 0
  EXPECT_EQ(b.producer_epoch, ProducerEpoch(1));
  EXPECT_EQ(b.base_sequence, Sequence(0));
}

TEST(Idempotence, UnknownProducerIdBumpsTheEpochAndRetries) {
  IdempotenceState state = with_id();
  ProducerBatch a = batch_of(1);
  state.assign(a);
  EXPECT_EQ(state.on_error(a, ErrorCode::kUnknownProducerId, AttemptFate::kFatalNotAppended),
            AttemptFate::kRetriableNotAppended);
  EXPECT_EQ(state.epoch(), ProducerEpoch(1));
  EXPECT_EQ(state.epoch_bumps(), 1U);
}

TEST(Idempotence, AnInvalidEpochForABatchOfAnOlderEpochOfOursIsRetried) {
  IdempotenceState state = with_id();
  ProducerBatch a = batch_of(1);
  state.assign(a);
  state.bump_epoch();
  EXPECT_EQ(state.on_error(a, ErrorCode::kInvalidProducerEpoch, AttemptFate::kFatalNotAppended),
            AttemptFate::kRetriableNotAppended);
}

TEST(Idempotence, SettledBatchesLeaveTheUnsettledSet) {
  IdempotenceState state = with_id();
  ProducerBatch a = batch_of(1);
  state.assign(a);
  state.settled(a);
  EXPECT_TRUE(state.unsettled(kTp).empty());
}

TEST(Idempotence, ARetriedIdempotentBatchGoesBackBeforeLaterSequencesNotToTheHead) {
  ProducerConfig config;
  config.batch_size = 1;  // a batch per record
  RecordAccumulator acc(config);
  const sim::SimTime t0{};
  IdempotenceState state = with_id();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(acc.append(kTp, PendingRecord{RecordInput{}, nullptr}, t0).ok());
  BatchPtr first = acc.drain(kTp);
  BatchPtr second = acc.drain(kTp);
  state.assign(*first);
  state.assign(*second);
  first->attempts = second->attempts = 1;
  acc.reenqueue(second);
  acc.reenqueue(first);  // lands before `second`, and both before the unsent batch
  EXPECT_EQ(acc.drain(kTp)->base_sequence, Sequence(0));
  EXPECT_EQ(acc.drain(kTp)->base_sequence, Sequence(1));
  EXPECT_EQ(acc.drain(kTp)->base_sequence, kNoSequence);
}

}  // namespace
}  // namespace samsa::cluster
