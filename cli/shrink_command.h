// `samsa shrink FILE [--out SCENARIO.toml] [--max-runs N]`: from a failure file, a smaller
// scenario that still fails under the same seed (harness/plan_shrink.h: greedy descent, a
// candidate counts when it violates one of the properties the original run violated). The
// result is written as a scripted scenario (default: <seed>-shrunk.toml next to FILE),
// after re-running it from the written text to confirm it still fails. Exit 0 when written,
// 1 when the original seed no longer fails (nothing to shrink) or the written scenario does
// not reproduce the failure, 2 on bad input.
#pragma once

#include <CLI/CLI.hpp>

namespace samsa::cli {

void add_shrink_command(CLI::App& app, int& exit_code);

}  // namespace samsa::cli
