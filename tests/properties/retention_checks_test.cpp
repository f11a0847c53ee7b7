// Claims about the retention checkers (properties/retention_checks.h): each property is
// reported, alone and with a detail naming partition, broker, segment offsets and clock
// times, by observations that break it; and what a correct cluster shows passes — a deletion
// judged on a broker clock that runs ahead, a segment that rolled just before the end, a
// broker clock behind that keeps a segment, a log start that goes back after an unclean
// election (measured, not failed).
#include "properties/retention_checks.h"

#include <gtest/gtest.h>

#include "tests/properties/history_script.h"

namespace samsa::properties {
namespace {

using cluster::BrokerId;
using cluster::Offset;
using cluster::RetentionReason;
using cluster::SegmentInfo;
using testing::at_ms;
using testing::contains;
using testing::properties_of;
using testing::tp;
using Names = std::vector<std::string>;

SegmentInfo segment(std::int64_t base, std::int64_t next, std::int64_t largest_timestamp_ms,
                    std::uint64_t size_bytes = 1000) {
  return SegmentInfo{Offset(base), Offset(next), size_bytes, largest_timestamp_ms,
                     largest_timestamp_ms};
}

cluster::LogConfig delete_policy(std::int64_t retention_ms, std::int64_t retention_bytes = -1) {
  cluster::LogConfig config;
  config.cleanup_policy = cluster::CleanupPolicy::kDelete;
  config.retention_ms = retention_ms;
  config.retention_bytes = retention_bytes;
  return config;
}

// Observations of topic "orders" under `config`, run ending at 60 s, healed at 10 s.
Observations observed(const cluster::LogConfig& config) {
  Observations o;
  o.topic_configs["orders"] = config;
  o.retention_check_interval_ms = 1'000;
  o.safety_end = at_ms(10'000);
  o.liveness_end = at_ms(60'000);
  return o;
}

// Broker 1's retention check of orders-0 at `time_ms` (broker clock `now_ms`).
RetentionSample pass(std::int64_t time_ms, std::int64_t now_ms, std::int64_t high_watermark,
                     std::vector<cluster::DeletedSegment> deleted, std::uint64_t size_before = 0,
                     std::int64_t log_start_before = 0) {
  RetentionSample r{at_ms(time_ms), BrokerId(1), tp(0), {}};
  r.pass.now_ms = now_ms;
  r.pass.high_watermark = Offset(high_watermark);
  r.pass.active_segment_base = Offset(1'000'000);  // far above: tests below set it
  r.pass.log_start_before = Offset(log_start_before);
  r.pass.log_start_after =
      deleted.empty() ? Offset(log_start_before) : deleted.back().segment.next_offset;
  r.pass.size_before_bytes = size_before;
  r.pass.deleted = std::move(deleted);
  return r;
}

ReplicaSample replica(std::int64_t time_ms, std::int32_t broker, std::int64_t high_watermark,
                      std::int64_t log_end_offset, std::int64_t log_start_offset,
                      ReplicaRoleSeen role = ReplicaRoleSeen::kLeader) {
  ReplicaSample s;
  s.at = at_ms(time_ms);
  s.broker = BrokerId(broker);
  s.tp = tp(0);
  s.role = role;
  s.leader_epoch = cluster::LeaderEpoch(1);
  s.high_watermark = Offset(high_watermark);
  s.log_end_offset = Offset(log_end_offset);
  s.log_start_offset = Offset(log_start_offset);
  return s;
}

// Broker 1's final log of orders-0 with `segments` (the last active), inspected at clock_ms.
ReplicaLog final_log(std::vector<SegmentInfo> segments, std::int64_t high_watermark,
                     std::int64_t clock_ms) {
  ReplicaLog log;
  log.broker = BrokerId(1);
  log.tp = tp(0);
  log.log_start_offset = segments.front().base_offset;
  log.log_end_offset = segments.back().next_offset;
  log.high_watermark = Offset(high_watermark);
  log.segments = std::move(segments);
  log.clock_ms = clock_ms;
  return log;
}

TEST(RetentionDeletedYoung, ATimeDeletionOfASegmentYoungerThanRetentionMsIsReported) {
  Observations o = observed(delete_policy(1'000));
  o.retention.push_back(
      pass(10'000, 10'000, 50, {{segment(0, 10, 9'500), RetentionReason::kTime}}));
  const CheckResult result = check_retention(o, "", true);
  ASSERT_EQ(properties_of(result.violations), Names{std::string(kRetentionDeletedYoung)});
  EXPECT_EQ(result.violations[0].detail,
            "broker 1's retention check of orders-0 at 10000 ms (broker clock 10000 ms, high "
            "watermark 50, log start 0 -> 10, 0 bytes before) deleted segment [0, 10) (1000 "
            "bytes, timestamps 9500..9500 ms) by time, but its newest record was only 500 ms old "
            "by the broker's clock, within retention.ms=1000");
}

TEST(RetentionDeletedYoung, ASegmentExactlyRetentionMsOldIsStillYoung) {
  Observations o = observed(delete_policy(1'000));
  o.retention.push_back(
      pass(10'000, 10'000, 50, {{segment(0, 10, 9'000), RetentionReason::kTime}}));
  EXPECT_EQ(properties_of(check_retention_deleted_young(o)),
            Names{std::string(kRetentionDeletedYoung)});
}

TEST(RetentionDeletedYoung, ADeletionIsJudgedOnTheBrokersClockEvenWhenItRunsAhead) {
  // At 5 s of simulated time the segment is 1 s old, but the broker's clock is 15 s ahead.
  Observations o = observed(delete_policy(10'000));
  o.retention.push_back(pass(5'000, 20'000, 50, {{segment(0, 10, 4'000), RetentionReason::kTime}}));
  EXPECT_TRUE(check_retention(o, "", true).violations.empty());
}

TEST(RetentionDeletedYoung, ATimeDeletionWithTimeRetentionOffIsReported) {
  Observations o = observed(delete_policy(-1));
  o.retention.push_back(pass(10'000, 10'000, 50, {{segment(0, 10, 0), RetentionReason::kTime}}));
  const std::vector<Violation> violations = check_retention_deleted_young(o);
  ASSERT_EQ(properties_of(violations), Names{std::string(kRetentionDeletedYoung)});
  EXPECT_TRUE(contains(violations[0].detail, "time retention is off (retention.ms=-1)"));
}

TEST(RetentionDeletedYoung, ASizeDeletionThePartitionNoLongerNeededIsReported) {
  // 3000 bytes over a 2500-byte limit: the first segment must go, the second not.
  Observations o = observed(delete_policy(-1, 2'500));
  o.retention.push_back(pass(
      10'000, 10'000, 50,
      {{segment(0, 10, 0), RetentionReason::kSize}, {segment(10, 20, 0), RetentionReason::kSize}},
      3'000));
  const std::vector<Violation> violations = check_retention_deleted_young(o);
  ASSERT_EQ(properties_of(violations), Names{std::string(kRetentionDeletedYoung)});
  EXPECT_TRUE(contains(violations[0].detail, "segment [10, 20)"));
  EXPECT_TRUE(contains(violations[0].detail,
                       "already within retention.bytes=2500 (2000 bytes left after the segments "
                       "deleted before it)"));
}

TEST(RetentionDeletedYoung, ALogStartDeletionMustLieWhollyBelowTheLogStart) {
  Observations o = observed(delete_policy(-1));
  o.retention.push_back(
      pass(10'000, 10'000, 50, {{segment(0, 10, 0), RetentionReason::kLogStart}}, 0, 10));
  EXPECT_TRUE(check_retention_deleted_young(o).empty());
  o.retention.push_back(
      pass(11'000, 11'000, 50, {{segment(10, 20, 0), RetentionReason::kLogStart}}, 0, 15));
  EXPECT_EQ(properties_of(check_retention_deleted_young(o)),
            Names{std::string(kRetentionDeletedYoung)});
}

TEST(RetentionAboveHighWatermark, ASegmentReachingPastTheHighWatermarkIsReported) {
  Observations o = observed(delete_policy(1'000));
  o.retention.push_back(pass(10'000, 10'000, 10, {{segment(0, 10, 0), RetentionReason::kTime}}));
  EXPECT_TRUE(check_retention(o, "", true).violations.empty());  // next offset == HW
  o.retention.push_back(pass(11'000, 11'000, 15, {{segment(10, 20, 0), RetentionReason::kTime}}));
  const CheckResult result = check_retention(o, "", true);
  ASSERT_EQ(properties_of(result.violations), Names{std::string(kRetentionAboveHighWatermark)});
  EXPECT_TRUE(contains(result.violations[0].detail,
                       "deleted segment [10, 20) (1000 bytes, timestamps 0..0 ms) by time, which "
                       "holds offsets 15..19 at or above the high watermark 15"));
}

TEST(RetentionAboveHighWatermark, DeletingTheActiveSegmentIsReported) {
  Observations o = observed(delete_policy(1'000));
  RetentionSample r = pass(10'000, 10'000, 30, {{segment(20, 30, 0), RetentionReason::kTime}});
  r.pass.active_segment_base = Offset(20);
  o.retention.push_back(r);
  const CheckResult result = check_retention(o, "", true);
  ASSERT_EQ(properties_of(result.violations), Names{std::string(kRetentionAboveHighWatermark)});
  EXPECT_TRUE(contains(result.violations[0].detail, "deleted the active segment [20, 30)"));
}

TEST(RetentionOverdue, ASegmentLongPastRetentionAtTheEndIsReported) {
  Observations o = observed(delete_policy(5'000));
  o.replicas.push_back(replica(2'000, 1, 20, 20, 0));
  o.final_logs.push_back(final_log({segment(0, 10, 1'000), segment(10, 20, 1'500)}, 20, 60'000));
  const CheckResult result = check_retention(o, "", true);
  ASSERT_EQ(properties_of(result.violations), Names{std::string(kRetentionOverdue)});
  EXPECT_EQ(result.violations[0].at, at_ms(60'000));
  EXPECT_EQ(result.violations[0].detail,
            "broker 1's replica of orders-0 still holds segment [0, 10) (1000 bytes, timestamps "
            "1000..1000 ms) at the end (broker clock 60000 ms, high watermark 20, log start 0): "
            "its newest record is 59000 ms old, past retention.ms=5000; deletable by time "
            "retention since 10000 ms on its clock, 50000 ms ago, beyond the bound of 4000 ms "
            "(2 x log.retention.check.interval.ms=1000 + 2000 ms); 1 overdue segment");
  EXPECT_TRUE(check_retention(o, "", false).violations.empty());  // the run did not complete
}

TEST(RetentionOverdue, ASegmentThatRolledJustBeforeTheEndIsNotYetOverdue) {
  Observations o = observed(delete_policy(5'000));
  o.replicas.push_back(replica(57'000, 1, 10, 10, 0));  // [0, 10) was still active then
  o.replicas.push_back(replica(57'500, 1, 20, 20, 0));
  o.final_logs.push_back(final_log({segment(0, 10, 1'000), segment(10, 20, 57'400)}, 20, 60'000));
  EXPECT_TRUE(check_retention_overdue(o).empty());
}

TEST(RetentionOverdue, ASegmentAboveTheHighWatermarkOrActiveIsNeverOverdue) {
  Observations o = observed(delete_policy(5'000));
  o.final_logs.push_back(final_log({segment(0, 10, 1'000), segment(10, 20, 1'500)}, 5, 60'000));
  o.final_logs.push_back(final_log({segment(0, 10, 1'000)}, 10, 60'000));
  EXPECT_TRUE(check_retention_overdue(o).empty());
}

TEST(RetentionOverdue, ABrokerClockBehindKeepsAnOldSegmentWithoutBlame) {
  // By simulated time its newest record (8 s) is 52 s old at the end; the broker's clock,
  // 50 s behind, reads 10 s: 2 s old, short of retention.ms=5000.
  Observations o = observed(delete_policy(5'000));
  o.final_logs.push_back(final_log({segment(0, 10, 8'000), segment(10, 20, 8'500)}, 20, 10'000));
  EXPECT_TRUE(check_retention_overdue(o).empty());
}

TEST(RetentionOverdue, ALogOverRetentionBytesByItsOldestSegmentIsReported) {
  Observations o = observed(delete_policy(-1, 1'500));
  o.replicas.push_back(replica(2'000, 1, 30, 30, 0));
  o.final_logs.push_back(final_log(
      {segment(0, 10, 1'000), segment(10, 20, 1'100), segment(20, 30, 1'200)}, 30, 60'000));
  const std::vector<Violation> violations = check_retention_overdue(o);
  ASSERT_EQ(properties_of(violations), Names{std::string(kRetentionOverdue)});
  EXPECT_TRUE(contains(violations[0].detail,
                       "the partition holds 3000 bytes, over retention.bytes=1500 by at least "
                       "this segment; deletable by size retention since 10000 ms"));
  EXPECT_TRUE(contains(violations[0].detail, "1 overdue segment"));  // 2000 left is < 1500 + 1000
}

TEST(RetentionOverdue, ACompactedTopicIsNotJudged) {
  cluster::LogConfig config = delete_policy(5'000);
  config.cleanup_policy = cluster::CleanupPolicy::kCompact;
  Observations o = observed(config);
  o.final_logs.push_back(final_log({segment(0, 10, 1'000), segment(10, 20, 1'500)}, 20, 60'000));
  EXPECT_TRUE(check_retention_overdue(o).empty());
}

TEST(LogStartMonotonic, AReplicaWhoseLogStartGoesBackIsReported) {
  Observations o = observed(delete_policy(5'000));
  o.replicas.push_back(replica(1'000, 2, 20, 20, 10, ReplicaRoleSeen::kFollower));
  o.replicas.push_back(replica(2'000, 2, 20, 25, 4, ReplicaRoleSeen::kFollower));
  o.replicas.push_back(replica(2'000, 1, 20, 20, 0));  // another replica: its own sequence
  const CheckResult result = check_retention(o, "", true);
  ASSERT_EQ(properties_of(result.violations), Names{std::string(kLogStartMonotonic)});
  EXPECT_EQ(result.violations[0].detail,
            "broker 2's replica of orders-0 showed log start offset 10 at 1000 ms (leader epoch "
            "1, log end offset 20), then 4 at 2000 ms (leader epoch 1, log end offset 25, high "
            "watermark 20)");
  EXPECT_EQ(result.measurements.at("log_start_decreases"), 1);
}

TEST(LogStartMonotonic, ALogStartThatGoesBackAfterAnUncleanElectionIsMeasured) {
  Observations o = observed(delete_policy(5'000));
  o.replicas.push_back(replica(1'000, 2, 20, 20, 10, ReplicaRoleSeen::kFollower));
  o.replicas.push_back(replica(2'000, 2, 4, 4, 4, ReplicaRoleSeen::kFollower));
  const CheckResult result = check_retention(o, "unclean leader election of orders-0", true);
  EXPECT_TRUE(result.violations.empty());
  EXPECT_EQ(result.measurements.at("log_start_decreases_unpromised"), 1);
}

TEST(RetentionMeasurements, CountDeletedSegmentsBytesAndLogStartMovementByReason) {
  Observations o = observed(delete_policy(1'000, 1'500));
  o.retention.push_back(pass(10'000, 10'000, 50,
                             {{segment(0, 10, 0, 100), RetentionReason::kTime},
                              {segment(10, 20, 0, 200), RetentionReason::kTime},
                              {segment(20, 30, 0, 400), RetentionReason::kSize}},
                             5'000));
  o.replicas.push_back(replica(1'000, 1, 0, 0, 0));
  o.replicas.push_back(replica(10'000, 1, 50, 50, 30));
  o.replicas.push_back(replica(10'000, 2, 50, 50, 30, ReplicaRoleSeen::kFollower));
  const CheckResult result = check_retention(o, "", true);
  EXPECT_TRUE(result.violations.empty());
  EXPECT_EQ(result.measurements.at("retention_segments_deleted"), 3);
  EXPECT_EQ(result.measurements.at("retention_segments_deleted_time"), 2);
  EXPECT_EQ(result.measurements.at("retention_segments_deleted_size"), 1);
  EXPECT_EQ(result.measurements.at("retention_segments_deleted_log_start"), 0);
  EXPECT_EQ(result.measurements.at("retention_bytes_reclaimed"), 700);
  EXPECT_EQ(result.measurements.at("retention_bytes_reclaimed_time"), 300);
  EXPECT_EQ(result.measurements.at("retention_log_start_moved"), 30);
}

}  // namespace
}  // namespace samsa::properties
