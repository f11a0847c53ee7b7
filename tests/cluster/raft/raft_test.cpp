// End-to-end claims about the Raft quorum, each on a RaftRig (after Kafka's
// RaftEventSimulationTest): elections, replication, failover, divergence, snapshots,
// recovery after crashes and power loss, observers.
#include <gtest/gtest.h>

#include "tests/cluster/raft/raft_rig.h"

namespace samsa::cluster::raft::testing {
namespace {

RigOptions voters(int n) {
  RigOptions options;
  options.voters = n;
  return options;
}

RigOptions with_snapshots(std::int64_t interval, int voters = 3) {
  RigOptions options;
  options.voters = voters;
  options.tweak = [interval](RaftConfig& c) { c.snapshot_interval_records = interval; };
  return options;
}

std::size_t other_than(const RaftRig& rig, std::size_t node) { return (node + 1) % rig.voters().size(); }

TEST(Raft, ThreeVotersElectOneLeaderAndCommitWrites) {
  RaftRig rig(RigOptions{});
  ASSERT_TRUE(rig.wait_for_ready_leader());
  rig.run_for(3s);
  EXPECT_GT(rig.committed().size(), 10u);
  EXPECT_EQ(rig.check_all(), "");
  // Every replica applied every committed value, in the same order.
  for (std::size_t i = 0; i < rig.size(); ++i) {
    EXPECT_GE(rig.machine(i)->applied().size() + 2, rig.committed().size()) << "node " << i;
  }
}

TEST(Raft, ElectsANewLeaderAfterTheOldOneIsPartitionedAway) {
  RaftRig rig(RigOptions{});
  ASSERT_TRUE(rig.wait_for_ready_leader());
  rig.run_for(1s);
  const std::size_t old = *rig.ready_leader();
  const LeaderEpoch old_epoch = rig.replica(old)->epoch();
  rig.isolate(old);
  ASSERT_TRUE(rig.run_until(
      [&] {
        const auto leader = rig.ready_leader();
        return leader && *leader != old;
      },
      10s));
  const std::size_t successor = *rig.ready_leader();
  EXPECT_GT(rig.replica(successor)->epoch(), old_epoch);
  // Check quorum: the cut-off leader gives up its epoch by itself.
  EXPECT_TRUE(rig.run_until([&] { return rig.replica(old)->role() != RaftRole::kLeader; }, 3s));
  const std::size_t before = rig.committed().size();
  rig.run_for(2s);
  EXPECT_GT(rig.committed().size(), before + 5);
  rig.heal();
  ASSERT_TRUE(rig.run_until(
      [&] {
        const auto leader = rig.ready_leader();
        return leader && *leader != old && rig.replica(old)->role() == RaftRole::kFollower &&
               rig.replica(old)->leader() == rig.node(*leader) &&
               rig.replica(old)->applied_end_offset() > Offset(0);
      },
      15s));
  EXPECT_EQ(rig.check_all(), "");
}

TEST(Raft, OneVoterQuorumCommitsAloneAndRecoversItsStateAfterARestart) {
  RigOptions options;
  options.voters = 1;
  RaftRig rig(options);
  ASSERT_TRUE(rig.wait_for_ready_leader(5s));
  rig.run_for(2s);
  ASSERT_GT(rig.committed().size(), 5u);
  const std::vector<Applied> before = rig.machine(0)->applied();
  rig.crash(0);
  rig.restart(0);
  ASSERT_TRUE(rig.wait_for_ready_leader(5s));
  const std::vector<Applied>& after = rig.machine(0)->applied();
  ASSERT_GE(after.size(), before.size());
  EXPECT_TRUE(std::equal(before.begin(), before.end(), after.begin()));
  EXPECT_EQ(rig.check_all(), "");
}

TEST(Raft, FiveVotersKeepCommittingWithTwoVotersDown) {
  RaftRig rig(voters(5));
  ASSERT_TRUE(rig.wait_for_ready_leader());
  const std::size_t leader = *rig.ready_leader();
  rig.crash((leader + 1) % 5);
  rig.crash((leader + 2) % 5);
  const std::size_t before = rig.committed().size();
  rig.run_for(3s);
  EXPECT_GT(rig.committed().size(), before + 10);
  rig.restart((leader + 1) % 5);
  rig.restart((leader + 2) % 5);
  rig.run_for(3s);
  EXPECT_EQ(rig.check_all(), "");
}

TEST(Raft, FollowerTruncatesTheUncommittedTailOfAnOldLeader) {
  RaftRig rig(RigOptions{});
  ASSERT_TRUE(rig.wait_for_ready_leader());
  rig.run_for(1s);
  const std::size_t old = *rig.ready_leader();
  const std::size_t appended_before = rig.appended().size();
  rig.isolate(old);  // it keeps appending until check quorum makes it resign
  ASSERT_TRUE(rig.run_until([&] { return rig.replica(old)->role() != RaftRole::kLeader; }, 5s));
  ASSERT_GT(rig.appended().size(), appended_before);
  const Offset old_end = rig.replica(old)->log_end_offset();
  rig.heal();
  ASSERT_TRUE(rig.run_until(
      [&] {
        const auto leader = rig.ready_leader();
        return leader && *leader != old && rig.replica(old)->role() == RaftRole::kFollower &&
               rig.replica(old)->high_watermark() >= old_end;
      },
      15s));
  rig.run_for(1s);
  // Nothing the isolated leader appended alone was applied anywhere.
  for (std::size_t i = appended_before; i < rig.appended().size(); ++i) {
    const Write& w = rig.appended()[i];
    if (w.leader != rig.node(old)) continue;
    for (std::size_t n = 0; n < rig.size(); ++n) {
      EXPECT_NE(rig.machine(n)->value_at(w.offset), w.value) << "node " << n;
    }
  }
  const auto old_log = rig.read_log(old);
  const auto leader_log = rig.read_log(*rig.ready_leader());
  ASSERT_TRUE(old_log && leader_log);
  ASSERT_LE(old_log->size(), leader_log->size());
  EXPECT_TRUE(std::equal(old_log->begin(), old_log->end(), leader_log->begin()));
  EXPECT_EQ(rig.check_all(), "");
}

TEST(Raft, LaggingFollowerCatchesUpFromALeaderSnapshot) {
  RaftRig rig(with_snapshots(10));
  ASSERT_TRUE(rig.wait_for_ready_leader());
  const std::size_t leader = *rig.ready_leader();
  const std::size_t lagging = other_than(rig, leader);
  rig.crash(lagging);
  ASSERT_TRUE(rig.run_until([&] { return rig.replica(leader)->log_start_offset() > Offset(30); }, 20s));
  rig.restart(lagging);
  rig.run_for(10ms);
  ASSERT_NE(rig.replica(lagging), nullptr);
  EXPECT_LT(rig.replica(lagging)->log_end_offset(), rig.replica(leader)->log_start_offset());
  const int restores_at_start = rig.machine(lagging)->restores();
  ASSERT_TRUE(rig.run_until(
      [&] {
        return rig.replica(lagging)->applied_end_offset() >= rig.replica(leader)->log_start_offset();
      },
      10s));
  EXPECT_EQ(rig.machine(lagging)->restores(), restores_at_start + 1);
  EXPECT_GT(rig.replica(lagging)->log_start_offset(), Offset(0));
  rig.run_for(1s);
  EXPECT_EQ(rig.check_all(), "");
}

TEST(Raft, RestartRecoversFromItsSnapshotAndLogAndAppliesOnlyUpToTheLearnedHighWatermark) {
  RaftRig rig(with_snapshots(10));
  ASSERT_TRUE(rig.run_until([&] { return rig.committed().size() >= 25; }, 20s));
  for (std::size_t i = 0; i < rig.size(); ++i) rig.crash(i);
  rig.run_for(10ms);
  const std::vector<Write> committed = rig.committed();
  for (std::size_t i = 0; i < rig.size(); ++i) rig.restart(i);
  rig.run_for(50ms);  // recovered, but no leader yet: no HW
  for (std::size_t i = 0; i < rig.size(); ++i) {
    ASSERT_NE(rig.replica(i), nullptr);
    const auto snapshot = rig.replica(i)->latest_snapshot();
    ASSERT_TRUE(snapshot.has_value()) << "node " << i;
    EXPECT_EQ(rig.machine(i)->restores(), 1);
    EXPECT_EQ(rig.replica(i)->applied_end_offset(), snapshot->end_offset);
    EXPECT_GT(rig.replica(i)->log_end_offset(), snapshot->end_offset) << "node " << i;
  }
  ASSERT_TRUE(rig.wait_for_ready_leader());
  rig.run_for(2s);
  for (std::size_t i = 0; i < rig.size(); ++i) {
    for (const Write& w : committed) {
      EXPECT_EQ(rig.machine(i)->value_at(w.offset), w.value) << "node " << i;
    }
  }
  EXPECT_EQ(rig.check_all(), "");
}

TEST(Raft, RestartedFollowerAppliesNothingUntilALeaderTellsTheHighWatermark) {
  RaftRig rig(RigOptions{});
  ASSERT_TRUE(rig.run_until([&] { return rig.committed().size() >= 10; }, 20s));
  const std::size_t follower = other_than(rig, *rig.ready_leader());
  rig.crash(follower);
  rig.isolate(follower);
  rig.restart(follower);
  rig.run_for(3s);
  ASSERT_NE(rig.replica(follower), nullptr);
  EXPECT_GT(rig.replica(follower)->log_end_offset(), Offset(10));
  EXPECT_EQ(rig.replica(follower)->applied_end_offset(), Offset(0));
  EXPECT_TRUE(rig.machine(follower)->applied().empty());
  rig.heal();
  ASSERT_TRUE(rig.run_until([&] { return rig.machine(follower)->applied().size() >= 10; }, 15s));
  EXPECT_EQ(rig.check_all(), "");
}

TEST(Raft, PowerLossOfAMinorityLosesNothingCommitted) {
  RaftRig rig(voters(5));
  ASSERT_TRUE(rig.run_until([&] { return rig.committed().size() >= 20; }, 20s));
  const std::size_t leader = *rig.ready_leader();
  const std::vector<Write> committed = rig.committed();
  rig.power_loss(leader);
  rig.power_loss((leader + 1) % 5);
  rig.run_for(3s);
  rig.restart(leader);
  rig.restart((leader + 1) % 5);
  ASSERT_TRUE(rig.run_until(
      [&] {
        for (std::size_t i = 0; i < rig.size(); ++i) {
          if (rig.replica(i) == nullptr ||
              rig.replica(i)->applied_end_offset() <= committed.back().offset) {
            return false;
          }
        }
        return true;
      },
      15s));
  for (std::size_t i = 0; i < rig.size(); ++i) {
    for (const Write& w : committed) {
      EXPECT_EQ(rig.machine(i)->value_at(w.offset), w.value) << "node " << i;
    }
  }
  EXPECT_EQ(rig.check_all(), "");
}

TEST(Raft, ObserverFollowsTheLeaderWithoutVoting) {
  RigOptions options;
  options.observers = 1;
  RaftRig rig(options);
  const std::size_t observer = 3;
  ASSERT_TRUE(rig.run_until([&] { return rig.committed().size() >= 10; }, 20s));
  const std::size_t leader = *rig.ready_leader();
  EXPECT_EQ(rig.replica(observer)->role(), RaftRole::kObserver);
  EXPECT_EQ(rig.replica(observer)->leader(), rig.node(leader));
  rig.crash(leader);
  ASSERT_TRUE(rig.run_until(
      [&] {
        const auto next = rig.ready_leader();
        return next && rig.replica(observer)->leader() == rig.node(*next) &&
               rig.replica(observer)->applied_end_offset() > rig.committed().back().offset;
      },
      15s));
  EXPECT_EQ(rig.replica(observer)->role(), RaftRole::kObserver);
  // An observer never campaigns: no epoch was led by it, none was started by it.
  for (const auto& entry : rig.leaders()) EXPECT_FALSE(entry.second.contains(rig.node(observer)));
  EXPECT_EQ(rig.check_all(), "");
}

TEST(Raft, GracefulResignationHandsLeadershipOverBeforeAnElectionTimeout) {
  RaftRig rig(RigOptions{});
  ASSERT_TRUE(rig.run_until([&] { return rig.committed().size() >= 5; }, 20s));
  const std::size_t old = *rig.ready_leader();
  std::optional<RaftRole> role_after;
  std::optional<sim::NodeId> leader_after{sim::NodeId(99)};
  ASSERT_TRUE(rig.run_on(old, [&](RaftReplica& r) {
    r.resign();
    role_after = r.role();
    leader_after = r.leader();
  }));
  EXPECT_EQ(role_after, RaftRole::kResigned);
  EXPECT_EQ(leader_after, std::nullopt);
  // The preferred successor campaigns at once (KIP-595), well before an election timeout.
  EXPECT_TRUE(rig.run_until(
      [&] {
        const auto leader = rig.ready_leader();
        return leader && *leader != old;
      },
      500ms));
  rig.run_for(2s);
  EXPECT_EQ(rig.check_all(), "");
}

// KRaft's handleLeaderChange after claim: a new leader tells its state machine only once
// the leader-change record of its epoch is committed and everything before it applied.
TEST(Raft, LeaderAnnouncesItselfOnlyOnceItsEpochIsReady) {
  RaftRig rig(RigOptions{});
  ASSERT_TRUE(rig.run_until([&] { return rig.committed().size() >= 10; }, 20s));
  const std::size_t first = *rig.ready_leader();
  rig.crash(first);
  ASSERT_TRUE(rig.run_until(
      [&] {
        const auto l = rig.ready_leader();
        return l && *l != first;
      },
      15s));
  const std::size_t leader = *rig.ready_leader();
  const LeaderEpoch epoch = rig.replica(leader)->epoch();
  rig.set_writes(false);
  const auto log = rig.read_log(leader);
  ASSERT_TRUE(log.has_value());
  std::size_t records_before_epoch = 0;
  for (const LoggedRecord& r : *log) {
    if (r.epoch == epoch) break;
    if (!r.control) ++records_before_epoch;
  }
  ASSERT_GE(records_before_epoch, 10u);
  const auto& changes = rig.machine(leader)->leader_changes();
  const auto announced = std::find_if(changes.begin(), changes.end(), [&](const auto& c) {
    return c.leader == rig.node(leader) && c.epoch == epoch;
  });
  ASSERT_NE(announced, changes.end());
  EXPECT_EQ(announced->applied_before, records_before_epoch);
  EXPECT_EQ(changes.back().leader, rig.node(leader));
  // A follower hears of the leader as soon as it knows it.
  const std::size_t follower = 3 - first - leader;
  EXPECT_EQ(rig.machine(follower)->leader_changes().back().leader, rig.node(leader));
  EXPECT_EQ(rig.machine(follower)->leader_changes().back().epoch, epoch);
}

// The determinism contract: one seed, one run — elections, timeouts and faults included.
std::uint64_t hash_of_a_run(std::uint64_t seed) {
  RigOptions options;
  options.seed = seed;
  options.tweak = [](RaftConfig& c) { c.snapshot_interval_records = 10; };
  RaftRig rig(options);
  rig.run_for(3s);
  rig.crash(0);
  rig.run_for(3s);
  rig.restart(0);
  rig.run_for(3s);
  EXPECT_EQ(rig.check_all(), "");
  return rig.sim().trace_hash();
}

TEST(Raft, TheSameSeedGivesTheSameTraceHash) {
  const std::uint64_t first = hash_of_a_run(11);
  EXPECT_EQ(hash_of_a_run(11), first);
  EXPECT_NE(hash_of_a_run(12), first);
}

}  // namespace
}  // namespace samsa::cluster::raft::testing
