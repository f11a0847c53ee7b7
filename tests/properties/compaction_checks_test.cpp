// Claims about the compaction checkers (properties/compaction_checks.h): each property is
// reported, alone and with a detail naming partition, broker, offsets, keys, values and
// clock times, by observations that break it; and what a correct cleaner shows passes — a
// record removed because a later one supersedes it, a tombstone kept exactly
// delete.retention.ms, a follower removing a tombstone its leader passed long before, a
// broker clock behind that keeps a tombstone past its horizon in simulated time, a reader
// that sees only each key's latest value, a deleted key it never sees.
#include "properties/compaction_checks.h"

#include <gtest/gtest.h>

#include "cluster/group/offsets_records.h"
#include "tests/properties/history_script.h"

namespace samsa::properties {
namespace {

using cluster::BrokerId;
using cluster::Offset;
using testing::at_ms;
using testing::contains;
using testing::properties_of;
using testing::tp;
using Names = std::vector<std::string>;

constexpr std::int64_t kDeleteRetentionMs = 10'000;

cluster::LogConfig compact_policy() {
  cluster::LogConfig config;
  config.cleanup_policy = cluster::CleanupPolicy::kCompact;
  config.delete_retention_ms = kDeleteRetentionMs;
  return config;
}

Observations observed() {
  Observations o;
  o.topic_configs["orders"] = compact_policy();
  o.cleaner_backoff_ms = 1'000;
  o.safety_end = at_ms(10'000);
  o.liveness_end = at_ms(100'000);
  return o;
}

// A record a pass read: key, value (nullopt: a tombstone), whether it kept it.
CleanedRecordSeen seen(std::int64_t offset, std::string key, std::optional<std::string> value,
                       bool kept = true, std::int64_t delete_horizon_ms = -1) {
  return CleanedRecordSeen{Offset(offset),   offset * 10, std::move(key),
                           std::move(value), kept,        delete_horizon_ms};
}

// A pass of broker `broker` over orders-0 at `time_ms` (clock `now_ms`) up to `end`.
CleanerSample clean(std::int32_t broker, std::int64_t time_ms, std::int64_t now_ms,
                    std::int64_t end, std::vector<CleanedRecordSeen> records,
                    std::int64_t high_watermark = 100) {
  CleanerSample c;
  c.at = at_ms(time_ms);
  c.broker = BrokerId(broker);
  c.tp = tp(0);
  c.now_ms = now_ms;
  c.trigger = "dirty-ratio";
  c.end_offset = Offset(end);
  c.high_watermark = Offset(high_watermark);
  c.active_segment_base = Offset(end);
  c.records = std::move(records);
  return c;
}

TEST(CompactionKeepsLatest, RemovingARecordNoLaterRecordOfItsKeySupersedesIsReported) {
  Observations o = observed();
  o.cleaner.push_back(
      clean(1, 5'000, 5'000, 3,
            {seen(0, "a", "a0", false), seen(1, "b", "b1"), seen(2, "b", "b2", false)}));
  const CheckResult result = check_compaction(History{}, o, DataPromises{}, true);
  ASSERT_EQ(properties_of(result.violations), Names{std::string(kCompactionKeepsLatest)});
  EXPECT_EQ(result.violations[0].detail,
            "broker 1's cleaner pass over orders-0 at 5000 ms (broker clock 5000 ms, dirty-ratio, "
            "log start 0, dirty from 0, end 3, high watermark 100, active segment base 3): it "
            "removed offset 0 (key a, value a0, timestamp 0 ms), which no later record of its key "
            "below the end supersedes; 2 such records removed");
}

TEST(CompactionKeepsLatest, ARemovedRecordSupersededByALaterOneBelowTheEndPasses) {
  Observations o = observed();
  o.cleaner.push_back(clean(1, 5'000, 5'000, 3,
                            {seen(0, "a", "a0", false), seen(1, "b", "b1"), seen(2, "a", "a2")}));
  EXPECT_TRUE(check_compaction(History{}, o, DataPromises{}, true).violations.empty());
}

TEST(CompactionKeepsLatest, ARecordSupersededOnlyAtOrAboveTheEndMustBeKept) {
  Observations o = observed();
  o.cleaner.push_back(clean(1, 5'000, 5'000, 2,
                            {seen(0, "a", "a0", false), seen(1, "b", "b1"), seen(2, "a", "a2")}));
  const std::vector<Violation> violations = check_compaction_keeps_latest(o, "");
  ASSERT_EQ(properties_of(violations), Names{std::string(kCompactionKeepsLatest)});
  EXPECT_TRUE(contains(violations[0].detail, "it removed offset 0 (key a, value a0"));
}

TEST(CompactionKeepsLatest, ACleanerPassPastTheHighWatermarkIsReported) {
  Observations o = observed();
  o.cleaner.push_back(clean(1, 5'000, 5'000, 3, {seen(0, "a", "a0"), seen(1, "b", "b1")}, 2));
  const std::vector<Violation> violations = check_compaction_keeps_latest(o, "");
  ASSERT_EQ(properties_of(violations), Names{std::string(kCompactionKeepsLatest)});
  EXPECT_TRUE(contains(violations[0].detail,
                       "it cleaned up to 3, past the high watermark 2 (KAFKA-13194)"));
}

TEST(CompactionKeepsLatest, ARecordThatChangesOrVanishesBetweenPassesIsReported) {
  Observations o = observed();
  o.cleaner.push_back(clean(1, 5'000, 5'000, 2, {seen(0, "a", "a0"), seen(1, "b", "b1")}));
  o.cleaner.push_back(clean(1, 6'000, 6'000, 3, {seen(0, "a", "a0"), seen(2, "c", "c2")}));
  const std::vector<Violation> violations = check_compaction_keeps_latest(o, "");
  ASSERT_EQ(properties_of(violations), Names{std::string(kCompactionKeepsLatest)});
  EXPECT_TRUE(contains(violations[0].detail,
                       "after its pass at 5000 ms (broker clock 5000 ms, end 2): the earlier pass "
                       "kept offset 1 (key b, value b1, timestamp 10 ms), which the later one no "
                       "longer found (a record's offset never changes)"));
  EXPECT_TRUE(check_compaction_keeps_latest(o, "unclean leader election").empty());
}

TEST(CompactionKeepsLatest, ARecordKeptByOnePassIsFoundByTheNextAndRemovedOnesStayGone) {
  Observations o = observed();
  o.cleaner.push_back(clean(1, 5'000, 5'000, 3,
                            {seen(0, "a", "a0", false), seen(1, "b", "b1"), seen(2, "a", "a2")}));
  o.cleaner.push_back(
      clean(1, 6'000, 6'000, 4, {seen(1, "b", "b1"), seen(2, "a", "a2"), seen(3, "b", "b3")}));
  o.cleaner.push_back(clean(2, 6'000, 6'000, 2, {seen(0, "a", "a0"), seen(1, "b", "b1")}));
  EXPECT_TRUE(check_compaction_keeps_latest(o, "").empty());
}

TEST(CompactionKeepsLatest, AKeptRecordALaterOneSupersedesOrAPowerLossRefetchedMayVanish) {
  Observations o = observed();
  o.cleaner.push_back(clean(1, 5'000, 5'000, 2, {seen(0, "a", "a0"), seen(1, "b", "b1")}));
  // The replica re-fetched from a leader that had removed a0, superseded by a2.
  o.cleaner.push_back(clean(1, 6'000, 6'000, 3, {seen(1, "b", "b1"), seen(2, "a", "a2")}));
  EXPECT_TRUE(check_compaction_keeps_latest(o, "").empty());
  // b1 vanishing with nothing of key b after it is reported, unless a power loss came between.
  o.cleaner.push_back(clean(1, 7'000, 7'000, 3, {seen(2, "a", "a2")}));
  EXPECT_EQ(properties_of(check_compaction_keeps_latest(o, "")),
            Names{std::string(kCompactionKeepsLatest)});
  o.faults.push_back(FaultEvent{at_ms(6'500), "power-loss", {"broker-1"}, "for 100 ms"});
  EXPECT_TRUE(check_compaction_keeps_latest(o, "").empty());
}

TEST(TombstoneKept, ATombstoneRemovedOnItsFirstPassIsReported) {
  Observations o = observed();
  o.cleaner.push_back(
      clean(1, 5'000, 5'000, 2, {seen(0, "a", std::nullopt, false), seen(1, "b", "b1")}));
  const CheckResult result = check_compaction(History{}, o, DataPromises{}, true);
  ASSERT_EQ(properties_of(result.violations), Names{std::string(kTombstoneKept)});
  EXPECT_TRUE(contains(result.violations[0].detail,
                       "removed the tombstone at offset 0 (key a, value <tombstone>, timestamp 0 "
                       "ms), which no later record of its key supersedes, but no earlier pass had "
                       "gone over it"));
}

TEST(TombstoneKept, ATombstoneRemovedBeforeDeleteRetentionMsIsReported) {
  Observations o = observed();
  o.cleaner.push_back(clean(1, 5'000, 5'000, 2, {seen(0, "a", std::nullopt, true, 15'000)}));
  o.cleaner.push_back(clean(1, 14'000, 14'999, 2, {seen(0, "a", std::nullopt, false)}));
  const std::vector<Violation> violations = check_tombstone_kept(o);
  ASSERT_EQ(properties_of(violations), Names{std::string(kTombstoneKept)});
  EXPECT_TRUE(contains(violations[0].detail,
                       "broker 1's pass at 5000 ms (broker clock 5000 ms) first went over it, "
                       "only 9999 ms earlier by those clocks, within delete.retention.ms=10000"));
}

TEST(TombstoneKept, ATombstoneKeptExactlyDeleteRetentionMsMayBeRemoved) {
  Observations o = observed();
  o.cleaner.push_back(clean(1, 5'000, 5'000, 2, {seen(0, "a", std::nullopt, true, 15'000)}));
  o.cleaner.push_back(clean(1, 15'000, 15'000, 2, {seen(0, "a", std::nullopt, false)}));
  const CheckResult result = check_compaction(History{}, o, DataPromises{}, true);
  EXPECT_TRUE(result.violations.empty());
  EXPECT_EQ(result.measurements.at("tombstones_removed"), 1);
  EXPECT_EQ(result.measurements.at("tombstone_lifetime_ms_min"), kDeleteRetentionMs);
  EXPECT_EQ(result.measurements.at("tombstone_lifetime_ms_max"), kDeleteRetentionMs);
}

TEST(TombstoneKept, ATombstoneSupersededByALaterRecordOfItsKeyMayGoAtOnce) {
  Observations o = observed();
  o.cleaner.push_back(
      clean(1, 5'000, 5'000, 2, {seen(0, "a", std::nullopt, false), seen(1, "a", "a1")}));
  EXPECT_TRUE(check_tombstone_kept(o).empty());
}

TEST(TombstoneKept, AFollowerMayRemoveATombstoneItsLeaderPassedLongBefore) {
  // The delete horizon travels in the batch the follower fetched (KIP-534).
  Observations o = observed();
  o.cleaner.push_back(clean(1, 5'000, 5'000, 2, {seen(0, "a", std::nullopt, true, 15'000)}));
  o.cleaner.push_back(clean(2, 20'000, 20'000, 2, {seen(0, "a", std::nullopt, false)}));
  EXPECT_TRUE(check_tombstone_kept(o).empty());
}

TEST(TombstoneRemoved, ATombstoneKeptByAPassPastItsHorizonIsReportedAtTheEnd) {
  Observations o = observed();
  o.cleaner.push_back(clean(1, 5'000, 5'000, 2, {seen(0, "a", std::nullopt, true, 15'000)}));
  o.cleaner.push_back(clean(1, 20'000, 20'000, 2, {seen(0, "a", std::nullopt, true, 15'000)}));
  ReplicaLog log;
  log.broker = BrokerId(1);
  log.tp = tp(0);
  log.records.push_back(ReplicaRecord{Offset(0), cluster::LeaderEpoch(1), "a", std::nullopt, 0});
  log.clock_ms = 100'000;
  o.final_logs.push_back(log);
  const CheckResult result = check_compaction(History{}, o, DataPromises{}, true);
  ASSERT_EQ(properties_of(result.violations), (Names{std::string(kTombstoneRemoved)}));
  EXPECT_TRUE(contains(result.violations[0].detail,
                       "broker 1's replica of orders-0 still holds the tombstone at offset 0 (key "
                       "a, timestamp 0 ms) at the end (broker clock 100000 ms): its delete horizon "
                       "was 15000 ms (delete.retention.ms=10000), 85000 ms earlier, beyond the "
                       "bound of 4000 ms"));
  EXPECT_TRUE(contains(result.violations[0].detail, "at 20000 ms (broker clock 20000 ms"));
  EXPECT_TRUE(check_compaction(History{}, o, DataPromises{}, false).violations.empty());
}

TEST(TombstoneRemoved, ATombstoneNoPassVisitedAfterItsHorizonIsNotJudged) {
  Observations o = observed();
  o.cleaner.push_back(clean(1, 5'000, 5'000, 2, {seen(0, "a", std::nullopt, true, 15'000)}));
  ReplicaLog log;
  log.broker = BrokerId(1);
  log.tp = tp(0);
  log.records.push_back(ReplicaRecord{Offset(0), cluster::LeaderEpoch(1), "a", std::nullopt, 0});
  log.clock_ms = 100'000;
  o.final_logs.push_back(log);
  EXPECT_TRUE(check_tombstone_removed(o).empty());
}

TEST(TombstoneRemoved, ABrokerClockBehindKeepsATombstonePastItsHorizonInSimulatedTime) {
  // 95 s of simulated time pass between the passes, but the broker's clock, set 90 s back,
  // shows 5 s: the horizon has not come on its clock, so keeping the tombstone is right.
  Observations o = observed();
  o.cleaner.push_back(clean(1, 5'000, 5'000, 2, {seen(0, "a", std::nullopt, true, 15'000)}));
  o.cleaner.push_back(clean(1, 100'000, 10'000, 2, {seen(0, "a", std::nullopt, true, 15'000)}));
  ReplicaLog log;
  log.broker = BrokerId(1);
  log.tp = tp(0);
  log.records.push_back(ReplicaRecord{Offset(0), cluster::LeaderEpoch(1), "a", std::nullopt, 0});
  log.clock_ms = 100'000;
  o.final_logs.push_back(log);
  EXPECT_TRUE(check_compaction(History{}, o, DataPromises{}, true).violations.empty());
}

// Acknowledged sends of key/value (nullopt: a tombstone) at orders-0 offsets, and the
// final reader's poll of the given offsets.
struct CompactedScript {
  History history;
  CompactedScript& ack(std::int64_t offset, const std::string& key,
                       std::optional<std::string> value, std::int64_t time_ms = 1) {
    const std::uint64_t id = history.invoke("producer-0", OpKind::kSend, at_ms(time_ms));
    Op& op = history.pending(id);
    op.key = key;
    op.value = std::move(value);
    op.tp = tp(0);
    op.offset = Offset(offset);
    history.complete(id, OpStatus::kOk, at_ms(time_ms));
    return *this;
  }
  CompactedScript& read(
      std::int64_t time_ms,
      const std::vector<std::tuple<std::int64_t, std::string, std::optional<std::string>>>&
          records) {
    Op& op = history.record("reader", OpKind::kPoll, at_ms(time_ms));
    for (const auto& [offset, key, value] : records)
      op.records.push_back(ReadRecord{tp(0), Offset(offset), cluster::LeaderEpoch(1), key, value});
    return *this;
  }
};

DataPromises final_reader() {
  DataPromises promises;
  promises.final_reader = "reader";
  return promises;
}

TEST(CompactedRead, AFinalReaderMissingAKeysLatestValueIsReported) {
  CompactedScript s;
  s.ack(0, "a", "a0").ack(1, "b", "b1").ack(2, "a", "a2", 5).read(50, {{1, "b", "b1"}});
  const std::vector<Violation> violations =
      check_compacted_read(s.history, observed(), final_reader());
  ASSERT_EQ(properties_of(violations), Names{std::string(kCompactedRead)});
  EXPECT_EQ(violations[0].detail,
            "key a of compacted orders-0: its latest acknowledged record is a2 at offset 2 "
            "(producer-0's send acknowledged at 5 ms), but the final reader reader never saw it "
            "nor any later record of the key; of the key it read nothing");
}

TEST(CompactedRead, AResurrectedKeyIsReported) {
  CompactedScript s;
  s.ack(0, "a", "a0").ack(1, "a", std::nullopt).read(50, {{0, "a", "a0"}});
  const CheckResult result = check_compaction(s.history, observed(), final_reader(), true);
  ASSERT_EQ(properties_of(result.violations), Names{std::string(kCompactedRead)});
  EXPECT_TRUE(contains(result.violations[0].detail,
                       "its latest acknowledged record is <tombstone> at offset 1 (producer-0's "
                       "send acknowledged at 1 ms), but the final reader reader saw older values "
                       "of the key but not the tombstone: a resurrected key; of the key it read "
                       "offsets 0 (a0)"));
}

TEST(CompactedRead, AReaderOfOnlyTheLatestValuesAndNoDeletedKeyPasses) {
  CompactedScript s;
  s.ack(0, "a", "a0").ack(1, "b", "b1").ack(2, "a", "a2").ack(3, "b", std::nullopt);
  s.ack(4, "c", std::nullopt);
  s.read(50, {{2, "a", "a2"}, {3, "b", std::nullopt}});  // c's tombstone already removed
  EXPECT_TRUE(check_compacted_read(s.history, observed(), final_reader()).empty());
}

TEST(CompactedRead, AKeyAnIndeterminateTombstoneMayHaveDeletedIsNotJudged) {
  CompactedScript s;
  s.ack(0, "a", "a0").read(50, {});
  const std::uint64_t id = s.history.invoke("producer-0", OpKind::kSend, at_ms(2));
  Op& op = s.history.pending(id);
  op.key = "a";
  op.tp = tp(0);
  s.history.complete(id, OpStatus::kInfo, at_ms(20));
  EXPECT_TRUE(check_compacted_read(s.history, observed(), final_reader()).empty());
}

TEST(CompactedRead, IsMeasuredWhenAcknowledgedRecordsMayBeLost) {
  CompactedScript s;
  s.ack(0, "a", "a0").read(50, {});
  DataPromises promises = final_reader();
  promises.loss_cause = "unclean leader election of orders-0";
  const CheckResult result = check_compaction(s.history, observed(), promises, true);
  EXPECT_TRUE(result.violations.empty());
  EXPECT_EQ(result.measurements.at("compacted_read_unpromised"), 1);
}

// A record of __consumer_offsets partition 0 as the coordinator writes it.
ReplicaRecord commit_record(std::int64_t offset, const std::string& group, std::int32_t partition,
                            std::optional<std::int64_t> committed) {
  const cluster::Bytes key = cluster::encode_key(
      cluster::OffsetCommitKey{group, "orders", cluster::PartitionIndex(partition)});
  std::optional<std::string> value;
  if (committed) {
    cluster::OffsetCommitValue v;
    v.offset = Offset(*committed);
    const cluster::Bytes bytes = cluster::encode_offset_commit_value(v);
    value = std::string(bytes.begin(), bytes.end());
  }
  return ReplicaRecord{Offset(offset), cluster::LeaderEpoch(1), std::string(key.begin(), key.end()),
                       value, 0};
}

Observations offsets_topic(std::vector<ReplicaRecord> records) {
  Observations o = observed();
  ReplicaLog log;
  log.broker = BrokerId(1);
  log.tp = cluster::TopicPartition{"__consumer_offsets", cluster::PartitionIndex(0)};
  log.log_end_offset = Offset(static_cast<std::int64_t>(records.size()));
  log.high_watermark = log.log_end_offset;
  log.records = std::move(records);
  o.final_logs.push_back(log);
  // A pass that removed a record of the offsets topic: the property judges cleaned topics.
  CleanerSample pass = clean(1, 1'000, 1'000, 2, {seen(0, "x", "x0", false), seen(1, "x", "x1")});
  pass.tp = log.tp;
  o.cleaner.push_back(pass);
  return o;
}

TEST(CommittedOffsetsSurviveCleaning, ACommitTheOffsetsTopicNoLongerHoldsIsReported) {
  testing::HistoryScript s;
  s.commit("consumer-g0-a", 10, 12, 1, 0, 5).commit("consumer-g0-a", 20, 22, 1, 0, 9);
  const Observations o =
      offsets_topic({commit_record(0, "g0", 0, 5), commit_record(1, "g0", 1, 3)});
  const std::vector<Violation> violations = check_committed_offsets_survive_cleaning(s.history, o);
  ASSERT_EQ(properties_of(violations), Names{std::string(kCommittedOffsetsSurviveCleaning)});
  EXPECT_EQ(violations[0].detail,
            "group g0 committed offset 9 of orders-0 (consumer-g0-a, ok at 22 ms), but the final "
            "log of __consumer_offsets (as its last leader holds it) holds offset 5 as its "
            "latest");
  EXPECT_TRUE(check_compaction(s.history, o, DataPromises{}, true).violations.size() == 1);
}

TEST(CommittedOffsetsSurviveCleaning, TheLastCommitAsTheLatestRecordOfItsKeyPasses) {
  testing::HistoryScript s;
  s.commit("consumer-g0-a", 10, 12, 1, 0, 5).commit("consumer-g0-a", 20, 22, 1, 0, 9);
  // A later indeterminate commit may have landed after it.
  s.commit("consumer-g0-a", 21, 30, 1, 0, 11, OpStatus::kInfo);
  EXPECT_TRUE(
      check_committed_offsets_survive_cleaning(
          s.history, offsets_topic({commit_record(0, "g0", 0, 5), commit_record(1, "g0", 0, 9)}))
          .empty());
  EXPECT_TRUE(
      check_committed_offsets_survive_cleaning(
          s.history, offsets_topic({commit_record(0, "g0", 0, 9), commit_record(1, "g0", 0, 11)}))
          .empty());
  const std::vector<Violation> tombstoned = check_committed_offsets_survive_cleaning(
      s.history,
      offsets_topic({commit_record(0, "g0", 0, 9), commit_record(1, "g0", 0, std::nullopt)}));
  ASSERT_EQ(tombstoned.size(), 1U);
  EXPECT_TRUE(contains(tombstoned[0].detail, "ends it with a tombstone"));
}

// A leader elected with a lagging high watermark and an ISR below min.insync.replicas holds
// the commits its predecessor acknowledged above its own HW until the ISR is back; the
// coordinator loads them to the log end, so they are the group's commits.
TEST(CommittedOffsetsSurviveCleaning, ACommitAboveTheLastLeadersHighWatermarkCounts) {
  testing::HistoryScript s;
  s.commit("consumer-g0-a", 10, 12, 1, 0, 5).commit("consumer-g0-a", 20, 22, 1, 0, 9);
  Observations o = offsets_topic({commit_record(0, "g0", 0, 5), commit_record(1, "g0", 0, 9)});
  o.cleaner.clear();
  o.final_logs[0].high_watermark = Offset(1);
  ReplicaSample leader;
  leader.broker = BrokerId(1);
  leader.tp = o.final_logs[0].tp;
  leader.role = ReplicaRoleSeen::kLeader;
  leader.leader_epoch = cluster::LeaderEpoch(1);
  o.replicas.push_back(leader);
  // A follower that lost the commit (it will truncate to the leader) is not the one judged.
  ReplicaLog follower = o.final_logs[0];
  follower.broker = BrokerId(2);
  follower.records = {commit_record(0, "g0", 0, 5)};
  follower.log_end_offset = Offset(1);
  o.final_logs.push_back(follower);
  EXPECT_TRUE(check_committed_offsets_survive_cleaning(s.history, o).empty());
  // Without the commit in the leader's log, it is reported, cleaned or not.
  o.final_logs[0].records.pop_back();
  EXPECT_EQ(check_committed_offsets_survive_cleaning(s.history, o).size(), 1U);
}

TEST(CompactionMeasurements, CountPassesRemovalsBytesAndCleanerLag) {
  Observations o = observed();
  CleanerSample c = clean(
      1, 5'000, 5'000, 3,
      {seen(0, "a", "a0", false), seen(1, "a", std::nullopt, true, 15'000), seen(2, "b", "b2")});
  c.bytes_before = 300;
  c.bytes_after = 200;
  c.oldest_dirty_timestamp_ms = 1'000;
  o.cleaner.push_back(c);
  const CheckResult result = check_compaction(History{}, o, DataPromises{}, true);
  EXPECT_TRUE(result.violations.empty());
  EXPECT_EQ(result.measurements.at("cleaner_passes"), 1);
  EXPECT_EQ(result.measurements.at("cleaner_records_removed"), 1);
  EXPECT_EQ(result.measurements.at("cleaner_bytes_reclaimed"), 100);
  EXPECT_EQ(result.measurements.at("tombstones_removed"), 0);
  EXPECT_EQ(result.measurements.at("cleaner_lag_ms_max"), 4'000);
  EXPECT_FALSE(result.measurements.contains("tombstone_lifetime_ms_max"));
}

}  // namespace
}  // namespace samsa::properties
