// The harness's power self-test: for every switch in the Bugs set, the scenario chosen to
// expose it (a PlanSpace: the cluster, the workload and the fault kinds explored), the
// properties that may catch it, and a stated bound — default exploration (seed 1, 2, ...,
// each seed drawing its own plan) finds the bug within `seeds` seeds. The same seeds must
// pass with the switch off. tests/harness/bug_hunt_test.cpp holds the table to its word;
// `samsa_bug_table` regenerates docs/bug-table.md from it.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "harness/runner.h"
#include "properties/plan_gen.h"

namespace samsa::harness {

struct BugHunt {
  std::string bug;  // the --bug name (cluster/bugs.h)
  // The properties that name it: the run that finds it must violate at least one (a bug
  // can surface through more than one symptom: a lost record is unseen or a lost write).
  std::vector<std::string> properties;
  int seeds = 0;         // found within seeds 1..seeds
  std::string scenario;  // the scenario, in words
  properties::PlanSpace space;
};

inline constexpr int kOpenHuntSeeds = 80;

// One per bug in cluster::all_bugs(), in that order.
const std::vector<BugHunt>& bug_hunts();

struct HuntResult {
  std::optional<std::uint64_t> found_at;  // the first seed whose run failed
  std::set<std::string> properties;       // the properties violated at that seed
  std::string first_detail;               // the first violation of one of hunt.properties
  // Whether one of the violated properties is one of `hunt`'s.
  bool named_by(const BugHunt& hunt) const;
};

// Explores seeds 1..limit of `hunt.space` (with the bug on when `bug_on`) and stops at the
// first failing seed.
HuntResult hunt(const BugHunt& hunt, bool bug_on, int limit);

// The plan seed S explores for `hunt` (the bug switched on when `bug_on`).
properties::RunPlan hunt_plan(const BugHunt& hunt, std::uint64_t seed, bool bug_on);

}  // namespace samsa::harness
