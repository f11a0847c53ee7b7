#include "cluster/log/leader_epoch_cache.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "tests/cluster/log_testing.h"

namespace samsa::cluster {

inline std::ostream& operator<<(std::ostream& os, const EpochEntry& e) {
  return os << "(" << e.epoch.value() << ", " << e.start_offset.value() << ")";
}
inline std::ostream& operator<<(std::ostream& os, const EpochEndOffset& e) {
  return os << "(epoch " << e.epoch.value() << ", end " << e.end_offset.value() << ")";
}

namespace {

using log_test::NodeRig;

const std::string kPath = "logs/t-0/leader-epoch-checkpoint";

LeaderEpoch E(std::int32_t e) {
  return LeaderEpoch(e);
}
Offset O(std::int64_t o) {
  return Offset(o);
}
EpochEntry entry(std::int32_t e, std::int64_t o) {
  return EpochEntry{E(e), O(o)};
}

// Loads the cache from the rig's disk and hands it to `body`, in a fiber of the node.
void with_cache(NodeRig& rig, const std::function<void(LeaderEpochCache&)>& body) {
  rig.run([&](sim::NodeEnv& env) {
    auto cache = LeaderEpochCache::load(env.disk(), kPath);
    ASSERT_TRUE(cache.ok()) << cache.error().detail;
    body(cache.value());
  });
}

// A cache holding `entries`, assigned in order.
void assign_all(LeaderEpochCache& cache, const std::vector<EpochEntry>& entries) {
  for (const EpochEntry& e : entries) ASSERT_TRUE(cache.assign(e.epoch, e.start_offset).ok());
}

std::vector<EpochEntry> entries_after(const std::vector<EpochEntry>& setup,
                                      const std::function<void(LeaderEpochCache&)>& change) {
  NodeRig rig;
  std::vector<EpochEntry> out;
  with_cache(rig, [&](LeaderEpochCache& cache) {
    assign_all(cache, setup);
    change(cache);
    out = cache.entries();
  });
  return out;
}

EpochEndOffset end_offset(const std::vector<EpochEntry>& setup, std::int32_t requested,
                          std::int64_t leo) {
  NodeRig rig;
  EpochEndOffset out{};
  with_cache(rig, [&](LeaderEpochCache& cache) {
    assign_all(cache, setup);
    out = cache.end_offset_for(E(requested), O(leo));
  });
  return out;
}

const std::vector<EpochEntry> kHistory{entry(1, 0), entry(3, 10), entry(5, 20)};
const EpochEndOffset kUndefined{kUndefinedEpoch, kUndefinedEpochOffset};

// --- assign ---

TEST(LeaderEpochCache, AssignOfANewEpochAppendsItAtItsStartOffset) {
  EXPECT_EQ(entries_after({}, [](auto& c) { ASSERT_TRUE(c.assign(E(0), O(0)).ok()); }),
            (std::vector{entry(0, 0)}));
  EXPECT_EQ(entries_after(kHistory, [](auto& c) { ASSERT_TRUE(c.assign(E(7), O(30)).ok()); }),
            (std::vector{entry(1, 0), entry(3, 10), entry(5, 20), entry(7, 30)}));
}

TEST(LeaderEpochCache, AssignOfTheLatestEpochAtALaterOffsetChangesNothing) {
  // Every later batch of the current epoch calls assign; the epoch's start stays.
  EXPECT_EQ(entries_after(kHistory, [](auto& c) { ASSERT_TRUE(c.assign(E(5), O(25)).ok()); }),
            kHistory);
}

TEST(LeaderEpochCache, AssignOfANewEpochAtTheLatestStartReplacesTheEpochThatWroteNothing) {
  // Epoch 5 was assigned on becoming leader at 20 but wrote nothing; epoch 6 starts there.
  EXPECT_EQ(entries_after(kHistory, [](auto& c) { ASSERT_TRUE(c.assign(E(6), O(20)).ok()); }),
            (std::vector{entry(1, 0), entry(3, 10), entry(6, 20)}));
}

TEST(LeaderEpochCache, AssignOfALowerEpochRemovesTheEntriesItContradicts) {
  // As Kafka's maybeTruncateNonMonotonicEntries: entries with epoch >= 4 go.
  EXPECT_EQ(entries_after(kHistory, [](auto& c) { ASSERT_TRUE(c.assign(E(4), O(25)).ok()); }),
            (std::vector{entry(1, 0), entry(3, 10), entry(4, 25)}));
}

TEST(LeaderEpochCache, AssignAtAnOffsetBelowLaterStartsRemovesThoseEntries) {
  // Entries starting at or after 15 go, whatever their epoch.
  EXPECT_EQ(entries_after(kHistory, [](auto& c) { ASSERT_TRUE(c.assign(E(9), O(15)).ok()); }),
            (std::vector{entry(1, 0), entry(3, 10), entry(9, 15)}));
  // The latest epoch moving its start back is rewritten too.
  EXPECT_EQ(entries_after(kHistory, [](auto& c) { ASSERT_TRUE(c.assign(E(5), O(12)).ok()); }),
            (std::vector{entry(1, 0), entry(3, 10), entry(5, 12)}));
}

TEST(LeaderEpochCache, LatestEpochAndEpochForOffsetDescribeTheEntries) {
  NodeRig rig;
  with_cache(rig, [&](LeaderEpochCache& cache) {
    EXPECT_EQ(cache.latest_epoch(), std::nullopt);
    EXPECT_EQ(cache.epoch_for_offset(O(0)), std::nullopt);
    assign_all(cache, kHistory);
    EXPECT_EQ(cache.latest_epoch(), E(5));
    EXPECT_EQ(cache.latest_entry(), entry(5, 20));
    EXPECT_EQ(cache.epoch_for_offset(O(0)), E(1));
    EXPECT_EQ(cache.epoch_for_offset(O(9)), E(1));
    EXPECT_EQ(cache.epoch_for_offset(O(10)), E(3));
    EXPECT_EQ(cache.epoch_for_offset(O(1000)), E(5));
  });
}

// --- end_offset_for (OffsetsForLeaderEpoch) ---

TEST(LeaderEpochCache, EndOffsetForTheLatestEpochIsTheLogEndOffset) {
  EXPECT_EQ(end_offset(kHistory, 5, 42), (EpochEndOffset{E(5), O(42)}));
}

TEST(LeaderEpochCache, EndOffsetForAnOlderEpochIsTheStartOfTheNextEpoch) {
  EXPECT_EQ(end_offset(kHistory, 1, 42), (EpochEndOffset{E(1), O(10)}));
  EXPECT_EQ(end_offset(kHistory, 3, 42), (EpochEndOffset{E(3), O(20)}));
}

TEST(LeaderEpochCache, EndOffsetForAnEpochTheReplicaNeverSawIsThePriorEpochEndingAtTheNextStart) {
  // KIP-279: a follower asks about epoch 2 or 4, which this leader never saw. The answer
  // names the largest epoch below it and ends where the next known epoch starts, so the
  // follower truncates there and not further.
  EXPECT_EQ(end_offset(kHistory, 2, 42), (EpochEndOffset{E(1), O(10)}));
  EXPECT_EQ(end_offset(kHistory, 4, 42), (EpochEndOffset{E(3), O(20)}));
}

TEST(LeaderEpochCache, EndOffsetBelowTheFirstKnownEpochIsTheFirstEpochsStartOffset) {
  // Today's Kafka (the data below was removed by retention): (requested, first start).
  EXPECT_EQ(end_offset(kHistory, 0, 42), (EpochEndOffset{E(0), O(0)}));
  const std::vector<EpochEntry> trimmed{entry(3, 100), entry(5, 200)};
  EXPECT_EQ(end_offset(trimmed, 2, 300), (EpochEndOffset{E(2), O(100)}));
}

TEST(LeaderEpochCache, EndOffsetForAnUndefinedOrUnknownEpochIsUndefined) {
  EXPECT_EQ(end_offset(kHistory, -1, 42), kUndefined);
  EXPECT_EQ(end_offset(kHistory, 6, 42), kUndefined);  // above every epoch
  EXPECT_EQ(end_offset({}, 0, 42), kUndefined);        // nothing known
}

// A brute-force reading of Kafka's definition, to check end_offset_for against on
// random caches.
EpochEndOffset end_offset_by_definition(const std::vector<EpochEntry>& entries,
                                        std::int32_t requested, std::int64_t leo) {
  if (requested < 0 || entries.empty()) return kUndefined;
  if (entries.back().epoch == E(requested)) return EpochEndOffset{E(requested), O(leo)};
  std::optional<EpochEntry> floor;
  std::optional<EpochEntry> higher;
  for (const EpochEntry& e : entries) {
    if (e.epoch <= E(requested)) floor = e;
    if (e.epoch > E(requested) && !higher) higher = e;
  }
  if (!higher) return kUndefined;
  return EpochEndOffset{floor ? floor->epoch : E(requested), higher->start_offset};
}

RC_GTEST_PROP(LeaderEpochCache, EndOffsetForMatchesKafkasDefinitionOnRandomCaches, ()) {
  const auto epoch_steps = *rc::gen::container<std::vector<int>>(rc::gen::inRange(1, 4));
  const auto offset_steps =
      *rc::gen::container<std::vector<int>>(epoch_steps.size(), rc::gen::inRange(1, 50));
  std::vector<EpochEntry> entries;
  std::int32_t epoch = *rc::gen::inRange(0, 3);
  std::int64_t start = *rc::gen::inRange(0, 100);
  for (std::size_t i = 0; i < epoch_steps.size(); ++i) {
    entries.push_back(entry(epoch, start));
    epoch += epoch_steps[i];
    start += offset_steps[i];
  }
  const std::int32_t requested = *rc::gen::inRange(-1, epoch + 2);
  const std::int64_t leo = start + 5;
  NodeRig rig;
  EpochEndOffset got{};
  with_cache(rig, [&](LeaderEpochCache& cache) {
    assign_all(cache, entries);
    got = cache.end_offset_for(E(requested), O(leo));
  });
  RC_ASSERT(got == end_offset_by_definition(entries, requested, leo));
}

// --- truncation ---

TEST(LeaderEpochCache, TruncateFromEndRemovesEveryEntryStartingAtOrAfterTheOffset) {
  EXPECT_EQ(entries_after(kHistory, [](auto& c) { ASSERT_TRUE(c.truncate_from_end(O(20)).ok()); }),
            (std::vector{entry(1, 0), entry(3, 10)}));
  EXPECT_EQ(entries_after(kHistory, [](auto& c) { ASSERT_TRUE(c.truncate_from_end(O(11)).ok()); }),
            (std::vector{entry(1, 0), entry(3, 10)}));
  EXPECT_EQ(entries_after(kHistory, [](auto& c) { ASSERT_TRUE(c.truncate_from_end(O(0)).ok()); }),
            std::vector<EpochEntry>{});
  EXPECT_EQ(entries_after(kHistory, [](auto& c) { ASSERT_TRUE(c.truncate_from_end(O(21)).ok()); }),
            kHistory);
}

TEST(LeaderEpochCache, TruncateFromStartMovesTheEpochHoldingTheNewLogStartToIt) {
  EXPECT_EQ(
      entries_after(kHistory, [](auto& c) { ASSERT_TRUE(c.truncate_from_start(O(15)).ok()); }),
      (std::vector{entry(3, 15), entry(5, 20)}));
  EXPECT_EQ(
      entries_after(kHistory, [](auto& c) { ASSERT_TRUE(c.truncate_from_start(O(20)).ok()); }),
      (std::vector{entry(5, 20)}));
  EXPECT_EQ(entries_after(kHistory, [](auto& c) { ASSERT_TRUE(c.truncate_from_start(O(0)).ok()); }),
            kHistory);
}

TEST(LeaderEpochCache, ClearRemovesEveryEntry) {
  EXPECT_EQ(entries_after(kHistory, [](auto& c) { ASSERT_TRUE(c.clear().ok()); }),
            std::vector<EpochEntry>{});
}

// --- persistence ---

TEST(LeaderEpochCache, EveryChangeIsDurableBeforeTheCallReturns) {
  NodeRig rig(7, log_test::disk_config(1.0));
  with_cache(rig, [&](LeaderEpochCache& cache) {
    assign_all(cache, kHistory);
    ASSERT_TRUE(cache.truncate_from_end(O(20)).ok());
    ASSERT_TRUE(cache.assign(E(6), O(20)).ok());
  });
  rig.power_loss();
  with_cache(rig, [&](LeaderEpochCache& cache) {
    EXPECT_EQ(cache.entries(), (std::vector{entry(1, 0), entry(3, 10), entry(6, 20)}));
  });
}

TEST(LeaderEpochCache, LoadRejectsACheckpointWhoseEntriesDoNotIncrease) {
  NodeRig rig;
  rig.run([&](sim::NodeEnv& env) {
    const std::vector<CheckpointEntry> bad{{3, 10}, {2, 20}};
    ASSERT_TRUE(CheckpointFile(env.disk(), kPath, 2).write(bad).ok());
    auto cache = LeaderEpochCache::load(env.disk(), kPath);
    ASSERT_FALSE(cache.ok());
    EXPECT_EQ(cache.error().kind, CheckpointErrorKind::kMalformed);
    EXPECT_NE(cache.error().detail.find(kPath), std::string::npos);
  });
}

}  // namespace
}  // namespace samsa::cluster
