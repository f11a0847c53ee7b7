// The active controller's broker lifecycle (KIP-631): registration and broker epochs,
// heartbeats that unfence, session expiry that fences, controlled shutdown.
#include <gtest/gtest.h>

#include <algorithm>

#include "sim/assert.h"
#include "tests/cluster/controller/controller_testing.h"

namespace samsa::cluster::controller::testing {
namespace {

bool in(const std::vector<BrokerId>& set, BrokerId id) {
  return std::find(set.begin(), set.end(), id) != set.end();
}

bool leads_any(const MetadataImage& image, BrokerId id) {
  return std::any_of(image.partitions().begin(), image.partitions().end(),
                     [id](const auto& entry) { return entry.second.leader == id; });
}

bool in_any_isr(const MetadataImage& image, BrokerId id) {
  return std::any_of(image.partitions().begin(), image.partitions().end(),
                     [id](const auto& entry) { return in(entry.second.isr, id); });
}

// The broker holding the single replica of t-0 (rf 1).
BrokerId sole_replica(const ControllerRig& rig) {
  return rig.state(tp("t", 0)).replicas.front();
}

// --- Registration ---

TEST(BrokerLifecycle, RegistrationGivesStrictlyIncreasingBrokerEpochs) {
  ControllerRig rig(0);
  EXPECT_EQ(rig.register_broker(kB2, 1), BrokerEpoch(1));
  EXPECT_EQ(rig.register_broker(kB1, 1), BrokerEpoch(2));
  EXPECT_EQ(rig.register_broker(kB2, 2), BrokerEpoch(3));  // a restart of broker 2
  EXPECT_EQ(rig.register_broker(kB3, 1), BrokerEpoch(4));
  EXPECT_EQ(rig.image().last_broker_epoch(), BrokerEpoch(4));
}

TEST(BrokerLifecycle, ANewBrokerIsRegisteredFencedAtItsRecordsOffset) {
  ControllerRig rig(0);
  rig.register_broker(kB1, 7);
  ASSERT_EQ(rig.last_records().size(), 1u);
  EXPECT_EQ(rig.last_records()[0],
            MetadataRecord(RegisterBrokerRecord{kB1, sim::NodeId(1), BrokerEpoch(1), 7}));
  EXPECT_TRUE(rig.broker(kB1).fenced);
  EXPECT_EQ(rig.broker(kB1).registration_offset, 0);
  EXPECT_EQ(rig.logic().next_offset(), 1);
}

TEST(BrokerLifecycle, ARetryWithTheSameIncarnationGetsTheSameEpochAndNoRecord) {
  ControllerRig rig(1);
  const BrokerEpoch epoch = rig.broker(kB1).epoch;
  EXPECT_EQ(rig.register_broker(kB1, rig.incarnation(kB1)), epoch);
  EXPECT_TRUE(rig.last_records().empty());
  EXPECT_FALSE(rig.broker(kB1).fenced);
}

TEST(BrokerLifecycle, ANewIncarnationReplacesTheRegistrationAndStalesTheOldEpoch) {
  ControllerRig rig(1);
  const BrokerEpoch old_epoch = rig.broker(kB1).epoch;
  const BrokerEpoch new_epoch = rig.register_broker(kB1, rig.incarnation(kB1) + 1);
  EXPECT_GT(new_epoch, old_epoch);
  EXPECT_TRUE(rig.broker(kB1).fenced);
  const auto stale = rig.heartbeat(
      kB1,
      {.offset = std::nullopt, .want_fence = false, .want_shutdown = false, .epoch = old_epoch});
  EXPECT_EQ(stale.error, ErrorCode::kStaleBrokerEpoch);
  EXPECT_EQ(rig.heartbeat(kB1).error, ErrorCode::kNone);
  EXPECT_FALSE(rig.broker(kB1).fenced);
}

TEST(BrokerLifecycle, ARestartedBrokerLeavesItsIsrsAndLeadershipsBeforeItsNewRegistration) {
  ControllerRig rig(3);
  rig.create_topic("t", 3, 3);
  rig.register_broker(kB2, rig.incarnation(kB2) + 1);
  const auto& records = rig.last_records();
  ASSERT_GE(records.size(), 4u);  // three partition changes, then the registration
  EXPECT_TRUE(std::holds_alternative<RegisterBrokerRecord>(records.back()));
  for (std::size_t i = 0; i + 1 < records.size(); ++i) {
    EXPECT_TRUE(std::holds_alternative<PartitionChangeRecord>(records[i])) << describe(records[i]);
  }
  EXPECT_FALSE(leads_any(rig.image(), kB2));
  EXPECT_FALSE(in_any_isr(rig.image(), kB2));
}

TEST(BrokerLifecycle, ANegativeBrokerIdIsAnInvalidRequest) {
  ControllerRig rig(0);
  BrokerRegistrationRequest request;
  request.broker_id = BrokerId(-1);
  EXPECT_EQ(rig.take(rig.logic().register_broker(request, rig.now())).error,
            ErrorCode::kInvalidRequest);
}

// --- Heartbeats ---

TEST(BrokerLifecycle, AHeartbeatFromAnUnknownBrokerIsStale) {
  ControllerRig rig(1);
  EXPECT_EQ(rig.heartbeat(kB4).error, ErrorCode::kStaleBrokerEpoch);
}

TEST(BrokerLifecycle, HeartbeatsUnfenceABrokerOnceItHasCaughtUpWithItsRegistration) {
  ControllerRig rig(1);
  rig.create_topic("t", 1, 1);
  rig.register_broker(kB2, 1);
  const std::int64_t registered_at = rig.broker(kB2).registration_offset;
  auto behind = rig.heartbeat(kB2, {.offset = registered_at - 1,
                                    .want_fence = false,
                                    .want_shutdown = false,
                                    .epoch = std::nullopt});
  EXPECT_FALSE(behind.is_caught_up);
  EXPECT_TRUE(behind.is_fenced);
  EXPECT_TRUE(rig.last_records().empty());
  auto caught_up = rig.heartbeat(kB2, {.offset = registered_at,
                                       .want_fence = false,
                                       .want_shutdown = false,
                                       .epoch = std::nullopt});
  EXPECT_TRUE(caught_up.is_caught_up);
  EXPECT_FALSE(caught_up.is_fenced);
  ASSERT_EQ(rig.last_records().size(), 1u);
  EXPECT_EQ(rig.last_records()[0], MetadataRecord(BrokerRegistrationChangeRecord{
                                       kB2, rig.broker(kB2).epoch, false, std::nullopt}));
}

TEST(BrokerLifecycle, ABrokerThatWantsToStayFencedIsNotUnfenced) {
  ControllerRig rig(0);
  rig.register_broker(kB1, 1);
  const auto response = rig.heartbeat(
      kB1,
      {.offset = std::nullopt, .want_fence = true, .want_shutdown = false, .epoch = std::nullopt});
  EXPECT_TRUE(response.is_caught_up);
  EXPECT_TRUE(response.is_fenced);
}

TEST(BrokerLifecycle, AnUnfencedBrokerThatAsksToBeFencedIsFencedAndMovedOut) {
  ControllerRig rig(2);
  rig.create_topic("t", 2, 2);
  const auto response = rig.heartbeat(
      kB1,
      {.offset = std::nullopt, .want_fence = true, .want_shutdown = false, .epoch = std::nullopt});
  EXPECT_TRUE(response.is_fenced);
  EXPECT_TRUE(rig.broker(kB1).fenced);
  EXPECT_FALSE(leads_any(rig.image(), kB1));
  EXPECT_FALSE(in_any_isr(rig.image(), kB1));
}

TEST(BrokerLifecycle, UnfencingElectsTheBrokerLeaderOfLeaderlessPartitionsItCanLead) {
  ControllerRig rig(3);
  rig.create_topic("t", 1, 1);
  const BrokerId owner = sole_replica(rig);
  rig.expire(owner);
  ASSERT_EQ(rig.state(tp("t", 0)).leader, kNoLeader);
  const auto response = rig.heartbeat(owner);
  EXPECT_FALSE(response.is_fenced);
  const PartitionState& p = rig.state(tp("t", 0));
  EXPECT_EQ(p.leader, owner);
  EXPECT_EQ(p.isr, std::vector<BrokerId>{owner});
  EXPECT_EQ(p.leader_epoch, LeaderEpoch(2));  // 0 -> leaderless 1 -> re-elected 2
}

// --- Session expiry ---

TEST(BrokerLifecycle, FencingRemovesTheBrokerFromEveryIsrAndReelectsLeaders) {
  ControllerRig rig(3);
  rig.create_topic("t", 6, 3);
  EXPECT_EQ(rig.expire(kB1), std::vector<BrokerId>{kB1});
  EXPECT_TRUE(rig.broker(kB1).fenced);
  EXPECT_TRUE(std::holds_alternative<BrokerRegistrationChangeRecord>(rig.last_records().back()));
  for (const auto& entry : rig.image().partitions()) {
    const TopicPartition& where = entry.first;
    const PartitionState& p = entry.second;
    EXPECT_FALSE(in(p.isr, kB1)) << to_string(where);
    ASSERT_NE(p.leader, kNoLeader) << to_string(where);
    // The first replica in assignment order that is still in the ISR.
    const auto first = std::find_if(p.replicas.begin(), p.replicas.end(),
                                    [&p](BrokerId r) { return in(p.isr, r); });
    EXPECT_EQ(p.leader, *first) << to_string(where);
  }
  EXPECT_FALSE(rig.image().validate());
}

TEST(BrokerLifecycle, TheLastIsrMemberStaysInTheIsrOfALeaderlessPartition) {
  ControllerRig rig(3);
  rig.create_topic("t", 1, 1);
  const BrokerId owner = sole_replica(rig);
  rig.expire(owner);
  const PartitionState& p = rig.state(tp("t", 0));
  EXPECT_EQ(p.isr, std::vector<BrokerId>{owner});
  EXPECT_EQ(p.leader, kNoLeader);
  EXPECT_FALSE(rig.image().validate());
}

TEST(BrokerLifecycle, FencingTheLastIsrMemberOfAnUncleanTopicElectsALiveReplica) {
  ControllerRig rig(2);
  rig.create_topic("t", 1, 2, /*unclean=*/true);
  const BrokerId leader = rig.state(tp("t", 0)).leader;
  const BrokerId other = leader == kB1 ? kB2 : kB1;
  ASSERT_EQ(rig.alter(rig.alter_request(tp("t", 0), {leader})).error, ErrorCode::kNone);
  rig.expire(leader);
  const PartitionState& p = rig.state(tp("t", 0));
  EXPECT_EQ(p.leader, other);
  EXPECT_EQ(p.isr, std::vector<BrokerId>{other});
}

TEST(BrokerLifecycle, ASessionExpiresOnlyAfterMoreThanTheTimeout) {
  ControllerConfig config;
  config.broker_session_timeout_ms = 1'000;
  ControllerRig rig(2, config);
  rig.advance(1000ms);
  EXPECT_TRUE(rig.take(rig.logic().fence_expired(rig.now())).empty());
  rig.heartbeat(kB2);
  rig.advance(1ms);
  EXPECT_EQ(rig.take(rig.logic().fence_expired(rig.now())), std::vector<BrokerId>{kB1});
  EXPECT_EQ(rig.take(rig.logic().fence_expired(rig.now(), 0)), std::vector<BrokerId>{kB2});
}

TEST(BrokerLifecycle, BecomingActiveStartsAFreshSessionForEveryRegisteredBroker) {
  ControllerRig old_controller(3);
  const sim::SimTime activated = old_controller.now() + 60s;  // long after any heartbeat
  ControllerLogic logic(ControllerConfig{}, old_controller.image(), activated);
  EXPECT_EQ(logic.last_heartbeat(kB1), activated);
  EXPECT_TRUE(logic.fence_expired(activated + 9s).response.empty());
  EXPECT_EQ(logic.fence_expired(activated + 9s + 1ms).response, ids({1, 2, 3}));
}

TEST(BrokerLifecycle, RecordsTakeOffsetsFromTheNextOffsetTheRaftLayerReports) {
  ControllerLogic logic(ControllerConfig{}, MetadataImage{}, sim::kSimStart);
  logic.set_next_offset(5);  // e.g. after the Raft leader's own control records
  BrokerRegistrationRequest request;
  request.broker_id = kB1;
  request.incarnation = 1;
  logic.register_broker(request, sim::kSimStart);
  EXPECT_EQ(logic.image().broker(kB1)->registration_offset, 5);
  EXPECT_EQ(logic.image().version(), 6);
  EXPECT_EQ(logic.next_offset(), 6);
  EXPECT_THROW(logic.set_next_offset(5), sim::InvariantViolation);
}

// --- Controlled shutdown ---

TEST(BrokerLifecycle, ControlledShutdownMovesLeadershipAwayThenMarksTheBroker) {
  ControllerRig rig(3);
  rig.create_topic("t", 3, 3);
  ASSERT_TRUE(leads_any(rig.image(), kB1));
  const auto response = rig.heartbeat(
      kB1,
      {.offset = std::nullopt, .want_fence = false, .want_shutdown = true, .epoch = std::nullopt});
  EXPECT_TRUE(response.should_shutdown);
  EXPECT_FALSE(response.is_fenced);
  EXPECT_TRUE(rig.broker(kB1).in_controlled_shutdown);
  EXPECT_FALSE(leads_any(rig.image(), kB1));
  EXPECT_FALSE(in_any_isr(rig.image(), kB1));
  EXPECT_EQ(rig.last_records().back(), MetadataRecord(BrokerRegistrationChangeRecord{
                                           kB1, rig.broker(kB1).epoch, std::nullopt, true}));
}

TEST(BrokerLifecycle, AShuttingDownSoleIsrMemberStaysAndItsPartitionLosesItsLeader) {
  ControllerRig rig(2);
  rig.create_topic("t", 1, 1);
  const BrokerId owner = sole_replica(rig);
  const auto response = rig.heartbeat(
      owner,
      {.offset = std::nullopt, .want_fence = false, .want_shutdown = true, .epoch = std::nullopt});
  EXPECT_TRUE(response.should_shutdown);
  EXPECT_EQ(rig.state(tp("t", 0)).isr, std::vector<BrokerId>{owner});
  EXPECT_EQ(rig.state(tp("t", 0)).leader, kNoLeader);
}

TEST(BrokerLifecycle, ABrokerInControlledShutdownIsNotUnfencedAgain) {
  ControllerRig rig(2);
  rig.heartbeat(
      kB1,
      {.offset = std::nullopt, .want_fence = false, .want_shutdown = true, .epoch = std::nullopt});
  rig.expire(kB1);
  ASSERT_TRUE(rig.broker(kB1).fenced);
  EXPECT_TRUE(rig.heartbeat(kB1).is_fenced);
}

TEST(BrokerLifecycle, AFencedBrokerThatWantsToShutDownMayStopAtOnce) {
  ControllerRig rig(0);
  rig.register_broker(kB1, 1);
  const auto response = rig.heartbeat(
      kB1,
      {.offset = std::nullopt, .want_fence = false, .want_shutdown = true, .epoch = std::nullopt});
  EXPECT_TRUE(response.should_shutdown);
  EXPECT_TRUE(rig.last_records().empty());
}

TEST(BrokerLifecycle, ARestartAfterControlledShutdownMayLeadAgain) {
  ControllerRig rig(2);
  rig.create_topic("t", 1, 1);
  const BrokerId owner = sole_replica(rig);
  rig.heartbeat(
      owner,
      {.offset = std::nullopt, .want_fence = false, .want_shutdown = true, .epoch = std::nullopt});
  rig.start_broker(owner);
  EXPECT_FALSE(rig.broker(owner).in_controlled_shutdown);
  EXPECT_FALSE(rig.broker(owner).fenced);
  EXPECT_EQ(rig.state(tp("t", 0)).leader, owner);
}

}  // namespace
}  // namespace samsa::cluster::controller::testing
