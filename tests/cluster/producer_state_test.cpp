#include "cluster/log/producer_state.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace samsa::cluster {
namespace {

const ProducerId kPid{1000};
const ProducerEpoch kEpoch{3};

ProducerBatch batch(std::int32_t first_seq, std::int32_t count, std::int64_t first_offset) {
  return {Sequence(first_seq), last_sequence_of(Sequence(first_seq), count), Offset(first_offset),
          Offset(first_offset + count - 1), 0};
}

ProducerStateManager with_batches(int n) {
  ProducerStateManager state;
  for (int i = 0; i < n; ++i) state.record(kPid, kEpoch, batch(i * 10, 10, 100 + i * 10));
  return state;
}

TEST(ProducerState, ANewProducerStartsAtSequenceZero) {
  ProducerStateManager state;
  EXPECT_TRUE(state.check(kPid, kEpoch, Sequence(0), Sequence(4)).should_append());
  EXPECT_EQ(state.check(kPid, kEpoch, Sequence(5), Sequence(9)).error,
            ErrorCode::kUnknownProducerId);
}

TEST(ProducerState, TheNextBatchInSequenceIsAppended) {
  const auto state = with_batches(2);
  EXPECT_TRUE(state.check(kPid, kEpoch, Sequence(20), Sequence(29)).should_append());
}

TEST(ProducerState, ARetryOfARetainedBatchIsAnsweredWithItsOriginalOffsets) {
  const auto state = with_batches(5);
  const SequenceCheck check = state.check(kPid, kEpoch, Sequence(10), Sequence(19));
  EXPECT_EQ(check.error, ErrorCode::kNone);
  ASSERT_TRUE(check.duplicate_of.has_value());
  EXPECT_EQ(check.duplicate_of->first_offset, Offset(110));
  EXPECT_EQ(check.duplicate_of->last_offset, Offset(119));
  EXPECT_FALSE(check.should_append());
}

TEST(ProducerState, OnlyTheLastFiveBatchesAreRetainedSoAnOlderRetryIsOutOfOrder) {
  const auto state = with_batches(6);
  EXPECT_EQ(state.find(kPid)->batches.size(), 5u);
  EXPECT_EQ(state.check(kPid, kEpoch, Sequence(0), Sequence(9)).error,
            ErrorCode::kOutOfOrderSequenceNumber);
  EXPECT_TRUE(state.check(kPid, kEpoch, Sequence(10), Sequence(19)).duplicate_of.has_value());
}

TEST(ProducerState, AGapInSequenceNumbersIsOutOfOrder) {
  const auto state = with_batches(2);
  EXPECT_EQ(state.check(kPid, kEpoch, Sequence(21), Sequence(25)).error,
            ErrorCode::kOutOfOrderSequenceNumber);
}

TEST(ProducerState, AnOlderEpochIsFenced) {
  const auto state = with_batches(1);
  EXPECT_EQ(state.check(kPid, ProducerEpoch(2), Sequence(10), Sequence(19)).error,
            ErrorCode::kInvalidProducerEpoch);
}

TEST(ProducerState, ABumpedEpochMustRestartAtZeroAndReplacesTheRetainedBatches) {
  auto state = with_batches(3);
  const ProducerEpoch bumped{4};
  EXPECT_EQ(state.check(kPid, bumped, Sequence(30), Sequence(39)).error,
            ErrorCode::kOutOfOrderSequenceNumber);
  EXPECT_TRUE(state.check(kPid, bumped, Sequence(0), Sequence(9)).should_append());
  state.record(kPid, bumped, batch(0, 10, 200));
  EXPECT_EQ(state.find(kPid)->epoch, bumped);
  EXPECT_EQ(state.find(kPid)->batches.size(), 1u);
}

TEST(ProducerState, SequencesWrapFromIntMaxToZero) {
  EXPECT_EQ(next_sequence(Sequence(INT32_MAX)), Sequence(0));
  EXPECT_EQ(last_sequence_of(Sequence(INT32_MAX - 1), 4), Sequence(1));
  ProducerStateManager state;
  state.record(kPid, kEpoch, {Sequence(INT32_MAX - 9), Sequence(INT32_MAX), Offset(0), Offset(9), 0});
  EXPECT_TRUE(state.check(kPid, kEpoch, Sequence(0), Sequence(9)).should_append());
}

TEST(ProducerState, TruncationForgetsBatchesAtOrAboveTheOffsetAndEmptiedProducers) {
  auto state = with_batches(3);  // offsets 100-109, 110-119, 120-129
  state.record(ProducerId(7), ProducerEpoch(0), batch(0, 1, 130));
  state.truncate_to(Offset(115));
  EXPECT_EQ(state.find(kPid)->batches.size(), 1u);
  EXPECT_EQ(state.find(ProducerId(7)), nullptr);
  // After truncation the producer's retry of the lost batch is appended again.
  EXPECT_TRUE(state.check(kPid, kEpoch, Sequence(10), Sequence(19)).should_append());
}

TEST(ProducerState, NonIdempotentBatchesAreAlwaysAppended) {
  const auto state = with_batches(1);
  EXPECT_TRUE(state.check(kNoProducerId, kNoProducerEpoch, kNoSequence, kNoSequence).should_append());
}

TEST(ProducerState, ASnapshotWithAMalformedLineIsRejectedNamingTheLine) {
  std::string error;
  EXPECT_FALSE(ProducerStateManager::parse("producer-state 1\n1 0 0 4 0 4 0\nbogus\n", &error));
  EXPECT_EQ(error.rfind("line 3:", 0), 0u) << error;
  EXPECT_FALSE(ProducerStateManager::parse("producer-state 2\n", &error));
  EXPECT_EQ(error.rfind("line 1:", 0), 0u) << error;
}

RC_GTEST_PROP(ProducerState, ASnapshotRoundTripsExactly, ()) {
  ProducerStateManager state;
  const int producers = *rc::gen::inRange(1, 5);
  for (int p = 0; p < producers; ++p) {
    std::int64_t offset = *rc::gen::inRange(0, 1000) + p * 100000;
    std::int32_t seq = 0;
    const int batches = *rc::gen::inRange(1, 9);
    for (int b = 0; b < batches; ++b) {
      const int count = *rc::gen::inRange(1, 20);
      state.record(ProducerId(p), ProducerEpoch(1), batch(seq, count, offset));
      seq += count;
      offset += count + *rc::gen::inRange(0, 3);
    }
  }
  std::string error;
  const auto parsed = ProducerStateManager::parse(state.serialize(), &error);
  RC_ASSERT(parsed.has_value());
  RC_ASSERT(parsed->serialize() == state.serialize());
}

}  // namespace
}  // namespace samsa::cluster
