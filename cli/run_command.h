// `samsa run SCENARIO [--seed N] [--bug NAME]... [--json] [--trace FILE]`: one seed of a
// scenario. Prints the readable summary (or, with --json, one JSON object on stdout; see
// run_output.h) and exits 0 when every property held, 1 when one was violated, 2 on bad
// input (a scenario that does not load, an unknown bug).
#pragma once

#include <CLI/CLI.hpp>

namespace samsa::cli {

void add_run_command(CLI::App& app, int& exit_code);

}  // namespace samsa::cli
