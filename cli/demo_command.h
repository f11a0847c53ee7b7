// `samsa demo`: runs the kernel workload (harness/kernel_workload.h) over a range of
// seeds on worker threads, one simulation per thread, re-runs the first seed to confirm
// its trace hash, and writes report.md and report.json. The main job until the Kafka
// cluster and `samsa explore` exist.
#pragma once

#include <CLI/CLI.hpp>

namespace samsa::cli {

void add_demo_command(CLI::App& app, int& exit_code);

}  // namespace samsa::cli
