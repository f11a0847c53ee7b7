// The `samsa` command. Exit codes: 0 every property held, 1 a property was violated,
// 2 bad input or usage.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

#include "cli/demo_command.h"
#include "cli/hunt_command.h"
#include "sim/log.h"

int main(int argc, char** argv) {
  CLI::App app{"samsa: deterministic simulation of Kafka-style replicated logs"};
  app.require_subcommand(1);
  std::string log_level = "warn";
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error or off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));
  int exit_code = 0;
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
