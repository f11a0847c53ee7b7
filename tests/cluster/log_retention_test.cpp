// Tests of retention (log_retention.h): which segments select_segments_to_delete picks, and
// PartitionLog::delete_old_segments on a simulated disk, across crashes and power losses.
#include "cluster/log/log_retention.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cluster/log/partition_log.h"
#include "tests/cluster/log_testing.h"

namespace samsa::cluster {
namespace {

using log_test::LogRig;
using log_test::make_batch;

constexpr std::int64_t kNowMs = 100'000;

// Segment i holds offsets [10 i, 10 i + 10), 100 bytes, largest timestamp
// `largest_ms[i]`, first timestamp `largest_ms[i] - 500`.
std::vector<SegmentInfo> segments_with(const std::vector<std::int64_t>& largest_ms) {
  std::vector<SegmentInfo> out;
  for (std::size_t i = 0; i < largest_ms.size(); ++i) {
    const Offset base(static_cast<std::int64_t>(i) * 10);
    out.push_back(SegmentInfo{base, base + 10, 100, largest_ms[i], largest_ms[i] - 500});
  }
  return out;
}

LogConfig retention_config(std::int64_t retention_ms, std::int64_t retention_bytes,
                           CleanupPolicy policy = CleanupPolicy::kDelete) {
  LogConfig config;
  config.retention_ms = retention_ms;
  config.retention_bytes = retention_bytes;
  config.cleanup_policy = policy;
  return config;
}

std::vector<RetentionReason> reasons(const std::vector<DeletedSegment>& deleted) {
  std::vector<RetentionReason> out;
  for (const DeletedSegment& d : deleted) out.push_back(d.reason);
  return out;
}

const Bugs kNoBugs;

TEST(SelectSegmentsToDelete, TimeDeletesTheOldSegmentsPrefixAndStopsAtTheFirstYoungOne) {
  // Segment 2 is old too, but segment 1 is young: only a prefix goes.
  const auto segments = segments_with({1000, 99'500, 1000, 99'900});
  const auto deleted = select_segments_to_delete(segments, Offset(0), Offset(40), kNowMs,
                                                 retention_config(10'000, -1), kNoBugs);
  ASSERT_EQ(deleted.size(), 1u);
  EXPECT_EQ(deleted[0].segment, segments[0]);
  EXPECT_EQ(deleted[0].reason, RetentionReason::kTime);
}

TEST(SelectSegmentsToDelete, TimeRetentionIsStrictlyOlderThanRetentionMs) {
  const auto segments = segments_with({90'000, 90'001, 99'000});
  const auto deleted = select_segments_to_delete(segments, Offset(0), Offset(30), kNowMs,
                                                 retention_config(10'000, -1), kNoBugs);
  EXPECT_TRUE(deleted.empty());
  const auto older =
      select_segments_to_delete(segments_with({89'999, 90'001, 99'000}), Offset(0), Offset(30),
                                kNowMs, retention_config(10'000, -1), kNoBugs);
  EXPECT_EQ(older.size(), 1u);
}

TEST(SelectSegmentsToDelete, SizeDeletesOldestWhileThePartitionStaysWithinRetentionBytes) {
  const auto segments = segments_with({99'000, 99'000, 99'000, 99'000});  // 400 bytes
  const auto deleted = select_segments_to_delete(segments, Offset(0), Offset(40), kNowMs,
                                                 retention_config(-1, 150), kNoBugs);
  // 400 -> 300 -> 200 (200 - 150 < 100: the third stays).
  EXPECT_EQ(reasons(deleted),
            (std::vector<RetentionReason>{RetentionReason::kSize, RetentionReason::kSize}));
}

TEST(SelectSegmentsToDelete, LogStartDeletesSegmentsWhollyBelowItUnderEveryPolicy) {
  for (CleanupPolicy policy :
       {CleanupPolicy::kDelete, CleanupPolicy::kCompact, CleanupPolicy::kCompactDelete}) {
    const auto segments = segments_with({99'000, 99'000, 99'000, 99'000});
    const auto deleted = select_segments_to_delete(segments, Offset(25), Offset(40), kNowMs,
                                                   retention_config(-1, -1, policy), kNoBugs);
    EXPECT_EQ(reasons(deleted), (std::vector<RetentionReason>{RetentionReason::kLogStart,
                                                              RetentionReason::kLogStart}))
        << cleanup_policy_name(policy);
  }
}

TEST(SelectSegmentsToDelete, CompactPolicyIgnoresTimeAndSize) {
  const auto segments = segments_with({1000, 1000, 1000});
  EXPECT_TRUE(select_segments_to_delete(segments, Offset(0), Offset(30), kNowMs,
                                        retention_config(10, 0, CleanupPolicy::kCompact), kNoBugs)
                  .empty());
  EXPECT_EQ(
      select_segments_to_delete(segments, Offset(0), Offset(30), kNowMs,
                                retention_config(10, 0, CleanupPolicy::kCompactDelete), kNoBugs)
          .size(),
      2u);
}

TEST(SelectSegmentsToDelete, OnlySegmentsWhollyBelowTheHighWatermarkGo) {
  const auto segments = segments_with({1000, 1000, 1000, 1000});
  const auto deleted = select_segments_to_delete(segments, Offset(0), Offset(19), kNowMs,
                                                 retention_config(10, -1), kNoBugs);
  EXPECT_EQ(deleted.size(), 1u);  // segment 1 ends at 20 > HW 19
  EXPECT_EQ(select_segments_to_delete(segments, Offset(0), Offset(20), kNowMs,
                                      retention_config(10, -1), kNoBugs)
                .size(),
            2u);
}

TEST(SelectSegmentsToDelete, TheActiveSegmentNeverGoes) {
  const auto segments = segments_with({1000, 1000});
  const auto deleted = select_segments_to_delete(segments, Offset(20), Offset(20), kNowMs,
                                                 retention_config(10, 0), kNoBugs);
  ASSERT_EQ(deleted.size(), 1u);
  EXPECT_EQ(deleted[0].segment.base_offset, Offset(0));
  EXPECT_TRUE(select_segments_to_delete(segments_with({1000}), Offset(10), Offset(10), kNowMs,
                                        retention_config(10, 0), kNoBugs)
                  .empty());
}

TEST(SelectSegmentsToDelete, AnEmptySegmentIsNeverDeletedByTime) {
  std::vector<SegmentInfo> segments = {SegmentInfo{Offset(10), Offset(10), 0, -1, -1},
                                       SegmentInfo{Offset(10), Offset(20), 100, 1000, 900}};
  EXPECT_TRUE(select_segments_to_delete(segments, Offset(0), Offset(10), kNowMs,
                                        retention_config(10, -1), kNoBugs)
                  .empty());
}

TEST(SelectSegmentsToDelete, RetentionByFirstTimestampBugDeletesASegmentHoldingYoungRecords) {
  // Segment 0's first batch is old (89'500) but its largest timestamp young (99'000).
  std::vector<SegmentInfo> segments = segments_with({99'000, 99'500});
  segments[0].first_timestamp_ms = 80'000;
  const LogConfig config = retention_config(10'000, -1);
  EXPECT_TRUE(
      select_segments_to_delete(segments, Offset(0), Offset(20), kNowMs, config, kNoBugs).empty());
  Bugs bugs;
  bugs.enable(Bug::kRetentionByFirstTimestamp);
  const auto deleted =
      select_segments_to_delete(segments, Offset(0), Offset(20), kNowMs, config, bugs);
  ASSERT_EQ(deleted.size(), 1u);
  EXPECT_EQ(deleted[0].reason, RetentionReason::kTime);
}

// --- PartitionLog::delete_old_segments ------------------------------------------------

LogConfig log_config_with_retention(std::int64_t retention_ms) {
  LogConfig config = log_test::small_config();
  config.segment_bytes = 400;
  config.retention_ms = retention_ms;
  return config;
}

// Appends `batches` batches of 2 records with timestamp ts_ms; returns the LEO.
void append_at(LogRig& r, int batches, std::int64_t ts_ms) {
  r.with_log([&](PartitionLog& l) {
    for (int i = 0; i < batches; ++i) {
      ASSERT_TRUE(l.append_as_leader(make_batch(r.next_id, 2, ts_ms), LeaderEpoch(0)).ok());
      r.next_id += 2;
    }
  });
}

TEST(DeleteOldSegments, MovesTheLogStartDurablyAndRemovesTheFiles) {
  LogRig r(1, 0.5, log_config_with_retention(10'000));
  append_at(r, 12, 1000);    // old
  append_at(r, 12, 95'000);  // young
  std::vector<SegmentInfo> before;
  RetentionPass pass;
  r.with_log([&](PartitionLog& l) {
    before = l.segments();
    ASSERT_GT(before.size(), 3u);
    auto result = l.delete_old_segments(l.log_end_offset(), kNowMs, kNoBugs);
    ASSERT_TRUE(result.ok());
    pass = result.value();
  });
  ASSERT_FALSE(pass.deleted.empty());
  EXPECT_EQ(pass.log_start_before, Offset(0));
  EXPECT_EQ(pass.log_start_after, pass.deleted.back().segment.next_offset);
  std::uint64_t total = 0;
  for (const SegmentInfo& s : before) total += s.size_bytes;
  EXPECT_EQ(pass.size_before_bytes, total);
  for (const DeletedSegment& d : pass.deleted) {
    EXPECT_EQ(d.reason, RetentionReason::kTime);
    EXPECT_LT(d.segment.largest_timestamp_ms, 2000);
    const std::string stem = "logs/t-0/" + LogSegment::file_stem(d.segment.base_offset);
    EXPECT_FALSE(r.rig.disk().exists(stem + ".log"));
    EXPECT_FALSE(r.rig.disk().exists(stem + ".index"));
    EXPECT_FALSE(r.rig.disk().exists(stem + ".timeindex"));
  }
  r.with_log([&](PartitionLog& l) {
    EXPECT_EQ(l.log_start_offset(), pass.log_start_after);
    EXPECT_EQ(l.segments().front().base_offset, pass.log_start_after);
    auto below = l.read(pass.log_start_after - 1, 1000, l.log_end_offset());
    ASSERT_FALSE(below.ok());
    EXPECT_EQ(below.error(), LogError::kOffsetOutOfRange);
  });
  r.power_loss();
  r.with_log([&](PartitionLog& l) {
    EXPECT_EQ(l.log_start_offset(), pass.log_start_after);
    EXPECT_EQ(l.segments().front().base_offset, pass.log_start_after);
    EXPECT_NO_THROW(log_test::read_all(l));
  });
}

TEST(DeleteOldSegments, NothingAtOrAboveTheHighWatermarkGoes) {
  LogRig r(1, 0.5, log_config_with_retention(10'000));
  append_at(r, 24, 1000);
  r.with_log([&](PartitionLog& l) {
    auto pass = l.delete_old_segments(Offset(10), kNowMs, kNoBugs);
    ASSERT_TRUE(pass.ok());
    for (const DeletedSegment& d : pass.value().deleted) {
      EXPECT_LE(d.segment.next_offset, Offset(10));
    }
    EXPECT_LE(l.log_start_offset(), Offset(10));
  });
}

TEST(DeleteOldSegments, ACrashBetweenTheCheckpointAndTheDeletionIsFinishedAsLogStart) {
  LogRig r(1, 0.5, log_config_with_retention(-1));
  append_at(r, 24, 1000);
  Offset second_base;
  r.with_log([&](PartitionLog& l) {
    second_base = l.segments()[1].base_offset;
    // What delete_old_segments does first; the crash comes before the files go.
    ASSERT_TRUE(l.advance_log_start_offset(second_base).ok());
  });
  r.crash();
  r.with_log([&](PartitionLog& l) {
    EXPECT_EQ(l.log_start_offset(), second_base);
    EXPECT_EQ(l.segments().front().base_offset, Offset(0));
    auto pass = l.delete_old_segments(l.log_end_offset(), kNowMs, kNoBugs);
    ASSERT_TRUE(pass.ok());
    ASSERT_EQ(pass.value().deleted.size(), 1u);
    EXPECT_EQ(pass.value().deleted[0].reason, RetentionReason::kLogStart);
    EXPECT_EQ(l.segments().front().base_offset, second_base);
  });
}

TEST(DeleteOldSegments, PowerLossAtAnyPointLeavesAValidLogWithAMonotonicStart) {
  bool finished = false;
  for (std::uint64_t cut = 0; !finished; cut += 2) {
    ASSERT_LT(cut, 2000u);
    LogRig r(cut + 1, 1.0, log_config_with_retention(10'000));
    append_at(r, 24, 1000);
    append_at(r, 6, 95'000);
    r.flush();
    std::vector<log_test::BatchSummary> before = r.contents();
    finished = r.rig.run_for_events(
        [&](sim::NodeEnv&) {
          ASSERT_TRUE(r.log->delete_old_segments(r.log->log_end_offset(), kNowMs, kNoBugs).ok());
        },
        cut);
    r.power_loss();
    r.with_log([&](PartitionLog& l) {
      const auto after = log_test::read_all(l);
      // What is left is a suffix of what was there, holding every young batch.
      ASSERT_LE(after.size(), before.size()) << "cut " << cut;
      EXPECT_TRUE(std::equal(after.begin(), after.end(), before.end() - after.size()))
          << "cut " << cut;
      EXPECT_GE(after.size(), 6u) << "cut " << cut;
      EXPECT_EQ(l.log_end_offset(), Offset(60)) << "cut " << cut;
      // A retried check finishes the job.
      ASSERT_TRUE(l.delete_old_segments(l.log_end_offset(), kNowMs, kNoBugs).ok());
      EXPECT_EQ(l.segments().front().base_offset, l.log_start_offset()) << "cut " << cut;
    });
  }
}

}  // namespace
}  // namespace samsa::cluster
