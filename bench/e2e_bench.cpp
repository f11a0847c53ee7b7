// Whole runs, end to end: what one simulation of the catalogue's main job costs. Each
// iteration runs one seed of a scenario with run_plan — cluster set-up, the safety phase
// under the seed's faults, the liveness phase, the replica inspection and every checker —
// and the seed moves on by one every iteration (1, 2, 3, ...), so the numbers average over
// fault schedules rather than timing one schedule again. Two benchmarks: default.toml (the
// swarm of every fault kind) and a fault-free baseline with default's cluster and workload.
//
// Counters (per wall second of the timed loop): seeds_per_second, events_per_second,
// time_compression (simulated seconds per wall second); and per simulation:
// peak_live_bytes (the highest heap bytes a run held above what was live before it, worst
// over the seeds), allocations_per_event, failed_seeds (runs whose verdict was fail: a
// benchmark that times a broken run should say so).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <string>

#include "bench/alloc_counter.h"
#include "harness/runner.h"
#include "harness/scenario.h"

namespace samsa::bench {
namespace {

const std::string kDefaultScenario = std::string(SAMSA_CATALOGUE_DIR) + "/default.toml";

// Loads default.toml, or says why not (the benchmark then skips with the message).
sim::Result<harness::Scenario, harness::ScenarioError> load_default() {
  return harness::load_scenario(kDefaultScenario);
}

// The scenario with every fault taken out: no random schedule, no script.
harness::Scenario without_faults(harness::Scenario scenario) {
  scenario.random.reset();
  scenario.base.faults.clear();
  return scenario;
}

void run_seeds(benchmark::State& state, const harness::Scenario& scenario) {
  std::uint64_t seed = 1;
  std::uint64_t events = 0;
  std::int64_t sim_ms = 0;
  std::int64_t peak_bytes = 0;
  std::int64_t failed = 0;
  const std::uint64_t allocations_before = allocation_count();
  for (auto _ : state) {
    const properties::RunPlan plan = harness::plan_for(scenario, seed);
    const std::int64_t live_before = live_bytes();
    reset_peak();
    const harness::RunResult result = harness::run_plan(plan, harness::RunOptions::seeded(seed));
    peak_bytes = std::max(peak_bytes, peak_live_bytes() - live_before);
    events += result.events;
    sim_ms += result.sim_ms;
    if (!result.pass) ++failed;
    ++seed;
  }
  const std::uint64_t allocations = allocation_count() - allocations_before;
  const auto seeds = static_cast<double>(state.iterations());
  using benchmark::Counter;
  state.counters["seeds_per_second"] = Counter(seeds, Counter::kIsRate);
  state.counters["events_per_second"] = Counter(static_cast<double>(events), Counter::kIsRate);
  state.counters["time_compression"] =
      Counter(static_cast<double>(sim_ms) / 1000.0, Counter::kIsRate);
  state.counters["peak_live_bytes"] =
      Counter(static_cast<double>(peak_bytes), Counter::kDefaults, Counter::kIs1024);
  state.counters["events_per_seed"] = Counter(static_cast<double>(events) / seeds);
  state.counters["allocations_per_event"] =
      Counter(events == 0 ? 0.0 : static_cast<double>(allocations) / static_cast<double>(events));
  state.counters["failed_seeds"] = Counter(static_cast<double>(failed));
}

void BM_EndToEndDefaultScenario(benchmark::State& state) {
  const auto loaded = load_default();
  if (!loaded.ok()) {
    state.SkipWithError(loaded.error().to_string().c_str());
    return;
  }
  run_seeds(state, loaded.value());
}
BENCHMARK(BM_EndToEndDefaultScenario)->UseRealTime()->MinTime(3.0)->Unit(benchmark::kMillisecond);

void BM_EndToEndFaultFreeBaseline(benchmark::State& state) {
  const auto loaded = load_default();
  if (!loaded.ok()) {
    state.SkipWithError(loaded.error().to_string().c_str());
    return;
  }
  run_seeds(state, without_faults(loaded.value()));
}
BENCHMARK(BM_EndToEndFaultFreeBaseline)->UseRealTime()->MinTime(3.0)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace samsa::bench
