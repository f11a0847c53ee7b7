// Measurements of the consumer groups in a History, for the run's report (CheckResult's
// measurements, merged by check_history()): how often the groups rebalanced, how their
// commits ended, how much rebalances made them re-read, and how long partitions went
// without an owner. A pure function of the history, like every checker.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "properties/history.h"

namespace samsa::properties {

// "rebalances": distinct generations (>= 0) seen in kAssign, summed over groups;
// "commits_ok", "commits_failed", "commits_indeterminate": commits by how they ended;
// "duplicate_reads": polled records their group had already polled (re-deliveries);
// "max_ownership_gap_ms": the longest time between one owner of a partition giving it up
// and the next owner in its group getting it (0 when none).
std::map<std::string, std::int64_t> measure_consumer_groups(const History& history);

}  // namespace samsa::properties
