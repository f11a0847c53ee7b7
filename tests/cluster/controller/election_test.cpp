// Leader election rules (KRaft's PartitionChangeBuilder.electLeader, KIP-841), and the
// kElectOutsideIsr bug.
#include "cluster/controller/election.h"

#include <gtest/gtest.h>

#include "tests/cluster/controller/controller_testing.h"

namespace samsa::cluster::controller::testing {
namespace {

PartitionState partition(std::vector<BrokerId> replicas, std::vector<BrokerId> isr,
                         BrokerId leader) {
  return PartitionState{tp("t", 0), std::move(replicas), std::move(isr),
                        leader,     LeaderEpoch(3),      PartitionEpoch(5)};
}

struct Elect {
  MetadataImage image;
  Bugs bugs;
  ElectionResult operator()(const PartitionState& p, bool unclean = false,
                            BrokerId excluded = kNoLeader) const {
    return elect_leader(p, p.isr, BrokerEligibility(image, excluded), unclean, bugs);
  }
};

// Brokers 1..4; 2 fenced, 3 in controlled shutdown.
MetadataImage mixed() {
  return ImageBuilder()
      .broker(1)
      .broker(2, /*fenced=*/true)
      .broker(3, /*fenced=*/false, /*in_controlled_shutdown=*/true)
      .broker(4)
      .image();
}

TEST(Election, KeepsAValidLeaderEvenIfNotFirstInAssignmentOrder) {
  const Elect elect{mixed(), {}};
  const ElectionResult r = elect(partition(ids({1, 4}), ids({1, 4}), kB4));
  EXPECT_EQ(r.leader, kB4);
  EXPECT_EQ(r.kind, ElectionKind::kKept);
  EXPECT_EQ(r.isr, ids({1, 4}));
}

TEST(Election, PicksTheFirstIsrReplicaInAssignmentOrderNotIsrOrder) {
  const Elect elect{ImageBuilder().broker(1).broker(2).broker(3).image(), {}};
  const ElectionResult r = elect(partition(ids({3, 1, 2}), ids({1, 2, 3}), kNoLeader));
  EXPECT_EQ(r.leader, kB3);
  EXPECT_EQ(r.kind, ElectionKind::kClean);
  EXPECT_EQ(r.isr, ids({1, 2, 3}));
}

TEST(Election, SkipsFencedAndShuttingDownBrokers) {
  const Elect elect{mixed(), {}};
  const ElectionResult r = elect(partition(ids({2, 3, 4, 1}), ids({2, 3, 4, 1}), kNoLeader));
  EXPECT_EQ(r.leader, kB4);
  EXPECT_EQ(r.kind, ElectionKind::kClean);
}

TEST(Election, ReplacesALeaderThatIsFencedOrShuttingDown) {
  const Elect elect{mixed(), {}};
  EXPECT_EQ(elect(partition(ids({3, 1}), ids({3, 1}), kB3)).leader, kB1);
  EXPECT_EQ(elect(partition(ids({2, 4}), ids({2, 4}), kB2)).leader, kB4);
}

TEST(Election, ReplacesALeaderThatLeftTheTargetIsr) {
  const Elect elect{mixed(), {}};
  PartitionState p = partition(ids({1, 4}), ids({1, 4}), kB1);
  const ElectionResult r = elect_leader(p, ids({4}), BrokerEligibility(elect.image), false, {});
  EXPECT_EQ(r.leader, kB4);
  EXPECT_EQ(r.isr, ids({4}));
}

TEST(Election, TheExcludedBrokerIsTreatedAsIneligible) {
  const Elect elect{mixed(), {}};
  const ElectionResult r = elect(partition(ids({1, 4}), ids({1, 4}), kB1), false, kB1);
  EXPECT_EQ(r.leader, kB4);
  EXPECT_EQ(r.kind, ElectionKind::kClean);
}

TEST(Election, NoEligibleIsrMemberAndNoUncleanConfigLeavesNoLeaderAndTheIsrUnchanged) {
  const Elect elect{mixed(), {}};
  const ElectionResult r = elect(partition(ids({2, 3, 4}), ids({2, 3}), kB2));
  EXPECT_EQ(r.leader, kNoLeader);
  EXPECT_EQ(r.kind, ElectionKind::kLeaderless);
  EXPECT_EQ(r.isr, ids({2, 3}));
  EXPECT_FALSE(r.unclean());
}

TEST(Election, UncleanElectionPicksTheFirstEligibleReplicaAndResetsTheIsrToIt) {
  const Elect elect{mixed(), {}};
  const ElectionResult r = elect(partition(ids({2, 3, 4, 1}), ids({2, 3}), kB2), /*unclean=*/true);
  EXPECT_EQ(r.leader, kB4);
  EXPECT_EQ(r.kind, ElectionKind::kUnclean);
  EXPECT_TRUE(r.unclean());
  EXPECT_EQ(r.isr, ids({4}));
}

TEST(Election, UncleanConfigIsNotUsedWhileAnIsrMemberIsEligible) {
  const Elect elect{mixed(), {}};
  const ElectionResult r = elect(partition(ids({4, 1}), ids({1}), kNoLeader), /*unclean=*/true);
  EXPECT_EQ(r.leader, kB1);
  EXPECT_EQ(r.kind, ElectionKind::kClean);
  EXPECT_EQ(r.isr, ids({1}));
}

TEST(Election, UncleanElectionWithNoEligibleReplicaLeavesNoLeader) {
  const Elect elect{mixed(), {}};
  const ElectionResult r = elect(partition(ids({2, 3}), ids({2}), kNoLeader), /*unclean=*/true);
  EXPECT_EQ(r.leader, kNoLeader);
  EXPECT_EQ(r.isr, ids({2}));
}

TEST(Election, TheElectOutsideIsrBugElectsOutsideTheIsrWithoutResettingIt) {
  Elect elect{mixed(), {}};
  elect.bugs.enable(Bug::kElectOutsideIsr);
  const ElectionResult r = elect(partition(ids({2, 4}), ids({2}), kNoLeader));
  EXPECT_EQ(r.leader, kB4);
  EXPECT_EQ(r.kind, ElectionKind::kOutsideIsr);
  EXPECT_EQ(r.isr, ids({2}));  // the leader is outside the ISR: data loss without consent
}

TEST(Election, TheElectOutsideIsrBugLeavesCleanElectionsAlone) {
  Elect elect{mixed(), {}};
  elect.bugs.enable(Bug::kElectOutsideIsr);
  EXPECT_EQ(elect(partition(ids({4, 1}), ids({1}), kNoLeader)).leader, kB1);
}

TEST(Election, KindNamesAreStable) {
  EXPECT_EQ(election_kind_name(ElectionKind::kUnclean), "unclean");
  EXPECT_EQ(election_kind_name(ElectionKind::kOutsideIsr), "outside-isr");
}

}  // namespace
}  // namespace samsa::cluster::controller::testing
