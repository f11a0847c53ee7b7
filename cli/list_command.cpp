#include "cli/list_command.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "cli/scenario_arg.h"
#include "cluster/bugs.h"
#include "properties/checker.h"
#include "properties/plan_gen.h"
#include "properties/run_plan.h"

namespace samsa::cli {

namespace {

using Rows = std::vector<std::pair<std::string, std::string>>;

void print_rows(const Rows& rows) {
  std::size_t width = 0;
  for (const auto& row : rows) width = std::max(width, row.first.size());
  for (const auto& row : rows)
    std::printf("%s\n", fmt::format("{:<{}}  {}", row.first, width, row.second).c_str());
}

// The catalogue's scenarios; `broken` set when one does not load.
Rows scenario_rows(bool& broken) {
  namespace fs = std::filesystem;
  std::vector<fs::path> files;
  std::error_code ec;
  for (const fs::directory_entry& entry : fs::directory_iterator(scenario_dir(), ec)) {
    if (entry.path().extension() == ".toml") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  Rows rows;
  for (const fs::path& file : files) {
    auto loaded = harness::load_scenario(file.string());
    if (loaded.ok()) {
      rows.emplace_back(file.stem().string(), loaded.value().description);
    } else {
      broken = true;
      rows.emplace_back(file.stem().string(),
                        "(does not load: " + loaded.error().to_string() + ")");
    }
  }
  return rows;
}

int list(const std::string& what) {
  Rows rows;
  bool broken = false;
  if (what == "scenarios") {
    std::error_code ec;
    if (!std::filesystem::is_directory(scenario_dir(), ec)) {
      std::fprintf(
          stderr, "samsa list: the scenario catalogue %s is not a directory (SAMSA_SCENARIO_DIR)\n",
          scenario_dir().c_str());
      return kExitUsage;
    }
    rows = scenario_rows(broken);
  } else if (what == "properties") {
    for (const properties::PropertyInfo& p : properties::registered_properties()) {
      rows.emplace_back(std::string(p.name), std::string(p.description));
    }
  } else if (what == "faults") {
    for (properties::FaultKind kind : properties::all_fault_kinds()) {
      rows.emplace_back(std::string(properties::fault_kind_name(kind)),
                        std::string(properties::fault_kind_description(kind)));
    }
  } else {
    for (const cluster::BugInfo& bug : cluster::all_bugs()) {
      rows.emplace_back(std::string(bug.name), std::string(bug.description));
    }
  }
  print_rows(rows);
  if (broken) {
    std::fprintf(stderr, "samsa list: some scenarios in %s do not load\n", scenario_dir().c_str());
    return kExitUsage;
  }
  return kExitPass;
}

}  // namespace

void add_list_command(CLI::App& app, int& exit_code) {
  auto what = std::make_shared<std::string>();
  CLI::App* cmd =
      app.add_subcommand("list", "List the scenarios, properties, fault kinds or bugs there are");
  cmd->add_option("what", *what, "scenarios, properties, faults or bugs")
      ->required()
      ->check(CLI::IsMember({"scenarios", "properties", "faults", "bugs"}));
  cmd->callback([what, &exit_code] { exit_code = list(*what); });
}

}  // namespace samsa::cli
