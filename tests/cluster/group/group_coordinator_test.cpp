// The group coordinator's membership protocol on a simulated broker: the join/sync dance,
// KIP-394 member ids, sessions, rebalance timeouts, LeaveGroup, KIP-345 static members,
// validation errors, and failed writes of the group's record.
#include "cluster/group/group_coordinator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "group_coordinator_testing.h"

namespace samsa::cluster::testing {
namespace {

const std::string kGroup = "g";

TEST(GroupCoordinator, OneMemberJoinsSyncsAndLeadsAStableGeneration) {
  CoordinatorRig rig;
  rig.elect();
  auto join = rig.join_new(kGroup);
  rig.run(2s);
  EXPECT_FALSE(join.done()) << "group.initial.rebalance.delay.ms holds the first rebalance";
  rig.run(1100ms);
  ASSERT_TRUE(join.done());
  const Joined member = joined_from(join.get());
  EXPECT_EQ(member.generation, 1);
  EXPECT_TRUE(member.is_leader());
  EXPECT_EQ(join.get().protocol_name, "range");
  ASSERT_EQ(member.members.size(), 1u);
  EXPECT_EQ(rig.group(kGroup)->state(), GroupState::kCompletingRebalance);

  rig.sync_all(kGroup, {member});
  const GroupMetadata* group = rig.group(kGroup);
  EXPECT_EQ(group->state(), GroupState::kStable);
  EXPECT_EQ(text_of(group->get(member.member_id).assignment), "assigned-to-" + member.member_id);
  // The generation is in the offsets topic before anyone saw its assignment.
  const auto& records = rig.log().records(PartitionIndex(0));
  ASSERT_EQ(records.size(), 1u);
  const auto stored = decode_offsets_record(records[0]);
  ASSERT_TRUE(stored.ok());
  const auto& value = std::get<GroupMetadataValue>(*stored.value().value);
  EXPECT_EQ(value.generation, 1);
  ASSERT_EQ(value.members.size(), 1u);
  EXPECT_EQ(text_of(value.members[0].assignment), "assigned-to-" + member.member_id);
}

TEST(GroupCoordinator, ThreeMembersShareOneGenerationUnderOneLeaderAndGetTheirOwnAssignments) {
  CoordinatorRig rig;
  rig.elect();
  const std::vector<Joined> members = rig.form_group(kGroup, 3);
  ASSERT_EQ(members.size(), 3u);
  const std::set<std::string> ids = {members[0].member_id, members[1].member_id,
                                     members[2].member_id};
  EXPECT_EQ(ids.size(), 3u);
  EXPECT_EQ(
      std::count_if(members.begin(), members.end(), [](const Joined& m) { return m.is_leader(); }),
      1);
  for (const Joined& m : members) {
    EXPECT_EQ(m.generation, 1);
    EXPECT_EQ(m.leader, members[0].leader);
    EXPECT_EQ(m.members.size(), m.is_leader() ? 3u : 0u);
  }
  const GroupMetadata* group = rig.group(kGroup);
  EXPECT_EQ(group->state(), GroupState::kStable);
  EXPECT_EQ(group->leader_id(), members[0].leader);
  for (const Joined& m : members) {
    EXPECT_EQ(text_of(group->get(m.member_id).assignment), "assigned-to-" + m.member_id);
  }
}

TEST(GroupCoordinator, MembersArrivingDuringTheInitialDelayExtendItByAnotherDelay) {
  CoordinatorRig rig;
  rig.elect();
  auto a = rig.join_new(kGroup);
  auto b = rig.join_new(kGroup);
  rig.run(3100ms);
  EXPECT_FALSE(a.done()) << "b arrived during the first delay (Kafka's InitialDelayedJoin)";
  rig.run(3000ms);
  ASSERT_TRUE(a.done());
  ASSERT_TRUE(b.done());
  EXPECT_EQ(a.get().generation_id, 1);
  EXPECT_EQ(b.get().generation_id, 1);
}

TEST(GroupCoordinator, ASyncGroupFromAnotherGenerationOrAnUnknownMemberIsRefused) {
  CoordinatorRig rig;
  rig.elect();
  const std::vector<Joined> members = rig.form_group(kGroup, 1);
  Joined stale = members[0];
  stale.generation = 0;
  auto old_sync = rig.sync(kGroup, stale);
  auto stranger = rig.sync(kGroup, Joined{"stranger", 1, "", {}});
  rig.run(1ms);
  EXPECT_EQ(old_sync.get().error, ErrorCode::kIllegalGeneration);
  EXPECT_TRUE(old_sync.get().assignment.empty());
  EXPECT_EQ(stranger.get().error, ErrorCode::kUnknownMemberId);

  // In CompletingRebalance too: the leader's rejoin starts generation 2.
  auto rejoin = rig.join(join_request(kGroup, members[0].member_id));
  rig.run(10ms);
  ASSERT_EQ(rejoin.get().generation_id, 2);
  auto late = rig.sync(kGroup, members[0], assign_each_its_id(members[0].members));
  rig.run(1ms);
  EXPECT_EQ(late.get().error, ErrorCode::kIllegalGeneration);
  EXPECT_EQ(rig.group(kGroup)->state(), GroupState::kCompletingRebalance);
}

TEST(GroupCoordinator, AnAssignmentWhoseGroupMovedOnDuringItsAppendIsDropped) {
  CoordinatorRig rig;
  rig.elect();
  auto join = rig.join_new(kGroup);
  rig.run(3100ms);
  const Joined leader = joined_from(join.get());
  rig.log().set_append_delay(1s);
  auto sync = rig.sync(kGroup, leader, assign_each_its_id(leader.members));
  rig.run(10ms);
  ASSERT_FALSE(sync.done()) << "the group's record is being appended";
  auto newcomer = rig.join_new(kGroup);  // a new member: the group rebalances
  rig.run(10ms);
  ASSERT_TRUE(sync.done());
  EXPECT_EQ(sync.get().error, ErrorCode::kRebalanceInProgress);
  rig.run(2s);
  EXPECT_EQ(rig.group(kGroup)->state(), GroupState::kPreparingRebalance);
  EXPECT_TRUE(rig.group(kGroup)->get(leader.member_id).assignment.empty())
      << "generation 1's assignment never applied";
}

TEST(GroupCoordinator, TheLeadersJoinGroupInAStableGroupStartsANewGeneration) {
  CoordinatorRig rig;
  rig.elect();
  const std::vector<Joined> members = rig.form_group(kGroup, 1);
  auto rejoin = rig.join(join_request(kGroup, members[0].member_id));
  rig.run(10ms);
  ASSERT_TRUE(rejoin.done());
  EXPECT_EQ(rejoin.get().generation_id, 2);
  EXPECT_EQ(rejoin.get().members.size(), 1u);
}

TEST(GroupCoordinator, FirstJoinWithoutAMemberIdIsAnsweredMemberIdRequired) {
  CoordinatorRig rig;
  rig.elect();
  const JoinGroupResponse first = rig.call(
      [](GroupCoordinator& c) { return c.join_group(join_request(kGroup, ""), "client"); });
  EXPECT_EQ(first.error, ErrorCode::kMemberIdRequired);
  EXPECT_EQ(first.member_id, "client-1-1");  // "<client.id>-<leader epoch>-<n>"
  EXPECT_EQ(rig.group(kGroup)->size(), 0u);
  EXPECT_TRUE(rig.group(kGroup)->is_pending_member("client-1-1"));

  auto second = rig.join(join_request(kGroup, first.member_id));
  rig.run(3100ms);
  ASSERT_TRUE(second.done());
  EXPECT_EQ(second.get().member_id, "client-1-1");
  EXPECT_EQ(second.get().generation_id, 1);
}

TEST(GroupCoordinator, APendingMemberThatNeverJoinsIsForgottenAfterItsSessionTimeout) {
  CoordinatorRig rig;
  rig.elect();
  const JoinGroupResponse first = rig.call(
      [](GroupCoordinator& c) { return c.join_group(join_request(kGroup, ""), "client"); });
  rig.run(std::chrono::milliseconds(kSessionTimeoutMs) + 100ms);
  EXPECT_TRUE(rig.group(kGroup)->pending_members().empty());
  const JoinGroupResponse late = rig.call([&](GroupCoordinator& c) {
    return c.join_group(join_request(kGroup, first.member_id), "client");
  });
  EXPECT_EQ(late.error, ErrorCode::kUnknownMemberId);
}

TEST(GroupCoordinator,
     AMemberThatStopsHeartbeatingIsRemovedAndTheOthersRebalanceIntoANewGeneration) {
  CoordinatorRig rig;
  rig.elect();
  const std::vector<Joined> members = rig.form_group(kGroup, 2);
  const Joined& silent = members[0];
  const Joined& alive = members[1];
  ErrorCode seen = ErrorCode::kNone;
  sim::Duration waited{0};
  while (seen == ErrorCode::kNone && waited < 20s) {
    rig.run(2s);
    waited += 2s;
    seen = rig.heartbeat(kGroup, alive.member_id, 1).error;
  }
  EXPECT_EQ(seen, ErrorCode::kRebalanceInProgress);
  EXPECT_GE(waited, std::chrono::milliseconds(kSessionTimeoutMs));
  EXPECT_FALSE(rig.group(kGroup)->has(silent.member_id));

  auto rejoin = rig.join(join_request(kGroup, alive.member_id));
  rig.run(10ms);
  ASSERT_TRUE(rejoin.done());
  const Joined next = joined_from(rejoin.get());
  EXPECT_EQ(next.generation, 2);
  EXPECT_TRUE(next.is_leader());
  EXPECT_EQ(next.members.size(), 1u);
}

TEST(GroupCoordinator, HeartbeatsDuringARebalanceAreAnsweredRebalanceInProgress) {
  CoordinatorRig rig;
  rig.elect();
  const std::vector<Joined> members = rig.form_group(kGroup, 2);
  auto first = rig.join(join_request(kGroup, members[0].member_id));
  rig.run(10ms);
  EXPECT_FALSE(first.done()) << "the other member has not rejoined";
  EXPECT_EQ(rig.group(kGroup)->state(), GroupState::kPreparingRebalance);
  EXPECT_EQ(rig.heartbeat(kGroup, members[1].member_id, 1).error, ErrorCode::kRebalanceInProgress);
  EXPECT_EQ(rig.heartbeat(kGroup, members[0].member_id, 1).error, ErrorCode::kRebalanceInProgress);

  auto second = rig.join(join_request(kGroup, members[1].member_id));
  rig.run(10ms);
  ASSERT_TRUE(first.done());
  ASSERT_TRUE(second.done());
  EXPECT_EQ(first.get().generation_id, 2);
  EXPECT_EQ(second.get().generation_id, 2);
  EXPECT_EQ(rig.heartbeat(kGroup, members[1].member_id, 2).error, ErrorCode::kNone);
  EXPECT_EQ(rig.heartbeat(kGroup, members[1].member_id, 1).error, ErrorCode::kIllegalGeneration);
}

TEST(GroupCoordinator, AMemberThatDoesNotRejoinWithinTheRebalanceTimeoutIsDropped) {
  CoordinatorRig rig;
  rig.elect();
  const std::vector<Joined> members = rig.form_group(kGroup, 2);
  auto rejoin = rig.join(join_request(kGroup, members[0].member_id));
  // The other member keeps its session alive but never rejoins.
  sim::Duration waited{0};
  while (!rejoin.done() && waited < 40s) {
    rig.run(2s);
    waited += 2s;
    (void)rig.heartbeat(kGroup, members[1].member_id, 1);
  }
  ASSERT_TRUE(rejoin.done());
  EXPECT_GE(waited, std::chrono::milliseconds(kRebalanceTimeoutMs));
  const Joined next = joined_from(rejoin.get());
  EXPECT_EQ(next.generation, 2);
  EXPECT_EQ(next.members.size(), 1u);
  EXPECT_FALSE(rig.group(kGroup)->has(members[1].member_id));
  EXPECT_EQ(rig.heartbeat(kGroup, members[1].member_id, 1).error, ErrorCode::kUnknownMemberId);
}

TEST(GroupCoordinator, LeaveGroupRemovesTheMemberAndTriggersARebalance) {
  CoordinatorRig rig;
  rig.elect();
  const std::vector<Joined> members = rig.form_group(kGroup, 2);
  const LeaveGroupResponse left =
      rig.leave(kGroup, {LeavingMember{members[1].member_id, std::nullopt}});
  EXPECT_EQ(left.error, ErrorCode::kNone);
  EXPECT_EQ(left.member_errors, std::vector<ErrorCode>{ErrorCode::kNone});
  EXPECT_FALSE(rig.group(kGroup)->has(members[1].member_id));
  EXPECT_EQ(rig.group(kGroup)->state(), GroupState::kPreparingRebalance);
  EXPECT_EQ(rig.heartbeat(kGroup, members[0].member_id, 1).error, ErrorCode::kRebalanceInProgress);

  auto rejoin = rig.join(join_request(kGroup, members[0].member_id));
  rig.run(10ms);
  ASSERT_TRUE(rejoin.done());
  EXPECT_EQ(rejoin.get().generation_id, 2);
  // Leaving twice: the member is unknown now.
  EXPECT_EQ(rig.leave(kGroup, {LeavingMember{members[1].member_id, std::nullopt}}).member_errors,
            std::vector<ErrorCode>{ErrorCode::kUnknownMemberId});
}

TEST(GroupCoordinator, AFollowerRejoiningAStableGroupWithTheSameMetadataGetsTheCurrentGeneration) {
  CoordinatorRig rig;
  rig.elect();
  const std::vector<Joined> members = rig.form_group(kGroup, 2);
  const Joined& follower = members[0].is_leader() ? members[1] : members[0];
  const JoinGroupResponse again = rig.call([&](GroupCoordinator& c) {
    return c.join_group(join_request(kGroup, follower.member_id), "client");
  });
  EXPECT_EQ(again.error, ErrorCode::kNone);
  EXPECT_EQ(again.generation_id, 1);
  EXPECT_EQ(rig.group(kGroup)->state(), GroupState::kStable);
}

// Two static members form generation 1; the first (the leader) restarts.
struct StaticGroup {
  Joined s1;
  Joined s2;
};

StaticGroup form_static_group(CoordinatorRig& rig) {
  auto j1 = rig.join(join_request(kGroup, "", "s1"));
  auto j2 = rig.join(join_request(kGroup, "", "s2"));
  rig.run(rig.first_rebalance_time());
  StaticGroup group{joined_from(j1.get()), joined_from(j2.get())};
  rig.sync_all(kGroup, {group.s1, group.s2});
  return group;
}

TEST(GroupCoordinator, AStaticMemberRejoiningWithANewIdFencesTheOldIdWithoutARebalance) {
  CoordinatorRig rig;
  rig.elect();
  const StaticGroup before = form_static_group(rig);
  ASSERT_TRUE(before.s1.is_leader());
  const std::string old_id = before.s1.member_id;
  const int records_before = static_cast<int>(rig.log().records(PartitionIndex(0)).size());

  auto restarted = rig.join(join_request(kGroup, "", "s1"));
  rig.run(10ms);
  ASSERT_TRUE(restarted.done());
  const JoinGroupResponse& answer = restarted.get();
  ASSERT_EQ(answer.error, ErrorCode::kNone);
  const std::string new_id = answer.member_id;
  EXPECT_NE(new_id, old_id);
  EXPECT_EQ(answer.generation_id, 1) << "no rebalance";
  EXPECT_EQ(answer.leader, old_id) << "the old leader id, so the member computes no assignment";
  EXPECT_TRUE(answer.members.empty());

  const GroupMetadata* group = rig.group(kGroup);
  EXPECT_EQ(group->state(), GroupState::kStable);
  EXPECT_EQ(group->generation_id(), 1);
  EXPECT_FALSE(group->has(old_id));
  EXPECT_EQ(group->leader_id(), new_id);
  EXPECT_EQ(text_of(group->get(new_id).assignment), "assigned-to-" + old_id)
      << "it keeps its partitions";
  EXPECT_EQ(static_cast<int>(rig.log().records(PartitionIndex(0)).size()), records_before + 1)
      << "the new member id is stored";

  // The old incarnation is fenced everywhere; the new one carries on.
  EXPECT_EQ(rig.heartbeat(kGroup, old_id, 1, "s1").error, ErrorCode::kFencedInstanceId);
  EXPECT_EQ(
      rig.commit(kGroup, old_id, 1, {"t", PartitionIndex(0)}, Offset(3), "s1").partitions[0].error,
      ErrorCode::kFencedInstanceId);
  EXPECT_EQ(rig.heartbeat(kGroup, new_id, 1, "s1").error, ErrorCode::kNone);
  auto sync = rig.sync(kGroup, Joined{new_id, 1, old_id, {}}, {}, "s1");
  rig.run(10ms);
  ASSERT_TRUE(sync.done());
  EXPECT_EQ(text_of(sync.get().assignment), "assigned-to-" + old_id);
}

TEST(GroupCoordinator, AStaticRejoinWhoseRecordIsNotStoredGivesTheOldMemberItsPlaceBack) {
  CoordinatorRig rig;
  rig.elect();
  const StaticGroup before = form_static_group(rig);
  const std::string old_id = before.s1.member_id;
  rig.log().fail_appends(ErrorCode::kNotEnoughReplicas, 1);
  auto restarted = rig.join(join_request(kGroup, "", "s1"));
  rig.run(10ms);
  ASSERT_TRUE(restarted.done());
  EXPECT_EQ(restarted.get().error, ErrorCode::kCoordinatorNotAvailable);
  EXPECT_TRUE(restarted.get().member_id.empty());
  const GroupMetadata* group = rig.group(kGroup);
  EXPECT_EQ(group->current_static_member_id("s1"), old_id);
  EXPECT_EQ(group->leader_id(), old_id);
  EXPECT_EQ(group->size(), 2u);
  EXPECT_EQ(rig.heartbeat(kGroup, old_id, 1, "s1").error, ErrorCode::kNone);
}

TEST(GroupCoordinator, AStaticMemberLeavesByInstanceId) {
  CoordinatorRig rig;
  rig.elect();
  const StaticGroup before = form_static_group(rig);
  const LeaveGroupResponse left = rig.leave(kGroup, {LeavingMember{"", "s2"}});
  EXPECT_EQ(left.member_errors, std::vector<ErrorCode>{ErrorCode::kNone});
  EXPECT_FALSE(rig.group(kGroup)->has(before.s2.member_id));
  EXPECT_FALSE(rig.group(kGroup)->current_static_member_id("s2").has_value());
  EXPECT_EQ(rig.group(kGroup)->state(), GroupState::kPreparingRebalance);
}

TEST(GroupCoordinator, ASessionTimeoutOutsideTheBrokersBoundsIsInvalid) {
  CoordinatorRig rig;
  rig.elect();
  for (std::int32_t timeout_ms : {999, 60'001}) {
    JoinGroupRequest request = join_request(kGroup, "");
    request.session_timeout_ms = timeout_ms;
    const JoinGroupResponse r =
        rig.call([&](GroupCoordinator& c) { return c.join_group(request, "client"); });
    EXPECT_EQ(r.error, ErrorCode::kInvalidSessionTimeout) << timeout_ms;
  }
}

TEST(GroupCoordinator, AJoinNoKafkaClientCouldSendIsAnInvalidRequest) {
  CoordinatorRig rig;
  rig.elect();
  JoinGroupRequest negative = join_request(kGroup, "");
  negative.rebalance_timeout_ms = -1;
  EXPECT_EQ(rig.call([&](GroupCoordinator& c) { return c.join_group(negative, "c"); }).error,
            ErrorCode::kInvalidRequest);
  const std::string huge(40'000, 'x');
  EXPECT_EQ(
      rig.call([&](GroupCoordinator& c) { return c.join_group(join_request(kGroup, ""), huge); })
          .error,
      ErrorCode::kInvalidRequest);
}

TEST(GroupCoordinator, AMemberWithoutACommonProtocolIsRejected) {
  CoordinatorRig rig;
  rig.elect();
  rig.form_group(kGroup, 1);
  const JoinGroupResponse other_protocol = rig.call([](GroupCoordinator& c) {
    return c.join_group(join_request(kGroup, "", std::nullopt, "roundrobin"), "c");
  });
  EXPECT_EQ(other_protocol.error, ErrorCode::kInconsistentGroupProtocol);
  JoinGroupRequest other_type = join_request(kGroup, "");
  other_type.protocol_type = "connect";
  const JoinGroupResponse r =
      rig.call([&](GroupCoordinator& c) { return c.join_group(other_type, "c"); });
  EXPECT_EQ(r.error, ErrorCode::kInconsistentGroupProtocol);
}

TEST(GroupCoordinator, AJoinBeyondGroupMaxSizeIsRefused) {
  GroupCoordinatorConfig config = test_config();
  config.group_max_size = 2;
  CoordinatorRig rig(config);
  rig.elect();
  rig.form_group(kGroup, 2);
  auto third = rig.join_new(kGroup);
  rig.run(10ms);
  ASSERT_TRUE(third.done());
  EXPECT_EQ(third.get().error, ErrorCode::kGroupMaxSizeReached);
  EXPECT_EQ(rig.group(kGroup)->size(), 2u);
}

TEST(GroupCoordinator, AFailedStoreOfTheAssignmentAnswersEveryMemberAndRebalances) {
  CoordinatorRig rig;
  rig.elect();
  auto a = rig.join_new(kGroup);
  auto b = rig.join_new(kGroup);
  rig.run(rig.first_rebalance_time());
  const std::vector<Joined> members = {joined_from(a.get()), joined_from(b.get())};
  const Joined& leader = members[0].is_leader() ? members[0] : members[1];
  const Joined& follower = members[0].is_leader() ? members[1] : members[0];
  rig.log().fail_appends(ErrorCode::kNotEnoughReplicas, 1);
  std::vector<Pending<SyncGroupResponse>> syncs;
  syncs.push_back(rig.sync(kGroup, follower));
  rig.run(1ms);
  syncs.push_back(rig.sync(kGroup, leader, assign_each_its_id(leader.members)));
  rig.run(10ms);
  for (const auto& s : syncs) {
    ASSERT_TRUE(s.done());
    EXPECT_EQ(s.get().error, ErrorCode::kCoordinatorNotAvailable);
    EXPECT_TRUE(s.get().assignment.empty());
  }
  EXPECT_EQ(rig.group(kGroup)->state(), GroupState::kPreparingRebalance);
  EXPECT_TRUE(rig.log().records(PartitionIndex(0)).empty());
}

TEST(GroupCoordinator, AMemberThatNeverSendsSyncGroupIsRemovedAfterTheRebalanceTimeout) {
  CoordinatorRig rig;
  rig.elect();
  auto a = rig.join_new(kGroup);
  auto b = rig.join_new(kGroup);
  rig.run(rig.first_rebalance_time());
  const Joined first = joined_from(a.get());
  const Joined second = joined_from(b.get());
  const Joined& leader = first.is_leader() ? first : second;
  const Joined& follower = first.is_leader() ? second : first;
  auto sync = rig.sync(kGroup, leader, assign_each_its_id(leader.members));
  rig.run(10ms);
  ASSERT_TRUE(sync.done());
  EXPECT_EQ(rig.group(kGroup)->state(), GroupState::kStable);
  ErrorCode seen = ErrorCode::kNone;
  for (sim::Duration waited{0}; seen == ErrorCode::kNone && waited < 40s; waited += 2s) {
    rig.run(2s);
    seen = rig.heartbeat(kGroup, leader.member_id, 1).error;
    (void)rig.heartbeat(kGroup, follower.member_id, 1);  // alive, but never syncs
  }
  EXPECT_EQ(seen, ErrorCode::kRebalanceInProgress);
  EXPECT_FALSE(rig.group(kGroup)->has(follower.member_id));
}

TEST(GroupCoordinator, AnEmptyGroupIdIsInvalidForJoinGroup) {
  CoordinatorRig rig;
  rig.elect();
  const JoinGroupResponse r =
      rig.call([](GroupCoordinator& c) { return c.join_group(join_request("", ""), "c"); });
  EXPECT_EQ(r.error, ErrorCode::kInvalidGroupId);
}

}  // namespace
}  // namespace samsa::cluster::testing
