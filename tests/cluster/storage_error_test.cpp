// Disk errors take one replica's partition offline, as Kafka's failed log dir does
// (ReplicaManager.handleLogDirFailure): the run goes on, the replica answers every
// request with KAFKA_STORAGE_ERROR and stops fetching, the other replicas carry on (the
// leader shrinks the ISR as for any replica that stops fetching), and a restart with the
// fault cleared recovers the log and the replica rejoins.
#include <gtest/gtest.h>

#include "tests/cluster/broker_rig.h"

namespace samsa::cluster::testing {
namespace {

void cut(BrokerRig& rig, std::vector<BrokerId> a, std::vector<BrokerId> b) {
  std::vector<sim::NodeId> side_a;
  std::vector<sim::NodeId> side_b;
  for (BrokerId x : a) side_a.push_back(rig.node(x));
  for (BrokerId x : b) side_b.push_back(rig.node(x));
  rig.sim().network().partition(side_a, side_b);
}

// Only the injected errors touch the disk in the windows these tests open: no periodic
// HW checkpoint falls inside them. A fetch lost in a network cut times out within 0.8 s,
// before the ISR shrinks (replica.lag.time.max.ms is 1 s).
BrokerRig make_rig() {
  return BrokerRig(1, [](BrokerConfig& c) {
    c.replica_high_watermark_checkpoint_interval_ms = 60'000;
    c.request_timeout_ms = 300;
  });
}

void set_disk_errors(BrokerRig& rig, BrokerId b, double probability) {
  rig.sim().disk(rig.node(b)).set_error_probability(probability);
}

// The error of each of the four requests a replica answers for a partition.
struct Answers {
  ErrorCode produce = ErrorCode::kNone;
  ErrorCode fetch = ErrorCode::kNone;
  ErrorCode list_offsets = ErrorCode::kNone;
  ErrorCode offsets_for_leader_epoch = ErrorCode::kNone;
};

Answers ask_everything(BrokerRig& rig, BrokerId b) {
  Answers answers;
  const auto produced = rig.produce(b, kTp, {"z"}, 1);
  EXPECT_TRUE(produced);
  if (produced) answers.produce = produced->error;
  auto fetch = std::make_shared<FetchRequest>();
  fetch->max_wait_ms = 0;
  fetch->rack_id = "rack-1";  // a follower may serve it too (KIP-392)
  FetchPartition p;
  p.tp = kTp;
  fetch->partitions.push_back(p);
  const auto fetched = rig.call<FetchResponse>(b, fetch);
  EXPECT_TRUE(fetched && fetched->partitions.size() == 1);
  if (fetched && fetched->partitions.size() == 1) answers.fetch = fetched->partitions[0].error;
  auto list = std::make_shared<ListOffsetsRequest>();
  list->tp = kTp;
  const auto listed = rig.call<ListOffsetsResponse>(b, list);
  EXPECT_TRUE(listed);
  if (listed) answers.list_offsets = listed->error;
  auto epoch = std::make_shared<OffsetsForLeaderEpochRequest>();
  epoch->tp = kTp;
  epoch->leader_epoch = LeaderEpoch(0);
  const auto ended = rig.call<OffsetsForLeaderEpochResponse>(b, epoch);
  EXPECT_TRUE(ended);
  if (ended) answers.offsets_for_leader_epoch = ended->error;
  return answers;
}

void expect_all_storage_errors(const Answers& a) {
  EXPECT_EQ(a.produce, ErrorCode::kKafkaStorageError);
  EXPECT_EQ(a.fetch, ErrorCode::kKafkaStorageError);
  EXPECT_EQ(a.list_offsets, ErrorCode::kKafkaStorageError);
  EXPECT_EQ(a.offsets_for_leader_epoch, ErrorCode::kKafkaStorageError);
}

std::vector<BrokerId> all_three() {
  return {kB1, kB2, kB3};
}

void restart(BrokerRig& rig, BrokerId b) {
  rig.sim().crash(rig.node(b));
  rig.run_for(10ms);
  rig.start_broker(b.value() - 1);
}

TEST(StorageError, AFollowerDiskErrorWhileTruncatingTakesOnlyItsReplicaOffline) {
  BrokerRig rig = make_rig();
  rig.create_partition(kTp, all_three());
  rig.run_for(500ms);
  ASSERT_EQ(rig.produce(kB1, kTp, {"a"}, -1)->error, ErrorCode::kNone);
  // Broker 3 leads epoch 1 cut off and appends "x", which nobody else gets.
  cut(rig, {kB3}, {kB1, kB2});
  rig.elect(kTp, kB3);
  rig.run_for(100ms);
  ASSERT_EQ(rig.produce(kB3, kTp, {"x"}, 1)->error, ErrorCode::kNone);
  // Broker 1 leads epoch 2 (the ISR unchanged); broker 3 must truncate "x" when it
  // follows — and its disk fails every operation meanwhile.
  rig.elect(kTp, kB1);
  set_disk_errors(rig, kB3, 1.0);
  rig.sim().network().heal();
  rig.run_for(1s);  // its fetch lost in the cut times out first (request.timeout.ms)
  EXPECT_GT(rig.sim().disk(rig.node(kB3)).stats().errors, 0u);
  set_disk_errors(rig, kB3, 0.0);  // offline stays offline until a restart
  expect_all_storage_errors(ask_everything(rig, kB3));
  // The others carry on: broker 3 stopped fetching, so it leaves the ISR as usual.
  const auto produced = rig.produce(kB1, kTp, {"b"}, -1);
  ASSERT_TRUE(produced);
  EXPECT_EQ(produced->error, ErrorCode::kNone);
  EXPECT_EQ(rig.state(kTp).isr, (std::vector<BrokerId>{kB1, kB2}));
  EXPECT_EQ(rig.consume_all(kB1, kTp), (std::vector<std::string>{"a", "b"}));
  // A restart reopens (recovers) the log; broker 3 truncates, catches up and rejoins.
  restart(rig, kB3);
  rig.run_for(3s);
  EXPECT_EQ(rig.state(kTp).isr.size(), 3u);
  rig.elect(kTp, kB3);
  rig.run_for(500ms);
  EXPECT_EQ(rig.consume_all(kB3, kTp), (std::vector<std::string>{"a", "b"}));
}

TEST(StorageError, ALeaderDiskErrorWhileRecordingItsEpochTakesItOfflineAndTheOthersCarryOn) {
  BrokerRig rig = make_rig();
  rig.create_partition(kTp, all_three());
  rig.run_for(500ms);
  ASSERT_EQ(rig.produce(kB1, kTp, {"a"}, -1)->error, ErrorCode::kNone);
  set_disk_errors(rig, kB2, 1.0);
  rig.elect(kTp, kB2);  // its first act as leader is writing (epoch 1, LEO) to its cache
  rig.run_for(50ms);
  set_disk_errors(rig, kB2, 0.0);
  const auto epochs =
      rig.sim().disk(rig.node(kB2)).peek("kafka-logs/orders-0/leader-epoch-checkpoint");
  ASSERT_TRUE(epochs);
  EXPECT_EQ(std::string(epochs->begin(), epochs->end()), "0\n1\n0 0\n");  // epoch 1 never got there
  expect_all_storage_errors(ask_everything(rig, kB2));
  // The controller moves leadership (in KRaft the broker reports its offline log dir);
  // broker 2 ignores it and never fetches, so broker 1 shrinks the ISR as usual.
  rig.elect(kTp, kB1);
  rig.run_for(100ms);
  const auto produced = rig.produce(kB1, kTp, {"b"}, -1);
  ASSERT_TRUE(produced);
  EXPECT_EQ(produced->error, ErrorCode::kNone);
  EXPECT_EQ(rig.state(kTp).isr, (std::vector<BrokerId>{kB1, kB3}));
  restart(rig, kB2);
  rig.run_for(3s);
  EXPECT_EQ(rig.state(kTp).isr.size(), 3u);
  rig.elect(kTp, kB2);
  rig.run_for(500ms);
  EXPECT_EQ(rig.consume_all(kB2, kTp), (std::vector<std::string>{"a", "b"}));
}

// Kafka's markPartitionOffline completes the delayed produces: a producer waiting for
// acks=all hears KAFKA_STORAGE_ERROR at once, not a timeout.
TEST(StorageError, ALeaderDiskErrorWhileAppendingAnswersTheProducersWaitingForAcks) {
  BrokerRig rig = make_rig();
  rig.create_partition(kTp, all_three());
  rig.run_for(500ms);
  cut(rig, {kB1}, {kB2, kB3});
  auto request = std::make_shared<ProduceRequest>();
  request->tp = kTp;
  request->acks = -1;
  request->timeout_ms = 5000;
  request->batch = BrokerRig::batch_of({"a"});
  auto waiting = rig.start_call<ProduceResponse>(kB1, request);
  rig.run_for(100ms);
  ASSERT_FALSE(waiting->done);  // in the delay queue: the followers cannot fetch it
  set_disk_errors(rig, kB1, 1.0);
  const auto failed = rig.produce(kB1, kTp, {"b"}, 1);
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->error, ErrorCode::kKafkaStorageError);
  rig.run_for(10ms);
  ASSERT_TRUE(waiting->done && waiting->response);
  EXPECT_EQ(waiting->response->error, ErrorCode::kKafkaStorageError);
  set_disk_errors(rig, kB1, 0.0);
  expect_all_storage_errors(ask_everything(rig, kB1));
}

TEST(StorageError, AReplicaWhoseLogCannotBeCreatedIsOfflineUntilItsBrokerRestarts) {
  BrokerRig rig = make_rig();
  set_disk_errors(rig, kB3, 1.0);
  rig.create_partition(kTp, all_three());
  rig.run_for(100ms);
  set_disk_errors(rig, kB3, 0.0);
  expect_all_storage_errors(ask_everything(rig, kB3));
  ASSERT_EQ(rig.produce(kB1, kTp, {"a"}, -1)->error, ErrorCode::kNone);  // after the shrink
  EXPECT_EQ(rig.state(kTp).isr, (std::vector<BrokerId>{kB1, kB2}));
  restart(rig, kB3);
  rig.run_for(3s);
  EXPECT_EQ(rig.state(kTp).isr.size(), 3u);
}

}  // namespace
}  // namespace samsa::cluster::testing
