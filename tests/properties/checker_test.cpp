// Claims about the checker registry and runner (properties/checker.h): every property
// reported is registered, violations come in the order they became visible, and the
// measurements ride along.
#include "properties/checker.h"

#include <gtest/gtest.h>

#include <set>

#include "properties/compaction_checks.h"
#include "properties/consumption_checks.h"
#include "properties/data_checks.h"
#include "properties/group_checks.h"
#include "properties/replica_checks.h"
#include "properties/retention_checks.h"
#include "tests/properties/history_script.h"

namespace samsa::properties {
namespace {

using testing::HistoryScript;

TEST(Checker, RegisteredPropertiesHaveUniqueNamesAndOneLineDescriptions) {
  const std::vector<PropertyInfo>& properties = registered_properties();
  std::set<std::string_view> names;
  for (const PropertyInfo& p : properties) {
    EXPECT_TRUE(names.insert(p.name).second) << p.name;
    EXPECT_FALSE(p.description.empty()) << p.name;
    EXPECT_EQ(p.description.find('\n'), std::string_view::npos) << p.name;
    EXPECT_FALSE(p.promised.empty()) << p.name;
  }
  EXPECT_EQ(names, (std::set<std::string_view>{kLostWrite,
                                               kUnseen,
                                               kDuplicate,
                                               kInconsistentOffsets,
                                               kNonmonotonicSend,
                                               kAbortedRead,
                                               kPerKeyOrder,
                                               kReplicaLogMatching,
                                               kCommittedDataKept,
                                               kMonotonicHw,
                                               kOneLeaderPerEpoch,
                                               kOneControllerPerEpoch,
                                               kIsrLegality,
                                               kGroupExclusivity,
                                               kCommitFencing,
                                               kCommittedOffsetsMonotonic,
                                               kCommittedOffsetsWithinBounds,
                                               kRebalanceNoSkip,
                                               kPollSkip,
                                               kNonmonotonicPoll,
                                               kRetentionDeletedYoung,
                                               kRetentionAboveHighWatermark,
                                               kRetentionOverdue,
                                               kLogStartMonotonic,
                                               kCompactionKeepsLatest,
                                               kTombstoneKept,
                                               kTombstoneRemoved,
                                               kCompactedRead,
                                               kCommittedOffsetsSurviveCleaning,
                                               kLiveness,
                                               kInvariant}));
}

TEST(Checker, CheckHistoryReportsRegisteredPropertiesInTheOrderTheyBecameVisible) {
  HistoryScript s;
  s.sends(0, 0, 9)
      .assign("a", 10, 1, {0})
      .poll_range("a", 20, 0, 0, 1)
      .poll_range("a", 30, 0, 5, 6);
  s.commit("a", 40, 45, 1, 0, 9);                          // past what was polled: at 45 ms
  s.assign("b", 35, 1, {0}).poll_range("a", 50, 0, 4, 4);  // two owners at 35 ms, back at 50 ms
  const CheckResult result = check_history(s.history);
  ASSERT_EQ(testing::properties_of(result.violations),
            (std::vector<std::string>{"poll-skip", "group-exclusivity",
                                      "committed-offsets-within-bounds", "nonmonotonic-poll"}));
  for (std::size_t i = 1; i < result.violations.size(); ++i) {
    EXPECT_LE(result.violations[i - 1].at, result.violations[i].at);
  }
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(result.measurements.at("commits_ok"), 1);
  EXPECT_EQ(result.measurements.at("rebalances"), 1);
}

TEST(Checker, MergeAppendsViolationsAndTheLaterMeasurementWins) {
  CheckResult a{{Violation{"poll-skip", "x", testing::at_ms(1)}}, {{"m", 1}, {"n", 2}}};
  a.merge(CheckResult{{Violation{"commit-fencing", "y", testing::at_ms(0)}}, {{"m", 5}}});
  ASSERT_EQ(a.violations.size(), 2U);
  EXPECT_EQ(a.violations[1].property, "commit-fencing");
  EXPECT_EQ(a.measurements, (std::map<std::string, std::int64_t>{{"m", 5}, {"n", 2}}));
  EXPECT_TRUE(CheckResult{}.ok());
}

}  // namespace
}  // namespace samsa::properties
