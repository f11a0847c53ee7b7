#include "cli/run_output.h"

#include <fmt/format.h>

#include "cli/scenario_arg.h"
#include "cli/wall_clock.h"

namespace samsa::cli {

namespace {

std::int64_t at_ms(const properties::Violation& v) {
  return sim::to_ms(v.at.time_since_epoch());
}

nlohmann::json stats_json(const harness::RunStats& s) {
  return {{"produced", s.produced},
          {"acknowledged", s.acknowledged},
          {"failed", s.failed},
          {"indeterminate", s.indeterminate},
          {"consumed", s.consumed},
          {"commits", s.commits},
          {"rebalances", s.rebalances},
          {"faults", s.faults},
          {"lost_acknowledged", s.lost_acknowledged}};
}

std::string stats_text(const harness::RunStats& s) {
  return fmt::format(
      "produced {}, acknowledged {}, failed {}, indeterminate {}, consumed {}, commits {}, "
      "rebalances {}, faults {}, lost acknowledged {}",
      s.produced, s.acknowledged, s.failed, s.indeterminate, s.consumed, s.commits, s.rebalances,
      s.faults, s.lost_acknowledged);
}

std::string indented(const std::string& text, const std::string& indent) {
  std::string out;
  for (char c : text) {
    out += c;
    if (c == '\n') out += indent;
  }
  return out;
}

}  // namespace

TimedResult run_timed(const properties::RunPlan& plan, const harness::RunOptions& options) {
  const auto start = WallClock::now();
  TimedResult timed;
  timed.result = harness::run_plan(plan, options);
  timed.wall_ms = ms_since(start);
  return timed;
}

std::string run_command(const std::string& scenario, std::uint64_t seed,
                        const std::vector<std::string>& extra_bugs) {
  std::string command = fmt::format("samsa run {} --seed {}", shell_word(scenario), seed);
  for (const std::string& bug : extra_bugs) command += " --bug " + shell_word(bug);
  return command;
}

nlohmann::json violations_json(const std::vector<properties::Violation>& violations,
                               bool with_time) {
  nlohmann::json list = nlohmann::json::array();
  for (const properties::Violation& v : violations) {
    nlohmann::json item = {{"property", v.property}, {"detail", v.detail}};
    if (with_time) item["at_ms"] = at_ms(v);
    list.push_back(std::move(item));
  }
  return list;
}

nlohmann::json run_json(const RunInvocation& run, const TimedResult& timed) {
  const harness::RunResult& r = timed.result;
  return {{"seed", run.seed},
          {"scenario", run.scenario},
          {"verdict", r.pass ? "pass" : "fail"},
          {"violations", violations_json(r.violations, true)},
          {"trace_hash", harness::hash_hex(r.trace_hash)},
          {"events", r.events},
          {"sim_ms", r.sim_ms},
          {"wall_ms", timed.wall_ms},
          {"stats", stats_json(r.stats)},
          {"measurements", r.measurements},
          {"outcome", r.outcome},
          {"bugs", run.plan.bugs},
          {"plan", properties::describe_plan(run.plan)},
          {"replay", run_command(run.scenario, run.seed, run.extra_bugs)}};
}

std::string run_text(const RunInvocation& run, const TimedResult& timed) {
  const harness::RunResult& r = timed.result;
  std::string text = fmt::format("scenario   {}\nseed       {}\n", run.scenario, run.seed);
  for (const std::string& bug : run.plan.bugs) text += fmt::format("bug        {}\n", bug);
  text +=
      fmt::format("plan       {}\n", indented(properties::describe_plan(run.plan), "           "));
  if (r.pass) {
    text += "verdict    PASS: every property held\n";
  } else {
    text += fmt::format("verdict    FAIL: {} violation{}\n", r.violations.size(),
                        r.violations.size() == 1 ? "" : "s");
    for (const properties::Violation& v : r.violations) {
      text +=
          fmt::format("  {} (at {} ms): {}\n", v.property, at_ms(v), indented(v.detail, "    "));
    }
  }
  text += fmt::format("outcome    {}\nstats      {}\n", r.outcome, stats_text(r.stats));
  text += fmt::format("trace hash {}\nevents     {}\nsimulated  {} ms\nwall       {} ms\n",
                      harness::hash_hex(r.trace_hash), r.events, r.sim_ms, timed.wall_ms);
  text += fmt::format("replay     {}\n", run_command(run.scenario, run.seed, run.extra_bugs));
  return text;
}

}  // namespace samsa::cli
