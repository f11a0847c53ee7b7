// The broker's request paths on a 3-broker cluster with a test controller: produce with
// each acks setting, consumer fetches, idempotent retries, epoch fencing, ISR changes.
#include <gtest/gtest.h>

#include "tests/cluster/broker_rig.h"

namespace samsa::cluster::testing {
namespace {

struct Cluster : BrokerRig {
  explicit Cluster(std::function<void(BrokerConfig&)> tweak = {}) : BrokerRig(1, std::move(tweak)) {
    create_partition(kTp, {kB1, kB2, kB3});
    run_for(500ms);
  }
  // Partitions b3 away from the leader, produces one record and lets b3 fall out of the ISR.
  void leave_b3_behind() {
    const std::vector<sim::NodeId> leader{node(kB1)};
    const std::vector<sim::NodeId> lagging{node(kB3)};
    sim().network().partition(leader, lagging);
    ASSERT_EQ(produce(kB1, kTp, {"a"}, 1)->error, ErrorCode::kNone);
    run_for(3s);
    ASSERT_EQ(state(kTp).isr, (std::vector<BrokerId>{kB1, kB2}));
  }
  void cut_off_followers() {
    const std::vector<sim::NodeId> leader{node(kB1)};
    const std::vector<sim::NodeId> followers{node(kB2), node(kB3)};
    sim().network().partition(leader, followers);
  }
};

TEST(Broker, AcksOneProduceIsReadBackByAConsumerOnceReplicated) {
  Cluster c;
  const auto produced = c.produce(kB1, kTp, {"a", "b"}, 1);
  ASSERT_TRUE(produced);
  EXPECT_EQ(produced->error, ErrorCode::kNone);
  EXPECT_EQ(produced->base_offset, Offset(0));
  c.run_for(1s);
  EXPECT_EQ(c.consume_all(kB1, kTp), (std::vector<std::string>{"a", "b"}));
}

TEST(Broker, AcksAllProduceIsAnsweredOnlyAfterFollowersReplicate) {
  Cluster c;
  const auto produced = c.produce(kB1, kTp, {"a"}, -1);
  ASSERT_TRUE(produced);
  EXPECT_EQ(produced->error, ErrorCode::kNone);
  // Answered means the HW passed it: a consumer sees it at once.
  EXPECT_EQ(c.consume_all(kB1, kTp), (std::vector<std::string>{"a"}));
}

TEST(Broker, AcksAllTimesOutWhenFollowersArePartitionedAway) {
  Cluster c;
  c.cut_off_followers();
  const auto produced = c.produce(kB1, kTp, {"a"}, -1, {}, /*timeout_ms=*/400);
  ASSERT_TRUE(produced);
  EXPECT_EQ(produced->error, ErrorCode::kRequestTimedOut);
  EXPECT_TRUE(c.consume_all(kB1, kTp).empty());
}

TEST(Broker, AcksZeroProduceGetsNoResponseButIsAppended) {
  Cluster c;
  auto request = std::make_shared<ProduceRequest>();
  request->tp = kTp;
  request->acks = 0;
  request->batch = BrokerRig::batch_of({"fire-and-forget"});
  const auto response = c.call<ProduceResponse>(kB1, request, 500ms);
  EXPECT_FALSE(response);  // no response: the call times out
  c.run_for(1s);
  EXPECT_EQ(c.consume_all(kB1, kTp), (std::vector<std::string>{"fire-and-forget"}));
}

TEST(Broker, ProduceToAFollowerIsNotLeaderOrFollower) {
  Cluster c;
  const auto produced = c.produce(kB2, kTp, {"a"}, 1);
  ASSERT_TRUE(produced);
  EXPECT_EQ(produced->error, ErrorCode::kNotLeaderOrFollower);
}

TEST(Broker, IsrShrinksAfterReplicaLagTimeAndAcksAllGetsNotEnoughReplicas) {
  Cluster c;
  c.cut_off_followers();
  ASSERT_EQ(c.produce(kB1, kTp, {"a"}, 1)->error, ErrorCode::kNone);
  c.run_for(3s);  // replica.lag.time.max.ms = 1s
  EXPECT_EQ(c.state(kTp).isr, std::vector<BrokerId>{kB1});
  const auto refused = c.produce(kB1, kTp, {"b"}, -1);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->error, ErrorCode::kNotEnoughReplicas);
  // Nothing was appended: the next offset is still 1.
  EXPECT_EQ(c.produce(kB1, kTp, {"c"}, 1)->base_offset, Offset(1));
}

TEST(Broker, IsrExpandsBackAfterThePartitionHeals) {
  Cluster c;
  c.leave_b3_behind();
  c.sim().network().heal();
  c.run_for(3s);
  EXPECT_EQ(c.state(kTp).isr.size(), 3u);
  EXPECT_EQ(c.produce(kB1, kTp, {"b"}, -1)->error, ErrorCode::kNone);
}

TEST(Broker, AFencedBrokerDoesNotRejoinTheIsrUntilUnfenced) {
  Cluster c;
  c.leave_b3_behind();
  c.set_fenced(kB3, true);
  c.sim().network().heal();
  c.run_for(3s);
  EXPECT_EQ(c.state(kTp).isr, (std::vector<BrokerId>{kB1, kB2}));  // caught up, but fenced
  c.set_fenced(kB3, false);
  c.run_for(2s);
  EXPECT_EQ(c.state(kTp).isr.size(), 3u);
}

TEST(Broker, IdempotentRetryIsAnsweredWithTheOriginalOffset) {
  Cluster c;
  const BatchProducer producer{ProducerId(7), ProducerEpoch(0), Sequence(0)};
  ASSERT_EQ(c.produce(kB1, kTp, {"x"}, -1)->base_offset, Offset(0));
  const auto first = c.produce(kB1, kTp, {"a", "b"}, -1, producer);
  const auto retry = c.produce(kB1, kTp, {"a", "b"}, -1, producer);
  ASSERT_TRUE(first && retry);
  EXPECT_EQ(first->error, ErrorCode::kNone);
  EXPECT_EQ(retry->error, ErrorCode::kNone);
  EXPECT_EQ(first->base_offset, Offset(1));
  EXPECT_EQ(retry->base_offset, Offset(1));
  EXPECT_EQ(c.consume_all(kB1, kTp), (std::vector<std::string>{"x", "a", "b"}));
  const BatchProducer gap{ProducerId(7), ProducerEpoch(0), Sequence(5)};
  EXPECT_EQ(c.produce(kB1, kTp, {"c"}, -1, gap)->error, ErrorCode::kOutOfOrderSequenceNumber);
}

TEST(Broker, FetchWithAStaleLeaderEpochIsFencedAndANewerOneUnknown) {
  Cluster c;
  c.elect(kTp, kB2);
  c.run_for(500ms);
  const auto stale = c.fetch(kB2, kTp, Offset(0), LeaderEpoch(0));
  ASSERT_TRUE(stale);
  EXPECT_EQ(stale->partitions.at(0).error, ErrorCode::kFencedLeaderEpoch);
  const auto newer = c.fetch(kB2, kTp, Offset(0), LeaderEpoch(5));
  EXPECT_EQ(newer->partitions.at(0).error, ErrorCode::kUnknownLeaderEpoch);
  const auto current = c.fetch(kB2, kTp, Offset(0), LeaderEpoch(1));
  EXPECT_EQ(current->partitions.at(0).error, ErrorCode::kNone);
}

TEST(Broker, ConsumerFetchPastTheLogEndIsOffsetOutOfRange) {
  Cluster c;
  ASSERT_EQ(c.produce(kB1, kTp, {"a"}, -1)->error, ErrorCode::kNone);
  EXPECT_EQ(c.fetch(kB1, kTp, Offset(5))->partitions.at(0).error, ErrorCode::kOffsetOutOfRange);
}

TEST(Broker, ListOffsetsAnswersEarliestAndLatestAsTheHighWatermark) {
  Cluster c;
  ASSERT_EQ(c.produce(kB1, kTp, {"a", "b", "c"}, -1)->error, ErrorCode::kNone);
  auto request = std::make_shared<ListOffsetsRequest>();
  request->tp = kTp;
  request->timestamp = kLatestTimestamp;
  EXPECT_EQ(c.call<ListOffsetsResponse>(kB1, request)->offset, Offset(3));
  auto earliest = std::make_shared<ListOffsetsRequest>();
  earliest->tp = kTp;
  earliest->timestamp = kEarliestTimestamp;
  EXPECT_EQ(c.call<ListOffsetsResponse>(kB1, earliest)->offset, Offset(0));
}

TEST(Broker, ALongPollingConsumerFetchIsAnsweredWhenDataArrives) {
  Cluster c;
  auto request = std::make_shared<FetchRequest>();
  request->max_wait_ms = 450;
  request->min_bytes = 1;
  FetchPartition p;
  p.tp = kTp;
  p.fetch_offset = Offset(0);
  request->partitions.push_back(p);
  const sim::SimTime asked_at = c.sim().now();
  auto pending = c.start_call<FetchResponse>(kB1, request);
  c.run_for(200ms);
  EXPECT_FALSE(pending->done);  // nothing to read yet: the fetch waits
  ASSERT_EQ(c.produce(kB1, kTp, {"late"}, -1)->error, ErrorCode::kNone);
  c.run_for(100ms);
  ASSERT_TRUE(pending->done);
  EXPECT_LT(pending->answered_at - asked_at, 450ms);
  EXPECT_EQ(BrokerRig::records_of(pending->response->partitions.at(0).records).size(), 1u);
}

// An empty long poll with `max_wait_ms`; returns how long the answer took.
sim::Duration empty_long_poll(Cluster& c, std::int32_t max_wait_ms) {
  auto request = std::make_shared<FetchRequest>();
  request->max_wait_ms = max_wait_ms;
  FetchPartition p;
  p.tp = kTp;
  request->partitions.push_back(p);
  const sim::SimTime asked_at = c.sim().now();
  auto pending = c.start_call<FetchResponse>(kB1, request, 120s);
  c.run_for(70s);
  EXPECT_TRUE(pending->done && pending->response);
  return pending->answered_at - asked_at;
}

// fetch.max.wait.ms is the consumer's (Kafka's DelayedFetch waits what the request says):
// no broker setting shortens it.
TEST(Broker, AConsumerLongPollWaitsItsOwnMaxWait) {
  Cluster c([](BrokerConfig& config) { config.request_timeout_ms = 30'000; });
  const sim::Duration waited = empty_long_poll(c, 5'000);
  EXPECT_GE(waited, 5s);
  EXPECT_LT(waited, 5100ms);
}

// samsa's one broker-side bound on a long poll: request.timeout.ms, past which the client
// has given up on the call anyway.
TEST(Broker, ALongPollEndsAtRequestTimeoutMsTheBrokersSafetyCap) {
  Cluster c([](BrokerConfig& config) { config.request_timeout_ms = 30'000; });
  const sim::Duration waited = empty_long_poll(c, 60'000);
  EXPECT_GE(waited, 30s);
  EXPECT_LT(waited, 30100ms);
}

TEST(Broker, OffsetsForLeaderEpochAnswersTheEndOfTheRequestedEpoch) {
  Cluster c;
  ASSERT_EQ(c.produce(kB1, kTp, {"a", "b"}, -1)->error, ErrorCode::kNone);
  c.elect(kTp, kB2);
  c.run_for(500ms);
  ASSERT_EQ(c.produce(kB2, kTp, {"c"}, -1)->error, ErrorCode::kNone);
  auto ask = [&](LeaderEpoch epoch) {
    auto request = std::make_shared<OffsetsForLeaderEpochRequest>();
    request->tp = kTp;
    request->leader_epoch = epoch;
    return c.call<OffsetsForLeaderEpochResponse>(kB2, request)->end;
  };
  EXPECT_EQ(ask(LeaderEpoch(0)), (EpochEndOffset{LeaderEpoch(0), Offset(2)}));
  EXPECT_EQ(ask(LeaderEpoch(1)), (EpochEndOffset{LeaderEpoch(1), Offset(3)}));
}

TEST(Broker, AnIdempotentRetryToTheNewLeaderIsAnsweredWithTheOriginalOffset) {
  Cluster c;
  const BatchProducer producer{ProducerId(9), ProducerEpoch(0), Sequence(0)};
  ASSERT_EQ(c.produce(kB1, kTp, {"a"}, -1, producer)->base_offset, Offset(0));
  c.elect(kTp, kB2);
  c.run_for(500ms);
  const auto retry = c.produce(kB2, kTp, {"a"}, -1, producer);
  ASSERT_TRUE(retry);
  EXPECT_EQ(retry->error, ErrorCode::kNone);
  EXPECT_EQ(retry->base_offset, Offset(0));
  EXPECT_EQ(c.consume_all(kB2, kTp), (std::vector<std::string>{"a"}));
}

TEST(Broker, ARestartedFollowerRecoversItsLogAndCatchesUp) {
  Cluster c;
  ASSERT_EQ(c.produce(kB1, kTp, {"a", "b"}, -1)->error, ErrorCode::kNone);
  c.sim().crash(c.node(kB3));
  ASSERT_EQ(c.produce(kB1, kTp, {"c"}, 1)->error, ErrorCode::kNone);
  c.start_broker(2);
  c.run_for(2s);
  c.elect(kTp, kB3);
  c.run_for(500ms);
  EXPECT_EQ(c.consume_all(kB3, kTp), (std::vector<std::string>{"a", "b", "c"}));
}

TEST(Broker, AWaitingAcksAllProduceFailsWithNotLeaderWhenLeadershipMoves) {
  Cluster c;
  c.cut_off_followers();
  auto request = std::make_shared<ProduceRequest>();
  request->tp = kTp;
  request->acks = -1;
  request->timeout_ms = 5000;
  request->batch = BrokerRig::batch_of({"a"});
  auto pending = c.start_call<ProduceResponse>(kB1, request);
  c.run_for(200ms);
  EXPECT_FALSE(pending->done);  // in the delay queue
  c.elect(kTp, kB2, std::vector<BrokerId>{kB2, kB3});
  c.run_for(100ms);
  ASSERT_TRUE(pending->done && pending->response);
  EXPECT_EQ(pending->response->error, ErrorCode::kNotLeaderOrFollower);
}

TEST(Broker, MetadataRequestListsLeadersAndBrokers) {
  Cluster c;
  auto request = std::make_shared<MetadataRequest>();
  const auto response = c.call<MetadataResponse>(kB3, request);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->brokers.size(), 3u);
  ASSERT_EQ(response->partitions.size(), 1u);
  EXPECT_EQ(response->partitions[0].leader, kB1);
}

}  // namespace
}  // namespace samsa::cluster::testing
