// Claims about the idempotent producer's sequence bookkeeping (KIP-98) and its client-side
// epoch bump (KIP-360), and about retried idempotent batches keeping sequence order.
#include "cluster/client/producer_idempotence.h"

#include <gtest/gtest.h>

#include <memory>
#include <set>

namespace samsa::cluster {
namespace {

const TopicPartition kTp{"orders", PartitionIndex(0)};
const TopicPartition kOtherTp{"orders", PartitionIndex(1)};

BatchPtr batch_of(int records, const TopicPartition& tp = kTp) {
  auto batch = std::make_shared<ProducerBatch>();
  batch->tp = tp;
  for (int i = 0; i < records; ++i) batch->records.push_back(PendingRecord{RecordInput{}, nullptr});
  return batch;
}

// What an attempt of `batch` sent now would carry.
BatchProducer sent_as(const BatchPtr& batch) {
  return BatchProducer{batch->producer_id, batch->producer_epoch, batch->base_sequence};
}

IdempotenceState with_id() {
  IdempotenceState state;
  state.set_producer_id(ProducerId(42), ProducerEpoch(0));
  return state;
}

TEST(Idempotence, BatchesOfAPartitionGetConsecutiveSequencesOneNumberPerRecord) {
  IdempotenceState state = with_id();
  BatchPtr a = batch_of(3);
  BatchPtr b = batch_of(2);
  state.assign(a);
  state.assign(b);
  EXPECT_EQ(a->base_sequence, Sequence(0));
  EXPECT_EQ(b->base_sequence, Sequence(3));
  EXPECT_EQ(state.next_sequence(kTp), Sequence(5));
  EXPECT_EQ(a->producer_id, ProducerId(42));
  EXPECT_EQ(state.unsettled(kTp), (std::set<std::int32_t>{0, 3}));
}

TEST(Idempotence, ARetriedBatchKeepsItsSequence) {
  IdempotenceState state = with_id();
  BatchPtr a = batch_of(2);
  state.assign(a);
  state.assign(a);  // drained again for a retry
  EXPECT_EQ(a->base_sequence, Sequence(0));
  EXPECT_EQ(state.next_sequence(kTp), Sequence(2));
}

TEST(Idempotence, OutOfOrderBehindAnUnsettledOlderBatchIsRetriedWithoutABump) {
  IdempotenceState state = with_id();
  BatchPtr a = batch_of(1);
  BatchPtr b = batch_of(1);
  state.assign(a);
  state.assign(b);
  EXPECT_EQ(state.on_error(*b, sent_as(b), ErrorCode::kOutOfOrderSequenceNumber,
                           AttemptFate::kFatalNotAppended),
            AttemptFate::kRetriableNotAppended);
  EXPECT_EQ(state.epoch(), ProducerEpoch(0));
}

TEST(Idempotence, OutOfOrderForTheOldestBatchBumpsTheEpochFailsItAndRestartsTheRestAtZero) {
  IdempotenceState state = with_id();
  BatchPtr a = batch_of(1);
  BatchPtr b = batch_of(2);
  state.assign(a);
  state.assign(b);
  EXPECT_EQ(state.on_error(*a, sent_as(a), ErrorCode::kOutOfOrderSequenceNumber,
                           AttemptFate::kFatalNotAppended),
            AttemptFate::kFatalNotAppended);
  EXPECT_EQ(state.epoch(), ProducerEpoch(1));
  // b is resent under the new epoch from sequence 0; a is no longer awaited.
  EXPECT_EQ(b->producer_epoch, ProducerEpoch(1));
  EXPECT_EQ(b->base_sequence, Sequence(0));
  EXPECT_EQ(state.unsettled(kTp), (std::set<std::int32_t>{0}));
  EXPECT_EQ(state.next_sequence(kTp), Sequence(2));
  state.assign(b);  // drained again: keeps what the bump gave it
  EXPECT_EQ(b->base_sequence, Sequence(0));
}

TEST(Idempotence, UnknownProducerIdBumpsTheEpochAndRetries) {
  IdempotenceState state = with_id();
  BatchPtr a = batch_of(1);
  state.assign(a);
  EXPECT_EQ(
      state.on_error(*a, sent_as(a), ErrorCode::kUnknownProducerId, AttemptFate::kFatalNotAppended),
      AttemptFate::kRetriableNotAppended);
  EXPECT_EQ(state.epoch(), ProducerEpoch(1));
  EXPECT_EQ(state.epoch_bumps(), 1U);
  EXPECT_EQ(a->producer_epoch, ProducerEpoch(1));
  EXPECT_EQ(a->base_sequence, Sequence(0));
}

// The regression (seed 186039055): the leader lost power with the producer's first batch
// on the wire; a later batch, retried to the new leader, got UNKNOWN_PRODUCER_ID. Kafka's
// TransactionManager.startSequencesAtBeginning rewrites every batch in flight in sequence
// order, so the first batch keeps sequence 0 under the new epoch however late it returns.
TEST(Idempotence, UnknownProducerIdForALaterBatchRestartsEveryBatchInFlightInSequenceOrder) {
  IdempotenceState state = with_id();
  BatchPtr first = batch_of(2);  // still on the wire to the dead leader
  BatchPtr second = batch_of(1);
  BatchPtr third = batch_of(2);
  state.assign(first);
  state.assign(second);
  state.assign(third);
  EXPECT_EQ(state.on_error(*second, sent_as(second), ErrorCode::kUnknownProducerId,
                           AttemptFate::kFatalNotAppended),
            AttemptFate::kRetriableNotAppended);
  // The others answer UNKNOWN_PRODUCER_ID too, for sequences they no longer have: no
  // second bump.
  const BatchProducer third_sent{ProducerId(42), ProducerEpoch(0), Sequence(3)};
  EXPECT_EQ(state.on_error(*third, third_sent, ErrorCode::kUnknownProducerId,
                           AttemptFate::kFatalNotAppended),
            AttemptFate::kRetriableNotAppended);
  EXPECT_EQ(state.epoch_bumps(), 1U);
  // Retries are drained in whatever order the answers came back: second, third, first.
  state.assign(second);
  state.assign(third);
  state.assign(first);
  EXPECT_EQ(first->producer_epoch, ProducerEpoch(1));
  EXPECT_EQ(first->base_sequence, Sequence(0));
  EXPECT_EQ(second->base_sequence, Sequence(2));
  EXPECT_EQ(third->base_sequence, Sequence(3));
  EXPECT_EQ(state.next_sequence(kTp), Sequence(5));
}

TEST(Idempotence, ARetryWaitsUntilItIsThePartitionsOldestBatchInFlight) {
  IdempotenceState state = with_id();
  BatchPtr first = batch_of(1);
  BatchPtr second = batch_of(1);
  state.assign(first);
  state.assign(second);
  EXPECT_FALSE(state.may_drain(*second)) << "first may still land; second must not pass it";
  EXPECT_TRUE(state.may_drain(*first));
  state.settled(*first);
  EXPECT_TRUE(state.may_drain(*second));
  EXPECT_TRUE(state.may_drain(*batch_of(1))) << "a new batch pipelines behind those in flight";
}

// The regression (seed 340606437): on a lossy network the answer to sequence 1 was lost
// while sequences 2..18 were sent and acknowledged; its retry fell outside the five batches
// the broker remembers (ProducerStateEntry.NumBatchesToRetain), drew OUT_OF_ORDER_SEQUENCE,
// and the epoch bump that followed resent sequence 4 (landed, its answer lost too) as epoch
// 1's sequence 0: a duplicate. Kafka never has more than max.in.flight.requests.per.
// connection (<= 5, KAFKA-5494) requests to a broker, answered in order, so a retry is
// always within the broker's window; samsa's answers come back in any order, so the
// partition's window is counted from its oldest unsettled batch.
TEST(Idempotence, ANewBatchWaitsWhileFiveBatchesLeftSinceThePartitionsOldestUnsettledOne) {
  IdempotenceState state = with_id();
  BatchPtr oldest = batch_of(1);  // its answer is lost
  state.assign(oldest);
  for (int i = 0; i < 4; ++i) {
    BatchPtr later = batch_of(1);
    ASSERT_TRUE(state.may_drain(*later));
    state.assign(later);
    state.acknowledged(*later, sent_as(later));  // answered at once
  }
  BatchPtr sixth = batch_of(1);
  EXPECT_FALSE(state.may_drain(*sixth))
      << "a sixth batch would push the oldest one's retry out of the broker's window";
  EXPECT_TRUE(state.may_drain(*oldest)) << "the oldest batch's retry still leaves";
  state.acknowledged(*oldest, sent_as(oldest));
  EXPECT_TRUE(state.may_drain(*sixth));
}

TEST(Idempotence, TheWindowOfBatchesInFlightFollowsMaxInFlightRequests) {
  IdempotenceState state(1);  // max.in.flight.requests.per.connection = 1
  state.set_producer_id(ProducerId(42), ProducerEpoch(0));
  BatchPtr first = batch_of(1);
  state.assign(first);
  EXPECT_FALSE(state.may_drain(*batch_of(1)));
  state.settled(*first);
  EXPECT_TRUE(state.may_drain(*batch_of(1)));
}

// Kafka's TransactionManager.canRetry: OUT_OF_ORDER_SEQUENCE_NUMBER bumps the epoch only
// for the batch right after the last acknowledged sequence. When a later sequence was
// acknowledged the broker appended this batch before it (sequences land in order): it is
// retried as it is, never rewritten under a new epoch, and it may be in the log.
TEST(Idempotence, OutOfOrderForTheOldestBatchAfterALaterSequenceWasAcknowledgedNeverBumps) {
  IdempotenceState state = with_id();
  BatchPtr oldest = batch_of(1);
  BatchPtr landed_unanswered = batch_of(1);
  BatchPtr acknowledged = batch_of(1);
  state.assign(oldest);
  state.assign(landed_unanswered);
  state.assign(acknowledged);
  state.acknowledged(*acknowledged, sent_as(acknowledged));
  EXPECT_EQ(state.on_error(*oldest, sent_as(oldest), ErrorCode::kOutOfOrderSequenceNumber,
                           AttemptFate::kFatalNotAppended),
            AttemptFate::kRetriableMaybeAppended);
  EXPECT_EQ(state.epoch(), ProducerEpoch(0));
  EXPECT_EQ(state.epoch_bumps(), 0U);
  EXPECT_EQ(landed_unanswered->producer_epoch, ProducerEpoch(0));
  EXPECT_EQ(landed_unanswered->base_sequence, Sequence(1)) << "rewriting it would duplicate it";
  EXPECT_EQ(oldest->base_sequence, Sequence(0));
}

TEST(Idempotence, AnAcknowledgementOfAnAttemptMadeBeforeABumpSaysNothingOfTheNewEpoch) {
  IdempotenceState state = with_id();
  BatchPtr a = batch_of(1);
  BatchPtr b = batch_of(1);
  BatchPtr c = batch_of(1);
  state.assign(a);
  state.assign(b);
  state.assign(c);
  const BatchProducer c_before = sent_as(c);
  state.on_error(*a, sent_as(a), ErrorCode::kUnknownProducerId, AttemptFate::kFatalNotAppended);
  state.acknowledged(*c, c_before);  // epoch 0's sequence 2 landed; epoch 1 holds nothing
  EXPECT_EQ(state.on_error(*a, sent_as(a), ErrorCode::kOutOfOrderSequenceNumber,
                           AttemptFate::kFatalNotAppended),
            AttemptFate::kFatalNotAppended);
  EXPECT_EQ(state.epoch(), ProducerEpoch(2));
}

TEST(Idempotence, ABumpLeavesOtherPartitionsOnTheirEpochUntilTheirBatchesInFlightSettle) {
  IdempotenceState state = with_id();
  BatchPtr here = batch_of(1);
  BatchPtr there = batch_of(3, kOtherTp);
  state.assign(here);
  state.assign(there);
  state.on_error(*here, sent_as(here), ErrorCode::kUnknownProducerId,
                 AttemptFate::kFatalNotAppended);
  // Rewriting `there` could duplicate it if its first attempt was appended.
  EXPECT_EQ(there->producer_epoch, ProducerEpoch(0));
  EXPECT_EQ(there->base_sequence, Sequence(0));
  BatchPtr next_there = batch_of(1, kOtherTp);
  EXPECT_FALSE(state.may_drain(*next_there)) << "epoch 1's sequence 0 must not pass epoch 0's";
  EXPECT_TRUE(state.may_drain(*there));
  state.settled(*there);
  ASSERT_TRUE(state.may_drain(*next_there));
  state.assign(next_there);
  EXPECT_EQ(next_there->producer_epoch, ProducerEpoch(1));
  EXPECT_EQ(next_there->base_sequence, Sequence(0));
}

TEST(Idempotence, AnInvalidEpochAnswerToAnAttemptMadeBeforeABumpIsRetried) {
  IdempotenceState state = with_id();
  BatchPtr a = batch_of(1);
  state.assign(a);
  const BatchProducer before = sent_as(a);
  state.bump_epoch(kTp);
  EXPECT_EQ(
      state.on_error(*a, before, ErrorCode::kInvalidProducerEpoch, AttemptFate::kFatalNotAppended),
      AttemptFate::kRetriableNotAppended);
}

TEST(Idempotence, ABumpPastTheLastEpochDropsTheIdAndEveryBatchInFlightItsSequence) {
  IdempotenceState state;
  state.set_producer_id(ProducerId(42), ProducerEpoch(32767));
  BatchPtr a = batch_of(1);
  BatchPtr b = batch_of(1, kOtherTp);
  state.assign(a);
  state.assign(b);
  state.bump_epoch(kTp);
  EXPECT_FALSE(state.has_producer_id());
  EXPECT_EQ(a->base_sequence, kNoSequence);
  EXPECT_EQ(b->base_sequence, kNoSequence);
  EXPECT_FALSE(state.may_drain(*a)) << "nothing leaves before InitProducerId answers";
  state.set_producer_id(ProducerId(43), ProducerEpoch(0));
  state.assign(a);
  EXPECT_EQ(a->producer_id, ProducerId(43));
  EXPECT_EQ(a->base_sequence, Sequence(0));
}

TEST(Idempotence, SettledBatchesLeaveTheUnsettledSet) {
  IdempotenceState state = with_id();
  BatchPtr a = batch_of(1);
  state.assign(a);
  state.settled(*a);
  EXPECT_TRUE(state.unsettled(kTp).empty());
}

TEST(Idempotence, ARetriedIdempotentBatchGoesBackBeforeLaterSequencesNotToTheHead) {
  ProducerConfig config;
  config.batch_size = 1;  // a batch per record
  RecordAccumulator acc(config);
  const sim::SimTime t0{};
  IdempotenceState state = with_id();
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(acc.append(kTp, PendingRecord{RecordInput{}, nullptr}, t0).ok());
  BatchPtr first = acc.drain(kTp);
  BatchPtr second = acc.drain(kTp);
  state.assign(first);
  state.assign(second);
  first->attempts = second->attempts = 1;
  acc.reenqueue(second);
  acc.reenqueue(first);  // lands before `second`, and both before the unsent batch
  EXPECT_EQ(acc.drain(kTp)->base_sequence, Sequence(0));
  EXPECT_EQ(acc.drain(kTp)->base_sequence, Sequence(1));
  EXPECT_EQ(acc.drain(kTp)->base_sequence, kNoSequence);
}

}  // namespace
}  // namespace samsa::cluster
