#include "cli/replay_command.h"

#include <cstdio>
#include <memory>
#include <string>

#include "cli/failure_file.h"
#include "cli/run_output.h"
#include "cli/scenario_arg.h"

namespace samsa::cli {

namespace {

struct ReplayOptions {
  std::string file;
  std::string trace_path;
  bool json = false;
};

int replay(const ReplayOptions& options) {
  auto record = read_failure_file(options.file);
  if (!record.ok()) {
    std::fprintf(stderr, "samsa replay: %s\n", record.error().c_str());
    return kExitUsage;
  }
  const FailureRecord& r = record.value();
  if (!check_bugs(r.bugs, "replay")) return kExitUsage;
  auto scenario = harness::parse_scenario(r.scenario_text, r.scenario);
  if (!scenario.ok()) {
    std::fprintf(stderr, "samsa replay: %s: field \"scenario_text\": %s\n", options.file.c_str(),
                 scenario.error().to_string().c_str());
    return kExitUsage;
  }
  RunInvocation run{r.scenario, r.seed, r.bugs,
                    harness::plan_for(scenario.value(), r.seed, r.bugs)};
  harness::RunOptions run_options = harness::RunOptions::seeded(r.seed);
  run_options.trace_path = options.trace_path;
  const TimedResult timed = run_timed(run.plan, run_options);
  const std::string hash = harness::hash_hex(timed.result.trace_hash);
  const bool same = hash == r.trace_hash;
  if (options.json) {
    nlohmann::json json = run_json(run, timed);
    json["expected_trace_hash"] = r.trace_hash;
    json["deterministic"] = same;
    std::printf("%s\n", json.dump().c_str());
  } else {
    std::printf("%s", run_text(run, timed).c_str());
    std::printf("recorded   trace hash %s (%s)\n", r.trace_hash.c_str(),
                same ? "same: the failure replays bit for bit" : "DIFFERENT");
  }
  if (!same) {
    std::fprintf(stderr,
                 "samsa replay: determinism violation: %s seed %llu gave trace hash %s, the "
                 "failure file %s recorded %s\n",
                 r.scenario.c_str(), static_cast<unsigned long long>(r.seed), hash.c_str(),
                 options.file.c_str(), r.trace_hash.c_str());
    return kExitFail;
  }
  return verdict_exit_code(timed.result);
}

}  // namespace

void add_replay_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<ReplayOptions>();
  CLI::App* cmd = app.add_subcommand(
      "replay", "Re-run the seed of a failure file and check that its trace hash is the same");
  cmd->add_option("file", options->file, "A failure file (DIR/failures/<seed>.json from explore)")
      ->required();
  cmd->add_option("--trace", options->trace_path, "Write the full event trace to FILE");
  cmd->add_flag("--json", options->json, "Print one JSON object on stdout (as samsa run --json)");
  cmd->callback([options, &exit_code] { exit_code = replay(*options); });
}

}  // namespace samsa::cli
