// The Raft quorum under generated fault schedules (after Kafka's RaftEventSimulationTest):
// symmetric and one-way partitions, isolation, crashes and restarts, power loss, pauses,
// message loss, duplication and reordering, on 3 or 5 voters (sometimes with an observer,
// sometimes with frequent snapshots), while the writers append. After the faults heal, the
// properties are checked:
//   (a) at most one leader per epoch;
//   (b) log matching: two logs holding the same (offset, epoch) agree up to it;
//   (c) every append wait_committed() confirmed is, at its offset and with its value, in
//       every state machine that reached it;
//   (d) every replica applied the same sequence (prefixes of each other; no offset ever
//       applied with two values, across replicas and incarnations);
//   (e) liveness: within 15 simulated seconds of healing, a new append commits.
// 100 cases by default (RC_PARAMS="max_success=N" for more; RC_PARAMS="reproduce=..."
// replays a failure).
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "tests/cluster/raft/raft_rig.h"

namespace samsa::cluster::raft::testing {
namespace {

enum class Fault : int {
  kPartition,
  kOneWay,
  kIsolate,
  kHeal,
  kCrash,
  kPowerLoss,
  kRestart,
  kPause,
  kResume,
  kLossy,
  kWait,
  kCount
};

struct Step {
  Fault fault;
  int a;  // a node index (mod the node count)
  int b;  // a second node, a partition mask, or a loss level
  int wait_ms;
};

struct Schedule {
  std::uint64_t seed = 1;
  int voters = 3;
  int observers = 0;
  std::int64_t snapshot_interval = 0;
  std::vector<Step> steps;
};

struct Outcome {
  std::string violation;
  bool power_loss = false;
  std::size_t committed = 0;
};

void apply_fault(RaftRig& rig, const Step& step, Outcome& outcome) {
  const std::size_t n = rig.size();
  const std::size_t a = static_cast<std::size_t>(step.a) % n;
  const std::size_t b = static_cast<std::size_t>(step.b) % n;
  switch (step.fault) {
    case Fault::kPartition: {
      std::vector<std::size_t> side;
      for (std::size_t i = 0; i < n; ++i) {
        if ((step.b >> i) & 1) side.push_back(i);
      }
      rig.partition(side);
      break;
    }
    case Fault::kOneWay:
      if (a != b) {
        const std::vector<sim::NodeId> from{rig.node(a)};
        const std::vector<sim::NodeId> to{rig.node(b)};
        rig.sim().network().partition_one_way(from, to);
      }
      break;
    case Fault::kIsolate:
      rig.isolate(a);
      break;
    case Fault::kHeal:
      rig.heal();
      break;
    case Fault::kCrash:
      rig.crash(a);
      break;
    case Fault::kPowerLoss:
      outcome.power_loss = outcome.power_loss || rig.is_up(a);
      rig.power_loss(a);
      break;
    case Fault::kRestart:
      rig.restart(a);
      break;
    case Fault::kPause:
      if (rig.is_up(a)) rig.sim().pause(rig.node(a));
      break;
    case Fault::kResume:
      rig.sim().resume(rig.node(a));
      break;
    case Fault::kLossy: {
      sim::NetworkConfig config = rig.sim().network().config();
      config.drop_probability = 0.05 * (step.b % 4);
      config.duplicate_probability = 0.05 * ((step.b / 4) % 3);
      config.delay_probability = 0.1 * ((step.b / 12) % 3);
      config.fifo_links = step.b % 2 == 0;
      rig.sim().network().set_config(config);
      break;
    }
    case Fault::kWait:
    case Fault::kCount:
      break;
  }
}

// Runs one schedule and checks it. The rig is gone when this returns: a simulation must
// not be torn down while an exception (a failed RC_ASSERT) is in flight.
Outcome run_schedule(const Schedule& schedule) {
  RigOptions options;
  options.seed = schedule.seed;
  options.voters = schedule.voters;
  options.observers = schedule.observers;
  const std::int64_t interval = schedule.snapshot_interval;
  options.tweak = [interval](RaftConfig& c) { c.snapshot_interval_records = interval; };
  RaftRig rig(options);
  Outcome outcome;
  for (const Step& step : schedule.steps) {
    if (!rig.failure().empty()) break;
    apply_fault(rig, step, outcome);
    rig.run_for(std::chrono::milliseconds(step.wait_ms));
  }
  // Liveness phase: every fault ends; a new append must commit within the bound.
  rig.heal_all();
  const sim::SimTime healed = rig.sim().now();
  const bool live = rig.run_until(
      [&] { return !rig.committed().empty() && rig.committed().back().at > healed; }, 15s);
  rig.run_for(1s);  // let the followers catch up before comparing
  outcome.committed = rig.committed().size();
  outcome.violation = rig.check_all();
  if (outcome.violation.empty() && !live) {
    outcome.violation = "(e) no append committed within 15s of healing";
  }
  return outcome;
}

RC_GTEST_PROP(RaftProperties,
              OneLeaderPerEpochLogsMatchCommittedEntriesSurviveAndTheQuorumRecovers, ()) {
  Schedule schedule;
  schedule.seed = *rc::gen::inRange<std::uint64_t>(1, 1'000'000'000);
  schedule.voters = *rc::gen::element(3, 5);
  schedule.observers = *rc::gen::inRange(0, 2);
  schedule.snapshot_interval = *rc::gen::element<std::int64_t>(0, 7, 50);
  const int steps = *rc::gen::inRange(1, 16);
  for (int i = 0; i < steps; ++i) {  // drawn in sequence: argument order is unspecified
    const auto fault = static_cast<Fault>(*rc::gen::inRange(0, static_cast<int>(Fault::kCount)));
    const int a = *rc::gen::inRange(0, 8);
    const int b = *rc::gen::inRange(0, 64);
    // Short waits make faults pile up inside one election; long ones let epochs settle.
    const int wait_ms = *rc::gen::oneOf(rc::gen::inRange(0, 200), rc::gen::inRange(0, 3000));
    schedule.steps.push_back({fault, a, b, wait_ms});
  }
  const Outcome outcome = run_schedule(schedule);
  RC_CLASSIFY(outcome.power_loss, "power loss");
  RC_CLASSIFY(schedule.snapshot_interval > 0, "snapshots");
  RC_TAG(schedule.voters);
  if (!outcome.violation.empty()) {
    RC_FAIL(fmt::format("seed {}: {}", schedule.seed, outcome.violation));
  }
  RC_ASSERT(outcome.committed > 0u);
}

}  // namespace
}  // namespace samsa::cluster::raft::testing
