#include "cli/explore_summary.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>
#include <set>

#include "cli/failure_file.h"
#include "cli/run_output.h"
#include "cli/scenario_arg.h"
#include "harness/runner.h"

namespace samsa::cli {

namespace {

using Json = nlohmann::json;

// Distinct properties a seed violated, in order of first appearance.
std::vector<std::string> violated_properties(const SeedOutcome& outcome) {
  std::vector<std::string> names;
  for (const properties::Violation& v : outcome.violations) {
    if (std::find(names.begin(), names.end(), v.property) == names.end())
      names.push_back(v.property);
  }
  return names;
}

Json run_entry(const SeedOutcome& o) {
  return {{"seed", o.seed},
          {"verdict", o.pass ? "pass" : "fail"},
          {"trace_hash", harness::hash_hex(o.trace_hash)},
          {"events", o.events},
          {"fault_kinds", o.fault_kinds}};
}

Json failure_entry(const ExploreContext& context, const SeedOutcome& o) {
  Json entry = {
      {"seed", o.seed},
      {"properties", violated_properties(o)},
      {"first_violation", o.violations.empty() ? std::string() : o.violations.front().detail},
      {"run", run_command(context.scenario, o.seed, context.bugs)}};
  if (!context.out_dir.empty()) {
    const std::string path = failure_path(context.out_dir, o.seed);
    entry["file"] = path;
    entry["replay"] = "samsa replay " + shell_word(path);
  }
  return entry;
}

double per_second(double count, std::int64_t wall_ms) {
  return count * 1000.0 / static_cast<double>(std::max<std::int64_t>(1, wall_ms));
}

}  // namespace

nlohmann::json summary_json(const ExploreContext& context, const PoolResult& pool) {
  std::uint64_t passed = 0;
  std::uint64_t events = 0;
  Json failing = Json::array();
  Json failures = Json::array();
  Json runs = Json::array();
  std::map<std::string, std::vector<std::uint64_t>> by_property;
  for (const SeedOutcome& o : pool.outcomes) {
    events += o.events;
    runs.push_back(run_entry(o));
    if (o.pass) {
      ++passed;
      continue;
    }
    failing.push_back(o.seed);
    failures.push_back(failure_entry(context, o));
    for (const std::string& p : violated_properties(o)) by_property[p].push_back(o.seed);
  }
  const auto ran = static_cast<std::uint64_t>(pool.outcomes.size());
  return {{"scenario", context.scenario},
          {"start_seed", context.start_seed},
          {"seeds", ran},
          {"seeds_requested", context.seeds_requested},
          {"shard", context.shard},
          {"bugs", context.bugs},
          {"jobs", context.jobs},
          {"passed", passed},
          {"failed", ran - passed},
          {"failing_seeds", failing},
          {"events", events},
          {"wall_ms", pool.wall_ms},
          {"seeds_per_second", per_second(static_cast<double>(ran), pool.wall_ms)},
          {"events_per_second", per_second(static_cast<double>(events), pool.wall_ms)},
          {"failures_by_property", by_property},
          {"interrupted", pool.stopped != StopReason::kNone},
          {"stopped_by", stop_reason_name(pool.stopped)},
          {"failures", failures},
          {"runs", runs}};
}

std::string summary_text(const nlohmann::json& s) {
  std::string text = fmt::format("scenario   {}\n", s["scenario"].get<std::string>());
  text += fmt::format(
      "seeds      {} of {} run, from seed {}{}\n", s["seeds"].get<std::uint64_t>(),
      s["seeds_requested"].get<std::uint64_t>(), s["start_seed"].get<std::uint64_t>(),
      s["shard"].get<std::string>().empty() ? "" : ", shard " + s["shard"].get<std::string>());
  for (const Json& bug : s["bugs"]) text += fmt::format("bug        {}\n", bug.get<std::string>());
  text += fmt::format("passed     {}\nfailed     {}\n", s["passed"].get<std::uint64_t>(),
                      s["failed"].get<std::uint64_t>());
  for (const auto& item : s["failures_by_property"].items()) {
    text += fmt::format("  {}: seeds {}\n", item.key(),
                        fmt::join(item.value().get<std::vector<std::uint64_t>>(), ", "));
  }
  text += fmt::format("events     {} ({:.0f} events/s)\n", s["events"].get<std::uint64_t>(),
                      s["events_per_second"].get<double>());
  text += fmt::format("wall       {} ms ({:.2f} seeds/s on {} job{})\n",
                      s["wall_ms"].get<std::int64_t>(), s["seeds_per_second"].get<double>(),
                      s["jobs"].get<unsigned>(), s["jobs"].get<unsigned>() == 1 ? "" : "s");
  if (s["interrupted"].get<bool>()) {
    text += fmt::format("stopped    early ({}): seeds not started were not run\n",
                        s["stopped_by"].get<std::string>());
  }
  for (const Json& f : s["failures"]) {
    text += fmt::format("FAIL seed {}: {}\n", f["seed"].get<std::uint64_t>(),
                        fmt::join(f["properties"].get<std::vector<std::string>>(), ", "));
    if (f.contains("replay")) text += fmt::format("  replay: {}\n", f["replay"].get<std::string>());
    text += fmt::format("  run:    {}\n", f["run"].get<std::string>());
  }
  return text;
}

}  // namespace samsa::cli
