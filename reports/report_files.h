// What every report writer shares: the opening of a self-contained HTML page (one style
// sheet, inline, for every report: tables, code, charts, print) and writing a report's
// three files. Invariant: a report directory holds report.json, report.md and report.html
// of one report, or the writer says which file it could not write.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace samsa::reports {

// "<!DOCTYPE html>…<body>" with `title` (escaped here) and the shared inline style sheet;
// the caller appends the body and "</body></html>".
std::string html_page_head(std::string_view title);

// Writes OUT_DIR/report.json (indented; invalid UTF-8 replaced), report.md and report.html,
// creating OUT_DIR; false with `error` naming what could not be written.
bool write_report_files(const std::string& out_dir, const nlohmann::json& report,
                        const std::string& markdown, const std::string& html, std::string& error);

}  // namespace samsa::reports
