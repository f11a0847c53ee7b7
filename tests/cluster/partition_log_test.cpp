// Tests of PartitionLog's operations on a running node (recovery has its own file).
#include "cluster/log/partition_log.h"

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tests/cluster/log_testing.h"

namespace samsa::cluster {
namespace {

using log_test::BatchSummary;
using log_test::make_batch;
using log_test::NodeRig;
using log_test::open_log;
using log_test::read_all;
using log_test::small_config;
using log_test::summarize;

using Body = std::function<void(PartitionLog&, sim::NodeEnv&)>;

// Opens the log in a fiber of the rig's node and hands it to `body`.
void with_log(NodeRig& rig, const LogConfig& config, const Body& body) {
  rig.run([&](sim::NodeEnv& env) {
    auto log = open_log(env, config);
    body(*log, env);
  });
}

// Appends `count` one-record batches as leader under `epoch`, ids from `first_id`.
void append_records(PartitionLog& log, int count, std::int64_t first_id = 0,
                    LeaderEpoch epoch = LeaderEpoch(0), std::int64_t timestamp_ms = 1000) {
  for (int i = 0; i < count; ++i) {
    auto appended = log.append_as_leader(make_batch(first_id + i, 1, timestamp_ms), epoch);
    ASSERT_TRUE(appended.ok()) << log_error_name(appended.error());
  }
}

// Batches as a leader at `epoch` would have stamped them, from `base`, for a follower.
sim::Bytes leader_batches(Offset base, LeaderEpoch epoch, int batches, int records = 2) {
  sim::Bytes out;
  for (int i = 0; i < batches; ++i) {
    const sim::Bytes b =
        make_batch(base.value() + i * records, records, 1000, 16, base + i * records, epoch);
    out.insert(out.end(), b.begin(), b.end());
  }
  return out;
}

TEST(PartitionLog, OpenCreatesAnEmptyLogAtOffsetZero) {
  NodeRig rig;
  with_log(rig, LogConfig{}, [](PartitionLog& log, sim::NodeEnv&) {
    EXPECT_EQ(log.log_start_offset(), Offset(0));
    EXPECT_EQ(log.log_end_offset(), Offset(0));
    EXPECT_EQ(log.recovery_point(), Offset(0));
    EXPECT_EQ(log.segments(), (std::vector<SegmentInfo>{{Offset(0), Offset(0), 0, -1}}));
  });
  EXPECT_TRUE(rig.disk().exists("logs/t-0/00000000000000000000.log"));
}

TEST(PartitionLog, AppendAsLeaderAssignsOffsetsFromTheLogEndAndStampsTheEpoch) {
  NodeRig rig;
  with_log(rig, LogConfig{}, [](PartitionLog& log, sim::NodeEnv&) {
    auto first = log.append_as_leader(make_batch(0, 3, 1234), LeaderEpoch(2));
    ASSERT_TRUE(first.ok());
    EXPECT_EQ(first.value().first_offset, Offset(0));
    EXPECT_EQ(first.value().last_offset, Offset(2));
    EXPECT_EQ(first.value().record_count, 3);
    EXPECT_EQ(first.value().max_timestamp, 1234);
    auto second = log.append_as_leader(make_batch(3, 2), LeaderEpoch(2));
    EXPECT_EQ(second.value().first_offset, Offset(3));
    EXPECT_EQ(log.log_end_offset(), Offset(5));
    const auto all = read_all(log);
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[1],
              (BatchSummary{
                  Offset(3), Offset(4), LeaderEpoch(2), {"r3..............", "r4.............."}}));
  });
}

TEST(PartitionLog, AppendAsLeaderRecordsEachNewEpochAtTheLogEnd) {
  NodeRig rig;
  with_log(rig, LogConfig{}, [](PartitionLog& log, sim::NodeEnv&) {
    append_records(log, 3, 0, LeaderEpoch(1));
    append_records(log, 2, 3, LeaderEpoch(4));
    append_records(log, 1, 5, LeaderEpoch(4));
    EXPECT_EQ(log.epoch_cache().entries(),
              (std::vector<EpochEntry>{{LeaderEpoch(1), Offset(0)}, {LeaderEpoch(4), Offset(3)}}));
  });
}

TEST(PartitionLog, AppendAsLeaderRejectsBytesThatAreNotExactlyOneNonEmptyBatch) {
  NodeRig rig;
  with_log(rig, LogConfig{}, [](PartitionLog& log, sim::NodeEnv&) {
    sim::Bytes two = make_batch(0, 1);
    const sim::Bytes more = make_batch(1, 1);
    two.insert(two.end(), more.begin(), more.end());
    EXPECT_EQ(log.append_as_leader(two, LeaderEpoch(0)).error(), LogError::kInvalidBatch);
    sim::Bytes torn = make_batch(0, 1);
    torn.pop_back();
    EXPECT_EQ(log.append_as_leader(torn, LeaderEpoch(0)).error(), LogError::kInvalidBatch);
    EXPECT_EQ(log.log_end_offset(), Offset(0));
  });
}

TEST(PartitionLog, AppendAsFollowerKeepsOffsetsAndEpochsAndTeachesTheEpochCache) {
  NodeRig rig;
  with_log(rig, LogConfig{}, [](PartitionLog& log, sim::NodeEnv&) {
    sim::Bytes batches = leader_batches(Offset(0), LeaderEpoch(3), 2);
    const sim::Bytes later = leader_batches(Offset(4), LeaderEpoch(5), 1);
    batches.insert(batches.end(), later.begin(), later.end());
    auto appended = log.append_as_follower(batches);
    ASSERT_TRUE(appended.ok());
    EXPECT_EQ(appended.value().first_offset, Offset(0));
    EXPECT_EQ(appended.value().last_offset, Offset(5));
    EXPECT_EQ(appended.value().record_count, 6);
    EXPECT_EQ(log.log_end_offset(), Offset(6));
    EXPECT_EQ(log.epoch_cache().entries(),
              (std::vector<EpochEntry>{{LeaderEpoch(3), Offset(0)}, {LeaderEpoch(5), Offset(4)}}));
    const auto all = read_all(log);
    EXPECT_EQ(all.back().epoch, LeaderEpoch(5));
    EXPECT_EQ(all.back().base_offset, Offset(4));
  });
}

TEST(PartitionLog, AppendAsFollowerRejectsBatchesThatDoNotContinueTheLogEndAndAppendsNone) {
  NodeRig rig;
  with_log(rig, LogConfig{}, [](PartitionLog& log, sim::NodeEnv&) {
    ASSERT_TRUE(log.append_as_follower(leader_batches(Offset(0), LeaderEpoch(1), 2)).ok());
    EXPECT_EQ(log.append_as_follower(leader_batches(Offset(5), LeaderEpoch(1), 1)).error(),
              LogError::kNonMonotonicOffsets);  // a gap
    EXPECT_EQ(log.append_as_follower(leader_batches(Offset(2), LeaderEpoch(1), 1)).error(),
              LogError::kNonMonotonicOffsets);  // an overlap
    sim::Bytes gap_inside = leader_batches(Offset(4), LeaderEpoch(1), 1);
    const sim::Bytes after_gap = leader_batches(Offset(8), LeaderEpoch(1), 1);
    gap_inside.insert(gap_inside.end(), after_gap.begin(), after_gap.end());
    EXPECT_EQ(log.append_as_follower(gap_inside).error(), LogError::kNonMonotonicOffsets);
    EXPECT_EQ(log.log_end_offset(), Offset(4));
  });
}

TEST(PartitionLog, AppendAsFollowerRejectsACorruptBatchWithoutAppendingTheValidOnesBeforeIt) {
  NodeRig rig;
  with_log(rig, LogConfig{}, [](PartitionLog& log, sim::NodeEnv&) {
    sim::Bytes batches = leader_batches(Offset(0), LeaderEpoch(1), 3);
    batches[batches.size() - 5] ^= 0x40;  // inside the last batch's records
    EXPECT_EQ(log.append_as_follower(batches).error(), LogError::kCorrupt);
    EXPECT_EQ(log.log_end_offset(), Offset(0));
    EXPECT_EQ(log.append_as_follower(leader_batches(Offset(0), kNoLeaderEpoch, 1)).error(),
              LogError::kInvalidBatch);  // no leader stamped it
    auto empty = log.append_as_follower({});
    ASSERT_TRUE(empty.ok());
    EXPECT_EQ(empty.value().record_count, 0);
  });
}

TEST(PartitionLog, ReadOutsideLogStartAndLogEndIsOffsetOutOfRangeAndAtTheLogEndIsEmpty) {
  NodeRig rig;
  with_log(rig, LogConfig{}, [](PartitionLog& log, sim::NodeEnv&) {
    append_records(log, 10);
    ASSERT_TRUE(log.advance_log_start_offset(Offset(3)).ok());
    EXPECT_EQ(log.read(Offset(2), 1000, Offset(10)).error(), LogError::kOffsetOutOfRange);
    EXPECT_EQ(log.read(Offset(11), 1000, Offset(20)).error(), LogError::kOffsetOutOfRange);
    auto at_end = log.read(Offset(10), 1000, Offset(20));
    ASSERT_TRUE(at_end.ok());
    EXPECT_TRUE(at_end.value().batches.empty());
    EXPECT_EQ(at_end.value().log_start_offset, Offset(3));
    EXPECT_EQ(at_end.value().log_end_offset, Offset(10));
  });
}

TEST(PartitionLog, ReadRespectsMaxOffsetAndMaxBytesButReturnsAtLeastOneWholeBatch) {
  NodeRig rig;
  with_log(rig, small_config(), [](PartitionLog& log, sim::NodeEnv&) {
    for (int i = 0; i < 10; ++i) {
      ASSERT_TRUE(log.append_as_leader(make_batch(i * 3, 3), LeaderEpoch(0)).ok());
    }
    // Below max_offset 7 only batches [0,2] and [3,5] fit wholly.
    const auto upto7 = summarize(log.read(Offset(1), 100000, Offset(7)).value().batches);
    ASSERT_EQ(upto7.size(), 2u);
    EXPECT_EQ(upto7.front().base_offset, Offset(0));
    EXPECT_EQ(upto7.back().last_offset, Offset(5));
    // max_bytes 1: still the one batch holding the offset.
    const auto one = summarize(log.read(Offset(4), 1, Offset(30)).value().batches);
    ASSERT_EQ(one.size(), 1u);
    EXPECT_EQ(one.front().base_offset, Offset(3));
    // Every offset reads back through the indexes and across segment boundaries.
    EXPECT_GT(log.segments().size(), 1u);
    EXPECT_EQ(read_all(log, 1).size(), 10u);
  });
}

TEST(PartitionLog, SegmentsRollBySizeAndStayContiguous) {
  NodeRig rig;
  with_log(rig, small_config(), [](PartitionLog& log, sim::NodeEnv&) {
    append_records(log, 40);
    const auto segments = log.segments();
    ASSERT_GT(segments.size(), 2u);
    for (std::size_t i = 0; i < segments.size(); ++i) {
      EXPECT_LE(segments[i].size_bytes, 1024u);
      if (i > 0) {
        EXPECT_EQ(segments[i].base_offset, segments[i - 1].next_offset);
      }
    }
    EXPECT_EQ(segments.back().next_offset, Offset(40));
    // A roll flushes everything below the new segment (Kafka's roll-time flush).
    EXPECT_EQ(log.recovery_point(), segments.back().base_offset);
  });
}

TEST(PartitionLog, SegmentsRollWhenABatchIsMoreThanSegmentMsNewerThanTheFirst) {
  NodeRig rig;
  LogConfig config;
  config.segment_ms = 60'000;
  with_log(rig, config, [](PartitionLog& log, sim::NodeEnv&) {
    append_records(log, 3, 0, LeaderEpoch(0), 1'000'000);
    append_records(log, 1, 3, LeaderEpoch(0), 1'060'000);  // exactly segment_ms: no roll
    EXPECT_EQ(log.segments().size(), 1u);
    append_records(log, 1, 4, LeaderEpoch(0), 1'060'001);
    ASSERT_EQ(log.segments().size(), 2u);
    EXPECT_EQ(log.segments().back().base_offset, Offset(4));
    EXPECT_EQ(log.segments().front().largest_timestamp_ms, 1'060'000);
  });
}

TEST(PartitionLog, SegmentsRollWhenAnIndexIsFull) {
  NodeRig rig;
  LogConfig config;
  config.index_interval_bytes = 0;  // an index entry for every batch after the first
  config.segment_index_bytes = 4 * 12;
  with_log(rig, config, [](PartitionLog& log, sim::NodeEnv&) {
    append_records(log, 12, 0, LeaderEpoch(0), 0);
    for (int i = 0; i < 12; ++i) append_records(log, 1, 100 + i, LeaderEpoch(0), 10 + i);
    EXPECT_GT(log.segments().size(), 2u);
    EXPECT_EQ(read_all(log).size(), 24u);
  });
}

TEST(PartitionLog, TruncateToDropsLaterBatchesSegmentsAndEpochs) {
  NodeRig rig;
  with_log(rig, small_config(), [](PartitionLog& log, sim::NodeEnv&) {
    append_records(log, 20, 0, LeaderEpoch(1));
    append_records(log, 20, 20, LeaderEpoch(2));
    ASSERT_TRUE(log.flush().ok());
    ASSERT_TRUE(log.checkpoint_high_watermark(Offset(35)).ok());
    ASSERT_TRUE(log.truncate_to(Offset(15)).ok());
    EXPECT_EQ(log.log_end_offset(), Offset(15));
    EXPECT_EQ(log.recovery_point(), Offset(15));
    EXPECT_EQ(log.checkpointed_high_watermark(), Offset(15));
    EXPECT_EQ(log.epoch_cache().entries(), (std::vector<EpochEntry>{{LeaderEpoch(1), Offset(0)}}));
    EXPECT_EQ(log.segments().back().next_offset, Offset(15));
    EXPECT_EQ(read_all(log).size(), 15u);
    // The log continues from the truncation point.
    append_records(log, 1, 100, LeaderEpoch(3));
    EXPECT_EQ(read_all(log).back().base_offset, Offset(15));
    EXPECT_TRUE(log.truncate_to(Offset(100)).ok());  // at or past the LEO: nothing
    EXPECT_EQ(log.log_end_offset(), Offset(16));
  });
}

TEST(PartitionLog, TruncateToInsideABatchDropsTheWholeBatch) {
  NodeRig rig;
  with_log(rig, LogConfig{}, [](PartitionLog& log, sim::NodeEnv&) {
    ASSERT_TRUE(log.append_as_leader(make_batch(0, 5), LeaderEpoch(0)).ok());
    ASSERT_TRUE(log.append_as_leader(make_batch(5, 5), LeaderEpoch(0)).ok());
    ASSERT_TRUE(log.truncate_to(Offset(7)).ok());
    EXPECT_EQ(log.log_end_offset(), Offset(5));
  });
}

TEST(PartitionLog, TruncateInsideTheBatchHoldingTheLogStartRestartsTheLogEmptyAtTheOffset) {
  NodeRig rig;
  with_log(rig, LogConfig{}, [](PartitionLog& log, sim::NodeEnv&) {
    ASSERT_TRUE(log.append_as_leader(make_batch(0, 5), LeaderEpoch(0)).ok());
    ASSERT_TRUE(log.append_as_leader(make_batch(5, 5), LeaderEpoch(0)).ok());
    ASSERT_TRUE(log.advance_log_start_offset(Offset(6)).ok());  // inside batch [5, 9]
    ASSERT_TRUE(log.truncate_to(Offset(8)).ok());
    EXPECT_EQ(log.log_start_offset(), Offset(8));
    EXPECT_EQ(log.log_end_offset(), Offset(8));
  });
}

TEST(PartitionLog, TruncateBelowTheLogStartStartsEmptyAtTheOffset) {
  NodeRig rig;
  with_log(rig, small_config(), [](PartitionLog& log, sim::NodeEnv&) {
    append_records(log, 30, 0, LeaderEpoch(1));
    ASSERT_TRUE(log.advance_log_start_offset(Offset(20)).ok());
    ASSERT_TRUE(log.truncate_to(Offset(10)).ok());
    EXPECT_EQ(log.log_start_offset(), Offset(10));
    EXPECT_EQ(log.log_end_offset(), Offset(10));
    EXPECT_EQ(log.segments(), (std::vector<SegmentInfo>{{Offset(10), Offset(10), 0, -1}}));
    EXPECT_TRUE(log.epoch_cache().entries().empty());
    ASSERT_TRUE(log.truncate_fully_and_start_at(Offset(50)).ok());
    append_records(log, 2, 0, LeaderEpoch(2));
    EXPECT_EQ(read_all(log).front().base_offset, Offset(50));
  });
}

TEST(PartitionLog, FlushMakesEverythingDurableAndAdvancesTheRecoveryPoint) {
  NodeRig rig;
  with_log(rig, small_config(), [&](PartitionLog& log, sim::NodeEnv&) {
    append_records(log, 5);
    EXPECT_EQ(log.recovery_point(), Offset(0));
    ASSERT_TRUE(log.flush().ok());
    EXPECT_EQ(log.recovery_point(), Offset(5));
    for (const std::string& name : rig.disk().list("logs/t-0")) {
      EXPECT_EQ(rig.disk().unsynced_ops("logs/t-0/" + name), 0u) << name;
    }
  });
}

TEST(PartitionLog, FlushMessagesFlushesOnceThatManyMessagesAreUnflushed) {
  NodeRig rig;
  LogConfig config;
  config.flush_messages = 3;
  with_log(rig, config, [](PartitionLog& log, sim::NodeEnv&) {
    append_records(log, 2);
    EXPECT_EQ(log.recovery_point(), Offset(0));
    append_records(log, 1);
    EXPECT_EQ(log.recovery_point(), Offset(3));
    append_records(log, 2);
    EXPECT_EQ(log.recovery_point(), Offset(3));
  });
}

TEST(PartitionLog, FlushMsFlushesOnTheFirstAppendAfterTheInterval) {
  NodeRig rig;
  LogConfig config;
  config.flush_ms = 1000;
  with_log(rig, config, [](PartitionLog& log, sim::NodeEnv& env) {
    append_records(log, 2);
    EXPECT_EQ(log.recovery_point(), Offset(0));
    env.sleep_for(std::chrono::milliseconds(1500));
    EXPECT_EQ(log.recovery_point(), Offset(0));  // checked on append only
    append_records(log, 1);
    EXPECT_EQ(log.recovery_point(), Offset(3));
  });
}

TEST(PartitionLog, TheDefaultPolicyNeverFlushesOnAppend) {
  NodeRig rig;
  with_log(rig, LogConfig{}, [](PartitionLog& log, sim::NodeEnv& env) {
    for (int i = 0; i < 20; ++i) {
      append_records(log, 1, i);
      env.sleep_for(std::chrono::hours(1));
    }
    EXPECT_EQ(log.recovery_point(), Offset(0));
  });
}

TEST(PartitionLog, AdvanceLogStartOffsetOnlyMovesForwardAndTrimsTheEpochCache) {
  NodeRig rig;
  with_log(rig, LogConfig{}, [](PartitionLog& log, sim::NodeEnv&) {
    append_records(log, 5, 0, LeaderEpoch(1));
    append_records(log, 5, 5, LeaderEpoch(2));
    ASSERT_TRUE(log.advance_log_start_offset(Offset(7)).ok());
    ASSERT_TRUE(log.advance_log_start_offset(Offset(4)).ok());  // backwards: ignored
    EXPECT_EQ(log.log_start_offset(), Offset(7));
    EXPECT_EQ(log.epoch_cache().entries(), (std::vector<EpochEntry>{{LeaderEpoch(2), Offset(7)}}));
    EXPECT_EQ(log.advance_log_start_offset(Offset(11)).error(), LogError::kOffsetOutOfRange);
  });
  with_log(rig, LogConfig{}, [](PartitionLog& log, sim::NodeEnv&) {
    EXPECT_EQ(log.log_start_offset(), Offset(7));  // persisted
  });
}

TEST(PartitionLog, OffsetForTimestampIsTheFirstOffsetWithATimestampAtOrAfterIt) {
  NodeRig rig;
  with_log(rig, small_config(), [](PartitionLog& log, sim::NodeEnv&) {
    for (int i = 0; i < 30; ++i) append_records(log, 1, i, LeaderEpoch(0), 1000 + 10 * i);
    EXPECT_GT(log.segments().size(), 2u);
    EXPECT_EQ(log.offset_for_timestamp(0).value(), Offset(0));
    EXPECT_EQ(log.offset_for_timestamp(1105).value(), Offset(11));
    EXPECT_EQ(log.offset_for_timestamp(1290).value(), Offset(29));
    EXPECT_EQ(log.offset_for_timestamp(1291).value(), std::nullopt);
    ASSERT_TRUE(log.advance_log_start_offset(Offset(15)).ok());
    EXPECT_EQ(log.offset_for_timestamp(0).value(), Offset(15));
  });
}

TEST(PartitionLog, TheHighWatermarkCheckpointSurvivesReopening) {
  NodeRig rig;
  with_log(rig, LogConfig{}, [](PartitionLog& log, sim::NodeEnv&) {
    append_records(log, 5);
    ASSERT_TRUE(log.checkpoint_high_watermark(Offset(4)).ok());
    EXPECT_EQ(log.checkpointed_high_watermark(), Offset(4));
  });
  with_log(rig, LogConfig{}, [](PartitionLog& log, sim::NodeEnv&) {
    EXPECT_EQ(log.checkpointed_high_watermark(), Offset(4));
  });
}

TEST(PartitionLog, AnIoErrorTakesTheLogOfflineUntilReopened) {
  NodeRig rig;
  with_log(rig, LogConfig{}, [&](PartitionLog& log, sim::NodeEnv&) {
    append_records(log, 3);
    rig.disk().set_error_probability(1.0);
    EXPECT_EQ(log.append_as_leader(make_batch(3, 1), LeaderEpoch(0)).error(), LogError::kIo);
    rig.disk().set_error_probability(0.0);
    EXPECT_TRUE(log.offline());
    EXPECT_EQ(log.append_as_leader(make_batch(3, 1), LeaderEpoch(0)).error(), LogError::kIo);
    EXPECT_EQ(log.read(Offset(0), 100, Offset(3)).error(), LogError::kIo);
  });
  with_log(rig, LogConfig{}, [](PartitionLog& log, sim::NodeEnv&) {
    EXPECT_FALSE(log.offline());
    EXPECT_EQ(log.log_end_offset(), Offset(3));
  });
}

TEST(PartitionLog, ReadOfALatentlyCorruptedBatchIsCorruptNeverGarbage) {
  NodeRig rig;
  with_log(rig, LogConfig{}, [&](PartitionLog& log, sim::NodeEnv&) {
    append_records(log, 3);
    rig.disk().corrupt("logs/t-0/00000000000000000000.log", 100, 4);
    EXPECT_EQ(log.read(Offset(0), 100000, Offset(3)).error(), LogError::kCorrupt);
    EXPECT_FALSE(log.offline());
  });
}

}  // namespace
}  // namespace samsa::cluster
