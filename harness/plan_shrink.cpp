#include "harness/plan_shrink.h"

#include <algorithm>
#include <utility>

#include "harness/runner.h"

namespace samsa::harness {

namespace {

using properties::FaultKind;
using properties::FaultStep;
using properties::NodeRole;
using properties::RunPlan;
using namespace std::chrono_literals;

// Faults are not shortened below this, nor the safety phase cut closer than this to the
// end of the last fault: a fault shorter than a few heartbeats tests nothing new.
constexpr sim::Duration kMinFaultDuration = 100ms;
constexpr sim::Duration kSafetyMargin = 500ms;

sim::Duration halved_ms(sim::Duration d) {
  return std::chrono::milliseconds(sim::to_ms(d) / 2);
}

void sort_faults(RunPlan& plan) {
  std::stable_sort(plan.faults.begin(), plan.faults.end(),
                   [](const FaultStep& a, const FaultStep& b) { return a.at < b.at; });
}

// Collects the candidates of one plan: each mutation applied to a copy, made canonical,
// kept only when it is valid and differs from the plan.
class Candidates {
 public:
  explicit Candidates(const RunPlan& plan) : plan_(plan) {}

  template <class Mutation>
  void add(Mutation mutate) {
    RunPlan candidate = plan_;
    mutate(candidate);
    candidate = canonical_targets(std::move(candidate));
    if (candidate == plan_ || properties::validate_plan(candidate).has_value()) return;
    if (std::find(list_.begin(), list_.end(), candidate) != list_.end()) return;
    list_.push_back(std::move(candidate));
  }

  const RunPlan& plan() const { return plan_; }
  std::vector<RunPlan> take() { return std::move(list_); }

 private:
  const RunPlan& plan_;
  std::vector<RunPlan> list_;
};

// Every chunk of faults removed: all of them, then halves, quarters, ..., single steps.
void drop_faults(Candidates& c) {
  const std::size_t n = c.plan().faults.size();
  for (std::size_t size = n; size >= 1; size /= 2) {
    for (std::size_t start = 0; start < n; start += size) {
      c.add([start, size](RunPlan& p) {
        const auto first = p.faults.begin() + static_cast<std::ptrdiff_t>(start);
        const auto last =
            p.faults.begin() + static_cast<std::ptrdiff_t>(std::min(start + size, p.faults.size()));
        p.faults.erase(first, last);
      });
    }
  }
}

// The safety phase ends just after the last fault heals.
void shorten_safety(Candidates& c) {
  sim::Duration last_end{};
  for (const FaultStep& f : c.plan().faults) last_end = std::max(last_end, f.at + f.duration);
  const sim::Duration safety = std::chrono::milliseconds(sim::to_ms(last_end + kSafetyMargin));
  if (safety < c.plan().safety) c.add([safety](RunPlan& p) { p.safety = safety; });
}

// `value` lowered straight to `floor`, then by one.
template <class Set>
void lower_count(Candidates& c, int value, int floor, Set set) {
  if (value > floor) c.add([floor, set](RunPlan& p) { set(p, floor); });
  if (value - 1 > floor) c.add([value, set](RunPlan& p) { set(p, value - 1); });
}

void shrink_shape(Candidates& c) {
  const RunPlan& plan = c.plan();
  const std::int64_t records = plan.workload.records_per_producer;
  if (records > 1) c.add([records](RunPlan& p) { p.workload.records_per_producer = records / 2; });
  lower_count(c, plan.workload.producers, 1, [](RunPlan& p, int n) { p.workload.producers = n; });
  lower_count(c, plan.workload.consumers, 0, [](RunPlan& p, int n) {
    p.workload.consumers = n;
    if (n > 0) return;
    std::erase_if(p.faults,
                  [](const FaultStep& f) { return f.target.role == NodeRole::kConsumer; });
  });
  lower_count(c, plan.cluster.partitions, 1, [](RunPlan& p, int n) { p.cluster.partitions = n; });
  lower_count(c, plan.cluster.brokers, plan.cluster.replication_factor,
              [](RunPlan& p, int n) { p.cluster.brokers = n; });
}

// Each fault shorter (halved), then each earlier (its start halved).
void shrink_fault_times(Candidates& c) {
  const std::vector<FaultStep>& faults = c.plan().faults;
  for (std::size_t i = 0; i < faults.size(); ++i) {
    if (halved_ms(faults[i].duration) >= kMinFaultDuration) {
      c.add([i](RunPlan& p) { p.faults[i].duration = halved_ms(p.faults[i].duration); });
    }
  }
  for (std::size_t i = 0; i < faults.size(); ++i) {
    if (faults[i].at == sim::Duration::zero()) continue;
    c.add([i](RunPlan& p) {
      p.faults[i].at = halved_ms(p.faults[i].at);
      sort_faults(p);
    });
  }
}

}  // namespace

RunPlan canonical_targets(RunPlan plan) {
  const int widest = std::max(plan.cluster.brokers, plan.cluster.controllers);
  for (FaultStep& f : plan.faults) {
    if (f.kind == FaultKind::kLossyNetwork) {
      f.target = {NodeRole::kBroker, 0};
    } else if (f.kind == FaultKind::kPartition) {
      // The side is "index <= target" over brokers and controllers both: any index past
      // the larger role's last node means the same, and the named node must exist.
      f.target.index = std::min(f.target.index, widest - 1);
      if (f.target.role == NodeRole::kConsumer ||
          f.target.index >= role_count(plan, f.target.role)) {
        f.target.role = plan.cluster.brokers >= plan.cluster.controllers ? NodeRole::kBroker
                                                                         : NodeRole::kController;
      }
    } else {
      const int count = role_count(plan, f.target.role);
      if (count > 0 && f.target.index >= 0) f.target.index %= count;
    }
  }
  return plan;
}

std::vector<RunPlan> shrink_candidates(const RunPlan& plan) {
  Candidates c(plan);
  drop_faults(c);
  shorten_safety(c);
  shrink_shape(c);
  shrink_fault_times(c);
  return c.take();
}

ShrinkResult shrink_plan(const RunPlan& failing, const StillFails& still_fails,
                         const ShrinkOptions& options) {
  ShrinkResult result;
  result.plan = failing;
  bool improved = true;
  while (improved) {
    improved = false;
    for (RunPlan& candidate : shrink_candidates(result.plan)) {
      if (result.runs >= options.max_runs) {
        result.budget_spent = true;
        return result;
      }
      ++result.runs;
      if (still_fails(candidate)) {
        result.plan = std::move(candidate);
        ++result.accepted;
        improved = true;
        break;
      }
    }
  }
  return result;
}

StillFails violates_any_of(std::uint64_t seed, std::set<std::string> properties) {
  return [seed, properties = std::move(properties)](const RunPlan& plan) {
    const RunResult result = run_plan(plan, RunOptions::seeded(seed));
    return std::any_of(
        result.violations.begin(), result.violations.end(),
        [&](const properties::Violation& v) { return properties.contains(v.property); });
  };
}

}  // namespace samsa::harness
