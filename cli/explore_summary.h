// The summary of one exploration, built once as JSON (DIR/summary.json, the --json
// output, the input of `samsa report`) and printed as text from that same object. Fields
// DESIGN.md names keep their names and meanings: seeds (seeds run), passed, failed,
// failing_seeds, events, wall_ms; further: scenario, start_seed, seeds_requested, shard,
// bugs, jobs, seeds_per_second, events_per_second, failures_by_property {property:
// [seeds]}, interrupted, stopped_by, failures [{seed, properties, replay?, run}] and runs
// [{seed, verdict, trace_hash, events, fault_kinds}] (one per seed, by seed).
//
// Invariant: apart from wall_ms, the rates and jobs, the summary depends only on the
// scenario, the seeds and the bugs — never on the number of worker threads.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/seed_pool.h"

namespace samsa::cli {

struct ExploreContext {
  std::string scenario;  // as the user named it
  std::uint64_t start_seed = 1;
  std::uint64_t seeds_requested = 0;  // in the range, after --shard
  std::string shard;                  // "I/N" or ""
  std::vector<std::string> bugs;      // --bug switches
  unsigned jobs = 1;
  std::string out_dir;  // "" when no failure files are written
};

nlohmann::json summary_json(const ExploreContext& context, const PoolResult& pool);

// The summary for a reader; `summary` as summary_json() made it.
std::string summary_text(const nlohmann::json& summary);

}  // namespace samsa::cli
