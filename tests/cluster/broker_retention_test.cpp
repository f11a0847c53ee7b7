// Retention and compaction as the broker runs them: its log manager deletes expired
// segments on every replica, followers follow the leader's log start offset (and start
// again there when they fell behind it), consumers below it are OFFSET_OUT_OF_RANGE, a
// compacted topic refuses keyless records and every replica's cleaner keeps the latest
// value of each key.
#include <gtest/gtest.h>

#include <map>
#include <memory>

#include "tests/cluster/broker_rig.h"

namespace samsa::cluster::testing {
namespace {

// What the brokers told their observers: each replica's latest log start, and the passes.
struct Seen {
  std::map<BrokerId, Offset> log_start;
  std::map<BrokerId, int> retention_passes;
  std::map<BrokerId, int> cleaner_passes;
};

struct Cluster : BrokerRig {
  explicit Cluster(const std::shared_ptr<Seen>& seen, CleanupPolicy policy)
      : BrokerRig(1, [seen, policy](BrokerConfig& config) {
          config.log.segment_bytes = 256;  // a few batches per segment
          config.log.retention_ms = 2'000;
          config.log.cleanup_policy = policy;
          config.log.min_cleanable_dirty_ratio = 0.1;
          config.log_retention_check_interval_ms = 200;
          config.log_cleaner_backoff_ms = 200;
          config.replica_observer = [seen](const ReplicaObservation& o) {
            if (o.tp == kTp) seen->log_start[o.broker] = o.log_start_offset;
          };
          config.retention_observer = [seen](BrokerId b, const TopicPartition&,
                                             const RetentionPass&) { ++seen->retention_passes[b]; };
          config.cleaner_observer = [seen](BrokerId b, const TopicPartition&, const CleanPass&) {
            ++seen->cleaner_passes[b];
          };
        }) {
    create_partition(kTp, {kB1, kB2, kB3});
    run_for(500ms);
  }
  // One record per batch, stamped `timestamp_ms`; an empty `key` means none.
  std::optional<ProduceResponse> produce_keyed(const std::string& key, const std::string& value,
                                               std::int64_t timestamp_ms, std::int16_t acks = -1) {
    auto request = std::make_shared<ProduceRequest>();
    request->tp = kTp;
    request->acks = acks;
    request->timeout_ms = 3000;
    std::optional<Bytes> k;
    if (!key.empty()) k = Bytes(key.begin(), key.end());
    const std::vector<RecordInput> records{{timestamp_ms, k, Bytes(value.begin(), value.end())}};
    request->batch = encode_batch(records, {});
    return call<ProduceResponse>(kB1, request);
  }
  std::int64_t clock_ms(BrokerId b) { return sim().clock(node(b)).wall_ms(sim().now()); }
  Offset earliest(BrokerId b) {
    auto request = std::make_shared<ListOffsetsRequest>();
    request->tp = kTp;
    request->timestamp = kEarliestTimestamp;
    return call<ListOffsetsResponse>(b, request)->offset;
  }
};

TEST(BrokerRetention, ExpiredSegmentsGoOnTheLeaderAndFollowersFollowItsLogStart) {
  auto seen = std::make_shared<Seen>();
  Cluster c(seen, CleanupPolicy::kDelete);
  const std::int64_t old_ms = c.clock_ms(kB1) - 10'000;  // older than retention.ms
  for (int i = 0; i < 12; ++i) {
    ASSERT_EQ(c.produce_keyed("", "v" + std::to_string(i), old_ms)->error, ErrorCode::kNone);
  }
  c.run_for(1s);
  const Offset start = c.earliest(kB1);
  EXPECT_GT(start, Offset(0));
  EXPECT_LT(start, Offset(12));  // never the active segment
  EXPECT_EQ(c.fetch(kB1, kTp, Offset(0))->partitions.at(0).error, ErrorCode::kOffsetOutOfRange);
  EXPECT_EQ(c.fetch(kB1, kTp, start)->partitions.at(0).error, ErrorCode::kNone);
  for (BrokerId b : {kB1, kB2, kB3}) {
    EXPECT_EQ(seen->log_start[b], start) << "broker " << b.value();
    EXPECT_GE(seen->retention_passes[b], 1) << "broker " << b.value();
  }
}

TEST(BrokerRetention, YoungSegmentsStayWhateverTheirSize) {
  auto seen = std::make_shared<Seen>();
  Cluster c(seen, CleanupPolicy::kDelete);
  for (int i = 0; i < 12; ++i) {
    ASSERT_EQ(c.produce_keyed("", "v" + std::to_string(i), c.clock_ms(kB1))->error,
              ErrorCode::kNone);
  }
  c.run_for(1s);
  EXPECT_EQ(c.earliest(kB1), Offset(0));
  EXPECT_EQ(seen->retention_passes[kB1], 0);
}

TEST(BrokerRetention, AFollowerThatFellBehindTheLeadersLogStartStartsAgainThere) {
  auto seen = std::make_shared<Seen>();
  Cluster c(seen, CleanupPolicy::kDelete);
  const std::vector<sim::NodeId> leader{c.node(kB1)};
  const std::vector<sim::NodeId> lagging{c.node(kB3)};
  c.sim().network().partition(leader, lagging);
  const std::int64_t old_ms = c.clock_ms(kB1) - 10'000;
  for (int i = 0; i < 12; ++i) {
    ASSERT_EQ(c.produce_keyed("", "v" + std::to_string(i), old_ms, 1)->error, ErrorCode::kNone);
  }
  c.run_for(3s);
  const Offset start = c.earliest(kB1);
  ASSERT_GT(start, Offset(1));
  c.sim().network().heal();
  c.run_for(3s);
  EXPECT_EQ(seen->log_start[kB3], start);
  c.elect(kTp, kB3);
  c.run_for(500ms);
  EXPECT_EQ(c.earliest(kB3), start);
  EXPECT_EQ(c.consume_all(kB3, kTp, start).size(), static_cast<std::size_t>(12 - start.value()));
}

TEST(BrokerCompaction, ACompactedTopicRefusesARecordWithoutAKey) {
  auto seen = std::make_shared<Seen>();
  Cluster c(seen, CleanupPolicy::kCompact);
  EXPECT_EQ(c.produce_keyed("", "v", c.clock_ms(kB1))->error, ErrorCode::kInvalidRecord);
  EXPECT_EQ(c.produce_keyed("k", "v", c.clock_ms(kB1))->error, ErrorCode::kNone);
}

TEST(BrokerCompaction, EveryReplicaCleansAndAReaderFromTheStartSeesEachKeysLatestValue) {
  auto seen = std::make_shared<Seen>();
  Cluster c(seen, CleanupPolicy::kCompact);
  const std::vector<std::string> keys{"a", "b", "c"};
  for (int i = 0; i < 30; ++i) {
    const std::string& key = keys[static_cast<std::size_t>(i) % keys.size()];
    ASSERT_EQ(c.produce_keyed(key, key + std::to_string(i), c.clock_ms(kB1))->error,
              ErrorCode::kNone);
  }
  c.run_for(2s);
  for (BrokerId b : {kB1, kB2, kB3})
    EXPECT_GE(seen->cleaner_passes[b], 1) << "broker " << b.value();
  const std::vector<std::string> read = c.consume_all(kB1, kTp);
  EXPECT_LT(read.size(), 30u);
  for (const std::string latest : {"a27", "b28", "c29"}) {
    EXPECT_NE(std::find(read.begin(), read.end(), latest), read.end()) << latest;
  }
  EXPECT_EQ(c.earliest(kB1), Offset(0));  // compaction never moves the log start
}

}  // namespace
}  // namespace samsa::cluster::testing
