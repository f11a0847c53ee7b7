// End to end: KafkaConsumer (cluster/client/consumer.h) in assign mode (no group.id)
// against a KRaft cluster on the simulator, fed by a KafkaProducer. Each test states a
// claim about what a consumer's polls return — offsets, order, resets, KIP-320
// validation and truncation detection — with and without leader failures.
#include "tests/harness/consumer_testing.h"

namespace samsa::harness {
namespace {

using namespace consumer_testing;

TEST(Consumer, FromEarliestEveryAcknowledgedRecordIsReadOnceInOffsetOrderWithinMaxPollRecords) {
  Fixture f;
  f.create_topic(1);
  f.start_producer();
  const std::map<std::int64_t, std::string> first = f.produce(kTp0, 120, "a");
  ConsumerConfig config = Fixture::consumer_config(OffsetResetStrategy::kEarliest);
  config.max_poll_records = 7;
  f.start_consumer(config);
  f.on_consumer([](KafkaConsumer& c) { EXPECT_EQ(c.assign({kTp0}), ErrorCode::kNone); });
  ASSERT_TRUE(f.poll_until([&] { return f.consumed_up_to(kTp0, 120); }, 30s));
  // Records produced while the consumer is at the head arrive too.
  std::map<std::int64_t, std::string> acknowledged = first;
  acknowledged.merge(f.produce(kTp0, 80, "b"));
  ASSERT_EQ(acknowledged.size(), 200U) << "no faults: every send is acknowledged";
  ASSERT_TRUE(f.poll_until([&] { return f.consumed_up_to(kTp0, 200); }, 30s));
  EXPECT_EQ(offsets_of(f.consumed_), range(0, 200)) << "in offset order, each exactly once";
  for (const ConsumerRecord& r : f.consumed_) {
    EXPECT_EQ(text_of(r.value), acknowledged.at(r.offset.value()));
    EXPECT_EQ(r.leader_epoch, f.cluster_.partition(kTp0)->leader_epoch);
  }
  EXPECT_LE(f.largest_poll_, 7U);
  EXPECT_GT(f.largest_poll_, 0U);
  EXPECT_TRUE(f.errors_.empty());
  EXPECT_EQ(f.consumer_->stats().records, 200U);
  EXPECT_EQ(f.consumer_->stats().resets, 1U) << "one reset to earliest at the start";
}

TEST(Consumer, FromLatestRecordsThatExistedBeforeTheResetAreSkipped) {
  Fixture f;
  f.create_topic(1);
  f.start_producer();
  ASSERT_EQ(f.produce(kTp0, 50, "old").size(), 50U);
  f.start_consumer(Fixture::consumer_config(OffsetResetStrategy::kLatest));
  std::optional<Offset> position;
  f.on_consumer([&](KafkaConsumer& c) {
    c.assign({kTp0});
    position = c.position(kTp0, 10s);
  });
  ASSERT_EQ(position, Offset(50)) << "latest: the high watermark";
  ASSERT_EQ(f.produce(kTp0, 30, "new").size(), 30U);
  ASSERT_TRUE(f.poll_until([&] { return f.consumed_up_to(kTp0, 80); }, 20s));
  EXPECT_EQ(offsets_of(f.consumed_), range(50, 80));
  for (const ConsumerRecord& r : f.consumed_) EXPECT_EQ(text_of(r.value).substr(0, 4), "new-");
}

TEST(Consumer, UnderResetNoneAMissingPositionAndASeekPastTheEndAreReportedToTheCaller) {
  Fixture f;
  f.create_topic(1);
  f.start_producer();
  ASSERT_EQ(f.produce(kTp0, 10, "v").size(), 10U);
  f.start_consumer(Fixture::consumer_config(OffsetResetStrategy::kNone));
  f.on_consumer([](KafkaConsumer& c) { c.assign({kTp0}); });
  ASSERT_TRUE(f.poll_until([&] { return !f.errors_.empty(); }, 5s));
  EXPECT_EQ(f.errors_.front().first, kTp0);
  EXPECT_EQ(f.errors_.front().second.kind, PollError::kNoOffsetForPartition)
      << "no group.id, so nothing committed, and no reset policy";

  f.errors_.clear();
  f.on_consumer([](KafkaConsumer& c) { EXPECT_EQ(c.seek(kTp0, Offset(1000)), ErrorCode::kNone); });
  ASSERT_TRUE(f.poll_until([&] { return !f.errors_.empty(); }, 5s));
  const PartitionPollError& error = f.errors_.front().second;
  EXPECT_EQ(error.kind, PollError::kOffsetOutOfRange);
  EXPECT_EQ(error.error, ErrorCode::kOffsetOutOfRange);
  EXPECT_EQ(error.offset, Offset(1000));
  EXPECT_TRUE(f.consumed_.empty());
  EXPECT_EQ(f.consumer_->stats().resets, 0U) << "none never resets";

  f.errors_.clear();
  f.on_consumer([](KafkaConsumer& c) { EXPECT_EQ(c.seek(kTp0, Offset(3)), ErrorCode::kNone); });
  ASSERT_TRUE(f.poll_until([&] { return f.consumed_up_to(kTp0, 10); }, 5s));
  EXPECT_EQ(offsets_of(f.consumed_), range(3, 10)) << "after a seek into range, reading resumes";
  EXPECT_TRUE(f.errors_.empty());
}

struct LeaderChangeRun {
  std::vector<std::int64_t> offsets;  // consumed, in poll order
  std::int64_t log_end = 0;
  cluster::ConsumerStats stats;
  std::uint64_t trace_hash = 0;
};

// 200 records, a consumer that read 50 of them, then the leader crashes; the consumer
// polls on through the failover while 100 more are produced to the new leader. A small
// fetch size keeps little buffered, so the consumer meets the change with most of the
// log unread.
LeaderChangeRun run_leader_change(bool reset_to_latest_bug) {
  Fixture f;
  f.create_topic(1);
  f.start_producer();
  EXPECT_EQ(f.produce(kTp0, 200, "before").size(), 200U);
  ConsumerConfig config = Fixture::consumer_config(OffsetResetStrategy::kEarliest);
  config.max_poll_records = 10;
  config.max_partition_fetch_bytes = 64;
  cluster::Bugs bugs;
  if (reset_to_latest_bug) bugs.enable(cluster::Bug::kResetToLatestOnLeaderChange);
  f.start_consumer(config, bugs);
  f.on_consumer([](KafkaConsumer& c) { c.assign({kTp0}); });
  EXPECT_TRUE(f.poll_until([&] { return f.consumed_.size() >= 50; }, 10s));
  const cluster::BrokerId old_leader = f.leader_of(kTp0);
  f.sim_.crash(f.cluster_.broker_node(old_leader));
  f.start_polling();
  EXPECT_TRUE(f.run_until(
      [&] {
        const cluster::BrokerId leader = f.leader_of(kTp0);
        return leader != cluster::kNoLeader && leader != old_leader;
      },
      15s));
  const std::map<std::int64_t, std::string> after = f.produce(kTp0, 100, "after");
  EXPECT_EQ(after.size(), 100U);
  LeaderChangeRun run;
  run.log_end = after.empty() ? 0 : after.rbegin()->first + 1;
  EXPECT_TRUE(f.run_until([&] { return f.position_of(kTp0) >= run.log_end; }, 30s));
  f.stop_polling();
  run.offsets = offsets_of(f.consumed_);
  run.stats = f.consumer_->stats();
  run.trace_hash = f.sim_.trace_hash();
  return run;
}

TEST(Consumer, AfterALeaderCrashTheConsumerValidatesItsPositionWithTheNewLeaderAndSkipsNothing) {
  const LeaderChangeRun run = run_leader_change(false);
  EXPECT_EQ(run.log_end, 300);
  EXPECT_EQ(run.offsets, range(0, run.log_end)) << "every offset once, in order";
  EXPECT_GE(run.stats.validations, 1U) << "KIP-320: the position was checked with the new leader";
  EXPECT_EQ(run.stats.truncations_detected, 0U) << "acks=all records survive the failover";
  EXPECT_EQ(run.stats.resets, 1U) << "only the first reset to earliest";
}

TEST(Consumer, TheSameSeedGivesTheSameConsumptionAndTraceHashThroughAFailover) {
  const LeaderChangeRun first = run_leader_change(false);
  const LeaderChangeRun second = run_leader_change(false);
  EXPECT_EQ(first.offsets, second.offsets);
  EXPECT_EQ(first.stats.fetches, second.stats.fetches);
  EXPECT_EQ(first.trace_hash, second.trace_hash);
}

TEST(Consumer, WithTheResetToLatestBugALeaderChangeSkipsRecordsTheConsumerHadNotRead) {
  const LeaderChangeRun run = run_leader_change(true);
  EXPECT_EQ(run.stats.validations, 0U);
  EXPECT_EQ(run.stats.resets, 2U) << "earliest at the start, then latest at the leader change";
  ASSERT_FALSE(run.offsets.empty());
  EXPECT_EQ(run.offsets.front(), 0);
  EXPECT_EQ(run.offsets.back(), run.log_end - 1) << "it reads on at the head";
  std::int64_t skipped = 0;
  for (std::size_t i = 1; i < run.offsets.size(); ++i) {
    EXPECT_GT(run.offsets[i], run.offsets[i - 1]) << "never backwards";
    skipped += run.offsets[i] - run.offsets[i - 1] - 1;
  }
  EXPECT_GE(skipped, 100) << "most of the 150 records it had not read when the leader died "
                             "were passed over";
}

// Two replicas; the follower falls out of the ISR, acks=1 records land on the leader
// only and are consumed, then the leader dies and the lagging follower is elected
// uncleanly: the consumer's position lies past the new leader's log end.
struct UncleanElection {
  std::int64_t consumed_before = 0;  // the position when the old leader died
  std::int64_t new_leader_end = 0;   // where the new leader's log continued
};

UncleanElection consume_then_elect_uncleanly(Fixture& f, OffsetResetStrategy reset) {
  UncleanElection result;
  f.create_topic(1, 2, true);
  f.start_producer(1);
  EXPECT_EQ(f.produce(kTp0, 20, "replicated").size(), 20U);
  f.run_until([] { return false; }, 500ms);  // the follower fetches them
  const cluster::PartitionState s = *f.cluster_.partition(kTp0);
  const cluster::BrokerId follower = s.replicas[0] == s.leader ? s.replicas[1] : s.replicas[0];
  f.sim_.crash(f.cluster_.broker_node(follower));
  EXPECT_TRUE(f.run_until([&] { return f.cluster_.partition(kTp0)->isr.size() == 1; }, 8s));
  f.run_until([] { return false; }, 1s);  // the leader learns its ISR
  EXPECT_EQ(f.produce(kTp0, 30, "leader-only").size(), 30U);
  f.start_consumer(Fixture::consumer_config(reset));
  f.on_consumer([](KafkaConsumer& c) {
    c.assign({kTp0});
    EXPECT_EQ(c.seek(kTp0, Offset(0)), ErrorCode::kNone);
  });
  EXPECT_TRUE(f.poll_until([&] { return f.consumed_up_to(kTp0, 50); }, 10s));
  result.consumed_before = static_cast<std::int64_t>(f.consumed_.size());
  f.sim_.crash(f.cluster_.broker_node(s.leader));
  f.sim_.restart(f.cluster_.broker_node(follower));
  EXPECT_TRUE(f.run_until([&] { return f.leader_of(kTp0) == follower; }, 20s));
  const std::map<std::int64_t, std::string> after = f.produce(kTp0, 5, "new-leader");
  EXPECT_EQ(after.size(), 5U);
  result.new_leader_end = after.empty() ? 0 : after.begin()->first;
  return result;
}

TEST(Consumer, APositionPastTheNewLeadersLogAfterAnUncleanElectionIsDetectedAsTruncation) {
  Fixture f([](ClusterSpec& spec) { spec.broker.replication.min_insync_replicas = 1; });
  const UncleanElection election = consume_then_elect_uncleanly(f, OffsetResetStrategy::kEarliest);
  ASSERT_EQ(election.consumed_before, 50);
  ASSERT_EQ(election.new_leader_end, 20) << "the new leader lacks the 30 acks=1 records";
  f.consumed_.clear();
  ASSERT_TRUE(f.poll_until([&] { return f.consumed_up_to(kTp0, 25); }, 20s));
  EXPECT_EQ(f.consumer_->stats().truncations_detected, 1U);
  EXPECT_EQ(offsets_of(f.consumed_), range(20, 25))
      << "reading resumed at the first offset known to diverge";
  for (const ConsumerRecord& r : f.consumed_)
    EXPECT_EQ(text_of(r.value).substr(0, 10), "new-leader");
  EXPECT_TRUE(f.errors_.empty());
}

TEST(Consumer, UnderResetNoneTruncationIsReportedWithTheDivergentOffsetUntilTheCallerSeeks) {
  Fixture f([](ClusterSpec& spec) { spec.broker.replication.min_insync_replicas = 1; });
  const UncleanElection election = consume_then_elect_uncleanly(f, OffsetResetStrategy::kNone);
  ASSERT_EQ(election.consumed_before, 50);
  f.consumed_.clear();
  ASSERT_TRUE(f.poll_until([&] { return !f.errors_.empty(); }, 20s));
  const PartitionPollError& error = f.errors_.front().second;
  EXPECT_EQ(error.kind, PollError::kLogTruncation);
  EXPECT_EQ(error.offset, Offset(50));
  ASSERT_TRUE(error.divergent_offset.has_value());
  EXPECT_EQ(error.divergent_offset->end_offset, Offset(20));
  EXPECT_TRUE(f.consumed_.empty()) << "nothing is read past a truncation without a policy";
  f.on_consumer([&](KafkaConsumer& c) { c.seek(kTp0, error.divergent_offset->end_offset); });
  ASSERT_TRUE(f.poll_until([&] { return f.consumed_up_to(kTp0, 25); }, 10s));
  EXPECT_EQ(offsets_of(f.consumed_), range(20, 25));
}

TEST(Consumer, APausedPartitionReturnsNothingUntilResumedWhileOthersFlow) {
  Fixture f;
  f.create_topic(2);
  f.start_producer();
  ASSERT_EQ(f.produce(kTp0, 10, "p0").size(), 10U);
  ConsumerConfig config = Fixture::consumer_config(OffsetResetStrategy::kEarliest);
  config.max_poll_records = 1;  // one fetch brings all ten; the rest wait in the buffer
  f.start_consumer(config);
  f.on_consumer([](KafkaConsumer& c) { c.assign({kTp0, kTp1}); });
  ASSERT_TRUE(f.poll_until([&] { return !f.consumed_.empty(); }, 10s));
  ASSERT_EQ(offsets_of(f.consumed_of(kTp0)), std::vector<std::int64_t>{0});
  f.on_consumer([](KafkaConsumer& c) {
    c.pause({kTp0});
    EXPECT_EQ(c.paused(), std::vector<TopicPartition>{kTp0});
  });
  ASSERT_EQ(f.produce(kTp1, 10, "p1").size(), 10U);
  ASSERT_TRUE(f.poll_until([&] { return f.consumed_up_to(kTp1, 10); }, 10s));
  f.poll_until([] { return false; }, 1s);
  EXPECT_EQ(offsets_of(f.consumed_of(kTp0)), std::vector<std::int64_t>{0})
      << "paused: not even the records already fetched are returned";
  // Cut off from every broker, the consumer can only return what it kept while paused.
  f.sim_.network().isolate(f.consumer_node_);
  f.on_consumer([](KafkaConsumer& c) { c.resume({kTp0}); });
  ASSERT_TRUE(f.poll_until([&] { return f.consumed_up_to(kTp0, 10); }, 10s));
  EXPECT_EQ(offsets_of(f.consumed_of(kTp0)), range(0, 10));
  EXPECT_EQ(offsets_of(f.consumed_of(kTp1)), range(0, 10));
}

TEST(Consumer, SeekRereadsFromTheGivenOffsetAndSeekToBeginningAndEndGoToTheLogsEdges) {
  Fixture f;
  f.create_topic(1);
  f.start_producer();
  ASSERT_EQ(f.produce(kTp0, 20, "v").size(), 20U);
  f.start_consumer(Fixture::consumer_config(OffsetResetStrategy::kLatest));
  f.on_consumer([](KafkaConsumer& c) {
    c.assign({kTp0});
    c.seek_to_beginning({kTp0});
  });
  ASSERT_TRUE(f.poll_until([&] { return f.consumed_up_to(kTp0, 20); }, 10s));
  f.consumed_.clear();
  f.on_consumer([](KafkaConsumer& c) {
    EXPECT_EQ(c.seek(kTp0, Offset(5)), ErrorCode::kNone);
    EXPECT_EQ(c.seek(kTp1, Offset(5)), ErrorCode::kInvalidRequest) << "not assigned";
    EXPECT_EQ(c.seek(kTp0, Offset(-1)), ErrorCode::kInvalidRequest);
  });
  ASSERT_TRUE(f.poll_until([&] { return f.consumed_up_to(kTp0, 20); }, 10s));
  EXPECT_EQ(offsets_of(f.consumed_), range(5, 20));
  std::optional<Offset> end;
  f.on_consumer([&](KafkaConsumer& c) {
    c.seek_to_end({kTp0});
    end = c.position(kTp0, 5s);
  });
  EXPECT_EQ(end, Offset(20));
  f.consumed_.clear();
  ASSERT_EQ(f.produce(kTp0, 3, "w").size(), 3U);
  ASSERT_TRUE(f.poll_until([&] { return f.consumed_up_to(kTp0, 23); }, 10s));
  EXPECT_EQ(offsets_of(f.consumed_), range(20, 23));
}

TEST(Consumer, WithoutAGroupIdCommitsAndSubscribeAnswerInvalidGroupId) {
  Fixture f;
  f.create_topic(1);
  f.start_consumer(Fixture::consumer_config(OffsetResetStrategy::kEarliest));
  std::optional<ErrorCode> async_error;
  f.on_consumer([&](KafkaConsumer& c) {
    EXPECT_EQ(c.subscribe({kTopic}), ErrorCode::kInvalidGroupId);
    c.assign({kTp0});
    EXPECT_EQ(c.commit_sync(), ErrorCode::kInvalidGroupId);
    EXPECT_FALSE(c.committed({kTp0}, 1s).ok());
    c.commit_async([&](ErrorCode e) { async_error = e; });
    EXPECT_EQ(c.generation(), std::nullopt);
    EXPECT_EQ(c.coordinator(), nullptr);
  });
  EXPECT_EQ(async_error, ErrorCode::kInvalidGroupId);
}

}  // namespace
}  // namespace samsa::harness
