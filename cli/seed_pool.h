// The exploration loop: runs a list of seeds on worker threads, one simulation per thread
// at a time (a run is single-threaded and keeps its state thread_local, so separate runs on
// separate threads are independent). Threads live here, in cli/, and nowhere below it
// (scripts/check-determinism.sh bans them in sim/, cluster/, properties/, harness/).
//
// Invariants: 1. the outcomes come back ordered by seed, whatever the number of jobs and
// whatever order they finished in; 2. each seed runs at most once; 3. stopping (Ctrl-C,
// the time budget, --fail-fast) only stops new seeds from starting: runs under way finish
// and are reported; 4. `on_outcome` and the progress line run under one mutex, so the
// callback may write files and count without locks of its own.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "properties/checker.h"

namespace samsa::cli {

// One seed's result with the history dropped (thousands of them are kept).
struct SeedOutcome {
  std::uint64_t seed = 0;
  bool pass = true;
  std::vector<properties::Violation> violations;
  std::uint64_t trace_hash = 0;
  std::uint64_t events = 0;
  std::vector<std::string> fault_kinds;  // distinct kinds in the seed's plan, in kind order
  std::string outcome;
  std::string plan;  // describe_plan, for failing seeds only
};

enum class StopReason { kNone, kInterrupt, kTimeBudget, kFailFast };
std::string_view stop_reason_name(StopReason reason);  // "", "interrupt", "time", "fail-fast"

struct PoolOptions {
  unsigned jobs = 1;
  bool fail_fast = false;
  std::optional<std::chrono::milliseconds> time_budget;
  bool progress = false;  // draw a progress line on stderr
};

struct PoolResult {
  std::vector<SeedOutcome> outcomes;  // every seed that ran, by seed
  StopReason stopped = StopReason::kNone;
  std::int64_t wall_ms = 0;
};

using RunSeed = std::function<SeedOutcome(std::uint64_t seed)>;
using OnOutcome = std::function<void(const SeedOutcome&)>;

// Runs `seeds` (Ctrl-C stops new seeds from starting while this runs; a second Ctrl-C
// kills the process as usual).
PoolResult run_seed_pool(const std::vector<std::uint64_t>& seeds, const RunSeed& run_seed,
                         const OnOutcome& on_outcome, const PoolOptions& options);

}  // namespace samsa::cli
