// `samsa replay FILE [--trace FILE] [--json]`: re-runs the seed a failure file records
// (failure_file.h), from the scenario text the file carries and with its bugs, prints it
// as `samsa run` does, and checks determinism: the trace hash must equal the file's. A
// different hash is a determinism violation (exit 1, said in words); otherwise the exit
// code is the run's verdict (a reproduced failure exits 1). A file that cannot be read, or
// lacks a field, exits 2 naming the file and the field.
#pragma once

#include <CLI/CLI.hpp>

namespace samsa::cli {

void add_replay_command(CLI::App& app, int& exit_code);

}  // namespace samsa::cli
