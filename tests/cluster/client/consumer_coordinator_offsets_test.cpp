// Claims about ConsumerCoordinator's OffsetCommit and OffsetFetch (commit_sync,
// commit_async, fetch_committed) against the scripted fake coordinator of
// consumer_coordinator_fixture.h: what a commit carries (invariant 3 of the header), which
// errors are retried inside the deadline and which are handed back.
#include <gtest/gtest.h>

#include "cluster/client/consumer_coordinator.h"
#include "tests/cluster/client/consumer_coordinator_fixture.h"

namespace samsa::cluster::testing {
namespace {

const TopicPartition o0 = tp("orders", 0);
const TopicPartition o1 = tp("orders", 1);

using Offsets = std::map<TopicPartition, OffsetAndEpoch>;

const Offsets kOffsets{{o0, OffsetAndEpoch{Offset(42), LeaderEpoch(3)}}};

void join(CoordinatorRig& rig) {
  rig.fake.consumer_leads = false;
  rig.fake.follower_assignments = {{o0, o1}};
  rig.start_consumer(rig.config());
  rig.on_consumer([&] {
    rig.coordinator->subscribe({"orders"});
    EXPECT_TRUE(rig.coordinator->poll(rig.deadline_after(10s)));
  });
}

TEST(ConsumerCoordinatorOffsets, CommitsCarryTheGenerationAndMemberId) {
  CoordinatorRig rig;
  join(rig);
  rig.on_consumer([&] {
    EXPECT_EQ(rig.coordinator->commit_sync(kOffsets, rig.deadline_after(5s)), ErrorCode::kNone);
  });
  ASSERT_EQ(rig.fake.commits.size(), 1U);
  const OffsetCommitRequest& commit = *rig.fake.commits.at(0);
  EXPECT_EQ(commit.group_id, "readers");
  EXPECT_EQ(commit.generation_id, 1);
  EXPECT_EQ(commit.member_id, "member-1");
  ASSERT_EQ(commit.offsets.size(), 1U);
  EXPECT_EQ(commit.offsets.at(0).tp, o0);
  EXPECT_EQ(commit.offsets.at(0).committed_offset, Offset(42));
  EXPECT_EQ(commit.offsets.at(0).committed_leader_epoch, LeaderEpoch(3));
  EXPECT_EQ(rig.coordinator->stats().commits, 1U);
  EXPECT_EQ(rig.coordinator->stats().failed_commits, 0U);
}

TEST(ConsumerCoordinatorOffsets, ACommitWithoutASubscriptionCarriesNoGeneration) {
  CoordinatorRig rig;
  rig.start_consumer(rig.config());
  rig.on_consumer([&] {
    EXPECT_EQ(rig.coordinator->commit_sync(kOffsets, rig.deadline_after(5s)), ErrorCode::kNone);
  });
  ASSERT_EQ(rig.fake.commits.size(), 1U);
  EXPECT_EQ(rig.fake.commits.at(0)->generation_id, kNoGeneration);
  EXPECT_EQ(rig.fake.commits.at(0)->member_id, "");
  EXPECT_TRUE(rig.fake.joins.empty());
}

TEST(ConsumerCoordinatorOffsets, CommitSyncRetriesCoordinatorLoadInProgress) {
  CoordinatorRig rig;
  join(rig);
  rig.fake.commit_errors = {ErrorCode::kCoordinatorLoadInProgress,
                            ErrorCode::kCoordinatorLoadInProgress};
  rig.on_consumer([&] {
    EXPECT_EQ(rig.coordinator->commit_sync(kOffsets, rig.deadline_after(5s)), ErrorCode::kNone);
  });
  EXPECT_EQ(rig.fake.commits.size(), 3U);
  EXPECT_EQ(rig.coordinator->stats().commits, 3U);
  EXPECT_EQ(rig.coordinator->stats().failed_commits, 2U);
  EXPECT_EQ(rig.fake.committed.at(o0).committed_offset, Offset(42));
}

TEST(ConsumerCoordinatorOffsets, CommitSyncGivesUpAtTheDeadlineWithRequestTimedOut) {
  CoordinatorRig rig;
  join(rig);
  rig.fake.commit_errors.assign(100, ErrorCode::kCoordinatorLoadInProgress);
  rig.on_consumer([&] {
    EXPECT_EQ(rig.coordinator->commit_sync(kOffsets, rig.deadline_after(1s)),
              ErrorCode::kRequestTimedOut);
  });
  // One attempt per backoff (100 ms) inside the second, never after it.
  EXPECT_GE(rig.fake.commits.size(), 5U);
  EXPECT_LE(rig.fake.commits.size(), 11U);
}

TEST(ConsumerCoordinatorOffsets, CommitSyncFindsTheCoordinatorAgainAfterNotCoordinator) {
  CoordinatorRig rig;
  join(rig);
  rig.fake.commit_errors = {ErrorCode::kNotCoordinator};
  rig.on_consumer([&] {
    EXPECT_EQ(rig.coordinator->commit_sync(kOffsets, rig.deadline_after(5s)), ErrorCode::kNone);
  });
  EXPECT_EQ(rig.fake.commits.size(), 2U);
  EXPECT_EQ(rig.fake.find_coordinator_requests, 2);
}

TEST(ConsumerCoordinatorOffsets, CommitSyncReturnsIllegalGenerationAndTheMemberRejoins) {
  CoordinatorRig rig;
  join(rig);
  rig.fake.commit_errors = {ErrorCode::kIllegalGeneration};
  std::map<TopicPartition, ErrorCode> partition_errors;
  rig.on_consumer([&] {
    EXPECT_EQ(rig.coordinator->commit_sync(kOffsets, rig.deadline_after(5s), &partition_errors),
              ErrorCode::kIllegalGeneration);
    EXPECT_TRUE(rig.coordinator->rebalance_in_progress());
    // Out of its generation, the member may commit nothing more until it rejoined.
    EXPECT_EQ(rig.coordinator->commit_sync(kOffsets, rig.deadline_after(5s)),
              ErrorCode::kIllegalGeneration);
    EXPECT_TRUE(rig.coordinator->poll(rig.deadline_after(10s)));
    EXPECT_EQ(rig.coordinator->commit_sync(kOffsets, rig.deadline_after(5s)), ErrorCode::kNone);
  });
  EXPECT_EQ(partition_errors, (std::map<TopicPartition, ErrorCode>{{o0, ErrorCode::kIllegalGeneration}}));
  ASSERT_EQ(rig.fake.commits.size(), 2U);  // not retried; the refused one never sent
  EXPECT_EQ(rig.fake.commits.at(1)->generation_id, 2);
  EXPECT_EQ(rig.listener.calls.at(1).what, "lost");
}

TEST(ConsumerCoordinatorOffsets, CommitSyncReturnsRebalanceInProgressAndAsksForARejoin) {
  CoordinatorRig rig;
  join(rig);
  rig.fake.commit_errors = {ErrorCode::kRebalanceInProgress};
  rig.on_consumer([&] {
    EXPECT_EQ(rig.coordinator->commit_sync(kOffsets, rig.deadline_after(5s)),
              ErrorCode::kRebalanceInProgress);
    EXPECT_TRUE(rig.coordinator->rebalance_in_progress());
  });
  EXPECT_EQ(rig.fake.commits.size(), 1U);
}

TEST(ConsumerCoordinatorOffsets, CommitAsyncReportsItsResultOnce) {
  CoordinatorRig rig;
  join(rig);
  std::vector<ErrorCode> results;
  rig.on_consumer([&] {
    rig.coordinator->commit_async(kOffsets, [&](ErrorCode e) { results.push_back(e); });
    EXPECT_TRUE(results.empty());  // it runs on a fiber of its own
    rig.sleep_for(1s);
  });
  EXPECT_EQ(results, std::vector<ErrorCode>{ErrorCode::kNone});
  EXPECT_EQ(rig.fake.commits.size(), 1U);
}

TEST(ConsumerCoordinatorOffsets, FetchCommittedRetriesUnstableOffsetCommitAndOmitsUncommitted) {
  CoordinatorRig rig;
  join(rig);
  rig.fake.fetch_errors = {ErrorCode::kUnstableOffsetCommit};
  rig.on_consumer([&] {
    ASSERT_EQ(rig.coordinator->commit_sync(kOffsets, rig.deadline_after(5s)), ErrorCode::kNone);
    auto fetched = rig.coordinator->fetch_committed({o0, o1}, rig.deadline_after(5s));
    ASSERT_TRUE(fetched.ok());
    EXPECT_EQ(fetched.value(), (std::map<TopicPartition, OffsetAndEpoch>{
                                   {o0, OffsetAndEpoch{Offset(42), LeaderEpoch(3)}}}));
  });
  ASSERT_EQ(rig.fake.fetches.size(), 2U);
  EXPECT_TRUE(rig.fake.fetches.at(1)->require_stable);
  EXPECT_EQ(rig.fake.fetches.at(1)->partitions, (std::vector<TopicPartition>{o0, o1}));
}

TEST(ConsumerCoordinatorOffsets, FetchCommittedHandsBackANonRetriableError) {
  CoordinatorRig rig;
  join(rig);
  rig.fake.fetch_errors = {ErrorCode::kUnknownTopicOrPartition};
  rig.on_consumer([&] {
    auto fetched = rig.coordinator->fetch_committed({o0}, rig.deadline_after(5s));
    ASSERT_FALSE(fetched.ok());
    EXPECT_EQ(fetched.error(), ErrorCode::kUnknownTopicOrPartition);
  });
  EXPECT_EQ(rig.fake.fetches.size(), 1U);
}

}  // namespace
}  // namespace samsa::cluster::testing
