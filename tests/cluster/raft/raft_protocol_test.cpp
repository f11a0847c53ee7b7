// The Raft protocol at the message level: hand-made Vote, Fetch and FetchSnapshot requests
// from the harness node to live replicas, and what each must answer (KIP-595, KIP-630).
#include <gtest/gtest.h>

#include "cluster/raft/raft_messages.h"
#include "cluster/raft/snapshot_store.h"
#include "tests/cluster/raft/raft_rig.h"

namespace samsa::cluster::raft::testing {
namespace {

// No replica campaigns by itself: the test's Vote requests are the only elections.
RigOptions quiet(int observers = 0) {
  RigOptions options;
  options.observers = observers;
  options.writers = false;
  options.tweak = [](RaftConfig& c) { c.election_timeout_ms = 100'000; };
  return options;
}

std::optional<VoteResponse> vote(RaftRig& rig, std::size_t to, int epoch, std::size_t candidate,
                                 EpochOffset last = {LeaderEpoch(0), Offset(0)}) {
  auto request = std::make_shared<VoteRequest>();
  request->candidate_epoch = LeaderEpoch(epoch);
  request->candidate = rig.node(candidate);
  request->last_offset_epoch = last.epoch;
  request->last_offset = last.offset;
  return rig.call<VoteResponse>(to, request);
}

std::optional<RaftFetchResponse> fetch(RaftRig& rig, std::size_t to, LeaderEpoch current,
                                       Offset offset, LeaderEpoch last_fetched) {
  auto request = std::make_shared<RaftFetchRequest>();
  request->replica = rig.sim().harness();
  request->current_leader_epoch = current;
  request->fetch_offset = offset;
  request->last_fetched_epoch = last_fetched;
  request->max_wait_ms = 0;
  return rig.call<RaftFetchResponse>(to, request);
}

TEST(RaftVote, AVoteIsDurableAcrossAPowerLossAndGrantedToNoOtherCandidateInThatEpoch) {
  RaftRig rig(quiet());
  rig.run_for(100ms);
  const auto first = vote(rig, 0, 5, 1);
  ASSERT_TRUE(first.has_value());
  EXPECT_TRUE(first->vote_granted);
  EXPECT_EQ(first->leader_epoch, LeaderEpoch(5));
  EXPECT_EQ(rig.replica(0)->role(), RaftRole::kVoted);
  rig.power_loss(0);
  rig.restart(0);
  rig.run_for(100ms);
  EXPECT_EQ(rig.replica(0)->role(), RaftRole::kVoted);
  EXPECT_EQ(rig.replica(0)->epoch(), LeaderEpoch(5));
  const auto other = vote(rig, 0, 5, 2);
  ASSERT_TRUE(other.has_value());
  EXPECT_FALSE(other->vote_granted);
  const auto same = vote(rig, 0, 5, 1);
  ASSERT_TRUE(same.has_value());
  EXPECT_TRUE(same->vote_granted);  // the same candidate may ask again
  const auto later = vote(rig, 0, 6, 2);
  ASSERT_TRUE(later.has_value());
  EXPECT_TRUE(later->vote_granted);  // a new epoch, a new vote
  EXPECT_EQ(rig.failure(), "");
}

TEST(RaftVote, AnOlderEpochIsFencedAndOnlyVotersTakePartInElections) {
  RaftRig rig(quiet(/*observers=*/1));
  rig.run_for(100ms);
  ASSERT_TRUE(vote(rig, 0, 5, 1)->vote_granted);
  const auto older = vote(rig, 0, 4, 2);
  ASSERT_TRUE(older.has_value());
  EXPECT_EQ(older->error, ErrorCode::kFencedLeaderEpoch);
  EXPECT_EQ(older->leader_epoch, LeaderEpoch(5));
  EXPECT_FALSE(older->vote_granted);
  const std::size_t observer = 3;
  const auto asked_observer = vote(rig, observer, 7, 1);
  ASSERT_TRUE(asked_observer.has_value());
  EXPECT_EQ(asked_observer->error, ErrorCode::kInconsistentVoterSet);
  EXPECT_FALSE(asked_observer->vote_granted);
  EXPECT_EQ(rig.replica(observer)->epoch(), LeaderEpoch(0));
  const auto observer_candidate = vote(rig, 1, 8, observer);
  ASSERT_TRUE(observer_candidate.has_value());
  EXPECT_EQ(observer_candidate->error, ErrorCode::kInconsistentVoterSet);
  EXPECT_FALSE(observer_candidate->vote_granted);
}

// Raft §5.4.1 at the boundary: one offset behind is refused, equal is granted; the bug
// switch grants either.
void check_log_comparison(bool bug) {
  RigOptions options;
  options.tweak = [bug](RaftConfig& c) {
    if (bug) c.bugs.enable(Bug::kRaftVoteWithoutLogCheck);
  };
  RaftRig rig(options);
  ASSERT_TRUE(rig.run_until([&] { return rig.committed().size() >= 5; }, 20s));
  rig.set_writes(false);
  rig.run_for(500ms);
  const std::size_t leader = *rig.ready_leader();
  const std::size_t follower = (leader + 1) % 3;
  const std::size_t candidate = (leader + 2) % 3;
  const LeaderEpoch epoch = rig.replica(follower)->epoch();
  const Offset end = rig.replica(follower)->log_end_offset();
  const auto behind = vote(rig, follower, epoch.value() + 1, candidate, {epoch, end - 1});
  ASSERT_TRUE(behind.has_value());
  EXPECT_EQ(behind->vote_granted, bug);
  EXPECT_EQ(rig.replica(follower)->epoch(), epoch + 1);  // the newer epoch is taken either way
  const auto equal = vote(rig, follower, epoch.value() + 2, candidate, {epoch, end});
  ASSERT_TRUE(equal.has_value());
  EXPECT_TRUE(equal->vote_granted);
}

TEST(RaftVote, AVoterRefusesACandidateWhoseLogIsBehindItsOwn) { check_log_comparison(false); }

TEST(RaftVote, WithTheBugAVoterGrantsACandidateWhoseLogIsBehindItsOwn) {
  check_log_comparison(true);
}

TEST(RaftFetch, TheLeaderFencesOtherEpochsAndFollowersNameTheLeader) {
  RaftRig rig(RigOptions{});
  ASSERT_TRUE(rig.wait_for_ready_leader());
  const std::size_t leader = *rig.ready_leader();
  const LeaderEpoch epoch = rig.replica(leader)->epoch();
  const auto older = fetch(rig, leader, epoch - 1, Offset(0), LeaderEpoch(0));
  ASSERT_TRUE(older.has_value());
  EXPECT_EQ(older->error, ErrorCode::kFencedLeaderEpoch);
  EXPECT_EQ(older->leader_epoch, epoch);
  EXPECT_EQ(older->leader, rig.node(leader));
  const auto newer = fetch(rig, leader, epoch + 1, Offset(0), LeaderEpoch(0));
  ASSERT_TRUE(newer.has_value());
  EXPECT_EQ(newer->error, ErrorCode::kUnknownLeaderEpoch);
  const auto at_follower = fetch(rig, (leader + 1) % 3, epoch, Offset(0), LeaderEpoch(0));
  ASSERT_TRUE(at_follower.has_value());
  EXPECT_EQ(at_follower->error, ErrorCode::kNotLeaderOrFollower);
  EXPECT_EQ(at_follower->leader, rig.node(leader));
  const auto valid = fetch(rig, leader, epoch, Offset(0), LeaderEpoch(0));
  ASSERT_TRUE(valid.has_value());
  EXPECT_EQ(valid->error, ErrorCode::kNone);
  EXPECT_FALSE(valid->records.empty());
  EXPECT_FALSE(valid->diverging_epoch.has_value());
}

TEST(RaftFetch, TheLeaderAnswersTheEndOfTheFollowersLastEpochWhenItsLogDiverges) {
  RaftRig rig(RigOptions{});
  ASSERT_TRUE(rig.run_until([&] { return rig.committed().size() >= 5; }, 20s));
  const std::size_t first = *rig.ready_leader();
  const LeaderEpoch first_epoch = rig.replica(first)->epoch();
  rig.crash(first);
  const std::size_t committed_before = rig.committed().size();
  ASSERT_TRUE(rig.run_until(
      [&] {
        return rig.committed().size() >= committed_before + 10 &&
               rig.committed().back().epoch > first_epoch;
      },
      20s));
  rig.set_writes(false);
  const std::size_t leader = *rig.ready_leader();
  const LeaderEpoch epoch = rig.replica(leader)->epoch();
  const auto log = rig.read_log(leader);
  ASSERT_TRUE(log.has_value());
  // Where the first epoch ends in the new leader's log: the start of the next epoch.
  Offset first_epoch_end(-1);
  for (const LoggedRecord& r : *log) {
    if (r.epoch > first_epoch) {
      first_epoch_end = r.offset;
      break;
    }
  }
  ASSERT_GT(first_epoch_end, Offset(0));
  ASSERT_LT(first_epoch_end + 3, rig.replica(leader)->log_end_offset());  // inside its log
  // A log that claims the first epoch went on past that point diverged there.
  const auto diverged = fetch(rig, leader, epoch, first_epoch_end + 3, first_epoch);
  ASSERT_TRUE(diverged.has_value());
  EXPECT_EQ(diverged->error, ErrorCode::kNone);
  ASSERT_TRUE(diverged->diverging_epoch.has_value());
  EXPECT_EQ(diverged->diverging_epoch->epoch, first_epoch);
  EXPECT_EQ(diverged->diverging_epoch->end_offset, first_epoch_end);
  EXPECT_TRUE(diverged->records.empty());
  // A log ending exactly there is fine: the leader sends what follows.
  const auto matching = fetch(rig, leader, epoch, first_epoch_end, first_epoch);
  ASSERT_TRUE(matching.has_value());
  EXPECT_FALSE(matching->diverging_epoch.has_value());
  EXPECT_FALSE(matching->records.empty());
  // Past the leader's end in its own epoch.
  const auto ahead = fetch(rig, leader, epoch, rig.replica(leader)->log_end_offset() + 1, epoch);
  ASSERT_TRUE(ahead.has_value());
  ASSERT_TRUE(ahead->diverging_epoch.has_value());
  EXPECT_EQ(ahead->diverging_epoch->epoch, epoch);
}

TEST(RaftFetch, TheLeaderSendsAFetchBelowItsLogStartToItsSnapshot) {
  RigOptions options;
  options.tweak = [](RaftConfig& c) { c.snapshot_interval_records = 5; };
  RaftRig rig(options);
  ASSERT_TRUE(rig.wait_for_ready_leader());
  ASSERT_TRUE(rig.run_until(
      [&] {
        const auto l = rig.ready_leader();
        return l && rig.replica(*l)->log_start_offset() > Offset(0);
      },
      20s));
  rig.set_writes(false);
  const std::size_t leader = *rig.ready_leader();
  const LeaderEpoch epoch = rig.replica(leader)->epoch();
  const auto snapshot = rig.replica(leader)->latest_snapshot();
  ASSERT_TRUE(snapshot.has_value());
  const auto below = fetch(rig, leader, epoch, Offset(0), LeaderEpoch(0));
  ASSERT_TRUE(below.has_value());
  EXPECT_EQ(below->error, ErrorCode::kNone);
  ASSERT_TRUE(below->snapshot_id.has_value());
  EXPECT_EQ(*below->snapshot_id, *snapshot);
  EXPECT_TRUE(below->records.empty());

  auto request = std::make_shared<FetchSnapshotRequest>();
  request->replica = rig.sim().harness();
  request->current_leader_epoch = epoch;
  request->snapshot_id = *snapshot;
  const auto got = rig.call<FetchSnapshotResponse>(leader, request);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->error, ErrorCode::kNone);
  const auto decoded = SnapshotStore::decode(got->bytes, *snapshot);
  ASSERT_TRUE(decoded.has_value());
  EXPECT_FALSE(decoded->payload.empty());

  auto missing = std::make_shared<FetchSnapshotRequest>(*request);
  missing->snapshot_id = SnapshotId{Offset(3), LeaderEpoch(1)};
  const auto none = rig.call<FetchSnapshotResponse>(leader, missing);
  ASSERT_TRUE(none.has_value());
  EXPECT_EQ(none->error, ErrorCode::kSnapshotNotFound);
}

}  // namespace
}  // namespace samsa::cluster::raft::testing
