// Claims about the replica and controller checkers (properties/replica_checks.h): each
// property is reported, alone and with a readable detail naming the fault before it, by
// observations that break it; and what a correct cluster shows — replicas that differ only
// above a high watermark, a high watermark that drops across a leader change, leaderless
// epochs, a fenced broker kept as the sole ISR member of a leaderless partition, a divergent
// tail truncated by a former leader — passes.
#include "properties/replica_checks.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "properties/observed_violation.h"
#include "tests/properties/history_script.h"

namespace samsa::properties {
namespace {

using cluster::BrokerId;
using cluster::LeaderEpoch;
using cluster::Offset;
using testing::at_ms;
using testing::contains;
using testing::properties_of;
using testing::tp;
using Names = std::vector<std::string>;
using Role = ReplicaRoleSeen;

ReplicaSample sample(std::int64_t time_ms, std::int32_t broker, Role role, std::int32_t epoch,
                     std::int64_t high_watermark, std::int64_t log_end_offset,
                     std::int32_t partition = 0) {
  return ReplicaSample{at_ms(time_ms),     BrokerId(broker),       tp(partition),          role,
                       LeaderEpoch(epoch), Offset(high_watermark), Offset(log_end_offset), {}};
}
ReplicaSample leader(std::int64_t time_ms, std::int32_t broker, std::int32_t epoch,
                     std::int64_t high_watermark, std::int64_t log_end_offset) {
  return sample(time_ms, broker, Role::kLeader, epoch, high_watermark, log_end_offset);
}
ReplicaSample follower(std::int64_t time_ms, std::int32_t broker, std::int32_t epoch,
                       std::int64_t high_watermark, std::int64_t log_end_offset) {
  return sample(time_ms, broker, Role::kFollower, epoch, high_watermark, log_end_offset);
}
// The sample a broker's replica gives when its process starts: no role, the recovered log.
ReplicaSample restarted(std::int64_t time_ms, std::int32_t broker, std::int64_t high_watermark,
                        std::int64_t log_end_offset) {
  return sample(time_ms, broker, Role::kNone, -1, high_watermark, log_end_offset);
}

ReplicaRecord record(std::int64_t offset, std::int32_t epoch, std::string value,
                     std::optional<std::string> key = "k") {
  return ReplicaRecord{Offset(offset), LeaderEpoch(epoch), std::move(key), std::move(value)};
}
// Offsets 0..count-1 written in epoch 1, each with its own key: "k<offset>" = "v<offset>".
std::vector<ReplicaRecord> records(std::int64_t count) {
  std::vector<ReplicaRecord> list;
  for (std::int64_t o = 0; o < count; ++o)
    list.push_back(record(o, 1, fmt::format("v{}", o), fmt::format("k{}", o)));
  return list;
}
ReplicaLog final_log(std::int32_t broker, std::int64_t high_watermark,
                     std::vector<ReplicaRecord> list, std::int64_t log_start_offset = 0) {
  const Offset end = list.empty() ? Offset(log_start_offset) : list.back().offset + 1;
  ReplicaLog log;
  log.broker = BrokerId(broker);
  log.tp = tp(0);
  log.log_start_offset = Offset(log_start_offset);
  log.log_end_offset = end;
  log.high_watermark = Offset(high_watermark);
  log.records = std::move(list);
  return log;
}
ReplicaLog final_log_ending_at(std::int32_t broker, std::int64_t log_end_offset,
                               std::int32_t partition = 0) {
  ReplicaLog log;
  log.broker = BrokerId(broker);
  log.tp = tp(partition);
  log.log_end_offset = Offset(log_end_offset);
  log.high_watermark = Offset(log_end_offset);
  return log;
}

cluster::BrokerRegistration registered(std::int32_t id, bool fenced = false) {
  cluster::BrokerRegistration b;
  b.id = BrokerId(id);
  b.node = sim::NodeId(static_cast<std::uint32_t>(id));
  b.epoch = cluster::BrokerEpoch(id);
  b.fenced = fenced;
  return b;
}
cluster::PartitionState partition_state(std::vector<std::int32_t> isr, std::int32_t leader,
                                        std::int32_t epoch, std::int32_t partition = 0) {
  cluster::PartitionState p;
  p.tp = tp(partition);
  p.replicas = {BrokerId(1), BrokerId(2), BrokerId(3)};
  for (std::int32_t member : isr) p.isr.push_back(BrokerId(member));
  p.leader = BrokerId(leader);
  p.leader_epoch = LeaderEpoch(epoch);
  return p;
}
// Version `version` as controller node `controller` applied it at `time_ms`, with brokers
// 1..3 registered (`fenced` among them fenced) and the topic "orders".
MetadataSample metadata(std::int64_t time_ms, std::uint32_t controller, std::int64_t version,
                        std::vector<cluster::PartitionState> partitions, std::int32_t fenced = 0) {
  cluster::MetadataDelta delta;
  delta.version = version;
  delta.partitions = std::move(partitions);
  for (std::int32_t id = 1; id <= 3; ++id) delta.brokers.push_back(registered(id, id == fenced));
  cluster::TopicState topic;
  topic.name = "orders";
  delta.topics.push_back(topic);
  MetadataSample s{at_ms(time_ms), sim::NodeId(controller), {}};
  s.image.apply(delta);
  return s;
}

ControllerLeadership leadership(std::int64_t time_ms, std::uint32_t controller, std::int32_t epoch,
                                bool active = true) {
  return ControllerLeadership{at_ms(time_ms), sim::NodeId(controller), LeaderEpoch(epoch), active};
}
FaultEvent crash(std::int64_t time_ms, const std::string& node, std::string kind = "crash") {
  return FaultEvent{at_ms(time_ms), std::move(kind), {node}, "restart after 500 ms"};
}

// --- replica-log-matching --------------------------------------------------------------------

TEST(ReplicaLogMatching, ReplicasThatDifferOnlyAboveTheLowerHighWatermarkPass) {
  Observations o;
  std::vector<ReplicaRecord> diverged = records(3);
  diverged.push_back(record(3, 2, "w3"));
  diverged.push_back(record(4, 2, "w4"));
  o.final_logs = {final_log(1, 5, records(5)), final_log(2, 3, diverged)};
  EXPECT_TRUE(check_replica_log_matching(o).empty());
}

TEST(ReplicaLogMatching, ADifferentRecordBelowBothHighWatermarksViolatesIt) {
  Observations o;
  o.liveness_end = at_ms(900);
  o.faults = {crash(100, "broker-2")};
  std::vector<ReplicaRecord> diverged = records(3);
  diverged.push_back(record(3, 2, "w3", "k3"));
  diverged.push_back(record(4, 2, "w4", "k4"));
  o.final_logs = {final_log(1, 5, records(5)), final_log(2, 5, diverged)};
  const std::vector<Violation> violations = check_replica_log_matching(o);
  ASSERT_EQ(properties_of(violations), Names{std::string(kReplicaLogMatching)});
  EXPECT_EQ(violations[0].at, at_ms(900));
  EXPECT_EQ(violations[0].detail,
            "orders-0: the replicas on brokers 1 and 2 differ at offset 3, below both high "
            "watermarks (compared [0, 5)): broker 1 has epoch 1, key k3, value v3; broker 2 has "
            "epoch 2, key k3, value w3; after crash broker-2 at 100 ms, restart after 500 ms");
}

TEST(ReplicaLogMatching, ARecordMissingFromOneReplicaBelowBothHighWatermarksViolatesIt) {
  Observations o;
  std::vector<ReplicaRecord> holed = records(5);
  holed.erase(holed.begin() + 2);
  o.final_logs = {final_log(1, 5, records(5)), final_log(2, 5, holed)};
  const std::vector<Violation> violations = check_replica_log_matching(o);
  ASSERT_EQ(violations.size(), 1U);
  EXPECT_TRUE(contains(violations[0].detail, "differ at offset 2"));
  EXPECT_TRUE(contains(violations[0].detail,
                       "broker 1 has epoch 1, key k2, value v2; broker 2 "
                       "has no record"));
}

TEST(ReplicaLogMatching, EachPairIsReportedOnceAtItsFirstDifferingOffset) {
  Observations o;
  std::vector<ReplicaRecord> odd = records(5);
  odd[1].value = "x1";
  odd[3].value = "x3";
  o.final_logs = {final_log(1, 5, records(5)), final_log(2, 5, records(5)), final_log(3, 5, odd)};
  const std::vector<Violation> violations = check_replica_log_matching(o);
  ASSERT_EQ(violations.size(), 2U);
  EXPECT_TRUE(contains(violations[0].detail, "brokers 1 and 3 differ at offset 1"));
  EXPECT_TRUE(contains(violations[1].detail, "brokers 2 and 3 differ at offset 1"));
}

TEST(ReplicaLogMatching, OffsetsBelowEitherLogStartOrAboveEitherLogEndAreNotCompared) {
  Observations o;
  std::vector<ReplicaRecord> retained = records(5);
  retained.erase(retained.begin(), retained.begin() + 3);
  std::vector<ReplicaRecord> short_log = records(4);
  short_log[0].value = "x0";
  // Broker 3's high watermark (its checkpoint) is above its log end offset 4.
  o.final_logs = {final_log(1, 5, records(5)), final_log(2, 5, retained, 3),
                  final_log(3, 9, short_log, 1)};
  EXPECT_TRUE(check_replica_log_matching(o).empty());
}

TEST(ReplicaLogMatching, ARecordCompactedAwayInOneReplicaIsNotMissing) {
  Observations o;
  std::vector<ReplicaRecord> full = {record(0, 1, "a1", "a"), record(1, 1, "b1", "b"),
                                     record(2, 1, "a2", "a"), record(3, 1, "", "t"),
                                     record(4, 1, "c1", "c")};
  full[3].value = std::nullopt;  // a tombstone, removed after delete.retention.ms
  // Broker 2 cleaned a1 (a2 follows), the tombstone, and c1 (c2 follows in its own log).
  const std::vector<ReplicaRecord> cleaned = {full[1], full[2], record(5, 1, "c2", "c")};
  o.final_logs = {final_log(1, 5, full), final_log(2, 6, cleaned)};
  EXPECT_TRUE(check_replica_log_matching(o).empty());
}

// --- committed-data-kept -----------------------------------------------------------------------

TEST(CommittedDataKept, ALeaderHighWatermarkThatNoFinalReplicaReachesViolatesIt) {
  Observations o;
  o.liveness_end = at_ms(900);
  o.replicas = {leader(50, 1, 2, 8, 8)};
  o.final_logs = {final_log_ending_at(1, 5), final_log_ending_at(2, 6)};
  const std::vector<Violation> violations = check_committed_data_kept(o, "");
  ASSERT_EQ(properties_of(violations), Names{std::string(kCommittedDataKept)});
  EXPECT_EQ(violations[0].at, at_ms(900));
  EXPECT_EQ(violations[0].detail,
            "orders-0: broker 1 exposed high watermark 8 as leader in epoch 2 at 50 ms, but the "
            "longest final replica (broker 2) ends at offset 6: committed offsets [6, 8) are lost");
}

TEST(CommittedDataKept, LostCommittedOffsetsAreMeasuredNotFailedWhenTheRunAllowsLoss) {
  Observations o;
  o.replicas = {leader(50, 1, 2, 8, 8)};
  o.final_logs = {final_log_ending_at(1, 5), final_log_ending_at(2, 6)};
  EXPECT_TRUE(check_committed_data_kept(o, "unclean leader election").empty());
  const CheckResult result = check_replicas(o, "unclean leader election");
  EXPECT_TRUE(result.violations.empty());
  EXPECT_EQ(result.measurements.at("committed_offsets_lost"), 2);
}

TEST(CommittedDataKept, OneFinalReplicaThatReachesTheLargestLeaderHighWatermarkKeepsIt) {
  Observations o;
  o.replicas = {leader(50, 1, 2, 8, 9), leader(60, 2, 3, 6, 9)};
  o.final_logs = {final_log_ending_at(1, 5), final_log_ending_at(3, 8)};
  EXPECT_TRUE(check_committed_data_kept(o, "").empty());
}

TEST(CommittedDataKept, FollowerHighWatermarksAndUninspectedPartitionsPromiseNothing) {
  Observations o;
  o.replicas = {leader(50, 1, 2, 4, 9), follower(51, 2, 2, 9, 9),
                sample(52, 1, Role::kLeader, 0, 7, 7, /*partition=*/1)};
  o.final_logs = {final_log_ending_at(2, 5)};
  EXPECT_TRUE(check_committed_data_kept(o, "").empty());
}

// KIP-101: broker 2 fetched offsets 0..1 from leader 1, whose high watermark then passed
// them; it restarts with high watermark 1 and truncates to it on becoming follower.
Observations follower_truncates_to_its_high_watermark(const std::string& fault) {
  Observations o;
  o.replicas = {follower(10, 2, 1, 0, 0), leader(11, 1, 1, 0, 2),   follower(12, 2, 1, 0, 2),
                leader(13, 1, 1, 2, 2),   follower(14, 2, 1, 1, 2), restarted(20, 2, 1, 2),
                follower(25, 2, 1, 1, 1), follower(30, 2, 1, 2, 2)};
  o.faults = {crash(18, "broker-2", fault)};
  o.final_logs = {final_log_ending_at(1, 2), final_log_ending_at(2, 2)};
  return o;
}

TEST(CommittedDataKept, AFollowerThatTruncatesCommittedOffsetsItFetchedViolatesIt) {
  const Observations o = follower_truncates_to_its_high_watermark("crash");
  const std::vector<Violation> violations = check_committed_data_kept(o, "");
  ASSERT_EQ(properties_of(violations), Names{std::string(kCommittedDataKept)});
  EXPECT_EQ(violations[0].at, at_ms(25));
  EXPECT_EQ(violations[0].detail,
            "orders-0: broker 2, follower in epoch 1, truncated its log from 2 to 1 at 25 ms, "
            "removing offsets [1, 2) it held as committed (fetched from the leader of epoch 1, "
            "whose high watermark passed them); after crash broker-2 at 18 ms, restart after "
            "500 ms");
}

TEST(CommittedDataKept, ATruncationAfterAPowerLossIsNotJudged) {
  const Observations o = follower_truncates_to_its_high_watermark("power-loss");
  EXPECT_TRUE(check_committed_data_kept(o, "").empty());
}

TEST(CommittedDataKept, ATruncationIsNotReportedWhenTheRunAllowsLoss) {
  const Observations o = follower_truncates_to_its_high_watermark("crash");
  EXPECT_TRUE(check_committed_data_kept(o, "unclean leader election").empty());
}

TEST(CommittedDataKept, AFollowerTruncatingWhatItFetchedAboveTheLeadersHighWatermarkPasses) {
  Observations o;
  // Broker 2 fetched up to 12 from leader 1 (high watermark 8); leader 3 of epoch 5 ends at 10.
  o.replicas = {leader(10, 1, 4, 8, 12), follower(11, 2, 4, 8, 8),  follower(12, 2, 4, 8, 12),
                leader(20, 3, 5, 8, 10), follower(21, 2, 5, 8, 12), follower(22, 2, 5, 8, 10)};
  o.final_logs = {final_log_ending_at(2, 10), final_log_ending_at(3, 10)};
  EXPECT_TRUE(check_committed_data_kept(o, "").empty());
}

TEST(CommittedDataKept, ALogThatGrewAcrossAnEpochChangeIsNotKnownToMatchTheNewLeader) {
  Observations o;
  o.replicas = {follower(10, 2, 3, 0, 5), follower(11, 2, 4, 0, 9), leader(12, 1, 4, 9, 9),
                follower(13, 2, 4, 6, 6)};
  o.final_logs = {final_log_ending_at(1, 9), final_log_ending_at(2, 9)};
  EXPECT_TRUE(check_committed_data_kept(o, "").empty());
}

// Broker 3 led epoch 3 and appended 8..11 that never committed; broker 1 led epoch 4 and
// committed its own 8..11.
Observations former_leader_with_a_divergent_tail() {
  Observations o;
  o.replicas = {leader(10, 3, 3, 8, 8),    leader(11, 3, 3, 8, 12),   leader(20, 1, 4, 8, 8),
                follower(21, 2, 4, 8, 8),  follower(22, 2, 4, 8, 12), leader(25, 1, 4, 12, 12),
                follower(30, 3, 4, 8, 12), follower(31, 3, 4, 8, 8),  follower(32, 3, 4, 12, 12)};
  o.final_logs = {final_log_ending_at(1, 12), final_log_ending_at(2, 12),
                  final_log_ending_at(3, 12)};
  return o;
}

TEST(CommittedDataKept, AFormerLeaderTruncatingItsDivergentTailBelowTheNewHighWatermarkPasses) {
  EXPECT_TRUE(check_committed_data_kept(former_leader_with_a_divergent_tail(), "").empty());
}

TEST(CommittedDataKept, AFormerLeaderTruncatingBelowTheHighWatermarkItExposedViolatesIt) {
  Observations o = former_leader_with_a_divergent_tail();
  o.replicas[7] = follower(31, 3, 4, 6, 6);
  const std::vector<Violation> violations = check_committed_data_kept(o, "");
  ASSERT_EQ(violations.size(), 1U);
  EXPECT_TRUE(contains(violations[0].detail,
                       "broker 3, follower in epoch 4, truncated its log from 12 to 6 at 31 ms, "
                       "removing offsets [6, 8) it held as committed (as leader of epoch 3"));
}

// --- monotonic-hw ------------------------------------------------------------------------------

TEST(MonotonicHw, ALeaderHighWatermarkThatMovesBackInOneEpochViolatesItOnce) {
  Observations o;
  o.replicas = {leader(10, 1, 2, 5, 6), leader(20, 1, 2, 4, 6), leader(30, 1, 2, 3, 6)};
  const std::vector<Violation> violations = check_monotonic_hw(o);
  ASSERT_EQ(properties_of(violations), Names{std::string(kMonotonicHw)});
  EXPECT_EQ(violations[0].at, at_ms(20));
  EXPECT_EQ(violations[0].detail,
            "orders-0: broker 1, leader in epoch 2, moved its high watermark back from 5 (at 10 "
            "ms) to 4 (at 20 ms)");
}

TEST(MonotonicHw, AHighWatermarkThatDropsAcrossALeaderChangePasses) {
  Observations o;
  o.replicas = {leader(10, 1, 2, 5, 6), leader(20, 2, 3, 3, 5), leader(30, 1, 4, 2, 6),
                follower(40, 2, 4, 5, 5), follower(41, 2, 4, 2, 2)};
  EXPECT_TRUE(check_monotonic_hw(o).empty());
}

TEST(MonotonicHw, AHighWatermarkAboveTheLogEndOffsetViolatesItInAnyRole) {
  Observations o;
  o.faults = {crash(5, "broker-2")};
  o.replicas = {follower(30, 2, 2, 7, 5), follower(31, 2, 2, 7, 6), restarted(40, 3, 4, 3)};
  const std::vector<Violation> violations = check_monotonic_hw(o);
  ASSERT_EQ(violations.size(), 2U);
  EXPECT_EQ(violations[0].detail,
            "orders-0: broker 2 (follower, epoch 2) reported high watermark 7 above its log end "
            "offset 5 at 30 ms; after crash broker-2 at 5 ms, restart after 500 ms");
  EXPECT_TRUE(contains(violations[1].detail, "broker 3 (no role, epoch -1)"));
}

// --- one-leader-per-epoch ----------------------------------------------------------------------

TEST(OneLeaderPerEpoch, TwoBrokersLeadingOnePartitionInOneEpochViolateItOnce) {
  Observations o;
  o.replicas = {leader(10, 1, 3, 0, 1), leader(20, 2, 3, 0, 1), leader(25, 2, 3, 1, 1)};
  const std::vector<Violation> violations = check_one_leader_per_epoch(o);
  ASSERT_EQ(properties_of(violations), Names{std::string(kOneLeaderPerEpoch)});
  EXPECT_EQ(violations[0].at, at_ms(20));
  EXPECT_EQ(violations[0].detail,
            "orders-0: brokers 1 (leader from 10 ms) and 2 (leader at 20 ms) both acted as leader "
            "in epoch 3");
}

TEST(OneLeaderPerEpoch, TwoMetadataVersionsNamingDifferentLeadersForOneEpochViolateIt) {
  Observations o;
  o.metadata = {metadata(10, 0, 5, {partition_state({1, 2}, 1, 3)}),
                metadata(20, 0, 6, {partition_state({1, 2}, 2, 3)}),
                metadata(30, 0, 7, {partition_state({1, 2}, 2, 3)})};
  const std::vector<Violation> violations = check_one_leader_per_epoch(o);
  ASSERT_EQ(violations.size(), 1U);
  EXPECT_EQ(violations[0].at, at_ms(20));
  EXPECT_EQ(violations[0].detail,
            "orders-0: metadata version 5 (node 0, 10 ms) names broker 1 leader in epoch 3, but "
            "version 6 (node 0, 20 ms) names broker 2");
}

TEST(OneLeaderPerEpoch, LeaderlessEpochsAndOtherPartitionsOrEpochsDoNotConflict) {
  Observations o;
  o.metadata = {metadata(10, 0, 5, {partition_state({1}, -1, 3)}),
                metadata(20, 0, 6, {partition_state({1}, 1, 3)}),
                metadata(30, 0, 7, {partition_state({1}, -1, 4)}),
                metadata(40, 0, 8, {partition_state({2}, 2, 5), partition_state({1}, 1, 5, 1)})};
  o.replicas = {leader(10, 1, 3, 0, 1), sample(11, 2, Role::kLeader, 3, 0, 1, 1),
                leader(12, 2, 4, 0, 1)};
  EXPECT_TRUE(check_one_leader_per_epoch(o).empty());
}

// --- one-controller-per-epoch ------------------------------------------------------------------

TEST(OneControllerPerEpoch, TwoControllersActiveInOneEpochViolateIt) {
  Observations o;
  o.controllers = {leadership(10, 0, 4), leadership(20, 1, 4)};
  const std::vector<Violation> violations = check_one_controller_per_epoch(o);
  ASSERT_EQ(properties_of(violations), Names{std::string(kOneControllerPerEpoch)});
  EXPECT_EQ(violations[0].at, at_ms(20));
  EXPECT_EQ(violations[0].detail,
            "controllers on nodes 0 (active from 10 ms) and 1 (active at 20 ms) were both active "
            "in epoch 4");
}

TEST(OneControllerPerEpoch, ResigningAndReturningOrHandingOverInTheNextEpochPasses) {
  Observations o;
  o.controllers = {leadership(10, 0, 4), leadership(15, 0, 4, false), leadership(16, 0, 4),
                   leadership(20, 0, 4, false), leadership(30, 1, 5)};
  EXPECT_TRUE(check_one_controller_per_epoch(o).empty());
}

TEST(OneControllerPerEpoch, EveryMetadataDivergenceViolatesIt) {
  Observations o;
  o.metadata_divergence = {MetadataDivergence{at_ms(40), 17, sim::NodeId(0), sim::NodeId(2)},
                           MetadataDivergence{at_ms(41), 17, sim::NodeId(0), sim::NodeId(1)}};
  const std::vector<Violation> violations = check_one_controller_per_epoch(o);
  ASSERT_EQ(violations.size(), 2U);
  EXPECT_EQ(violations[0].detail,
            "metadata version 17: the controller on node 2 applied it with a different image "
            "than the controller on node 0, which applied it first (seen at 40 ms)");
  EXPECT_EQ(violations[1].at, at_ms(41));
}

// --- isr-legality ------------------------------------------------------------------------------

TEST(IsrLegality, ALeaderOutsideTheIsrViolatesItOnceAcrossTheVersionsThatRepeatIt) {
  Observations o;
  o.metadata = {metadata(10, 0, 3, {partition_state({1}, 2, 1)}),
                metadata(20, 0, 4, {partition_state({1}, 2, 1)}),
                metadata(30, 1, 5, {partition_state({1}, 2, 1)})};
  const std::vector<Violation> violations = check_isr_legality(o);
  ASSERT_EQ(properties_of(violations), Names{std::string(kIsrLegality)});
  EXPECT_EQ(violations[0].at, at_ms(10));
  EXPECT_EQ(violations[0].detail,
            "metadata version 3 (applied by the controller on node 0 at 10 ms) breaks an "
            "invariant: orders-0: leader 2 is not in the ISR");
}

TEST(IsrLegality, AFencedBrokerAsTheSoleIsrMemberOfALeaderlessPartitionIsLegal) {
  Observations o;
  o.metadata = {metadata(10, 0, 3, {partition_state({3}, -1, 2)}, /*fenced=*/3)};
  EXPECT_TRUE(check_isr_legality(o).empty());
}

TEST(IsrLegality, AFencedBrokerBesideOthersInTheIsrViolatesIt) {
  Observations o;
  o.metadata = {metadata(10, 0, 3, {partition_state({1, 3}, 1, 2)}, /*fenced=*/3)};
  const std::vector<Violation> violations = check_isr_legality(o);
  ASSERT_EQ(violations.size(), 1U);
  EXPECT_TRUE(contains(violations[0].detail,
                       "orders-0: ISR member 3 is fenced or in controlled "
                       "shutdown"));
}

TEST(IsrLegality, EachDistinctProblemIsReportedAtTheFirstVersionThatShowsIt) {
  Observations o;
  o.metadata = {metadata(10, 0, 3, {partition_state({1}, 2, 1)}),
                metadata(20, 0, 4, {partition_state({3}, 3, 2)}, /*fenced=*/3)};
  const std::vector<Violation> violations = check_isr_legality(o);
  ASSERT_EQ(violations.size(), 2U);
  EXPECT_TRUE(contains(violations[1].detail, "version 4"));
  EXPECT_TRUE(contains(violations[1].detail, "orders-0: leader 3 is fenced or not registered"));
}

bool contains_property(const std::vector<Violation>& violations, std::string_view property) {
  return std::any_of(violations.begin(), violations.end(),
                     [&](const Violation& v) { return v.property == property; });
}

// --- check_replicas ----------------------------------------------------------------------------

TEST(ReplicaChecks, MeasureLeaderControllerAndIsrChangesAndReplicaLag) {
  Observations o;
  o.metadata = {
      metadata(10, 0, 1, {partition_state({1, 2, 3}, 1, 0), partition_state({3}, 3, 0, 1)}),
      metadata(20, 0, 2, {partition_state({1, 2}, 1, 0), partition_state({3}, 3, 0, 1)}),
      metadata(30, 0, 3, {partition_state({2}, 2, 1), partition_state({3}, 3, 0, 1)}),
      metadata(40, 0, 4, {partition_state({2}, -1, 2), partition_state({3}, 3, 0, 1)}),
      metadata(50, 0, 5, {partition_state({1, 2}, 2, 3), partition_state({3}, 3, 0, 1)})};
  o.controllers = {leadership(5, 0, 1), leadership(25, 0, 1, false), leadership(26, 1, 2)};
  o.replicas = {leader(60, 2, 3, 10, 10)};
  o.final_logs = {final_log_ending_at(1, 7), final_log_ending_at(2, 10), final_log_ending_at(3, 9),
                  final_log_ending_at(3, 4, 1)};
  const CheckResult result = check_replicas(o, "");
  EXPECT_TRUE(result.violations.empty());
  const std::map<std::string, std::int64_t> expected{{"leader_changes", 2},
                                                     {"controller_changes", 2},
                                                     {"isr_shrinks", 2},
                                                     {"isr_expands", 1},
                                                     {"committed_offsets_lost", 0},
                                                     {"max_replica_lag_records", 3},
                                                     {"replica_log_mismatches_unpromised", 0}};
  EXPECT_EQ(result.measurements, expected);
}

TEST(ReplicaChecks, ViolationsOfAllCheckersAreSortedByTheTimeTheyBecameVisible) {
  Observations o;
  o.liveness_end = at_ms(900);
  o.controllers = {leadership(10, 0, 4), leadership(30, 1, 4)};
  o.replicas = {leader(20, 1, 2, 5, 6), leader(25, 1, 2, 4, 6)};
  std::vector<ReplicaRecord> odd = records(2);
  odd[0].value = "x0";
  o.final_logs = {final_log(1, 2, records(2)), final_log(2, 2, odd)};
  const CheckResult result = check_replicas(o, "");
  const Names expected{std::string(kMonotonicHw), std::string(kOneControllerPerEpoch),
                       std::string(kReplicaLogMatching), std::string(kCommittedDataKept)};
  EXPECT_EQ(properties_of(result.violations), expected);
}

TEST(ReplicaChecks, ReplicaLogMatchingIsMeasuredNotFailedWhenAWholeIsrLostPower) {
  Observations o;
  std::vector<ReplicaRecord> odd = records(2);
  odd[0].value = "x0";
  o.final_logs = {final_log(1, 2, records(2)), final_log(2, 2, odd)};
  const std::string cause = "power loss of every member of orders-0's ISR [1,2]";
  const CheckResult voided = check_replicas(o, cause, /*whole_isr_lost_power=*/true);
  EXPECT_FALSE(contains_property(voided.violations, kReplicaLogMatching));
  EXPECT_EQ(voided.measurements.at("replica_log_mismatches_unpromised"), 1);
  const CheckResult promised = check_replicas(o, "unclean leader election of orders-0");
  EXPECT_TRUE(contains_property(promised.violations, kReplicaLogMatching));
  EXPECT_EQ(promised.measurements.at("replica_log_mismatches_unpromised"), 0);
}

}  // namespace
}  // namespace samsa::properties

namespace samsa::properties {
namespace {

TEST(ObservedViolation, ADetailWithBinaryKeysStaysPrintableText) {
  EXPECT_EQ(printable(std::string("key \x01\x8c ok", 9)), "key \\x01\\x8c ok");
  Observations o;
  const Violation v =
      violation(o, "replica-log-matching", std::string("k=\xff", 3), sim::SimTime{});
  EXPECT_EQ(v.detail, "k=\\xff");
}

}  // namespace
}  // namespace samsa::properties
