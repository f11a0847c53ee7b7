// Replaying records into the image: each record's delta, epochs bumped as KRaft does,
// contradictions as invariant violations, and snapshots that rebuild the image.
#include "cluster/controller/metadata_replay.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "sim/assert.h"
#include "tests/cluster/controller/controller_testing.h"

namespace samsa::cluster::controller::testing {
namespace {

MetadataImage one_partition() {
  return ImageBuilder()
      .broker(1)
      .broker(2)
      .broker(3)
      .topic("t")
      .partition(tp("t", 0), ids({1, 2, 3}), ids({1, 2, 3}), kB1)
      .image();
}

TEST(MetadataReplay, ARegisterBrokerRecordRegistersAFencedBrokerAtItsOffset) {
  MetadataImage image;
  const MetadataDelta delta =
      replay(image, RegisterBrokerRecord{kB2, sim::NodeId(5), BrokerEpoch(7), 99}, 4);
  EXPECT_EQ(delta.version, 4);
  ASSERT_EQ(delta.brokers.size(), 1u);
  EXPECT_TRUE(delta.partitions.empty());
  EXPECT_TRUE(delta.topics.empty());
  const BrokerRegistration& b = delta.brokers[0];
  EXPECT_EQ(b.id, kB2);
  EXPECT_EQ(b.node, sim::NodeId(5));
  EXPECT_EQ(b.epoch, BrokerEpoch(7));
  EXPECT_TRUE(b.fenced);
  EXPECT_FALSE(b.in_controlled_shutdown);
  EXPECT_EQ(b.registration_offset, 3);
  EXPECT_EQ(b.incarnation, 99u);
  ASSERT_TRUE(image.apply(delta));
  EXPECT_EQ(image.last_broker_epoch(), BrokerEpoch(7));
}

TEST(MetadataReplay, ABrokerRegistrationChangeSetsOnlyItsPresentFields) {
  MetadataImage image = ImageBuilder().broker(1, /*fenced=*/true).image();
  replay_into(image, BrokerRegistrationChangeRecord{kB1, BrokerEpoch(1), std::nullopt, true},
              image.version() + 1);
  EXPECT_TRUE(image.broker(kB1)->fenced);
  EXPECT_TRUE(image.broker(kB1)->in_controlled_shutdown);
  replay_into(image, BrokerRegistrationChangeRecord{kB1, BrokerEpoch(1), false, std::nullopt},
              image.version() + 1);
  EXPECT_FALSE(image.broker(kB1)->fenced);
  EXPECT_TRUE(image.broker(kB1)->in_controlled_shutdown);
}

TEST(MetadataReplay, APartitionChangeWithALeaderBumpsBothEpochs) {
  MetadataImage image = one_partition();
  replay_into(image, PartitionChangeRecord{tp("t", 0), ids({2, 3}), kB2}, image.version() + 1);
  const PartitionState& p = *image.partition(tp("t", 0));
  EXPECT_EQ(p.leader, kB2);
  EXPECT_EQ(p.isr, ids({2, 3}));
  EXPECT_EQ(p.leader_epoch, LeaderEpoch(1));
  EXPECT_EQ(p.partition_epoch, PartitionEpoch(1));
}

TEST(MetadataReplay, APartitionChangeWithoutALeaderBumpsOnlyThePartitionEpoch) {
  MetadataImage image = one_partition();
  const MetadataDelta delta = replay(
      image, PartitionChangeRecord{tp("t", 0), ids({1, 2}), std::nullopt}, image.version() + 1);
  ASSERT_EQ(delta.partitions.size(), 1u);
  EXPECT_TRUE(delta.brokers.empty());
  const PartitionState& p = delta.partitions[0];
  EXPECT_EQ(p.leader, kB1);
  EXPECT_EQ(p.isr, ids({1, 2}));
  EXPECT_EQ(p.leader_epoch, LeaderEpoch(0));
  EXPECT_EQ(p.partition_epoch, PartitionEpoch(1));
}

TEST(MetadataReplay, GoingLeaderlessBumpsTheLeaderEpoch) {
  MetadataImage image = one_partition();
  replay_into(image, PartitionChangeRecord{tp("t", 0), std::nullopt, kNoLeader},
              image.version() + 1);
  EXPECT_EQ(image.partition(tp("t", 0))->leader, kNoLeader);
  EXPECT_EQ(image.partition(tp("t", 0))->leader_epoch, LeaderEpoch(1));
}

TEST(MetadataReplay, ATopicRecordAddsTheTopicWithItsConfig) {
  MetadataImage image;
  replay_into(image, TopicRecord{"t", true}, 1);
  ASSERT_NE(image.topic("t"), nullptr);
  EXPECT_TRUE(image.topic("t")->unclean_leader_election_enable);
}

TEST(MetadataReplay, RecordsThatContradictTheImageAreInvariantViolations) {
  const MetadataImage image = one_partition();
  const std::int64_t next = image.version() + 1;
  EXPECT_THROW(replay(image, PartitionChangeRecord{tp("t", 9), ids({1}), std::nullopt}, next),
               sim::InvariantViolation);
  EXPECT_THROW(
      replay(image, BrokerRegistrationChangeRecord{kB1, BrokerEpoch(2), false, std::nullopt}, next),
      sim::InvariantViolation);
  EXPECT_THROW(replay(image, RegisterBrokerRecord{kB4, sim::NodeId(4), BrokerEpoch(3), 1}, next),
               sim::InvariantViolation);
  EXPECT_THROW(replay(image, TopicRecord{"t", false}, next), sim::InvariantViolation);
  EXPECT_THROW(replay(image,
                      PartitionRecord{tp("t", 0), ids({1}), ids({1}), kB1, LeaderEpoch(0),
                                      PartitionEpoch(0)},
                      next),
               sim::InvariantViolation);
  EXPECT_THROW(replay(image,
                      PartitionRecord{tp("u", 0), ids({1}), ids({1}), kB1, LeaderEpoch(0),
                                      PartitionEpoch(0)},
                      next),
               sim::InvariantViolation);
  EXPECT_THROW(replay(image, TopicRecord{"u", false}, image.version()), sim::InvariantViolation);
}

// A controller history with re-registrations, fencing, shutdown and unclean topics.
ControllerRig busy_cluster() {
  ControllerRig rig(4);
  rig.create_topic("a", 3, 3);
  rig.create_topic("b", 2, 2, /*unclean=*/true);
  rig.expire(kB2);
  rig.start_broker(kB3);  // a new incarnation
  rig.heartbeat(
      kB4,
      {.offset = std::nullopt, .want_fence = false, .want_shutdown = true, .epoch = std::nullopt});
  return rig;
}

TEST(MetadataReplay, SnapshotRecordsInstalledAtTheImageVersionRebuildTheImage) {
  ControllerRig rig = busy_cluster();
  const MetadataImage& image = rig.image();
  ASSERT_FALSE(image.validate());
  MetadataImage rebuilt;
  ASSERT_TRUE(rebuilt.apply(snapshot_delta(snapshot_records(image), image.version())));
  // KRaft replays a snapshot at its offset: registration offsets become version - 1.
  MetadataImage expected;
  MetadataDelta all{image.version(), {}, {}, {}};
  for (const auto& entry : image.partitions()) all.partitions.push_back(entry.second);
  for (const auto& entry : image.topics()) all.topics.push_back(entry.second);
  for (const auto& entry : image.brokers()) {
    BrokerRegistration b = entry.second;
    b.registration_offset = image.version() - 1;
    all.brokers.push_back(b);
  }
  ASSERT_TRUE(expected.apply(all));
  EXPECT_EQ(rebuilt, expected);
  EXPECT_EQ(rebuilt.last_broker_epoch(), image.last_broker_epoch());
  EXPECT_EQ(snapshot_records(rebuilt), snapshot_records(image));
}

TEST(MetadataReplay, SnapshotRecordsReplayedFromEmptyRebuildBrokersTopicsAndPartitions) {
  ControllerRig rig = busy_cluster();
  const MetadataImage& image = rig.image();
  MetadataImage rebuilt;
  for (const MetadataRecord& record : snapshot_records(image)) {
    replay_into(rebuilt, record, rebuilt.version() + 1);
  }
  EXPECT_EQ(rebuilt.partitions(), image.partitions());
  EXPECT_EQ(rebuilt.topics(), image.topics());
  ASSERT_EQ(rebuilt.brokers().size(), image.brokers().size());
  for (const auto& [id, b] : image.brokers()) {
    BrokerRegistration copy = *rebuilt.broker(id);
    copy.registration_offset = b.registration_offset;
    EXPECT_EQ(copy, b) << "broker " << id.value();
  }
}

TEST(MetadataReplay, SnapshotRecordsComeBrokersByEpochThenFlagsThenTopicsWithTheirPartitions) {
  const MetadataImage image = ImageBuilder()
                                  .broker(2)
                                  .broker(1, /*fenced=*/true)
                                  .topic("z")
                                  .topic("a")
                                  .partition(tp("z", 1), ids({2}), ids({2}), kB2)
                                  .partition(tp("a", 0), ids({2}), ids({2}), kB2)
                                  .partition(tp("z", 0), ids({2}), ids({2}), kB2)
                                  .image();
  std::vector<std::string> described;
  for (const MetadataRecord& r : snapshot_records(image)) described.push_back(describe(r));
  const std::vector<std::string> expected = {
      "RegisterBroker(broker=2 node=2 epoch=1 incarnation=2)",
      "RegisterBroker(broker=1 node=1 epoch=2 incarnation=1)",
      "BrokerRegistrationChange(broker=2 epoch=1 fenced=false)",
      "Topic(name=a unclean.leader.election.enable=false)",
      "Partition(a-0 replicas=[2] isr=[2] leader=2 leader_epoch=0 partition_epoch=0)",
      "Topic(name=z unclean.leader.election.enable=false)",
      "Partition(z-0 replicas=[2] isr=[2] leader=2 leader_epoch=0 partition_epoch=0)",
      "Partition(z-1 replicas=[2] isr=[2] leader=2 leader_epoch=0 partition_epoch=0)",
  };
  EXPECT_EQ(described, expected);
}

TEST(MetadataReplay, AnEmptyImageHasAnEmptySnapshot) {
  EXPECT_TRUE(snapshot_records(MetadataImage{}).empty());
  MetadataImage rebuilt;
  ASSERT_TRUE(rebuilt.apply(snapshot_delta({}, 5)));
  EXPECT_EQ(rebuilt.version(), 5);
  EXPECT_TRUE(rebuilt.brokers().empty());
}

}  // namespace
}  // namespace samsa::cluster::controller::testing
