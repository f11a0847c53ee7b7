// `samsa report DIR [--out OUTDIR]`: the exploration report (reports/exploration_report.h)
// of an explore output directory — DIR/summary.json and DIR/failures/ — written as
// report.html, report.md and report.json into OUTDIR (default DIR). Exit 2 when DIR has no
// summary.json or a file in it is not valid JSON.
//
// `samsa report --acks-matrix [--seeds N] [--start-seed S] [--jobs J] [--out OUTDIR]
// [--rows IDS] [--faults IDS]`: the acknowledgement guarantees report
// (reports/acks_matrix_report.h) — every configuration of harness/acks_matrix.h under every
// fault mix for seeds S..S+N-1, run on J worker threads and merged in a fixed order, so the
// files are the same for any J — written into OUTDIR (default acks-matrix) and printed.
// Exit 0 when written; 1 when interrupted (nothing written); 2 on bad usage (DIR together
// with --acks-matrix, --seeds 0, an unknown row or fault mix id).
#pragma once

#include <CLI/CLI.hpp>

namespace samsa::cli {

void add_report_command(CLI::App& app, int& exit_code);

}  // namespace samsa::cli
