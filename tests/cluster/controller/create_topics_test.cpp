// CreateTopics at the controller: validation errors with Kafka's codes, and the records of
// a created topic (leaders spread round robin, ISR = replicas, epochs 0).
#include <gtest/gtest.h>

#include <map>

#include "tests/cluster/controller/controller_testing.h"

namespace samsa::cluster::controller::testing {
namespace {

ErrorCode create(ControllerRig& rig, const std::string& name, int partitions, int rf) {
  const CreateTopicsResponse response = rig.create_topic(name, partitions, rf);
  EXPECT_EQ(response.topics.size(), 1u);
  EXPECT_EQ(response.topics.at(0).name, name);
  return response.topics.at(0).error;
}

TEST(CreateTopics, ACreatedTopicIsATopicRecordThenOnePartitionRecordPerPartition) {
  ControllerRig rig(3);
  ASSERT_EQ(create(rig, "orders", 2, 2), ErrorCode::kNone);
  const auto& records = rig.last_records();
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0], MetadataRecord(TopicRecord{"orders", false}));
  for (int i = 0; i < 2; ++i) {
    const auto* partition = std::get_if<PartitionRecord>(&records[static_cast<std::size_t>(i) + 1]);
    ASSERT_NE(partition, nullptr);
    EXPECT_EQ(partition->tp, tp("orders", i));
    EXPECT_EQ(partition->replicas.size(), 2u);
    EXPECT_EQ(partition->isr, partition->replicas);
    EXPECT_EQ(partition->leader, partition->replicas.front());
    EXPECT_EQ(partition->leader_epoch, LeaderEpoch(0));
    EXPECT_EQ(partition->partition_epoch, PartitionEpoch(0));
  }
}

TEST(CreateTopics, TopicPlacementSpreadsLeadersRoundRobin) {
  ControllerRig rig(4);
  ASSERT_EQ(create(rig, "t", 8, 3), ErrorCode::kNone);
  std::map<BrokerId, int> leads;
  BrokerId previous = kNoLeader;
  for (const auto& entry : rig.image().partitions()) {
    const BrokerId leader = entry.second.leader;
    ++leads[leader];
    // Consecutive partitions are led by consecutive brokers (ids 1..4, wrapping).
    if (previous != kNoLeader) {
      EXPECT_EQ(leader.value(), previous.value() % 4 + 1);
    }
    previous = leader;
  }
  EXPECT_EQ(leads, (std::map<BrokerId, int>{{kB1, 2}, {kB2, 2}, {kB3, 2}, {kB4, 2}}));
}

TEST(CreateTopics, TheUncleanConfigIsKeptPerTopic) {
  ControllerRig rig(1);
  rig.create_topic("dirty", 1, 1, /*unclean=*/true);
  rig.create_topic("clean", 1, 1);
  EXPECT_TRUE(rig.image().topic("dirty")->unclean_leader_election_enable);
  EXPECT_FALSE(rig.image().topic("clean")->unclean_leader_election_enable);
}

TEST(CreateTopics, FencedAndShuttingDownBrokersGetNoReplicas) {
  ControllerRig rig(4);
  rig.expire(kB2);
  rig.heartbeat(
      kB3,
      {.offset = std::nullopt, .want_fence = false, .want_shutdown = true, .epoch = std::nullopt});
  ASSERT_EQ(create(rig, "t", 4, 2), ErrorCode::kNone);
  for (const auto& entry : rig.image().partitions()) {
    for (BrokerId r : entry.second.replicas) {
      EXPECT_TRUE(r == kB1 || r == kB4) << to_string(entry.first);
    }
  }
  EXPECT_EQ(create(rig, "u", 1, 3), ErrorCode::kInvalidReplicationFactor);
}

TEST(CreateTopics, AnExistingTopicIsTopicAlreadyExists) {
  ControllerRig rig(1);
  ASSERT_EQ(create(rig, "t", 1, 1), ErrorCode::kNone);
  EXPECT_EQ(create(rig, "t", 1, 1), ErrorCode::kTopicAlreadyExists);
  EXPECT_TRUE(rig.last_records().empty());
}

TEST(CreateTopics, AReplicationFactorAboveTheEligibleBrokersOrBelowOneIsInvalid) {
  ControllerRig rig(2);
  EXPECT_EQ(create(rig, "t", 1, 3), ErrorCode::kInvalidReplicationFactor);
  EXPECT_EQ(create(rig, "t", 1, 0), ErrorCode::kInvalidReplicationFactor);
  EXPECT_EQ(create(rig, "t", 1, -1), ErrorCode::kInvalidReplicationFactor);
  EXPECT_TRUE(rig.image().topics().empty());
}

TEST(CreateTopics, FewerThanOnePartitionIsInvalidPartitions) {
  ControllerRig rig(2);
  EXPECT_EQ(create(rig, "t", 0, 1), ErrorCode::kInvalidPartitions);
  EXPECT_EQ(create(rig, "t", -5, 1), ErrorCode::kInvalidPartitions);
}

TEST(CreateTopics, AnEmptyOrIllegalNameIsInvalidTopicException) {
  ControllerRig rig(1);
  const std::vector<std::string> illegal = {"",          ".",       "..",
                                            "has space", "slash/y", std::string(250, 'a')};
  for (const std::string& name : illegal) {
    EXPECT_EQ(create(rig, name, 1, 1), ErrorCode::kInvalidTopicException) << name;
  }
  EXPECT_EQ(create(rig, std::string(249, 'a'), 1, 1), ErrorCode::kNone);
  EXPECT_EQ(create(rig, "Ok._-9", 1, 1), ErrorCode::kNone);
}

TEST(CreateTopics, EachTopicOfARequestIsAnsweredInOrderAndANameListedTwiceIsInvalid) {
  ControllerRig rig(2);
  CreateTopicsRequest request;
  request.topics = {CreatableTopic{"a", 1, 1, false}, CreatableTopic{"b", 1, 9, false},
                    CreatableTopic{"c", 2, 2, false}, CreatableTopic{"a", 1, 1, false}};
  const CreateTopicsResponse response = rig.create_topics(request);
  ASSERT_EQ(response.topics.size(), 4u);
  EXPECT_EQ(response.topics[0].error, ErrorCode::kInvalidRequest);
  EXPECT_EQ(response.topics[1].error, ErrorCode::kInvalidReplicationFactor);
  EXPECT_EQ(response.topics[2].name, "c");
  EXPECT_EQ(response.topics[2].error, ErrorCode::kNone);
  EXPECT_EQ(response.topics[3].error, ErrorCode::kInvalidRequest);
  EXPECT_EQ(rig.image().topics().size(), 1u);
}

TEST(CreateTopics, NoEligibleBrokerMeansInvalidReplicationFactor) {
  ControllerRig rig(0);
  EXPECT_EQ(create(rig, "t", 1, 1), ErrorCode::kInvalidReplicationFactor);
}

}  // namespace
}  // namespace samsa::cluster::controller::testing
