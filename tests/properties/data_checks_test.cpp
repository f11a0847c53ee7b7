// Claims about the data checkers (properties/data_checks.h): each anomaly is reported, alone
// and with a detail a reader follows without the trace, by a history that shows it; what
// the run does not promise (acks=1, no idempotence, an unclean election, a final reader
// that stopped short) is measured instead; and the histories a correct cluster produces —
// indeterminate sends that land after all, re-reads across a rebalance, failed sends that
// leave gaps in a key's sequence — pass.
#include "properties/data_checks.h"

#include <gtest/gtest.h>

#include "tests/properties/history_script.h"

namespace samsa::properties {
namespace {

using testing::at_ms;
using testing::contains;
using testing::properties_of;
using Names = std::vector<std::string>;

const std::string kP0 = "producer-0";
const std::string kA = "consumer-g0-a";
const std::string kB = "consumer-g0-b";
const std::string kReader = "reader";

std::string v(std::uint64_t n, const std::string& process = kP0, const std::string& key = "k") {
  return make_value(process, key, n);
}

struct Send {
  std::string process = kP0;
  std::string key = "k";
  std::uint64_t n = 0;
  std::int32_t partition = 0;
  std::int64_t offset = -1;  // where it landed; -1 unless acknowledged
  std::int64_t invoked_ms = 0;
  std::int64_t completed_ms = 0;
  OpStatus status = OpStatus::kOk;
  cluster::ErrorCode error = cluster::ErrorCode::kNone;
};

// Histories of sends and polls written by hand; values name their send (v(n) is
// producer-0's n-th value of key k), offsets are wherever the test says they landed.
class DataScript {
 public:
  History history;

  DataScript& send(const Send& s) {
    const std::uint64_t id = history.invoke(s.process, OpKind::kSend, at_ms(s.invoked_ms));
    Op& op = history.pending(id);
    op.key = s.key;
    op.value = make_value(s.process, s.key, s.n);
    op.tp = testing::tp(s.partition);
    op.offset = cluster::Offset(s.offset);
    op.error = s.error;
    history.complete(id, s.status, at_ms(s.completed_ms));
    return *this;
  }
  // An ok send of v(n), invoked and acknowledged at `time_ms`, at orders-0 `offset`.
  DataScript& ack(std::uint64_t n, std::int64_t offset, std::int64_t time_ms) {
    return send({.n = n, .offset = offset, .invoked_ms = time_ms, .completed_ms = time_ms});
  }
  // A poll of `partition` that returned (offset, value) records, in that order.
  DataScript& poll(const std::string& process, std::int64_t time_ms, std::int32_t partition,
                   const std::vector<std::pair<std::int64_t, std::string>>& records) {
    Op& op = history.record(process, OpKind::kPoll, at_ms(time_ms));
    for (const auto& [offset, value] : records) {
      op.records.push_back(ReadRecord{testing::tp(partition), cluster::Offset(offset),
                                      cluster::LeaderEpoch(0), parse_value(value)->key, value});
    }
    return *this;
  }
};

// Promises where `process`'s config does not promise `guarantee`, for the reason `why`.
DataPromises unpromised(const std::string& process, bool ProducerPromise::*guarantee,
                        const std::string& why) {
  DataPromises promises;
  ProducerPromise& promise = promises.producers[process];
  promise.*guarantee = false;
  promise.why_not = why;
  return promises;
}

// v0..v2 acknowledged at orders-0 offsets 0..2 at 10..12 ms.
DataScript three_acknowledged() {
  DataScript s;
  s.ack(0, 0, 10).ack(1, 1, 11).ack(2, 2, 12);
  return s;
}

TEST(LostWrite, AnAcknowledgedValueSkippedByALaterReadIsLost) {
  DataScript s = three_acknowledged();
  s.poll(kA, 30, 0, {{0, v(0)}}).poll(kReader, 50, 0, {{0, v(0)}, {2, v(2)}});
  const CheckResult result = check_data(s.history, DataPromises{});
  ASSERT_EQ(properties_of(result.violations), Names{std::string(kLostWrite)});
  EXPECT_EQ(result.violations[0].at, at_ms(50));
  EXPECT_EQ(result.violations[0].detail,
            "producer-0's send of producer-0/k/1 was acknowledged at orders-0 offset 1 at 11 ms, "
            "but no read returned it although reads of orders-0 went past it: reader read offset "
            "2 at 50 ms, and reads reached offset 2");
  EXPECT_EQ(result.measurements.at("acknowledged"), 3);
  EXPECT_EQ(result.measurements.at("lost_acknowledged"), 1);
  EXPECT_EQ(result.measurements.at("lost_acknowledged_unpromised"), 0);
}

TEST(LostWrite, BecomesVisibleOnlyOnceTheSendIsAcknowledged) {
  DataScript s;  // a read passed offset 1 at 20 ms; the send landed there is acked at 40 ms
  s.ack(0, 0, 10).ack(2, 2, 12).poll(kA, 20, 0, {{0, v(0)}, {2, v(2)}});
  s.send({.n = 1, .offset = 1, .invoked_ms = 11, .completed_ms = 40});
  const std::vector<Violation> violations = check_lost_write(s.history, DataPromises{});
  ASSERT_EQ(violations.size(), 1U);
  EXPECT_EQ(violations[0].at, at_ms(40));
  EXPECT_TRUE(contains(violations[0].detail, "consumer-g0-a read offset 2 at 20 ms"));
}

TEST(LostWrite, IsMeasuredNotFailedWhenTheRunsFaultsVoidDurability) {
  DataScript s = three_acknowledged();
  s.poll(kReader, 50, 0, {{0, v(0)}, {2, v(2)}});
  DataPromises promises;
  promises.loss_cause = "unclean leader election of orders-0 at 30 ms";
  EXPECT_TRUE(check_lost_write(s.history, promises).empty());
  const CheckResult result = check_data(s.history, promises);
  EXPECT_TRUE(result.violations.empty());
  EXPECT_EQ(result.measurements.at("lost_acknowledged"), 1);
  EXPECT_EQ(result.measurements.at("lost_acknowledged_unpromised"), 1);
}

TEST(LostWrite, IsMeasuredNotFailedForAProducerWithoutAcksAll) {
  DataScript s = three_acknowledged();
  s.poll(kReader, 50, 0, {{0, v(0)}, {2, v(2)}});
  const DataPromises promises = unpromised(kP0, &ProducerPromise::acknowledged_survive, "acks=1");
  EXPECT_TRUE(check_lost_write(s.history, promises).empty());
  EXPECT_EQ(check_data(s.history, promises).measurements.at("lost_acknowledged_unpromised"), 1);
  EXPECT_EQ(
      check_lost_write(s.history,
                       unpromised("producer-9", &ProducerPromise::acknowledged_survive, "acks=1"))
          .size(),
      1U);  // another producer's config promises nothing about producer-0's records
}

TEST(LostWrite, IndeterminateAndFailedSendsThatNeverAppearAreNotLost) {
  DataScript s;
  s.ack(0, 0, 10).send({.n = 1, .invoked_ms = 11, .completed_ms = 30, .status = OpStatus::kInfo});
  s.send({.n = 2, .invoked_ms = 12, .completed_ms = 30, .status = OpStatus::kFail});
  s.ack(3, 3, 13).poll(kReader, 50, 0, {{0, v(0)}, {3, v(3)}});
  const CheckResult result = check_data(s.history, DataPromises{});
  EXPECT_TRUE(result.violations.empty());
  EXPECT_EQ(result.measurements.at("acknowledged"), 2);
  EXPECT_EQ(result.measurements.at("lost_acknowledged"), 0);
}

TEST(LostWrite, AnAcknowledgedValueReadSomewhereIsNotLost) {
  DataScript s;  // acked at offset 1, read only at 3: not lost (nobody read offset 1)
  s.ack(0, 0, 10).ack(1, 1, 11).poll(kReader, 50, 0, {{0, v(0)}, {3, v(1)}});
  EXPECT_TRUE(check_lost_write(s.history, DataPromises{}).empty());
  EXPECT_TRUE(check_unseen(s.history, DataPromises{}).empty());
}

TEST(Unseen, AnAcknowledgedValueNoReadReachedIsUnseenAtTheEndOfTheRun) {
  DataScript s = three_acknowledged();
  s.poll(kReader, 50, 0, {{0, v(0)}, {1, v(1)}});
  const CheckResult result = check_data(s.history, DataPromises{});
  ASSERT_EQ(properties_of(result.violations), Names{std::string(kUnseen)});
  EXPECT_EQ(result.violations[0].at, at_ms(50));
  EXPECT_EQ(result.violations[0].detail,
            "producer-0's send of producer-0/k/2 was acknowledged at orders-0 offset 2 at 12 ms, "
            "but no read returned it by the end of the run (50 ms): reads of orders-0 reached "
            "only offset 1, although the final reader reached every high watermark");
  EXPECT_EQ(result.measurements.at("unseen_acknowledged"), 1);
  EXPECT_EQ(result.measurements.at("lost_acknowledged"), 0);
}

TEST(Unseen, NamesAPartitionNothingWasReadOf) {
  DataScript s;
  s.ack(0, 0, 10).send({.n = 1, .partition = 1, .offset = 0, .invoked_ms = 11, .completed_ms = 11});
  s.poll(kReader, 50, 0, {{0, v(0)}});
  const std::vector<Violation> violations = check_unseen(s.history, DataPromises{});
  ASSERT_EQ(violations.size(), 1U);
  EXPECT_TRUE(contains(violations[0].detail, "orders-1 offset 0 at 11 ms"));
  EXPECT_TRUE(contains(violations[0].detail, "nothing of orders-1 was read"));
}

TEST(Unseen, AFireAndForgetSendAcknowledgedWithoutAnOffsetIsNeitherLostNorUnseen) {
  DataScript s;  // acks=0: ok with offset -1
  s.ack(0, 0, 10).send({.n = 1, .invoked_ms = 11, .completed_ms = 11}).ack(2, 2, 12);
  s.poll(kReader, 50, 0, {{0, v(0)}, {2, v(2)}});
  const CheckResult result = check_data(s.history, DataPromises{});
  EXPECT_TRUE(result.violations.empty());
  EXPECT_EQ(result.measurements.at("acknowledged"), 2);
}

TEST(Unseen, IsMeasuredNotFailedWhenTheFinalReaderDidNotReachEveryHighWatermark) {
  DataScript s = three_acknowledged();
  s.poll(kReader, 50, 0, {{0, v(0)}});
  DataPromises promises;
  promises.final_reads = false;
  EXPECT_TRUE(check_unseen(s.history, promises).empty());
  const CheckResult result = check_data(s.history, promises);
  EXPECT_TRUE(result.violations.empty());
  EXPECT_EQ(result.measurements.at("unseen_acknowledged"), 2);
  EXPECT_EQ(result.measurements.at("unseen_acknowledged_unpromised"), 2);
  promises.final_reads = true;
  promises.loss_cause = "power loss of every replica of orders-0 without fsync";
  EXPECT_TRUE(check_unseen(s.history, promises).empty());
}

TEST(Duplicate, AValueReadAtTwoOffsetsIsADuplicate) {
  DataScript s;
  s.ack(0, 0, 10).poll(kA, 20, 0, {{0, v(0)}}).poll(kReader, 40, 0, {{0, v(0)}, {1, v(0)}});
  const CheckResult result = check_data(s.history, DataPromises{});
  ASSERT_EQ(properties_of(result.violations), Names{std::string(kDuplicate)});
  EXPECT_EQ(result.violations[0].at, at_ms(40));
  EXPECT_EQ(result.violations[0].detail,
            "producer-0/k/0 (producer-0's send ok at 10 ms) was read at 2 positions: orders-0 "
            "offset 0 (first read by consumer-g0-a at 20 ms), orders-0 offset 1 (first read by "
            "reader at 40 ms)");
  EXPECT_EQ(result.measurements.at("duplicated_values"), 1);
}

TEST(Duplicate, ReReadingOneOffsetAcrossARebalanceIsNotADuplicate) {
  DataScript s = three_acknowledged();
  s.poll(kA, 20, 0, {{0, v(0)}, {1, v(1)}, {2, v(2)}}).poll(kB, 40, 0, {{1, v(1)}, {2, v(2)}});
  s.poll(kReader, 60, 0, {{0, v(0)}, {1, v(1)}, {2, v(2)}});
  const CheckResult result = check_data(s.history, DataPromises{});
  EXPECT_TRUE(result.violations.empty());
  EXPECT_EQ(result.measurements.at("duplicated_values"), 0);
}

TEST(Duplicate, ANonIdempotentProducersValueAtTwoOffsetsIsMeasuredNotFailed) {
  DataScript s;  // producer-1 retried without idempotence; producer-0 promises no duplicates
  s.send({.process = "producer-1", .offset = 1, .invoked_ms = 10, .completed_ms = 30});
  s.poll(kReader, 40, 0, {{0, v(0, "producer-1")}, {1, v(0, "producer-1")}});
  const DataPromises promises =
      unpromised("producer-1", &ProducerPromise::no_duplicates, "enable.idempotence=false");
  EXPECT_TRUE(check_duplicate(s.history, promises).empty());
  const CheckResult result = check_data(s.history, promises);
  EXPECT_TRUE(result.violations.empty());
  EXPECT_EQ(result.measurements.at("duplicated_values"), 1);
  EXPECT_EQ(result.measurements.at("duplicated_values_unpromised"), 1);
  EXPECT_EQ(check_duplicate(s.history, DataPromises{}).size(), 1U);
}

TEST(Duplicate, AnIndeterminateSendReadAtTwoOffsetsIsADuplicate) {
  DataScript s;
  s.send({.n = 0, .invoked_ms = 10, .completed_ms = 30, .status = OpStatus::kInfo});
  s.poll(kReader, 40, 0, {{0, v(0)}, {1, v(0)}});
  const std::vector<Violation> violations = check_duplicate(s.history, DataPromises{});
  ASSERT_EQ(violations.size(), 1U);
  EXPECT_TRUE(contains(violations[0].detail, "producer-0/k/0 (producer-0's send info at 30 ms)"));
}

TEST(InconsistentOffsets, TwoReadsOfOneOffsetWithDifferentValuesViolateIt) {
  DataScript s;
  s.poll(kA, 20, 0, {{3, v(3)}}).poll(kReader, 40, 0, {{3, v(0, "producer-1")}});
  const std::vector<Violation> violations = check_inconsistent_offsets(s.history);
  ASSERT_EQ(violations.size(), 1U);
  EXPECT_EQ(violations[0].property, kInconsistentOffsets);
  EXPECT_EQ(violations[0].at, at_ms(40));
  EXPECT_EQ(violations[0].detail,
            "orders-0 offset 3 holds 2 different values: producer-0/k/3 (first read by "
            "consumer-g0-a at 20 ms), producer-1/k/0 (first read by reader at 40 ms)");
}

TEST(InconsistentOffsets, AnAcknowledgedOffsetReadWithAnotherValueViolatesIt) {
  DataScript s;
  s.ack(0, 0, 10).ack(1, 1, 11).poll(kReader, 40, 0, {{0, v(0)}, {1, v(0, "producer-1")}});
  const CheckResult result = check_data(s.history, DataPromises{});
  // Both visible at 40 ms: ties keep the checkers' order (unseen runs before).
  ASSERT_EQ(properties_of(result.violations),
            (Names{std::string(kUnseen), std::string(kInconsistentOffsets)}));
  EXPECT_EQ(result.violations[1].detail,
            "orders-0 offset 1 holds 2 different values: producer-0/k/1 (acknowledged to "
            "producer-0 at 11 ms), producer-1/k/0 (first read by reader at 40 ms)");
  EXPECT_EQ(result.measurements.at("inconsistent_offsets"), 1);
}

TEST(InconsistentOffsets, AnAcknowledgedRecordTruncatedUnderAllowedLossIsMeasuredNotFailed) {
  DataScript s;  // acked at 1, truncated by an unclean election, offset 1 reused
  s.ack(0, 0, 10).ack(1, 1, 11).poll(kReader, 40, 0, {{0, v(0)}, {1, v(0, "producer-1")}});
  DataPromises promises;
  promises.loss_cause = "unclean leader election of orders-0 at 20 ms";
  const CheckResult result = check_data(s.history, promises);
  EXPECT_TRUE(result.violations.empty());
  EXPECT_EQ(result.measurements.at("inconsistent_offsets_unpromised"), 1);
  // The same with an acks=1 producer and no fault; check_inconsistent_offsets alone knows no
  // promises and reports it.
  const DataPromises acks_1 = unpromised(kP0, &ProducerPromise::acknowledged_survive, "acks=1");
  EXPECT_TRUE(check_data(s.history, acks_1).violations.empty());
  EXPECT_EQ(check_inconsistent_offsets(s.history).size(), 1U);
}

TEST(InconsistentOffsets, ReadsThatDisagreeFailEvenForAProducerWithoutAcksAll) {
  DataScript s;
  s.ack(1, 1, 11).poll(kA, 20, 0, {{1, v(1)}}).poll(kReader, 40, 0, {{1, v(0, "producer-1")}});
  const DataPromises acks_1 = unpromised(kP0, &ProducerPromise::acknowledged_survive, "acks=1");
  EXPECT_EQ(properties_of(check_data(s.history, acks_1).violations),
            Names{std::string(kInconsistentOffsets)});
}

TEST(InconsistentOffsets, TwoSendsAcknowledgedAtOneOffsetViolateIt) {
  DataScript s;  // nobody read offset 1, but two sends were told they landed there
  s.ack(1, 1, 11).send(
      {.process = "producer-1", .offset = 1, .invoked_ms = 20, .completed_ms = 25});
  const std::vector<Violation> violations = check_inconsistent_offsets(s.history);
  ASSERT_EQ(violations.size(), 1U);
  EXPECT_EQ(violations[0].at, at_ms(25));
  EXPECT_TRUE(
      contains(violations[0].detail, "producer-1/k/0 (acknowledged to producer-1 at 25 ms)"));
  // One of them sent with acks=1 may have been truncated and its offset reused.
  const DataPromises acks_1 = unpromised(kP0, &ProducerPromise::acknowledged_survive, "acks=1");
  EXPECT_EQ(check_data(s.history, acks_1).measurements.at("inconsistent_offsets_unpromised"), 1);
}

TEST(InconsistentOffsets, AgreeingAcknowledgementsAndReadsPass) {
  DataScript s = three_acknowledged();
  s.poll(kA, 20, 0, {{0, v(0)}, {1, v(1)}}).poll(kReader, 40, 0, {{1, v(1)}, {2, v(2)}});
  EXPECT_TRUE(check_inconsistent_offsets(s.history).empty());
}

TEST(NonmonotonicSend, ASendInvokedAfterAnotherWasAcknowledgedLandingLowerViolatesIt) {
  DataScript s;
  s.send({.n = 0, .offset = 5, .invoked_ms = 10, .completed_ms = 20});
  s.send({.key = "j", .n = 0, .offset = 3, .invoked_ms = 30, .completed_ms = 40});
  s.poll(kReader, 50, 0, {{3, v(0, kP0, "j")}, {5, v(0)}});
  const CheckResult result = check_data(s.history, DataPromises{});
  ASSERT_EQ(properties_of(result.violations), Names{std::string(kNonmonotonicSend)});
  EXPECT_EQ(result.violations[0].at, at_ms(40));
  EXPECT_EQ(result.violations[0].detail,
            "producer-0 sent producer-0/j/0 to orders-0 at 30 ms, after its send of producer-0/k/0 "
            "had been acknowledged at offset 5 at 20 ms, yet it landed at lower offset 3 "
            "(acknowledged at 40 ms)");
  EXPECT_EQ(result.measurements.at("nonmonotonic_sends"), 1);
}

TEST(NonmonotonicSend, ConcurrentSendsMayLandInEitherOrder) {
  DataScript s;  // the second was invoked at 20 ms, not after the first's ack
  s.send({.n = 0, .offset = 5, .invoked_ms = 10, .completed_ms = 20});
  s.send({.key = "j", .n = 0, .offset = 3, .invoked_ms = 20, .completed_ms = 40});
  EXPECT_TRUE(check_nonmonotonic_send(s.history, DataPromises{}).empty());
}

TEST(NonmonotonicSend, OtherPartitionsAndOtherProducersAreIndependent) {
  DataScript s;
  s.send({.n = 0, .offset = 5, .invoked_ms = 10, .completed_ms = 20});
  s.send({.n = 1, .partition = 1, .offset = 3, .invoked_ms = 30, .completed_ms = 40});
  s.send({.process = "producer-1", .offset = 2, .invoked_ms = 30, .completed_ms = 40});
  EXPECT_TRUE(check_nonmonotonic_send(s.history, DataPromises{}).empty());
}

TEST(NonmonotonicSend, IsMeasuredNotFailedWithoutTheOrderPromise) {
  DataScript s;
  s.send({.n = 0, .offset = 5, .invoked_ms = 10, .completed_ms = 20});
  s.send({.key = "j", .n = 0, .offset = 3, .invoked_ms = 30, .completed_ms = 40});
  const DataPromises promises = unpromised(kP0, &ProducerPromise::order, "max.in.flight=5");
  EXPECT_TRUE(check_nonmonotonic_send(s.history, promises).empty());
  EXPECT_EQ(check_data(s.history, promises).measurements.at("nonmonotonic_sends_unpromised"), 1);
}

TEST(NonmonotonicSend, IsMeasuredNotFailedWhenAcknowledgedRecordsMayBeLost) {
  DataScript s;  // acks=1: the first may have been truncated and offset 3 written again
  s.send({.n = 0, .offset = 5, .invoked_ms = 10, .completed_ms = 20});
  s.send({.key = "j", .n = 0, .offset = 3, .invoked_ms = 30, .completed_ms = 40});
  const DataPromises acks_1 = unpromised(kP0, &ProducerPromise::acknowledged_survive, "acks=1");
  EXPECT_TRUE(check_nonmonotonic_send(s.history, acks_1).empty());
  DataPromises unclean;
  unclean.loss_cause = "unclean leader election";
  EXPECT_TRUE(check_nonmonotonic_send(s.history, unclean).empty());
  EXPECT_EQ(check_data(s.history, acks_1).measurements.at("nonmonotonic_sends_unpromised"), 1);
}

TEST(AbortedRead, AReadOfADefinitelyFailedSendViolatesIt) {
  DataScript s;
  s.ack(0, 0, 10).send({.n = 1,
                        .invoked_ms = 11,
                        .completed_ms = 15,
                        .status = OpStatus::kFail,
                        .error = cluster::ErrorCode::kNotEnoughReplicas});
  s.poll(kReader, 50, 0, {{0, v(0)}, {1, v(1)}});
  const CheckResult result = check_data(s.history, DataPromises{});
  ASSERT_EQ(properties_of(result.violations), Names{std::string(kAbortedRead)});
  EXPECT_EQ(result.violations[0].at, at_ms(50));
  EXPECT_EQ(result.violations[0].detail,
            "producer-0's send of producer-0/k/1 definitely failed at 15 ms (NOT_ENOUGH_REPLICAS), "
            "yet reader read it at orders-0 offset 1 at 50 ms");
  EXPECT_EQ(result.measurements.at("aborted_reads"), 1);
}

TEST(AbortedRead, AnIndeterminateSendThatLaterAppearsPasses) {
  DataScript s;
  s.ack(0, 0, 10).send({.n = 1,
                        .invoked_ms = 11,
                        .completed_ms = 15,
                        .status = OpStatus::kInfo,
                        .error = cluster::ErrorCode::kNotEnoughReplicasAfterAppend});
  s.ack(2, 2, 20).poll(kReader, 50, 0, {{0, v(0)}, {1, v(1)}, {2, v(2)}});
  const CheckResult result = check_data(s.history, DataPromises{});
  EXPECT_TRUE(result.violations.empty());
  EXPECT_EQ(result.measurements.at("aborted_reads"), 0);
}

TEST(PerKeyOrder, AKeysValuesInAnotherOrderThanSentViolateIt) {
  DataScript s;  // v1 and v2 were in flight together and landed swapped
  s.ack(0, 0, 10).send({.n = 1, .offset = 2, .invoked_ms = 11, .completed_ms = 20});
  s.send({.n = 2, .offset = 1, .invoked_ms = 12, .completed_ms = 20});
  s.poll(kA, 30, 0, {{0, v(0)}, {1, v(2)}}).poll(kReader, 50, 0, {{0, v(0)}, {1, v(2)}, {2, v(1)}});
  const CheckResult result = check_data(s.history, DataPromises{});
  ASSERT_EQ(properties_of(result.violations), Names{std::string(kPerKeyOrder)});
  EXPECT_EQ(result.violations[0].at, at_ms(50));
  EXPECT_EQ(result.violations[0].detail,
            "producer-0's values of key k in orders-0 are out of send order: producer-0/k/1 at "
            "offset 2 (read by reader at 50 ms) was sent before producer-0/k/2 at offset 1 (read "
            "by consumer-g0-a at 30 ms), yet sits after it; 1 such inversion among 3 values");
  EXPECT_EQ(result.measurements.at("reordered_keys"), 1);
}

TEST(PerKeyOrder, AFailedSendMissingFromTheSequencePasses) {
  DataScript s;
  s.ack(0, 0, 10).send({.n = 1, .invoked_ms = 11, .completed_ms = 12, .status = OpStatus::kFail});
  s.ack(2, 1, 13).ack(3, 2, 14).poll(kReader, 50, 0, {{0, v(0)}, {1, v(2)}, {2, v(3)}});
  const CheckResult result = check_data(s.history, DataPromises{});
  EXPECT_TRUE(result.violations.empty());
  EXPECT_EQ(result.measurements.at("reordered_keys"), 0);
}

TEST(PerKeyOrder, AnIndeterminateSendThatAppearsInItsPlacePasses) {
  DataScript s;
  s.ack(0, 0, 10).send({.n = 1, .invoked_ms = 11, .completed_ms = 40, .status = OpStatus::kInfo});
  s.ack(2, 2, 13).poll(kReader, 50, 0, {{0, v(0)}, {1, v(1)}, {2, v(2)}});
  EXPECT_TRUE(check_data(s.history, DataPromises{}).violations.empty());
}

TEST(PerKeyOrder, AValueDuplicatedLaterInTheLogKeepsItsFirstPlace) {
  DataScript s;  // max.in.flight=1 without idempotence: v0 retried, written twice, then v1
  s.send({.n = 0, .offset = 1, .invoked_ms = 10, .completed_ms = 30}).ack(1, 2, 40);
  s.poll(kReader, 50, 0, {{0, v(0)}, {1, v(0)}, {2, v(1)}});
  const DataPromises promises =
      unpromised(kP0, &ProducerPromise::no_duplicates, "enable.idempotence=false");
  EXPECT_TRUE(check_per_key_order(s.history, promises).empty());
  const CheckResult result = check_data(s.history, promises);
  EXPECT_TRUE(result.violations.empty());
  EXPECT_EQ(result.measurements.at("duplicated_values_unpromised"), 1);
}

TEST(PerKeyOrder, KeysProducersAndPartitionsAreJudgedSeparately) {
  DataScript s;
  s.poll(kReader, 50, 0, {{0, v(5)}, {1, v(0, "producer-1")}, {2, v(0, kP0, "j")}, {3, v(6)}});
  s.poll(kReader, 50, 1, {{0, v(9)}});
  EXPECT_TRUE(check_per_key_order(s.history, DataPromises{}).empty());
}

TEST(PerKeyOrder, IsMeasuredNotFailedWithoutTheOrderPromise) {
  DataScript s;
  s.poll(kReader, 50, 0, {{0, v(0)}, {1, v(2)}, {2, v(1)}, {3, v(4)}, {4, v(3)}});
  const DataPromises promises =
      unpromised(kP0, &ProducerPromise::order, "no idempotence, max.in.flight=5");
  EXPECT_TRUE(check_per_key_order(s.history, promises).empty());
  EXPECT_EQ(check_data(s.history, promises).measurements.at("reordered_keys_unpromised"), 1);
  const std::vector<Violation> violations = check_per_key_order(s.history, DataPromises{});
  ASSERT_EQ(violations.size(), 1U);  // one violation per key, counting its inversions
  EXPECT_TRUE(contains(violations[0].detail, "2 such inversions among 5 values"));
}

// v0..v2 acknowledged at offsets 0..2 and read there by kA; then offsets 1 and 2 were
// truncated (an unclean election) and v3 landed at offset 1; the final reader saw v0, v3.
DataScript truncated_and_reused() {
  DataScript s;
  s.ack(0, 0, 10).ack(1, 1, 11).ack(2, 2, 12).poll(kA, 20, 0, {{0, v(0)}, {1, v(1)}, {2, v(2)}});
  s.ack(3, 1, 30).poll(kReader, 50, 0, {{0, v(0)}, {1, v(3)}});
  return s;
}

DataPromises unclean_election_with_final_reader() {
  DataPromises promises;
  promises.loss_cause = "unclean leader election of orders-0";
  promises.final_reader = kReader;
  return promises;
}

TEST(PerKeyOrder, UnderAllowedLossOnlyTheRecordsTheLogKeptAreOrdered) {
  const DataScript s = truncated_and_reused();
  const DataPromises promises = unclean_election_with_final_reader();
  EXPECT_TRUE(check_per_key_order(s.history, promises).empty());  // v2 at 2 was lost, not moved
  DataScript reordered = truncated_and_reused();  // a survivor out of order still fails
  reordered.ack(4, 2, 40).ack(5, 3, 41).poll(kReader, 60, 0, {{2, v(5)}, {3, v(4)}});
  const std::vector<Violation> violations = check_per_key_order(reordered.history, promises);
  ASSERT_EQ(violations.size(), 1U);
  EXPECT_TRUE(contains(violations[0].detail, "producer-0/k/4 at offset 3"));
}

TEST(Duplicate, UnderAllowedLossACopyTheLogLostIsNoDuplicate) {
  DataScript s = truncated_and_reused();              // v2's first copy at offset 2 was lost ...
  s.ack(2, 2, 35).poll(kReader, 60, 0, {{2, v(2)}});  // ... and its retry landed at 2 again
  s.poll(kA, 70, 0, {{3, v(1)}});                     // v1, lost at 1, landed again at 3
  s.poll(kReader, 80, 0, {{3, v(1)}});
  EXPECT_TRUE(check_duplicate(s.history, unclean_election_with_final_reader()).empty());
  s.poll(kReader, 90, 0, {{4, v(1)}});  // a second surviving copy is a duplicate
  const std::vector<Violation> violations =
      check_duplicate(s.history, unclean_election_with_final_reader());
  ASSERT_EQ(violations.size(), 1U);
  EXPECT_TRUE(contains(violations[0].detail, "producer-0/k/1"));
}

TEST(CheckData, CountsAcknowledgedRecordsTheFinalLogNoLongerHolds) {
  const DataScript s = truncated_and_reused();
  const CheckResult result = check_data(s.history, unclean_election_with_final_reader());
  EXPECT_EQ(result.measurements.at("acknowledged_not_kept"), 2);  // v1 and v2
  EXPECT_EQ(result.measurements.at("lost_acknowledged"), 0);      // reads never skipped them
  EXPECT_EQ(check_data(s.history, DataPromises{}).measurements.at("acknowledged_not_kept"), 0);
}

TEST(CheckData, ReportsEveryAnomalyInTheOrderItBecameVisible) {
  DataScript s;
  s.ack(0, 0, 10).ack(1, 1, 11).ack(2, 5, 12);  // 1 lost at 30 ms
  s.send({.n = 3, .invoked_ms = 13, .completed_ms = 14, .status = OpStatus::kFail});
  s.poll(kA, 20, 0, {{0, v(3)}});                                    // aborted, inconsistent
  s.poll(kA, 30, 0, {{2, v(0)}}).poll(kReader, 40, 0, {{0, v(0)}});  // duplicate at 40
  const CheckResult result = check_data(s.history, DataPromises{});
  ASSERT_EQ(properties_of(result.violations),
            (Names{"inconsistent-offsets", "aborted-read", "lost-write", "unseen", "duplicate"}));
  for (std::size_t i = 1; i < result.violations.size(); ++i)
    EXPECT_LE(result.violations[i - 1].at, result.violations[i].at);
  EXPECT_EQ(result.measurements,
            (std::map<std::string, std::int64_t>{{"acknowledged", 3},
                                                 {"aborted_reads", 1},
                                                 {"acknowledged_compacted_unread", 0},
                                                 {"acknowledged_deleted_unread", 0},
                                                 {"acknowledged_not_kept", 2},
                                                 {"duplicated_values", 1},
                                                 {"duplicated_values_unpromised", 0},
                                                 {"inconsistent_offsets", 1},
                                                 {"inconsistent_offsets_unpromised", 0},
                                                 {"lost_acknowledged", 1},
                                                 {"lost_acknowledged_unpromised", 0},
                                                 {"nonmonotonic_sends", 0},
                                                 {"nonmonotonic_sends_unpromised", 0},
                                                 {"reordered_keys", 0},
                                                 {"reordered_keys_unpromised", 0},
                                                 {"unseen_acknowledged", 1},
                                                 {"unseen_acknowledged_unpromised", 0}}));
}

TEST(CheckData, AnEmptyHistoryPassesWithEveryMeasurementAtZero) {
  const CheckResult result = check_data(History{}, DataPromises{});
  EXPECT_TRUE(result.ok());
  EXPECT_EQ(result.measurements.size(), 17U);
  for (const auto& [name, value] : result.measurements) EXPECT_EQ(value, 0) << name;
}

// Promises with a final reader and orders-0's log start moved to `offset` by retention.
DataPromises retention_moved_log_start_to(std::int64_t offset) {
  DataPromises promises;
  promises.final_reader = kReader;
  promises.cleanup.retention = true;
  promises.cleanup.log_start[testing::tp(0)].emplace_back(at_ms(40), cluster::Offset(offset));
  return promises;
}

TEST(LostWrite, AnAcknowledgedRecordRetentionDeletedBeforeAnyReadIsNeitherLostNorUnseen) {
  DataScript s = three_acknowledged();
  s.poll(kReader, 50, 0, {{2, v(2)}});  // the reader starts at the log start, 2
  const CheckResult result = check_data(s.history, retention_moved_log_start_to(2));
  EXPECT_TRUE(result.violations.empty());
  EXPECT_EQ(result.measurements.at("acknowledged_deleted_unread"), 2);
  EXPECT_EQ(result.measurements.at("acknowledged_not_kept"), 0);
  // Above the log start, the same gap is a lost write.
  EXPECT_EQ(properties_of(check_data(s.history, retention_moved_log_start_to(1)).violations),
            Names{std::string(kLostWrite)});
}

TEST(LostWrite, ASupersededRecordOfACompactedTopicNoReadReturnedIsNotLost) {
  DataScript s = three_acknowledged();
  s.poll(kReader, 50, 0, {{0, v(0)}, {2, v(2)}});
  DataPromises promises;
  promises.final_reader = kReader;
  promises.cleanup.compaction = true;
  promises.cleanup.compactable[testing::tp(0)].insert(cluster::Offset(1));
  const CheckResult result = check_data(s.history, promises);
  EXPECT_TRUE(result.violations.empty());
  EXPECT_EQ(result.measurements.at("acknowledged_compacted_unread"), 1);
}

TEST(LostWrite, AnAcknowledgedTombstoneIsJudgedByItsOffset) {
  DataScript s;
  s.ack(0, 0, 10);
  const std::uint64_t id = s.history.invoke(kP0, OpKind::kSend, at_ms(11));
  Op& op = s.history.pending(id);
  op.key = "k";
  op.tp = testing::tp(0);
  op.offset = cluster::Offset(1);  // a tombstone: no value
  s.history.complete(id, OpStatus::kOk, at_ms(11));
  s.ack(2, 2, 12);
  Op& read = s.history.record(kReader, OpKind::kPoll, at_ms(50));
  read.records.push_back(
      ReadRecord{testing::tp(0), cluster::Offset(1), cluster::LeaderEpoch(0), "k", std::nullopt});
  s.poll(kReader, 51, 0, {{0, v(0)}, {2, v(2)}});
  EXPECT_TRUE(check_data(s.history, DataPromises{}).violations.empty());
  // Read nowhere: the reads passed offset 1, so the tombstone is lost.
  DataScript unread;
  unread.ack(0, 0, 10);
  const std::uint64_t id2 = unread.history.invoke(kP0, OpKind::kSend, at_ms(11));
  Op& op2 = unread.history.pending(id2);
  op2.key = "k";
  op2.tp = testing::tp(0);
  op2.offset = cluster::Offset(1);
  unread.history.complete(id2, OpStatus::kOk, at_ms(11));
  unread.ack(2, 2, 12).poll(kReader, 51, 0, {{0, v(0)}, {2, v(2)}});
  const std::vector<Violation> lost = check_lost_write(unread.history, DataPromises{});
  ASSERT_EQ(properties_of(lost), Names{std::string(kLostWrite)});
  EXPECT_TRUE(contains(lost[0].detail,
                       "producer-0's send of <tombstone> was acknowledged at "
                       "orders-0 offset 1 at 11 ms"));
}

TEST(LogCleanupOf, TakesLogStartRisesFromSamplesAndCompactableOffsetsFromEveryKnownRecord) {
  DataScript s;
  s.ack(0, 0, 10).ack(1, 1, 11).ack(2, 2, 12);  // key k at 0..2: 0 and 1 superseded
  Observations o;
  o.topic_configs["orders"].cleanup_policy = cluster::CleanupPolicy::kCompactDelete;
  ReplicaSample sample;
  sample.tp = testing::tp(0);
  sample.at = at_ms(30);
  sample.log_start_offset = cluster::Offset(1);
  o.replicas.push_back(sample);
  sample.at = at_ms(40);
  sample.log_start_offset = cluster::Offset(0);  // a lower one later changes nothing
  o.replicas.push_back(sample);
  const LogCleanup cleanup = log_cleanup_of(s.history, o);
  EXPECT_TRUE(cleanup.retention);
  EXPECT_TRUE(cleanup.compaction);
  EXPECT_EQ(cleanup.log_start_at(testing::tp(0), at_ms(29)), cluster::Offset(0));
  EXPECT_EQ(cleanup.log_start_at(testing::tp(0), at_ms(45)), cluster::Offset(1));
  EXPECT_EQ(cleanup.final_log_start(testing::tp(0)), cluster::Offset(1));
  EXPECT_EQ(cleanup.compactable.at(testing::tp(0)),
            (std::set<cluster::Offset>{cluster::Offset(0), cluster::Offset(1)}));
  // A delete-policy topic whose log start never moved: nothing is removable.
  const LogCleanup none = log_cleanup_of(s.history, Observations{});
  EXPECT_FALSE(none.retention || none.compaction);
  EXPECT_FALSE(none.removed_by(testing::tp(0), cluster::Offset(0), sim::kSimTimeMax));
}

}  // namespace
}  // namespace samsa::properties
