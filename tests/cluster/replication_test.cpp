// Replication across leadership changes: failover keeps acknowledged records, divergent
// followers truncate by leader epoch (KIP-101/KIP-595), and each historical bug switch
// breaks, in a scripted sequence, the promise its fix restored.
#include <gtest/gtest.h>

#include <algorithm>

#include "tests/cluster/broker_rig.h"

namespace samsa::cluster::testing {
namespace {

bool contains(const std::vector<std::string>& values, const std::string& v) {
  return std::find(values.begin(), values.end(), v) != values.end();
}

void cut(BrokerRig& rig, std::vector<BrokerId> a, std::vector<BrokerId> b) {
  std::vector<sim::NodeId> side_a;
  std::vector<sim::NodeId> side_b;
  for (BrokerId x : a) side_a.push_back(rig.node(x));
  for (BrokerId x : b) side_b.push_back(rig.node(x));
  rig.sim().network().partition(side_a, side_b);
}

TEST(Replication, FailoverToAnInSyncFollowerKeepsEveryAcksAllRecord) {
  BrokerRig rig;
  rig.create_partition(kTp, {kB1, kB2, kB3});
  rig.run_for(500ms);
  for (const char* v : {"a", "b", "c"})
    ASSERT_EQ(rig.produce(kB1, kTp, {v}, -1)->error, ErrorCode::kNone);
  rig.sim().crash(rig.node(kB1));
  rig.elect(kTp, kB2, std::vector<BrokerId>{kB2, kB3});
  rig.run_for(500ms);
  ASSERT_EQ(rig.produce(kB2, kTp, {"d"}, -1)->error, ErrorCode::kNone);
  EXPECT_EQ(rig.consume_all(kB2, kTp), (std::vector<std::string>{"a", "b", "c", "d"}));
}

TEST(Replication, AFormerLeaderTruncatesItsDivergentTailByLeaderEpoch) {
  BrokerRig rig;
  rig.create_partition(kTp, {kB1, kB2, kB3});
  rig.run_for(500ms);
  ASSERT_EQ(rig.produce(kB1, kTp, {"a"}, -1)->error, ErrorCode::kNone);
  cut(rig, {kB1}, {kB2, kB3});
  // Appended on the old leader only: never replicated, never committed.
  ASSERT_EQ(rig.produce(kB1, kTp, {"x", "y"}, 1)->error, ErrorCode::kNone);
  rig.elect(kTp, kB2, std::vector<BrokerId>{kB2, kB3});
  rig.run_for(300ms);
  ASSERT_EQ(rig.produce(kB2, kTp, {"p", "q"}, -1)->error, ErrorCode::kNone);
  rig.sim().network().heal();
  rig.run_for(3s);  // B1 learns the divergence, truncates, catches up, rejoins the ISR
  ASSERT_EQ(rig.state(kTp).isr.size(), 3u);
  rig.elect(kTp, kB1);
  rig.run_for(500ms);
  EXPECT_EQ(rig.consume_all(kB1, kTp), (std::vector<std::string>{"a", "p", "q"}));
}

// Found by the property below: broker 3 leads epoch 1 without writing, then follows
// broker 1, which never saw epoch 1. Broker 3's epoch cache must drop the empty epoch
// (Kafka truncates the cache even when the log is not), or every fetch diverges again
// and the HW, which needs broker 3, never moves.
TEST(Replication, AReplicaThatLedWithoutWritingFollowsALeaderThatNeverSawItsEpoch) {
  BrokerRig rig;
  rig.create_partition(kTp, {kB1, kB2, kB3});
  rig.run_for(500ms);
  ASSERT_EQ(rig.produce(kB1, kTp, {"a"}, -1)->error, ErrorCode::kNone);
  rig.elect(kTp, kB3);
  rig.elect(kTp, kB1);
  rig.run_for(100ms);
  const auto produced = rig.produce(kB1, kTp, {"b"}, -1, {}, /*timeout_ms=*/500);
  ASSERT_TRUE(produced);
  EXPECT_EQ(produced->error, ErrorCode::kNone);  // answered before any ISR shrink
  rig.run_for(3s);
  EXPECT_EQ(rig.state(kTp).isr.size(), 3u);
  EXPECT_EQ(rig.consume_all(kB1, kTp), (std::vector<std::string>{"a", "b"}));
}

// KIP-101's motivating case, on replicas {1, 2} with min.insync.replicas = 1: broker 2
// restarts knowing an older HW than the leader, then the leader dies. Returns what a
// consumer reads from broker 2 at the end; m2 was acknowledged with acks=all.
std::vector<std::string> kip101_scenario(bool bug) {
  BrokerRig rig(1, [bug](BrokerConfig& c) {
    c.replication.min_insync_replicas = 1;
    c.replica_high_watermark_checkpoint_interval_ms = 100;
    if (bug) c.bugs.enable(Bug::kTruncateToHighWatermark);
  });
  rig.create_partition(kTp, {kB1, kB2});
  rig.run_for(500ms);
  EXPECT_EQ(rig.produce(kB1, kTp, {"m1"}, -1)->error, ErrorCode::kNone);
  rig.run_for(1s);
  EXPECT_EQ(rig.produce(kB1, kTp, {"m2"}, -1)->error, ErrorCode::kNone);
  rig.sim().crash(rig.node(kB2));  // its HW is still 1: the next fetch would have told it 2
  cut(rig, {kB1}, {kB2});
  rig.start_broker(1);
  rig.run_for(300ms);  // broker 2 follows broker 1 again (and cannot reach it)
  rig.sim().crash(rig.node(kB1));
  rig.elect(kTp, kB2, std::vector<BrokerId>{kB2});
  rig.run_for(300ms);
  EXPECT_EQ(rig.produce(kB2, kTp, {"m3"}, 1)->error, ErrorCode::kNone);
  rig.run_for(500ms);
  return rig.consume_all(kB2, kTp);
}

TEST(Replication, AcknowledgedRecordSurvivesTheKip101SequenceWithEpochTruncation) {
  EXPECT_EQ(kip101_scenario(false), (std::vector<std::string>{"m1", "m2", "m3"}));
}

TEST(Replication, BugTruncateToHighWatermarkLosesAnAcknowledgedRecord) {
  const std::vector<std::string> consumed = kip101_scenario(true);
  EXPECT_FALSE(contains(consumed, "m2"));
  EXPECT_TRUE(contains(consumed, "m3"));
}

// The leader is cut off from its followers; an acks=all produce is answered (or not),
// then the leader crashes and a follower takes over. Returns whether every acknowledged
// record is still readable.
bool acked_survives_failover(bool bug) {
  BrokerRig rig(1, [bug](BrokerConfig& c) {
    if (bug) c.bugs.enable(Bug::kAcksAllOnLeaderAppend);
  });
  rig.create_partition(kTp, {kB1, kB2, kB3});
  rig.run_for(500ms);
  cut(rig, {kB1}, {kB2, kB3});
  const auto produced = rig.produce(kB1, kTp, {"v"}, -1, {}, /*timeout_ms=*/400);
  EXPECT_TRUE(produced);
  const bool acked = produced && produced->error == ErrorCode::kNone;
  EXPECT_EQ(acked, bug);
  rig.sim().crash(rig.node(kB1));
  rig.elect(kTp, kB2, std::vector<BrokerId>{kB2, kB3});
  rig.run_for(500ms);
  return !acked || contains(rig.consume_all(kB2, kTp), "v");
}

TEST(Replication, AcksAllIsNotAnsweredBeforeFollowersHaveTheRecord) {
  EXPECT_TRUE(acked_survives_failover(false));
}

TEST(Replication, BugAcksAllOnLeaderAppendLosesAnAcknowledgedRecordOnFailover) {
  EXPECT_FALSE(acked_survives_failover(true));
}

// KIP-279's motivating case on replicas {1, 2}: broker 2 led epoch 1 (appending m3)
// without broker 1 ever seeing it; broker 1 then leads epoch 2. When broker 2 follows and
// asks about epoch 1, the answer must name the epoch it ends (0), or broker 2 keeps m3 where
// the leader holds m2. Returns (what broker 1 serves, what broker 2 serves once it leads).
std::pair<std::vector<std::string>, std::vector<std::string>> kip279_scenario(bool bug) {
  BrokerRig rig(1, [bug](BrokerConfig& c) {
    c.replication.min_insync_replicas = 1;
    if (bug) c.bugs.enable(Bug::kEpochLookupWithoutEpoch);
  });
  rig.create_partition(kTp, {kB1, kB2});
  rig.run_for(500ms);
  EXPECT_EQ(rig.produce(kB1, kTp, {"m1"}, -1)->error, ErrorCode::kNone);
  cut(rig, {kB1}, {kB2});
  EXPECT_EQ(rig.produce(kB1, kTp, {"m2"}, 1)->error, ErrorCode::kNone);
  rig.elect(kTp, kB2, std::vector<BrokerId>{kB2});
  rig.run_for(300ms);
  EXPECT_EQ(rig.produce(kB2, kTp, {"m3"}, 1)->error, ErrorCode::kNone);
  rig.elect(kTp, kB1, std::vector<BrokerId>{kB1});
  rig.run_for(300ms);
  EXPECT_EQ(rig.produce(kB1, kTp, {"m4"}, 1)->error, ErrorCode::kNone);
  rig.sim().network().heal();
  rig.run_for(3s);
  std::vector<std::string> on_leader = rig.consume_all(kB1, kTp);
  rig.elect(kTp, kB2, std::vector<BrokerId>{kB1, kB2});
  rig.run_for(500ms);
  return {on_leader, rig.consume_all(kB2, kTp)};
}

TEST(Replication, AFollowerAskingAboutAnEpochTheLeaderNeverSawTruncatesToItsPredecessor) {
  const auto [leader, follower] = kip279_scenario(false);
  EXPECT_EQ(leader, (std::vector<std::string>{"m1", "m2", "m4"}));
  EXPECT_EQ(follower, leader);
}

TEST(Replication, BugEpochLookupWithoutEpochLeavesReplicasDisagreeingBelowTheHighWatermark) {
  const auto [leader, follower] = kip279_scenario(true);
  EXPECT_EQ(leader, (std::vector<std::string>{"m1", "m2", "m4"}));
  EXPECT_EQ(follower, (std::vector<std::string>{"m1", "m3", "m4"}));
}

// KAFKA-7128 on replicas {1, 2, 3}: broker 2 becomes leader with a stale HW (1) below its
// epoch's start (2, where acknowledged "b" ends). Broker 3, which holds only "a", fetches
// once (the answer never reaches it). Returns whether broker 3 joined the ISR and, if the
// controller could then elect it, what it serves.
std::pair<bool, std::vector<std::string>> kafka7128_scenario(bool bug) {
  BrokerRig rig(1, [bug](BrokerConfig& c) {
    if (bug) c.bugs.enable(Bug::kIsrExpandWithoutEpochStartCheck);
  });
  rig.create_partition(kTp, {kB1, kB2, kB3});
  rig.run_for(500ms);
  EXPECT_EQ(rig.produce(kB1, kTp, {"a"}, -1)->error, ErrorCode::kNone);
  rig.run_for(1s);
  cut(rig, {kB3}, {kB1, kB2});
  // Acknowledged once the ISR shrinks to {1, 2}; broker 2 learns the new HW only later.
  EXPECT_EQ(rig.produce(kB1, kTp, {"b"}, -1)->error, ErrorCode::kNone);
  rig.elect(kTp, kB2, std::vector<BrokerId>{kB1, kB2});
  rig.sim().crash(rig.node(kB1));
  rig.sim().network().heal();
  const std::vector<sim::NodeId> from{rig.node(kB2)};
  const std::vector<sim::NodeId> to{rig.node(kB3)};
  rig.sim().network().partition_one_way(from, to);
  rig.run_for(300ms);
  const auto& isr = rig.state(kTp).isr;
  const bool joined = std::find(isr.begin(), isr.end(), kB3) != isr.end();
  if (!joined) return {false, {}};
  rig.sim().crash(rig.node(kB2));
  rig.elect(kTp, kB3);  // a clean election: broker 3 is the only live ISR member
  rig.sim().network().heal();
  rig.run_for(500ms);
  return {true, rig.consume_all(kB3, kTp)};
}

TEST(Replication, AFollowerBelowTheLeaderEpochStartDoesNotJoinTheIsr) {
  EXPECT_FALSE(kafka7128_scenario(false).first);
}

TEST(Replication, BugIsrExpandWithoutEpochStartCheckLosesAnAcknowledgedRecord) {
  const auto [joined, served] = kafka7128_scenario(true);
  EXPECT_TRUE(joined);
  EXPECT_FALSE(contains(served, "b"));
}

// KAFKA-14704: a former leader with an uncommitted tail ("x", "y") follows the new leader.
// A consumer long-polls it (KIP-392, follower reads up to the follower's HW) from its HW.
// The former leader is cut off from the other brokers and the controller, so it learns of
// the new leader only when the network heals — during the poll. Returns what the consumer
// was served.
std::vector<std::string> kafka14704_scenario(bool bug) {
  BrokerRig rig(1, [bug](BrokerConfig& c) {
    if (bug) c.bugs.enable(Bug::kHighWatermarkBeforeTruncation);
  });
  rig.create_partition(kTp, {kB1, kB2, kB3});
  rig.run_for(500ms);
  EXPECT_EQ(rig.produce(kB1, kTp, {"a"}, -1)->error, ErrorCode::kNone);
  rig.run_for(1s);
  const std::vector<sim::NodeId> former{rig.node(kB1)};
  const std::vector<sim::NodeId> rest{rig.node(kB2), rig.node(kB3), rig.controller_node()};
  rig.sim().network().partition(former, rest);
  EXPECT_EQ(rig.produce(kB1, kTp, {"x", "y"}, 1)->error, ErrorCode::kNone);
  rig.elect(kTp, kB2, std::vector<BrokerId>{kB2, kB3});
  rig.run_for(300ms);
  EXPECT_EQ(rig.produce(kB2, kTp, {"p", "q"}, -1)->error, ErrorCode::kNone);
  auto request = std::make_shared<FetchRequest>();
  request->max_wait_ms = 10'000;
  request->rack_id = "rack-1";
  FetchPartition p;
  p.tp = kTp;
  p.fetch_offset = Offset(1);  // broker 1's HW: nothing to serve yet
  request->partitions.push_back(p);
  auto pending = rig.start_call<FetchResponse>(kB1, request, 20s);
  rig.run_for(100ms);
  EXPECT_FALSE(pending->done);
  rig.sim().network().heal();
  rig.run_for(5s);
  std::vector<std::string> served;
  if (!pending->response) return served;
  for (const Record& r : BrokerRig::records_of(pending->response->partitions.at(0).records)) {
    served.emplace_back(r.value->begin(), r.value->end());
  }
  return served;
}

TEST(Replication, AFollowerServesOnlyCommittedRecordsAcrossItsTruncation) {
  EXPECT_EQ(kafka14704_scenario(false), (std::vector<std::string>{"p", "q"}));
}

TEST(Replication, BugHighWatermarkBeforeTruncationServesRecordsThatAreThenTruncated) {
  EXPECT_EQ(kafka14704_scenario(true), (std::vector<std::string>{"x", "y"}));
}

}  // namespace
}  // namespace samsa::cluster::testing
