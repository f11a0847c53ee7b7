#include "cli/explore_command.h"

#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cli/explore_summary.h"
#include "cli/failure_file.h"
#include "cli/scenario_arg.h"
#include "cli/seed_pool.h"
#include "harness/runner.h"
#include "reports/exploration_report.h"

namespace samsa::cli {

namespace {

struct ExploreOptions {
  std::string scenario;
  std::uint64_t seeds = 0;
  std::uint64_t start_seed = 1;
  unsigned jobs = 0;  // 0: every core
  std::string shard;
  std::string out_dir;
  bool json = false;
  bool fail_fast = false;
  double time_seconds = 0;  // 0: no budget
  std::vector<std::string> bugs;
  std::string report_dir;
};

struct Shard {
  std::uint64_t index = 0;
  std::uint64_t count = 1;
};

// "I/N" with N >= 1 and I < N.
std::optional<Shard> parse_shard(const std::string& text) {
  const std::size_t slash = text.find('/');
  if (slash == std::string::npos) return std::nullopt;
  Shard shard;
  const char* end = text.data() + text.size();
  const auto a = std::from_chars(text.data(), text.data() + slash, shard.index);
  const auto b = std::from_chars(text.data() + slash + 1, end, shard.count);
  if (a.ec != std::errc() || a.ptr != text.data() + slash || b.ec != std::errc() || b.ptr != end ||
      shard.count == 0 || shard.index >= shard.count) {
    return std::nullopt;
  }
  return shard;
}

std::vector<std::uint64_t> seeds_to_run(const ExploreOptions& options, const Shard& shard) {
  std::vector<std::uint64_t> seeds;
  for (std::uint64_t i = 0; i < options.seeds; ++i) {
    const std::uint64_t seed = options.start_seed + i;
    if (seed % shard.count == shard.index) seeds.push_back(seed);
  }
  return seeds;
}

std::vector<std::string> fault_kinds_of(const properties::RunPlan& plan) {
  std::vector<std::string> kinds;
  for (properties::FaultKind kind : properties::all_fault_kinds()) {
    for (const properties::FaultStep& f : plan.faults) {
      if (f.kind != kind) continue;
      kinds.emplace_back(properties::fault_kind_name(kind));
      break;
    }
  }
  return kinds;
}

// Runs one seed on the calling worker thread. Drawing the plan goes through RapidCheck,
// whose implicit parameters are process-wide statics, so draws take turns.
struct SeedRunner {
  const harness::Scenario& scenario;
  const std::vector<std::string>& bugs;
  std::mutex& draw_mutex;

  SeedOutcome operator()(std::uint64_t seed) const {
    properties::RunPlan plan;
    {
      const std::lock_guard<std::mutex> lock(draw_mutex);
      plan = harness::plan_for(scenario, seed, bugs);
    }
    const harness::RunResult r = harness::run_plan(plan, harness::RunOptions::seeded(seed));
    SeedOutcome o{seed,      r.pass, r.violations, r.trace_hash, r.events, fault_kinds_of(plan),
                  r.outcome, ""};
    if (!r.pass) o.plan = properties::describe_plan(plan);
    return o;
  }
};

// Writes a failing seed's file (under the pool's mutex); a write error is reported once.
struct FailureWriter {
  const ExploreOptions& options;
  const harness::Scenario& scenario;
  bool write_failed = false;

  void operator()(const SeedOutcome& o) {
    if (o.pass || options.out_dir.empty()) return;
    const FailureRecord record{options.scenario,
                               scenario.text,
                               o.seed,
                               options.bugs,
                               o.violations,
                               harness::hash_hex(o.trace_hash),
                               o.plan};
    std::string error;
    if (!write_failure_file(record, failure_path(options.out_dir, o.seed), error) &&
        !write_failed) {
      std::fprintf(stderr, "samsa explore: %s\n", error.c_str());
      write_failed = true;
    }
  }
};

int finish(const ExploreOptions& options, const nlohmann::json& summary) {
  if (!options.out_dir.empty()) {
    std::filesystem::create_directories(options.out_dir);
    std::ofstream(std::filesystem::path(options.out_dir) / "summary.json")
        << summary.dump(2) << "\n";
  }
  if (!options.report_dir.empty()) {
    reports::Exploration exploration{summary, {}};
    std::string error;
    if (!reports::write_exploration_report(exploration, options.report_dir, error)) {
      std::fprintf(stderr, "samsa explore: %s\n", error.c_str());
    }
  }
  if (options.json) {
    nlohmann::json printed = summary;
    printed.erase("runs");  // per-seed rows stay in summary.json
    std::printf("%s\n", printed.dump().c_str());
  } else {
    std::printf("%s", summary_text(summary).c_str());
  }
  return summary["failed"].get<std::uint64_t>() == 0 ? kExitPass : kExitFail;
}

int explore(const ExploreOptions& options) {
  Shard shard;
  if (!options.shard.empty()) {
    const std::optional<Shard> parsed = parse_shard(options.shard);
    if (!parsed) {
      std::fprintf(stderr, "samsa explore: --shard %s: expected I/N with 0 <= I < N\n",
                   options.shard.c_str());
      return kExitUsage;
    }
    shard = *parsed;
  }
  if (!check_bugs(options.bugs, "explore")) return kExitUsage;
  const std::optional<harness::Scenario> scenario = resolve_scenario(options.scenario, "explore");
  if (!scenario) return kExitUsage;

  const std::vector<std::uint64_t> seeds = seeds_to_run(options, shard);
  PoolOptions pool_options;
  pool_options.jobs =
      options.jobs != 0 ? options.jobs : std::max(1u, std::thread::hardware_concurrency());
  pool_options.fail_fast = options.fail_fast;
  if (options.time_seconds > 0) {
    pool_options.time_budget =
        std::chrono::milliseconds(static_cast<std::int64_t>(options.time_seconds * 1000));
  }
  pool_options.progress = isatty(STDERR_FILENO) != 0;
  std::mutex draw_mutex;
  FailureWriter writer{options, *scenario};
  const PoolResult pool = run_seed_pool(seeds, SeedRunner{*scenario, options.bugs, draw_mutex},
                                        std::ref(writer), pool_options);
  const ExploreContext context{options.scenario, options.start_seed, seeds.size(),   options.shard,
                               options.bugs,     pool_options.jobs,  options.out_dir};
  return finish(options, summary_json(context, pool));
}

}  // namespace

void add_explore_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<ExploreOptions>();
  CLI::App* cmd = app.add_subcommand(
      "explore", "Run many seeds of a scenario in parallel and collect the failures");
  cmd->add_option("scenario", o->scenario, "A scenario file (.toml) or a catalogue name")
      ->required();
  cmd->add_option("--seeds", o->seeds, "How many seeds to run")
      ->required()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--start-seed", o->start_seed, "The first seed (default 1)");
  cmd->add_option("--jobs", o->jobs, "Worker threads, one simulation each (default: every core)");
  cmd->add_option("--shard", o->shard, "I/N: run only the seeds with seed % N == I");
  cmd->add_option("--out", o->out_dir, "Write DIR/failures/<seed>.json and DIR/summary.json");
  cmd->add_flag("--json", o->json, "Print the summary as one JSON object on stdout");
  cmd->add_flag("--fail-fast", o->fail_fast, "Start no new seed after the first failure");
  cmd->add_option("--time", o->time_seconds, "Start no new seed after SECONDS of wall time")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--bug", o->bugs, "Turn on a historical defect (repeatable; samsa list bugs)")
      ->allow_extra_args(false);
  cmd->add_option("--report", o->report_dir,
                  "Write report.html, report.md and report.json into DIR");
  cmd->callback([o, &exit_code] { exit_code = explore(*o); });
}

}  // namespace samsa::cli
