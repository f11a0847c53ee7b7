// The exploration report as one self-contained HTML page (exploration_report.h): the same
// content as report.md, from the same JSON, with the fault kinds drawn as grouped bars.
#include <fmt/format.h>

#include "reports/exploration_report.h"
#include "reports/report_files.h"
#include "reports/svg_chart.h"

namespace samsa::reports {

namespace {

using Json = nlohmann::json;

std::string text_of(const Json& j, const char* key) {
  return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string();
}

std::string fault_kinds_chart(const Json& r) {
  BarChart chart;
  chart.title = "Share of seeds that injected each fault kind";
  chart.y_label = "share of seeds (%)";
  Series failing{"failing seeds", {}};
  Series passing{"passing seeds", {}};
  for (const Json& k : r["fault_kinds"]) {
    const double index = static_cast<double>(chart.categories.size());
    chart.categories.push_back(text_of(k, "kind"));
    failing.points.emplace_back(index, 100 * k.value("failing_share", 0.0));
    passing.points.emplace_back(index, 100 * k.value("passing_share", 0.0));
  }
  chart.series = {failing, passing};
  return render_bar_chart(chart);
}

}  // namespace

std::string exploration_report_html(const nlohmann::json& r) {
  const std::string scenario = text_of(r, "scenario");
  std::string html = html_page_head("samsa exploration: " + scenario);
  html += fmt::format(
      "<h1>Exploration of {}</h1>\n<p>{} seeds run (of {} requested, from seed {}): <b>{} "
      "passed, {} failed</b>.</p>\n",
      xml_escape(scenario), r.value("seeds", 0), r.value("seeds_requested", 0),
      r.value("start_seed", 0), r.value("passed", 0), r.value("failed", 0));
  if (r.value("interrupted", false)) {
    html += fmt::format("<p>The exploration stopped early ({}).</p>\n",
                        xml_escape(text_of(r, "stopped_by")));
  }
  const Json& t = r["throughput"];
  html += fmt::format(
      "<p>Throughput: {:.2f} seeds/s, {:.0f} events/s ({} events in {} ms on {} "
      "jobs).</p>\n",
      t.value("seeds_per_second", 0.0), t.value("events_per_second", 0.0), t.value("events", 0),
      t.value("wall_ms", 0), t.value("jobs", 0));
  html += "<h2>Failures by property</h2>\n";
  if (r["by_property"].empty()) html += "<p>None: every property held on every seed.</p>\n";
  for (const Json& g : r["by_property"]) {
    html += fmt::format("<h3>{}</h3><p>Seeds: {}</p><ul>\n", xml_escape(text_of(g, "property")),
                        xml_escape(fmt::format(
                            "{}", fmt::join(g["seeds"].get<std::vector<std::uint64_t>>(), ", "))));
    for (const Json& replay : g["replays"]) {
      html += fmt::format("<li><code>{}</code></li>\n", xml_escape(replay.get<std::string>()));
    }
    html += "</ul>\n";
  }
  if (!r["fault_kinds"].empty()) {
    html += "<h2>Fault kinds in failing and passing seeds</h2>\n" + fault_kinds_chart(r) + "\n";
  }
  if (!r["failures"].empty()) {
    html +=
        "<h2>Failing seeds</h2><table><tr><th>seed</th><th>properties</th><th>first "
        "violation</th></tr>\n";
    for (const Json& f : r["failures"]) {
      const auto properties = f.value("properties", std::vector<std::string>{});
      html += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td></tr>\n", f.value("seed", 0),
                          xml_escape(fmt::format("{}", fmt::join(properties, ", "))),
                          xml_escape(text_of(f, "first_violation")));
    }
    html += "</table>\n";
  }
  html += "</body></html>\n";
  return html;
}

}  // namespace samsa::reports
