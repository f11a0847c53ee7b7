// AlterPartition at the controller (KIP-497): each validation error, KIP-841's refusal of
// ineligible ISR members, and the accepted change with its new state.
#include <gtest/gtest.h>

#include "tests/cluster/controller/controller_testing.h"

namespace samsa::cluster::controller::testing {
namespace {

const TopicPartition kTp = tp("t", 0);

// Three brokers, t-0 on all three (led by its first replica).
struct AlterPartition : ::testing::Test {
  ControllerRig rig{3};
  AlterPartition() { rig.create_topic("t", 1, 3); }
  const PartitionState& state() const { return rig.state(kTp); }
  BrokerId follower(std::size_t i) const { return state().replicas.at(i); }
  ErrorCode alter(const AlterPartitionRequest& request) { return rig.alter(request).error; }
};

TEST_F(AlterPartition, AnAcceptedShrinkWritesAPartitionChangeAndAnswersTheNewState) {
  const PartitionState before = state();
  const auto response = rig.alter(rig.alter_request(kTp, {before.leader, follower(1)}));
  ASSERT_EQ(response.error, ErrorCode::kNone);
  ASSERT_EQ(rig.last_records().size(), 1u);
  EXPECT_EQ(rig.last_records()[0],
            MetadataRecord(PartitionChangeRecord{
                kTp, std::vector<BrokerId>{before.leader, follower(1)}, std::nullopt}));
  ASSERT_TRUE(response.state);
  EXPECT_EQ(*response.state, state());
  EXPECT_EQ(state().partition_epoch, before.partition_epoch + 1);
  EXPECT_EQ(state().leader_epoch, before.leader_epoch);
}

TEST_F(AlterPartition, AnEligibleBrokerMayRejoinTheIsr) {
  const BrokerId leader = state().leader;
  ASSERT_EQ(alter(rig.alter_request(kTp, {leader})), ErrorCode::kNone);
  EXPECT_EQ(alter(rig.alter_request(kTp, {leader, follower(2)})), ErrorCode::kNone);
  EXPECT_EQ(state().isr, (std::vector<BrokerId>{leader, follower(2)}));
}

TEST_F(AlterPartition, AnUnchangedIsrIsAcceptedWithoutARecord) {
  const auto response = rig.alter(rig.alter_request(kTp, state().isr));
  EXPECT_EQ(response.error, ErrorCode::kNone);
  EXPECT_TRUE(rig.last_records().empty());
  EXPECT_EQ(*response.state, state());
}

TEST_F(AlterPartition, AnUnknownPartitionIsUnknownTopicOrPartition) {
  AlterPartitionRequest request = rig.alter_request(kTp, state().isr);
  request.tp = tp("t", 1);
  EXPECT_EQ(alter(request), ErrorCode::kUnknownTopicOrPartition);
}

TEST_F(AlterPartition, AStaleOrUnknownBrokerEpochIsStaleBrokerEpoch) {
  AlterPartitionRequest request = rig.alter_request(kTp, state().isr);
  request.broker_epoch = request.broker_epoch - 1;
  EXPECT_EQ(alter(request), ErrorCode::kStaleBrokerEpoch);
  request.broker_id = kB4;
  EXPECT_EQ(alter(request), ErrorCode::kStaleBrokerEpoch);
}

TEST_F(AlterPartition, ARequestFromABrokerThatIsNotTheLeaderIsFencedLeaderEpoch) {
  AlterPartitionRequest request = rig.alter_request(kTp, state().isr);
  request.broker_id = follower(1);
  request.broker_epoch = rig.broker(follower(1)).epoch;
  EXPECT_EQ(alter(request), ErrorCode::kFencedLeaderEpoch);
}

TEST_F(AlterPartition, AStaleLeaderEpochIsFencedLeaderEpoch) {
  AlterPartitionRequest request = rig.alter_request(kTp, state().isr);
  request.leader_epoch = LeaderEpoch(request.leader_epoch.value() + 1);
  EXPECT_EQ(alter(request), ErrorCode::kFencedLeaderEpoch);
}

TEST_F(AlterPartition, AStalePartitionEpochIsInvalidUpdateVersion) {
  const AlterPartitionRequest stale = rig.alter_request(kTp, {state().leader, follower(1)});
  ASSERT_EQ(alter(rig.alter_request(kTp, {state().leader, follower(2)})), ErrorCode::kNone);
  EXPECT_EQ(alter(stale), ErrorCode::kInvalidUpdateVersion);
}

TEST_F(AlterPartition, AnIsrOutsideTheReplicasOrWithoutTheLeaderIsInvalidRequest) {
  rig.start_broker(kB4);
  EXPECT_EQ(alter(rig.alter_request(kTp, {state().leader, kB4})), ErrorCode::kInvalidRequest);
  EXPECT_EQ(alter(rig.alter_request(kTp, {follower(1), follower(2)})), ErrorCode::kInvalidRequest);
  EXPECT_EQ(alter(rig.alter_request(kTp, {})), ErrorCode::kInvalidRequest);
  EXPECT_EQ(alter(rig.alter_request(kTp, {state().leader, state().leader})),
            ErrorCode::kInvalidRequest);
}

// KIP-841: the follower left the ISR, then was fenced; the leader must not bring it back.
TEST_F(AlterPartition, AFencedBrokerCannotJoinTheIsr) {
  const BrokerId leader = state().leader;
  ASSERT_EQ(alter(rig.alter_request(kTp, {leader, follower(1)})), ErrorCode::kNone);
  rig.expire(follower(2));
  ASSERT_TRUE(rig.broker(follower(2)).fenced);
  EXPECT_EQ(alter(rig.alter_request(kTp, {leader, follower(1), follower(2)})),
            ErrorCode::kIneligibleReplica);
}

TEST_F(AlterPartition, ABrokerInControlledShutdownCannotJoinTheIsr) {
  const BrokerId leader = state().leader;
  const BrokerId leaving = follower(2);
  rig.heartbeat(
      leaving,
      {.offset = std::nullopt, .want_fence = false, .want_shutdown = true, .epoch = std::nullopt});
  ASSERT_EQ(state().isr, (std::vector<BrokerId>{leader, follower(1)}));
  EXPECT_EQ(alter(rig.alter_request(kTp, {leader, follower(1), leaving})),
            ErrorCode::kIneligibleReplica);
}

TEST(AlterPartitionBug, TheFencedBrokerJoinsIsrBugAcceptsAFencedBrokerAndValidateFlagsIt) {
  ControllerConfig config;
  config.bugs.enable(Bug::kFencedBrokerJoinsIsr);
  ControllerRig rig(3, config);
  rig.create_topic("t", 1, 3);
  const PartitionState& p = rig.state(kTp);
  const BrokerId leader = p.leader;
  const BrokerId a = p.replicas[1];
  const BrokerId b = p.replicas[2];
  ASSERT_EQ(rig.alter(rig.alter_request(kTp, {leader, a})).error, ErrorCode::kNone);
  rig.expire(b);
  EXPECT_EQ(rig.alter(rig.alter_request(kTp, {leader, a, b})).error, ErrorCode::kNone);
  EXPECT_EQ(rig.image().validate().value_or("valid"),
            fmt::format("t-0: ISR member {} is fenced or in controlled shutdown", b));
}

}  // namespace
}  // namespace samsa::cluster::controller::testing
