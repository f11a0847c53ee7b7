#include "cli/shrink_command.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <string>

#include "cli/failure_file.h"
#include "cli/scenario_arg.h"
#include "cli/wall_clock.h"
#include "harness/plan_shrink.h"
#include "harness/runner.h"

namespace samsa::cli {

namespace {

struct ShrinkCommandOptions {
  std::string file;
  std::string out_path;  // "": <seed>-shrunk.toml next to the failure file
  int max_runs = 300;
};

std::set<std::string> violated(const harness::RunResult& result) {
  std::set<std::string> names;
  for (const properties::Violation& v : result.violations) names.insert(v.property);
  return names;
}

std::string shape_text(const properties::RunPlan& p) {
  return fmt::format(
      "plan_size {}: {} faults, {} brokers, {} controllers, {} partitions, {} producers x {} "
      "records, {} consumers, safety {} ms",
      properties::plan_size(p), p.faults.size(), p.cluster.brokers, p.cluster.controllers,
      p.cluster.partitions, p.workload.producers, p.workload.records_per_producer,
      p.workload.consumers, sim::to_ms(p.safety));
}

// The predicate, with a progress line on a terminal.
harness::StillFails with_progress(harness::StillFails inner, int max_runs) {
  if (isatty(STDERR_FILENO) == 0) return inner;
  auto runs = std::make_shared<int>(0);
  return [inner = std::move(inner), runs, max_runs](const properties::RunPlan& plan) {
    std::fprintf(stderr, "\rshrink: run %d of at most %d, trying plan_size %lld   ", ++*runs,
                 max_runs, static_cast<long long>(properties::plan_size(plan)));
    std::fflush(stderr);
    return inner(plan);
  };
}

// Re-loads the written text and runs it: it must still violate one of `properties`.
bool reproduces(const std::string& text, const std::string& path, std::uint64_t seed,
                const std::set<std::string>& properties) {
  auto loaded = harness::parse_scenario(text, path);
  if (!loaded.ok()) {
    std::fprintf(stderr, "samsa shrink: the shrunk scenario does not load: %s\n",
                 loaded.error().to_string().c_str());
    return false;
  }
  return harness::violates_any_of(seed, properties)(harness::plan_for(loaded.value(), seed));
}

std::string default_out_path(const std::string& failure_file, std::uint64_t seed) {
  return (std::filesystem::path(failure_file).parent_path() / fmt::format("{}-shrunk.toml", seed))
      .string();
}

int shrink(const ShrinkCommandOptions& options) {
  auto record = read_failure_file(options.file);
  if (!record.ok()) {
    std::fprintf(stderr, "samsa shrink: %s\n", record.error().c_str());
    return kExitUsage;
  }
  const FailureRecord& r = record.value();
  if (!check_bugs(r.bugs, "shrink")) return kExitUsage;
  auto scenario = harness::parse_scenario(r.scenario_text, r.scenario);
  if (!scenario.ok()) {
    std::fprintf(stderr, "samsa shrink: %s: field \"scenario_text\": %s\n", options.file.c_str(),
                 scenario.error().to_string().c_str());
    return kExitUsage;
  }
  const properties::RunPlan original = harness::plan_for(scenario.value(), r.seed, r.bugs);
  const std::set<std::string> properties =
      violated(harness::run_plan(original, harness::RunOptions::seeded(r.seed)));
  if (properties.empty()) {
    std::fprintf(stderr, "samsa shrink: %s seed %llu passes: nothing to shrink\n",
                 r.scenario.c_str(), static_cast<unsigned long long>(r.seed));
    return kExitFail;
  }
  const auto start = WallClock::now();
  harness::ShrinkResult shrunk = harness::shrink_plan(
      original, with_progress(harness::violates_any_of(r.seed, properties), options.max_runs),
      {options.max_runs});
  if (isatty(STDERR_FILENO) != 0) std::fprintf(stderr, "\n");
  const properties::RunPlan minimal = harness::canonical_targets(shrunk.plan);
  const std::string out =
      options.out_path.empty() ? default_out_path(options.file, r.seed) : options.out_path;
  const std::string run = fmt::format("samsa run {} --seed {}", shell_word(out), r.seed);
  const std::string text = harness::scenario_to_toml(
      minimal,
      fmt::format("shrunk from {} seed {}: {}", r.scenario, r.seed, fmt::join(properties, ", ")),
      fmt::format("Shrunk by `samsa shrink {}` in {} runs ({} steps).\nOriginal: {}\nShrunk:   "
                  "{}\nRun it:   {}",
                  options.file, shrunk.runs, shrunk.accepted, shape_text(original),
                  shape_text(minimal), run));
  if (!reproduces(text, out, r.seed, properties)) {
    std::fprintf(
        stderr,
        "samsa shrink: the shrunk scenario does not fail under seed %llu; nothing written\n",
        static_cast<unsigned long long>(r.seed));
    return kExitFail;
  }
  std::ofstream(out) << text;
  std::printf(
      "violated   %s\nbefore     %s\nafter      %s\nruns       %d (%d steps%s) in %lld ms\nwritten "
      "   %s\nrun        %s\n",
      fmt::format("{}", fmt::join(properties, ", ")).c_str(), shape_text(original).c_str(),
      shape_text(minimal).c_str(), shrunk.runs, shrunk.accepted,
      shrunk.budget_spent ? ", budget spent" : "", static_cast<long long>(ms_since(start)),
      out.c_str(), run.c_str());
  return kExitPass;
}

}  // namespace

void add_shrink_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<ShrinkCommandOptions>();
  CLI::App* cmd = app.add_subcommand(
      "shrink", "Shrink a failure file's plan to a small scenario that still fails");
  cmd->add_option("file", o->file, "A failure file (DIR/failures/<seed>.json from explore)")
      ->required();
  cmd->add_option("--out", o->out_path,
                  "Where to write the shrunk scenario (default: <seed>-shrunk.toml beside FILE)");
  cmd->add_option("--max-runs", o->max_runs, "Runs the shrinker may make (default 300)")
      ->check(CLI::PositiveNumber);
  cmd->callback([o, &exit_code] { exit_code = shrink(*o); });
}

}  // namespace samsa::cli
