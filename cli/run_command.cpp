#include "cli/run_command.h"

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/run_output.h"
#include "cli/scenario_arg.h"
#include "reports/run_report.h"

namespace samsa::cli {

namespace {

struct RunCommandOptions {
  std::string scenario;
  std::uint64_t seed = 1;
  std::vector<std::string> bugs;
  bool json = false;
  std::string trace_path;
  std::string report_dir;
};

int run_one(const RunCommandOptions& options) {
  if (!check_bugs(options.bugs, "run")) return kExitUsage;
  const std::optional<harness::Scenario> scenario = resolve_scenario(options.scenario, "run");
  if (!scenario) return kExitUsage;
  RunInvocation run{options.scenario, options.seed, options.bugs,
                    harness::plan_for(*scenario, options.seed, options.bugs)};
  harness::RunOptions run_options = harness::RunOptions::seeded(options.seed);
  run_options.trace_path = options.trace_path;
  const TimedResult timed = run_timed(run.plan, run_options);
  if (!options.report_dir.empty()) {
    std::string error;
    const auto report = reports::run_report_json(run_json(run, timed), timed.result);
    if (!reports::write_run_report(report, options.report_dir, error)) {
      std::fprintf(stderr, "samsa run: %s\n", error.c_str());
      return kExitUsage;
    }
    // On stderr: with --json, stdout holds the one JSON object and nothing else.
    std::fprintf(stderr, "report     %s/report.html (and report.md, report.json)\n",
                 options.report_dir.c_str());
  }
  if (options.json) {
    std::printf("%s\n", run_json(run, timed)
                            .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
                            .c_str());
  } else {
    std::printf("%s", run_text(run, timed).c_str());
    if (!options.trace_path.empty()) std::printf("trace      %s\n", options.trace_path.c_str());
  }
  return verdict_exit_code(timed.result);
}

}  // namespace

void add_run_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<RunCommandOptions>();
  CLI::App* run = app.add_subcommand("run", "Run one seed of a scenario and check every property");
  run->add_option("scenario", options->scenario, "A scenario file (.toml) or a catalogue name")
      ->required();
  run->add_option("--seed", options->seed, "The seed (default 1)");
  run->add_option("--bug", options->bugs,
                  "Turn on a historical defect (repeatable; samsa list bugs)")
      ->allow_extra_args(false);
  run->add_flag("--json", options->json, "Print one JSON object on stdout");
  run->add_option("--trace", options->trace_path, "Write the full event trace to FILE");
  run->add_option("--report", options->report_dir,
                  "Write report.html, report.md and report.json for the run into DIR");
  run->callback([options, &exit_code] { exit_code = run_one(*options); });
}

}  // namespace samsa::cli
