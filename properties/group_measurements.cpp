#include "properties/group_measurements.h"

#include <algorithm>
#include <optional>
#include <set>
#include <tuple>
#include <utility>

#include "properties/group_index.h"

namespace samsa::properties {

namespace {

std::int64_t rebalances(const History& history) {
  std::set<std::pair<std::string, std::int32_t>> generations;
  for (const Op& op : history.ops()) {
    if (op.kind == OpKind::kAssign && op.status == OpStatus::kOk && op.generation >= 0) {
      generations.emplace(group_of(op), op.generation);
    }
  }
  return static_cast<std::int64_t>(generations.size());
}

std::int64_t duplicate_reads(const History& history) {
  std::set<std::tuple<std::string, cluster::TopicPartition, cluster::Offset>> read;
  std::int64_t duplicates = 0;
  for (const Op& op : history.ops()) {
    if (op.kind != OpKind::kPoll || op.status != OpStatus::kOk) continue;
    for (const ReadRecord& r : op.records) {
      if (!read.emplace(group_of(op), r.tp, r.offset).second) ++duplicates;
    }
  }
  return duplicates;
}

// Sweeps each (group, partition)'s intervals in start order, tracking until when some
// owner held it; a start after that is a gap.
std::int64_t max_ownership_gap_ms(const History& history) {
  const std::vector<Ownership> intervals = ownerships(history);
  std::int64_t gap_ms = 0;
  // A flag and a plain Moment rather than std::optional<Moment>: GCC 12 at -O3 reports a
  // false maybe-uninitialized on the optional's payload.
  bool held_for_good = false;  // an interval of this partition never ended
  Moment covered_until{};
  for (std::size_t i = 0; i < intervals.size(); ++i) {
    const Ownership& o = intervals[i];
    const bool first = i == 0 || intervals[i - 1].tp != o.tp ||
                       group_of(*intervals[i - 1].assign) != group_of(*o.assign);
    if (first) held_for_good = false;
    if (!first && !held_for_good && o.start() > covered_until) {
      gap_ms = std::max(gap_ms, sim::to_ms(o.start().at - covered_until.at));
    }
    if (o.end == nullptr) {
      held_for_good = true;
    } else if (first || (!held_for_good && completed(*o.end) > covered_until)) {
      covered_until = completed(*o.end);
    }
  }
  return gap_ms;
}

}  // namespace

std::map<std::string, std::int64_t> measure_consumer_groups(const History& history) {
  std::map<std::string, std::int64_t> m{{"rebalances", rebalances(history)},
                                        {"commits_ok", 0},
                                        {"commits_failed", 0},
                                        {"commits_indeterminate", 0},
                                        {"duplicate_reads", duplicate_reads(history)},
                                        {"max_ownership_gap_ms", max_ownership_gap_ms(history)}};
  for (const Op& op : history.ops()) {
    if (op.kind != OpKind::kCommit) continue;
    // A commit still pending is indeterminate (history.h invariant 3).
    const char* key = op.status == OpStatus::kOk     ? "commits_ok"
                      : op.status == OpStatus::kFail ? "commits_failed"
                                                     : "commits_indeterminate";
    ++m[key];
  }
  return m;
}

}  // namespace samsa::properties
