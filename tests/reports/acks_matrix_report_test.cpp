// The acknowledgement guarantees report: from hand-built runs, each cell sums its runs and
// takes latency percentiles over every acknowledged send; report.json holds its documented
// fields; the Markdown tables are exactly as expected; the HTML is well formed, holds the
// tables and both charts, and fetches nothing; the runs' order does not change a byte.
#include "reports/acks_matrix_report.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "tests/reports/xml_testing.h"

namespace samsa::reports {
namespace {

using harness::AcksRunResult;
using testing::count;
using testing::well_formed;

harness::AcksMatrix tiny_matrix() {
  return {{{"acks-1", "acks=1", 1, 2, false, false},
           {"all-isr2", "acks=all min.insync.replicas=2", -1, 2, false, false}},
          {{"crash", "leader crashes", "brokers killed in turn & restarted",
            properties::FaultKind::kCrash, harness::FaultPattern::kInTurn}},
          {1, 2}};
}

AcksRunResult run(std::size_t row, std::uint64_t seed, std::int64_t acknowledged, std::int64_t lost,
                  std::int64_t duplicated, std::int64_t reordered,
                  std::vector<std::int64_t> latencies_ms, bool pass = true) {
  AcksRunResult r;
  r.cell = {row, 0, seed};
  r.acknowledged = acknowledged;
  r.lost_acknowledged = lost;
  r.duplicated_values = duplicated;
  r.reordered_keys = reordered;
  r.keys_written = 8;
  r.ack_latencies_ms = std::move(latencies_ms);
  r.pass = pass;
  return r;
}

// acks=1: 3 of 200 lost in seed 1 only; acks=all: nothing lost, seed 1 failed a property,
// seed 2 acknowledged nothing.
std::vector<AcksRunResult> tiny_runs() {
  return {run(0, 1, 100, 3, 1, 1, {30, 10, 20}), run(0, 2, 100, 0, 0, 0, {50, 40}),
          run(1, 1, 200, 0, 0, 0, {9, 5, 7}, false), run(1, 2, 0, 0, 0, 0, {})};
}

const std::string kCommand = "samsa report --acks-matrix --seeds 2 --start-seed 1";

TEST(AcksMatrixReport, cellsSumTheirRunsAndTakePercentilesOverEveryAcknowledgedSend) {
  const nlohmann::json report = acks_matrix_report_json(tiny_matrix(), tiny_runs(), kCommand);
  ASSERT_EQ(report["cells"].size(), 2u);
  const nlohmann::json& a = report["cells"][0];
  EXPECT_EQ(a["row"], "acks-1");
  EXPECT_EQ(a["fault_mix"], "crash");
  EXPECT_EQ(a["runs"], 2);
  EXPECT_EQ(a["runs_with_loss"], 1);
  EXPECT_EQ(a["runs_failed"], 0);
  EXPECT_EQ(a["acknowledged"], 200);
  EXPECT_EQ(a["lost_acknowledged"], 3);
  EXPECT_DOUBLE_EQ(a["lost_share"].get<double>(), 0.015);
  EXPECT_DOUBLE_EQ(a["duplicated_share"].get<double>(), 0.005);
  EXPECT_EQ(a["keys_written"], 16);
  EXPECT_DOUBLE_EQ(a["reordered_keys_share"].get<double>(), 1.0 / 16);
  // Sorted: 10 20 30 40 50 — index floor(p * 4).
  EXPECT_EQ(a["ack_latency_ms_p50"], 30);
  EXPECT_EQ(a["ack_latency_ms_p99"], 40);
  EXPECT_EQ(a["ack_latency_ms_max"], 50);
  const nlohmann::json& b = report["cells"][1];
  EXPECT_EQ(b["row"], "all-isr2");
  EXPECT_EQ(b["runs_failed"], 1);
  EXPECT_EQ(b["runs_with_loss"], 0);
  EXPECT_DOUBLE_EQ(b["lost_share"].get<double>(), 0.0);
  EXPECT_EQ(b["ack_latency_ms_p50"], 7);
  EXPECT_EQ(b["ack_latency_ms_p99"], 7);
  EXPECT_EQ(b["ack_latency_ms_max"], 9);
}

TEST(AcksMatrixReport, aCellWithoutAcknowledgedSendsHasZeroSharesAndLatencies) {
  const std::vector<AcksRunResult> runs = {run(0, 1, 0, 0, 0, 0, {}), run(1, 1, 0, 0, 0, 0, {})};
  harness::AcksMatrix matrix = tiny_matrix();
  matrix.seeds = {1};
  const nlohmann::json report = acks_matrix_report_json(matrix, runs, kCommand);
  for (const auto& cell : report["cells"]) {
    EXPECT_EQ(cell["lost_share"], 0.0);
    EXPECT_EQ(cell["duplicated_share"], 0.0);
    EXPECT_EQ(cell["ack_latency_ms_max"], 0);
  }
}

TEST(AcksMatrixReport, jsonHoldsItsDocumentedFields) {
  const nlohmann::json report = acks_matrix_report_json(tiny_matrix(), tiny_runs(), kCommand);
  for (const char* field :
       {"kind", "command", "seeds", "base_plan", "rows", "fault_mixes", "cells"}) {
    EXPECT_TRUE(report.contains(field)) << field;
  }
  EXPECT_EQ(report["kind"], "acks-matrix");
  EXPECT_EQ(report["command"], kCommand);
  EXPECT_EQ(report["seeds"], nlohmann::json::array({1, 2}));
  for (const char* field : {"id", "name", "acks", "enable_idempotence", "min_insync_replicas",
                            "unclean_leader_election_enable", "flush_every_message"}) {
    EXPECT_TRUE(report["rows"][0].contains(field)) << field;
  }
  EXPECT_EQ(report["rows"][0]["acks"], "1");
  EXPECT_EQ(report["rows"][1]["acks"], "all");
  EXPECT_EQ(report["rows"][1]["enable_idempotence"], true);
  for (const char* field : {"id", "name", "description"}) {
    EXPECT_TRUE(report["fault_mixes"][0].contains(field)) << field;
  }
  for (const char* field :
       {"row", "fault_mix", "runs", "runs_failed", "runs_with_loss", "acknowledged",
        "lost_acknowledged", "lost_share", "duplicated_values", "duplicated_share", "keys_written",
        "reordered_keys", "reordered_keys_share", "ack_latency_ms_p50", "ack_latency_ms_p99",
        "ack_latency_ms_max"}) {
    EXPECT_TRUE(report["cells"][0].contains(field)) << field;
  }
}

TEST(AcksMatrixReport, theRunsOrderDoesNotChangeTheReport) {
  std::vector<AcksRunResult> runs = tiny_runs();
  const std::string forward = acks_matrix_report_json(tiny_matrix(), runs, kCommand).dump();
  std::reverse(runs.begin(), runs.end());
  EXPECT_EQ(acks_matrix_report_json(tiny_matrix(), runs, kCommand).dump(), forward);
}

TEST(AcksMatrixReport, markdownStatesSeedsAndCommandAndHasTheExpectedTables) {
  const std::string md =
      acks_matrix_report_markdown(acks_matrix_report_json(tiny_matrix(), tiny_runs(), kCommand));
  EXPECT_NE(md.find("with the same 2 seeds (1 to 2)"), std::string::npos) << md;
  EXPECT_NE(md.find("Regenerate: `" + kCommand + "`"), std::string::npos) << md;
  const std::string expected_tables =
      "## Acknowledged records lost\n\n"
      "| configuration | leader crashes |\n"
      "| --- | ---: |\n"
      "| acks=1 | 1.50% |\n"
      "| acks=all min.insync.replicas=2 | 0 |\n"
      "\n## leader crashes\n\n"
      "brokers killed in turn & restarted\n\n"
      "| configuration | acknowledged | lost | duplicated | reordered keys | ack latency p50 / "
      "p99 / max (ms) | failed runs |\n"
      "| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n"
      "| acks=1 | 200 | 1.50% (3) | 0.50% (1) | 6.25% (1 of 16) | 30 / 40 / 50 | 0 of 2 |\n"
      "| acks=all min.insync.replicas=2 | 200 | 0 (0) | 0 (0) | 0 (0 of 16) | 7 / 7 / 9 | 1 of "
      "2 |\n";
  const std::size_t at = md.find("## Acknowledged records lost");
  ASSERT_NE(at, std::string::npos) << md;
  EXPECT_EQ(md.substr(at), expected_tables);
}

TEST(AcksMatrixReport, htmlIsWellFormedWithTheTablesAndBothChartsAndFetchesNothing) {
  const std::string html =
      acks_matrix_report_html(acks_matrix_report_json(tiny_matrix(), tiny_runs(), kCommand));
  std::string why;
  EXPECT_TRUE(well_formed(html, &why)) << why;
  EXPECT_EQ(count(html, "<svg"), 2u);
  EXPECT_NE(html.find("Acknowledged records lost, by configuration and fault mix"),
            std::string::npos);
  EXPECT_NE(html.find("p99 latency (simulated ms)"), std::string::npos);
  EXPECT_NE(html.find("killed in turn &amp; restarted"), std::string::npos);
  EXPECT_NE(html.find("<td class=\"n\">1.50% (3)</td>"), std::string::npos);
  EXPECT_EQ(count(html, "<script"), 0u);
  EXPECT_EQ(count(html, "http://"), count(html, "http://www.w3.org/2000/svg"));
  EXPECT_EQ(count(html, " src="), 0u);
  EXPECT_EQ(count(html, "https://"), 0u);
}

}  // namespace
}  // namespace samsa::reports
