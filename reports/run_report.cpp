// The run report (run_report.h): the JSON from a run's history and observations, and its
// Markdown and HTML renderings.
#include "reports/run_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <vector>

#include "reports/percentile.h"
#include "reports/report_files.h"
#include "reports/retention_report.h"
#include "reports/svg_chart.h"

namespace samsa::reports {

namespace fs = std::filesystem;
using Json = nlohmann::json;

namespace {

double seconds_of(sim::SimTime t) {
  return static_cast<double>(sim::to_ms(t - sim::kSimStart)) / 1000.0;
}

// The injection kinds and the event on the same node that ends each (network faults end
// at heal-network; every fault at heal-all).
std::optional<std::string_view> ending_of(std::string_view kind) {
  if (kind == "crash" || kind == "power-loss") return "restart";
  if (kind == "pause") return "resume";
  if (kind == "clock-skew") return "clock-reset";
  if (kind == "isolate" || kind == "partition") return "heal-network";
  return std::nullopt;
}

// One lane per node a fault hit: spans from each injection to the event that ended it.
Json fault_lanes(const properties::Observations& o) {
  std::map<std::string, Json> lanes;
  const double end_s = seconds_of(o.liveness_end);
  for (std::size_t i = 0; i < o.faults.size(); ++i) {
    const properties::FaultEvent& f = o.faults[i];
    const auto ending = ending_of(f.kind);
    if (!ending) continue;
    for (const std::string& node : f.nodes) {
      double until = end_s;
      for (std::size_t j = i + 1; j < o.faults.size(); ++j) {
        const properties::FaultEvent& g = o.faults[j];
        const bool on_node = std::find(g.nodes.begin(), g.nodes.end(), node) != g.nodes.end();
        if ((g.kind == *ending && (on_node || g.nodes.empty())) || g.kind == "heal-all") {
          until = seconds_of(g.at);
          break;
        }
      }
      lanes[node].push_back(
          {{"from_s", seconds_of(f.at)}, {"to_s", until}, {"kind", f.kind}, {"detail", f.detail}});
    }
  }
  Json out = Json::array();
  for (auto& [node, spans] : lanes) out.push_back({{"lane", node}, {"spans", spans}});
  return out;
}

// One lane per partition: who led it in which epoch, from the replicas' own reports.
Json leadership_lanes(const properties::Observations& o) {
  struct Current {
    cluster::BrokerId broker{0};
    cluster::LeaderEpoch epoch{0};
    double from_s = 0;
  };
  std::map<cluster::TopicPartition, std::optional<Current>> current;
  std::map<cluster::TopicPartition, Json> spans;
  const auto close = [&](const cluster::TopicPartition& tp, double at_s) {
    std::optional<Current>& c = current[tp];
    if (!c) return;
    spans[tp].push_back({{"from_s", c->from_s},
                         {"to_s", at_s},
                         {"kind", fmt::format("leader broker-{}", c->broker.value())},
                         {"detail", fmt::format("epoch {}", c->epoch.value())}});
    c.reset();
  };
  for (const properties::ReplicaSample& s : o.replicas) {
    const double at_s = seconds_of(s.at);
    std::optional<Current>& c = current[s.tp];
    const bool leads = s.role == properties::ReplicaRoleSeen::kLeader;
    if (leads && (!c || c->broker != s.broker || c->epoch != s.leader_epoch)) {
      close(s.tp, at_s);
      current[s.tp] = Current{s.broker, s.leader_epoch, at_s};
    } else if (!leads && c && c->broker == s.broker) {
      close(s.tp, at_s);
    }
  }
  for (auto& [tp, c] : current) close(tp, seconds_of(o.liveness_end));
  Json out = Json::array();
  for (auto& [tp, list] : spans) out.push_back({{"lane", cluster::to_string(tp)}, {"spans", list}});
  return out;
}

Json controller_lane(const properties::Observations& o) {
  Json spans = Json::array();
  std::optional<std::pair<const properties::ControllerLeadership*, double>> open;
  const auto close = [&](double at_s) {
    if (!open) return;
    spans.push_back({{"from_s", open->second},
                     {"to_s", at_s},
                     {"kind", fmt::format("active: node {}", open->first->controller.value())},
                     {"detail", fmt::format("epoch {}", open->first->epoch.value())}});
    open.reset();
  };
  for (const properties::ControllerLeadership& c : o.controllers) {
    if (c.active) {
      close(seconds_of(c.at));
      open = std::pair{&c, seconds_of(c.at)};
    } else if (open && open->first->controller == c.controller) {
      close(seconds_of(c.at));
    }
  }
  close(seconds_of(o.liveness_end));
  return {{"lane", "controller"}, {"spans", spans}};
}

// The smallest and largest ISR over the partitions, at each change of a leader's ISR.
Json isr_series(const properties::Observations& o) {
  std::map<cluster::TopicPartition, std::size_t> isr;
  Json points = Json::array();
  for (const properties::ReplicaSample& s : o.replicas) {
    if (s.role != properties::ReplicaRoleSeen::kLeader || s.tp.topic.starts_with("__")) continue;
    isr[s.tp] = s.isr.size();
    std::size_t low = isr.begin()->second, high = low;
    for (const auto& [tp, size] : isr) {
      low = std::min(low, size);
      high = std::max(high, size);
    }
    points.push_back({{"t_s", seconds_of(s.at)}, {"min", low}, {"max", high}});
  }
  return points;
}

// Per simulated second: records acknowledged and consumed, and acknowledgement latency.
Json throughput(const properties::History& history) {
  std::map<std::int64_t, std::int64_t> acked, consumed;
  std::map<std::int64_t, std::vector<std::int64_t>> latency;
  for (const properties::Op& op : history.ops()) {
    if (op.status != properties::OpStatus::kOk) continue;
    const std::int64_t second = sim::to_ms(op.completed_at - sim::kSimStart) / 1000;
    if (op.kind == properties::OpKind::kSend) {
      ++acked[second];
      latency[second].push_back(sim::to_ms(op.completed_at - op.invoked_at));
    } else if (op.kind == properties::OpKind::kPoll) {
      consumed[second] += static_cast<std::int64_t>(op.records.size());
    }
  }
  std::int64_t last = 0;
  for (const auto* m : {&acked, &consumed}) {
    if (!m->empty()) last = std::max(last, m->rbegin()->first);
  }
  Json out = Json::array();
  for (std::int64_t s = 0; s <= last; ++s) {
    std::vector<std::int64_t>& l = latency[s];
    std::sort(l.begin(), l.end());
    out.push_back({{"t_s", s},
                   {"acknowledged", acked[s]},
                   {"consumed", consumed[s]},
                   {"ack_latency_ms_p50", percentile_of_sorted(l, 0.50)},
                   {"ack_latency_ms_p99", percentile_of_sorted(l, 0.99)},
                   {"ack_latency_ms_max", l.empty() ? 0 : l.back()}});
  }
  return out;
}

Json history_summary(const properties::History& history) {
  const properties::HistoryCounts counts = history.counts();
  Json by_kind = Json::object();
  for (const auto& [kind, statuses] : counts.by_kind) {
    Json s = Json::object();
    for (const auto& [status, n] : statuses) s[std::string(properties::op_status_name(status))] = n;
    by_kind[std::string(properties::op_kind_name(kind))] = s;
  }
  return {{"operations", by_kind}, {"records_read", counts.records_read}};
}

std::string shrink_command(const Json& run) {
  const std::string dir = fmt::format("out/seed-{}", run.value("seed", 0));
  return fmt::format(
      "samsa explore {} --start-seed {} --seeds 1 --out {} && samsa shrink {}/failures/{}.json",
      run.value("scenario", std::string()), run.value("seed", 0), dir, dir, run.value("seed", 0));
}

}  // namespace

Json run_report_json(const Json& run, const harness::RunResult& result) {
  Json report = {{"kind", "run"},
                 {"seed", run.value("seed", 0)},
                 {"scenario", run.value("scenario", std::string())},
                 {"verdict", run.value("verdict", std::string())},
                 {"trace_hash", run.value("trace_hash", std::string())},
                 {"plan", run.value("plan", std::string())},
                 {"bugs", run.value("bugs", Json::array())},
                 {"replay", run.value("replay", std::string())},
                 {"shrink", shrink_command(run)},
                 {"violations", run.value("violations", Json::array())},
                 {"stats", run.value("stats", Json::object())},
                 {"measurements", run.value("measurements", Json::object())},
                 {"events", run.value("events", 0)},
                 {"sim_ms", run.value("sim_ms", 0)}};
  if (result.observations) {
    const properties::Observations& o = *result.observations;
    Json lanes = fault_lanes(o);
    lanes.push_back(controller_lane(o));
    for (Json& lane : leadership_lanes(o)) lanes.push_back(std::move(lane));
    report["timeline"] = {{"safety_end_s", seconds_of(o.safety_end)},
                          {"end_s", seconds_of(o.liveness_end)},
                          {"lanes", lanes}};
    report["isr"] = isr_series(o);
  }
  if (result.history) {
    report["throughput"] = throughput(*result.history);
    report["history"] = history_summary(*result.history);
  }
  if (Json retention = retention_report_json(result); !retention.is_null())
    report["retention"] = std::move(retention);
  return report;
}

std::string run_report_markdown(const Json& report) {
  std::string md = fmt::format("# samsa run: {} seed {}\n\n",
                               report.value("scenario", std::string()), report.value("seed", 0));
  md += fmt::format("**Verdict: {}** — trace hash `{}`, {} events, {} simulated ms\n\n",
                    report.value("verdict", std::string()) == "pass" ? "PASS" : "FAIL",
                    report.value("trace_hash", std::string()), report.value("events", 0),
                    report.value("sim_ms", 0));
  md += fmt::format("Plan:\n\n```\n{}\n```\n\nReplay: `{}`\n\n",
                    report.value("plan", std::string()), report.value("replay", std::string()));
  md += "## Violations\n\n";
  if (report["violations"].empty()) md += "None: every property held.\n\n";
  for (const Json& v : report["violations"]) {
    md += fmt::format("- **{}**: {}\n", v.value("property", std::string()),
                      v.value("detail", std::string()));
  }
  if (!report["violations"].empty())
    md += fmt::format("\nShrink: `{}`\n\n", report["shrink"].get<std::string>());
  md += "## History\n\n| operation | ok | fail | info |\n| --- | --- | --- | --- |\n";
  if (report.contains("history")) {
    for (const auto& [kind, statuses] : report["history"]["operations"].items()) {
      md += fmt::format("| {} | {} | {} | {} |\n", kind, statuses.value("ok", 0),
                        statuses.value("fail", 0), statuses.value("info", 0));
    }
  }
  md += "\n## Stats\n\n| stat | value |\n| --- | --- |\n";
  for (const auto& [name, value] : report["stats"].items())
    md += fmt::format("| {} | {} |\n", name, value.dump());
  if (report.contains("retention")) md += "\n" + retention_report_markdown(report["retention"]);
  return md;
}

namespace {

Timeline timeline_of(const Json& report) {
  Timeline t;
  t.title = "Faults, controller and partition leadership";
  t.x_label = "simulated time (s)";
  t.x_max = report["timeline"].value("end_s", 1.0);
  for (const Json& lane : report["timeline"]["lanes"]) {
    Lane l{lane.value("lane", std::string()), {}};
    for (const Json& s : lane["spans"]) {
      l.spans.push_back({s.value("from_s", 0.0), s.value("to_s", 0.0),
                         s.value("kind", std::string()), s.value("detail", std::string())});
    }
    t.lanes.push_back(std::move(l));
  }
  t.markers = {{report["timeline"].value("safety_end_s", 0.0), "faults healed"}};
  return t;
}

LineChart series_chart(const Json& points, const std::string& title, const std::string& y_label,
                       const std::vector<std::pair<std::string, std::string>>& fields) {
  LineChart chart;
  chart.title = title;
  chart.x_label = "simulated time (s)";
  chart.y_label = y_label;
  for (const auto& [field, name] : fields) {
    Series s{name, {}};
    for (const Json& p : points) s.points.emplace_back(p.value("t_s", 0.0), p.value(field, 0.0));
    chart.series.push_back(std::move(s));
  }
  return chart;
}

}  // namespace

std::string run_report_html(const Json& report) {
  std::string html = html_page_head(fmt::format(
      "samsa run: {} seed {}", report.value("scenario", std::string()), report.value("seed", 0)));
  const bool pass = report.value("verdict", std::string()) == "pass";
  html += fmt::format(
      "<h1>samsa run: {} seed {}</h1>\n<p class=\"{}\"><b>{}</b> — trace hash "
      "<code>{}</code>, {} events, {} simulated ms</p>\n",
      xml_escape(report.value("scenario", std::string())), report.value("seed", 0),
      pass ? "pass" : "fail", pass ? "PASS: every property held" : "FAIL",
      xml_escape(report.value("trace_hash", std::string())), report.value("events", 0),
      report.value("sim_ms", 0));
  html += fmt::format("<pre>{}</pre><p>Replay: <code>{}</code></p>\n",
                      xml_escape(report.value("plan", std::string())),
                      xml_escape(report.value("replay", std::string())));
  if (!pass) {
    html += "<h2>Violations</h2><ul>\n";
    for (const Json& v : report["violations"]) {
      html +=
          fmt::format("<li><b>{}</b>: {}</li>\n", xml_escape(v.value("property", std::string())),
                      xml_escape(v.value("detail", std::string())));
    }
    html += fmt::format("</ul><p>Shrink: <code>{}</code></p>\n",
                        xml_escape(report["shrink"].get<std::string>()));
  }
  if (report.contains("timeline"))
    html += "<h2>Timeline</h2>\n" + render_timeline(timeline_of(report)) + "\n";
  if (report.contains("throughput")) {
    html += "<h2>Throughput and latency</h2>\n";
    html += render_line_chart(
        series_chart(report["throughput"], "Records per second", "records / s",
                     {{"acknowledged", "acknowledged"}, {"consumed", "consumed"}}));
    html += render_line_chart(series_chart(report["throughput"], "Acknowledgement latency",
                                           "latency (simulated ms)",
                                           {{"ack_latency_ms_p50", "p50"},
                                            {"ack_latency_ms_p99", "p99"},
                                            {"ack_latency_ms_max", "max"}}));
  }
  if (report.contains("isr")) {
    LineChart isr = series_chart(report["isr"], "ISR size over the run's partitions",
                                 "replicas in the ISR", {{"min", "smallest"}, {"max", "largest"}});
    isr.steps = true;  // a size holds until the next change
    html += render_line_chart(isr);
  }
  if (report.contains("history")) {
    html +=
        "<h2>History</h2><table><tr><th>operation</th><th>ok</th><th>fail</th><th>info</th></tr>\n";
    for (const auto& [kind, statuses] : report["history"]["operations"].items()) {
      html += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                          xml_escape(kind), statuses.value("ok", 0), statuses.value("fail", 0),
                          statuses.value("info", 0));
    }
    html += "</table>\n";
  }
  html += "<h2>Stats</h2><table>\n";
  for (const auto& [name, value] : report["stats"].items()) {
    html += fmt::format("<tr><td>{}</td><td>{}</td></tr>\n", xml_escape(name),
                        xml_escape(value.dump()));
  }
  html += "</table>\n";
  if (report.contains("retention")) html += retention_report_html(report["retention"]);
  html += "</body></html>\n";
  return html;
}

bool write_run_report(const Json& report, const std::string& out_dir, std::string& error) {
  return write_report_files(out_dir, report, run_report_markdown(report), run_report_html(report),
                            error);
}

}  // namespace samsa::reports
