// One run as the user sees it, shared by `samsa run`, `replay` and `shrink`: the
// readable summary (scenario, seed, verdict, each violation, stats, trace hash, events,
// simulated and wall time, the command that reproduces the run) and the JSON object of
// `samsa run --json`, whose fields DESIGN.md lists ("Interfaces that users and scripts
// rely on"): seed, scenario, verdict, violations, trace_hash, events, sim_ms, wall_ms,
// stats — those names and meanings do not change. Further fields: measurements, outcome,
// bugs (every bug switched on: the scenario's own and --bug's), plan (describe_plan) and
// replay (the command that reproduces the run).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "harness/runner.h"
#include "properties/run_plan.h"

namespace samsa::cli {

// What was run: the scenario as the user named it, the seed, the --bug switches added to
// the scenario's own, and the plan that resulted.
struct RunInvocation {
  std::string scenario;
  std::uint64_t seed = 0;
  std::vector<std::string> extra_bugs;
  properties::RunPlan plan;
};

struct TimedResult {
  harness::RunResult result;
  std::int64_t wall_ms = 0;  // the tool's wall clock around run_plan
};

TimedResult run_timed(const properties::RunPlan& plan, const harness::RunOptions& options);

// `samsa run <scenario> --seed N [--bug X]...`, shell-quoted where needed.
std::string run_command(const std::string& scenario, std::uint64_t seed,
                        const std::vector<std::string>& extra_bugs);

nlohmann::json violations_json(const std::vector<properties::Violation>& violations,
                               bool with_time);
nlohmann::json run_json(const RunInvocation& run, const TimedResult& timed);
std::string run_text(const RunInvocation& run, const TimedResult& timed);

inline int verdict_exit_code(const harness::RunResult& result) {
  return result.pass ? 0 : 1;
}

}  // namespace samsa::cli
