// Claims about the consumption checkers (properties/consumption_checks.h): a new owner that
// starts past the committed offset, a consumer that passes over a known record or goes
// back, are each reported alone with a readable detail; duplicates, indeterminate commits
// that landed, and gaps where nothing is known pass.
#include "properties/consumption_checks.h"

#include <gtest/gtest.h>

#include "tests/properties/history_script.h"

namespace samsa::properties {
namespace {

using testing::contains;
using testing::HistoryScript;
using testing::properties_of;
using Names = std::vector<std::string>;

const std::string kA = "consumer-g0-a";
const std::string kB = "consumer-g0-b";

// A read 0..7 of orders-0 in generation 1, committed 5, and revoked it; B was assigned it
// in generation 2 at 50 ms.
HistoryScript b_takes_over_after_commit_of_5() {
  HistoryScript s;
  s.sends(0, 0, 9).assign(kA, 10, 1, {0}).poll_range(kA, 20, 0, 0, 7).commit(kA, 25, 30, 1, 0, 5);
  s.revoke(kA, 40, 1, {0}).assign(kA, 49, 2, {}).assign(kB, 50, 2, {0});
  return s;
}

TEST(RebalanceNoSkip, ANewOwnerStartingPastTheCommittedOffsetViolatesIt) {
  HistoryScript s = b_takes_over_after_commit_of_5();
  s.poll_range(kB, 60, 0, 7, 9);
  const CheckResult result = check_history(s.history);
  ASSERT_EQ(properties_of(result.violations), Names{std::string(kRebalanceNoSkip)});
  EXPECT_EQ(result.violations[0].at, testing::at_ms(60));
  EXPECT_EQ(
      result.violations[0].detail,
      "orders-0 of group g0: consumer-g0-b was assigned it in generation 2 at 50 ms and its first "
      "poll of it (offsets 7..9 at 60 ms) started at 7, but the group had committed 5 "
      "(consumer-g0-a, ok, invoked at 25 ms): skipped 5 (producer-0/k/5), 6 (producer-0/k/6)");
}

TEST(RebalanceNoSkip, DuplicatesAcrossARebalancePass) {
  HistoryScript s = b_takes_over_after_commit_of_5();
  s.poll_range(kB, 60, 0, 5, 9).commit(kB, 65, 66, 2, 0, 10);
  const CheckResult result = check_history(s.history);
  EXPECT_TRUE(result.violations.empty());
  EXPECT_EQ(result.measurements.at("duplicate_reads"), 3);  // 5, 6 and 7 again
}

TEST(RebalanceNoSkip, AnIndeterminateCommitTheNewOwnerStartsFromPasses) {
  HistoryScript s = b_takes_over_after_commit_of_5();
  s.commit(kA, 35, 80, 1, 0, 7, OpStatus::kInfo).poll_range(kB, 60, 0, 7, 9);
  EXPECT_TRUE(check_history(s.history).violations.empty());
}

TEST(RebalanceNoSkip, AFailedCommitOrOneInvokedAfterThePollDoesNotCount) {
  HistoryScript s = b_takes_over_after_commit_of_5();
  s.commit(kA, 35, 36, 1, 0, 7, OpStatus::kFail, cluster::ErrorCode::kIllegalGeneration);
  s.poll_range(kB, 60, 0, 7, 9).commit(kB, 61, 62, 2, 0, 10);
  const std::vector<Violation> violations = check_rebalance_no_skip(s.history);
  ASSERT_EQ(violations.size(), 1U);
  EXPECT_TRUE(contains(violations[0].detail,
                       "the group had committed 5 (consumer-g0-a, ok, invoked at 25 ms)"));
}

TEST(RebalanceNoSkip, WithoutACommitTheNewOwnerStartsAtTheLowestKnownOffset) {
  HistoryScript s;
  s.sends(0, 0, 5).assign(kB, 50, 1, {0}).poll_range(kB, 60, 0, 2, 5);
  const std::vector<Violation> violations = check_rebalance_no_skip(s.history);
  ASSERT_EQ(violations.size(), 1U);
  EXPECT_TRUE(contains(violations[0].detail,
                       "but nothing had been committed and the lowest known offset is 0: skipped 0 "
                       "(producer-0/k/0), 1 (producer-0/k/1)"));
  HistoryScript from_start;
  from_start.sends(0, 0, 5).assign(kB, 50, 1, {0}).poll_range(kB, 60, 0, 0, 5);
  EXPECT_TRUE(check_rebalance_no_skip(from_start.history).empty());
}

TEST(RebalanceNoSkip, StartingPastOffsetsWhereNoRecordIsKnownPasses) {
  HistoryScript s;  // 5 and 6 hold no known record (say, transaction markers)
  s.sends(0, 0, 4).sends(0, 7, 9).assign(kA, 10, 1, {0}).poll_range(kA, 20, 0, 0, 4);
  s.commit(kA, 25, 30, 1, 0, 5)
      .revoke(kA, 40, 1, {0})
      .assign(kB, 50, 2, {0})
      .poll_range(kB, 60, 0, 7, 9);
  EXPECT_TRUE(check_history(s.history).violations.empty());
}

TEST(RebalanceNoSkip, OnlyTheFirstPollOfEachOwnershipIsJudged) {
  HistoryScript s = b_takes_over_after_commit_of_5();
  // B's first poll starts right; a later jump is poll-skip's business, not this check's.
  s.poll_range(kB, 60, 0, 5, 6).poll_range(kB, 70, 0, 8, 9);
  EXPECT_TRUE(check_rebalance_no_skip(s.history).empty());
  EXPECT_EQ(properties_of(check_history(s.history).violations), Names{std::string(kPollSkip)});
}

TEST(PollSkip, PassingOverAKnownRecordBetweenTwoPollsViolatesIt) {
  HistoryScript s;
  s.sends(0, 0, 5).assign(kA, 10, 1, {0}).poll_range(kA, 20, 0, 0, 1).poll_range(kA, 30, 0, 4, 5);
  const CheckResult result = check_history(s.history);
  ASSERT_EQ(properties_of(result.violations), Names{std::string(kPollSkip)});
  EXPECT_EQ(result.violations[0].at, testing::at_ms(30));
  EXPECT_EQ(result.violations[0].detail,
            "consumer-g0-a polled orders-0 offset 4 (producer-0/k/4) at 30 ms right after offset 1 "
            "(producer-0/k/1) at 20 ms, with no assignment change of orders-0 in between, skipping "
            "known records 2 (producer-0/k/2), 3 (producer-0/k/3)");
}

TEST(PollSkip, ASkipWithinOnePollAndARecordOnlyAnotherConsumerReadAreFound) {
  HistoryScript s;  // nobody saw a send land at 2, but another group read it
  s.sends(0, 0, 1).sends(0, 3, 3).poll("consumer-g1-a", 5, 0, {2}, "g1");
  s.assign(kA, 10, 1, {0}).poll(kA, 20, 0, {0, 1, 3});
  const std::vector<Violation> violations = check_poll_skip(s.history);
  ASSERT_EQ(violations.size(), 1U);
  EXPECT_TRUE(contains(violations[0].detail, "skipping known records 2 (producer-0/k/2)"));
}

TEST(PollSkip, AGapWhereNoRecordIsKnownPasses) {
  HistoryScript s;  // 2 and 3 hold control batches or records nobody saw
  s.sends(0, 0, 1)
      .sends(0, 4, 5)
      .assign(kA, 10, 1, {0})
      .poll_range(kA, 20, 0, 0, 1)
      .poll_range(kA, 30, 0, 4, 5);
  EXPECT_TRUE(check_history(s.history).violations.empty());
}

TEST(PollSkip, AnAssignmentChangeInBetweenStartsTheSequenceAfresh) {
  HistoryScript s;
  s.sends(0, 0, 9).assign(kA, 10, 1, {0}).poll_range(kA, 20, 0, 2, 3);
  HistoryScript kept = s;
  s.revoke(kA, 30, 1, {0}).assign(kA, 40, 2, {0}).poll_range(kA, 50, 0, 6, 7);
  s.lose(kA, 55, 2, {0}).assign(kA, 58, 3, {0}).poll_range(kA, 60, 0, 0, 1);
  EXPECT_TRUE(check_poll_skip(s.history).empty());
  EXPECT_TRUE(check_nonmonotonic_poll(s.history).empty());
  // The same reads with A keeping the partition are a skip and then a step back.
  kept.poll_range(kA, 50, 0, 6, 7).poll_range(kA, 60, 0, 0, 1);
  EXPECT_EQ(check_poll_skip(kept.history).size(), 1U);
  EXPECT_EQ(check_nonmonotonic_poll(kept.history).size(), 1U);
}

TEST(NonmonotonicPoll, ReadingAnOffsetAgainWithoutAnAssignmentChangeViolatesIt) {
  HistoryScript s;
  s.sends(0, 0, 9).assign(kA, 10, 1, {0}).poll_range(kA, 20, 0, 0, 3).poll_range(kA, 30, 0, 2, 4);
  const CheckResult result = check_history(s.history);
  ASSERT_EQ(properties_of(result.violations), Names{std::string(kNonmonotonicPoll)});
  EXPECT_EQ(result.violations[0].detail,
            "consumer-g0-a polled orders-0 offset 2 (producer-0/k/2) at 30 ms after offset 3 "
            "(producer-0/k/3) at 20 ms, with no assignment change of orders-0 in between");
}

TEST(NonmonotonicPoll, GoingBackWithinOnePollViolatesIt) {
  HistoryScript s;
  s.sends(0, 0, 9).assign(kA, 10, 1, {0}).poll(kA, 20, 0, {0, 2, 1});
  const std::vector<Violation> violations = check_nonmonotonic_poll(s.history);
  ASSERT_EQ(violations.size(), 1U);
  EXPECT_TRUE(contains(violations[0].detail, "offset 1 (producer-0/k/1) at 20 ms after offset 2"));
}

TEST(NonmonotonicPoll, ReReadingAfterARevokeAndInterleavedPartitionsPass) {
  HistoryScript s;
  s.sends(0, 0, 9).sends(1, 0, 9).assign(kA, 10, 1, {0, 1}).poll_range(kA, 20, 0, 0, 3);
  s.poll_range(kA, 21, 1, 0, 1).poll_range(kA, 22, 0, 4, 4).commit(kA, 23, 24, 1, 0, 2);
  s.revoke(kA, 30, 1, {0, 1})
      .assign(kA, 40, 2, {0, 1})
      .poll_range(kA, 50, 0, 2, 3)
      .poll_range(kA, 51, 1, 0, 2);
  EXPECT_TRUE(check_history(s.history).violations.empty());
}

// Retention moved orders-0's log start to `offset` at `time_ms`.
LogCleanup log_start_moved(std::int64_t time_ms, std::int64_t offset) {
  LogCleanup cleanup;
  cleanup.retention = true;
  cleanup.log_start[testing::tp(0)].emplace_back(testing::at_ms(time_ms), cluster::Offset(offset));
  return cleanup;
}

TEST(PollSkip, ALaggingConsumerResetToTheLogStartRetentionMovedIsNoSkip) {
  HistoryScript s;
  s.sends(0, 0, 9).assign(kA, 10, 1, {0}).poll_range(kA, 20, 0, 0, 2).poll_range(kA, 60, 0, 6, 9);
  EXPECT_TRUE(check_history(s.history, log_start_moved(50, 6)).violations.empty());
  // The same jump with the log start moved only after the poll skipped 3..5.
  const CheckResult late = check_history(s.history, log_start_moved(70, 6));
  ASSERT_EQ(properties_of(late.violations), Names{std::string(kPollSkip)});
  EXPECT_TRUE(contains(late.violations[0].detail, "skipping known records 3 (producer-0/k/3)"));
}

TEST(PollSkip, AGapOverRecordsStillAboveTheLogStartIsASkip) {
  HistoryScript s;
  s.sends(0, 0, 9).assign(kA, 10, 1, {0}).poll_range(kA, 20, 0, 0, 2).poll_range(kA, 60, 0, 6, 9);
  const CheckResult result = check_history(s.history, log_start_moved(50, 4));
  ASSERT_EQ(properties_of(result.violations), Names{std::string(kPollSkip)});
  EXPECT_TRUE(contains(result.violations[0].detail,
                       "skipping known records 4 (producer-0/k/4), "
                       "5 (producer-0/k/5)"));
}

TEST(PollSkip, AGapOverRecordsCompactionRemovedIsNoSkip) {
  HistoryScript s;
  s.sends(0, 0, 9).assign(kA, 10, 1, {0}).poll_range(kA, 20, 0, 0, 2).poll_range(kA, 60, 0, 6, 9);
  LogCleanup cleanup;
  cleanup.compaction = true;
  // Every record of key k but the last (9) is superseded: the cleaner may remove them.
  for (std::int64_t o = 0; o <= 8; ++o)
    cleanup.compactable[testing::tp(0)].insert(cluster::Offset(o));
  EXPECT_TRUE(check_history(s.history, cleanup).violations.empty());
  cleanup.compactable[testing::tp(0)].erase(cluster::Offset(4));  // say 4 were a key's latest
  EXPECT_EQ(properties_of(check_history(s.history, cleanup).violations),
            Names{std::string(kPollSkip)});
}

TEST(RebalanceNoSkip, ANewOwnerResetPastACommitRetentionDeletedIsNoSkip) {
  HistoryScript s = b_takes_over_after_commit_of_5();
  s.poll_range(kB, 60, 0, 8, 9);  // out of range at 5: reset to the log start, 8
  EXPECT_TRUE(check_history(s.history, log_start_moved(55, 8)).violations.empty());
  EXPECT_EQ(properties_of(check_history(s.history).violations),
            Names{std::string(kRebalanceNoSkip)});
}

}  // namespace
}  // namespace samsa::properties
