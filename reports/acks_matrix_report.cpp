// The acknowledgement guarantees report (acks_matrix_report.h): the JSON aggregated from a
// matrix's runs, and its Markdown and HTML renderings, which share one table builder.
#include "reports/acks_matrix_report.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "reports/percentile.h"
#include "reports/report_files.h"
#include "reports/svg_chart.h"

namespace samsa::reports {

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;
using harness::AcksRunResult;

double share(std::int64_t part, std::int64_t whole) {
  return whole == 0 ? 0.0 : static_cast<double>(part) / static_cast<double>(whole);
}

Json row_json(const harness::AcksRow& row) {
  return {{"id", row.id},
          {"name", row.name},
          {"acks", row.acks == -1 ? std::string("all") : std::to_string(row.acks)},
          {"enable_idempotence", row.acks == -1},
          {"min_insync_replicas", row.min_insync_replicas},
          {"unclean_leader_election_enable", row.unclean_leader_election_enable},
          {"flush_every_message", row.flush_every_message}};
}

// One cell: the sums over its runs, and latency percentiles over every acknowledged send.
Json cell_json(const harness::AcksMatrix& matrix, std::size_t row, std::size_t fault,
               const std::vector<const AcksRunResult*>& runs) {
  std::int64_t failed = 0, with_loss = 0, acknowledged = 0, lost = 0, duplicated = 0;
  std::int64_t keys = 0, reordered = 0;
  std::vector<std::int64_t> latencies_ms;
  for (const AcksRunResult* run : runs) {
    failed += run->pass ? 0 : 1;
    with_loss += run->lost_acknowledged > 0 ? 1 : 0;
    acknowledged += run->acknowledged;
    lost += run->lost_acknowledged;
    duplicated += run->duplicated_values;
    keys += run->keys_written;
    reordered += run->reordered_keys;
    latencies_ms.insert(latencies_ms.end(), run->ack_latencies_ms.begin(),
                        run->ack_latencies_ms.end());
  }
  std::sort(latencies_ms.begin(), latencies_ms.end());
  return {{"row", matrix.rows[row].id},
          {"fault_mix", matrix.faults[fault].id},
          {"runs", runs.size()},
          {"runs_failed", failed},
          {"runs_with_loss", with_loss},
          {"acknowledged", acknowledged},
          {"lost_acknowledged", lost},
          {"lost_share", share(lost, acknowledged)},
          {"duplicated_values", duplicated},
          {"duplicated_share", share(duplicated, acknowledged)},
          {"keys_written", keys},
          {"reordered_keys", reordered},
          {"reordered_keys_share", share(reordered, keys)},
          {"ack_latency_ms_p50", percentile_of_sorted(latencies_ms, 0.50)},
          {"ack_latency_ms_p99", percentile_of_sorted(latencies_ms, 0.99)},
          {"ack_latency_ms_max", percentile_of_sorted(latencies_ms, 1.0)}};
}

}  // namespace

Json acks_matrix_report_json(const harness::AcksMatrix& matrix,
                             const std::vector<AcksRunResult>& runs, const std::string& command) {
  Json rows = Json::array();
  for (const harness::AcksRow& row : matrix.rows) rows.push_back(row_json(row));
  Json mixes = Json::array();
  for (const harness::FaultMix& mix : matrix.faults) {
    mixes.push_back({{"id", mix.id}, {"name", mix.name}, {"description", mix.description}});
  }
  Json cells = Json::array();
  for (std::size_t r = 0; r < matrix.rows.size(); ++r) {
    for (std::size_t f = 0; f < matrix.faults.size(); ++f) {
      std::vector<const AcksRunResult*> cell;
      for (const AcksRunResult& run : runs) {
        if (run.cell.row == r && run.cell.fault == f) cell.push_back(&run);
      }
      // Sums are order-free, and percentiles sort: the runs' order does not matter, but a
      // fixed one keeps the merge obviously deterministic.
      std::sort(cell.begin(), cell.end(), [](const AcksRunResult* a, const AcksRunResult* b) {
        return a->cell.seed < b->cell.seed;
      });
      cells.push_back(cell_json(matrix, r, f, cell));
    }
  }
  return {
      {"kind", "acks-matrix"}, {"command", command},
      {"seeds", matrix.seeds}, {"base_plan", properties::describe_plan(harness::acks_base_plan())},
      {"rows", rows},          {"fault_mixes", mixes},
      {"cells", cells}};
}

namespace {

// A table both renderers format: a header, and cells of text.
// The first `text_columns` are text, left-aligned; the rest numbers, right-aligned.
struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::size_t text_columns = 1;
};

const Json& cell_of(const Json& report, std::size_t row, std::size_t fault) {
  return report["cells"][row * report["fault_mixes"].size() + fault];
}

// "0" for none, else a percentage that keeps small shares visible.
std::string share_text(std::int64_t count, const Json& share_json) {
  const double share_value = share_json.get<double>();
  if (count == 0) return "0";
  return share_value < 0.0001 ? std::string("<0.01%") : fmt::format("{:.2f}%", 100 * share_value);
}

std::string seeds_text(const Json& report) {
  const auto seeds = report["seeds"].get<std::vector<std::uint64_t>>();
  if (seeds.empty()) return "no seeds";
  const bool consecutive = seeds.back() - seeds.front() + 1 == seeds.size();
  if (consecutive && seeds.size() > 1) {
    return fmt::format("{} seeds ({} to {})", seeds.size(), seeds.front(), seeds.back());
  }
  return fmt::format("{} {}", seeds.size() == 1 ? "seed" : "seeds", fmt::join(seeds, ", "));
}

// Rows: configurations; columns: the lost share under each fault mix.
Table lost_table(const Json& report) {
  Table t;
  t.header.push_back("configuration");
  for (const Json& mix : report["fault_mixes"]) t.header.push_back(mix["name"].get<std::string>());
  for (std::size_t r = 0; r < report["rows"].size(); ++r) {
    std::vector<std::string> line{report["rows"][r]["name"].get<std::string>()};
    for (std::size_t f = 0; f < report["fault_mixes"].size(); ++f) {
      const Json& c = cell_of(report, r, f);
      line.push_back(share_text(c["lost_acknowledged"].get<std::int64_t>(), c["lost_share"]));
    }
    t.rows.push_back(std::move(line));
  }
  return t;
}

// "12.50% (25)": a share and its count.
std::string share_and_count(const Json& c, const char* count, const char* share_key) {
  return fmt::format("{} ({})", share_text(c[count].get<std::int64_t>(), c[share_key]),
                     c[count].get<std::int64_t>());
}

// One fault mix: every measure of each configuration.
Table fault_mix_table(const Json& report, std::size_t fault) {
  Table t;
  t.header = {"configuration", "acknowledged",   "lost",
              "duplicated",    "reordered keys", "ack latency p50 / p99 / max (ms)",
              "failed runs"};
  for (std::size_t r = 0; r < report["rows"].size(); ++r) {
    const Json& c = cell_of(report, r, fault);
    const auto n = [&](const char* key) { return c[key].get<std::int64_t>(); };
    t.rows.push_back(
        {report["rows"][r]["name"].get<std::string>(), std::to_string(n("acknowledged")),
         share_and_count(c, "lost_acknowledged", "lost_share"),
         share_and_count(c, "duplicated_values", "duplicated_share"),
         fmt::format("{} ({} of {})", share_text(n("reordered_keys"), c["reordered_keys_share"]),
                     n("reordered_keys"), n("keys_written")),
         fmt::format("{} / {} / {}", n("ack_latency_ms_p50"), n("ack_latency_ms_p99"),
                     n("ack_latency_ms_max")),
         fmt::format("{} of {}", n("runs_failed"), n("runs"))});
  }
  return t;
}

std::string markdown_table(const Table& t) {
  std::string md = fmt::format("| {} |\n|", fmt::join(t.header, " | "));
  for (std::size_t i = 0; i < t.header.size(); ++i) {
    md += i < t.text_columns ? " --- |" : " ---: |";
  }
  md += "\n";
  for (const auto& row : t.rows) md += fmt::format("| {} |\n", fmt::join(row, " | "));
  return md;
}

std::string html_table(const Table& t) {
  std::string html = "<table><tr>";
  for (const std::string& h : t.header) html += "<th>" + xml_escape(h) + "</th>";
  html += "</tr>\n";
  for (const auto& row : t.rows) {
    html += "<tr>";
    for (std::size_t i = 0; i < row.size(); ++i) {
      html += (i < t.text_columns ? "<td>" : "<td class=\"n\">") + xml_escape(row[i]) + "</td>";
    }
    html += "</tr>\n";
  }
  return html + "</table>\n";
}

std::string intro_text(const Json& report) {
  return fmt::format(
      "Each configuration ran under each fault mix with the same {}: every run of a fault mix "
      "sees the same faults at the same instants, and the seed varies network delays and "
      "timing. Lost: acknowledged records the log did not keep; duplicated: values read at "
      "two offsets; reordered keys: keys whose records sit out of send order; latency: from "
      "send to acknowledgement, in simulated ms, over every acknowledged send.",
      seeds_text(report));
}

}  // namespace

std::string acks_matrix_report_markdown(const Json& report) {
  std::string md = "# Acknowledgement guarantees\n\n" + intro_text(report) + "\n\n";
  md += fmt::format("Regenerate: `{}`\n\nBase plan: {}\n\n", report["command"].get<std::string>(),
                    report["base_plan"].get<std::string>());
  md += "## Acknowledged records lost\n\n" + markdown_table(lost_table(report));
  for (std::size_t f = 0; f < report["fault_mixes"].size(); ++f) {
    const Json& mix = report["fault_mixes"][f];
    md += fmt::format("\n## {}\n\n{}\n\n", mix["name"].get<std::string>(),
                      mix["description"].get<std::string>());
    md += markdown_table(fault_mix_table(report, f));
  }
  return md;
}

namespace {

// Grouped bars: one group per configuration (by id), one bar per fault mix.
std::string cells_chart(const Json& report, const std::string& title, const std::string& y_label,
                        const char* field, double scale) {
  BarChart chart;
  chart.title = title;
  chart.y_label = y_label;
  chart.width = 900;
  for (const Json& row : report["rows"]) chart.categories.push_back(row["id"].get<std::string>());
  for (std::size_t f = 0; f < report["fault_mixes"].size(); ++f) {
    Series s{report["fault_mixes"][f]["name"].get<std::string>(), {}};
    for (std::size_t r = 0; r < report["rows"].size(); ++r) {
      s.points.emplace_back(static_cast<double>(r),
                            scale * cell_of(report, r, f)[field].get<double>());
    }
    chart.series.push_back(std::move(s));
  }
  return render_bar_chart(chart);
}

Table rows_table(const Json& report) {
  Table t;
  t.header = {"id",
              "configuration",
              "acks",
              "idempotence",
              "min.insync.replicas",
              "unclean election",
              "flush every write"};
  t.text_columns = 2;
  for (const Json& row : report["rows"]) {
    const auto yes_no = [&](const char* key) {
      return std::string(row[key].get<bool>() ? "yes" : "no");
    };
    const auto text = [&](const char* key) { return row[key].get<std::string>(); };
    t.rows.push_back({text("id"), text("name"), text("acks"), yes_no("enable_idempotence"),
                      std::to_string(row["min_insync_replicas"].get<int>()),
                      yes_no("unclean_leader_election_enable"), yes_no("flush_every_message")});
  }
  return t;
}

}  // namespace

std::string acks_matrix_report_html(const Json& report) {
  std::string html =
      html_page_head("samsa: acknowledgement guarantees") + "<h1>Acknowledgement guarantees</h1>\n";
  html += "<p>" + xml_escape(intro_text(report)) + "</p>\n";
  html += "<p>Regenerate: <code>" + xml_escape(report["command"].get<std::string>()) +
          "</code></p>\n<p>Base plan: " + xml_escape(report["base_plan"].get<std::string>()) +
          "</p>\n<h2>Configurations</h2>\n" + html_table(rows_table(report));
  html += "<h2>Acknowledged records lost</h2>\n" + html_table(lost_table(report));
  html += cells_chart(report, "Acknowledged records lost, by configuration and fault mix",
                      "lost (% of acknowledged)", "lost_share", 100);
  html += cells_chart(report, "Acknowledgement latency p99, by configuration and fault mix",
                      "p99 latency (simulated ms)", "ack_latency_ms_p99", 1);
  for (std::size_t f = 0; f < report["fault_mixes"].size(); ++f) {
    const Json& mix = report["fault_mixes"][f];
    html += "<h2>" + xml_escape(mix["name"].get<std::string>()) + "</h2>\n<p>" +
            xml_escape(mix["description"].get<std::string>()) + "</p>\n" +
            html_table(fault_mix_table(report, f));
  }
  return html + "</body></html>\n";
}

bool write_acks_matrix_report(const Json& report, const std::string& out_dir, std::string& error) {
  return write_report_files(out_dir, report, acks_matrix_report_markdown(report),
                            acks_matrix_report_html(report), error);
}

}  // namespace samsa::reports
