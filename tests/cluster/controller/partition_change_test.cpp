// PartitionChangeBuilder: a record only when something changes, the leader field only on a
// leader change, and an ISR that never becomes empty.
#include "cluster/controller/partition_change.h"

#include <gtest/gtest.h>

#include "tests/cluster/controller/controller_testing.h"

namespace samsa::cluster::controller::testing {
namespace {

const MetadataImage kImage = ImageBuilder().broker(1).broker(2).broker(3).image();
const Bugs kNoBugs;

PartitionState partition(std::vector<BrokerId> isr, BrokerId leader) {
  return PartitionState{tp("t", 0), ids({1, 2, 3}), std::move(isr),
                        leader,     LeaderEpoch(1), PartitionEpoch(1)};
}

TEST(PartitionChange, NothingChangesNoRecord) {
  const BrokerEligibility eligibility(kImage);
  PartitionChangeBuilder builder(partition(ids({1, 2}), kB1), eligibility, false, kNoBugs);
  EXPECT_FALSE(builder.set_target_isr(ids({1, 2})).build());
  EXPECT_EQ(builder.election().kind, ElectionKind::kKept);
}

TEST(PartitionChange, AnIsrChangeAloneCarriesNoLeaderField) {
  const BrokerEligibility eligibility(kImage);
  PartitionChangeBuilder builder(partition(ids({1, 2}), kB1), eligibility, false, kNoBugs);
  const auto record = builder.set_target_isr(ids({1, 2, 3})).build();
  ASSERT_TRUE(record);
  EXPECT_EQ(record->isr, ids({1, 2, 3}));
  EXPECT_FALSE(record->leader);
}

TEST(PartitionChange, RemovingTheLeaderElectsTheNextIsrReplica) {
  const BrokerEligibility without_1(kImage, kB1);
  PartitionChangeBuilder builder(partition(ids({1, 2, 3}), kB1), without_1, false, kNoBugs);
  const auto record = builder.remove_from_isr(kB1).build();
  ASSERT_TRUE(record);
  EXPECT_EQ(record->isr, ids({2, 3}));
  EXPECT_EQ(record->leader, kB2);
}

TEST(PartitionChange, TheLastIsrMemberStaysAndThePartitionBecomesLeaderless) {
  const BrokerEligibility without_1(kImage, kB1);
  PartitionChangeBuilder builder(partition(ids({1}), kB1), without_1, false, kNoBugs);
  const auto record = builder.remove_from_isr(kB1).build();
  ASSERT_TRUE(record);
  EXPECT_FALSE(record->isr);  // the ISR stays {1}
  EXPECT_EQ(record->leader, kNoLeader);
}

TEST(PartitionChange, RemovingTheLastMemberWithUncleanElectionMovesTheIsrToTheNewLeader) {
  const BrokerEligibility without_1(kImage, kB1);
  PartitionChangeBuilder builder(partition(ids({1}), kB1), without_1, true, kNoBugs);
  const auto record = builder.remove_from_isr(kB1).build();
  ASSERT_TRUE(record);
  EXPECT_EQ(record->isr, ids({2}));
  EXPECT_EQ(record->leader, kB2);
  EXPECT_TRUE(builder.election().unclean());
}

TEST(PartitionChange, AnElectionForALeaderlessPartitionWritesOnlyTheLeader) {
  const BrokerEligibility eligibility(kImage);
  PartitionChangeBuilder builder(partition(ids({2}), kNoLeader), eligibility, false, kNoBugs);
  const auto record = builder.build();
  ASSERT_TRUE(record);
  EXPECT_FALSE(record->isr);
  EXPECT_EQ(record->leader, kB2);
}

TEST(PartitionChange, AnUnchangedLeaderlessPartitionWritesNothing) {
  const MetadataImage fenced =
      ImageBuilder().broker(1, /*fenced=*/true).broker(2).broker(3).image();
  const BrokerEligibility eligibility(fenced);
  PartitionChangeBuilder builder(partition(ids({1}), kNoLeader), eligibility, false, kNoBugs);
  EXPECT_FALSE(builder.build());
}

}  // namespace
}  // namespace samsa::cluster::controller::testing
