// The run report: report.json holds its documented fields, computed from the run's history
// and observations; the Markdown and HTML render it; the HTML is well formed, holds its four
// charts and fetches nothing; the same run gives the same bytes.
#include "reports/run_report.h"

#include <gtest/gtest.h>

#include <string>

#include "harness/runner.h"
#include "tests/reports/xml_testing.h"

namespace samsa::reports {
namespace {

using namespace std::chrono_literals;
using testing::count;
using testing::well_formed;

// A small run of two partitions with one crash of broker 1, and its report.
nlohmann::json report_of_run() {
  properties::RunPlan plan;
  plan.cluster.partitions = 2;
  plan.workload.records_per_producer = 100;
  plan.workload.consumers = 1;
  plan.safety = 6s;
  plan.liveness = 20s;
  plan.faults = {{1s, properties::FaultKind::kCrash, {properties::NodeRole::kBroker, 0}, 2s, 0}};
  const harness::RunResult result = harness::run_plan(plan, harness::RunOptions::seeded(7));
  const nlohmann::json run = {{"seed", 7},
                              {"scenario", "small.toml"},
                              {"verdict", result.pass ? "pass" : "fail"},
                              {"violations", nlohmann::json::array()},
                              {"trace_hash", harness::hash_hex(result.trace_hash)},
                              {"events", result.events},
                              {"sim_ms", result.sim_ms},
                              {"stats", {{"acknowledged", result.stats.acknowledged}}},
                              {"plan", properties::describe_plan(plan)},
                              {"replay", "samsa run small.toml --seed 7"}};
  return run_report_json(run, result);
}

TEST(RunReport, JsonHoldsItsDocumentedFields) {
  const nlohmann::json report = report_of_run();
  for (const char* field :
       {"kind", "seed", "scenario", "verdict", "trace_hash", "plan", "replay", "shrink",
        "violations", "stats", "measurements", "timeline", "isr", "throughput", "history"}) {
    EXPECT_TRUE(report.contains(field)) << field;
  }
  EXPECT_EQ(report["kind"], "run");
  // broker-1's crash and restart, the controller, both partitions.
  std::vector<std::string> lanes;
  for (const auto& lane : report["timeline"]["lanes"]) lanes.push_back(lane["lane"]);
  EXPECT_NE(std::find(lanes.begin(), lanes.end(), "broker-1"), lanes.end());
  EXPECT_NE(std::find(lanes.begin(), lanes.end(), "controller"), lanes.end());
  EXPECT_NE(std::find(lanes.begin(), lanes.end(), "events-0"), lanes.end());
  EXPECT_NE(std::find(lanes.begin(), lanes.end(), "events-1"), lanes.end());
  std::int64_t acknowledged = 0;
  for (const auto& second : report["throughput"])
    acknowledged += second["acknowledged"].get<std::int64_t>();
  EXPECT_EQ(acknowledged, report["history"]["operations"]["send"].value("ok", 0));
  EXPECT_GT(acknowledged, 0);
}

TEST(RunReport, HtmlIsWellFormedSelfContainedAndHoldsItsCharts) {
  const std::string html = run_report_html(report_of_run());
  std::string why;
  EXPECT_TRUE(well_formed(html, &why)) << why;
  EXPECT_EQ(count(html, "<svg "), 4u);  // timeline, throughput, latency, ISR
  EXPECT_EQ(count(html, "<script"), 0u);
  EXPECT_EQ(count(html, "http://"), count(html, "http://www.w3.org/2000/svg"));
  EXPECT_EQ(count(html, "https://"), 0u);
}

TEST(RunReport, MarkdownStatesTheVerdictHistoryAndReplay) {
  const std::string md = run_report_markdown(report_of_run());
  EXPECT_NE(md.find("**Verdict: PASS**"), std::string::npos) << md;
  EXPECT_NE(md.find("Replay: `samsa run small.toml --seed 7`"), std::string::npos);
  EXPECT_NE(md.find("| send | "), std::string::npos);
}

TEST(RunReport, TheSameRunGivesTheSameBytes) {
  EXPECT_EQ(run_report_html(report_of_run()), run_report_html(report_of_run()));
}

}  // namespace
}  // namespace samsa::reports
