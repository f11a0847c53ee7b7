// GroupMetadata, the pure model of one group: Kafka's state transitions, members and
// leaders, protocol selection, static members (KIP-345), the callbacks of waiting
// requests, and committed offsets kept apart from pending ones.
#include "cluster/group/group_metadata.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "sim/assert.h"

namespace samsa::cluster {
namespace {

using State = GroupState;

Bytes bytes_of(const std::string& s) {
  return Bytes(s.begin(), s.end());
}

MemberMetadata make_member(const std::string& id, std::vector<std::string> protocols,
                           std::optional<std::string> instance = std::nullopt) {
  MemberMetadata m;
  m.member_id = id;
  m.group_instance_id = std::move(instance);
  m.client_id = "c";
  m.rebalance_timeout_ms = 1000;
  m.session_timeout_ms = 500;
  m.protocol_type = "consumer";
  for (const std::string& p : protocols)
    m.supported_protocols.push_back({p, bytes_of(id + ":" + p)});
  return m;
}

// Records what a waiting request was answered.
struct Answers {
  std::vector<JoinGroupResponse> joins;
  std::vector<SyncGroupResponse> syncs;
  JoinCallback join() {
    return [this](const JoinGroupResponse& r) { joins.push_back(r); };
  }
  SyncCallback sync() {
    return [this](const SyncGroupResponse& r) { syncs.push_back(r); };
  }
};

TEST(GroupMetadata, OnlyKafkasStateTransitionsAreValid) {
  const std::vector<State> all = {State::kEmpty, State::kPreparingRebalance,
                                  State::kCompletingRebalance, State::kStable, State::kDead};
  const std::set<std::pair<State, State>> valid = {
      {State::kEmpty, State::kPreparingRebalance},
      {State::kPreparingRebalance, State::kCompletingRebalance},
      {State::kPreparingRebalance, State::kEmpty},
      {State::kCompletingRebalance, State::kStable},
      {State::kCompletingRebalance, State::kPreparingRebalance},
      {State::kStable, State::kPreparingRebalance},
  };
  for (State from : all) {
    for (State to : all) {
      const bool expected = to == State::kDead || valid.contains({from, to});
      EXPECT_EQ(is_valid_transition(from, to), expected)
          << group_state_name(from) << " -> " << group_state_name(to);
    }
  }
}

TEST(GroupMetadata, AnIllegalTransitionIsABrokenInvariant) {
  GroupMetadata group("g", 0);
  EXPECT_THROW(group.transition_to(State::kStable, 1), sim::InvariantViolation);
  group.transition_to(State::kPreparingRebalance, 1);
  EXPECT_THROW(group.transition_to(State::kStable, 2), sim::InvariantViolation);
  EXPECT_EQ(group.state(), State::kPreparingRebalance);
}

TEST(GroupMetadata, FirstMemberSetsTheProtocolTypeAndLeads) {
  GroupMetadata group("g", 0);
  group.add(make_member("b", {"range"}), nullptr);
  group.add(make_member("a", {"range"}), nullptr);
  EXPECT_EQ(group.protocol_type(), "consumer");
  EXPECT_EQ(group.leader_id(), "b");
}

TEST(GroupMetadata, RemovingTheLeaderHandsLeadershipToTheFirstMemberById) {
  GroupMetadata group("g", 0);
  for (const char* id : {"m2", "m3", "m1"}) group.add(make_member(id, {"range"}), nullptr);
  group.remove("m2");
  EXPECT_EQ(group.leader_id(), "m1");
  group.remove("m1");
  group.remove("m3");
  EXPECT_FALSE(group.leader_id().has_value());
}

TEST(GroupMetadata, RemovingAMemberAnswersItsWaitingRequestsUnknownMemberId) {
  GroupMetadata group("g", 0);
  Answers answers;
  group.add(make_member("a", {"range"}), answers.join());
  group.set_sync_callback("a", answers.sync());
  group.remove("a");
  ASSERT_EQ(answers.joins.size(), 1u);
  EXPECT_EQ(answers.joins[0].error, ErrorCode::kUnknownMemberId);
  ASSERT_EQ(answers.syncs.size(), 1u);
  EXPECT_EQ(answers.syncs[0].error, ErrorCode::kUnknownMemberId);
}

TEST(GroupMetadata, EmptyGroupSupportsAnyNonEmptyProtocolList) {
  GroupMetadata group("g", 0);
  EXPECT_TRUE(group.supports_protocols("consumer", {{"range", {}}}));
  EXPECT_FALSE(group.supports_protocols("consumer", {}));
  EXPECT_FALSE(group.supports_protocols("", {{"range", {}}}));
}

TEST(GroupMetadata, AJoiningMemberMustShareAProtocolWithEveryMember) {
  GroupMetadata group("g", 0);
  group.add(make_member("a", {"range", "roundrobin"}), nullptr);
  group.transition_to(State::kPreparingRebalance, 1);
  group.add(make_member("b", {"roundrobin"}), nullptr);
  EXPECT_TRUE(group.supports_protocols("consumer", {{"sticky", {}}, {"roundrobin", {}}}));
  EXPECT_FALSE(group.supports_protocols("consumer", {{"range", {}}}));  // b lacks it
  EXPECT_FALSE(group.supports_protocols("connect", {{"roundrobin", {}}}));
}

TEST(GroupMetadata, SelectProtocolTakesTheMostVotedProtocolEveryMemberSupports) {
  GroupMetadata group("g", 0);
  group.add(make_member("a", {"range", "roundrobin"}), nullptr);
  group.transition_to(State::kPreparingRebalance, 1);
  group.add(make_member("b", {"range", "roundrobin"}), nullptr);
  group.add(make_member("c", {"roundrobin", "range"}), nullptr);
  EXPECT_EQ(group.select_protocol(), "range");  // two votes to one
  group.add(make_member("d", {"roundrobin"}), nullptr);
  EXPECT_EQ(group.select_protocol(), "roundrobin");  // the only common one
}

TEST(GroupMetadata, SelectProtocolBreaksATieByName) {
  GroupMetadata group("g", 0);
  group.add(make_member("a", {"sticky", "range"}), nullptr);
  group.transition_to(State::kPreparingRebalance, 1);
  group.add(make_member("b", {"range", "sticky"}), nullptr);
  EXPECT_EQ(group.select_protocol(), "range");
}

TEST(GroupMetadata, InitNextGenerationCompletesWithMembersAndEmptiesWithout) {
  GroupMetadata group("g", 0);
  Answers answers;
  group.add(make_member("a", {"range"}), answers.join());
  group.transition_to(State::kPreparingRebalance, 1);
  group.add_pending_sync_member("stale");
  group.init_next_generation(2);
  EXPECT_EQ(group.state(), State::kCompletingRebalance);
  EXPECT_EQ(group.generation_id(), 1);
  EXPECT_EQ(group.protocol_name(), "range");
  EXPECT_TRUE(group.pending_sync_members().empty());
  const auto metadata = group.current_member_metadata();
  ASSERT_EQ(metadata.size(), 1u);
  EXPECT_EQ(metadata[0].metadata, bytes_of("a:range"));

  group.transition_to(State::kPreparingRebalance, 3);
  group.remove("a");
  group.init_next_generation(4);
  EXPECT_EQ(group.state(), State::kEmpty);
  EXPECT_EQ(group.generation_id(), 2);
  EXPECT_FALSE(group.protocol_name().has_value());
}

TEST(GroupMetadata, AllMembersJoinedNeedsEveryMemberWaitingAndNoPendingMember) {
  GroupMetadata group("g", 0);
  Answers answers;
  group.add(make_member("a", {"range"}), answers.join());
  group.transition_to(State::kPreparingRebalance, 1);
  group.add(make_member("b", {"range"}), nullptr);
  EXPECT_FALSE(group.has_all_members_joined());
  EXPECT_EQ(group.not_yet_rejoined_members(), std::vector<std::string>{"b"});
  group.update_member("b", {{"range", {}}}, 1000, 500, answers.join());
  EXPECT_TRUE(group.has_all_members_joined());
  group.add_pending_member("p");
  EXPECT_FALSE(group.has_all_members_joined());
}

TEST(GroupMetadata, ALeaderThatDidNotRejoinIsReplacedByOneThatDid) {
  GroupMetadata group("g", 0);
  Answers answers;
  group.add(make_member("a", {"range"}), nullptr);
  group.transition_to(State::kPreparingRebalance, 1);
  EXPECT_FALSE(group.maybe_elect_new_joined_leader());
  group.add(make_member("b", {"range"}), answers.join());
  EXPECT_TRUE(group.maybe_elect_new_joined_leader());
  EXPECT_EQ(group.leader_id(), "b");
}

TEST(GroupMetadata, ADuplicateJoinIsAnsweredWithItsSuccessorsResult) {
  GroupMetadata group("g", 0);
  Answers first;
  Answers second;
  group.add(make_member("a", {"range"}), first.join());
  group.update_member("a", {{"range", {}}}, 1000, 500, second.join());
  JoinGroupResponse response;
  response.generation_id = 4;
  EXPECT_TRUE(group.maybe_invoke_join_callback("a", response));
  ASSERT_EQ(first.joins.size(), 1u);
  ASSERT_EQ(second.joins.size(), 1u);
  EXPECT_EQ(first.joins[0].generation_id, 4);
  EXPECT_FALSE(group.maybe_invoke_join_callback("a", response));
}

TEST(GroupMetadata, ReplacingAStaticMemberFencesTheOldIdAndKeepsItsPlace) {
  GroupMetadata group("g", 0);
  Answers old_answers;
  MemberMetadata m = make_member("old", {"range"}, "instance-1");
  m.assignment = bytes_of("p0");
  group.add(std::move(m), old_answers.join());
  group.set_sync_callback("old", old_answers.sync());
  group.add_pending_sync_member("old");
  group.replace_static_member("instance-1", "old", "new");
  ASSERT_EQ(old_answers.joins.size(), 1u);
  EXPECT_EQ(old_answers.joins[0].error, ErrorCode::kFencedInstanceId);
  ASSERT_EQ(old_answers.syncs.size(), 1u);
  EXPECT_EQ(old_answers.syncs[0].error, ErrorCode::kFencedInstanceId);
  EXPECT_FALSE(group.has("old"));
  EXPECT_EQ(group.get("new").assignment, bytes_of("p0"));
  EXPECT_EQ(group.leader_id(), "new");
  EXPECT_EQ(group.current_static_member_id("instance-1"), "new");
  EXPECT_EQ(group.pending_sync_members(), (std::set<std::string, std::less<>>{"new"}));
}

TEST(GroupMetadata, RemovingAStaticMemberForgetsItsInstanceId) {
  GroupMetadata group("g", 0);
  group.add(make_member("m", {"range"}, "instance-1"), nullptr);
  group.remove("m");
  EXPECT_TRUE(group.static_members().empty());
}

TEST(GroupMetadata, OnlyMembersWaitingInARebalanceAndNotNewSatisfyTheirHeartbeat) {
  GroupMetadata group("g", 0);
  Answers answers;
  group.add(make_member("a", {"range"}), answers.join());
  group.set_new("a", true);
  EXPECT_FALSE(group.has_satisfied_heartbeat("a"));  // new members must complete the join
  group.set_new("a", false);
  EXPECT_TRUE(group.has_satisfied_heartbeat("a"));
  group.maybe_invoke_join_callback("a", JoinGroupResponse{});
  EXPECT_FALSE(group.has_satisfied_heartbeat("a"));
  group.set_sync_callback("a", answers.sync());
  EXPECT_TRUE(group.has_satisfied_heartbeat("a"));
}

TEST(GroupMetadata, LoadedGroupIsStableWithMembersAndEmptyWithout) {
  GroupMetadataValue record;
  record.protocol_type = "consumer";
  record.generation = 5;
  record.protocol = "range";
  record.leader = "m1";
  record.members.push_back(
      GroupMemberValue{"m1", "i1", "c", 1000, 500, bytes_of("sub"), bytes_of("p0")});
  const GroupMetadata stable = GroupMetadata::loaded("g", record);
  EXPECT_EQ(stable.state(), State::kStable);
  EXPECT_EQ(stable.generation_id(), 5);
  EXPECT_EQ(stable.get("m1").assignment, bytes_of("p0"));
  ASSERT_NE(stable.get("m1").metadata("range"), nullptr);
  EXPECT_EQ(*stable.get("m1").metadata("range"), bytes_of("sub"));
  EXPECT_EQ(stable.current_static_member_id("i1"), "m1");

  GroupMetadataValue empty;
  empty.protocol_type = "consumer";
  empty.generation = 6;
  const GroupMetadata loaded_empty = GroupMetadata::loaded("g", empty);
  EXPECT_EQ(loaded_empty.state(), State::kEmpty);
  EXPECT_EQ(loaded_empty.generation_id(), 6);
}

TEST(GroupMetadata, ACommitBecomesCommittedOnlyWhenItsAppendSucceeds) {
  GroupMetadata group("g", 0);
  const TopicPartition tp{"orders", PartitionIndex(0)};
  group.prepare_offset_commit(tp, 1);
  EXPECT_TRUE(group.has_pending_offset_commit(tp));
  EXPECT_FALSE(group.offset(tp).has_value());
  group.fail_pending_offset_write(tp, 1);
  EXPECT_FALSE(group.has_pending_offset_commit(tp));
  EXPECT_FALSE(group.offset(tp).has_value());
  group.prepare_offset_commit(tp, 2);
  group.on_offset_commit_append(tp, 2, OffsetCommitValue{Offset(10), LeaderEpoch(1), "", 0});
  EXPECT_FALSE(group.has_pending_offset_commit(tp));
  EXPECT_EQ(group.offset(tp)->offset, Offset(10));
}

TEST(GroupMetadata, AnOlderCommitFinishingLateNeitherOverwritesNorClearsANewerOne) {
  GroupMetadata group("g", 0);
  const TopicPartition tp{"orders", PartitionIndex(0)};
  group.prepare_offset_commit(tp, 1);
  group.prepare_offset_commit(tp, 2);
  group.on_offset_commit_append(tp, 2, OffsetCommitValue{Offset(20), kNoLeaderEpoch, "", 0});
  group.on_offset_commit_append(tp, 1, OffsetCommitValue{Offset(10), kNoLeaderEpoch, "", 0});
  EXPECT_EQ(group.offset(tp)->offset, Offset(20));

  group.prepare_offset_commit(tp, 3);
  group.prepare_offset_commit(tp, 4);
  group.fail_pending_offset_write(tp, 3);
  EXPECT_TRUE(group.has_pending_offset_commit(tp));  // 4 is still in flight
}

TEST(GroupMetadata, ALoadedOffsetPrecedesEveryNewCommit) {
  GroupMetadata group("g", 0);
  const TopicPartition tp{"orders", PartitionIndex(3)};
  group.load_offset(tp, OffsetCommitValue{Offset(5), kNoLeaderEpoch, "", 0});
  group.prepare_offset_commit(tp, 1);
  group.on_offset_commit_append(tp, 1, OffsetCommitValue{Offset(6), kNoLeaderEpoch, "", 0});
  EXPECT_EQ(group.offset(tp)->offset, Offset(6));
}

}  // namespace
}  // namespace samsa::cluster
