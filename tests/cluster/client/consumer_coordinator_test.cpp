// Claims about ConsumerCoordinator's group membership (cluster/client/consumer_coordinator.h)
// against a scripted fake coordinator: KIP-394's join, leader and follower SyncGroup, eager
// and cooperative (KIP-429) revocation, the heartbeat's findings, poll and session
// timeouts, leaving and fencing. Offsets are in consumer_coordinator_offsets_test.cpp.
#include "cluster/client/consumer_coordinator.h"

#include <gtest/gtest.h>

#include "tests/cluster/client/consumer_coordinator_fixture.h"

namespace samsa::cluster::testing {
namespace {

using Call = RecordingListener::Call;
using Partitions = std::vector<TopicPartition>;

const TopicPartition o0 = tp("orders", 0);
const TopicPartition o1 = tp("orders", 1);
const TopicPartition o2 = tp("orders", 2);
const TopicPartition o3 = tp("orders", 3);

// A follower (the fake's leader is another member) that gets `assignments`, one per
// generation, subscribed to "orders" and in its first generation.
void join_as_follower(CoordinatorRig& rig, std::deque<Partitions> assignments,
                      ConsumerGroupConfig config) {
  rig.fake.consumer_leads = false;
  rig.fake.follower_assignments = std::move(assignments);
  rig.start_consumer(std::move(config));
  rig.on_consumer([&] {
    rig.coordinator->subscribe({"orders"});
    EXPECT_TRUE(rig.coordinator->poll(rig.deadline_after(10s)));
  });
}

TEST(ConsumerCoordinator, MemberIdRequiredRoundThenTheLeaderRunsTheChosenAssignorForEveryMember) {
  CoordinatorRig rig;
  ConsumerGroupConfig config = rig.config();
  auto alpha = std::make_shared<ModuloAssignor>("alpha", RebalanceProtocol::kEager);
  auto beta = std::make_shared<ModuloAssignor>("beta", RebalanceProtocol::kEager);
  config.assignors = {alpha, beta};
  rig.fake.chosen_protocol = "beta";
  Subscription other;
  other.topics = {"orders", "payments"};
  rig.fake.other_members = {{"member-2", std::nullopt, encode_subscription(other)}};
  rig.start_consumer(config);
  rig.on_consumer([&] {
    rig.coordinator->subscribe({"orders", "orders"});
    EXPECT_TRUE(rig.coordinator->poll(rig.deadline_after(10s)));
  });

  ASSERT_EQ(rig.fake.joins.size(), 2U);
  EXPECT_EQ(rig.fake.joins.at(0)->member_id, "");  // KIP-394: MEMBER_ID_REQUIRED ...
  EXPECT_EQ(rig.fake.joins.at(1)->member_id, "member-1");  // ... then the given id
  EXPECT_EQ(rig.fake.joins.at(1)->rebalance_timeout_ms, 20'000);  // max.poll.interval.ms
  EXPECT_EQ(rig.fake.joins.at(1)->session_timeout_ms, 10'000);
  ASSERT_EQ(rig.fake.joins.at(1)->protocols.size(), 2U);  // one per assignor, in order
  EXPECT_EQ(rig.fake.joins.at(1)->protocols.at(0).name, "alpha");
  EXPECT_EQ(rig.fake.joins.at(1)->protocols.at(1).name, "beta");
  const Subscription mine = CoordinatorRig::subscription_of(*rig.fake.joins.at(1));
  EXPECT_EQ(mine.topics, std::vector<std::string>{"orders"});
  EXPECT_TRUE(mine.owned_partitions.empty());

  EXPECT_EQ(alpha->calls, 0);
  ASSERT_EQ(beta->calls, 1);
  ASSERT_EQ(beta->last_members.size(), 2U);
  EXPECT_EQ(beta->last_members[1].subscription, other);
  ASSERT_EQ(rig.partition_count_queries.size(), 1U);
  EXPECT_EQ(rig.partition_count_queries[0], (std::vector<std::string>{"orders", "payments"}));

  ASSERT_EQ(rig.fake.syncs.size(), 1U);
  const SyncGroupRequest& sync = *rig.fake.syncs.at(0);
  EXPECT_EQ(sync.generation_id, 1);
  EXPECT_EQ(sync.member_id, "member-1");
  ASSERT_EQ(sync.assignments.size(), 2U);
  std::map<std::string, Partitions> sent;
  for (const SyncGroupAssignment& a : sync.assignments) {
    auto decoded = decode_assignment(a.assignment);
    ASSERT_TRUE(decoded.ok());
    sent[a.member_id] = decoded.value().partitions;
  }
  EXPECT_EQ(sent["member-1"], (Partitions{o0, o2}));
  EXPECT_EQ(sent["member-2"], (Partitions{o1, o3, tp("payments", 0), tp("payments", 1)}));

  EXPECT_EQ(rig.coordinator->assignment(), (Partitions{o0, o2}));
  EXPECT_EQ(rig.coordinator->generation(), (GroupGeneration{1, "member-1", "beta"}));
  EXPECT_EQ(rig.listener.calls, (std::vector<Call>{{"assigned", {o0, o2}}}));
  EXPECT_EQ(rig.coordinator->stats().joins, 2U);
  EXPECT_EQ(rig.coordinator->stats().rebalances, 1U);
  EXPECT_FALSE(rig.coordinator->rebalance_in_progress());
}

TEST(ConsumerCoordinator, AFollowerSendsNoAssignmentsAndInstallsWhatTheLeaderChose) {
  CoordinatorRig rig;
  join_as_follower(rig, {{o1, o3}}, rig.config());
  ASSERT_EQ(rig.fake.syncs.size(), 1U);
  EXPECT_TRUE(rig.fake.syncs.at(0)->assignments.empty());
  EXPECT_TRUE(rig.partition_count_queries.empty());
  EXPECT_EQ(rig.coordinator->assignment(), (Partitions{o1, o3}));
  EXPECT_EQ(rig.listener.calls, (std::vector<Call>{{"assigned", {o1, o3}}}));
}

TEST(ConsumerCoordinator, EagerRevokesEverythingBeforeJoinGroupThenAssignsAllOfTheNew) {
  CoordinatorRig rig;
  std::vector<Partitions> owned_at_join;
  std::vector<std::size_t> listener_calls_at_join;
  rig.fake.on_join = [&] {
    owned_at_join.push_back(rig.coordinator->assignment());
    listener_calls_at_join.push_back(rig.listener.calls.size());
  };
  join_as_follower(rig, {{o0, o1}, {o2}}, rig.config());
  rig.on_consumer([&] {
    rig.coordinator->subscribe({"payments", "orders"});
    EXPECT_TRUE(rig.coordinator->rebalance_in_progress());
    EXPECT_TRUE(rig.coordinator->poll(rig.deadline_after(10s)));
  });
  EXPECT_EQ(rig.listener.calls, (std::vector<Call>{
                                    {"assigned", {o0, o1}}, {"revoked", {o0, o1}}, {"assigned", {o2}}}));
  ASSERT_EQ(rig.fake.joins.size(), 3U);
  EXPECT_TRUE(owned_at_join.at(2).empty());
  EXPECT_EQ(listener_calls_at_join.at(2), 2U);  // revoked before the JoinGroup left
  const Subscription sent = CoordinatorRig::subscription_of(*rig.fake.joins.at(2));
  EXPECT_EQ(sent.topics, (std::vector<std::string>{"orders", "payments"}));
  EXPECT_TRUE(sent.owned_partitions.empty());
  EXPECT_EQ(rig.coordinator->generation()->generation_id, 2);
}

TEST(ConsumerCoordinator, CooperativeRevokesOnlyMovedPartitionsThenRejoinsOnceMore) {
  CoordinatorRig rig;
  std::vector<Partitions> owned_at_join;
  rig.fake.on_join = [&] { owned_at_join.push_back(rig.coordinator->assignment()); };
  join_as_follower(rig, {{o0, o1}, {o1, o2}, {o1, o2}}, rig.config(RebalanceProtocol::kCooperative));
  rig.fake.heartbeat_errors = {ErrorCode::kRebalanceInProgress};
  rig.on_consumer([&] {
    rig.sleep_for(1500ms);  // a heartbeat learns of the rebalance
    EXPECT_TRUE(rig.coordinator->rebalance_in_progress());
    EXPECT_TRUE(rig.coordinator->poll(rig.deadline_after(10s)));
    EXPECT_EQ(rig.coordinator->assignment(), (Partitions{o1, o2}));
    EXPECT_TRUE(rig.coordinator->rebalance_in_progress());  // KIP-429's second round
    EXPECT_TRUE(rig.coordinator->poll(rig.deadline_after(10s)));
    EXPECT_FALSE(rig.coordinator->rebalance_in_progress());
  });
  EXPECT_EQ(rig.listener.calls,
            (std::vector<Call>{{"assigned", {o0, o1}}, {"revoked", {o0}}, {"assigned", {o2}},
                               {"assigned", {}}}));
  ASSERT_EQ(rig.fake.joins.size(), 4U);
  EXPECT_EQ(owned_at_join.at(2), (Partitions{o0, o1}));  // nothing revoked before the join
  const Subscription second = CoordinatorRig::subscription_of(*rig.fake.joins.at(2));
  EXPECT_EQ(second.owned_partitions, (Partitions{o0, o1}));
  EXPECT_EQ(second.generation_id, 1);
  const Subscription third = CoordinatorRig::subscription_of(*rig.fake.joins.at(3));
  EXPECT_EQ(third.owned_partitions, (Partitions{o1, o2}));
  EXPECT_EQ(third.generation_id, 2);
}

TEST(ConsumerCoordinator, WithEagerOwnerKeepsFetchingTheOldAssignmentIsKeptWhileJoinGroupWaits) {
  CoordinatorRig rig;
  ConsumerGroupConfig config = rig.config();
  config.bugs.enable(Bug::kEagerOwnerKeepsFetching);
  join_as_follower(rig, {{o0, o1}, {o2}}, config);
  rig.fake.join_delay = 2s;
  rig.on_consumer([&] {
    rig.coordinator->subscribe({"orders", "payments"});
    // The poll ends while the JoinGroup is held: the member still owns and fetches.
    EXPECT_TRUE(rig.coordinator->poll(rig.deadline_after(500ms)));
    EXPECT_EQ(rig.fake.joins.size(), 3U);
    EXPECT_EQ(rig.coordinator->assignment(), (Partitions{o0, o1}));
    EXPECT_EQ(rig.listener.calls.size(), 1U);
    EXPECT_TRUE(rig.coordinator->poll(rig.deadline_after(10s)));
  });
  EXPECT_EQ(rig.fake.joins.size(), 3U);  // the next poll took the held answer
  EXPECT_EQ(rig.listener.calls, (std::vector<Call>{
                                    {"assigned", {o0, o1}}, {"revoked", {o0, o1}}, {"assigned", {o2}}}));
}

TEST(ConsumerCoordinator, WithoutTheBugAPollEndingDuringJoinGroupHoldsNothing) {
  CoordinatorRig rig;
  join_as_follower(rig, {{o0, o1}, {o2}}, rig.config());
  rig.fake.join_delay = 2s;
  rig.on_consumer([&] {
    rig.coordinator->subscribe({"orders", "payments"});
    EXPECT_FALSE(rig.coordinator->poll(rig.deadline_after(500ms)));
    EXPECT_TRUE(rig.coordinator->assignment().empty());
    EXPECT_FALSE(rig.coordinator->generation().has_value());
    EXPECT_TRUE(rig.coordinator->poll(rig.deadline_after(10s)));
  });
  EXPECT_EQ(rig.fake.joins.size(), 3U);  // invariant 4: no second JoinGroup meanwhile
  EXPECT_EQ(rig.coordinator->assignment(), (Partitions{o2}));
}

TEST(ConsumerCoordinator, RebalanceInProgressOnAHeartbeatMakesTheNextPollRejoin) {
  CoordinatorRig rig;
  join_as_follower(rig, {{o0, o1}, {o3}}, rig.config());
  rig.fake.heartbeat_errors = {ErrorCode::kRebalanceInProgress};
  rig.on_consumer([&] {
    EXPECT_FALSE(rig.coordinator->rebalance_in_progress());
    rig.sleep_for(1500ms);
    EXPECT_TRUE(rig.coordinator->rebalance_in_progress());
    EXPECT_EQ(rig.fake.joins.size(), 2U);  // the heartbeat fiber does not join by itself
    EXPECT_EQ(rig.listener.calls.size(), 1U);  // nor call the listener
    EXPECT_TRUE(rig.coordinator->poll(rig.deadline_after(10s)));
  });
  EXPECT_EQ(rig.fake.joins.size(), 3U);
  EXPECT_EQ(rig.listener.calls, (std::vector<Call>{
                                    {"assigned", {o0, o1}}, {"revoked", {o0, o1}}, {"assigned", {o3}}}));
}

TEST(ConsumerCoordinator, IllegalGenerationOnAHeartbeatLosesThePartitionsInsteadOfRevoking) {
  CoordinatorRig rig;
  join_as_follower(rig, {{o0, o1}, {o3}}, rig.config());
  rig.fake.heartbeat_errors = {ErrorCode::kIllegalGeneration};
  rig.on_consumer([&] {
    rig.sleep_for(1500ms);
    EXPECT_EQ(rig.listener.calls.size(), 1U);  // told only inside poll
    EXPECT_TRUE(rig.coordinator->poll(rig.deadline_after(10s)));
  });
  EXPECT_EQ(rig.listener.calls, (std::vector<Call>{
                                    {"assigned", {o0, o1}}, {"lost", {o0, o1}}, {"assigned", {o3}}}));
  ASSERT_EQ(rig.fake.joins.size(), 3U);
  EXPECT_EQ(rig.fake.joins.at(2)->member_id, "member-1");  // the member id survives
}

TEST(ConsumerCoordinator, UnknownMemberIdOnAHeartbeatRejoinsWithANewMemberId) {
  CoordinatorRig rig;
  join_as_follower(rig, {{o0, o1}, {o3}}, rig.config());
  rig.fake.heartbeat_errors = {ErrorCode::kUnknownMemberId};
  rig.on_consumer([&] {
    rig.sleep_for(1500ms);
    EXPECT_TRUE(rig.coordinator->poll(rig.deadline_after(10s)));
  });
  EXPECT_EQ(rig.listener.calls.at(1), (Call{"lost", {o0, o1}}));
  ASSERT_EQ(rig.fake.joins.size(), 4U);
  EXPECT_EQ(rig.fake.joins.at(2)->member_id, "");
}

TEST(ConsumerCoordinator, NotCoordinatorOnAHeartbeatLooksTheCoordinatorUpAgain) {
  CoordinatorRig rig;
  join_as_follower(rig, {{o0}}, rig.config());
  EXPECT_EQ(rig.fake.find_coordinator_requests, 1);
  rig.fake.heartbeat_errors = {ErrorCode::kNotCoordinator};
  rig.on_consumer([&] { rig.sleep_for(3s); });
  EXPECT_EQ(rig.fake.find_coordinator_requests, 2);
  EXPECT_EQ(rig.coordinator->stats().find_coordinator_requests, 2U);
  // After the rejected heartbeat: a FindCoordinator, then heartbeats again.
  const auto rejected = std::find(rig.fake.kinds.begin(), rig.fake.kinds.end(), "Heartbeat");
  ASSERT_NE(rejected, rig.fake.kinds.end());
  ASSERT_GE(rig.fake.kinds.end() - rejected, 3);
  EXPECT_EQ(*(rejected + 1), "FindCoordinator");
  EXPECT_EQ(*(rejected + 2), "Heartbeat");
  EXPECT_FALSE(rig.coordinator->rebalance_in_progress());  // the membership is intact
}

TEST(ConsumerCoordinator, NotPollingForMaxPollIntervalSendsLeaveGroup) {
  CoordinatorRig rig;
  join_as_follower(rig, {{o0, o1}, {o2}}, rig.config());
  rig.on_consumer([&] {
    rig.sleep_for(15s);
    EXPECT_TRUE(rig.fake.leaves.empty());  // heartbeats alone keep it in the group ...
    rig.sleep_for(10s);                    // ... until max.poll.interval.ms (20 s)
    ASSERT_EQ(rig.fake.leaves.size(), 1U);
    ASSERT_EQ(rig.fake.leaves.at(0)->members.size(), 1U);
    EXPECT_EQ(rig.fake.leaves.at(0)->members.at(0).member_id, "member-1");
    EXPECT_EQ(rig.coordinator->stats().leaves, 1U);
    EXPECT_TRUE(rig.coordinator->rebalance_in_progress());
    EXPECT_TRUE(rig.coordinator->poll(rig.deadline_after(10s)));
  });
  EXPECT_EQ(rig.listener.calls, (std::vector<Call>{
                                    {"assigned", {o0, o1}}, {"lost", {o0, o1}}, {"assigned", {o2}}}));
  EXPECT_EQ(rig.fake.joins.at(2)->member_id, "");  // a new member
}

TEST(ConsumerCoordinator, AnExpiredSessionLosesThePartitions) {
  CoordinatorRig rig;
  join_as_follower(rig, {{o0, o1}, {o2}}, rig.config());
  rig.fake.answer_heartbeats = false;
  rig.on_consumer([&] {
    rig.sleep_for(8s);
    EXPECT_EQ(rig.listener.calls.size(), 1U);
    rig.fake.answer_heartbeats = true;
    rig.sleep_for(6s);  // past session.timeout.ms (10 s) since the last answer
    EXPECT_TRUE(rig.coordinator->poll(rig.deadline_after(10s)));
  });
  EXPECT_EQ(rig.listener.calls, (std::vector<Call>{
                                    {"assigned", {o0, o1}}, {"lost", {o0, o1}}, {"assigned", {o2}}}));
  EXPECT_GE(rig.fake.find_coordinator_requests, 2);
}

TEST(ConsumerCoordinator, ADynamicMembersCloseRevokesAndSendsLeaveGroup) {
  CoordinatorRig rig;
  join_as_follower(rig, {{o0, o1}}, rig.config());
  std::size_t heartbeats_at_close = 0;
  rig.on_consumer([&] {
    rig.coordinator->close(rig.deadline_after(5s));
    heartbeats_at_close = rig.fake.heartbeats.size();
    rig.sleep_for(5s);
  });
  ASSERT_EQ(rig.fake.leaves.size(), 1U);
  EXPECT_EQ(rig.fake.leaves.at(0)->members.at(0).member_id, "member-1");
  EXPECT_EQ(rig.listener.calls.back(), (Call{"revoked", {o0, o1}}));
  EXPECT_EQ(rig.fake.heartbeats.size(), heartbeats_at_close);  // the heartbeat fiber stopped
}

TEST(ConsumerCoordinator, AStaticMembersCloseSendsNoLeaveGroup) {
  CoordinatorRig rig;
  ConsumerGroupConfig config = rig.config();
  config.group_instance_id = "reader-a";
  rig.fake.require_member_id = false;  // KIP-345: static members are known by instance id
  join_as_follower(rig, {{o0, o1}}, config);
  EXPECT_EQ(rig.fake.joins.at(0)->group_instance_id, "reader-a");
  std::size_t heartbeats_at_close = 0;
  rig.on_consumer([&] {
    rig.sleep_for(1500ms);
    rig.coordinator->close(rig.deadline_after(5s));
    heartbeats_at_close = rig.fake.heartbeats.size();
    rig.sleep_for(5s);
  });
  EXPECT_GE(heartbeats_at_close, 1U);
  EXPECT_TRUE(rig.fake.leaves.empty());
  EXPECT_EQ(rig.coordinator->stats().leaves, 0U);
  EXPECT_EQ(rig.fake.heartbeats.size(), heartbeats_at_close);
}

TEST(ConsumerCoordinator, FencedInstanceIdStopsTheMemberForGood) {
  CoordinatorRig rig;
  ConsumerGroupConfig config = rig.config();
  config.group_instance_id = "reader-a";
  rig.fake.require_member_id = false;
  join_as_follower(rig, {{o0, o1}}, config);
  rig.fake.heartbeat_errors = {ErrorCode::kFencedInstanceId};
  std::size_t heartbeats_after_fence = 0;
  rig.on_consumer([&] {
    rig.sleep_for(1500ms);
    EXPECT_TRUE(rig.coordinator->stats().fenced);
    heartbeats_after_fence = rig.fake.heartbeats.size();
    EXPECT_FALSE(rig.coordinator->poll(rig.deadline_after(5s)));
    rig.sleep_for(5s);
    EXPECT_FALSE(rig.coordinator->poll(rig.deadline_after(5s)));
  });
  EXPECT_EQ(rig.listener.calls, (std::vector<Call>{{"assigned", {o0, o1}}, {"lost", {o0, o1}}}));
  EXPECT_EQ(rig.fake.joins.size(), 1U);
  EXPECT_EQ(rig.fake.heartbeats.size(), heartbeats_after_fence);
  EXPECT_TRUE(rig.coordinator->assignment().empty());
}

}  // namespace
}  // namespace samsa::cluster::testing
