#include "properties/plan_gen.h"

#include <algorithm>

namespace samsa::properties {

namespace {

using std::chrono::milliseconds;

// The roles a fault kind may hit: power loss and partitions are about servers.
rc::Gen<NodeRef> gen_target(FaultKind kind, const std::vector<NodeRole>& targets,
                            const RunPlan& shape) {
  const bool client_fault = kind == FaultKind::kCrash || kind == FaultKind::kPause ||
                            kind == FaultKind::kIsolate || kind == FaultKind::kClockSkew;
  std::vector<NodeRole> roles;
  for (NodeRole role : targets) {
    if (role != NodeRole::kConsumer || (client_fault && shape.workload.consumers > 0)) {
      roles.push_back(role);
    }
  }
  if (roles.empty()) roles.push_back(NodeRole::kBroker);
  const int max_index =
      std::max({shape.cluster.brokers, shape.cluster.controllers, shape.workload.consumers}) - 1;
  return rc::gen::apply(
      [](NodeRole role, int index) {
        return NodeRef{role, index};
      },
      rc::gen::elementOf(roles), rc::gen::inRange(0, max_index + 1));
}

std::int64_t amount_for(FaultKind kind, int draw) {
  switch (kind) {
    case FaultKind::kClockSkew:
      return (draw % 2 == 0 ? 1 : -1) * (100 + 100 * (draw % 50));
    case FaultKind::kLossyNetwork:
      return 50 + 10 * (draw % 40);  // 5 % .. 44 %
    default:
      return 0;
  }
}

}  // namespace

std::vector<FaultKind> all_fault_kinds() {
  std::vector<FaultKind> kinds;
  for (int k = 0; k < kFaultKinds; ++k) kinds.push_back(static_cast<FaultKind>(k));
  return kinds;
}

rc::Gen<FaultStep> gen_fault_step(const std::vector<FaultKind>& enabled,
                                  const std::vector<int>& weights,
                                  const std::vector<NodeRole>& targets, const RunPlan& shape,
                                  sim::Duration max_duration) {
  const std::int64_t safety_ms = std::max<std::int64_t>(sim::to_ms(shape.safety), 200);
  const std::int64_t max_length_ms = std::max<std::int64_t>(sim::to_ms(max_duration), 101);
  // A kind of weight w appears w times among the choices (weights are small, <= 100).
  std::vector<FaultKind> choices = enabled;
  if (!weights.empty()) {
    choices.clear();
    for (std::size_t k = 0; k < enabled.size(); ++k) {
      choices.insert(choices.end(), static_cast<std::size_t>(std::clamp(weights.at(k), 1, 100)),
                     enabled[k]);
    }
  }
  return rc::gen::mapcat(rc::gen::elementOf(choices), [=](FaultKind kind) {
    return rc::gen::apply(
        [=](std::int64_t at_ms, std::int64_t length_ms, NodeRef target, int draw) {
          FaultStep step;
          step.kind = kind;
          step.at = milliseconds(at_ms);
          step.duration = milliseconds(std::min(length_ms, safety_ms - at_ms));
          step.target = target;
          step.amount = amount_for(kind, draw);
          return step;
        },
        rc::gen::inRange<std::int64_t>(0, safety_ms - 100),
        rc::gen::inRange<std::int64_t>(100, max_length_ms), gen_target(kind, targets, shape),
        rc::gen::inRange(0, 1000));
  });
}

rc::Gen<RunPlan> gen_run_plan(const PlanSpace& space) {
  const RunPlan base = space.base;
  auto shape = rc::gen::just(base);
  if (space.vary_shape) {
    shape = rc::gen::apply(
        [base](int brokers, int partitions, std::int64_t records) {
          RunPlan plan = base;
          plan.cluster.brokers = brokers;
          plan.cluster.partitions = partitions;
          plan.workload.records_per_producer = records;
          return plan;
        },
        rc::gen::inRange(base.cluster.replication_factor, base.cluster.brokers + 1),
        rc::gen::inRange(1, base.cluster.partitions + 1),
        rc::gen::inRange<std::int64_t>(
            std::min<std::int64_t>(10, base.workload.records_per_producer),
            base.workload.records_per_producer + 1));
  }
  if (space.kinds.empty()) return shape;
  const std::vector<FaultKind> allowed = space.kinds;
  const std::vector<int> allowed_weights = space.weights;
  const std::vector<NodeRole> targets = space.targets;
  const std::size_t max_faults = space.max_faults;
  const sim::Duration max_duration = space.max_fault_duration;
  return rc::gen::mapcat(shape, [=](RunPlan plan) {
    // Swarm: a non-empty subset of the allowed kinds (a bit mask, never 0).
    const int masks = (1 << allowed.size()) - 1;
    return rc::gen::mapcat(rc::gen::inRange(1, masks + 1), [=](int mask) {
      std::vector<FaultKind> enabled;
      std::vector<int> weights;
      for (std::size_t k = 0; k < allowed.size(); ++k) {
        if ((mask >> k) & 1) {
          enabled.push_back(allowed[k]);
          if (!allowed_weights.empty()) weights.push_back(allowed_weights[k]);
        }
      }
      // The list's length is bounded by max_faults through its size; each step is drawn at
      // the test's own size (inRange scales with size: a step drawn at size max_faults
      // would crowd into the first tenth of the safety phase).
      const rc::Gen<std::vector<FaultStep>> steps = rc::gen::withSize([=](int size) {
        return rc::gen::resize(
            static_cast<int>(max_faults),
            rc::gen::container<std::vector<FaultStep>>(rc::gen::resize(
                size, gen_fault_step(enabled, weights, targets, plan, max_duration))));
      });
      return rc::gen::map(steps, [plan, max_faults](std::vector<FaultStep> faults) {
        RunPlan out = plan;
        if (faults.size() > max_faults) faults.resize(max_faults);
        std::stable_sort(faults.begin(), faults.end(),
                         [](const FaultStep& a, const FaultStep& b) { return a.at < b.at; });
        out.faults = std::move(faults);
        return out;
      });
    });
  });
}

}  // namespace samsa::properties
