// MetadataImage::validate: each numbered invariant of cluster/metadata/metadata.h is
// reported when broken, and KRaft's leaderless last-ISR-member state is accepted.
#include <gtest/gtest.h>

#include "sim/assert.h"
#include "tests/cluster/controller/controller_testing.h"

namespace samsa::cluster::controller::testing {
namespace {

ImageBuilder three_brokers() {
  return std::move(ImageBuilder().broker(1).broker(2).broker(3).topic("t"));
}

std::string violation_of(ImageBuilder builder) {
  return builder.image().validate().value_or("valid");
}

TEST(MetadataImage, AHealthyPartitionIsValid) {
  EXPECT_EQ(violation_of(three_brokers().partition(tp("t", 0), ids({1, 2, 3}), ids({1, 2}), kB1)),
            "valid");
}

TEST(MetadataImage, ALeaderOutsideTheIsrIsFlagged) {
  EXPECT_EQ(violation_of(three_brokers().partition(tp("t", 0), ids({1, 2, 3}), ids({1, 2}), kB3)),
            "t-0: leader 3 is not in the ISR");
}

TEST(MetadataImage, AnIsrMemberThatIsNotAReplicaIsFlagged) {
  EXPECT_EQ(violation_of(three_brokers().partition(tp("t", 0), ids({1, 2}), ids({1, 3}), kB1)),
            "t-0: ISR member 3 is not a replica");
}

TEST(MetadataImage, AnEmptyIsrIsFlagged) {
  EXPECT_EQ(violation_of(three_brokers().partition(tp("t", 0), ids({1, 2}), ids({}), kNoLeader)),
            "t-0: the ISR is empty or repeats a broker");
}

TEST(MetadataImage, RepeatedOrUnregisteredReplicasAreFlagged) {
  EXPECT_EQ(violation_of(three_brokers().partition(tp("t", 0), ids({1, 1}), ids({1}), kB1)),
            "t-0: the replicas are empty or repeat a broker");
  EXPECT_EQ(violation_of(three_brokers().partition(tp("t", 0), ids({1, 9}), ids({1}), kB1)),
            "t-0: replica 9 is not registered");
}

TEST(MetadataImage, AFencedLeaderIsFlagged) {
  ImageBuilder builder = ImageBuilder().broker(1, /*fenced=*/true).broker(2).topic("t");
  builder.partition(tp("t", 0), ids({1, 2}), ids({1, 2}), kB1);
  EXPECT_EQ(violation_of(std::move(builder)), "t-0: leader 1 is fenced or not registered");
}

TEST(MetadataImage, ALeaderInControlledShutdownIsFlagged) {
  // The controller moves leaderships away before it writes in_controlled_shutdown.
  ImageBuilder builder =
      ImageBuilder().broker(1, /*fenced=*/false, /*in_controlled_shutdown=*/true).topic("t");
  builder.partition(tp("t", 0), ids({1}), ids({1}), kB1);
  EXPECT_EQ(violation_of(std::move(builder)),
            "t-0: ISR member 1 is fenced or in controlled shutdown");
}

TEST(MetadataImage, AShuttingDownBrokerMayStayAsTheSoleIsrMemberOfALeaderlessPartition) {
  ImageBuilder builder =
      ImageBuilder().broker(1, /*fenced=*/false, /*in_controlled_shutdown=*/true).topic("t");
  builder.partition(tp("t", 0), ids({1}), ids({1}), kNoLeader);
  EXPECT_EQ(violation_of(std::move(builder)), "valid");
}

TEST(MetadataImage, AFencedBrokerMayStayAsTheSoleIsrMemberOfALeaderlessPartition) {
  ImageBuilder builder = ImageBuilder().broker(1, /*fenced=*/true).broker(2).topic("t");
  builder.partition(tp("t", 0), ids({1, 2}), ids({1}), kNoLeader);
  EXPECT_EQ(violation_of(std::move(builder)), "valid");
}

TEST(MetadataImage, AFencedBrokerInTheIsrOfALedPartitionIsFlagged) {
  ImageBuilder builder = ImageBuilder().broker(1).broker(2, /*fenced=*/true).topic("t");
  builder.partition(tp("t", 0), ids({1, 2}), ids({1, 2}), kB1);
  EXPECT_EQ(violation_of(std::move(builder)),
            "t-0: ISR member 2 is fenced or in controlled shutdown");
}

TEST(MetadataImage, AFencedBrokerBesideOthersInALeaderlessIsrIsFlagged) {
  ImageBuilder builder =
      ImageBuilder().broker(1, /*fenced=*/true).broker(2, /*fenced=*/true).topic("t");
  builder.partition(tp("t", 0), ids({1, 2}), ids({1, 2}), kNoLeader);
  EXPECT_EQ(violation_of(std::move(builder)),
            "t-0: ISR member 1 is fenced or in controlled shutdown");
}

TEST(MetadataImage, APartitionWithoutItsTopicIsFlagged) {
  MetadataImage image = ImageBuilder().broker(1).image();
  PartitionState orphan{tp("nope", 0), ids({1}), ids({1}), kB1, LeaderEpoch(0), PartitionEpoch(0)};
  ASSERT_TRUE(image.apply(MetadataDelta{image.version() + 1, {orphan}, {}}));
  EXPECT_EQ(image.validate().value_or("valid"), "nope-0: its topic has no entry");
}

TEST(MetadataImage, ApplyRefusesAnOldVersionAndAssertsOnEpochsMovingBack) {
  MetadataImage image = three_brokers().partition(tp("t", 0), ids({1}), ids({1}), kB1).image();
  PartitionState p = *image.partition(tp("t", 0));
  EXPECT_FALSE(image.apply(MetadataDelta{image.version(), {p}, {}}));
  p.leader_epoch = LeaderEpoch(-1);
  EXPECT_THROW(image.apply(MetadataDelta{image.version() + 1, {p}, {}}), sim::InvariantViolation);
  BrokerRegistration b = *image.broker(kB2);
  b.epoch = BrokerEpoch(0);
  EXPECT_THROW(image.apply(MetadataDelta{image.version() + 1, {}, {b}}), sim::InvariantViolation);
}

TEST(MetadataImage, EligibilityNeedsRegisteredUnfencedAndNotShuttingDown) {
  const MetadataImage image = ImageBuilder()
                                  .broker(1)
                                  .broker(2, /*fenced=*/true)
                                  .broker(3, /*fenced=*/false, /*in_controlled_shutdown=*/true)
                                  .image();
  EXPECT_TRUE(image.is_eligible(kB1));
  EXPECT_FALSE(image.is_eligible(kB2));
  EXPECT_FALSE(image.is_eligible(kB3));
  EXPECT_FALSE(image.is_eligible(kB4));
}

}  // namespace
}  // namespace samsa::cluster::controller::testing
