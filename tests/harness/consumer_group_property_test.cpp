// The consumer-group properties under generated fault schedules: a group of three
// consumers (eager or cooperative, sync / async / auto commits) reads what a producer
// sends while the schedule crashes and restarts members, pauses them past their session,
// cuts them off from the coordinator, and crashes the coordinator's broker. After the
// faults heal the group must read every acknowledged record, and every group checker
// (exclusivity, commit fencing, committed offsets monotonic and within bounds, no skip
// after a rebalance, no poll skip or going back) must hold. 8 cases by default
// (SAMSA_GROUP_CASES=N for more); a failure prints RapidCheck's reproduce string
// (RC_PARAMS="reproduce=...").
#include <rapidcheck.h>

#include <cstdlib>

#include "tests/harness/group_run.h"
#include "tests/harness/property_check.h"

namespace samsa::harness {
namespace {

using namespace testing;

enum class GroupFault : int {
  kCrashMember,
  kPauseMember,
  kIsolateMember,
  kCutFromCoordinator,
  kCrashCoordinator,
  kCount
};

struct FaultStep {
  GroupFault fault;
  int member;       // 0..2
  int duration_ms;  // how long the fault lasts before it heals
  int gap_ms;       // quiet time before it
};

std::string run_schedule(std::uint64_t seed, bool cooperative, CommitMode commit,
                         const std::vector<FaultStep>& steps) {
  GroupRun run(seed);
  if (!run.setup_ok_) return "setup failed";
  run.add_producer(300, 15ms);
  for (int i = 0; i < 3; ++i) {
    run.add_consumer(commit, {cooperative ? "cooperative-sticky" : "range"});
  }
  for (const FaultStep& step : steps) {
    run.run_for(std::chrono::milliseconds(step.gap_ms));
    const sim::NodeId member = run.consumers_[static_cast<std::size_t>(step.member)]->node();
    const sim::Duration lasting = std::chrono::milliseconds(step.duration_ms);
    switch (step.fault) {
      case GroupFault::kCrashMember:
        run.sim_.crash(member);
        run.run_for(lasting);
        run.sim_.restart(member);
        break;
      case GroupFault::kPauseMember:
        run.sim_.pause(member);
        run.run_for(lasting);
        run.sim_.resume(member);
        break;
      case GroupFault::kIsolateMember:
        run.sim_.network().isolate(member);
        run.run_for(lasting);
        run.sim_.network().heal();
        break;
      case GroupFault::kCutFromCoordinator: {
        const cluster::BrokerId coordinator = run.coordinator();
        if (coordinator == cluster::kNoLeader) break;
        const std::vector<sim::NodeId> a = {member};
        const std::vector<sim::NodeId> b = {run.cluster_.broker_node(coordinator)};
        run.sim_.network().partition(a, b);
        run.run_for(lasting);
        run.sim_.network().heal();
        break;
      }
      case GroupFault::kCrashCoordinator: {
        const cluster::BrokerId coordinator = run.coordinator();
        if (coordinator == cluster::kNoLeader) break;
        const sim::NodeId node = run.cluster_.broker_node(coordinator);
        run.sim_.crash(node);
        run.run_for(lasting);
        run.sim_.restart(node);
        break;
      }
      case GroupFault::kCount:
        break;
    }
  }
  const bool drained = run.drain(180s);
  if (!run.sim_.kernel().failure().empty()) return run.sim_.kernel().failure();
  if (!drained) return fmt::format("{} acknowledged values unread", run.unread().size());
  const auto violations = run.check();
  if (std::getenv("SAMSA_TEST_HISTORY") != nullptr) run.print_history();
  return violations.empty() ? std::string() : run.describe(violations);
}

TEST(ConsumerGroupProperty,
     GroupGuaranteesHoldUnderMemberCrashesPausesPartitionsAndCoordinatorFailover) {
  testing::check_property("consumer-group-faults", 8, "SAMSA_GROUP_CASES", [] {
    const auto seed = *rc::gen::inRange<std::uint64_t>(1, 1'000'000);
    const bool cooperative = *rc::gen::arbitrary<bool>();
    const auto commit = static_cast<CommitMode>(*rc::gen::inRange(0, 3));
    const int count = *rc::gen::inRange(1, 5);
    std::vector<FaultStep> steps;
    for (int i = 0; i < count; ++i) {
      FaultStep step{};
      step.fault =
          static_cast<GroupFault>(*rc::gen::inRange(0, static_cast<int>(GroupFault::kCount)));
      step.member = *rc::gen::inRange(0, 3);
      step.duration_ms = *rc::gen::resize(100, rc::gen::inRange(200, 5'000));
      step.gap_ms = *rc::gen::resize(100, rc::gen::inRange(0, 2'000));
      steps.push_back(step);
    }
    RC_CLASSIFY(cooperative, "cooperative");
    RC_ASSERT(run_schedule(seed, cooperative, commit, steps) == "");
  });
}

}  // namespace
}  // namespace samsa::harness
