// The retention and compaction section (retention_report.h) as Markdown and as an HTML
// fragment: renderings of its JSON only, so every number shown is in report.json.
#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <vector>

#include "reports/retention_report.h"
#include "reports/svg_chart.h"

namespace samsa::reports {

namespace {

using Json = nlohmann::json;

constexpr std::size_t kMaxBarPartitions = 24;  // categories of the deletions bar chart
constexpr const char* kReasons[] = {"time", "size", "log-start"};

std::string text_of(const Json& value) {
  if (value.is_null()) return "—";
  return value.is_string() ? value.get<std::string>() : value.dump();
}

std::string config_text(const Json& config) {
  if (config.is_null()) return "no config observed";
  return fmt::format(
      "cleanup.policy={}, retention.ms={}, retention.bytes={}, delete.retention.ms={}, "
      "segment.bytes={}, min.cleanable.dirty.ratio={}, min.compaction.lag.ms={}, "
      "max.compaction.lag.ms={}",
      text_of(config["cleanup_policy"]), text_of(config["retention_ms"]),
      text_of(config["retention_bytes"]), text_of(config["delete_retention_ms"]),
      text_of(config["segment_bytes"]), text_of(config["min_cleanable_dirty_ratio"]),
      text_of(config["min_compaction_lag_ms"]), text_of(config["max_compaction_lag_ms"]));
}

std::string by_reason_text(const Json& deleted) {
  std::string out;
  for (const char* reason : kReasons) {
    out += fmt::format("{}{}", out.empty() ? "" : "/",
                       deleted["by_reason"][reason]["segments"].get<std::int64_t>());
  }
  return out;
}

// The highest log start time retention alone allows by the end of the run, or "—".
std::string time_bound_text(const Json& log_start) {
  const Json& bound = log_start["time_bound"];
  if (bound.is_null() || bound["points"].empty()) return "—";
  return text_of(bound["points"].back()["offset"]) +
         (bound["applies_alone"].get<bool>() ? "" : " (size may pass it)");
}

std::string keys_text(const Json& keys) {
  if (keys.is_null()) return "—";
  return fmt::format("{}/{} kept ({} newer, {} deleted, {} missing, {} stale)",
                     keys["kept"].get<std::int64_t>(), keys["expected"].get<std::int64_t>(),
                     keys["newer"].get<std::int64_t>(), keys["deleted"].get<std::int64_t>(),
                     keys["missing"].get<std::int64_t>(), keys["stale"].get<std::int64_t>());
}

std::string tombstones_text(const Json& t) {
  if (t.is_null()) return "—";
  const Json& l = t["lifetimes"];
  if (l["count"] == 0)
    return fmt::format("{} removed; none through a delete horizon (delete.retention.ms={})",
                       t["removed"].get<std::int64_t>(),
                       t["delete_retention_ms"].get<std::int64_t>());
  return fmt::format("{} removed; lifetimes {}..{} ms (n={}) vs delete.retention.ms={}; {} shorter",
                     t["removed"].get<std::int64_t>(), text_of(l["min_ms"]), text_of(l["max_ms"]),
                     l["count"].get<std::int64_t>(), t["delete_retention_ms"].get<std::int64_t>(),
                     t["shorter_than_delete_retention"].get<std::int64_t>());
}

std::string totals_text(const Json& totals) {
  return fmt::format(
      "{} segments deleted ({} bytes); {} cleaner passes removed {} records ({} bytes); {} "
      "tombstones removed.",
      totals["segments_deleted"].get<std::int64_t>(), totals["bytes_deleted"].get<std::int64_t>(),
      totals["cleaner_passes"].get<std::int64_t>(),
      totals["cleaner_records_removed"].get<std::int64_t>(),
      totals["cleaner_bytes_reclaimed"].get<std::int64_t>(),
      totals["tombstones_removed"].get<std::int64_t>());
}

std::string key_problem_text(const Json& p) {
  return fmt::format("key {}: {} (latest acknowledged {} at offset {}; the log holds {} at {})",
                     text_of(p["key"]), text_of(p["status"]),
                     p["expected_value"].is_null() ? "a tombstone" : text_of(p["expected_value"]),
                     text_of(p["expected_offset"]),
                     p["found_offset"].is_null()
                         ? std::string("nothing of it")
                         : (p["found_value"].is_null() ? "a tombstone" : text_of(p["found_value"])),
                     text_of(p["found_offset"]));
}

std::string markdown_topic(const Json& topic) {
  std::string md = fmt::format("### Topic `{}`\n\n{}\n\n", text_of(topic["topic"]),
                               config_text(topic["config"]));
  md +=
      "| partition | segments deleted (time/size/log-start) | bytes deleted | final log start | "
      "retention.ms allows up to | cleaner passes | records removed | keys | tombstones |\n"
      "| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n";
  std::string problems;
  for (const Json& p : topic["partitions"]) {
    md += fmt::format("| {} | {} ({}) | {} | {} | {} | {} | {} | {} | {} |\n",
                      text_of(p["partition"]), p["deleted"]["segments"].get<std::int64_t>(),
                      by_reason_text(p["deleted"]), p["deleted"]["bytes"].get<std::int64_t>(),
                      p["log_start"]["final"].get<std::int64_t>(), time_bound_text(p["log_start"]),
                      p["cleaner"]["passes"].get<std::int64_t>(),
                      p["cleaner"]["records_removed"].get<std::int64_t>(), keys_text(p["keys"]),
                      tombstones_text(p["tombstones"]));
    if (p["keys"].is_null()) continue;
    for (const Json& problem : p["keys"]["problems"])
      problems += fmt::format("- {} {}\n", text_of(p["partition"]), key_problem_text(problem));
  }
  if (!problems.empty()) md += "\nKeys not kept as acknowledged (first few):\n\n" + problems;
  return md + "\n";
}

}  // namespace

std::string retention_report_markdown(const Json& section) {
  std::string md = "## Retention and compaction\n\n" + totals_text(section["totals"]) + "\n\n";
  for (const Json& topic : section["topics"]) md += markdown_topic(topic);
  md += "### Retention and compaction violations\n\n";
  if (section["violations"].empty()) md += "None.\n";
  for (const Json& v : section["violations"]) {
    md += fmt::format("- **{}** (at {} s): {}\n", text_of(v["property"]), text_of(v["at_s"]),
                      text_of(v["detail"]));
  }
  return md + "\n";
}

namespace {

// A step function through `points` ({t_s, offset}), held until `end_s`.
Series step_series(const std::string& name, const Json& points, double end_s) {
  Series s{name, {}};
  for (std::size_t i = 0; i < points.size(); ++i) {
    const double t_s = points[i]["t_s"].get<double>();
    const double offset = points[i]["offset"].get<double>();
    if (i > 0) s.points.emplace_back(t_s, s.points.back().second);
    s.points.emplace_back(t_s, offset);
  }
  if (!s.points.empty() && s.points.back().first < end_s)
    s.points.emplace_back(end_s, s.points.back().second);
  return s;
}

std::string log_start_chart(const Json& partition, double end_s) {
  LineChart chart;
  chart.title = fmt::format("Log start offset of {}", text_of(partition["partition"]));
  chart.x_label = "simulated time (s)";
  chart.y_label = "offset";
  chart.height = 240;
  const Json& log_start = partition["log_start"];
  for (const Json& r : log_start["replicas"]) {
    chart.series.push_back(
        step_series(fmt::format("broker-{}", r["broker"].get<int>()), r["points"], end_s));
  }
  const Json& bound = log_start["time_bound"];
  if (!bound.is_null()) {
    chart.series.push_back(step_series(bound["applies_alone"].get<bool>()
                                           ? "highest retention.ms allows"
                                           : "highest retention.ms alone allows (size may pass it)",
                                       bound["points"], end_s));
  }
  return render_line_chart(chart) + "\n";
}

std::string deletions_chart(const Json& topic) {
  BarChart chart;
  chart.title = fmt::format("Segments deleted by reason, {}", text_of(topic["topic"]));
  chart.y_label = "segments (all replicas)";
  for (const char* reason : kReasons) chart.series.push_back({reason, {}});
  for (const Json& p : topic["partitions"]) {
    if (chart.categories.size() >= kMaxBarPartitions) break;
    const double index = static_cast<double>(chart.categories.size());
    chart.categories.push_back(text_of(p["partition"]));
    for (std::size_t r = 0; r < chart.series.size(); ++r) {
      chart.series[r].points.emplace_back(
          index, p["deleted"]["by_reason"][kReasons[r]]["segments"].get<double>());
    }
  }
  std::string html = render_bar_chart(chart) + "\n";
  if (topic["partitions"].size() > kMaxBarPartitions)
    html +=
        fmt::format("<p>The chart shows the first {} of {} partitions; the table has all.</p>\n",
                    kMaxBarPartitions, topic["partitions"].size());
  return html;
}

// One row per partition, from `cells` (already escaped), under `headers`.
std::string html_table(const std::vector<std::string>& headers,
                       const std::vector<std::vector<std::string>>& rows) {
  std::string html = "<table><tr>";
  for (const std::string& h : headers) html += "<th>" + xml_escape(h) + "</th>";
  html += "</tr>\n";
  for (const std::vector<std::string>& row : rows) {
    html += "<tr>";
    for (const std::string& cell : row) html += "<td>" + cell + "</td>";
    html += "</tr>\n";
  }
  return html + "</table>\n";
}

std::string html_summary_table(const Json& topic) {
  std::vector<std::vector<std::string>> rows;
  for (const Json& p : topic["partitions"]) {
    rows.push_back(
        {xml_escape(text_of(p["partition"])),
         fmt::format("{} ({})", text_of(p["deleted"]["segments"]), by_reason_text(p["deleted"])),
         text_of(p["deleted"]["bytes"]), text_of(p["log_start"]["final"]),
         xml_escape(time_bound_text(p["log_start"])), text_of(p["cleaner"]["passes"]),
         text_of(p["cleaner"]["records_removed"]), text_of(p["cleaner"]["bytes_reclaimed"]),
         text_of(p["cleaner"]["lag_ms_max"])});
  }
  return html_table({"partition", "segments deleted (time/size/log-start)", "bytes deleted",
                     "final log start", "retention.ms allows up to", "cleaner passes",
                     "records removed", "bytes reclaimed", "cleaner lag max (ms)"},
                    rows);
}

// Keys kept against expected, and tombstone lifetimes, for partitions that have them.
std::string html_keys_and_tombstones(const Json& topic) {
  std::vector<std::vector<std::string>> keys, tombstones;
  for (const Json& p : topic["partitions"]) {
    const std::string name = xml_escape(text_of(p["partition"]));
    if (const Json& k = p["keys"]; !k.is_null()) {
      keys.push_back({name, text_of(k["broker"]), text_of(k["distinct_in_log"]),
                      text_of(k["expected"]), text_of(k["kept"]), text_of(k["newer"]),
                      text_of(k["deleted"]), text_of(k["missing"]), text_of(k["stale"])});
    }
    if (const Json& t = p["tombstones"]; !t.is_null()) {
      tombstones.push_back({name, text_of(t["delete_retention_ms"]), text_of(t["removed"]),
                            text_of(t["superseded"]), text_of(t["lifetimes"]["count"]),
                            text_of(t["lifetimes"]["min_ms"]), text_of(t["lifetimes"]["max_ms"]),
                            text_of(t["shorter_than_delete_retention"]), text_of(t["never_passed"]),
                            text_of(t["in_final_logs"])});
    }
  }
  std::string html;
  if (!keys.empty())
    html += "<h4>Keys kept versus expected (final log of the most up-to-date replica)</h4>\n" +
            html_table({"partition", "broker", "distinct keys in log", "expected", "kept", "newer",
                        "deleted", "missing", "stale"},
                       keys);
  if (!tombstones.empty())
    html += "<h4>Tombstone lifetimes (broker clocks)</h4>\n" +
            html_table({"partition", "delete.retention.ms", "removed", "superseded", "lifetimes",
                        "min (ms)", "max (ms)", "under delete.retention.ms", "never passed",
                        "in final logs"},
                       tombstones);
  return html;
}

std::string html_cleaner_table(const Json& topic) {
  std::string rows;
  std::size_t shown = 0, total = 0;
  for (const Json& p : topic["partitions"]) {
    total += p["cleaner"]["passes"].get<std::size_t>();
    for (const Json& run : p["cleaner"]["runs"]) {
      if (shown >= kMaxHtmlRows) break;
      ++shown;
      rows += fmt::format(
          "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
          "<td>{}</td><td>{}</td></tr>\n",
          xml_escape(text_of(p["partition"])), text_of(run["t_s"]), text_of(run["broker"]),
          xml_escape(text_of(run["trigger"])), text_of(run["end_offset"]),
          text_of(run["records_removed"]), text_of(run["tombstones_removed"]),
          text_of(run["bytes_reclaimed"]), text_of(run["lag_ms"]));
    }
  }
  if (total == 0) return "";
  std::string html = fmt::format("<h4>Cleaner passes ({} of {} shown)</h4>\n", shown, total);
  html +=
      "<table><tr><th>partition</th><th>t (s)</th><th>broker</th><th>trigger</th><th>end "
      "offset</th><th>records removed</th><th>tombstones removed</th><th>bytes reclaimed</th>"
      "<th>lag (ms)</th></tr>\n";
  return html + rows + "</table>\n";
}

std::string html_key_problems(const Json& topic) {
  std::string items;
  for (const Json& p : topic["partitions"]) {
    if (p["keys"].is_null()) continue;
    for (const Json& problem : p["keys"]["problems"]) {
      items += fmt::format("<li>{} {}</li>\n", xml_escape(text_of(p["partition"])),
                           xml_escape(key_problem_text(problem)));
    }
  }
  if (items.empty()) return "";
  return "<h4>Keys not kept as acknowledged (first few per partition)</h4><ul>\n" + items +
         "</ul>\n";
}

// Whether a partition's log start chart would show anything: a replica's log start moved,
// or time retention gives a bound.
bool log_start_moves(const Json& partition) {
  if (!partition["log_start"]["time_bound"].is_null()) return true;
  for (const Json& r : partition["log_start"]["replicas"]) {
    for (const Json& point : r["points"]) {
      if (point["offset"] != 0) return true;
    }
  }
  return false;
}

// A chart for each of the first kMaxChartedPartitions partitions whose log start moves, and
// a sentence for the rest.
std::string log_start_charts(const Json& topic, double end_s) {
  std::string html;
  std::size_t charted = 0, flat = 0, beyond = 0;
  for (const Json& p : topic["partitions"]) {
    if (!log_start_moves(p)) {
      ++flat;
    } else if (charted < kMaxChartedPartitions) {
      html += log_start_chart(p, end_s);
      ++charted;
    } else {
      ++beyond;
    }
  }
  if (flat > 0)
    html += fmt::format(
        "<p>{} partition{} of {}: the log start offset stayed 0 on every replica and no "
        "retention.ms bounds it (not charted).</p>\n",
        flat, flat == 1 ? "" : "s", xml_escape(text_of(topic["topic"])));
  if (beyond > 0)
    html += fmt::format(
        "<p>{} more partition{} not charted (at most {} per topic); the table gives every final "
        "log start, report.json every series.</p>\n",
        beyond, beyond == 1 ? "" : "s", kMaxChartedPartitions);
  return html;
}

std::string html_topic(const Json& topic, double end_s) {
  std::string html =
      fmt::format("<h3>Topic {}</h3>\n<p>{}</p>\n", xml_escape(text_of(topic["topic"])),
                  xml_escape(config_text(topic["config"])));
  html += html_summary_table(topic);
  std::int64_t deleted = 0;
  for (const Json& p : topic["partitions"]) deleted += p["deleted"]["segments"].get<std::int64_t>();
  if (deleted > 0) html += deletions_chart(topic);
  return html + log_start_charts(topic, end_s) + html_cleaner_table(topic) +
         html_keys_and_tombstones(topic) + html_key_problems(topic);
}

}  // namespace

std::string retention_report_html(const Json& section) {
  std::string html = "<h2>Retention and compaction</h2>\n<p>" +
                     xml_escape(totals_text(section["totals"])) + "</p>\n";
  const double end_s = section["end_s"].get<double>();
  for (const Json& topic : section["topics"]) html += html_topic(topic, end_s);
  html += "<h3>Retention and compaction violations</h3>\n";
  if (section["violations"].empty()) return html + "<p>None.</p>\n";
  html += "<ul>\n";
  for (const Json& v : section["violations"]) {
    html += fmt::format("<li><b>{}</b> (at {} s): {}</li>\n", xml_escape(text_of(v["property"])),
                        text_of(v["at_s"]), xml_escape(text_of(v["detail"])));
  }
  return html + "</ul>\n";
}

}  // namespace samsa::reports
