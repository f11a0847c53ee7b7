// The plan shrinker behind `samsa shrink`: given a plan that fails under a seed and a
// predicate "this plan still fails" (normally: a run under the same seed violates at least
// one of the properties the original run violated), a greedy descent over smaller plans —
// fewer faults (halves and chunks first, then single steps), a safety phase that ends just
// after the last fault, fewer records, producers, consumers, partitions and brokers,
// shorter faults, earlier faults. The first candidate that still fails becomes the plan and
// the descent restarts from it; it stops when no candidate fails or the run budget is spent.
//
// Invariants: 1. every plan handed to the predicate passes properties::validate_plan;
// 2. the result is the input or a plan the predicate accepted (so it still fails);
// 3. at most ShrinkOptions::max_runs predicate calls; 4. no threads, no real clocks: the
// result is a pure function of (plan, predicate), since the seed stays fixed inside it.
#pragma once

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "properties/run_plan.h"

namespace samsa::harness {

// True when `plan` still shows the failure being shrunk.
using StillFails = std::function<bool(const properties::RunPlan& plan)>;

struct ShrinkOptions {
  int max_runs = 300;  // predicate calls at most
};

struct ShrinkResult {
  properties::RunPlan plan;   // the smallest failing plan found
  int runs = 0;               // predicate calls made
  int accepted = 0;           // candidates that still failed (steps of the descent)
  bool budget_spent = false;  // stopped by max_runs rather than by a local minimum
};

// The plan with every node reference in the form a scenario file can name: an index below
// its role's node count (the runner resolves indices modulo that count, and a partition's
// side only by "index <= target", so the run is the same), lossy-network aimed at broker 0.
properties::RunPlan canonical_targets(properties::RunPlan plan);

// The smaller plans tried from `plan`, in the order tried; each passes validate_plan and
// differs from `plan`.
std::vector<properties::RunPlan> shrink_candidates(const properties::RunPlan& plan);

// The greedy descent described above, from `failing` (which the caller knows fails).
ShrinkResult shrink_plan(const properties::RunPlan& failing, const StillFails& still_fails,
                         const ShrinkOptions& options = {});

// The predicate `samsa shrink` uses: run_plan(plan, seed) violates at least one property
// in `properties`.
StillFails violates_any_of(std::uint64_t seed, std::set<std::string> properties);

}  // namespace samsa::harness
