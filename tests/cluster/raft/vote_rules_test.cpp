// The pure decision rules of cluster/raft/vote_rules.h: Raft §5.4.1 log comparison, KRaft's
// vote decisions per quorum state, the majority HW with the epoch-start rule (§5.4.2),
// the leader's fetch-position check and the follower's truncation point (KIP-595).
#include "cluster/raft/vote_rules.h"

#include <gtest/gtest.h>

#include <vector>

namespace samsa::cluster::raft {
namespace {

constexpr sim::NodeId kA{1};
constexpr sim::NodeId kB{2};

EpochOffset at(int epoch, std::int64_t offset) { return {LeaderEpoch(epoch), Offset(offset)}; }

VoterView voter(RaftRole role, int epoch, std::optional<sim::NodeId> voted = {},
                EpochOffset log_end = at(0, 0)) {
  VoterView v;
  v.role = role;
  v.epoch = LeaderEpoch(epoch);
  v.voted_for = voted;
  v.log_end = log_end;
  return v;
}

VoteAsk ask(int epoch, sim::NodeId candidate, EpochOffset log_end = at(0, 0)) {
  return VoteAsk{LeaderEpoch(epoch), candidate, log_end};
}

TEST(VoteRules, ALogIsUpToDateByLastEpochFirstThenByEndOffset) {
  EXPECT_TRUE(log_is_up_to_date(at(3, 10), at(3, 10)));
  EXPECT_TRUE(log_is_up_to_date(at(3, 11), at(3, 10)));
  EXPECT_FALSE(log_is_up_to_date(at(3, 9), at(3, 10)));
  EXPECT_TRUE(log_is_up_to_date(at(4, 1), at(3, 100)));  // a later epoch wins, shorter or not
  EXPECT_FALSE(log_is_up_to_date(at(2, 100), at(3, 1)));
}

TEST(VoteRules, AnUnattachedVoterGrantsOnlyACandidateAtLeastAsUpToDate) {
  EXPECT_TRUE(decide_vote(voter(RaftRole::kUnattached, 2, {}, at(2, 5)), ask(2, kA, at(2, 5)), true).grant);
  EXPECT_FALSE(decide_vote(voter(RaftRole::kUnattached, 2, {}, at(2, 5)), ask(2, kA, at(2, 4)), true).grant);
  EXPECT_FALSE(decide_vote(voter(RaftRole::kUnattached, 2, {}, at(2, 5)), ask(2, kA, at(1, 9)), true).grant);
}

TEST(VoteRules, WithoutTheLogCheckAStaleCandidateGetsTheVote) {
  const VoteDecision d = decide_vote(voter(RaftRole::kUnattached, 2, {}, at(2, 5)), ask(2, kA, at(1, 0)), false);
  EXPECT_EQ(d.error, ErrorCode::kNone);
  EXPECT_TRUE(d.grant);
}

TEST(VoteRules, AVoteInAnEpochGoesToOneCandidateOnly) {
  EXPECT_TRUE(decide_vote(voter(RaftRole::kVoted, 2, kA), ask(2, kA), true).grant);
  EXPECT_FALSE(decide_vote(voter(RaftRole::kVoted, 2, kA), ask(2, kB), true).grant);
  // The bug skips the log check only, never the one-vote-per-epoch rule.
  EXPECT_FALSE(decide_vote(voter(RaftRole::kVoted, 2, kA), ask(2, kB), false).grant);
}

TEST(VoteRules, CandidatesLeadersFollowersAndResignedLeadersRefuseInTheirOwnEpoch) {
  for (RaftRole role : {RaftRole::kCandidate, RaftRole::kLeader, RaftRole::kFollower,
                        RaftRole::kResigned}) {
    const VoteDecision d = decide_vote(voter(role, 3), ask(3, kA, at(3, 100)), true);
    EXPECT_EQ(d.error, ErrorCode::kNone) << raft_role_name(role);
    EXPECT_FALSE(d.grant) << raft_role_name(role);
    EXPECT_FALSE(d.enter_epoch) << raft_role_name(role);
  }
}

TEST(VoteRules, ANewerEpochMakesAnyVoterUnattachedFirstThenTheLogDecides) {
  for (RaftRole role : {RaftRole::kCandidate, RaftRole::kLeader, RaftRole::kFollower,
                        RaftRole::kResigned, RaftRole::kVoted}) {
    const VoteDecision up = decide_vote(voter(role, 3, kB, at(3, 7)), ask(4, kA, at(3, 7)), true);
    EXPECT_TRUE(up.enter_epoch) << raft_role_name(role);
    EXPECT_TRUE(up.grant) << raft_role_name(role);
    const VoteDecision stale = decide_vote(voter(role, 3, kB, at(3, 7)), ask(4, kA, at(3, 6)), true);
    EXPECT_TRUE(stale.enter_epoch) << raft_role_name(role);
    EXPECT_FALSE(stale.grant) << raft_role_name(role);
  }
}

TEST(VoteRules, AnOlderEpochIsFencedAndStrangersAreRefused) {
  const VoteDecision older = decide_vote(voter(RaftRole::kUnattached, 5), ask(4, kA, at(9, 9)), true);
  EXPECT_EQ(older.error, ErrorCode::kFencedLeaderEpoch);
  EXPECT_FALSE(older.grant);
  EXPECT_FALSE(older.enter_epoch);
  VoterView observer = voter(RaftRole::kObserver, 1);
  observer.self_is_voter = false;
  const VoteDecision asked_observer = decide_vote(observer, ask(2, kA), true);
  EXPECT_EQ(asked_observer.error, ErrorCode::kInconsistentVoterSet);
  EXPECT_FALSE(asked_observer.enter_epoch);  // an observer is not moved by elections
  VoterView v = voter(RaftRole::kUnattached, 1);
  v.candidate_is_voter = false;
  EXPECT_EQ(decide_vote(v, ask(2, kA), true).error, ErrorCode::kInconsistentVoterSet);
}

TEST(VoteRules, TheHighWatermarkIsTheEndOffsetAMajorityHolds) {
  const std::vector<Offset> three{Offset(10), Offset(7), Offset(3)};
  EXPECT_EQ(majority_high_watermark(three, Offset(0)), Offset(7));
  const std::vector<Offset> five{Offset(10), Offset(-1), Offset(8), Offset(4), Offset(9)};
  EXPECT_EQ(majority_high_watermark(five, Offset(0)), Offset(8));
  const std::vector<Offset> one{Offset(5)};
  EXPECT_EQ(majority_high_watermark(one, Offset(4)), Offset(5));
  const std::vector<Offset> unknown{Offset(10), Offset(-1), Offset(-1)};
  EXPECT_EQ(majority_high_watermark(unknown, Offset(0)), std::nullopt);
}

// Raft §5.4.2 (Figure 8): records of earlier epochs on a majority are not committed until
// a record of the leader's own epoch (its leader-change record at epoch_start) is.
TEST(VoteRules, TheHighWatermarkWaitsForTheLeadersOwnEpochOnAMajority) {
  const std::vector<Offset> old_records_on_majority{Offset(21), Offset(20), Offset(12)};
  EXPECT_EQ(majority_high_watermark(old_records_on_majority, Offset(20)), std::nullopt);
  const std::vector<Offset> own_record_on_majority{Offset(21), Offset(21), Offset(12)};
  EXPECT_EQ(majority_high_watermark(own_record_on_majority, Offset(20)), Offset(21));
}

TEST(VoteRules, AFetchPositionIsValidWhenTheFollowersLastEpochEndsAtOrAfterIt) {
  const EpochEndOffset leader_end_of_3{LeaderEpoch(3), Offset(50)};
  EXPECT_EQ(validate_fetch_position(Offset(40), LeaderEpoch(3), Offset(0), {}, leader_end_of_3).kind,
            FetchPosition::Kind::kValid);
  EXPECT_EQ(validate_fetch_position(Offset(50), LeaderEpoch(3), Offset(0), {}, leader_end_of_3).kind,
            FetchPosition::Kind::kValid);
  const FetchPosition past = validate_fetch_position(Offset(51), LeaderEpoch(3), Offset(0), {}, leader_end_of_3);
  EXPECT_EQ(past.kind, FetchPosition::Kind::kDiverging);
  EXPECT_EQ(past.diverging, leader_end_of_3);
  // The leader never saw epoch 4: it answers its largest epoch below, and where it ends.
  const EpochEndOffset unknown{LeaderEpoch(3), Offset(50)};
  const FetchPosition other = validate_fetch_position(Offset(45), LeaderEpoch(4), Offset(0), {}, unknown);
  EXPECT_EQ(other.kind, FetchPosition::Kind::kDiverging);
  EXPECT_EQ(other.diverging, unknown);
}

TEST(VoteRules, AFetchBelowTheLogStartOrAtAnOlderSnapshotEpochGoesToTheSnapshot) {
  const SnapshotId snapshot{Offset(100), LeaderEpoch(4)};
  const EpochEndOffset end{LeaderEpoch(4), Offset(120)};
  const FetchPosition below = validate_fetch_position(Offset(20), LeaderEpoch(2), Offset(100), snapshot, end);
  EXPECT_EQ(below.kind, FetchPosition::Kind::kSnapshot);
  EXPECT_EQ(below.snapshot, snapshot);
  EXPECT_EQ(validate_fetch_position(Offset(100), LeaderEpoch(3), Offset(100), snapshot, end).kind,
            FetchPosition::Kind::kSnapshot);
  EXPECT_EQ(validate_fetch_position(Offset(100), LeaderEpoch(4), Offset(100), snapshot, end).kind,
            FetchPosition::Kind::kValid);
}

TEST(VoteRules, AFollowerTruncatesToTheSmallerEndOfTheDivergingEpochNeverBelowItsLogStart) {
  // Same epoch on both sides, the leader's ends first.
  EXPECT_EQ(truncation_offset({LeaderEpoch(3), Offset(40)}, {LeaderEpoch(3), Offset(45)}, Offset(45), Offset(0)),
            Offset(40));
  // Ours ends first (we never got the leader's later records of it).
  EXPECT_EQ(truncation_offset({LeaderEpoch(3), Offset(40)}, {LeaderEpoch(2), Offset(30)}, Offset(45), Offset(0)),
            Offset(30));
  // Never past our own end, never below our log start.
  EXPECT_EQ(truncation_offset({LeaderEpoch(3), Offset(90)}, {LeaderEpoch(3), Offset(95)}, Offset(60), Offset(0)),
            Offset(60));
  EXPECT_EQ(truncation_offset({LeaderEpoch(1), Offset(5)}, {LeaderEpoch(1), Offset(5)}, Offset(60), Offset(20)),
            Offset(20));
}

TEST(VoteRules, ElectionBackoffsGrowWithRetriesUpToTheMaximum) {
  sim::Rng rng(7);
  for (int i = 0; i < 200; ++i) {
    const std::int64_t first = election_backoff_ms(1, 1000, rng);
    EXPECT_TRUE(first == 0 || first == 100) << first;
    const std::int64_t later = election_backoff_ms(30, 1000, rng);
    EXPECT_GE(later, 0);
    EXPECT_LE(later, 1000);
  }
  const std::vector<sim::NodeId> successors{kB, kA, sim::NodeId(3)};
  EXPECT_EQ(end_quorum_backoff_ms(successors, kB, 1000), 0);
  EXPECT_EQ(end_quorum_backoff_ms(successors, kA, 1000), 100);
  EXPECT_EQ(end_quorum_backoff_ms(successors, sim::NodeId(3), 1000), 200);
  EXPECT_EQ(end_quorum_backoff_ms(successors, sim::NodeId(9), 1000), 1000);
}

}  // namespace
}  // namespace samsa::cluster::raft
