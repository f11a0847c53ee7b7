// Bug::kRaftVoteWithoutLogCheck (Raft §5.4.1): a voter that grants its vote without
// comparing logs lets a stale candidate win, and the new leader's log overwrites a
// committed record. One deterministic schedule, run with the switch on and off:
//   voter-0 leads epoch 1; voter-2 (C) is cut off and keeps campaigning, so its epoch
//   races ahead while its log stays behind; voter-0 and voter-1 (B) commit records C
//   never sees, and B learns their HW; voter-0 crashes; C is reconnected and asks B for
//   its vote in a far later epoch before B's (long) fetch timeout lets it campaign.
// With the bug B votes for C, C leads with a log missing committed records and B is told
// to truncate them: the replica refuses ("below the high watermark") and the run fails.
// Without it B refuses, later wins itself, and every committed record survives.
#include <gtest/gtest.h>

#include "tests/cluster/raft/raft_rig.h"

namespace samsa::cluster::raft::testing {
namespace {

constexpr std::size_t kOldLeader = 0;
constexpr std::size_t kUpToDate = 1;  // B
constexpr std::size_t kStale = 2;     // C

struct BugRun {
  std::string failure;
  std::vector<Write> committed_while_stale_was_away;
  std::map<LeaderEpoch, std::set<sim::NodeId>> leaders;
  std::string violations;  // the rig's checks, when the run did not fail
  bool stale_reconnected = false;
  sim::NodeId stale;
  sim::NodeId up_to_date;
};

BugRun run_stale_candidate_schedule(bool bug) {
  RigOptions options;
  options.seed = 7;
  options.node_tweak = [bug](std::size_t node, RaftConfig& c) {
    if (bug) c.bugs.enable(Bug::kRaftVoteWithoutLogCheck);
    if (node == kUpToDate) {  // B waits long before campaigning itself
      c.fetch_timeout_ms = 10'000;
      c.election_timeout_ms = 5'000;
    }
    if (node == kStale) {  // C campaigns often
      c.election_timeout_ms = 200;
      c.election_backoff_max_ms = 100;
    }
  };
  RaftRig rig(options);
  BugRun run;
  run.stale = rig.node(kStale);
  run.up_to_date = rig.node(kUpToDate);
  // voter-0 campaigns first (B's timeout is long; C starts cut off).
  rig.isolate(kStale);
  if (!rig.wait_for_ready_leader() || rig.ready_leader() != kOldLeader) {
    run.failure = "setup: voter-0 did not become the ready leader";
    return run;
  }
  rig.run_until([&] { return rig.committed().size() >= 5; }, 10s);
  run.committed_while_stale_was_away = rig.committed();
  rig.set_writes(false);
  rig.run_for(600ms);  // B hears the HW past every committed record
  if (rig.replica(kUpToDate)->high_watermark() <= run.committed_while_stale_was_away.back().offset) {
    run.failure = "setup: B did not learn the high watermark";
    return run;
  }
  rig.crash(kOldLeader);
  rig.heal();
  run.stale_reconnected = true;
  rig.set_writes(true);
  rig.run_until([&] { return rig.ready_leader().has_value(); }, 30s);
  rig.run_for(2s);
  run.failure = rig.failure();
  run.leaders = rig.leaders();
  if (run.failure.empty()) {
    rig.restart(kOldLeader);
    rig.run_for(3s);
    run.violations = rig.check_all();
    for (const Write& w : run.committed_while_stale_was_away) {
      for (std::size_t i = 0; i < rig.size(); ++i) {
        if (rig.machine(i)->value_at(w.offset) != w.value) {
          run.violations += fmt::format(" missing '{}' on node {};", w.value, i);
        }
      }
    }
  }
  return run;
}

bool led_after_epoch_one(const BugRun& run, sim::NodeId node) {
  for (const auto& entry : run.leaders) {
    if (entry.first > LeaderEpoch(1) && entry.second.contains(node)) return true;
  }
  return false;
}

TEST(RaftBug, VoteWithoutLogCheckLetsAStaleCandidateWinAndDropACommittedRecord) {
  const BugRun run = run_stale_candidate_schedule(/*bug=*/true);
  ASSERT_TRUE(run.stale_reconnected) << run.failure;
  ASSERT_FALSE(run.committed_while_stale_was_away.empty());
  // The stale voter won an epoch, and its leadership would have truncated committed data.
  EXPECT_TRUE(led_after_epoch_one(run, run.stale)) << "voter-2 never led";
  EXPECT_NE(run.failure.find("below the high watermark"), std::string::npos) << run.failure;
}

TEST(RaftBug, TheSameScheduleKeepsEveryCommittedRecordWithTheLogCheck) {
  const BugRun run = run_stale_candidate_schedule(/*bug=*/false);
  ASSERT_TRUE(run.stale_reconnected) << run.failure;
  EXPECT_EQ(run.failure, "");
  EXPECT_EQ(run.violations, "");
  EXPECT_FALSE(led_after_epoch_one(run, run.stale)) << "the stale voter led";
  EXPECT_TRUE(led_after_epoch_one(run, run.up_to_date)) << "the up-to-date voter never led";
}

}  // namespace
}  // namespace samsa::cluster::raft::testing
