// What every checker returns: the violations it found, each naming its property and
// explaining itself in words a reader can follow without the trace, and measurements of
// the run (counts, maxima) for the reports. Checkers are pure functions over a closed
// History (properties/history.h); the harness calls check_history() after a run, and
// `samsa list properties` prints registered_properties().
// Invariants: 1. every Violation's property is a name in registered_properties();
// 2. a checker's output depends only on the history (same history, same result, in order).
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "properties/history.h"
#include "sim/time.h"

namespace samsa::properties {

// Findings of the runner itself rather than of a checker over the history: an assertion
// that failed inside the simulated cluster, and a liveness bound missed after healing.
inline constexpr std::string_view kInvariant = "invariant";
inline constexpr std::string_view kLiveness = "liveness";

struct Violation {
  std::string property;  // a registered property name, e.g. "group-exclusivity"
  std::string detail;    // partition, offsets, values, processes, generations, times (ms)
  sim::SimTime at{};     // when the violation became visible in the history
  bool operator==(const Violation&) const = default;
};

struct CheckResult {
  std::vector<Violation> violations;
  std::map<std::string, std::int64_t> measurements;
  bool ok() const { return violations.empty(); }
  // Appends `other`'s violations; a measurement present in both takes `other`'s value.
  void merge(CheckResult other);
};

// What retention and compaction may have removed from the run's partitions, so that the
// history checkers do not call a removed record lost or a gap over it a skip (KAFKA-MODEL.md,
// "Retention and compaction"). Built by log_cleanup_of() (data_checks.h) from the History and
// the Observations; empty (the default) when nothing was deleted and nothing is compacted.
struct LogCleanup {
  bool retention = false;   // some replica's log start offset moved: segments were deleted
  bool compaction = false;  // some topic of the history is compacted (cleanup.policy compact*)
  // Per partition, the highest log start offset any replica had shown by each moment: a
  // running maximum in time order, one entry per rise.
  std::map<cluster::TopicPartition, std::vector<std::pair<sim::SimTime, cluster::Offset>>>
      log_start;
  // Per partition of a compacted topic, the offsets the cleaner may remove: a tombstone, or
  // a keyed record some later known record of its key (sent, read or in a final log)
  // supersedes.
  std::map<cluster::TopicPartition, std::set<cluster::Offset>> compactable;

  // The highest log start offset of `tp` shown at or before `at` (0 if none).
  cluster::Offset log_start_at(const cluster::TopicPartition& tp, sim::SimTime at) const;
  // The highest log start offset of `tp` shown at any time (0 if none).
  cluster::Offset final_log_start(const cluster::TopicPartition& tp) const;
  bool is_compactable(const cluster::TopicPartition& tp, cluster::Offset offset) const;
  // Retention had deleted `offset` by `at`, or compaction may have removed it.
  bool removed_by(const cluster::TopicPartition& tp, cluster::Offset offset, sim::SimTime at) const;
};

struct PropertyInfo {
  std::string_view name;
  std::string_view description;  // one line
  // When the guarantee is promised (config and fault mix); outside it the checker measures
  // what broke instead of failing the run. One line.
  std::string_view promised;
};

// Every property this build checks, in a fixed order (invariant 1).
const std::vector<PropertyInfo>& registered_properties();

// The registered property named `name`, or nullptr.
const PropertyInfo* find_property(std::string_view name);

// Runs every checker over `history` (closed: no pending operations). `cleanup` tells the
// consumption checkers which gaps retention or compaction explain (consumption_checks.h).
CheckResult check_history(const History& history, const LogCleanup& cleanup = {});

}  // namespace samsa::properties
