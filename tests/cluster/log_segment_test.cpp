// Tests of one segment and its indexes (offset_index.h, log_segment.h).
#include "cluster/log/log_segment.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cluster/log/byte_utils.h"
#include "tests/cluster/log_testing.h"

namespace samsa::cluster {
namespace {

using log_test::make_batch;
using log_test::NodeRig;
using log_test::summarize;

const std::string kDir = "logs/t-0";

LogConfig segment_config(std::int32_t index_interval_bytes = 128) {
  LogConfig config;
  config.index_interval_bytes = index_interval_bytes;
  return config;
}

std::unique_ptr<LogSegment> new_segment(sim::NodeEnv& env, Offset base,
                                        const LogConfig& config = segment_config()) {
  auto segment = LogSegment::create(env.disk(), kDir, base, config, env.wall_ms());
  SAMSA_ASSERT(segment.ok(), "segment creation");
  return std::move(segment).value();
}

// Appends `batch` (its base offset set to the segment's next offset).
void append(LogSegment& segment, sim::Bytes batch) {
  stamp_batch(batch, segment.next_offset(), LeaderEpoch(0));
  auto view = BatchView::parse(batch);
  ASSERT_TRUE(view.ok());
  ASSERT_TRUE(segment.append(view.value()).ok());
}

// A batch with one record per timestamp.
sim::Bytes batch_with_timestamps(const std::vector<std::int64_t>& timestamps) {
  std::vector<RecordInput> records;
  for (std::int64_t ts : timestamps)
    records.push_back(RecordInput{ts, std::nullopt, sim::Bytes{'v'}});
  return encode_batch(records);
}

// Appends `batches` batches of `records` records each to a new segment at `base`.
std::unique_ptr<LogSegment> filled_segment(sim::NodeEnv& env, Offset base, int batches,
                                           int records = 3) {
  auto segment = new_segment(env, base);
  for (int i = 0; i < batches; ++i) append(*segment, make_batch(i * 10, records, 1000 + i));
  return segment;
}

// --- Indexes ---

TEST(OffsetIndex, LookupFindsTheLargestEntryAtOrBelowTheTarget) {
  NodeRig rig;
  rig.run([&](sim::NodeEnv& env) {
    OffsetIndex index(env.disk(), kDir + "/x.index", Offset(10), 100);
    ASSERT_TRUE(index.rewrite({{Offset(12), 0}, {Offset(20), 100}, {Offset(30), 250}}).ok());
    EXPECT_EQ(index.lookup(5), std::nullopt);
    EXPECT_EQ(index.lookup(12), (OffsetPosition{Offset(12), 0}));
    EXPECT_EQ(index.lookup(25), (OffsetPosition{Offset(20), 100}));
    EXPECT_EQ(index.lookup(30), (OffsetPosition{Offset(30), 250}));
    EXPECT_EQ(index.lookup(1000), (OffsetPosition{Offset(30), 250}));
  });
}

TEST(TimeIndex, LookupFindsTheLargestTimestampAtOrBelowTheTarget) {
  NodeRig rig;
  rig.run([&](sim::NodeEnv& env) {
    TimeIndex index(env.disk(), kDir + "/x.timeindex", Offset(0), 100);
    ASSERT_TRUE(index.rewrite({}).ok());
    ASSERT_TRUE(index.append({1000, Offset(0)}).ok());
    ASSERT_TRUE(index.append({1500, Offset(7)}).ok());
    EXPECT_EQ(index.lookup(999), std::nullopt);
    EXPECT_EQ(index.lookup(1000), (TimestampOffset{1000, Offset(0)}));
    EXPECT_EQ(index.lookup(1499), (TimestampOffset{1000, Offset(0)}));
    EXPECT_EQ(index.lookup(9999), (TimestampOffset{1500, Offset(7)}));
  });
}

TEST(OffsetIndex, LoadReadsBackWhatWasWrittenAndRejectsAFileThatBreaksTheInvariants) {
  NodeRig rig;
  rig.run([&](sim::NodeEnv& env) {
    const std::string path = kDir + "/x.index";
    OffsetIndex index(env.disk(), path, Offset(10), 100);
    EXPECT_EQ(index.load(Offset(100), 1000).error(), IndexLoadError::kMissing);
    const std::vector<OffsetPosition> entries{{Offset(12), 0}, {Offset(20), 100}};
    ASSERT_TRUE(index.rewrite(entries).ok());
    OffsetIndex again(env.disk(), path, Offset(10), 100);
    ASSERT_TRUE(again.load(Offset(100), 1000).ok());
    EXPECT_EQ(again.entries(), entries);
    EXPECT_EQ(again.load(Offset(20), 1000).error(), IndexLoadError::kInvalid);  // offset past limit
    EXPECT_EQ(again.load(Offset(100), 100).error(),
              IndexLoadError::kInvalid);  // position past file
    ASSERT_TRUE(env.disk().append(path, sim::Bytes{0, 0, 0, 1, 0, 0, 0, 50}).ok());
    EXPECT_EQ(again.load(Offset(100), 1000).error(), IndexLoadError::kInvalid);  // goes backwards
    ASSERT_TRUE(env.disk().append(path, sim::Bytes{1, 2, 3}).ok());
    EXPECT_EQ(again.load(Offset(100), 1000).error(), IndexLoadError::kInvalid);  // torn entry
  });
}

TEST(OffsetIndex, TruncateToDropsEntriesAtOrAboveTheOffsetInMemoryAndOnDisk) {
  NodeRig rig;
  rig.run([&](sim::NodeEnv& env) {
    const std::string path = kDir + "/x.index";
    OffsetIndex index(env.disk(), path, Offset(0), 100);
    ASSERT_TRUE(index.rewrite({{Offset(1), 0}, {Offset(5), 100}, {Offset(9), 200}}).ok());
    ASSERT_TRUE(index.truncate_to(Offset(5)).ok());
    EXPECT_EQ(index.entries(), (std::vector<OffsetPosition>{{Offset(1), 0}}));
    EXPECT_EQ(env.disk().peek(path)->size(), OffsetIndexCodec::kEntryBytes);
  });
}

// --- Segment files ---

TEST(LogSegment, FileNamesAreTheBaseOffsetZeroPaddedToTwentyDigits) {
  EXPECT_EQ(LogSegment::file_stem(Offset(42)), "00000000000000000042");
  EXPECT_EQ(LogSegment::parse_log_file_name("00000000000000000042.log"), Offset(42));
  EXPECT_EQ(LogSegment::parse_log_file_name("00000000000000000042.index"), std::nullopt);
  EXPECT_EQ(LogSegment::parse_log_file_name("0000000000000000042.log"), std::nullopt);
  EXPECT_EQ(LogSegment::parse_log_file_name("0000000000000000004x.log"), std::nullopt);
  EXPECT_EQ(LogSegment::parse_log_file_name("99999999999999999999.log"), std::nullopt);
  NodeRig rig;
  rig.run([&](sim::NodeEnv& env) { (void)new_segment(env, Offset(42)); });
  EXPECT_TRUE(rig.disk().exists(kDir + "/00000000000000000042.log"));
  EXPECT_TRUE(rig.disk().exists(kDir + "/00000000000000000042.index"));
  EXPECT_TRUE(rig.disk().exists(kDir + "/00000000000000000042.timeindex"));
}

TEST(LogSegment, AppendAddsAnIndexEntryOncePerIndexIntervalPointingAtItsBatch) {
  NodeRig rig;
  rig.run([&](sim::NodeEnv& env) {
    auto segment = filled_segment(env, Offset(100), 30);
    const auto& entries = segment->offset_index().entries();
    ASSERT_GE(entries.size(), 5u);
    const sim::Bytes file = *env.disk().peek(segment->log_path());
    std::uint32_t previous = 0;
    for (const OffsetPosition& e : entries) {
      auto view = BatchView::parse(std::span(file).subspan(e.position));
      ASSERT_TRUE(view.ok());
      EXPECT_EQ(view.value().base_offset(), e.offset);
      EXPECT_GT(e.position - previous, 128u);  // sparse: more than an interval apart
      previous = e.position;
    }
    EXPECT_EQ(segment->next_offset(), Offset(190));
    EXPECT_EQ(segment->largest_timestamp_ms(), 1029);
    EXPECT_EQ(segment->size_bytes(), file.size());
  });
}

TEST(LogSegment, ReadReturnsWholeBatchesStartingWithTheOneHoldingTheOffset) {
  NodeRig rig;
  rig.run([&](sim::NodeEnv& env) {
    auto segment = filled_segment(env, Offset(0), 30);
    for (std::int64_t o = 0; o < 90; ++o) {
      auto read = segment->read(Offset(o), 400, Offset(90), true);
      ASSERT_TRUE(read.ok());
      const auto batches = summarize(read.value());
      ASSERT_FALSE(batches.empty());
      EXPECT_LE(batches.front().base_offset, Offset(o));
      EXPECT_GE(batches.front().last_offset, Offset(o));
      EXPECT_LE(read.value().size(), 400u);
    }
  });
}

TEST(LogSegment, ReadReturnsTheFirstBatchEvenWhenLargerThanMaxBytesOnlyWithMinOne) {
  NodeRig rig;
  rig.run([&](sim::NodeEnv& env) {
    auto segment = filled_segment(env, Offset(0), 5);
    auto one = segment->read(Offset(3), 1, Offset(100), true);
    ASSERT_TRUE(one.ok());
    EXPECT_EQ(summarize(one.value()).size(), 1u);
    EXPECT_EQ(summarize(one.value()).front().base_offset, Offset(3));
    auto none = segment->read(Offset(3), 1, Offset(100), false);
    ASSERT_TRUE(none.ok());
    EXPECT_TRUE(none.value().empty());
  });
}

TEST(LogSegment, ReadReturnsOnlyBatchesWhollyBelowMaxOffset) {
  NodeRig rig;
  rig.run([&](sim::NodeEnv& env) {
    auto segment = filled_segment(env, Offset(0), 5);  // batches [0,2] [3,5] [6,8] ...
    const auto upto7 = summarize(segment->read(Offset(0), 10000, Offset(7), true).value());
    ASSERT_EQ(upto7.size(), 2u);
    EXPECT_EQ(upto7.back().last_offset, Offset(5));
    const auto upto9 = summarize(segment->read(Offset(0), 10000, Offset(9), true).value());
    EXPECT_EQ(upto9.back().last_offset, Offset(8));
    // A batch straddling max_offset is not returned even under min_one.
    EXPECT_TRUE(segment->read(Offset(6), 10000, Offset(7), true).value().empty());
  });
}

TEST(LogSegment, TruncateToDropsTheBatchHoldingTheOffsetAndEverythingAfter) {
  NodeRig rig;
  rig.run([&](sim::NodeEnv& env) {
    auto segment = filled_segment(env, Offset(0), 30);   // batch i holds 3i..3i+2, ts 1000+i
    ASSERT_TRUE(segment->truncate_to(Offset(46)).ok());  // inside batch 15 [45, 47]
    EXPECT_EQ(segment->next_offset(), Offset(45));
    EXPECT_EQ(segment->largest_timestamp_ms(), 1014);
    EXPECT_EQ(segment->size_bytes(), env.disk().peek(segment->log_path())->size());
    for (const auto& e : segment->offset_index().entries()) EXPECT_LT(e.offset, Offset(45));
    for (const auto& e : segment->time_index().entries()) EXPECT_LT(e.offset, Offset(45));
    const auto rest = summarize(segment->read(Offset(0), 100000, Offset(1000), true).value());
    EXPECT_EQ(rest.back().last_offset, Offset(44));
    append(*segment, make_batch(999, 2));  // appending continues at the new end
    EXPECT_EQ(segment->next_offset(), Offset(47));
  });
}

// --- Recovery and trusted loading ---

TEST(LogSegment, RecoverCutsATornTailAndRebuildsTheIndexesAsTheyWere) {
  NodeRig rig;
  rig.run([&](sim::NodeEnv& env) {
    auto segment = filled_segment(env, Offset(0), 30);
    const auto entries = segment->offset_index().entries();
    const auto info = segment->info();
    const sim::Bytes torn = make_batch(1, 3, 5000, 16, Offset(90));
    ASSERT_TRUE(
        env.disk().append(segment->log_path(), std::span(torn).first(torn.size() / 2)).ok());
    ASSERT_TRUE(env.disk().remove(segment->offset_index().path()).ok());
    auto reopened = LogSegment::open(env.disk(), kDir, Offset(0), segment_config(), env.wall_ms());
    auto truncated = reopened->recover();
    ASSERT_TRUE(truncated.ok());
    EXPECT_EQ(truncated.value(), torn.size() / 2);
    EXPECT_EQ(reopened->info(), info);
    EXPECT_EQ(reopened->offset_index().entries(), entries);
    EXPECT_TRUE(env.disk().exists(reopened->offset_index().path()));
  });
}

TEST(LogSegment, RecoverCutsAtTheFirstCorruptBatch) {
  NodeRig rig;
  rig.run([&](sim::NodeEnv& env) {
    auto segment = filled_segment(env, Offset(0), 10);
    auto before = segment->read(Offset(12), 1, Offset(100), true).value();  // batch [12, 14]
    const sim::Bytes file = *env.disk().peek(segment->log_path());
    const auto at =
        std::search(file.begin(), file.end(), before.begin(), before.end()) - file.begin();
    env.disk().corrupt(segment->log_path(), static_cast<std::uint64_t>(at) + 40, 1);
    auto reopened = LogSegment::open(env.disk(), kDir, Offset(0), segment_config(), env.wall_ms());
    auto truncated = reopened->recover();
    ASSERT_TRUE(truncated.ok());
    EXPECT_EQ(truncated.value(), file.size() - static_cast<std::size_t>(at));
    EXPECT_EQ(reopened->next_offset(), Offset(12));
  });
}

TEST(LogSegment, RecoverCutsAtAValidBatchThatDoesNotContinueTheOffsets) {
  NodeRig rig;
  rig.run([&](sim::NodeEnv& env) {
    auto segment = filled_segment(env, Offset(0), 4);  // ends at 12
    const sim::Bytes stray = make_batch(7, 2, 1000, 16, Offset(20));
    ASSERT_TRUE(env.disk().append(segment->log_path(), stray).ok());
    auto reopened = LogSegment::open(env.disk(), kDir, Offset(0), segment_config(), env.wall_ms());
    EXPECT_EQ(reopened->recover().value(), stray.size());
    EXPECT_EQ(reopened->next_offset(), Offset(12));
  });
}

TEST(LogSegment, LoadTrustedLearnsWhatRecoverLearnsFromTheIndexesAndTheTail) {
  NodeRig rig;
  rig.run([&](sim::NodeEnv& env) {
    auto segment = filled_segment(env, Offset(50), 40);
    ASSERT_TRUE(segment->on_become_inactive().ok());
    auto trusted = LogSegment::open(env.disk(), kDir, Offset(50), segment_config(), env.wall_ms());
    ASSERT_TRUE(trusted->load_trusted(Offset(1000)).ok());
    auto recovered =
        LogSegment::open(env.disk(), kDir, Offset(50), segment_config(), env.wall_ms());
    ASSERT_EQ(recovered->recover().value(), 0u);
    EXPECT_EQ(trusted->info(), segment->info());
    EXPECT_EQ(recovered->info(), segment->info());
    EXPECT_EQ(trusted->offset_index().entries(), recovered->offset_index().entries());
  });
}

TEST(LogSegment, LoadTrustedRefusesAMissingOrInsaneIndex) {
  NodeRig rig;
  rig.run([&](sim::NodeEnv& env) {
    auto segment = filled_segment(env, Offset(0), 30);
    auto reopen = [&] {
      return LogSegment::open(env.disk(), kDir, Offset(0), segment_config(), env.wall_ms())
          ->load_trusted(Offset(1000));
    };
    ASSERT_TRUE(reopen().ok());
    // An entry pointing into the middle of a batch.
    sim::Bytes entry;
    append_be<std::int32_t>(entry, 89);
    append_be<std::uint32_t>(entry, static_cast<std::uint32_t>(segment->size_bytes() - 10));
    ASSERT_TRUE(env.disk().append(segment->offset_index().path(), entry).ok());
    EXPECT_EQ(reopen().error(), LogError::kCorrupt);
    ASSERT_TRUE(env.disk().remove(segment->offset_index().path()).ok());
    EXPECT_EQ(reopen().error(), LogError::kCorrupt);
  });
}

// --- Time ---

TEST(LogSegment, FindOffsetByTimestampReturnsTheFirstRecordAtOrAfterIt) {
  NodeRig rig;
  rig.run([&](sim::NodeEnv& env) {
    auto segment = new_segment(env, Offset(0), segment_config(0));
    append(*segment, batch_with_timestamps({100, 300, 200}));  // offsets 0..2
    append(*segment, batch_with_timestamps({250, 260}));       // 3..4
    append(*segment, batch_with_timestamps({500}));            // 5
    auto find = [&](std::int64_t ts, std::int64_t min = 0) {
      return segment->find_offset_by_timestamp(ts, Offset(min)).value();
    };
    EXPECT_EQ(find(0), Offset(0));
    EXPECT_EQ(find(101), Offset(1));
    EXPECT_EQ(find(300), Offset(1));
    EXPECT_EQ(find(301), Offset(5));
    EXPECT_EQ(find(501), std::nullopt);
    EXPECT_EQ(find(150, 2), Offset(2));  // below min_offset does not count
  });
}

TEST(LogSegment, ShouldRollBySizeByRecordTimeAndWhenAnIndexIsFull) {
  NodeRig rig;
  rig.run([&](sim::NodeEnv& env) {
    LogConfig config = segment_config(0);
    config.segment_bytes = 400;
    config.segment_ms = 1000;
    config.segment_index_bytes = 3 * 12;  // three time index entries
    auto segment = new_segment(env, Offset(0), config);
    const sim::Bytes small = make_batch(0, 1, 5000);
    const BatchView view = BatchView::parse(small).value();
    EXPECT_FALSE(segment->should_roll(view, env.wall_ms()));  // an empty segment never rolls
    append(*segment, make_batch(0, 1, 5000));
    EXPECT_FALSE(segment->should_roll(view, env.wall_ms()));
    const sim::Bytes late = make_batch(0, 1, 6001);
    EXPECT_TRUE(segment->should_roll(BatchView::parse(late).value(), env.wall_ms()));
    const sim::Bytes big = make_batch(0, 1, 5000, 400);
    EXPECT_TRUE(segment->should_roll(BatchView::parse(big).value(), env.wall_ms()));
    for (int i = 1; i <= 3; ++i) append(*segment, make_batch(i, 1, 5000 + i));
    EXPECT_TRUE(segment->time_index().full());
    EXPECT_TRUE(segment->should_roll(view, env.wall_ms()));
  });
}

// Every indexed lookup agrees with a full scan of the same batches.
RC_GTEST_PROP(LogSegment, IndexedReadsAndTimestampLookupsAgreeWithAFullScan, ()) {
  const auto batches =
      *rc::gen::nonEmpty(rc::gen::container<std::vector<std::vector<std::int64_t>>>(
          rc::gen::resize(4, rc::gen::nonEmpty(rc::gen::container<std::vector<std::int64_t>>(
                                 rc::gen::inRange<std::int64_t>(0, 1000))))));
  const auto interval = *rc::gen::inRange(0, 300);
  NodeRig rig;
  std::vector<std::int64_t> timestamps;  // by offset
  bool ok = true;
  rig.run([&](sim::NodeEnv& env) {
    auto segment = new_segment(env, Offset(7), segment_config(interval));
    for (const auto& b : batches) {
      append(*segment, batch_with_timestamps(b));
      timestamps.insert(timestamps.end(), b.begin(), b.end());
    }
    const Offset end = segment->next_offset();
    for (Offset o(7); o < end; ++o) {
      const auto got = summarize(segment->read(o, 1, end, true).value());
      ok = ok && got.size() == 1 && got[0].base_offset <= o && o <= got[0].last_offset;
    }
    for (std::int64_t ts = 0; ts <= 1001; ts += 7) {
      std::optional<Offset> expected;
      for (std::size_t i = 0; i < timestamps.size() && !expected; ++i) {
        if (timestamps[i] >= ts) expected = Offset(7 + static_cast<std::int64_t>(i));
      }
      ok = ok && segment->find_offset_by_timestamp(ts, Offset(0)).value() == expected;
    }
  });
  RC_ASSERT(ok);
}

}  // namespace
}  // namespace samsa::cluster
