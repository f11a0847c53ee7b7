#include "properties/checker.h"

#include <algorithm>
#include <iterator>
#include <utility>

#include "properties/consumption_checks.h"
#include "properties/group_checks.h"
#include "properties/group_measurements.h"

namespace samsa::properties {

void CheckResult::merge(CheckResult other) {
  violations.insert(violations.end(), std::make_move_iterator(other.violations.begin()),
                    std::make_move_iterator(other.violations.end()));
  for (auto& [name, value] : other.measurements) measurements[name] = value;
}

const std::vector<PropertyInfo>& registered_properties() {
  static const std::vector<PropertyInfo> properties{
      {kGroupExclusivity, "no partition has two owners within one group generation's lifetime"},
      {kCommitFencing, "no commit succeeds with a generation older than one already formed"},
      {kCommittedOffsetsMonotonic, "a group's committed offset of a partition never goes back"},
      {kCommittedOffsetsWithinBounds,
       "a group commits only offsets in [0, 1 + highest offset it polled]"},
      {kRebalanceNoSkip,
       "a new owner starts at or below the committed offset, skipping no known record"},
      {kPollSkip, "a consumer's successive reads of a partition pass over no known record"},
      {kNonmonotonicPoll, "a consumer's successive reads of a partition have increasing offsets"},
  };
  return properties;
}

CheckResult check_history(const History& history) {
  using Checker = std::vector<Violation> (*)(const History&);
  static constexpr Checker kCheckers[] = {
      check_group_exclusivity,           check_commit_fencing,
      check_committed_offsets_monotonic, check_committed_offsets_within_bounds,
      check_rebalance_no_skip,           check_poll_skip,
      check_nonmonotonic_poll,
  };
  CheckResult result;
  for (const Checker check : kCheckers) result.merge(CheckResult{check(history), {}});
  // In the order they became visible; ties keep the checkers' order.
  std::stable_sort(result.violations.begin(), result.violations.end(),
                   [](const Violation& a, const Violation& b) { return a.at < b.at; });
  result.measurements = measure_consumer_groups(history);
  return result;
}

}  // namespace samsa::properties
