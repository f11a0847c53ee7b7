// The runner: executes one RunPlan under one seed — the cluster on a fresh Simulation,
// the workload (producers and a consumer group recording into a History), the nemesis
// running the fault schedule through the safety phase, then the liveness phase (every
// fault healed; producers must finish, the group and a final reader must read every
// acknowledged record within plan.liveness), then the end-of-run inspection of every
// replica's log, and every checker over the History and the Observations. A failed
// assertion inside the simulated code ends the run and becomes a violation ("invariant")
// with its message, never a crash of the harness.
//
// Invariants: 1. the result is a pure function of (plan, seed) — the same pair gives the
// same trace hash, history digest and violations, in any process and build; 2. the
// runner reads no real clock (wall time is the caller's to measure); 3. a run is bounded:
// at most plan.safety + plan.liveness + setup and inspection limits of simulated time, and
// RunOptions::max_events events.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "properties/checker.h"
#include "properties/data_checks.h"
#include "properties/history.h"
#include "properties/observations.h"
#include "properties/run_plan.h"

namespace samsa::harness {

inline constexpr std::string_view kInvariantProperty = properties::kInvariant;
inline constexpr std::string_view kLivenessProperty = properties::kLiveness;
inline constexpr const char* kRunTopic = "events";

struct RunOptions {
  std::uint64_t seed = 1;
  std::string trace_path;  // "" = no trace file
  std::uint64_t max_events = 400'000'000;
  bool inspect_replicas = true;  // read every replica's log at the end
  static RunOptions seeded(std::uint64_t seed) {
    RunOptions options;
    options.seed = seed;
    return options;
  }
};

struct RunStats {
  std::int64_t produced = 0;       // sends invoked
  std::int64_t acknowledged = 0;   // sends ok
  std::int64_t failed = 0;         // sends that definitely failed
  std::int64_t indeterminate = 0;  // sends that may or may not have landed
  std::int64_t consumed = 0;       // records the group's polls returned
  std::int64_t commits = 0;
  std::int64_t rebalances = 0;  // distinct group generations seen in assignments
  std::int64_t faults = 0;      // faults injected (skipped ones not counted)
  std::int64_t lost_acknowledged = 0;
};

struct RunResult {
  std::uint64_t seed = 0;
  bool pass = true;
  std::vector<properties::Violation> violations;
  std::map<std::string, std::int64_t> measurements;
  RunStats stats;
  std::uint64_t trace_hash = 0;
  std::uint64_t history_digest = 0;
  std::uint64_t events = 0;
  std::int64_t sim_ms = 0;
  std::string outcome;  // how the simulation ended ("completed", "failed: <assertion>", ...)
  // What the config and faults promised, and why not where they did not.
  properties::DataPromises promises;
  std::shared_ptr<const properties::History> history;
  std::shared_ptr<const properties::Observations> observations;
};

// Runs `plan` (which must pass properties::validate_plan, and name only known bugs).
RunResult run_plan(const properties::RunPlan& plan, const RunOptions& options);

// The outcome and every violation, one per line ("<property>: <detail>"), for failure
// messages and logs.
std::string describe_result(const RunResult& result);

// "a1b2c3d4e5f60718": a trace hash as 16 hex digits.
std::string hash_hex(std::uint64_t hash);

}  // namespace samsa::harness
