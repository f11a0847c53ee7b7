#include "cluster/broker/leader_replica_state.h"

#include <gtest/gtest.h>

namespace samsa::cluster {
namespace {

const BrokerId b1{1}, b2{2}, b3{3};

struct Fixture {
  Bugs bugs;
  LeaderReplicaState state;
  explicit Fixture(std::int32_t min_isr = 2, std::int64_t lag_ms = 10'000)
      : state(b1, ReplicationConfig{lag_ms, min_isr}, &bugs) {}
  void lead(LeaderEpoch epoch, Offset start, Offset leo, Offset hw,
            std::vector<BrokerId> isr = {b1, b2, b3}) {
    state.become_leader(epoch, start, {b1, b2, b3}, std::move(isr), leo, hw, 0);
  }
};

TEST(LeaderReplicaState, TheHighWatermarkIsTheSmallestLogEndOffsetInTheIsr) {
  Fixture f;
  f.lead(LeaderEpoch(1), Offset(0), Offset(10), Offset(0));
  EXPECT_EQ(f.state.high_watermark(), Offset(0));  // followers not heard from yet
  EXPECT_FALSE(f.state.on_follower_fetch(b2, Offset(10), Offset(10), 1));
  EXPECT_TRUE(f.state.on_follower_fetch(b3, Offset(7), Offset(10), 1));
  EXPECT_EQ(f.state.high_watermark(), Offset(7));
  EXPECT_TRUE(f.state.on_follower_fetch(b3, Offset(10), Offset(10), 2));
  EXPECT_EQ(f.state.high_watermark(), Offset(10));
}

TEST(LeaderReplicaState, TheHighWatermarkNeverMovesBackwards) {
  Fixture f;
  f.lead(LeaderEpoch(1), Offset(0), Offset(10), Offset(8));
  f.state.on_follower_fetch(b2, Offset(3), Offset(10), 1);  // a follower behind the HW
  f.state.on_follower_fetch(b3, Offset(3), Offset(10), 1);
  EXPECT_EQ(f.state.high_watermark(), Offset(8));
}

TEST(LeaderReplicaState, AFollowerThatStopsFetchingLeavesTheIsrAfterTheLagTime) {
  Fixture f(1, 10'000);
  f.lead(LeaderEpoch(1), Offset(0), Offset(10), Offset(0));
  f.state.on_follower_fetch(b2, Offset(10), Offset(10), 1'000);
  f.state.on_follower_fetch(b3, Offset(4), Offset(10), 1'000);
  EXPECT_TRUE(f.state.out_of_sync_replicas(Offset(10), 10'000).empty());
  // b2 is at the leader's end, so it stays in sync however long it is quiet.
  EXPECT_EQ(f.state.out_of_sync_replicas(Offset(10), 10'001), (std::vector<BrokerId>{b3}));
  EXPECT_EQ(f.state.out_of_sync_replicas(Offset(12), 11'001), (std::vector<BrokerId>{b2, b3}));
}

TEST(LeaderReplicaState, AFollowerThatReachedTheEndAsOfItsLastFetchCountsAsCaughtUpThen) {
  Fixture f(1, 10'000);
  f.lead(LeaderEpoch(1), Offset(0), Offset(10), Offset(0));
  f.state.on_follower_fetch(b2, Offset(5), Offset(10), 1'000);   // leader end was 10
  f.state.on_follower_fetch(b2, Offset(10), Offset(20), 9'000);  // reached 10: caught up at 1s
  EXPECT_EQ(f.state.follower(b2)->last_caught_up_ms, 1'000);
  EXPECT_EQ(f.state.out_of_sync_replicas(Offset(20), 11'001), (std::vector<BrokerId>{b2, b3}));
}

TEST(LeaderReplicaState, AFollowerJoinsTheIsrOnlyAfterReachingTheStartOfTheLeadersEpoch) {
  Fixture f;
  // Elected at LEO 100 in epoch 5 with a high watermark left at 40 from epoch 4.
  f.lead(LeaderEpoch(5), Offset(100), Offset(100), Offset(40), {b1, b2});
  f.state.on_follower_fetch(b3, Offset(60), Offset(100), 1);
  EXPECT_FALSE(f.state.may_join_isr(b3, true));  // KAFKA-7128: 60 >= HW but < 100
  f.state.on_follower_fetch(b3, Offset(100), Offset(100), 2);
  EXPECT_TRUE(f.state.may_join_isr(b3, true));
  EXPECT_FALSE(f.state.may_join_isr(b3, false));  // fenced brokers never join
}

TEST(LeaderReplicaState, WithTheKafka7128BugAFollowerJoinsOnAStaleHighWatermark) {
  Fixture f;
  f.bugs.enable(Bug::kIsrExpandWithoutEpochStartCheck);
  f.lead(LeaderEpoch(5), Offset(100), Offset(100), Offset(40), {b1, b2});
  f.state.on_follower_fetch(b3, Offset(60), Offset(100), 1);
  EXPECT_TRUE(f.state.may_join_isr(b3, true));
}

TEST(LeaderReplicaState, WhileAnExpansionIsPendingTheMaximalIsrGovernsTheHighWatermark) {
  Fixture f(1);
  f.lead(LeaderEpoch(1), Offset(0), Offset(10), Offset(0), {b1, b2});
  f.state.on_follower_fetch(b2, Offset(10), Offset(10), 1);
  EXPECT_EQ(f.state.high_watermark(), Offset(10));
  f.state.on_leader_append(Offset(20));
  f.state.on_follower_fetch(b3, Offset(10), Offset(20), 2);
  f.state.begin_alter({b1, b2, b3});
  EXPECT_EQ(f.state.maximal_isr().size(), 3u);
  f.state.on_follower_fetch(b2, Offset(20), Offset(20), 3);
  EXPECT_EQ(f.state.high_watermark(), Offset(10));  // b3 (pending member) holds it back
  f.state.on_follower_fetch(b3, Offset(20), Offset(20), 4);
  EXPECT_EQ(f.state.high_watermark(), Offset(20));
  f.state.complete_alter({b1, b2, b3}, Offset(20));
  EXPECT_FALSE(f.state.alter_pending());
  EXPECT_EQ(f.state.isr().size(), 3u);
}

TEST(LeaderReplicaState, AcksAllIsRefusedBeforeAppendBelowMinInsyncReplicas) {
  Fixture f(2);
  f.lead(LeaderEpoch(1), Offset(0), Offset(0), Offset(0), {b1});
  EXPECT_EQ(f.state.check_before_append(), ErrorCode::kNotEnoughReplicas);
  f.lead(LeaderEpoch(2), Offset(0), Offset(0), Offset(0), {b1, b2});
  EXPECT_EQ(f.state.check_before_append(), ErrorCode::kNone);
}

TEST(LeaderReplicaState, AcksAllCompletesWhenTheHighWatermarkPassesTheLastOffset) {
  Fixture f(2);
  f.lead(LeaderEpoch(1), Offset(0), Offset(5), Offset(0), {b1, b2});
  EXPECT_FALSE(f.state.check_acks_all(Offset(4), Offset(5)).done);
  f.state.on_follower_fetch(b2, Offset(5), Offset(5), 1);
  const AckCheck check = f.state.check_acks_all(Offset(4), Offset(5));
  EXPECT_TRUE(check.done);
  EXPECT_EQ(check.error, ErrorCode::kNone);
}

TEST(LeaderReplicaState, AnIsrThatShrinksBelowMinInsyncAfterAppendAnswersAfterAppendError) {
  Fixture f(2);
  f.lead(LeaderEpoch(1), Offset(0), Offset(5), Offset(0), {b1, b2});
  f.state.on_follower_fetch(b2, Offset(5), Offset(5), 1);  // HW 5
  f.state.on_leader_append(Offset(8));
  f.state.begin_alter({b1});
  f.state.complete_alter({b1}, Offset(8));
  // The HW stays at 5 (KAFKA-15583) and records at 5..7 are not acknowledged...
  EXPECT_EQ(f.state.high_watermark(), Offset(5));
  EXPECT_FALSE(f.state.check_acks_all(Offset(7), Offset(8)).done);
  // ...while a request whose records were already below the HW learns the ISR shrank.
  EXPECT_EQ(f.state.check_acks_all(Offset(4), Offset(8)).error,
            ErrorCode::kNotEnoughReplicasAfterAppend);
}

// The runner's seed 16: the old leader acknowledged offset 241 (its HW 242) and crashed
// before its follower learned HW 242 (KAFKA-9952: a HW change alone does not answer a
// follower's long poll); fenced, it left the ISR and the follower was elected alone with
// HW 241. Kafka (KAFKA-15583) does not advance the HW while the ISR is below
// min.insync.replicas, so the acknowledged record stays invisible — not lost: every replica
// holds it — until a replica rejoins the ISR.
TEST(LeaderReplicaState, ALeaderElectedBelowMinInsyncKeepsTheHighWatermarkItHadAsAFollower) {
  Fixture f(2);
  f.lead(LeaderEpoch(2), Offset(242), Offset(242), Offset(241), {b1});
  EXPECT_EQ(f.state.high_watermark(), Offset(241));
  f.state.on_follower_fetch(b3, Offset(242), Offset(242), 1);
  EXPECT_EQ(f.state.high_watermark(), Offset(241));  // b3 is not in the ISR yet
  ASSERT_TRUE(f.state.may_join_isr(b3, true));
  f.state.begin_alter({b1, b3});
  f.state.complete_alter({b1, b3}, Offset(242));
  EXPECT_EQ(f.state.high_watermark(), Offset(242));
}

TEST(LeaderReplicaState, WithTheAcksAllBugTheLeadersAppendAloneAcknowledges) {
  Fixture f(2);
  f.bugs.enable(Bug::kAcksAllOnLeaderAppend);
  f.lead(LeaderEpoch(1), Offset(0), Offset(5), Offset(0), {b1, b2});
  EXPECT_TRUE(f.state.check_acks_all(Offset(4), Offset(5)).done);
  EXPECT_EQ(f.state.high_watermark(), Offset(0));
}

TEST(Bugs, EveryBugHasAUniqueSwitchName) {
  for (const BugInfo& info : all_bugs()) {
    ASSERT_NE(find_bug(info.name), nullptr);
    EXPECT_EQ(find_bug(info.name)->bug, info.bug);
  }
  EXPECT_EQ(find_bug("no-such-bug"), nullptr);
}

}  // namespace
}  // namespace samsa::cluster
