// The tables of a scenario file (docs/scenario-format.md) and the readers that turn each
// into its part of a Scenario: settings (description, [cluster], [topic], [producers],
// [group], [run]) in scenario_sections.cpp, [faults] in scenario_faults.cpp, and the checks
// that span tables (impossible combinations, then validate_plan as a last net) in
// scenario_checks.cpp. parse_scenario (scenario.cpp) runs them in that order.
//
// Invariants: 1. a reader only writes a setting whose value was valid, so the Scenario
// holds documented defaults elsewhere; 2. every error goes to the one Diagnostics, with the
// file's line and the dotted key; 3. the combination checks run only on a file whose keys
// all read cleanly, so they never blame a value that was itself wrong.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "harness/scenario.h"
#include "harness/scenario_fields.h"

namespace samsa::harness::scenario_detail {

// The longest safety or liveness phase, and so the longest time a file may name (ms).
inline constexpr std::int64_t kMaxPhaseMs =
    std::chrono::duration_cast<std::chrono::milliseconds>(properties::kPlanLimits.max_safety)
        .count();

struct ScenarioFields {
  ScenarioFields(const toml::table& file, Diagnostics& diagnostics);

  Fields root;
  Fields cluster;  // flattened (log.retention.check.interval.ms), but for network and disk
  Fields network;
  Fields disk;
  Fields topic;      // flattened: Kafka keys
  Fields producers;  // flattened
  Fields group;      // flattened
  Fields run;
  Fields faults;
  Fields faults_random;  // [faults.random]
  Fields weights;
  std::vector<Fields> script;

  std::string protocol;  // group.protocol as written; "" when absent (validation only)

  // Reports every unknown key of every table.
  void finish() const;
  // The table that holds the dotted `key` ("topic.segment.ms" -> topic), or null.
  const Fields* table_of(std::string_view key) const;
};

// description, [cluster], [topic], [producers], [group], [run].
void read_settings(ScenarioFields& fields, Scenario& scenario);
// [faults.random] and [[faults.script]]; needs the settings read first (node counts and
// run.duration_ms).
void read_faults(ScenarioFields& fields, Scenario& scenario);
// Impossible combinations across keys, then validate_plan on the base plan.
void check_scenario(const ScenarioFields& fields, const Scenario& scenario,
                    const Diagnostics& diagnostics);

}  // namespace samsa::harness::scenario_detail
