// The verdict of one run: what the run's config and faults promised (DataPromises — a
// guarantee not promised is measured, not failed), every checker over the History and the
// Observations (data, consumption, group, replica, retention and compaction), the run's own
// findings (a failed assertion inside the simulation, missed liveness bounds), and the summary
// counts. Called by the runner once the run is over.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "harness/runner.h"

namespace samsa::harness {

class Nemesis;

struct RunVerdictInput {
  const properties::RunPlan& plan;
  const properties::History& history;  // closed
  const properties::Observations& observations;
  const Nemesis* nemesis = nullptr;  // null when the run never got past setup
  std::string failure;               // the simulation's failed assertion, if any
  std::uint64_t event_limit = 0;     // non-zero: the run hit this event bound
  std::vector<properties::Violation> liveness;
};

// What `plan`'s producer configs promise, the run's faults that void durability, and what
// retention and compaction removed (DataPromises::cleanup, from the History and Observations).
properties::DataPromises promises_for(const RunVerdictInput& input);

// Every checker and finding: fills pass, violations, measurements, stats and promises.
RunResult judge(const RunVerdictInput& input);

}  // namespace samsa::harness
