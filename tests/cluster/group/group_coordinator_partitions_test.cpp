// The group coordinator as the leader of offsets-topic partitions: what resigning does to
// waiting and later requests, elections for older epochs, requests while a partition
// loads, and routing of groups to the partitions this broker leads.
#include <gtest/gtest.h>

#include "cluster/group/group_coordinator.h"
#include "group_coordinator_testing.h"

namespace samsa::cluster::testing {
namespace {

const std::string kGroup = "g";

TEST(GroupCoordinatorPartitions,
     RequestsForAResignedPartitionGetNotCoordinatorAndAWaitingJoinIsAnswered) {
  CoordinatorRig rig;
  rig.elect();
  auto waiting = rig.join_new(kGroup);
  rig.run(100ms);
  ASSERT_FALSE(waiting.done());
  rig.coordinator().on_resigned(PartitionIndex(0), LeaderEpoch(1));
  rig.run(1ms);
  ASSERT_TRUE(waiting.done());
  EXPECT_EQ(waiting.get().error, ErrorCode::kNotCoordinator);
  EXPECT_EQ(rig.group(kGroup), nullptr);

  const JoinGroupResponse join = rig.call(
      [](GroupCoordinator& c) { return c.join_group(join_request(kGroup, ""), "client"); });
  EXPECT_EQ(join.error, ErrorCode::kNotCoordinator);
  EXPECT_EQ(rig.heartbeat(kGroup, "m", 1).error, ErrorCode::kNotCoordinator);
  EXPECT_EQ(rig.leave(kGroup, {LeavingMember{"m", std::nullopt}}).error,
            ErrorCode::kNotCoordinator);
  EXPECT_EQ(rig.commit(kGroup, "m", 1, {"t", PartitionIndex(0)}, Offset(1)).partitions[0].error,
            ErrorCode::kNotCoordinator);
  EXPECT_EQ(rig.fetch(kGroup).error, ErrorCode::kNotCoordinator);
}

TEST(GroupCoordinatorPartitions, AWaitingSyncGroupIsAnsweredNotCoordinatorOnResignation) {
  CoordinatorRig rig;
  rig.elect();
  auto a = rig.join_new(kGroup);
  auto b = rig.join_new(kGroup);
  rig.run(rig.first_rebalance_time());
  const Joined first = joined_from(a.get());
  const Joined second = joined_from(b.get());
  const Joined& follower = first.is_leader() ? second : first;
  auto sync = rig.sync(kGroup, follower);
  rig.run(10ms);
  ASSERT_FALSE(sync.done()) << "it waits for the leader's assignment";
  rig.coordinator().on_resigned(PartitionIndex(0), LeaderEpoch(1));
  rig.run(1ms);
  ASSERT_TRUE(sync.done());
  EXPECT_EQ(sync.get().error, ErrorCode::kNotCoordinator);
}

TEST(GroupCoordinatorPartitions, ElectionsAndResignationsForAnOlderEpochAreIgnored) {
  CoordinatorRig rig;
  rig.elect(PartitionIndex(0), LeaderEpoch(2));
  rig.form_group(kGroup, 1);
  rig.coordinator().on_resigned(PartitionIndex(0), LeaderEpoch(1));
  rig.coordinator().on_elected(PartitionIndex(0), LeaderEpoch(1));
  rig.run(1ms);
  ASSERT_NE(rig.group(kGroup), nullptr);
  EXPECT_EQ(rig.group(kGroup)->state(), GroupState::kStable);
}

TEST(GroupCoordinatorPartitions, WhileLoadingRequestsAreAnsweredAsKafkaAnswersThem) {
  CoordinatorRig rig;
  rig.log().set_read_delay(1s);
  rig.log().lead(PartitionIndex(0), LeaderEpoch(1));
  rig.coordinator().on_elected(PartitionIndex(0), LeaderEpoch(1));
  rig.run(1ms);
  const JoinGroupResponse join = rig.call(
      [](GroupCoordinator& c) { return c.join_group(join_request(kGroup, ""), "client"); });
  EXPECT_EQ(join.error, ErrorCode::kCoordinatorLoadInProgress);
  EXPECT_EQ(rig.fetch(kGroup).error, ErrorCode::kCoordinatorLoadInProgress);
  EXPECT_EQ(rig.commit(kGroup, "", kNoGeneration, {"t", PartitionIndex(0)}, Offset(1))
                .partitions[0]
                .error,
            ErrorCode::kCoordinatorLoadInProgress);
  // Kafka answers a heartbeat blindly and sends a syncing member back to JoinGroup.
  EXPECT_EQ(rig.heartbeat(kGroup, "m", 1).error, ErrorCode::kNone);
  auto sync = rig.sync(kGroup, Joined{"m", 1, "m", {}});
  rig.run(1ms);
  EXPECT_EQ(sync.get().error, ErrorCode::kRebalanceInProgress);
  rig.run(1s);
  EXPECT_EQ(rig.fetch(kGroup).error, ErrorCode::kNone);
}

TEST(GroupCoordinatorPartitions, AGroupOfAPartitionThisBrokerDoesNotLeadIsNotCoordinator) {
  GroupCoordinatorConfig config = test_config();
  config.offsets_topic_num_partitions = 3;
  CoordinatorRig rig(config);
  const std::string led = "hello";
  const std::string elsewhere = "my-group";
  ASSERT_NE(partition_for_group(led, 3), partition_for_group(elsewhere, 3));
  rig.elect(partition_for_group(led, 3), LeaderEpoch(1));
  const JoinGroupResponse there = rig.call(
      [&](GroupCoordinator& c) { return c.join_group(join_request(elsewhere, ""), "client"); });
  EXPECT_EQ(there.error, ErrorCode::kNotCoordinator);
  const JoinGroupResponse here =
      rig.call([&](GroupCoordinator& c) { return c.join_group(join_request(led, ""), "client"); });
  EXPECT_EQ(here.error, ErrorCode::kMemberIdRequired);
}

}  // namespace
}  // namespace samsa::cluster::testing
