// `samsa list scenarios|properties|faults|bugs`: what exists, one per line as
// `name  description`. Scenarios are the *.toml files of the catalogue (scenario_arg.h),
// sorted by name; one that does not load is listed with "(does not load: <error>)" and
// the command then exits 2.
#pragma once

#include <CLI/CLI.hpp>

namespace samsa::cli {

void add_list_command(CLI::App& app, int& exit_code);

}  // namespace samsa::cli
