#include "cli/demo_command.h"

#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "harness/kernel_workload.h"

namespace samsa::cli {

namespace {

struct DemoOptions {
  std::uint64_t seeds = 20;
  std::uint64_t start_seed = 1;
  unsigned jobs = 0;  // 0: every core
  std::string out_dir = "out/demo";
  std::string trace_path;
  std::vector<std::string> bugs;
  bool json = false;
};

using WallClock = std::chrono::steady_clock;  // wall time of the tool, never of a simulation

std::int64_t ms_since(WallClock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(WallClock::now() - start).count();
}

harness::KernelWorkloadOptions workload_options(const DemoOptions& options, std::uint64_t seed) {
  harness::KernelWorkloadOptions w;
  w.seed = seed;
  w.bug_count_unsynced_as_durable =
      std::find(options.bugs.begin(), options.bugs.end(), "count-unsynced-as-durable") !=
      options.bugs.end();
  return w;
}

std::string replay_command(const DemoOptions& options, std::uint64_t seed) {
  std::string command = fmt::format("samsa demo --seeds 1 --start-seed {}", seed);
  for (const std::string& bug : options.bugs) command += " --bug " + bug;
  return command + " --trace trace.txt";
}

std::vector<harness::KernelWorkloadResult> run_seeds(const DemoOptions& options) {
  std::vector<harness::KernelWorkloadResult> results(options.seeds);
  std::atomic<std::uint64_t> next{0};
  std::atomic<std::uint64_t> done{0};
  std::mutex progress;
  const bool tty = isatty(STDERR_FILENO) != 0 && !options.json;
  auto worker = [&] {
    for (std::uint64_t i = next++; i < options.seeds; i = next++) {
      auto w = workload_options(options, options.start_seed + i);
      if (options.seeds == 1) w.trace_path = options.trace_path;
      results[i] = harness::run_kernel_workload(w);
      const std::uint64_t finished = ++done;
      if (tty) {
        std::lock_guard<std::mutex> lock(progress);
        std::fprintf(stderr, "\r%llu/%llu seeds", static_cast<unsigned long long>(finished),
                     static_cast<unsigned long long>(options.seeds));
      }
    }
  };
  const unsigned jobs = options.jobs != 0 ? options.jobs : std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::thread> threads;
  for (unsigned j = 0; j < std::min<std::uint64_t>(jobs, options.seeds); ++j) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  if (tty) std::fprintf(stderr, "\n");
  return results;
}

nlohmann::json to_json(const harness::KernelWorkloadResult& r) {
  return {{"seed", r.seed},
          {"verdict", r.passed() ? "pass" : "fail"},
          {"violations", r.violations},
          {"trace_hash", fmt::format("{:016x}", r.trace_hash)},
          {"events", r.events},
          {"sim_ms", r.sim_ms},
          {"outcome", r.outcome},
          {"stats",
           {{"messages_sent", r.messages_sent},
            {"messages_delivered", r.messages_delivered},
            {"messages_dropped", r.messages_dropped},
            {"rpc_ok", r.rpc_ok},
            {"rpc_timeouts", r.rpc_timeouts},
            {"disk_writes", r.disk_writes},
            {"fsyncs", r.fsyncs},
            {"crashes", r.crashes},
            {"power_losses", r.power_losses},
            {"pauses", r.pauses},
            {"partitions", r.partitions},
            {"clock_jumps", r.clock_jumps},
            {"restarts_checked", r.restarts_checked}}}};
}

std::string markdown_report(const nlohmann::json& report) {
  std::string md = "# samsa kernel demonstration\n\n";
  md += fmt::format(
      "{} seeds from {}: **{} passed, {} failed** in {} ms wall ({} simulated events, {:.0f} "
      "events/s).\n\n",
      report["seeds"].get<std::uint64_t>(), report["start_seed"].get<std::uint64_t>(),
      report["passed"].get<std::uint64_t>(), report["failed"].get<std::uint64_t>(),
      report["wall_ms"].get<std::int64_t>(), report["events"].get<std::uint64_t>(),
      report["events_per_wall_second"].get<double>());
  md += "Property checked: bytes a node fsynced (in a file whose name was made durable) are\n"
        "still there after every crash and power loss.\n\n";
  md += fmt::format("Determinism: seed {} re-run gives trace hash {} ({}).\n\n",
                    report["determinism"]["seed"].get<std::uint64_t>(),
                    report["determinism"]["rerun_hash"].get<std::string>(),
                    report["determinism"]["same"].get<bool>() ? "same" : "DIFFERENT");
  md += "| seed | verdict | trace hash | events | msgs delivered | crashes | power losses | "
        "partitions |\n|---:|---|---|---:|---:|---:|---:|---:|\n";
  for (const auto& run : report["runs"]) {
    md += fmt::format("| {} | {} | `{}` | {} | {} | {} | {} | {} |\n", run["seed"].get<std::uint64_t>(),
                      run["verdict"].get<std::string>(), run["trace_hash"].get<std::string>(),
                      run["events"].get<std::uint64_t>(),
                      run["stats"]["messages_delivered"].get<std::uint64_t>(),
                      run["stats"]["crashes"].get<std::uint64_t>(),
                      run["stats"]["power_losses"].get<std::uint64_t>(),
                      run["stats"]["partitions"].get<std::uint64_t>());
  }
  if (!report["failures"].empty()) {
    md += "\n## Failures\n\n";
    for (const auto& f : report["failures"]) {
      md += fmt::format("- seed {}: {}\n  replay: `{}`\n", f["seed"].get<std::uint64_t>(),
                        f["violations"][0].get<std::string>(), f["replay"].get<std::string>());
    }
  }
  return md;
}

int run_demo(const DemoOptions& options) {
  const auto start = WallClock::now();
  const auto results = run_seeds(options);
  const std::int64_t wall_ms = std::max<std::int64_t>(1, ms_since(start));
  const auto rerun = harness::run_kernel_workload(workload_options(options, options.start_seed));

  nlohmann::json report;
  std::uint64_t passed = 0;
  std::uint64_t events = 0;
  report["runs"] = nlohmann::json::array();
  report["failures"] = nlohmann::json::array();
  for (const auto& r : results) {
    passed += r.passed() ? 1 : 0;
    events += r.events;
    report["runs"].push_back(to_json(r));
    if (!r.passed()) {
      report["failures"].push_back(
          {{"seed", r.seed}, {"violations", r.violations}, {"replay", replay_command(options, r.seed)}});
    }
  }
  const bool same = rerun.trace_hash == results.front().trace_hash;
  report["seeds"] = options.seeds;
  report["start_seed"] = options.start_seed;
  report["passed"] = passed;
  report["failed"] = options.seeds - passed;
  report["events"] = events;
  report["wall_ms"] = wall_ms;
  report["events_per_wall_second"] = static_cast<double>(events) * 1000.0 / wall_ms;
  report["bugs"] = options.bugs;
  report["determinism"] = {{"seed", options.start_seed},
                           {"rerun_hash", fmt::format("{:016x}", rerun.trace_hash)},
                           {"same", same}};

  std::filesystem::create_directories(options.out_dir);
  std::ofstream(options.out_dir + "/report.json") << report.dump(2) << "\n";
  std::ofstream(options.out_dir + "/report.md") << markdown_report(report);

  if (options.json) {
    std::printf("%s\n", report.dump().c_str());
  } else {
    std::printf("%llu seeds: %llu passed, %llu failed; %llu events in %lld ms (%.0f events/s)\n",
                static_cast<unsigned long long>(options.seeds), static_cast<unsigned long long>(passed),
                static_cast<unsigned long long>(options.seeds - passed),
                static_cast<unsigned long long>(events), static_cast<long long>(wall_ms),
                report["events_per_wall_second"].get<double>());
    std::printf("determinism: seed %llu re-run hash %016llx (%s)\n",
                static_cast<unsigned long long>(options.start_seed),
                static_cast<unsigned long long>(rerun.trace_hash), same ? "same" : "DIFFERENT");
    for (const auto& f : report["failures"]) {
      std::printf("FAIL seed %llu: %s\n  replay: %s\n", f["seed"].get<unsigned long long>(),
                  f["violations"][0].get<std::string>().c_str(), f["replay"].get<std::string>().c_str());
    }
    std::printf("report: %s/report.md, %s/report.json\n", options.out_dir.c_str(),
                options.out_dir.c_str());
  }
  return (passed == options.seeds && same) ? 0 : 1;
}

}  // namespace

void add_demo_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<DemoOptions>();
  CLI::App* demo = app.add_subcommand(
      "demo", "Run the kernel demonstration workload over many seeds and write a report");
  demo->add_option("--seeds", options->seeds, "How many seeds to run")->check(CLI::Range(1, 1000000));
  demo->add_option("--start-seed", options->start_seed, "The first seed");
  demo->add_option("--jobs", options->jobs, "Worker threads (default: every core)");
  demo->add_option("--out", options->out_dir, "Directory for report.md and report.json");
  demo->add_option("--trace", options->trace_path, "With --seeds 1: write the full event trace here");
  demo->add_option("--bug", options->bugs, "Turn on a deliberate defect: count-unsynced-as-durable")
      ->check(CLI::IsMember({"count-unsynced-as-durable"}));
  demo->add_flag("--json", options->json, "Print the summary as one JSON object");
  demo->callback([options, &exit_code] {
    if (!options->trace_path.empty() && options->seeds != 1) {
      throw CLI::ValidationError("--trace", "writes one run's trace: use it with --seeds 1");
    }
    exit_code = run_demo(*options);
  });
}

}  // namespace samsa::cli
