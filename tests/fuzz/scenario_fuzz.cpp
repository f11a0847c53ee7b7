// libFuzzer target for the scenario loader (harness/scenario.h): whatever the bytes, loading
// returns a Scenario or a ScenarioError with a message, never crashes; a Scenario that loads
// yields a valid plan (invariant 2) and survives being written back (invariant 4). Any
// broken promise aborts, which libFuzzer reports with the input that broke it.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "harness/scenario.h"

namespace {

[[noreturn]] void broken(const char* promise) {
  std::fprintf(stderr, "scenario_fuzz: %s\n", promise);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace samsa;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto loaded = harness::parse_scenario(text, "fuzz.toml");
  if (!loaded.ok()) {
    if (loaded.error().message.empty()) broken("an error without a message");
    return 0;
  }
  const harness::Scenario& scenario = loaded.value();
  if (properties::validate_plan(harness::plan_for(scenario, 1)).has_value()) {
    broken("plan_for(seed 1) is not a valid plan");
  }
  const std::string written =
      harness::scenario_to_toml(scenario.base, scenario.description, "written by scenario_fuzz");
  const auto again = harness::parse_scenario(written, "again.toml");
  if (!again.ok()) {
    std::fprintf(stderr, "%s\n%s\n", again.error().to_string().c_str(), written.c_str());
    broken("scenario_to_toml wrote a file that does not load");
  }
  if (!(again.value().base == scenario.base)) broken("the written file loads as another plan");
  return 0;
}
