// The plan generator: RapidCheck generators of RunPlans for property tests and for
// exploration, with swarm testing (Groce et al., "Swarm Testing", ISSTA 2012): each plan
// first enables a random non-empty subset of the allowed fault kinds, then draws its fault
// schedule from those kinds only, so that some plans hammer one kind of fault and others
// mix several. Everything a plan holds shrinks toward "smaller": fewer faults (RapidCheck
// drops list elements), earlier and shorter ones, fewer records, partitions and brokers,
// while the simulation seed — drawn separately by the caller — stays fixed.
//
// Invariant: every plan generated passes validate_plan (run_plan.h).
#pragma once

#include <rapidcheck.h>

#include <cstddef>
#include <vector>

#include "properties/run_plan.h"

namespace samsa::properties {

struct PlanSpace {
  RunPlan base;                  // cluster, workload and phases the plans start from
  std::vector<FaultKind> kinds;  // the kinds a plan may enable; empty: no faults
  // Relative rates (1..100) of the kinds when a plan enables several (same order as
  // `kinds`); empty: every enabled kind equally often.
  std::vector<int> weights;
  std::size_t max_faults = 10;
  sim::Duration max_fault_duration = std::chrono::seconds(8);
  // The roles faults may hit (a kind that cannot hit any of them hits brokers).
  std::vector<NodeRole> targets{NodeRole::kBroker, NodeRole::kController, NodeRole::kConsumer};
  // Let the shape vary below the base: brokers (>= replication.factor), partitions and
  // records per producer shrink toward small values.
  bool vary_shape = true;
};

// Every fault kind, in declaration order.
std::vector<FaultKind> all_fault_kinds();

// One fault of an enabled kind (drawn by `weights`, parallel to `enabled`, when given).
rc::Gen<FaultStep> gen_fault_step(const std::vector<FaultKind>& enabled,
                                  const std::vector<int>& weights,
                                  const std::vector<NodeRole>& targets, const RunPlan& shape,
                                  sim::Duration max_duration);
rc::Gen<RunPlan> gen_run_plan(const PlanSpace& space);

}  // namespace samsa::properties
