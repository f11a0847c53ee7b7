#include "harness/scenario.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "harness/scenario_sections.h"
#include "properties/plan_sample.h"
#include "sim/assert.h"

namespace samsa::harness {

namespace {

using scenario_detail::Diagnostics;
using scenario_detail::ScenarioFields;

// Larger files are no scenario (and would only slow a fuzzer down).
constexpr std::size_t kMaxScenarioBytes = std::size_t{1} << 20;

ScenarioError syntax_error(const toml::parse_error& error, const std::string& file_name) {
  const scenario_detail::Position at = scenario_detail::position_of(error.source());
  return ScenarioError{file_name, at.line, at.column, "",
                       fmt::format("TOML syntax: {}", error.description())};
}

void sort_by_time(std::vector<properties::FaultStep>& faults) {
  std::stable_sort(
      faults.begin(), faults.end(),
      [](const properties::FaultStep& a, const properties::FaultStep& b) { return a.at < b.at; });
}

}  // namespace

std::string ScenarioError::to_string() const {
  std::string text = file;
  if (line > 0) text += fmt::format(":{}", line);
  if (line > 0 && column > 0) text += fmt::format(":{}", column);
  text += ": ";
  if (!key.empty()) text += key + ": ";
  return text + message;
}

sim::Result<Scenario, ScenarioError> parse_scenario(std::string_view text,
                                                    const std::string& file_name) {
  if (text.size() > kMaxScenarioBytes) {
    return sim::Err(ScenarioError{
        file_name, 0, 0, "",
        fmt::format("{} bytes: a scenario file is at most {}", text.size(), kMaxScenarioBytes)});
  }
  toml::table file;
  try {
    file = toml::parse(text, std::string_view(file_name));
  } catch (const toml::parse_error& error) {
    return sim::Err(syntax_error(error, file_name));
  }
  Scenario scenario;
  Diagnostics diagnostics(file_name);
  ScenarioFields fields(file, diagnostics);
  read_settings(fields, scenario);
  read_faults(fields, scenario);
  fields.finish();
  if (!diagnostics.failed()) check_scenario(fields, scenario, diagnostics);
  if (diagnostics.failed()) return sim::Err(diagnostics.error());
  scenario.name = std::filesystem::path(file_name).stem().string();
  scenario.path = file_name;
  scenario.text = std::string(text);
  return scenario;
}

sim::Result<Scenario, ScenarioError> load_scenario(const std::string& path) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) {
    return sim::Err(ScenarioError{path, 0, 0, "", "no such scenario file"});
  }
  std::ifstream in(path, std::ios::binary);
  std::string text;
  if (in) {
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  if (!in && !in.eof()) return sim::Err(ScenarioError{path, 0, 0, "", "cannot read the file"});
  return parse_scenario(text, path);
}

std::optional<properties::PlanSpace> plan_space(const Scenario& scenario) {
  if (!scenario.random) return std::nullopt;
  const RandomFaults& random = *scenario.random;
  properties::PlanSpace space;
  space.base = scenario.base;
  space.base.faults.clear();
  space.kinds = random.kinds;
  space.weights = random.weights;
  space.max_faults = random.max_faults;
  space.max_fault_duration = random.max_duration;
  space.targets = random.targets;
  space.vary_shape = random.vary_shape;
  return space;
}

properties::RunPlan plan_for(const Scenario& scenario, std::uint64_t seed,
                             const std::vector<std::string>& extra_bugs) {
  properties::RunPlan plan = scenario.base;
  if (const std::optional<properties::PlanSpace> space = plan_space(scenario)) {
    plan = properties::plan_for_seed(*space, seed);
    plan.faults.insert(plan.faults.end(), scenario.base.faults.begin(), scenario.base.faults.end());
    sort_by_time(plan.faults);
  }
  for (const std::string& bug : extra_bugs) {
    if (std::find(plan.bugs.begin(), plan.bugs.end(), bug) == plan.bugs.end()) {
      plan.bugs.push_back(bug);
    }
  }
  const std::optional<std::string> error = properties::validate_plan(plan);
  SAMSA_ASSERT(!error.has_value(), fmt::format("scenario {} seed {}: invalid plan: {}",
                                               scenario.name, seed, error.value_or("")));
  return plan;
}

}  // namespace samsa::harness
