// Tests of PartitionLog::open after crashes, power losses and corruption: what survives,
// what is cut, and that the result is always a valid log.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "cluster/log/partition_log.h"
#include "tests/cluster/log_testing.h"

namespace samsa::cluster {
namespace {

using log_test::BatchSummary;
using log_test::is_prefix;
using log_test::LogRig;
using log_test::make_batch;
using log_test::NodeRig;
using log_test::open_log;
using log_test::read_all;
using log_test::small_config;

const std::string kDir = "logs/t-0";
const std::string kFirstSegment = kDir + "/00000000000000000000.log";

// The epoch cache agrees with the batches: each batch's epoch is the one the cache gives
// its base offset, and no entry starts at or past the LEO.
void expect_epoch_cache_matches(LogRig& r) {
  r.with_log([](PartitionLog& l) {
    for (const BatchSummary& b : read_all(l)) {
      EXPECT_EQ(l.epoch_cache().epoch_for_offset(b.base_offset), b.epoch) << b;
    }
    const auto latest = l.epoch_cache().latest_entry();
    if (latest) {
      EXPECT_LT(latest->start_offset, l.log_end_offset());
    }
  });
}

TEST(PartitionLogRecovery, ACrashLosesNothingThePageCacheHeld) {
  LogRig r;
  r.append(30);
  const auto before = r.contents();
  r.crash();
  EXPECT_EQ(r.contents(), before);
  r.with_log([](PartitionLog& l) { EXPECT_EQ(l.log_end_offset(), Offset(60)); });
}

TEST(PartitionLogRecovery, PowerLossAfterFlushLosesNothingFlushed) {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    LogRig r(seed, 1.0);
    r.append(25);
    r.flush();
    const auto flushed = r.contents();
    r.append(10);
    r.power_loss();
    const auto after = r.contents();
    EXPECT_TRUE(is_prefix(flushed, after)) << "seed " << seed;
  }
}

TEST(PartitionLogRecovery, PowerLossWithoutFlushKeepsAValidPrefixOfWhatWasAppended) {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    LogRig r(seed, 0.5);
    r.append(40);  // segment rolls flush what lies below each new segment
    const auto appended = r.contents();
    Offset durable;
    r.with_log([&](PartitionLog& l) { durable = l.recovery_point(); });
    r.power_loss();
    const auto after = r.contents();  // read_all checks validity and contiguity
    EXPECT_TRUE(is_prefix(after, appended)) << "seed " << seed;
    r.with_log([&](PartitionLog& l) { EXPECT_GE(l.log_end_offset(), durable) << "seed " << seed; });
  }
}

TEST(PartitionLogRecovery, ATornTailIsCutAndNeverKept) {
  int torn_seen = 0;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    LogRig r(seed, 1.0, LogConfig{});
    r.append(3);
    r.flush();
    r.append(6);
    const auto appended = r.contents();
    r.power_loss();
    const auto left = r.rig.disk().peek(kFirstSegment);
    ASSERT_TRUE(left.has_value());
    if (scan_batches(*left).stopped_by) ++torn_seen;
    const auto after = r.contents();
    EXPECT_TRUE(is_prefix(after, appended)) << "seed " << seed;
    EXPECT_GE(after.size(), 3u);
    // Nothing of the torn batch is left in the file.
    EXPECT_EQ(r.rig.disk().peek(kFirstSegment)->size(), scan_batches(*left).valid_bytes);
  }
  EXPECT_GT(torn_seen, 5) << "the test must actually meet torn batches";
}

TEST(PartitionLogRecovery, ACorruptBatchCutsTheLogThereAndDropsTheSegmentsAfterIt) {
  LogRig r;
  r.append(40);
  r.flush();
  const auto before = r.contents();
  ASSERT_GT(r.rig.disk().list(kDir).size(), 9u);  // several segments
  r.crash();
  // Without a recovery point every segment is validated (a lost checkpoint, say).
  r.rig.run([&](sim::NodeEnv& env) {
    ASSERT_TRUE(env.disk().remove(kDir + "/" + PartitionLog::kRecoveryPointFile).ok());
  });
  std::vector<SegmentInfo> segments;
  r.with_log([&](PartitionLog& l) { segments = l.segments(); });
  r.crash();
  const SegmentInfo second = segments.at(1);
  r.rig.disk().corrupt(kDir + "/" + LogSegment::file_stem(second.base_offset) + ".log", 130, 1);
  const auto after = r.contents();
  ASSERT_FALSE(after.empty());
  EXPECT_TRUE(is_prefix(after, before));
  EXPECT_GT(after.back().last_offset + 1, second.base_offset);
  EXPECT_LT(after.back().last_offset + 1, second.next_offset);
  r.with_log([&](PartitionLog& l) { EXPECT_EQ(l.segments().size(), 2u); });
  EXPECT_FALSE(
      r.rig.disk().exists(kDir + "/" + LogSegment::file_stem(segments.at(2).base_offset) + ".log"));
}

TEST(PartitionLogRecovery, CorruptionInTheTailOfATrustedSegmentIsFoundAndCut) {
  LogRig r;
  r.append(40);
  r.flush();
  std::vector<SegmentInfo> segments;
  r.with_log([&](PartitionLog& l) { segments = l.segments(); });
  r.crash();
  const SegmentInfo first = segments.at(0);
  r.rig.disk().corrupt(kFirstSegment, first.size_bytes - 5, 1);
  const auto after = r.contents();
  EXPECT_LT(after.back().last_offset + 1, first.next_offset);
}

TEST(PartitionLogRecovery, AMissingIndexOfATrustedSegmentIsRebuilt) {
  LogRig r;
  r.append(40);
  r.flush();
  const auto before = r.contents();
  r.crash();
  const std::string index = kDir + "/00000000000000000000.index";
  const auto original = r.rig.disk().peek(index);
  ASSERT_TRUE(original.has_value() && !original->empty());
  r.rig.run([&](sim::NodeEnv& env) { ASSERT_TRUE(env.disk().remove(index).ok()); });
  EXPECT_EQ(r.contents(), before);
  EXPECT_EQ(r.rig.disk().peek(index), original);
}

TEST(PartitionLogRecovery, TheEpochCacheIsTruncatedToTheRecoveredLogEnd) {
  LogRig r(1, 0.0, LogConfig{});  // power loss drops every unsynced write
  r.append(5, LeaderEpoch(1));
  r.flush();
  r.append(5, LeaderEpoch(2));  // (2, 10) is durable in the cache, the data is not
  r.power_loss();
  r.with_log([](PartitionLog& l) {
    EXPECT_EQ(l.log_end_offset(), Offset(10));
    EXPECT_EQ(l.epoch_cache().entries(), (std::vector<EpochEntry>{{LeaderEpoch(1), Offset(0)}}));
  });
  expect_epoch_cache_matches(r);
}

TEST(PartitionLogRecovery, ATruncationSurvivesPowerLoss) {
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    LogRig r(seed, 1.0);
    r.append(20, LeaderEpoch(1));
    r.append(20, LeaderEpoch(2));
    r.flush();
    const auto before = r.contents();
    r.with_log([](PartitionLog& l) { ASSERT_TRUE(l.truncate_to(Offset(31)).ok()); });
    r.power_loss();
    const auto after = r.contents();
    ASSERT_EQ(after.size(), 15u) << "seed " << seed;  // batch [30, 31] went whole
    EXPECT_TRUE(is_prefix(after, before));
    expect_epoch_cache_matches(r);
  }
}

// A power loss at any moment of a truncation leaves the old log or a shorter prefix of it
// down to the truncation point, with an epoch cache that still describes it.
TEST(PartitionLogRecovery, PowerLossAtAnyPointOfATruncationLeavesAPrefixWithAMatchingEpochCache) {
  bool finished = false;
  for (std::uint64_t cut = 0; !finished; ++cut) {
    ASSERT_LT(cut, 200u);
    LogRig r(cut + 1, 1.0);
    r.append(15, LeaderEpoch(1));
    r.append(15, LeaderEpoch(2));
    r.flush();
    const auto before = r.contents();
    finished =
        r.rig.run_for_events([&](sim::NodeEnv&) { (void)r.log->truncate_to(Offset(12)); }, cut);
    r.power_loss();
    const auto after = r.contents();
    EXPECT_TRUE(is_prefix(after, before)) << "cut " << cut;
    EXPECT_GE(after.size(), 6u) << "cut " << cut;
    if (finished) {
      EXPECT_EQ(after.size(), 6u) << "cut " << cut;
    }
    expect_epoch_cache_matches(r);
  }
}

TEST(PartitionLogRecovery, PowerLossAtAnyPointOfAppendingKeepsAPrefixAndEverythingFlushed) {
  bool finished = false;
  for (std::uint64_t cut = 0; !finished; cut += 3) {
    ASSERT_LT(cut, 3000u);
    LogRig r(cut + 1, 1.0);
    r.append(5);
    r.flush();
    const auto flushed = r.contents();
    std::vector<BatchSummary> appended;
    finished = r.rig.run_for_events(
        [&](sim::NodeEnv&) {
          for (int i = 0; i < 25; ++i) {
            ASSERT_TRUE(r.log->append_as_leader(make_batch(1000 + i, 2), LeaderEpoch(i / 10)).ok());
          }
        },
        cut);
    r.power_loss();
    const auto after = r.contents();
    EXPECT_TRUE(is_prefix(flushed, after)) << "cut " << cut;
    for (std::size_t i = flushed.size(); i < after.size(); ++i) {
      EXPECT_EQ(after[i].values.front(),
                fmt::format("r{}", 1000 + i - flushed.size()).append(11, '.'))
          << "cut " << cut;
    }
    expect_epoch_cache_matches(r);
  }
}

TEST(PartitionLogRecovery, AMalformedCheckpointFailsOpenAsCorrupt) {
  NodeRig rig;
  rig.run([&](sim::NodeEnv& env) {
    ASSERT_TRUE(env.disk().create(kDir + "/" + PartitionLog::kRecoveryPointFile).ok());
    ASSERT_TRUE(env.disk()
                    .write(kDir + "/" + PartitionLog::kRecoveryPointFile, 0,
                           sim::Bytes{'0', '\n', '1', '\n', 'x', '\n'})
                    .ok());
    auto log = PartitionLog::open(env, kDir, LogConfig{});
    ASSERT_FALSE(log.ok());
    EXPECT_EQ(log.error(), LogError::kCorrupt);
  });
}

TEST(PartitionLogRecovery, ALogStartPastTheRecoveredEndRestartsTheLogEmptyThere) {
  LogRig r(1, 0.0, LogConfig{});
  r.append(10);
  r.with_log([](PartitionLog& l) { ASSERT_TRUE(l.advance_log_start_offset(Offset(15)).ok()); });
  r.power_loss();  // the log start checkpoint is durable, the data is not
  r.with_log([](PartitionLog& l) {
    EXPECT_EQ(l.log_start_offset(), Offset(15));
    EXPECT_EQ(l.log_end_offset(), Offset(15));
    EXPECT_EQ(l.recovery_point(), Offset(15));
  });
}

}  // namespace
}  // namespace samsa::cluster
