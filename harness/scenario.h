// Scenario files (docs/scenario-format.md): a TOML file that names a cluster, a workload,
// a fault mode (a random swarm schedule drawn from the seed, a script of timed actions, or
// both) and the properties to check. load_scenario() parses and validates one into a
// Scenario; plan_for() turns a Scenario and a seed into the RunPlan the runner executes;
// scenario_to_toml() writes a plan back as a scripted scenario (what `samsa shrink`
// leaves behind).
//
// Invariants: 1. loading never crashes and never falls back to a default silently — an
// unknown key, a wrong type, an out-of-range value or an impossible combination is a
// ScenarioError naming the file, line and key; 2. every Scenario that loads yields, for
// every seed, a plan that passes properties::validate_plan; 3. plan_for is a pure
// function of (scenario, seed); 4. parse_scenario(scenario_to_toml(plan, ...)) gives back a
// scenario whose plan_for(any seed) == canonical_targets(plan) (plan_shrink.h: node indices
// a file can name, the same run), which is `plan` itself for every plan a scenario loads
// to. Errors' lines, columns and keys: docs/scenario-format.md, "How errors are reported".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "properties/plan_gen.h"
#include "properties/run_plan.h"
#include "sim/result.h"

namespace samsa::harness {

struct ScenarioError {
  std::string file;
  int line = 0;     // 1-based; 0 when the error is about the whole file
  int column = 0;   // 1-based; 0 when unknown
  std::string key;  // dotted path, e.g. "topic.min.insync.replicas"; "" when none applies
  std::string message;
  // "file:line:column: key: message" (parts that are unknown are left out).
  std::string to_string() const;
};

struct RandomFaults {
  std::vector<properties::FaultKind> kinds;  // non-empty
  std::vector<int> weights;                  // parallel to kinds; empty: equal
  std::size_t max_faults = 10;
  sim::Duration max_duration = std::chrono::seconds(8);
  std::vector<properties::NodeRole> targets{properties::NodeRole::kBroker,
                                            properties::NodeRole::kController,
                                            properties::NodeRole::kConsumer};
  bool vary_shape = false;
  bool operator==(const RandomFaults&) const = default;
};

struct Scenario {
  std::string name;          // the file's stem ("leader-failover-acks-all")
  std::string path;          // as given to load_scenario, or the name given to parse_scenario
  std::string description;   // one line
  std::string text;          // the file's contents, so a failure file can carry them
  properties::RunPlan base;  // cluster, workload, phases, bugs, properties; faults
                             // holds the script (sorted by time)
  std::optional<RandomFaults> random;  // [faults.random], if present
};

// Reads and validates `path`. A missing or unreadable file is an error with line 0.
sim::Result<Scenario, ScenarioError> load_scenario(const std::string& path);
// Parses `text` as if it were the file `file_name`.
sim::Result<Scenario, ScenarioError> parse_scenario(std::string_view text,
                                                    const std::string& file_name);

// The plan a seed runs: the random schedule drawn from the seed (properties::plan_for_seed
// over the scenario's PlanSpace), plus the script, plus `extra_bugs` (from --bug; each
// must be a known bug, cluster/bugs.h).
properties::RunPlan plan_for(const Scenario& scenario, std::uint64_t seed,
                             const std::vector<std::string>& extra_bugs = {});
// The scenario's PlanSpace for exploration; nullopt when it has no random faults.
std::optional<properties::PlanSpace> plan_space(const Scenario& scenario);

// `plan` as a scripted scenario file (no random faults): every setting written out, so
// the file and `seed` reproduce the run. `description` becomes its description line;
// `comment` (may be several lines) is written as a leading # comment.
std::string scenario_to_toml(const properties::RunPlan& plan, std::string_view description,
                             std::string_view comment);

}  // namespace samsa::harness
