// `samsa hunt`: the harness's power self-test as a command. For each bug switch (or the
// ones named with --bug) it explores the seeds of the scenario chosen for it
// (harness/bug_hunt.h) until a run fails, then re-runs the same seeds with the switch off,
// and prints the table bug -> seeds to find -> property. `--markdown FILE` writes the
// table as docs/bug-table.md holds it. Exit 0 when every hunt found its bug by its
// property within its bound and the same seeds passed without it, 1 otherwise.
#pragma once

#include <CLI/CLI.hpp>

namespace samsa::cli {

void add_hunt_command(CLI::App& app, int& exit_code);

}  // namespace samsa::cli
