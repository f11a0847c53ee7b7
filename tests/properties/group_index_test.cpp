// Claims about the index the group checkers share (properties/group_index.h): the order
// of moments, ownership intervals, known records and running maxima.
#include "properties/group_index.h"

#include <gtest/gtest.h>

#include "sim/assert.h"
#include "tests/properties/history_script.h"

namespace samsa::properties {
namespace {

using testing::at_ms;
using testing::HistoryScript;
using testing::tp;

TEST(GroupIndex, MomentsOrderByTimeThenByOperationId) {
  EXPECT_LT((Moment{at_ms(1), 9}), (Moment{at_ms(2), 0}));
  EXPECT_LT((Moment{at_ms(2), 3}), (Moment{at_ms(2), 4}));
  HistoryScript s;
  s.commit("c", 5, 9, 1, 0, 0);
  EXPECT_EQ(invoked(s.history.op(0)), (Moment{at_ms(5), 0}));
  EXPECT_EQ(completed(s.history.op(0)), (Moment{at_ms(9), 0}));
}

TEST(GroupIndex, AnOperationWithoutAGroupIsAGroupOfItsOwn) {
  HistoryScript s;
  s.poll("consumer-x", 1, 0, {}, "").poll("consumer-y", 2, 0, {}, "g0");
  EXPECT_EQ(group_of(s.history.op(0)), "consumer-x");
  EXPECT_EQ(group_of(s.history.op(1)), "g0");
}

TEST(GroupIndex, OwnershipRunsFromAnAssignToTheNextRevokeOrLoseOfThatPartition) {
  HistoryScript s;
  s.assign("b", 5, 1, {1})
      .assign("a", 10, 1, {0, 1})
      .assign("a", 20, 2, {0})
      .revoke("a", 30, 2, {0});
  s.lose("a", 40, 2, {1}).revoke("a", 50, 2, {0}).assign("a", 60, 3, {0});
  const std::vector<Ownership> intervals = ownerships(s.history);
  ASSERT_EQ(intervals.size(), 4U);  // sorted by (group, partition, start)
  EXPECT_EQ(intervals[0].tp, tp(0));
  EXPECT_EQ(intervals[0].start().at, at_ms(10));  // the assign at 20 continues it
  EXPECT_TRUE(intervals[0].ended_by(OpKind::kRevoke));
  EXPECT_EQ(intervals[0].end->completed_at, at_ms(30));
  EXPECT_EQ(intervals[1].start().at, at_ms(60));  // the revoke at 50 ended nothing
  EXPECT_EQ(intervals[1].end, nullptr);
  EXPECT_TRUE(intervals[1].lasts_past(Moment{at_ms(1000), 0}));
  EXPECT_EQ(intervals[2].assign->process, "b");
  EXPECT_EQ(intervals[3].tp, tp(1));
  EXPECT_TRUE(intervals[3].ended_by(OpKind::kLose));
  EXPECT_FALSE(intervals[3].lasts_past(Moment{at_ms(40), intervals[3].end->id}));
}

TEST(GroupIndex, KnownRecordsAreOkSendsThatLandedAndEveryRead) {
  HistoryScript s;
  s.send(1, 0, 0).poll("c", 5, 0, {0, 3});
  s.history.record("producer-0", OpKind::kSend, at_ms(6)).value = "acks-0";  // offset -1
  const std::uint64_t failed = s.history.invoke("producer-0", OpKind::kSend, at_ms(7));
  s.history.pending(failed).offset = cluster::Offset(1);
  s.history.complete(failed, OpStatus::kFail, at_ms(8));
  s.history.record("c", OpKind::kPoll, at_ms(9))
      .records.push_back(
          ReadRecord{tp(0), cluster::Offset(0), cluster::LeaderEpoch(0), "k", "other"});
  const KnownRecords known = known_records(s.history);
  ASSERT_EQ(known.size(), 1U);
  const KnownOffsets& p0 = known.at(tp(0));
  ASSERT_EQ(p0.size(), 2U);
  EXPECT_EQ(p0.at(cluster::Offset(0)), testing::value_at(0));  // the send's value wins
  EXPECT_EQ(p0.at(cluster::Offset(3)), testing::value_at(3));
}

TEST(GroupIndex, KnownRecordsBetweenTwoOffsetsAreNamedUpToALimit) {
  HistoryScript s;
  s.sends(0, 0, 9);
  const KnownRecords known = known_records(s.history);
  const KnownOffsets& p0 = known.at(tp(0));
  EXPECT_EQ(describe_known_between(p0, cluster::Offset(2), cluster::Offset(4)),
            "2 (producer-0/k/2), 3 (producer-0/k/3)");
  EXPECT_EQ(describe_known_between(p0, cluster::Offset(0), cluster::Offset(10), 2),
            "0 (producer-0/k/0), 1 (producer-0/k/1) and 8 more");
  EXPECT_EQ(describe_known_between(p0, cluster::Offset(4), cluster::Offset(4)), "");
  EXPECT_EQ(value_text(std::nullopt), "<tombstone>");
}

TEST(GroupIndex, PollsByProcessListEachPollOncePerPartitionInCompletionOrder) {
  HistoryScript s;
  s.poll("c", 20, 0, {3, 4}).poll("c", 10, 0, {1});
  Op& mixed = s.history.record("c", OpKind::kPoll, at_ms(30));
  const auto record = [](std::int32_t partition, std::int64_t offset) {
    return ReadRecord{tp(partition), cluster::Offset(offset), cluster::LeaderEpoch(0), "k",
                      testing::value_at(offset)};
  };
  mixed.records = {record(0, 5), record(1, 0), record(0, 6)};
  const PollsByProcess polls = polls_by_process(s.history);
  const std::vector<const Op*>& p0 = polls.at({"c", tp(0)});
  ASSERT_EQ(p0.size(), 3U);
  EXPECT_EQ(p0[0]->completed_at, at_ms(10));
  EXPECT_EQ(p0[2], &mixed);
  EXPECT_EQ(polls.at({"c", tp(1)}).size(), 1U);
  EXPECT_EQ(describe_poll_of(mixed, tp(0)), "offsets 5..6 at 30 ms");
  EXPECT_EQ(describe_poll_of(mixed, tp(1)), "offset 0 at 30 ms");
  EXPECT_THROW(describe_poll_of(*p0[0], tp(1)), sim::InvariantViolation);
}

TEST(GroupIndex, ARunningMaximumAnswersStrictlyBeforeAMomentAndKeepsTheEarliestCarrier) {
  HistoryScript s;
  s.poll("a", 1, 0, {}).poll("b", 2, 0, {}).poll("c", 3, 0, {});
  RunningMax max;
  max.add(Moment{at_ms(30), 2}, 7, &s.history.op(2));
  max.add(Moment{at_ms(10), 0}, 7, &s.history.op(0));
  max.add(Moment{at_ms(20), 1}, 3, &s.history.op(1));
  EXPECT_THROW((void)max.max_before(Moment{at_ms(5), 0}), sim::InvariantViolation);
  max.seal();
  EXPECT_THROW(max.add(Moment{at_ms(40), 3}, 1, nullptr), sim::InvariantViolation);
  EXPECT_FALSE(max.max_before(Moment{at_ms(10), 0}).has_value());
  const auto at_25 = max.max_before(Moment{at_ms(25), 0});
  ASSERT_TRUE(at_25.has_value());
  EXPECT_EQ(at_25->value, 7);
  EXPECT_EQ(at_25->op, &s.history.op(0));
  EXPECT_EQ(max.max_before(Moment{at_ms(99), 0})->op, &s.history.op(0));
}

}  // namespace
}  // namespace samsa::properties
