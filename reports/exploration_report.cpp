#include "reports/exploration_report.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <vector>

#include "reports/report_files.h"

namespace samsa::reports {

namespace {

using Json = nlohmann::json;
namespace fs = std::filesystem;

sim::Result<Json, std::string> read_json(const fs::path& path) {
  std::ifstream in(path);
  if (!in) return sim::Err(fmt::format("{}: cannot read the file", path.string()));
  Json json = Json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    return sim::Err(fmt::format("{}: not a JSON object", path.string()));
  }
  return json;
}

// `key` of `object`, or `fallback` when absent or of another type.
template <class T>
T get_or(const Json& object, const char* key, T fallback) {
  const auto it = object.find(key);
  if (it == object.end()) return fallback;
  try {
    return it->get<T>();
  } catch (const Json::exception&) {
    return fallback;
  }
}

// One failure: the summary's entry, completed from its failure file when there is one.
Json failure_row(const Json& entry, const Exploration& e) {
  Json row = entry;
  const auto seed = get_or<std::uint64_t>(entry, "seed", 0);
  const auto file = e.failure_files.find(seed);
  if (file != e.failure_files.end()) {
    if (file->second.contains("replay")) row["replay"] = file->second["replay"];
    const Json violations = get_or<Json>(file->second, "violations", Json::array());
    if (!violations.empty())
      row["first_violation"] = get_or<std::string>(violations[0], "detail", "");
  }
  return row;
}

Json by_property(const Json& summary, const Json& failures) {
  Json groups = Json::array();
  const Json by = get_or<Json>(summary, "failures_by_property", Json::object());
  for (const auto& item : by.items()) {
    Json group = {{"property", item.key()}, {"seeds", item.value()}, {"replays", Json::array()}};
    for (const Json& f : failures) {
      const auto props = get_or<std::vector<std::string>>(f, "properties", {});
      if (std::find(props.begin(), props.end(), item.key()) == props.end()) continue;
      group["replays"].push_back(f.contains("replay") ? f["replay"] : f.value("run", Json("")));
    }
    groups.push_back(std::move(group));
  }
  return groups;
}

// For each fault kind: in how many failing and passing seeds it was scheduled.
Json fault_kinds(const Json& summary) {
  std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> counts;  // failing, passing
  std::uint64_t failing = 0;
  std::uint64_t passing = 0;
  for (const Json& run : get_or<Json>(summary, "runs", Json::array())) {
    const bool pass = get_or<std::string>(run, "verdict", "pass") == "pass";
    (pass ? passing : failing) += 1;
    for (const std::string& kind : get_or<std::vector<std::string>>(run, "fault_kinds", {})) {
      (pass ? counts[kind].second : counts[kind].first) += 1;
    }
  }
  Json rows = Json::array();
  for (const auto& entry : counts) {
    const std::uint64_t with = entry.second.first + entry.second.second;
    rows.push_back(
        {{"kind", entry.first},
         {"failing_seeds", entry.second.first},
         {"passing_seeds", entry.second.second},
         {"failing_share", failing == 0 ? 0.0 : double(entry.second.first) / double(failing)},
         {"passing_share", passing == 0 ? 0.0 : double(entry.second.second) / double(passing)},
         {"failure_rate_with", with == 0 ? 0.0 : double(entry.second.first) / double(with)}});
  }
  return rows;
}

}  // namespace

sim::Result<Exploration, std::string> load_exploration(const std::string& dir) {
  const fs::path summary_path = fs::path(dir) / "summary.json";
  std::error_code ec;
  if (!fs::is_regular_file(summary_path, ec)) {
    return sim::Err(fmt::format("{}: no summary.json (is {} an explore --out directory?)",
                                summary_path.string(), dir));
  }
  auto summary = read_json(summary_path);
  if (!summary.ok()) return sim::Err(summary.error());
  Exploration e;
  e.summary = std::move(summary).value();
  const fs::path failures = fs::path(dir) / "failures";
  if (!fs::is_directory(failures, ec)) return e;
  for (const fs::directory_entry& file : fs::directory_iterator(failures, ec)) {
    if (file.path().extension() != ".json") continue;
    auto json = read_json(file.path());
    if (!json.ok()) return sim::Err(json.error());
    const auto seed = get_or<std::uint64_t>(json.value(), "seed", 0);
    e.failure_files[seed] = std::move(json).value();
  }
  return e;
}

nlohmann::json exploration_report_json(const Exploration& e) {
  const Json& s = e.summary;
  Json failures = Json::array();
  for (const Json& entry : get_or<Json>(s, "failures", Json::array()))
    failures.push_back(failure_row(entry, e));
  return {{"kind", "exploration"},
          {"scenario", get_or<std::string>(s, "scenario", "")},
          {"bugs", get_or<Json>(s, "bugs", Json::array())},
          {"seeds", get_or<std::uint64_t>(s, "seeds", 0)},
          {"seeds_requested", get_or<std::uint64_t>(s, "seeds_requested", 0)},
          {"start_seed", get_or<std::uint64_t>(s, "start_seed", 0)},
          {"passed", get_or<std::uint64_t>(s, "passed", 0)},
          {"failed", get_or<std::uint64_t>(s, "failed", 0)},
          {"interrupted", get_or<bool>(s, "interrupted", false)},
          {"stopped_by", get_or<std::string>(s, "stopped_by", "")},
          {"throughput",
           {{"wall_ms", get_or<std::int64_t>(s, "wall_ms", 0)},
            {"events", get_or<std::uint64_t>(s, "events", 0)},
            {"seeds_per_second", get_or<double>(s, "seeds_per_second", 0.0)},
            {"events_per_second", get_or<double>(s, "events_per_second", 0.0)},
            {"jobs", get_or<unsigned>(s, "jobs", 0)}}},
          {"by_property", by_property(s, failures)},
          {"fault_kinds", fault_kinds(s)},
          {"failures", failures}};
}

namespace {

std::string overview_markdown(const Json& r) {
  std::string md = fmt::format("# Exploration of `{}`\n\n", r["scenario"].get<std::string>());
  md += fmt::format("{} seeds run (of {} requested, from seed {}): **{} passed, {} failed**.\n",
                    r["seeds"].get<std::uint64_t>(), r["seeds_requested"].get<std::uint64_t>(),
                    r["start_seed"].get<std::uint64_t>(), r["passed"].get<std::uint64_t>(),
                    r["failed"].get<std::uint64_t>());
  if (!r["bugs"].empty()) {
    md += fmt::format("Bugs switched on: {}.\n",
                      fmt::join(r["bugs"].get<std::vector<std::string>>(), ", "));
  }
  if (r["interrupted"].get<bool>()) {
    md += fmt::format("The exploration stopped early ({}).\n", r["stopped_by"].get<std::string>());
  }
  const Json& t = r["throughput"];
  md += fmt::format(
      "\nThroughput: {:.2f} seeds/s, {:.0f} events/s ({} events in {} ms on {} jobs).\n",
      t["seeds_per_second"].get<double>(), t["events_per_second"].get<double>(),
      t["events"].get<std::uint64_t>(), t["wall_ms"].get<std::int64_t>(),
      t["jobs"].get<unsigned>());
  return md;
}

std::string by_property_markdown(const Json& r) {
  std::string md = "\n## Failures by property\n\n";
  if (r["by_property"].empty()) md += "None: every property held on every seed.\n";
  for (const Json& g : r["by_property"]) {
    md += fmt::format("### {}\n\nSeeds: {}\n\n", g["property"].get<std::string>(),
                      fmt::join(g["seeds"].get<std::vector<std::uint64_t>>(), ", "));
    for (const Json& replay : g["replays"]) {
      md += fmt::format("- `{}`\n", replay.get<std::string>());
    }
    md += "\n";
  }
  return md;
}

std::string fault_kinds_markdown(const Json& r) {
  if (r["fault_kinds"].empty()) return "";
  std::string md =
      "\n## Fault kinds in failing and passing seeds\n\n"
      "| fault kind | failing seeds with it | passing seeds with it | failure rate with it |\n"
      "| --- | ---: | ---: | ---: |\n";
  for (const Json& k : r["fault_kinds"]) {
    md += fmt::format(
        "| {} | {} ({:.0f}%) | {} ({:.0f}%) | {:.0f}% |\n", k["kind"].get<std::string>(),
        k["failing_seeds"].get<std::uint64_t>(), 100 * k["failing_share"].get<double>(),
        k["passing_seeds"].get<std::uint64_t>(), 100 * k["passing_share"].get<double>(),
        100 * k["failure_rate_with"].get<double>());
  }
  return md;
}

// Each failing seed with its first violation, cut to one readable paragraph.
std::string failures_markdown(const Json& r) {
  if (r["failures"].empty()) return "";
  constexpr std::size_t kDetailChars = 400;
  std::string md = "\n## Failing seeds\n\n";
  for (const Json& f : r["failures"]) {
    std::string detail = get_or<std::string>(f, "first_violation", "");
    if (detail.size() > kDetailChars) detail = detail.substr(0, kDetailChars) + " ...";
    std::replace(detail.begin(), detail.end(), '\n', ' ');
    md +=
        fmt::format("- seed {} ({}): {}\n", get_or<std::uint64_t>(f, "seed", 0),
                    fmt::join(get_or<std::vector<std::string>>(f, "properties", {}), ", "), detail);
  }
  return md;
}

}  // namespace

std::string exploration_report_markdown(const nlohmann::json& r) {
  return overview_markdown(r) + by_property_markdown(r) + fault_kinds_markdown(r) +
         failures_markdown(r);
}

bool write_exploration_report(const Exploration& exploration, const std::string& out_dir,
                              std::string& error) {
  const Json report = exploration_report_json(exploration);
  return write_report_files(out_dir, report, exploration_report_markdown(report),
                            exploration_report_html(report), error);
}

}  // namespace samsa::reports
