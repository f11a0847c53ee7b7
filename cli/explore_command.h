// `samsa explore SCENARIO --seeds N [--start-seed S] [--jobs J] [--shard I/N] [--out DIR]
// [--json] [--fail-fast] [--time SECONDS] [--bug NAME]... [--report DIR]`: runs seeds
// S..S+N-1 of a scenario (under --shard I/N only those with seed % N == I) on J worker
// threads (seed_pool.h), writes each failure as DIR/failures/<seed>.json
// (failure_file.h) and DIR/summary.json (explore_summary.h), and prints the summary (JSON
// on stdout with --json). Ctrl-C, --time and --fail-fast stop new seeds from starting;
// what ran is still written. Exit 0 every seed that ran passed, 1 one failed, 2 bad input.
#pragma once

#include <CLI/CLI.hpp>

namespace samsa::cli {

void add_explore_command(CLI::App& app, int& exit_code);

}  // namespace samsa::cli
