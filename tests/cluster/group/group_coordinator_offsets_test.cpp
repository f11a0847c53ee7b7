// The group coordinator's offsets: commit fencing as Kafka's classic coordinator does it
// (and the stale-generation bug that breaks it), durability through the offsets topic,
// failover to a new coordinator, append failures and require_stable fetches.
#include <gtest/gtest.h>

#include "cluster/group/group_coordinator.h"
#include "group_coordinator_testing.h"

namespace samsa::cluster::testing {
namespace {

const std::string kGroup = "g";
const TopicPartition kTp{"orders", PartitionIndex(0)};

Offset fetched_offset(CoordinatorRig& rig, const TopicPartition& tp = kTp) {
  const OffsetFetchResponse r = rig.fetch(kGroup, {tp});
  EXPECT_EQ(r.error, ErrorCode::kNone);
  EXPECT_EQ(r.partitions.size(), 1u);
  return r.partitions.empty() ? Offset(-2) : r.partitions[0].committed_offset;
}

ErrorCode commit_error(const OffsetCommitResponse& r) {
  EXPECT_EQ(r.partitions.size(), 1u);
  return r.partitions.empty() ? ErrorCode::kUnknownServerError : r.partitions[0].error;
}

// Both members of generation 1 rejoin and sync: the group is Stable in generation 2.
std::vector<Joined> rebalance_again(CoordinatorRig& rig, const std::vector<Joined>& members) {
  std::vector<Pending<JoinGroupResponse>> joins;
  for (const Joined& m : members) joins.push_back(rig.join(join_request(kGroup, m.member_id)));
  rig.run(10ms);
  std::vector<Joined> next;
  for (const auto& j : joins) next.push_back(joined_from(j.get()));
  rig.sync_all(kGroup, next);
  return next;
}

TEST(GroupCoordinatorOffsets, ACommitFromTheCurrentGenerationIsWrittenAndFetched) {
  CoordinatorRig rig;
  rig.elect();
  const std::vector<Joined> members = rig.form_group(kGroup, 1);
  EXPECT_EQ(commit_error(rig.commit(kGroup, members[0].member_id, 1, kTp, Offset(42))),
            ErrorCode::kNone);
  EXPECT_EQ(fetched_offset(rig), Offset(42));
  const auto& records = rig.log().records(PartitionIndex(0));
  const auto last = decode_offsets_record(records.back());
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(std::get<OffsetCommitKey>(last.value().key),
            (OffsetCommitKey{kGroup, "orders", PartitionIndex(0)}));
  EXPECT_EQ(std::get<OffsetCommitValue>(*last.value().value).offset, Offset(42));
}

TEST(GroupCoordinatorOffsets, ACommitFromAStaleGenerationIsIllegalGeneration) {
  CoordinatorRig rig;
  rig.elect();
  const std::vector<Joined> members = rig.form_group(kGroup, 2);
  EXPECT_EQ(commit_error(rig.commit(kGroup, members[0].member_id, 1, kTp, Offset(10))),
            ErrorCode::kNone);
  rebalance_again(rig, members);
  ASSERT_EQ(rig.group(kGroup)->generation_id(), 2);
  EXPECT_EQ(commit_error(rig.commit(kGroup, members[0].member_id, 1, kTp, Offset(99))),
            ErrorCode::kIllegalGeneration);
  EXPECT_EQ(fetched_offset(rig), Offset(10));
}

TEST(GroupCoordinatorOffsets, WithTheStaleGenerationBugTheSameStaleCommitMovesTheOffset) {
  Bugs bugs;
  bugs.enable(Bug::kCommitFromStaleGeneration);
  CoordinatorRig rig(test_config(), bugs);
  rig.elect();
  const std::vector<Joined> members = rig.form_group(kGroup, 2);
  EXPECT_EQ(commit_error(rig.commit(kGroup, members[0].member_id, 1, kTp, Offset(10))),
            ErrorCode::kNone);
  rebalance_again(rig, members);
  ASSERT_EQ(rig.group(kGroup)->generation_id(), 2);
  EXPECT_EQ(commit_error(rig.commit(kGroup, members[0].member_id, 1, kTp, Offset(99))),
            ErrorCode::kNone);
  EXPECT_EQ(fetched_offset(rig), Offset(99))
      << "a member of generation 1 moved generation 2's offset";
}

TEST(GroupCoordinatorOffsets, ACommitFromAnUnknownMemberIsUnknownMemberId) {
  CoordinatorRig rig;
  rig.elect();
  rig.form_group(kGroup, 1);
  EXPECT_EQ(commit_error(rig.commit(kGroup, "stranger", 1, kTp, Offset(5))),
            ErrorCode::kUnknownMemberId);
  EXPECT_EQ(fetched_offset(rig), Offset(-1));
}

TEST(GroupCoordinatorOffsets, ACommitWhileCompletingTheRebalanceIsRebalanceInProgress) {
  CoordinatorRig rig;
  rig.elect();
  auto join = rig.join_new(kGroup);
  rig.run(rig.first_rebalance_time());
  const Joined member = joined_from(join.get());
  ASSERT_EQ(rig.group(kGroup)->state(), GroupState::kCompletingRebalance);
  EXPECT_EQ(commit_error(rig.commit(kGroup, member.member_id, member.generation, kTp, Offset(5))),
            ErrorCode::kRebalanceInProgress);
}

TEST(GroupCoordinatorOffsets, AManualAssignmentCommitIsAcceptedOnlyWhileTheGroupHasNoMembers) {
  CoordinatorRig rig;
  rig.elect();
  // A group nobody joined: a consumer with assign() commits without member or generation.
  EXPECT_EQ(commit_error(rig.commit(kGroup, "", kNoGeneration, kTp, Offset(7))), ErrorCode::kNone);
  EXPECT_EQ(rig.group(kGroup)->state(), GroupState::kEmpty);
  EXPECT_EQ(fetched_offset(rig), Offset(7));
  // A generation for a group unknown here is from the past.
  EXPECT_EQ(commit_error(rig.commit("other", "m", 3, kTp, Offset(7))),
            ErrorCode::kIllegalGeneration);

  const std::vector<Joined> members = rig.form_group(kGroup, 1);
  EXPECT_EQ(commit_error(rig.commit(kGroup, "", kNoGeneration, kTp, Offset(8))),
            ErrorCode::kUnknownMemberId);
  EXPECT_EQ(fetched_offset(rig), Offset(7));

  rig.leave(kGroup, {LeavingMember{members[0].member_id, std::nullopt}});
  ASSERT_EQ(rig.group(kGroup)->state(), GroupState::kEmpty);
  EXPECT_EQ(commit_error(rig.commit(kGroup, "", kNoGeneration, kTp, Offset(9))), ErrorCode::kNone);
  EXPECT_EQ(fetched_offset(rig), Offset(9));
}

TEST(GroupCoordinatorOffsets, CommittedOffsetsSurviveAFailoverToANewCoordinator) {
  CoordinatorRig rig;
  rig.elect();
  const TopicPartition other{"orders", PartitionIndex(1)};
  EXPECT_EQ(commit_error(rig.commit(kGroup, "", kNoGeneration, kTp, Offset(11))), ErrorCode::kNone);
  EXPECT_EQ(commit_error(rig.commit(kGroup, "", kNoGeneration, other, Offset(3))),
            ErrorCode::kNone);
  EXPECT_EQ(commit_error(rig.commit(kGroup, "", kNoGeneration, kTp, Offset(12))), ErrorCode::kNone);
  rig.fail_over(LeaderEpoch(2));
  EXPECT_EQ(fetched_offset(rig), Offset(12)) << "the last commit of a partition wins";
  EXPECT_EQ(fetched_offset(rig, other), Offset(3));
  const OffsetFetchResponse all = rig.fetch(kGroup);
  EXPECT_EQ(all.partitions.size(), 2u);
}

TEST(GroupCoordinatorOffsets, GroupMetadataSurvivesAFailoverAndSessionsStartAnew) {
  CoordinatorRig rig;
  rig.elect();
  const std::vector<Joined> members = rig.form_group(kGroup, 2);
  rig.fail_over(LeaderEpoch(2));
  const GroupMetadata* group = rig.group(kGroup);
  ASSERT_NE(group, nullptr);
  EXPECT_EQ(group->state(), GroupState::kStable);
  EXPECT_EQ(group->generation_id(), 1);
  EXPECT_EQ(group->protocol_name(), "range");
  EXPECT_EQ(group->leader_id(), members[0].leader);
  ASSERT_EQ(group->size(), 2u);
  for (const Joined& m : members) {
    EXPECT_EQ(text_of(group->get(m.member_id).assignment), "assigned-to-" + m.member_id);
    EXPECT_EQ(rig.heartbeat(kGroup, m.member_id, 1).error, ErrorCode::kNone);
    EXPECT_EQ(commit_error(rig.commit(kGroup, m.member_id, 1, kTp, Offset(4))), ErrorCode::kNone);
  }
  // The new coordinator's session timers run: silent members expire and the group empties.
  rig.run(std::chrono::milliseconds(kSessionTimeoutMs) + 1s);
  group = rig.group(kGroup);
  EXPECT_EQ(group->state(), GroupState::kEmpty);
  EXPECT_EQ(group->generation_id(), 2);
  EXPECT_EQ(group->size(), 0u);
}

TEST(GroupCoordinatorOffsets, ReplayKeepsTheLastValuePerKeyAndTombstonesDelete) {
  CoordinatorRig rig;
  rig.log().lead(PartitionIndex(0), LeaderEpoch(1));
  const TopicPartition gone{"orders", PartitionIndex(5)};
  const auto commit_record = [](const TopicPartition& tp, std::optional<Offset> offset) {
    std::optional<OffsetsRecordValue> value;
    if (offset) value = OffsetCommitValue{*offset, kNoLeaderEpoch, "", 0};
    return make_offsets_record(
        OffsetsRecord{OffsetCommitKey{kGroup, tp.topic, tp.partition}, value}, 0);
  };
  const std::vector<RecordInput> history = {
      commit_record(kTp, Offset(1)), commit_record(gone, Offset(2)), commit_record(kTp, Offset(3)),
      commit_record(gone, std::nullopt)};
  ASSERT_EQ(rig.log().append(PartitionIndex(0), LeaderEpoch(1), history, 1s), ErrorCode::kNone);
  rig.elect();
  EXPECT_EQ(fetched_offset(rig), Offset(3));
  EXPECT_EQ(fetched_offset(rig, gone), Offset(-1));
  EXPECT_EQ(rig.group(kGroup)->state(), GroupState::kEmpty);
}

TEST(GroupCoordinatorOffsets, AFailedAppendLeavesTheCommittedOffsetUnchanged) {
  CoordinatorRig rig;
  rig.elect();
  EXPECT_EQ(commit_error(rig.commit(kGroup, "", kNoGeneration, kTp, Offset(5))), ErrorCode::kNone);
  rig.log().fail_appends(ErrorCode::kNotEnoughReplicas, 1);
  EXPECT_EQ(commit_error(rig.commit(kGroup, "", kNoGeneration, kTp, Offset(9))),
            ErrorCode::kCoordinatorNotAvailable);
  EXPECT_EQ(fetched_offset(rig), Offset(5));
  // Timed out after the leader's append: the commit may yet become durable, but this
  // coordinator does not serve it, and the client hears REQUEST_TIMED_OUT.
  rig.log().fail_appends(ErrorCode::kRequestTimedOut, 1, /*written=*/true);
  EXPECT_EQ(commit_error(rig.commit(kGroup, "", kNoGeneration, kTp, Offset(10))),
            ErrorCode::kRequestTimedOut);
  EXPECT_EQ(fetched_offset(rig), Offset(5));
  rig.log().fail_appends(ErrorCode::kKafkaStorageError, 1);
  EXPECT_EQ(commit_error(rig.commit(kGroup, "", kNoGeneration, kTp, Offset(11))),
            ErrorCode::kNotCoordinator);
}

TEST(GroupCoordinatorOffsets, ACommitInFlightMakesARequireStableFetchUnstable) {
  CoordinatorRig rig;
  rig.elect();
  EXPECT_EQ(commit_error(rig.commit(kGroup, "", kNoGeneration, kTp, Offset(5))), ErrorCode::kNone);
  rig.log().set_append_delay(1s);
  auto slow = rig.start_commit(kGroup, "", kNoGeneration, kTp, Offset(6));
  rig.run(10ms);
  ASSERT_FALSE(slow.done());
  OffsetFetchResponse stable = rig.fetch(kGroup, {kTp}, true);
  EXPECT_EQ(stable.partitions[0].error, ErrorCode::kUnstableOffsetCommit);
  OffsetFetchResponse any = rig.fetch(kGroup, {kTp}, false);
  EXPECT_EQ(any.partitions[0].committed_offset, Offset(5));
  rig.run(1s);
  ASSERT_TRUE(slow.done());
  EXPECT_EQ(fetched_offset(rig), Offset(6));
}

TEST(GroupCoordinatorOffsets, CommitMetadataLongerThanTheLimitIsRefused) {
  CoordinatorRig rig;
  rig.elect();
  OffsetCommitRequest request;
  request.group_id = kGroup;
  request.offsets = {
      OffsetCommitPartition{kTp, Offset(1), kNoLeaderEpoch, std::string(4097, 'x')},
      OffsetCommitPartition{{"orders", PartitionIndex(1)}, Offset(2), kNoLeaderEpoch, "ok"}};
  const OffsetCommitResponse r =
      rig.call([&](GroupCoordinator& c) { return c.offset_commit(request); });
  ASSERT_EQ(r.partitions.size(), 2u);
  EXPECT_EQ(r.partitions[0].error, ErrorCode::kOffsetMetadataTooLarge);
  EXPECT_EQ(r.partitions[1].error, ErrorCode::kNone);
  EXPECT_EQ(fetched_offset(rig), Offset(-1));
}

}  // namespace
}  // namespace samsa::cluster::testing
