// The exploration report: from what `samsa explore` leaves behind (its summary, as in
// DIR/summary.json, and the failure files DIR/failures/<seed>.json) to report.json and
// report.md — seeds run, passed and failed, the failures grouped by property with their
// seeds and replay commands, the fault kinds seen in failing against passing seeds, and
// throughput. `samsa report DIR` and `samsa explore --report DIR` both write it.
//
// Shape for the writers that come next (HTML, run reports): load_exploration() reads an
// output directory; exploration_report_json() is the one place that computes the report;
// the renderers (Markdown today) only format that JSON.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "sim/result.h"

namespace samsa::reports {

struct Exploration {
  nlohmann::json summary;                                 // as summary.json holds it
  std::map<std::uint64_t, nlohmann::json> failure_files;  // by seed; may be empty
};

// Reads DIR/summary.json (required) and every DIR/failures/*.json; the error names the
// file and what is wrong with it.
sim::Result<Exploration, std::string> load_exploration(const std::string& dir);

// The report's content (see the header comment); report.json holds exactly this.
nlohmann::json exploration_report_json(const Exploration& exploration);

// `report` (as exploration_report_json made it) as Markdown.
std::string exploration_report_markdown(const nlohmann::json& report);

// `report` as one self-contained HTML page: inline CSS, the fault kinds as an inline SVG
// bar chart, no script and no fetch (exploration_report_html.cpp).
std::string exploration_report_html(const nlohmann::json& report);

// Writes OUT_DIR/report.json, report.md and report.html (creating OUT_DIR); false with
// `error` set if a file cannot be written.
bool write_exploration_report(const Exploration& exploration, const std::string& out_dir,
                              std::string& error);

}  // namespace samsa::reports
