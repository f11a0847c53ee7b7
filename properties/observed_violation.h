// What the white-box checkers (replica_checks.h, retention_checks.h, compaction_checks.h)
// share when they word a finding: times as milliseconds since the run began, and a
// violation whose detail ends with the fault injected most recently before it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "properties/checker.h"
#include "properties/observations.h"
#include "sim/time.h"

namespace samsa::properties {

// Milliseconds of simulated time since the run began.
std::int64_t ms_of(sim::SimTime t);

// `text` with every byte outside printable ASCII as \xNN: logs hold binary keys and values
// (the offsets topic's), and a violation's detail must stay valid text (and JSON).
std::string printable(std::string_view text);

// A violation of `property` at `at`; `detail` gains "; after <fault>" when a fault was
// injected at or before `at`, and is made printable.
Violation violation(const Observations& observations, std::string_view property, std::string detail,
                    sim::SimTime at);

}  // namespace samsa::properties
