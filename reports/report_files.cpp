#include "reports/report_files.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>

#include "reports/svg_chart.h"

namespace samsa::reports {

namespace fs = std::filesystem;

std::string html_page_head(std::string_view title) {
  return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/><title>" +
         xml_escape(title) +
         "</title><style>body{font-family:sans-serif;max-width:1000px;margin:1em auto;"
         "color:#222}table{border-collapse:collapse;margin:0.5em 0}"
         "td,th{border:1px solid #ccc;padding:2px 8px;text-align:left}td.n{text-align:right}"
         ".pass{color:#2a7a2a}.fail{color:#b00020}code{background:#f3f3f3;padding:1px 3px}"
         "pre{background:#f3f3f3;padding:4px 8px;white-space:pre-wrap}"
         "svg.chart{display:block;margin:1em 0}@media print{svg.chart{page-break-inside:avoid}}"
         "</style></head><body>\n";
}

bool write_report_files(const std::string& out_dir, const nlohmann::json& report,
                        const std::string& markdown, const std::string& html, std::string& error) {
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  const fs::path dir(out_dir);
  const std::string json =
      report.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  for (const auto& [name, text] :
       {std::pair{"report.json", &json}, std::pair{"report.md", &markdown},
        std::pair{"report.html", &html}}) {
    std::ofstream out(dir / name, std::ios::binary | std::ios::trunc);
    out << *text;
    out.close();
    if (!out) {
      error = fmt::format("cannot write {}", (dir / name).string());
      return false;
    }
  }
  return true;
}

}  // namespace samsa::reports
