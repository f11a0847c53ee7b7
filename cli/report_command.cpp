#include "cli/report_command.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "cli/scenario_arg.h"
#include "cli/seed_pool.h"
#include "cli/wall_clock.h"
#include "harness/acks_matrix.h"
#include "reports/acks_matrix_report.h"
#include "reports/exploration_report.h"

namespace samsa::cli {

namespace {

struct ReportOptions {
  std::string dir;
  std::string out_dir;  // "": the explore directory itself, or acks-matrix
  bool acks_matrix = false;
  std::uint64_t seeds = 10;
  std::uint64_t start_seed = 1;
  unsigned jobs = 0;  // 0: every core
  std::vector<std::string> rows;
  std::vector<std::string> faults;
};

void print_paths(const std::string& out) {
  const auto path = [&](const char* name) { return (std::filesystem::path(out) / name).string(); };
  std::printf("report: %s, %s, %s\n", path("report.html").c_str(), path("report.md").c_str(),
              path("report.json").c_str());
}

int exploration_report(const ReportOptions& options) {
  auto exploration = reports::load_exploration(options.dir);
  if (!exploration.ok()) {
    std::fprintf(stderr, "samsa report: %s\n", exploration.error().c_str());
    return kExitUsage;
  }
  const std::string out = options.out_dir.empty() ? options.dir : options.out_dir;
  std::string error;
  if (!reports::write_exploration_report(exploration.value(), out, error)) {
    std::fprintf(stderr, "samsa report: %s\n", error.c_str());
    return kExitUsage;
  }
  print_paths(out);
  return kExitPass;
}

// The command line that regenerates the report's content (not where it goes, nor how
// many jobs ran it: neither changes a byte of it).
std::string regenerate_command(const ReportOptions& options) {
  std::string command = fmt::format("samsa report --acks-matrix --seeds {} --start-seed {}",
                                    options.seeds, options.start_seed);
  if (!options.rows.empty()) command += fmt::format(" --rows {}", fmt::join(options.rows, ","));
  if (!options.faults.empty()) {
    command += fmt::format(" --faults {}", fmt::join(options.faults, ","));
  }
  return command;
}

// Runs every cell run of `matrix` on the worker threads; the results come back in
// acks_cell_runs order, whatever order they finished in. Empty when interrupted.
std::vector<harness::AcksRunResult> run_matrix(const harness::AcksMatrix& matrix, unsigned jobs) {
  const std::vector<harness::AcksCellRun> cells = harness::acks_cell_runs(matrix);
  // Each worker writes only the slot of the run it took, so no slot is shared.
  std::vector<harness::AcksRunResult> results(cells.size());
  std::vector<std::uint64_t> indices(cells.size());
  for (std::size_t i = 0; i < cells.size(); ++i) indices[i] = i;
  const RunSeed run_one = [&](std::uint64_t index) {
    results[index] = harness::run_acks_cell(matrix, cells[index]);
    SeedOutcome outcome;
    outcome.seed = index;
    outcome.pass = results[index].pass;
    return outcome;
  };
  PoolOptions pool_options;
  pool_options.jobs = jobs;
  pool_options.progress = isatty(STDERR_FILENO) != 0;
  const PoolResult pool = run_seed_pool(
      indices, run_one, [](const SeedOutcome&) {}, pool_options);
  if (pool.outcomes.size() != cells.size()) return {};
  return results;
}

int acks_matrix_report(const ReportOptions& options) {
  if (!options.dir.empty()) {
    std::fprintf(stderr,
                 "samsa report: --acks-matrix runs its own simulations: give no explore "
                 "directory (got %s)\n",
                 options.dir.c_str());
    return kExitUsage;
  }
  if (options.seeds == 0) {
    std::fprintf(stderr, "samsa report: --seeds must be at least 1\n");
    return kExitUsage;
  }
  std::string error;
  const std::optional<harness::AcksMatrix> matrix =
      harness::select_acks_matrix(harness::default_acks_matrix(options.start_seed, options.seeds),
                                  options.rows, options.faults, error);
  if (!matrix) {
    std::fprintf(stderr, "samsa report: %s\n", error.c_str());
    return kExitUsage;
  }
  const unsigned jobs =
      options.jobs != 0 ? options.jobs : std::max(1u, std::thread::hardware_concurrency());
  const auto start = WallClock::now();
  const std::vector<harness::AcksRunResult> runs = run_matrix(*matrix, jobs);
  if (runs.empty()) {
    std::fprintf(stderr, "samsa report: interrupted before every run finished; nothing written\n");
    return kExitFail;
  }
  const std::int64_t wall_ms = ms_since(start);
  const nlohmann::json report =
      reports::acks_matrix_report_json(*matrix, runs, regenerate_command(options));
  const std::string out = options.out_dir.empty() ? std::string("acks-matrix") : options.out_dir;
  if (!reports::write_acks_matrix_report(report, out, error)) {
    std::fprintf(stderr, "samsa report: %s\n", error.c_str());
    return kExitUsage;
  }
  std::printf("%s\n", reports::acks_matrix_report_markdown(report).c_str());
  std::printf("ran %zu run%s in %.1f s of wall time on %u job%s\n", runs.size(),
              runs.size() == 1 ? "" : "s", static_cast<double>(wall_ms) / 1000.0, jobs,
              jobs == 1 ? "" : "s");
  print_paths(out);
  return kExitPass;
}

int report(const ReportOptions& options) {
  if (options.acks_matrix) return acks_matrix_report(options);
  if (options.dir.empty()) {
    std::fprintf(stderr, "samsa report: give an explore output directory, or --acks-matrix\n");
    return kExitUsage;
  }
  return exploration_report(options);
}

}  // namespace

void add_report_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<ReportOptions>();
  CLI::App* cmd = app.add_subcommand(
      "report",
      "Write report.html, report.md and report.json for an explore output directory, or "
      "measure the acknowledgement guarantees matrix (--acks-matrix)");
  cmd->add_option("dir", o->dir, "A directory samsa explore --out wrote");
  cmd->add_option("--out", o->out_dir,
                  "Write the report here (default: DIR; with --acks-matrix: acks-matrix)");
  CLI::Option* matrix = cmd->add_flag(
      "--acks-matrix", o->acks_matrix,
      "Run acks 0, 1 and all (with min.insync.replicas, unclean election, fsync) under "
      "crashes, isolation and power loss, and report loss, duplicates, reordering, latency");
  cmd->add_option("--seeds", o->seeds, "With --acks-matrix: seeds per cell (default 10)")
      ->needs(matrix);
  cmd->add_option("--start-seed", o->start_seed, "With --acks-matrix: the first seed (default 1)")
      ->needs(matrix);
  cmd->add_option("--jobs", o->jobs, "With --acks-matrix: worker threads (default: every core)")
      ->needs(matrix);
  cmd->add_option("--rows", o->rows, "With --acks-matrix: only these configurations (ids, a,b)")
      ->delimiter(',')
      ->needs(matrix);
  cmd->add_option("--faults", o->faults, "With --acks-matrix: only these fault mixes (ids, a,b)")
      ->delimiter(',')
      ->needs(matrix);
  cmd->callback([o, &exit_code] { exit_code = report(*o); });
}

}  // namespace samsa::cli
