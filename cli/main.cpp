// The `samsa` command. Exit codes: 0 every property held, 1 a property was violated,
// 2 bad input or usage. Each subcommand lives in its own file and registers itself here;
// --log-level is global and may also follow the subcommand (options fall through).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

#include "cli/demo_command.h"
#include "cli/explore_command.h"
#include "cli/hunt_command.h"
#include "cli/list_command.h"
#include "cli/replay_command.h"
#include "cli/report_command.h"
#include "cli/run_command.h"
#include "cli/shrink_command.h"
#include "sim/log.h"

int main(int argc, char** argv) {
  CLI::App app{"samsa: deterministic simulation of Kafka-style replicated logs"};
  app.require_subcommand(1);
  app.fallthrough();
  std::string log_level = "warn";
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error or off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));
  int exit_code = 0;
  samsa::cli::add_run_command(app, exit_code);
  samsa::cli::add_explore_command(app, exit_code);
  samsa::cli::add_replay_command(app, exit_code);
  samsa::cli::add_shrink_command(app, exit_code);
  samsa::cli::add_report_command(app, exit_code);
  samsa::cli::add_list_command(app, exit_code);
  samsa::cli::add_demo_command(app, exit_code);
  samsa::cli::add_hunt_command(app, exit_code);
  app.parse_complete_callback([&] { samsa::sim::set_log_level(log_level); });
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  return exit_code;
}
