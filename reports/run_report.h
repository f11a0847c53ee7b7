// The run report: one run (`samsa run SCENARIO --seed N --report DIR`) as report.json,
// report.md and a self-contained report.html (inline CSS and SVG from svg_chart.h, no
// script, no fetch) — the verdict and each violation with the commands that replay and
// shrink it; a timeline with a lane per node (crashes, power losses, pauses, isolations,
// clock skew) and per partition (its leader and leader epoch), and one for the active
// controller; the ISR sizes, produce and consume throughput and acknowledgement latency
// over simulated time; the history summary (sends by outcome, polls, commits,
// rebalances); and, for a run with retention limits or compaction, the retention and
// compaction section under "retention" (retention_report.h).
//
// Shape: run_report_json() is the one place that reads the run; the Markdown and HTML
// writers only format its JSON (so every number in them is in report.json too).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "harness/runner.h"

namespace samsa::reports {

// `run` is the object `samsa run --json` prints (cli/run_output.h: seed, scenario,
// verdict, violations, trace_hash, replay, ...); `result` the same run's history and
// observations. Time series are in buckets of one simulated second.
nlohmann::json run_report_json(const nlohmann::json& run, const harness::RunResult& result);

std::string run_report_markdown(const nlohmann::json& report);
std::string run_report_html(const nlohmann::json& report);

// Writes OUT_DIR/report.json, report.md and report.html (creating OUT_DIR); false with
// `error` set if a file cannot be written.
bool write_run_report(const nlohmann::json& report, const std::string& out_dir, std::string& error);

}  // namespace samsa::reports
