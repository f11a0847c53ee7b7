// The clients' metadata cache (cluster/client/producer_metadata.h): leader epochs never go
// back, and a partition is leaderless while metadata is older than an epoch seen elsewhere
// (KIP-320's last seen epoch).
#include "cluster/client/producer_metadata.h"

#include <gtest/gtest.h>

namespace samsa::cluster {
namespace {

const TopicPartition kTp{"orders", PartitionIndex(0)};

MetadataResponse leader_in_epoch(std::int32_t broker, std::int32_t epoch) {
  MetadataResponse response;
  BrokerRegistration registration;
  registration.id = BrokerId(broker);
  registration.node = sim::NodeId(10 + broker);
  registration.fenced = false;
  response.brokers.push_back(registration);
  PartitionState state;
  state.tp = kTp;
  state.replicas = {BrokerId(broker)};
  state.isr = {BrokerId(broker)};
  state.leader = BrokerId(broker);
  state.leader_epoch = LeaderEpoch(epoch);
  response.partitions.push_back(state);
  return response;
}

ProducerMetadata metadata_for_orders() {
  ProducerMetadata metadata({sim::NodeId(11)}, std::chrono::seconds(5));
  metadata.add_topic("orders");
  return metadata;
}

TEST(ProducerMetadata, AnAnswerFromALaggingBrokerNeverMovesALeaderEpochBack) {
  ProducerMetadata metadata = metadata_for_orders();
  metadata.update(leader_in_epoch(2, 3), sim::kSimStart);
  metadata.update(leader_in_epoch(1, 1), sim::kSimStart);
  ASSERT_NE(metadata.partition(kTp), nullptr);
  EXPECT_EQ(metadata.partition(kTp)->leader_epoch, LeaderEpoch(3));
  EXPECT_EQ(metadata.leader_node(kTp), sim::NodeId(12));
}

TEST(ProducerMetadata, APartitionHasNoCurrentLeaderWhileMetadataIsOlderThanAnEpochSeenElsewhere) {
  ProducerMetadata metadata = metadata_for_orders();
  metadata.update(leader_in_epoch(3, 0), sim::kSimStart);
  EXPECT_FALSE(metadata.needs_update(sim::kSimStart));
  metadata.update_last_seen_epoch_if_newer(kTp, LeaderEpoch(2));  // a committed offset's
  EXPECT_EQ(metadata.partition(kTp), nullptr);
  EXPECT_EQ(metadata.leader_node(kTp), std::nullopt);
  EXPECT_TRUE(metadata.needs_update(sim::kSimStart));
  metadata.update(leader_in_epoch(3, 0), sim::kSimStart);  // the stale broker again
  EXPECT_EQ(metadata.partition(kTp), nullptr);
  metadata.update(leader_in_epoch(1, 2), sim::kSimStart);  // caught up
  ASSERT_NE(metadata.partition(kTp), nullptr);
  EXPECT_EQ(metadata.leader_node(kTp), sim::NodeId(11));
  metadata.update_last_seen_epoch_if_newer(kTp, LeaderEpoch(1));  // older: no change
  EXPECT_NE(metadata.partition(kTp), nullptr);
}

}  // namespace
}  // namespace samsa::cluster
