#include "cli/report_command.h"

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "cli/scenario_arg.h"
#include "reports/exploration_report.h"

namespace samsa::cli {

namespace {

struct ReportOptions {
  std::string dir;
  std::string out_dir;  // "": the explore directory itself
};

int report(const ReportOptions& options) {
  auto exploration = reports::load_exploration(options.dir);
  if (!exploration.ok()) {
    std::fprintf(stderr, "samsa report: %s\n", exploration.error().c_str());
    return kExitUsage;
  }
  const std::string out = options.out_dir.empty() ? options.dir : options.out_dir;
  std::string error;
  if (!reports::write_exploration_report(exploration.value(), out, error)) {
    std::fprintf(stderr, "samsa report: %s\n", error.c_str());
    return kExitUsage;
  }
  const auto path = [&](const char* name) { return (std::filesystem::path(out) / name).string(); };
  std::printf("report: %s, %s, %s\n", path("report.html").c_str(), path("report.md").c_str(),
              path("report.json").c_str());
  return kExitPass;
}

}  // namespace

void add_report_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<ReportOptions>();
  CLI::App* cmd = app.add_subcommand(
      "report", "Write report.html, report.md and report.json for an explore output directory");
  cmd->add_option("dir", options->dir, "A directory samsa explore --out wrote")->required();
  cmd->add_option("--out", options->out_dir, "Write the report here (default: DIR)");
  cmd->callback([options, &exit_code] { exit_code = report(*options); });
}

}  // namespace samsa::cli
