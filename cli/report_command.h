// `samsa report DIR [--out OUTDIR]`: the exploration report (reports/exploration_report.h)
// of an explore output directory — DIR/summary.json and DIR/failures/ — written as
// report.md and report.json into OUTDIR (default DIR). Exit 2 when DIR has no summary.json
// or a file in it is not valid JSON.
#pragma once

#include <CLI/CLI.hpp>

namespace samsa::cli {

void add_report_command(CLI::App& app, int& exit_code);

}  // namespace samsa::cli
