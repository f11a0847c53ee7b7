// Claims about the consumer groups' measurements (properties/group_measurements.h).
#include "properties/group_measurements.h"

#include <gtest/gtest.h>

#include "tests/properties/history_script.h"

namespace samsa::properties {
namespace {

using testing::HistoryScript;

TEST(GroupMeasurements, AQuietHistoryMeasuresZeroEverywhere) {
  const std::map<std::string, std::int64_t> m = measure_consumer_groups(History{});
  for (const char* key : {"rebalances", "commits_ok", "commits_failed", "commits_indeterminate",
                          "duplicate_reads", "max_ownership_gap_ms"}) {
    ASSERT_TRUE(m.contains(key)) << key;
    EXPECT_EQ(m.at(key), 0) << key;
  }
}

TEST(GroupMeasurements, RebalancesAreDistinctGenerationsPerGroupWithoutManualAssignment) {
  HistoryScript s;
  s.assign("a", 10, 1, {0}).assign("b", 11, 1, {1}).assign("a", 20, 2, {0}).assign("b", 21, 2, {1});
  s.assign("c", 10, 1, {0}, "g1").assign("manual", 10, -1, {0}, "g2");
  EXPECT_EQ(measure_consumer_groups(s.history).at("rebalances"), 3);
}

TEST(GroupMeasurements, CommitsAreCountedByHowTheyEndedAndPendingOnesAreIndeterminate) {
  HistoryScript s;
  s.commit("a", 1, 2, 1, 0, 0).commit("a", 3, 4, 1, 0, 0);
  s.commit("a", 5, 6, 1, 0, 0, OpStatus::kFail, cluster::ErrorCode::kIllegalGeneration);
  s.commit("a", 7, 8, 1, 0, 0, OpStatus::kInfo);
  s.history.invoke("a", OpKind::kCommit, testing::at_ms(9));
  s.history.close(testing::at_ms(10));
  const std::map<std::string, std::int64_t> m = measure_consumer_groups(s.history);
  EXPECT_EQ(m.at("commits_ok"), 2);
  EXPECT_EQ(m.at("commits_failed"), 1);
  EXPECT_EQ(m.at("commits_indeterminate"), 2);
}

TEST(GroupMeasurements, DuplicateReadsCountRecordsTheirOwnGroupHadAlreadyPolled) {
  HistoryScript s;
  s.poll_range("a", 10, 0, 0, 3).poll_range("c", 11, 0, 0, 3, "g1").poll_range("b", 20, 0, 2, 5);
  s.poll_range("a", 30, 1, 2, 3);
  EXPECT_EQ(measure_consumer_groups(s.history).at("duplicate_reads"),
            2);  // 2 and 3 of orders-0 by b
}

TEST(GroupMeasurements, TheOwnershipGapIsTheLongestTimeAPartitionWentWithoutAnOwner) {
  HistoryScript s;
  s.assign("a", 10, 1, {0, 1, 2}).revoke("a", 40, 1, {0}).assign("b", 55, 2, {0});  // 15 ms
  s.lose("a", 30, 1, {1}).assign("c", 35, 2, {1});                                  // 5 ms
  s.assign("b", 20, 1, {2}).revoke("a", 50, 1, {2}).revoke("b", 60, 1, {2});        // overlapping
  s.assign("d", 100, 1, {0}, "g1");  // another group's first owner is no gap
  EXPECT_EQ(measure_consumer_groups(s.history).at("max_ownership_gap_ms"), 15);
  s.assign("c", 90, 3, {2});  // orders-2: owned until 60, free until 90
  EXPECT_EQ(measure_consumer_groups(s.history).at("max_ownership_gap_ms"), 30);
}

}  // namespace
}  // namespace samsa::properties
