// Claims about SubscriptionState: the assignment modes, the fetch states and their
// transitions (seeks, resets, KIP-320 validation and its outcomes), pausing, and what is
// committed. Pure state, so no simulation is needed.
#include "cluster/client/subscription_state.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "sim/assert.h"

namespace samsa::cluster {
namespace {

const TopicPartition kTp0{"orders", PartitionIndex(0)};
const TopicPartition kTp1{"orders", PartitionIndex(1)};
const TopicPartition kOther{"payments", PartitionIndex(0)};
const sim::SimTime kT0 = sim::kSimStart + std::chrono::seconds(1);

FetchPosition at(std::int64_t offset, std::int32_t offset_epoch, std::int32_t leader_epoch) {
  return FetchPosition{Offset(offset), LeaderEpoch(offset_epoch), LeaderEpoch(leader_epoch)};
}

TEST(SubscriptionState, NewPartitionsStartInitializingAndKeptPartitionsKeepTheirPositions) {
  SubscriptionState s(OffsetResetStrategy::kEarliest);
  s.assign_from_user({kTp1, kTp0});
  EXPECT_EQ(s.mode(), SubscriptionState::Mode::kUserAssigned);
  EXPECT_EQ(s.assigned_partitions(), (std::vector<TopicPartition>{kTp0, kTp1}));
  EXPECT_EQ(s.fetch_state(kTp0), FetchState::kInitializing);
  EXPECT_FALSE(s.position(kTp0).has_value());
  s.seek_validated(kTp0, at(42, 3, 3));
  s.assign_from_user({kTp0, kOther});
  EXPECT_EQ(s.position(kTp0), at(42, 3, 3));
  EXPECT_EQ(s.fetch_state(kOther), FetchState::kInitializing);
  EXPECT_FALSE(s.is_assigned(kTp1));
  s.assign_from_user({});
  EXPECT_EQ(s.mode(), SubscriptionState::Mode::kNone) << "assign(empty) is unsubscribe";
}

TEST(SubscriptionState, SubscribingAndAssigningManuallyExcludeEachOther) {
  SubscriptionState assigned(OffsetResetStrategy::kLatest);
  assigned.assign_from_user({kTp0});
  EXPECT_THROW(assigned.subscribe({"orders"}), sim::InvariantViolation);
  SubscriptionState subscribed(OffsetResetStrategy::kLatest);
  EXPECT_TRUE(subscribed.subscribe({"orders"}));
  EXPECT_FALSE(subscribed.subscribe({"orders"})) << "the same topics again change nothing";
  EXPECT_THROW(subscribed.assign_from_user({kTp0}), sim::InvariantViolation);
  subscribed.assign_from_subscribed({kTp0});
  EXPECT_TRUE(subscribed.is_assigned(kTp0));
  subscribed.unsubscribe();
  EXPECT_EQ(subscribed.mode(), SubscriptionState::Mode::kNone);
  EXPECT_TRUE(subscribed.assigned_partitions().empty());
}

TEST(SubscriptionState, OnlyAnUnpausedFetchingPartitionIsFetchable) {
  SubscriptionState s(OffsetResetStrategy::kLatest);
  s.assign_from_user({kTp0});
  EXPECT_FALSE(s.is_fetchable(kTp0));
  s.seek_validated(kTp0, at(0, -1, 0));
  EXPECT_TRUE(s.is_fetchable(kTp0));
  s.pause(kTp0);
  EXPECT_FALSE(s.is_fetchable(kTp0));
  s.resume(kTp0);
  EXPECT_TRUE(s.is_fetchable(kTp0));
  EXPECT_FALSE(s.is_fetchable(kTp1)) << "not assigned";
}

TEST(SubscriptionState, AResetUnderNoneLeavesThePartitionAsItIsAndSaysSo) {
  SubscriptionState s(OffsetResetStrategy::kNone);
  s.assign_from_user({kTp0});
  EXPECT_FALSE(s.request_offset_reset(kTp0));
  EXPECT_EQ(s.fetch_state(kTp0), FetchState::kInitializing);
  EXPECT_TRUE(s.request_offset_reset(kTp0, OffsetResetStrategy::kEarliest)) << "seek_to_beginning";
  EXPECT_EQ(s.fetch_state(kTp0), FetchState::kAwaitReset);
  EXPECT_EQ(s.reset_strategy(kTp0), OffsetResetStrategy::kEarliest);
}

TEST(SubscriptionState, AResetAnswerSeeksOnlyIfThatResetIsStillAwaited) {
  SubscriptionState s(OffsetResetStrategy::kLatest);
  s.assign_from_user({kTp0});
  ASSERT_TRUE(s.request_offset_reset(kTp0));
  EXPECT_FALSE(s.maybe_seek_unvalidated(kTp0, at(5, -1, 1), OffsetResetStrategy::kEarliest))
      << "an answer to another strategy's request";
  EXPECT_TRUE(s.maybe_seek_unvalidated(kTp0, at(5, -1, 1), OffsetResetStrategy::kLatest));
  EXPECT_EQ(s.fetch_state(kTp0), FetchState::kFetching);
  EXPECT_EQ(s.position(kTp0), at(5, -1, 1));
  EXPECT_FALSE(s.maybe_seek_unvalidated(kTp0, at(9, -1, 1), OffsetResetStrategy::kLatest))
      << "a late duplicate answer after the reset completed";
  EXPECT_EQ(s.position(kTp0)->offset, Offset(5));
}

TEST(SubscriptionState, ASeekWithAnOffsetEpochIsValidatedFirstAndOneWithoutIsNot) {
  SubscriptionState s(OffsetResetStrategy::kLatest);
  s.assign_from_user({kTp0, kTp1});
  s.seek_unvalidated(kTp0, at(10, 2, 3));  // a committed offset with its epoch
  EXPECT_EQ(s.fetch_state(kTp0), FetchState::kAwaitValidation);
  s.seek_unvalidated(kTp1, at(10, -1, 3));  // seek(tp, offset)
  EXPECT_EQ(s.fetch_state(kTp1), FetchState::kFetching);
  s.seek_unvalidated(kTp1, at(10, 2, -1));  // no leader known yet: checked once one is
  EXPECT_EQ(s.fetch_state(kTp1), FetchState::kFetching);
  EXPECT_TRUE(s.maybe_validate_position_for_current_leader(kTp1, LeaderEpoch(3)));
  EXPECT_EQ(s.position(kTp1), at(10, 2, 3));
}

TEST(SubscriptionState, ANewLeaderEpochSendsAPositionWithAnOffsetEpochToValidation) {
  SubscriptionState s(OffsetResetStrategy::kLatest);
  s.assign_from_user({kTp0, kTp1});
  s.seek_validated(kTp0, at(7, 1, 1));
  s.seek_validated(kTp1, at(7, -1, 1));  // reset: nothing consumed yet
  EXPECT_FALSE(s.leader_changed(kTp0, LeaderEpoch(1)));
  EXPECT_FALSE(s.maybe_validate_position_for_current_leader(kTp0, LeaderEpoch(1)));
  EXPECT_TRUE(s.leader_changed(kTp0, LeaderEpoch(2)));
  EXPECT_TRUE(s.maybe_validate_position_for_current_leader(kTp0, LeaderEpoch(2)));
  EXPECT_EQ(s.fetch_state(kTp0), FetchState::kAwaitValidation);
  EXPECT_EQ(s.position(kTp0), at(7, 1, 2));
  EXPECT_FALSE(s.is_fetchable(kTp0)) << "not fetched until validated";
  EXPECT_FALSE(s.maybe_validate_position_for_current_leader(kTp1, LeaderEpoch(2)));
  EXPECT_EQ(s.position(kTp1), at(7, -1, 2)) << "no offset epoch: just the new leader epoch";
  EXPECT_EQ(s.partitions_needing_request(FetchState::kAwaitValidation, kT0),
            std::vector<TopicPartition>{kTp0});
}

TEST(SubscriptionState, AValidationAnswerAtOrPastThePositionResumesFetching) {
  SubscriptionState s(OffsetResetStrategy::kLatest);
  s.assign_from_user({kTp0});
  s.seek_unvalidated(kTp0, at(7, 1, 2));
  EXPECT_EQ(s.maybe_complete_validation(kTp0, at(7, 1, 2), EpochEndOffset{LeaderEpoch(1), Offset(7)}),
            ValidationOutcome::kValid);
  EXPECT_EQ(s.fetch_state(kTp0), FetchState::kFetching);
  EXPECT_EQ(s.position(kTp0), at(7, 1, 2));
}

TEST(SubscriptionState, AnEndOffsetBelowThePositionSeeksBackToTheDivergentOffset) {
  SubscriptionState s(OffsetResetStrategy::kEarliest);
  s.assign_from_user({kTp0});
  s.seek_unvalidated(kTp0, at(20, 1, 3));
  // The new leader never had epoch 1: its epoch 0 ends at 12.
  EXPECT_EQ(s.maybe_complete_validation(kTp0, at(20, 1, 3), EpochEndOffset{LeaderEpoch(0), Offset(12)}),
            ValidationOutcome::kTruncatedSeek);
  EXPECT_EQ(s.fetch_state(kTp0), FetchState::kFetching);
  EXPECT_EQ(s.position(kTp0), at(12, 0, 3));
}

TEST(SubscriptionState, AnUndefinedAnswerResetsByPolicy) {
  SubscriptionState s(OffsetResetStrategy::kEarliest);
  s.assign_from_user({kTp0});
  s.seek_unvalidated(kTp0, at(20, 1, 3));
  EXPECT_EQ(s.maybe_complete_validation(kTp0, at(20, 1, 3),
                                        EpochEndOffset{kUndefinedEpoch, kUndefinedEpochOffset}),
            ValidationOutcome::kTruncatedReset);
  EXPECT_EQ(s.fetch_state(kTp0), FetchState::kAwaitReset);
  EXPECT_EQ(s.reset_strategy(kTp0), OffsetResetStrategy::kEarliest);
}

TEST(SubscriptionState, UnderNoneTruncationLeavesThePartitionAwaitingValidation) {
  SubscriptionState s(OffsetResetStrategy::kNone);
  s.assign_from_user({kTp0});
  s.seek_unvalidated(kTp0, at(20, 1, 3));
  s.set_next_allowed_retry(kTp0, kT0 + std::chrono::seconds(30));
  EXPECT_EQ(s.maybe_complete_validation(kTp0, at(20, 1, 3), EpochEndOffset{LeaderEpoch(1), Offset(15)}),
            ValidationOutcome::kTruncatedNoReset);
  EXPECT_EQ(s.fetch_state(kTp0), FetchState::kAwaitValidation);
  EXPECT_EQ(s.position(kTp0), at(20, 1, 3));
  EXPECT_TRUE(s.partitions_needing_request(FetchState::kAwaitValidation, kT0).empty())
      << "asked again only after the retry time";
  s.seek_unvalidated(kTp0, at(15, -1, 3));  // the caller seeks to the divergent offset
  EXPECT_EQ(s.fetch_state(kTp0), FetchState::kFetching);
}

TEST(SubscriptionState, AValidationAnswerForAnOlderPositionIsStale) {
  SubscriptionState s(OffsetResetStrategy::kLatest);
  s.assign_from_user({kTp0});
  s.seek_unvalidated(kTp0, at(7, 1, 2));
  ASSERT_TRUE(s.maybe_validate_position_for_current_leader(kTp0, LeaderEpoch(3)));
  EXPECT_EQ(s.maybe_complete_validation(kTp0, at(7, 1, 2), EpochEndOffset{LeaderEpoch(1), Offset(2)}),
            ValidationOutcome::kStale)
      << "asked under epoch 2, the leader moved to 3 since";
  EXPECT_EQ(s.fetch_state(kTp0), FetchState::kAwaitValidation);
  s.assign_from_user({kTp1});
  EXPECT_EQ(s.maybe_complete_validation(kTp0, at(7, 1, 3), EpochEndOffset{LeaderEpoch(1), Offset(9)}),
            ValidationOutcome::kStale)
      << "no longer assigned";
}

TEST(SubscriptionState, OnlyFetchingPositionsAreConsumedForCommits) {
  SubscriptionState s(OffsetResetStrategy::kLatest);
  s.assign_from_user({kTp0, kTp1, kOther});
  s.seek_validated(kTp0, at(3, 0, 0));
  s.seek_unvalidated(kTp1, at(4, 0, 0));
  ASSERT_TRUE(s.maybe_validate_position_for_current_leader(kTp1, LeaderEpoch(1)));
  const std::map<TopicPartition, FetchPosition> consumed = s.all_consumed();
  ASSERT_EQ(consumed.size(), 1U);
  EXPECT_EQ(consumed.at(kTp0), at(3, 0, 0));
}

TEST(SubscriptionState, AdvancingOnlyMovesForwardAndOnlyWhileFetching) {
  SubscriptionState s(OffsetResetStrategy::kLatest);
  s.assign_from_user({kTp0});
  s.seek_validated(kTp0, at(10, 0, 0));
  s.advance(kTp0, at(15, 0, 0));
  EXPECT_EQ(s.position(kTp0)->offset, Offset(15));
  EXPECT_THROW(s.advance(kTp0, at(14, 0, 0)), sim::InvariantViolation);
  ASSERT_TRUE(s.request_offset_reset(kTp0));
  EXPECT_THROW(s.advance(kTp0, at(16, 0, 0)), sim::InvariantViolation);
  EXPECT_THROW(s.fetch_state(kTp1), sim::InvariantViolation) << "not assigned";
}

// Whatever the sequence of operations, invariant 3 of the header holds after each one:
// FETCHING and AWAIT_VALIDATION have a position, the other states none, AWAIT_RESET a
// strategy that is not none, and every position is >= 0.
RC_GTEST_PROP(SubscriptionState, EveryOperationSequenceKeepsStatesAndPositionsConsistent,
              (const std::vector<std::uint8_t>& ops)) {
  SubscriptionState s(OffsetResetStrategy::kEarliest);
  s.assign_from_user({kTp0});
  std::int64_t offset = 0;
  for (const std::uint8_t op : ops) {
    offset = (offset * 7 + op) % 50;
    const LeaderEpoch epoch(op % 4);
    switch (op % 7) {
      case 0: s.seek_unvalidated(kTp0, at(offset, op % 3 == 0 ? -1 : 1, op % 4)); break;
      case 1: s.request_offset_reset(kTp0, op % 2 == 0 ? OffsetResetStrategy::kLatest
                                                       : OffsetResetStrategy::kNone); break;
      case 2: s.maybe_validate_position_for_current_leader(kTp0, epoch); break;
      case 3:
        if (s.position(kTp0)) {
          s.maybe_complete_validation(kTp0, *s.position(kTp0),
                                      EpochEndOffset{LeaderEpoch(1), Offset(offset)});
        }
        break;
      case 4: s.maybe_seek_unvalidated(kTp0, at(offset, -1, op % 4), OffsetResetStrategy::kLatest); break;
      case 5:
        if (s.fetch_state(kTp0) == FetchState::kFetching) {
          FetchPosition next = *s.position(kTp0);
          next.offset = next.offset + op % 5;
          s.advance(kTp0, next);
        }
        break;
      default: s.assign_from_user(op % 2 == 0 ? std::vector<TopicPartition>{kTp0, kTp1}
                                              : std::vector<TopicPartition>{kTp0}); break;
    }
    const FetchState state = s.fetch_state(kTp0);
    const bool has_position = state == FetchState::kFetching || state == FetchState::kAwaitValidation;
    RC_ASSERT(s.position(kTp0).has_value() == has_position);
    RC_ASSERT(!s.position(kTp0) || s.position(kTp0)->offset >= Offset(0));
    RC_ASSERT((state == FetchState::kAwaitReset) == s.reset_strategy(kTp0).has_value());
    RC_ASSERT(s.reset_strategy(kTp0) != OffsetResetStrategy::kNone);
  }
}

}  // namespace
}  // namespace samsa::cluster
