// GroupMetadataManager, the coordinator's storage side: Kafka's mapping of append errors,
// the epoch rules of elections and resignations, what a load caches and when it caches
// nothing, and writes refused for a partition this coordinator does not serve.
#include "cluster/group/group_metadata_manager.h"

#include <gtest/gtest.h>

#include "group_coordinator_testing.h"

namespace samsa::cluster::testing {
namespace {

const PartitionIndex kPartition{0};

class ManagerTest : public ::testing::Test {
 protected:
  ManagerTest() {
    sim_.start(node_, [] {});
  }

  // A record of group `group_id` in the offsets topic, appended as the leader of epoch 1.
  void write_group(const std::string& group_id, std::int32_t generation) {
    GroupMetadataValue value;
    value.protocol_type = "consumer";
    value.generation = generation;
    log_.lead(kPartition, LeaderEpoch(1));
    ASSERT_EQ(
        log_.append(kPartition, LeaderEpoch(1),
                    {make_offsets_record(OffsetsRecord{GroupMetadataKey{group_id}, value}, 0)}, 1s),
        ErrorCode::kNone);
  }

  InMemoryOffsetsLog log_;
  sim::Simulation sim_{
      sim::SimulationConfig{.seed = 1, .network = {}, .disk = {}, .buggify = {}, .trace_path = {}}};
  sim::NodeId node_ = sim_.add_node("broker");
  GroupMetadataManager manager_{sim::NodeEnv(sim_, node_), test_config(), log_};
};

TEST(MapAppendError, FollowsKafkasTablesForGroupRecordsAndOffsetCommits) {
  using K = OffsetsAppendKind;
  for (K kind : {K::kGroupMetadata, K::kOffsetCommit}) {
    EXPECT_EQ(map_append_error(ErrorCode::kNone, kind), ErrorCode::kNone);
    EXPECT_EQ(map_append_error(ErrorCode::kNotLeaderOrFollower, kind), ErrorCode::kNotCoordinator);
    EXPECT_EQ(map_append_error(ErrorCode::kKafkaStorageError, kind), ErrorCode::kNotCoordinator);
    EXPECT_EQ(map_append_error(ErrorCode::kNotCoordinator, kind), ErrorCode::kNotCoordinator);
    EXPECT_EQ(map_append_error(ErrorCode::kNotEnoughReplicas, kind),
              ErrorCode::kCoordinatorNotAvailable);
    EXPECT_EQ(map_append_error(ErrorCode::kNotEnoughReplicasAfterAppend, kind),
              ErrorCode::kCoordinatorNotAvailable);
    EXPECT_EQ(map_append_error(ErrorCode::kUnknownTopicOrPartition, kind),
              ErrorCode::kCoordinatorNotAvailable);
  }
  EXPECT_EQ(map_append_error(ErrorCode::kRequestTimedOut, K::kGroupMetadata),
            ErrorCode::kCoordinatorNotAvailable);
  EXPECT_EQ(map_append_error(ErrorCode::kRequestTimedOut, K::kOffsetCommit),
            ErrorCode::kRequestTimedOut);
}

TEST_F(ManagerTest, ALoadServesThePartitionAndCachesItsGroups) {
  write_group("g", 4);
  EXPECT_EQ(manager_.partition_status("g"), ErrorCode::kNotCoordinator);
  ASSERT_TRUE(manager_.begin_loading(kPartition, LeaderEpoch(1)));
  EXPECT_EQ(manager_.partition_status("g"), ErrorCode::kCoordinatorLoadInProgress);
  const auto loaded = manager_.load(kPartition, LeaderEpoch(1));
  ASSERT_TRUE(loaded.ok());
  ASSERT_EQ(loaded.value().size(), 1u);
  EXPECT_EQ(loaded.value()[0]->generation_id(), 4);
  EXPECT_EQ(manager_.partition_status("g"), ErrorCode::kNone);
  EXPECT_EQ(manager_.get_group("g"), loaded.value()[0]);
  EXPECT_EQ(manager_.leader_epoch(kPartition), LeaderEpoch(1));
}

TEST_F(ManagerTest, OnlyNewerEpochsAreElectedAndOnlyNotOlderOnesResign) {
  write_group("g", 1);
  ASSERT_TRUE(manager_.begin_loading(kPartition, LeaderEpoch(1)));
  ASSERT_TRUE(manager_.load(kPartition, LeaderEpoch(1)).ok());
  EXPECT_FALSE(manager_.remove_groups_for_partition(kPartition, LeaderEpoch(0)).has_value());
  EXPECT_NE(manager_.get_group("g"), nullptr);
  const auto removed = manager_.remove_groups_for_partition(kPartition, LeaderEpoch(1));
  ASSERT_TRUE(removed.has_value());
  EXPECT_EQ(removed->size(), 1u);
  EXPECT_EQ(manager_.get_group("g"), nullptr);
  EXPECT_EQ(manager_.partition_status("g"), ErrorCode::kNotCoordinator);
  EXPECT_FALSE(manager_.begin_loading(kPartition, LeaderEpoch(1)));
  EXPECT_TRUE(manager_.begin_loading(kPartition, LeaderEpoch(2)));
}

TEST_F(ManagerTest, ALoadWhoseLeadershipMovedOnCachesNothing) {
  write_group("g", 1);
  ASSERT_TRUE(manager_.begin_loading(kPartition, LeaderEpoch(1)));
  manager_.remove_groups_for_partition(kPartition, LeaderEpoch(1));
  const auto loaded = manager_.load(kPartition, LeaderEpoch(1));
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error(), ErrorCode::kNotCoordinator);
  EXPECT_EQ(manager_.get_group("g"), nullptr);
}

TEST_F(ManagerTest, AFailedReadStopsServingThePartition) {
  write_group("g", 1);
  log_.lead(kPartition, LeaderEpoch(2));  // another leader: the read is refused
  ASSERT_TRUE(manager_.begin_loading(kPartition, LeaderEpoch(1)));
  EXPECT_FALSE(manager_.load(kPartition, LeaderEpoch(1)).ok());
  EXPECT_EQ(manager_.partition_status("g"), ErrorCode::kNotCoordinator);
}

TEST_F(ManagerTest, WritesForAPartitionNotServedAreNotCoordinator) {
  GroupMetadata group("g", 0);
  EXPECT_EQ(manager_.store_group(group, {}), ErrorCode::kNotCoordinator);
  const auto results = manager_.store_offsets(
      std::make_shared<GroupMetadata>("g", 0),
      {OffsetCommitPartition{{"t", PartitionIndex(0)}, Offset(1), kNoLeaderEpoch, ""}});
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].error, ErrorCode::kNotCoordinator);
  EXPECT_EQ(log_.appends(), 0);
}

}  // namespace
}  // namespace samsa::cluster::testing
