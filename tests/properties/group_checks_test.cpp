// Claims about the consumer-group checkers (properties/group_checks.h): each property is
// reported, alone and with a readable detail, by a history that breaks it, and the
// histories a correct group produces (eager and cooperative rebalances, zombies, fenced
// commits) pass every checker.
#include "properties/group_checks.h"

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

// A owned orders-0 in generation 1, read 0..2 and committed 3.
HistoryScript a_owns_partition_0() {
  HistoryScript s;
  s.sends(0, 0, 9).assign(kA, 10, 1, {0}).poll_range(kA, 20, 0, 0, 2).commit(kA, 25, 26, 1, 0, 3);
  return s;
}

TEST(GroupExclusivity, AnEagerRebalanceWhereTheOwnerRevokesBeforeTheNewOwnerIsAssignedPasses) {
  HistoryScript s = a_owns_partition_0();
  s.revoke(kA, 50, 1, {0}).assign(kA, 60, 2, {}).assign(kB, 61, 2, {0}).poll_range(kB, 70, 0, 3, 5);
  EXPECT_TRUE(check_history(s.history).violations.empty());
}

TEST(GroupExclusivity, ACooperativeTwoRoundMovePasses) {
  HistoryScript s;
  s.sends(0, 0, 9).sends(1, 0, 9).assign(kA, 10, 1, {0, 1});
  s.poll_range(kA, 20, 0, 0, 2).poll_range(kA, 21, 1, 0, 1).commit(kA, 25, 26, 1, 1, 2);
  // Round one (generation 2): orders-1 is taken from A and given to nobody; A revokes it.
  s.assign(kA, 50, 2, {}).revoke(kA, 51, 2, {1}).assign(kB, 52, 2, {});
  // Round two (generation 3): B gets orders-1; A keeps orders-0 throughout.
  s.assign(kA, 80, 3, {})
      .assign(kB, 81, 3, {1})
      .poll_range(kB, 90, 1, 2, 4)
      .poll_range(kA, 95, 0, 3, 4);
  EXPECT_TRUE(check_history(s.history).violations.empty());
}

TEST(GroupExclusivity, AZombieThatLosesItsPartitionLaterMayPollAfterTheNewOwnerIsAssigned) {
  HistoryScript s = a_owns_partition_0();
  s.assign(kB, 100, 2, {0}).poll_range(kB, 110, 0, 3, 5).poll_range(kA, 120, 0, 3, 4);
  s.lose(kA, 150, 1, {0});
  EXPECT_TRUE(check_history(s.history).violations.empty());
}

TEST(GroupExclusivity, AMemberOfTheGenerationThatRevokesAfterTheNewOwnerIsAssignedViolatesIt) {
  HistoryScript s = a_owns_partition_0();
  s.assign(kA, 60, 2, {}).assign(kB, 61, 2, {0}).poll_range(kB, 65, 0, 3, 5);
  s.poll_range(kA, 70, 0, 3, 4).revoke(kA, 80, 2, {0});
  const CheckResult result = check_history(s.history);
  ASSERT_EQ(properties_of(result.violations), Names{std::string(kGroupExclusivity)});
  EXPECT_EQ(result.violations[0].at, testing::at_ms(61));
  EXPECT_EQ(result.violations[0].detail,
            "orders-0 of group g0: consumer-g0-b was assigned it in generation 2 at 61 ms while "
            "consumer-g0-a, a member of generation 2 too, still owned it (assigned in generation 1 "
            "at 10 ms, revoked only at 80 ms); consumer-g0-a polled orders-0 after 61 ms: offsets "
            "3..4 at 70 ms");
}

TEST(GroupExclusivity, TwoMembersAssignedOnePartitionInOneGenerationViolateIt) {
  HistoryScript s;
  s.assign(kA, 10, 1, {0}).assign(kB, 11, 1, {0});
  const std::vector<Violation> violations = check_group_exclusivity(s.history);
  ASSERT_EQ(violations.size(), 1U);
  EXPECT_TRUE(
      contains(violations[0].detail, "consumer-g0-b was assigned it in generation 1 at 11 ms"));
  EXPECT_TRUE(contains(violations[0].detail, "(assigned in generation 1 at 10 ms, never revoked)"));
  EXPECT_TRUE(contains(violations[0].detail, "consumer-g0-a polled nothing of it after 11 ms"));
}

TEST(GroupExclusivity, AnOwnerThatNeverJoinedTheNewGenerationIsNotHeldToIt) {
  HistoryScript s;
  s.assign(kA, 10, 1, {0}).assign(kB, 100, 2, {0}).poll_range(kA, 120, 0, 0, 1);
  EXPECT_TRUE(check_group_exclusivity(s.history).empty());
}

TEST(GroupExclusivity, OwnersInDifferentGroupsOrByManualAssignmentAreIndependent) {
  HistoryScript s;
  s.assign(kA, 10, 1, {0}, "g0").assign(kB, 11, 1, {0}, "g1");
  s.assign("manual-1", 12, -1, {0}, "g2").assign("manual-2", 13, -1, {0}, "g2");
  EXPECT_TRUE(check_group_exclusivity(s.history).empty());
}

// A read 0..4 in generation 1 and revoked orders-0; generation 2 formed at 100 ms.
HistoryScript generation_2_formed_at_100_ms() {
  HistoryScript s;
  s.sends(0, 0, 9).assign(kA, 10, 1, {0}).poll_range(kA, 20, 0, 0, 4).revoke(kA, 90, 1, {0});
  s.assign(kA, 100, 2, {}).assign(kB, 101, 2, {0});
  return s;
}

TEST(CommitFencing, ACommitWithAnOlderGenerationInvokedAfterANewerFormedViolatesIt) {
  HistoryScript s = generation_2_formed_at_100_ms();
  s.commit(kA, 110, 115, 1, 0, 5);
  const CheckResult result = check_history(s.history);
  ASSERT_EQ(properties_of(result.violations), Names{std::string(kCommitFencing)});
  EXPECT_EQ(result.violations[0].at, testing::at_ms(115));
  EXPECT_EQ(
      result.violations[0].detail,
      "consumer-g0-a's commit of orders-0@5 with generation 1 (invoked at 110 ms, ok at 115 ms) "
      "succeeded although generation 2 of group g0 had formed at 100 ms (consumer-g0-a was "
      "assigned in it)");
}

TEST(CommitFencing, AStaleCommitThatFailedWithIllegalGenerationPasses) {
  HistoryScript s = generation_2_formed_at_100_ms();
  s.commit(kA, 110, 115, 1, 0, 5, OpStatus::kFail, cluster::ErrorCode::kIllegalGeneration);
  EXPECT_TRUE(check_history(s.history).violations.empty());
}

TEST(CommitFencing, ACommitInvokedBeforeTheNewerGenerationFormedPasses) {
  HistoryScript s = generation_2_formed_at_100_ms();
  s.commit(kA, 95, 105, 1, 0, 5);
  EXPECT_TRUE(check_history(s.history).violations.empty());
}

TEST(CommitFencing, ManualAssignmentCommitsAndOtherGroupsAreExempt) {
  HistoryScript s = generation_2_formed_at_100_ms();
  s.commit(kA, 110, 115, -1, 0, 5)
      .commit("consumer-g1-a", 110, 115, 1, 0, 0, OpStatus::kOk, cluster::ErrorCode::kNone, "g1");
  EXPECT_TRUE(check_commit_fencing(s.history).empty());
}

TEST(CommittedOffsetsMonotonic, ANewOwnerCommittingBelowTheCommittedOffsetViolatesIt) {
  HistoryScript s;
  s.sends(0, 0, 9).assign(kA, 10, 1, {0}).poll_range(kA, 20, 0, 0, 4).commit(kA, 25, 30, 1, 0, 5);
  s.revoke(kA, 40, 1, {0}).assign(kA, 50, 2, {}).assign(kB, 51, 2, {0});
  s.poll_range(kB, 60, 0, 2, 4).commit(kB, 65, 70, 2, 0, 3);
  const CheckResult result = check_history(s.history);
  ASSERT_EQ(properties_of(result.violations), Names{std::string(kCommittedOffsetsMonotonic)});
  EXPECT_EQ(result.violations[0].at, testing::at_ms(70));
  EXPECT_EQ(
      result.violations[0].detail,
      "orders-0 of group g0: the committed offset went back from 5 (consumer-g0-a, generation 1, "
      "ok at 30 ms) to 3 (consumer-g0-b, generation 2, sent at 65 ms, ok at 70 ms)");
}

TEST(CommittedOffsetsMonotonic, ALowerCommitSentAfterAHigherOneCompletedViolatesIt) {
  HistoryScript s;
  s.sends(0, 0, 9).assign(kA, 10, 1, {0}).poll_range(kA, 20, 0, 0, 4);
  s.commit(kA, 25, 30, 1, 0, 5).commit(kA, 31, 35, 1, 0, 3);
  const std::vector<Violation> violations = check_committed_offsets_monotonic(s.history);
  ASSERT_EQ(violations.size(), 1U);
  EXPECT_TRUE(contains(violations[0].detail,
                       "went back from 5 (consumer-g0-a, generation 1, ok at 30 ms) "
                       "to 3 (consumer-g0-a, generation 1, sent at 31 ms, ok at 35 ms)"));
}

// A commit is applied somewhere between its invocation and its completion. A lower commit
// that was already in flight when the higher one completed may have been applied first:
// the member that sent it was paused before its answer arrived (found by the group
// property test: a commit sent at 3908 ms, answered at 6220 ms after a pause, while the
// partition's new owner committed higher at 6216..6219 ms).
TEST(CommittedOffsetsMonotonic, ALowerCommitInFlightWhenAHigherOneCompletedPasses) {
  HistoryScript s;
  s.sends(0, 0, 9).assign(kA, 10, 1, {0}).poll_range(kA, 20, 0, 0, 4);
  s.commit(kA, 21, 45, 1, 0, 3).commit(kA, 25, 30, 1, 0, 5);
  EXPECT_TRUE(check_committed_offsets_monotonic(s.history).empty());
}

TEST(CommittedOffsetsMonotonic, GroupsAndFailedCommitsDoNotCount) {
  HistoryScript s;
  s.sends(0, 0, 9).poll_range(kA, 20, 0, 0, 4, "g0").poll_range(kB, 20, 0, 0, 4, "g1");
  s.commit(kA, 25, 30, 1, 0, 5, OpStatus::kOk, cluster::ErrorCode::kNone, "g0");
  s.commit(kB, 35, 40, 1, 0, 3, OpStatus::kOk, cluster::ErrorCode::kNone, "g1");
  s.commit(kA, 45, 50, 1, 0, 1, OpStatus::kFail, cluster::ErrorCode::kIllegalGeneration, "g0");
  EXPECT_TRUE(check_committed_offsets_monotonic(s.history).empty());
}

TEST(CommittedOffsetsWithinBounds, ACommitPastWhatTheGroupPolledViolatesIt) {
  HistoryScript s;
  s.sends(0, 0, 9).assign(kA, 10, 1, {0}).poll_range(kA, 20, 0, 0, 4).commit(kA, 30, 31, 1, 0, 9);
  const CheckResult result = check_history(s.history);
  ASSERT_EQ(properties_of(result.violations), Names{std::string(kCommittedOffsetsWithinBounds)});
  EXPECT_EQ(
      result.violations[0].detail,
      "consumer-g0-a's commit of orders-0@9 in group g0 (generation 1, invoked at 30 ms, ok at "
      "31 ms) is out of bounds: past the highest offset the group had polled before, 4 "
      "(consumer-g0-a at 20 ms), so at most 5 may be committed");
}

TEST(CommittedOffsetsWithinBounds, WithNothingPolledOnlyOffsetZeroMayBeCommitted) {
  HistoryScript zero;
  zero.assign(kA, 10, 1, {0});
  HistoryScript three = zero;
  zero.commit(kA, 30, 31, 1, 0, 0);
  three.commit(kA, 30, 31, 1, 0, 3);
  EXPECT_TRUE(check_committed_offsets_within_bounds(zero.history).empty());
  const std::vector<Violation> violations = check_committed_offsets_within_bounds(three.history);
  ASSERT_EQ(violations.size(), 1U);
  EXPECT_TRUE(contains(violations[0].detail,
                       "the group had polled nothing of it before, so at most 0 may be committed"));
}

TEST(CommittedOffsetsWithinBounds, ANegativeOffsetViolatesIt) {
  HistoryScript s;
  s.assign(kA, 10, 1, {0}).commit(kA, 30, 31, 1, 0, -2);
  const std::vector<Violation> violations = check_committed_offsets_within_bounds(s.history);
  ASSERT_EQ(violations.size(), 1U);
  EXPECT_TRUE(contains(violations[0].detail, "orders-0@-2"));
  EXPECT_TRUE(contains(violations[0].detail, "a negative offset"));
}

TEST(CommittedOffsetsWithinBounds, APollThatCompletesAfterTheCommitIsInvokedDoesNotCount) {
  HistoryScript s;
  s.sends(0, 0, 9)
      .poll_range(kA, 20, 0, 0, 4)
      .commit(kA, 30, 50, 1, 0, 10)
      .poll_range(kA, 40, 0, 5, 9);
  const std::vector<Violation> violations = check_committed_offsets_within_bounds(s.history);
  ASSERT_EQ(violations.size(), 1U);
  EXPECT_TRUE(contains(violations[0].detail, "so at most 5 may be committed"));
}

TEST(CommittedOffsetsWithinBounds, AnyMemberOfTheGroupMayHavePolledWhatIsCommitted) {
  HistoryScript s;
  s.sends(0, 0, 9).poll_range(kB, 20, 0, 0, 4).commit(kA, 30, 31, 1, 0, 5);
  s.poll_range("consumer-g1-a", 20, 0, 0, 9, "g1").commit(kA, 40, 41, 1, 0, 6);
  const std::vector<Violation> violations = check_committed_offsets_within_bounds(s.history);
  ASSERT_EQ(violations.size(), 1U);  // g1's reads do not cover g0's commit of 6
  EXPECT_TRUE(contains(violations[0].detail, "orders-0@6"));
}

}  // namespace
}  // namespace samsa::properties
