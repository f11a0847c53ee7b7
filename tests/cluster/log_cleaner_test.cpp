// Tests of the log cleaner (log_cleaner.h, offset_map.h): the offset map, the bounds of the
// cleanable section, what a pass keeps, tombstones and their delete horizon, empty batches,
// the checkpoint, followers copying cleaned batches, crash safety of the swap, and the bug
// switches.
#include "cluster/log/log_cleaner.h"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cluster/log/offset_map.h"
#include "cluster/log/partition_log.h"
#include "tests/cluster/log_testing.h"

namespace samsa::cluster {
namespace {

using log_test::bytes_text;
using log_test::check_cleaned;
using log_test::keyed_batch;
using log_test::KeyedRecord;
using log_test::LogRig;
using log_test::read_records;

Bytes b(const std::string& text) {
  return Bytes(text.begin(), text.end());
}

// --- OffsetMap ------------------------------------------------------------------------

TEST(OffsetMap, KeepsTheLatestOffsetOfEachKey) {
  OffsetMap map(10);
  ASSERT_TRUE(map.put(b("a"), Offset(1)));
  ASSERT_TRUE(map.put(b("b"), Offset(2)));
  ASSERT_TRUE(map.put(b("a"), Offset(5)));
  EXPECT_EQ(map.get(b("a")), Offset(5));
  EXPECT_EQ(map.get(b("b")), Offset(2));
  EXPECT_EQ(map.get(b("c")), std::nullopt);
  EXPECT_EQ(map.size(), 2u);
  EXPECT_EQ(map.latest_offset(), Offset(5));
}

TEST(OffsetMap, AFullMapRefusesANewKeyButStillUpdatesAKnownOne) {
  OffsetMap map(2);
  ASSERT_TRUE(map.put(b("a"), Offset(1)));
  ASSERT_TRUE(map.put(b("b"), Offset(2)));
  EXPECT_TRUE(map.full());
  EXPECT_FALSE(map.fits(b("c")));
  EXPECT_FALSE(map.put(b("c"), Offset(3)));
  EXPECT_EQ(map.get(b("c")), std::nullopt);
  EXPECT_TRUE(map.put(b("a"), Offset(4)));
  EXPECT_EQ(map.get(b("a")), Offset(4));
}

TEST(OffsetMap, TheKeepFirstBugKeepsTheFirstOffset) {
  OffsetMap map(10, /*keep_first=*/true);
  ASSERT_TRUE(map.put(b("a"), Offset(1)));
  ASSERT_TRUE(map.put(b("a"), Offset(5)));
  EXPECT_EQ(map.get(b("a")), Offset(1));
}

// --- The delete horizon in the batch (KIP-534) -----------------------------------------

TEST(FilterBatchWithDeleteHorizon, SetsTheFlagAndBaseTimestampAndKeepsEveryRecordAsItWas) {
  std::vector<RecordInput> inputs = {
      {1000, b("a"), b("1")}, {900, b("b"), std::nullopt}, {1200, std::nullopt, b("x")}};
  const Bytes original = encode_batch(inputs, BatchProducer{}, Offset(40), LeaderEpoch(3));
  auto view = BatchView::parse(original);
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(view.value().delete_horizon_ms(), std::nullopt);
  std::size_t index = 0;
  const Bytes filtered = filter_batch_with_delete_horizon(
      view.value(), [&](const Record&) { return index++ != 0; }, 86'401'000);
  auto cleaned = BatchView::parse(filtered);
  ASSERT_TRUE(cleaned.ok());  // the CRC was recomputed
  EXPECT_EQ(cleaned.value().delete_horizon_ms(), 86'401'000);
  EXPECT_EQ(cleaned.value().base_timestamp(), 86'401'000);
  EXPECT_EQ(cleaned.value().base_offset(), Offset(40));
  EXPECT_EQ(cleaned.value().last_offset(), Offset(42));
  EXPECT_EQ(cleaned.value().leader_epoch(), LeaderEpoch(3));
  EXPECT_EQ(cleaned.value().record_count(), 2);
  EXPECT_EQ(cleaned.value().max_timestamp(), 1200);
  const auto all = view.value().records();
  EXPECT_EQ(cleaned.value().records(), (std::vector<Record>{all[1], all[2]}));
}

// --- Passes on a simulated disk ---------------------------------------------------------

LogConfig compact_config() {
  LogConfig config = log_test::small_config();
  config.segment_bytes = 300;
  config.cleanup_policy = CleanupPolicy::kCompact;
  config.min_cleanable_dirty_ratio = 0.0;
  config.delete_retention_ms = 5000;
  config.retention_ms = -1;
  return config;
}

// A rig with a compacted log: appends single-record batches of keys k0..k(keys-1).
struct CleanerRig {
  explicit CleanerRig(LogConfig config = compact_config(), std::uint64_t seed = 1,
                      double torn = 0.5)
      : r(seed, torn, config) {}

  void append(const std::vector<KeyedRecord>& records, std::int64_t ts_ms = 1000) {
    r.with_log([&](PartitionLog& l) {
      ASSERT_TRUE(l.append_as_leader(keyed_batch(records, ts_ms), LeaderEpoch(0)).ok());
    });
  }
  // `count` batches cycling over `keys` keys, values "v<n>".
  void append_cycle(int count, int keys, std::int64_t ts_ms = 1000) {
    for (int i = 0; i < count; ++i, ++next_value) {
      append({{fmt::format("k{}", next_value % keys), fmt::format("v{}", next_value)}}, ts_ms);
    }
  }
  std::vector<Record> records() {
    std::vector<Record> out;
    r.with_log([&](PartitionLog& l) { out = read_records(l); });
    return out;
  }
  std::optional<CleanPass> clean(std::optional<Offset> hw = std::nullopt,
                                 std::int64_t now_ms = 10'000, const Bugs* bugs = nullptr,
                                 std::size_t max_keys = 100'000) {
    std::optional<CleanPass> pass;
    r.with_log([&](PartitionLog& l) {
      CleanerOptions options;
      options.bugs = bugs;
      options.dedupe_max_keys = max_keys;
      auto result = l.clean(hw.value_or(l.log_end_offset()), now_ms, options);
      ASSERT_TRUE(result.ok());
      pass = result.value();
    });
    return pass;
  }
  std::vector<SegmentInfo> segments() {
    std::vector<SegmentInfo> out;
    r.with_log([&](PartitionLog& l) { out = l.segments(); });
    return out;
  }

  LogRig r;
  int next_value = 0;
};

// The latest record of each key among `records` below `end`.
std::map<std::string, Record> latest_by_key(const std::vector<Record>& records, Offset end) {
  std::map<std::string, Record> out;
  for (const Record& r : records) {
    if (r.key && r.offset < end) out[*bytes_text(r.key)] = r;
  }
  return out;
}

TEST(LogCleaner, KeepsTheLatestValueOfEachKeyWithOffsetsAndOrderUnchanged) {
  CleanerRig c;
  c.append_cycle(30, 4);
  const auto before = c.records();
  const auto pass = c.clean();
  ASSERT_TRUE(pass);
  const auto after = c.records();
  EXPECT_EQ(check_cleaned(before, after, pass->end_offset), "");
  // Below the end exactly the latest of each key is left.
  const auto latest = latest_by_key(before, pass->end_offset);
  std::size_t below_end = 0;
  for (const Record& r : after) {
    if (r.offset >= pass->end_offset) continue;
    ++below_end;
    EXPECT_EQ(latest.at(*bytes_text(r.key)), r);
  }
  EXPECT_EQ(below_end, latest.size());
  EXPECT_LT(pass->bytes_after, pass->bytes_before);
  // The pass reports every record below its end, as it was, and what became of it.
  ASSERT_EQ(pass->records.size(), static_cast<std::size_t>(pass->end_offset.value()));
  for (std::size_t i = 0; i < pass->records.size(); ++i) {
    const CleanedRecord& cr = pass->records[i];
    EXPECT_EQ(cr.offset, before[i].offset);
    EXPECT_EQ(cr.value, before[i].value);
    EXPECT_EQ(cr.kept, latest.at(*bytes_text(cr.key)).offset == cr.offset);
  }
  EXPECT_EQ(pass->trigger, CleanTrigger::kDirtyRatio);
  EXPECT_EQ(pass->first_dirty_offset, Offset(0));
}

TEST(LogCleaner, TheCleanableSectionEndsAtTheActiveSegment) {
  CleanerRig c;
  c.append_cycle(30, 4);
  const auto segments = c.segments();
  const auto before = c.records();
  const auto pass = c.clean();
  ASSERT_TRUE(pass);
  EXPECT_EQ(pass->end_offset, segments.back().base_offset);
  EXPECT_EQ(pass->active_segment_base, segments.back().base_offset);
  EXPECT_EQ(check_cleaned(before, c.records(), pass->end_offset), "");
}

TEST(LogCleaner, TheCleanableSectionEndsAtTheHighWatermarkRoundedDownToASegment) {
  CleanerRig c;
  c.append_cycle(30, 4);
  const auto segments = c.segments();
  ASSERT_GT(segments.size(), 4u);
  const Offset hw = segments[2].base_offset + 1;
  const auto before = c.records();
  const auto pass = c.clean(hw);
  ASSERT_TRUE(pass);
  EXPECT_EQ(pass->end_offset, segments[2].base_offset);
  EXPECT_EQ(pass->high_watermark, hw);
  EXPECT_EQ(check_cleaned(before, c.records(), pass->end_offset), "");
  c.r.with_log(
      [&](PartitionLog& l) { EXPECT_EQ(l.cleaner_checkpoint(), segments[2].base_offset); });
}

TEST(LogCleaner, PastHighWatermarkBugCompactsUncommittedRecords) {
  CleanerRig c;
  c.append_cycle(30, 4);
  const auto segments = c.segments();
  Bugs bugs;
  bugs.enable(Bug::kCleanerPastHighWatermark);
  const auto pass = c.clean(Offset(1), 10'000, &bugs);
  ASSERT_TRUE(pass);
  EXPECT_EQ(pass->end_offset, segments.back().base_offset);
  EXPECT_GT(pass->end_offset, pass->high_watermark);  // the wrong result the bug names
}

TEST(LogCleaner, WithoutTheBugNothingIsCleanedBelowAHighWatermarkInsideTheFirstSegment) {
  CleanerRig correct;
  correct.append_cycle(30, 4);
  EXPECT_FALSE(correct.clean(Offset(1), 10'000));  // no segment boundary in (0, 1]
}

TEST(LogCleaner, MinCompactionLagHoldsBackSegmentsWithYoungRecords) {
  LogConfig config = compact_config();
  config.min_compaction_lag_ms = 20'000;
  CleanerRig c(config);
  c.append_cycle(12, 4, 1000);
  c.append_cycle(18, 4, 50'000);
  const auto segments = c.segments();
  Offset first_young;
  for (const SegmentInfo& s : segments) {
    if (s.largest_timestamp_ms > 60'000 - 20'000) {
      first_young = s.base_offset;
      break;
    }
  }
  const auto before = c.records();
  const auto pass = c.clean(std::nullopt, 60'000);
  ASSERT_TRUE(pass);
  EXPECT_EQ(pass->end_offset, first_young);
  EXPECT_LT(pass->end_offset, segments.back().base_offset);
  EXPECT_EQ(check_cleaned(before, c.records(), pass->end_offset), "");
}

TEST(LogCleaner, ALogBelowItsMinCleanableDirtyRatioIsNotCleanedUntilMaxCompactionLag) {
  LogConfig config = compact_config();
  config.min_cleanable_dirty_ratio = 0.9;
  CleanerRig c(config);
  c.append_cycle(30, 4, 1000);
  ASSERT_TRUE(c.clean());  // nothing cleaned yet: ratio 1
  c.append_cycle(6, 4, 2000);
  EXPECT_FALSE(c.clean(std::nullopt, 10'000));
  c.r.config.max_compaction_lag_ms = 5000;
  c.r.crash();  // reopen with the new config
  const auto pass = c.clean(std::nullopt, 10'000);
  ASSERT_TRUE(pass);
  EXPECT_EQ(pass->trigger, CleanTrigger::kMaxCompactionLag);
  EXPECT_LT(pass->dirty_ratio, 0.9);
  // The formerly active segment is the oldest dirty one; its first batch was written at 1000.
  EXPECT_EQ(pass->oldest_dirty_timestamp_ms, 1000);
}

TEST(LogCleaner, APolicyThatDoesNotCompactNeverCleans) {
  LogConfig config = compact_config();
  config.cleanup_policy = CleanupPolicy::kDelete;
  CleanerRig c(config);
  c.append_cycle(30, 4);
  EXPECT_FALSE(c.clean());
}

TEST(LogCleaner, ATombstoneIsKeptUntilItsDeleteHorizonThenDropped) {
  CleanerRig c;
  c.append({{"a", "1"}});
  c.append({{"b", "2"}});
  c.append({{"a", std::nullopt}});  // offset 2: deletes a
  c.append_cycle(30, 3);            // keys k0..k2: fill segments
  const auto first = c.clean(std::nullopt, 10'000);
  ASSERT_TRUE(first);
  ASSERT_GE(first->records.size(), 3u);
  EXPECT_FALSE(first->records[0].kept);
  EXPECT_TRUE(first->records[2].kept);
  EXPECT_EQ(first->records[2].delete_horizon_ms, 15'000);
  auto records = c.records();
  ASSERT_TRUE(std::any_of(records.begin(), records.end(),
                          [](const Record& r) { return r.offset == Offset(2) && r.tombstone(); }));
  // The horizon is in the batch: it survives a crash, and record timestamps are unchanged.
  c.r.power_loss();
  EXPECT_FALSE(c.clean(std::nullopt, 14'999));
  const auto second = c.clean(std::nullopt, 15'000);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->trigger, CleanTrigger::kDeleteHorizon);
  records = c.records();
  EXPECT_TRUE(std::none_of(records.begin(), records.end(), [](const Record& r) {
    return r.offset <= Offset(2) && r.key == b("a");
  }));
  for (const Record& r : records) EXPECT_EQ(r.timestamp_ms, 1000);
  bool tombstone_reported = false;
  for (const CleanedRecord& cr : second->records) {
    if (cr.offset == Offset(2)) {
      tombstone_reported = true;
      EXPECT_FALSE(cr.kept);
      EXPECT_EQ(cr.delete_horizon_ms, 15'000);
    }
  }
  EXPECT_TRUE(tombstone_reported);
  EXPECT_FALSE(c.clean(std::nullopt, 20'000));
}

TEST(LogCleaner, EarlyTombstoneRemovalBugDropsATombstoneBeforeDeleteRetentionPassed) {
  Bugs bugs;
  bugs.enable(Bug::kEarlyTombstoneRemoval);
  for (const Bugs* which : {static_cast<const Bugs*>(nullptr), static_cast<const Bugs*>(&bugs)}) {
    CleanerRig c;
    c.append({{"a", "1"}});
    c.append({{"a", std::nullopt}}, 1000);  // written at 1000; retention 5000
    c.append_cycle(30, 3);
    const auto pass = c.clean(std::nullopt, 10'000, which);
    ASSERT_TRUE(pass);
    const auto records = c.records();
    const bool kept = std::any_of(records.begin(), records.end(),
                                  [](const Record& r) { return r.offset == Offset(1); });
    // Readers got no delete.retention.ms after the cleaner first passed it.
    EXPECT_EQ(kept, which == nullptr);
  }
}

TEST(LogCleaner, KeepsFirstValueBugRemovesTheLatestValueOfAKey) {
  Bugs bugs;
  bugs.enable(Bug::kCleanerKeepsFirstValue);
  for (const Bugs* which : {static_cast<const Bugs*>(nullptr), static_cast<const Bugs*>(&bugs)}) {
    CleanerRig c;
    c.append({{"a", "old"}});
    c.append({{"a", "new"}});
    c.append_cycle(30, 3);
    const auto before = c.records();
    const auto pass = c.clean(std::nullopt, 10'000, which);
    ASSERT_TRUE(pass);
    const auto after = c.records();
    EXPECT_EQ(check_cleaned(before, after, pass->end_offset).empty(), which == nullptr);
    const bool has_new = std::any_of(after.begin(), after.end(),
                                     [](const Record& r) { return r.value == b("new"); });
    EXPECT_EQ(has_new, which == nullptr);
  }
}

TEST(LogCleaner, KeylessRecordsAreKept) {
  CleanerRig c;
  c.append({{std::nullopt, "x"}, {"a", "1"}});
  c.append({{std::nullopt, "y"}, {"a", "2"}});
  c.append_cycle(30, 3);
  const auto pass = c.clean();
  ASSERT_TRUE(pass);
  const auto records = c.records();
  for (const char* value : {"x", "y"}) {
    EXPECT_TRUE(std::any_of(records.begin(), records.end(), [&](const Record& r) {
      return !r.key && r.value == b(value);
    })) << value;
  }
}

TEST(LogCleaner, ABatchWhoseRecordsAllGoStaysAsAnEmptyBatchThatReadersAccept) {
  CleanerRig c;
  c.append({{"a", "1"}, {"b", "1"}}, 500);  // offsets 0-1: both superseded
  c.append({{"a", "2"}, {"c", "1"}}, 600);  // offset 2 superseded: a gap inside the batch
  c.append({{"a", "3"}, {"b", "2"}}, 700);
  c.append_cycle(30, 3);
  ASSERT_TRUE(c.clean());
  c.r.with_log([&](PartitionLog& l) {
    auto read = l.read(Offset(0), 1 << 20, l.log_end_offset());
    ASSERT_TRUE(read.ok());
    const ScanResult scan = scan_batches(read.value().batches);
    ASSERT_FALSE(scan.stopped_by);
    ASSERT_GE(scan.batches.size(), 2u);
    EXPECT_EQ(scan.batches[0].base_offset(), Offset(0));
    EXPECT_EQ(scan.batches[0].last_offset(), Offset(1));
    EXPECT_EQ(scan.batches[0].record_count(), 0);
    EXPECT_TRUE(scan.batches[0].records().empty());
    ASSERT_EQ(scan.batches[1].records().size(), 1u);
    EXPECT_EQ(scan.batches[1].records()[0].offset, Offset(3));
    // A read from inside the empty batch returns it; ListOffsets skips it.
    auto inside = l.read(Offset(1), 1, l.log_end_offset());
    ASSERT_TRUE(inside.ok());
    EXPECT_EQ(scan_batches(inside.value().batches).batches.front().base_offset(), Offset(0));
    auto by_time = l.offset_for_timestamp(500);
    ASSERT_TRUE(by_time.ok());
    EXPECT_EQ(by_time.value(), Offset(3));
  });
  c.r.flush();
  const auto cleaned = c.records();
  c.r.power_loss();  // recovery reads the empty batches back
  EXPECT_EQ(c.records(), cleaned);
  c.r.with_log([&](PartitionLog& l) {
    // Appends continue after the cleaned log.
    ASSERT_TRUE(l.append_as_leader(keyed_batch({{"z", "1"}}), LeaderEpoch(0)).ok());
  });
}

TEST(LogCleaner, TheCheckpointSurvivesCrashAndPowerLoss) {
  CleanerRig c;
  c.append_cycle(30, 4);
  const auto pass = c.clean();
  ASSERT_TRUE(pass);
  c.r.crash();
  c.r.with_log([&](PartitionLog& l) { EXPECT_EQ(l.cleaner_checkpoint(), pass->end_offset); });
  c.r.power_loss();
  c.r.with_log([&](PartitionLog& l) { EXPECT_EQ(l.cleaner_checkpoint(), pass->end_offset); });
  EXPECT_TRUE(
      c.r.rig.disk().exists("logs/t-0/" + std::string(PartitionLog::kCleanerCheckpointFile)));
  // Nothing new is dirty: the next pass finds nothing to do.
  EXPECT_FALSE(c.clean());
}

TEST(LogCleaner, ATruncationBelowTheCheckpointMakesWhatFollowsDirtyAgain) {
  CleanerRig c;
  c.append_cycle(30, 4);
  const auto pass = c.clean();
  ASSERT_TRUE(pass);
  c.r.with_log([&](PartitionLog& l) {
    ASSERT_TRUE(l.truncate_to(Offset(3)).ok());
    EXPECT_LE(l.cleaner_checkpoint(), l.log_end_offset());
  });
  c.r.power_loss();
  c.r.with_log([&](PartitionLog& l) { EXPECT_LE(l.cleaner_checkpoint(), Offset(3)); });
}

TEST(LogCleaner, UnderCompactDeleteRetentionAndTheCleanerShareTheLog) {
  LogConfig config = compact_config();
  config.cleanup_policy = CleanupPolicy::kCompactDelete;
  config.retention_ms = 50'000;
  CleanerRig c(config);
  c.append_cycle(20, 4, 1000);    // old: retention deletes these segments
  c.append_cycle(20, 4, 90'000);  // young
  ASSERT_TRUE(c.clean(std::nullopt, 100'000));
  Offset log_start;
  c.r.with_log([&](PartitionLog& l) {
    auto pass = l.delete_old_segments(l.log_end_offset(), 100'000, Bugs{});
    ASSERT_TRUE(pass.ok());
    EXPECT_FALSE(pass.value().deleted.empty());
    log_start = l.log_start_offset();
    EXPECT_GE(l.cleaner_checkpoint(), log_start);
  });
  EXPECT_GT(log_start, Offset(0));
  c.append_cycle(10, 4, 95'000);
  const auto before = c.records();
  const auto pass = c.clean(std::nullopt, 100'000);
  ASSERT_TRUE(pass);
  EXPECT_GE(pass->first_dirty_offset, log_start);
  EXPECT_EQ(pass->log_start_offset, log_start);
  ASSERT_FALSE(pass->records.empty());
  EXPECT_GE(pass->records.front().offset, log_start);
  EXPECT_EQ(check_cleaned(before, c.records(), pass->end_offset), "");
}

TEST(LogCleaner, MergesSmallCleanedSegmentsWithinSegmentBytes) {
  CleanerRig c;
  for (int i = 0; i < 20; ++i) {  // batches of 5 records over 2 keys: cleaning empties most
    std::vector<KeyedRecord> records;
    for (int j = 0; j < 5; ++j)
      records.push_back({fmt::format("k{}", j % 2), fmt::format("v{}", i)});
    c.append(records);
  }
  const auto before_records = c.records();
  const auto before = c.segments();
  const auto pass = c.clean();
  ASSERT_TRUE(pass);
  EXPECT_EQ(check_cleaned(before_records, c.records(), pass->end_offset), "");
  const auto after = c.segments();
  EXPECT_LT(after.size(), before.size());
  for (const SegmentInfo& s : after) EXPECT_LE(s.size_bytes, 300u);
}

TEST(LogCleaner, AFullOffsetMapCleansOnlyUpToTheSegmentWhereItFilled) {
  CleanerRig c;
  c.append_cycle(40, 40);  // every record a new key
  const auto segments = c.segments();
  const auto before = c.records();
  const auto pass = c.clean(std::nullopt, 10'000, nullptr, 5);
  ASSERT_TRUE(pass);
  // The first segments hold fewer than 5 keys together; the one that would pass 5 is the end.
  std::size_t keys = 0;
  Offset expected_end;
  for (const SegmentInfo& s : segments) {
    keys += static_cast<std::size_t>(s.next_offset - s.base_offset);
    if (keys > 5) {
      expected_end = s.base_offset;
      break;
    }
  }
  EXPECT_EQ(pass->end_offset, expected_end);
  EXPECT_EQ(check_cleaned(before, c.records(), pass->end_offset), "");
}

TEST(LogCleaner, AnOffsetMapTooSmallForOneSegmentCleansNothing) {
  CleanerRig tiny;
  tiny.append_cycle(40, 40);
  EXPECT_FALSE(tiny.clean(std::nullopt, 10'000, nullptr, 1));
}

TEST(LogCleaner, AFollowerAppendingTheCleanedBatchesHoldsTheSameLog) {
  CleanerRig c;
  c.append({{"a", "1"}, {"b", "1"}});
  c.append({{"a", std::nullopt}});
  c.append_cycle(30, 3);
  ASSERT_TRUE(c.clean());
  c.r.rig.run([&](sim::NodeEnv& env) {
    PartitionLog& leader = *c.r.log;
    auto follower = log_test::open_log(env, c.r.config, "logs/t-1");
    // Bounded: every read moves the follower's LEO forward.
    while (follower->log_end_offset() < leader.log_end_offset()) {
      auto read = leader.read(follower->log_end_offset(), 250, leader.log_end_offset());
      ASSERT_TRUE(read.ok());
      ASSERT_TRUE(follower->append_as_follower(read.value().batches).ok());
    }
    EXPECT_EQ(read_records(*follower), read_records(leader));
    EXPECT_EQ(follower->producer_state(), leader.producer_state());
  });
}

TEST(LogCleaner, CleaningKeepsEveryIdempotentProducersStateAcrossReopen) {
  CleanerRig c;
  c.r.with_log([&](PartitionLog& l) {
    for (int i = 0; i < 20; ++i) {
      const std::vector<RecordInput> records = {{1000, b(fmt::format("k{}", i % 2)), b("v")}};
      const BatchProducer producer{ProducerId(7), ProducerEpoch(0), Sequence(i)};
      ASSERT_TRUE(l.append_as_leader(encode_batch(records, producer), LeaderEpoch(0)).ok());
    }
  });
  ProducerStateManager before;
  c.r.with_log([&](PartitionLog& l) { before = l.producer_state(); });
  ASSERT_TRUE(c.clean());
  c.r.with_log([&](PartitionLog& l) {
    EXPECT_EQ(l.producer_state(), before);
    // A retry of the last batch is still recognised as a duplicate.
    EXPECT_TRUE(l.producer_state()
                    .check(ProducerId(7), ProducerEpoch(0), Sequence(19), Sequence(19))
                    .duplicate_of.has_value());
  });
  c.r.crash();  // the state is rebuilt from a snapshot and the cleaned batches after it
  c.r.with_log([&](PartitionLog& l) { EXPECT_EQ(l.producer_state(), before); });
}

// Cuts a clean at `cut` simulation events, then crashes or loses power, reopens, and checks
// that the log holds every latest value (before the pass or after it).
void check_cut_clean(std::uint64_t cut, bool power_loss, bool* finished) {
  CleanerRig c(compact_config(), cut + 1, 1.0);
  c.append({{"a", "1"}});
  c.append({{"a", std::nullopt}});
  c.append_cycle(40, 5);
  c.r.flush();
  const auto before = c.records();
  Offset end;
  *finished = c.r.rig.run_for_events(
      [&](sim::NodeEnv&) {
        auto pass = c.r.log->clean(c.r.log->log_end_offset(), 10'000, CleanerOptions{});
        ASSERT_TRUE(pass.ok() && pass.value());
        end = pass.value()->end_offset;
      },
      cut);
  if (power_loss) {
    c.r.power_loss();
  } else {
    c.r.crash();
  }
  const auto after = c.records();
  // Either the old log or a cleaned one: every latest value is there.
  const Offset leo(static_cast<std::int64_t>(before.size()));
  EXPECT_EQ(check_cleaned(before, after, leo), "") << "cut " << cut << " power " << power_loss;
  c.r.with_log([&](PartitionLog& l) {
    EXPECT_EQ(l.log_end_offset(), leo);
    EXPECT_LE(l.cleaner_checkpoint(), l.log_end_offset());
    if (*finished) {
      EXPECT_EQ(l.cleaner_checkpoint(), end);
    }
    // No cleaner leftovers stay after recovery.
    for (const std::string& name : c.r.rig.disk().list("logs/t-0")) {
      EXPECT_FALSE(name.ends_with(".cleaned") || name.ends_with(".swap")) << name;
    }
  });
  // And a new pass completes the job.
  c.clean(std::nullopt, 10'000);
  EXPECT_EQ(check_cleaned(before, c.records(), leo), "") << "cut " << cut;
}

TEST(LogCleaner, ACrashAtAnyPointOfACleanLosesNoLatestValue) {
  bool finished = false;
  for (std::uint64_t cut = 0; !finished; cut += 2) {
    ASSERT_LT(cut, 4000u);
    check_cut_clean(cut, false, &finished);
  }
}

TEST(LogCleaner, APowerLossAtAnyPointOfACleanLosesNoLatestValue) {
  bool finished = false;
  for (std::uint64_t cut = 0; !finished; cut += 2) {
    ASSERT_LT(cut, 4000u);
    check_cut_clean(cut, true, &finished);
  }
}

}  // namespace
}  // namespace samsa::cluster
