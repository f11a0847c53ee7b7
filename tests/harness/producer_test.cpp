// End to end: KafkaProducer (cluster/client/producer.h) against a KRaft cluster on the
// simulator. Each test states a claim about what a producer's sends become — in its
// promises and in the partition logs read back afterwards — with and without faults.
#include "cluster/client/producer.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <set>

#include "cluster/log/record_batch.h"
#include "harness/kraft_cluster.h"
#include "sim/log.h"

namespace samsa::harness {
namespace {

using namespace std::chrono_literals;
using cluster::ErrorCode;
using cluster::KafkaProducer;
using cluster::ProducerConfig;
using cluster::SendOutcome;
using cluster::SendPromise;
using cluster::TopicPartition;

const std::string kTopic = "orders";

std::string text_of(const std::optional<cluster::Bytes>& bytes) {
  return bytes ? std::string(bytes->begin(), bytes->end()) : std::string("<null>");
}
cluster::Bytes bytes_of(const std::string& s) {
  return cluster::Bytes(s.begin(), s.end());
}

struct Sent {
  std::string value;
  SendPromise promise;
};

class Fixture {
 public:
  explicit Fixture(std::uint64_t seed = 1)
      : sim_(sim::SimulationConfig{
            .seed = seed, .network = {}, .disk = {}, .buggify = {}, .trace_path = {}}),
        cluster_(sim_, fast_failover_spec()) {
    if (const char* level = std::getenv("SAMSA_TEST_LOG")) sim::set_log_level(std::string(level));
  }

  static ProducerConfig test_config() {
    ProducerConfig config;
    config.linger_ms = 5;
    config.request_timeout_ms = 1000;
    config.delivery_timeout_ms = 30'000;
    config.retry_backoff_ms = 50;
    return config;
  }

  bool run_until(const std::function<bool()>& done, sim::Duration limit) {
    const bool held = harness::run_until(sim_, done, limit);
    EXPECT_EQ(sim_.kernel().failure(), "") << "the run failed";
    return held;
  }

  bool all_brokers_unfenced() const { return cluster_.all_brokers_unfenced(); }

  cluster::BrokerId leader_of(const TopicPartition& tp) const {
    const cluster::PartitionState* state = cluster_.partition(tp);
    return state == nullptr ? cluster::kNoLeader : state->leader;
  }

  void create_topic(int partitions) {
    ASSERT_EQ(cluster_.setup_topic(kTopic, partitions, 3), ErrorCode::kNone);
    EXPECT_EQ(sim_.kernel().failure(), "");
  }

  // Adds a client node whose main fiber owns the endpoint and the producer.
  void start_producer(ProducerConfig config, std::int64_t max_block_ms = 60'000) {
    client_ = sim_.add_node("producer");
    cluster::ProducerOptions options;
    options.config = config;
    options.bootstrap_nodes = cluster_.broker_nodes();
    options.max_block_ms = max_block_ms;
    sim_.start(client_, [this, options] {
      sim::NodeEnv env(sim_, client_);
      sim::RpcEndpoint rpc(env.network(), env.id());
      rpc_ = &rpc;
      auto created = KafkaProducer::create(env, rpc, options);
      SAMSA_ASSERT(created.ok(), "the test's producer config is valid");
      producer_ = created.value();
      rpc.serve([](const sim::Envelope&) {});
    });
    ASSERT_TRUE(run_until([&] { return producer_ != nullptr; }, 1s));
  }

  // Sends values "<prefix>-0" .. from a fiber on the client node, one every `interval`;
  // keyed ones go to partitions by murmur2 of "key-<i % keys>".
  void send_in_background(int count, sim::Duration interval, int keys = 0,
                          const std::string& prefix = "v") {
    sim_.kernel().spawn(client_, "test-sends", [this, count, interval, keys, prefix] {
      for (int i = 0; i < count; ++i) {
        const std::string value = fmt::format("{}-{}", prefix, i);
        std::optional<cluster::Bytes> key;
        if (keys > 0) key = bytes_of(fmt::format("key-{}", i % keys));
        sent_.push_back({value, producer_->send(kTopic, key, bytes_of(value))});
        if (interval > sim::Duration::zero()) sim_.kernel().sleep_for(interval);
      }
      sends_done_ = true;
    });
  }

  bool all_settled() const {
    return sends_done_ && std::all_of(sent_.begin(), sent_.end(),
                                      [](const Sent& s) { return s.promise->ready(); });
  }

  std::map<SendOutcome, int> outcome_counts() const {
    std::map<SendOutcome, int> counts;
    for (const Sent& s : sent_) ++counts[s.promise->peek()->outcome];
    return counts;
  }

  // Every committed record of `tp` (up to the high watermark), read from its leader.
  std::vector<cluster::Record> read_log(const TopicPartition& tp) {
    std::vector<cluster::Record> records;
    for (int round = 0; round < 1000; ++round) {  // bounded: one batch or more per round
      const cluster::BrokerId leader = leader_of(tp);
      EXPECT_NE(leader, cluster::kNoLeader);
      auto request = std::make_shared<cluster::FetchRequest>();
      request->max_wait_ms = 0;
      request->min_bytes = 0;
      const cluster::Offset next(records.empty() ? 0 : records.back().offset.value() + 1);
      request->partitions.push_back(cluster::FetchPartition{tp, next, cluster::kNoLeaderEpoch,
                                                            cluster::kNoLeaderEpoch,
                                                            cluster::Offset(-1), 1 << 20});
      auto pending =
          cluster_.call<cluster::FetchResponse>(cluster_.broker_node(leader), request, 2s);
      run_until([&] { return pending->done; }, 5s);
      if (!pending->response || pending->response->partitions.empty()) continue;
      const cluster::FetchedPartition& fetched = pending->response->partitions[0];
      if (fetched.error != ErrorCode::kNone) continue;
      const cluster::ScanResult scan = cluster::scan_batches(fetched.records);
      std::size_t added = 0;
      for (const cluster::BatchView& batch : scan.batches) {
        for (cluster::Record& record : batch.records()) {
          if (record.offset >= next) {
            records.push_back(std::move(record));
            ++added;
          }
        }
      }
      if (added == 0) return records;
    }
    ADD_FAILURE() << "the log did not end within 1000 fetches";
    return records;
  }

  std::vector<std::string> values_of(const std::vector<cluster::Record>& records) {
    std::vector<std::string> values;
    for (const cluster::Record& r : records) values.push_back(text_of(r.value));
    return values;
  }

  sim::Simulation sim_;
  KRaftCluster cluster_;
  sim::NodeId client_;
  sim::RpcEndpoint* rpc_ = nullptr;
  std::shared_ptr<KafkaProducer> producer_;
  std::vector<Sent> sent_;
  bool sends_done_ = false;
};

TEST(Producer, EveryAcksAllSendIsAcknowledgedWithoutFaultsAndReadsBackInSendOrderPerPartition) {
  Fixture f;
  f.create_topic(3);
  ProducerConfig config = Fixture::test_config();
  // Order per partition needs one request in flight (or idempotence): a retry of a batch
  // (e.g. UNKNOWN_TOPIC_OR_PARTITION from a leader still learning the topic) could
  // otherwise land after later batches.
  config.max_in_flight_requests_per_connection = 1;
  f.start_producer(config);
  f.send_in_background(300, 1ms, 10);
  ASSERT_TRUE(f.run_until([&] { return f.all_settled(); }, 30s));
  std::map<TopicPartition, std::vector<std::string>> acknowledged;  // in send order
  for (const Sent& s : f.sent_) {
    const cluster::SendResult& result = *s.promise->peek();
    ASSERT_EQ(result.outcome, SendOutcome::kAcknowledged) << s.value;
    acknowledged[result.tp].push_back(s.value);
  }
  EXPECT_EQ(acknowledged.size(), 3U) << "ten keys spread over the three partitions";
  for (const auto& [tp, values] : acknowledged) {
    const std::vector<cluster::Record> log = f.read_log(tp);
    EXPECT_EQ(f.values_of(log), values) << cluster::to_string(tp);
  }
  for (const Sent& s : f.sent_) {
    const cluster::SendResult& result = *s.promise->peek();
    const std::vector<cluster::Record> log = f.read_log(result.tp);
    ASSERT_LT(result.offset.value(), static_cast<std::int64_t>(log.size()));
    EXPECT_EQ(text_of(log[static_cast<std::size_t>(result.offset.value())].value), s.value)
        << "the acknowledged offset holds the value";
    break;  // one spot check keeps the test fast; the order check above covers the rest
  }
  EXPECT_LT(f.producer_->stats().produce_requests, 300U) << "records were batched";
}

// Checks after a run with faults: every send settled in one of the three outcomes, and
// every acknowledged record is in the log at its acknowledged offset.
void expect_acknowledged_records_in_log(Fixture& f, const TopicPartition& tp) {
  const std::vector<cluster::Record> log = f.read_log(tp);
  for (const Sent& s : f.sent_) {
    const cluster::SendResult& result = *s.promise->peek();
    if (result.outcome != SendOutcome::kAcknowledged) continue;
    ASSERT_GE(result.offset.value(), 0) << s.value;
    ASSERT_LT(result.offset.value(), static_cast<std::int64_t>(log.size()))
        << s.value << " acknowledged past the log's end";
    EXPECT_EQ(text_of(log[static_cast<std::size_t>(result.offset.value())].value), s.value)
        << "acknowledged at " << result.offset.value();
  }
}

TEST(Producer, ALeaderCrashDuringSendsEndsEverySendInOneOutcomeAndLosesNoAcknowledgedRecord) {
  Fixture f;
  f.create_topic(1);
  const TopicPartition tp{kTopic, cluster::PartitionIndex(0)};
  ProducerConfig config = Fixture::test_config();
  // Shorter than the failover (the 3 s broker session timeout, then the election), so
  // sends made just before and after the crash give up: failed or indeterminate.
  config.delivery_timeout_ms = 2500;
  f.start_producer(config);
  f.send_in_background(400, 5ms);
  f.run_until([] { return false; }, 300ms);
  // Crash while a produce request is in flight: its answer never comes.
  for (int step = 0; step < 10'000 && f.producer_->in_flight_requests() == 0; ++step) {
    f.sim_.run_for(100us);  // fine steps: a request is in flight for about a millisecond
  }
  ASSERT_GT(f.producer_->in_flight_requests(), 0U);
  const cluster::BrokerId old_leader = f.leader_of(tp);
  f.sim_.crash(f.cluster_.broker_node(old_leader));
  ASSERT_TRUE(f.run_until([&] { return f.all_settled(); }, 60s));
  std::map<SendOutcome, int> counts = f.outcome_counts();
  int total = 0;
  for (const auto& [outcome, count] : counts) total += count;
  EXPECT_EQ(total, 400);
  std::printf(
      "outcomes: %d acknowledged, %d failed, %d indeterminate; %llu retries\n",
      counts.count(SendOutcome::kAcknowledged) ? counts.at(SendOutcome::kAcknowledged) : 0,
      counts.count(SendOutcome::kFailed) ? counts.at(SendOutcome::kFailed) : 0,
      counts.count(SendOutcome::kIndeterminate) ? counts.at(SendOutcome::kIndeterminate) : 0,
      static_cast<unsigned long long>(f.producer_->stats().retries));
  EXPECT_GT(counts.count(SendOutcome::kAcknowledged), 0U);
  EXPECT_GT(counts[SendOutcome::kIndeterminate], 0)
      << "the request in flight at the crash may have been appended: indeterminate";
  EXPECT_GT(counts[SendOutcome::kFailed], 0) << "sends refused by the dead leader failed";
  EXPECT_GT(f.producer_->stats().retries, 0U) << "the crash made the producer retry";
  ASSERT_TRUE(f.run_until(
      [&] {
        const cluster::BrokerId leader = f.leader_of(tp);
        return leader != cluster::kNoLeader && leader != old_leader;
      },
      10s));
  expect_acknowledged_records_in_log(f, tp);
}

// Finds reorders (a value after one sent later) and duplicates among the log's values.
struct Anomalies {
  int duplicates = 0;
  int reorders = 0;
};
Anomalies anomalies_of(const std::vector<std::string>& values) {
  Anomalies a;
  std::set<std::string> seen;
  int highest = -1;
  for (const std::string& value : values) {
    if (!seen.insert(value).second) ++a.duplicates;
    const int index = std::stoi(value.substr(value.find('-') + 1));
    if (index < highest) ++a.reorders;
    highest = std::max(highest, index);
  }
  return a;
}

Anomalies run_with_request_loss(std::uint64_t seed, double drop_probability,
                                bool idempotent = false) {
  Fixture f(seed);
  f.create_topic(1);
  ProducerConfig config = Fixture::test_config();
  config.enable_idempotence = idempotent;
  config.max_in_flight_requests_per_connection = 5;
  config.linger_ms = 0;
  f.start_producer(config);
  sim::NetworkConfig lossy = f.sim_.network().config();
  lossy.drop_probability = drop_probability;
  f.sim_.network().set_config(lossy);
  f.send_in_background(200, 2ms);
  EXPECT_TRUE(f.run_until([&] { return f.all_settled(); }, 60s));
  f.sim_.network().set_config(sim::NetworkConfig{lossy.latency, 0, 0, 0, lossy.delay_max});
  const TopicPartition tp{kTopic, cluster::PartitionIndex(0)};
  expect_acknowledged_records_in_log(f, tp);
  return anomalies_of(f.values_of(f.read_log(tp)));
}

TEST(Producer, WithoutIdempotenceFiveInFlightAndRequestLossRetriesDuplicateAndReorderRecords) {
  // Seed and loss chosen so that both anomalies show (SAMSA_PRODUCER_SEEDS=n explores n).
  const Anomalies seen = run_with_request_loss(1, 0.05);
  EXPECT_GT(seen.duplicates, 0);
  EXPECT_GT(seen.reorders, 0);
  if (const char* seeds = std::getenv("SAMSA_PRODUCER_SEEDS")) {
    for (std::uint64_t seed = 1; seed <= std::strtoull(seeds, nullptr, 10); ++seed) {
      const Anomalies a = run_with_request_loss(seed, 0.05);
      std::printf("seed %llu: %d duplicates, %d reorders\n", static_cast<unsigned long long>(seed),
                  a.duplicates, a.reorders);
    }
  }
}

TEST(Producer, AcksZeroAcknowledgesEverySendWithOffsetMinusOneWithoutWaitingForAnAnswer) {
  Fixture f;
  f.create_topic(1);
  ProducerConfig config = Fixture::test_config();
  config.acks = 0;
  f.start_producer(config);
  f.send_in_background(50, 1ms);
  ASSERT_TRUE(f.run_until([&] { return f.all_settled(); }, 10s));
  const TopicPartition tp{kTopic, cluster::PartitionIndex(0)};
  for (const Sent& s : f.sent_) {
    EXPECT_EQ(s.promise->peek()->outcome, SendOutcome::kAcknowledged);
    EXPECT_EQ(s.promise->peek()->offset, cluster::Offset(-1));
  }
  // With no faults the fire-and-forget records do arrive, in order.
  f.run_until([] { return false; }, 1s);
  std::vector<std::string> expected;
  for (const Sent& s : f.sent_) expected.push_back(s.value);
  EXPECT_EQ(f.values_of(f.read_log(tp)), expected);

  // Cut the producer off from every broker: acks=0 sends still settle, within linger.ms
  // and no round trip, because nothing waits for an answer.
  f.sim_.network().isolate(f.client_);
  f.sent_.clear();
  f.sends_done_ = false;
  const sim::SimTime start = f.sim_.now();
  f.send_in_background(20, sim::Duration::zero(), 0, "cut");
  ASSERT_TRUE(f.run_until([&] { return f.all_settled(); }, 1s));
  EXPECT_LE(f.sim_.now() - start, 30ms);
  for (const Sent& s : f.sent_) EXPECT_EQ(s.promise->peek()->outcome, SendOutcome::kAcknowledged);
  EXPECT_EQ(f.rpc_->pending_calls(), 0U) << "no produce request awaits an answer";
}

TEST(Producer, IdempotentSendsAcrossALeaderFailoverWithRetriesLeaveNoDuplicatesInTheLog) {
  Fixture f;
  f.create_topic(1);
  const TopicPartition tp{kTopic, cluster::PartitionIndex(0)};
  ProducerConfig config = Fixture::test_config();
  config.enable_idempotence = true;
  config.delivery_timeout_ms = 20'000;
  f.start_producer(config);
  f.send_in_background(400, 5ms);
  f.run_until([] { return false; }, 300ms);
  for (int step = 0; step < 10'000 && f.producer_->in_flight_requests() == 0; ++step) {
    f.sim_.run_for(100us);  // crash with a request in flight: its answer is lost
  }
  ASSERT_GT(f.producer_->in_flight_requests(), 0U);
  const cluster::BrokerId old_leader = f.leader_of(tp);
  f.sim_.crash(f.cluster_.broker_node(old_leader));
  ASSERT_TRUE(f.run_until([&] { return f.all_settled(); }, 60s));
  EXPECT_GT(f.producer_->stats().retries, 0U) << "the failover made the producer retry";
  EXPECT_NE(f.producer_->idempotence().producer_id(), cluster::kNoProducerId);
  expect_acknowledged_records_in_log(f, tp);
  const Anomalies a = anomalies_of(f.values_of(f.read_log(tp)));
  EXPECT_EQ(a.duplicates, 0);
  EXPECT_EQ(a.reorders, 0);
  EXPECT_EQ(f.outcome_counts()[SendOutcome::kAcknowledged], 400);
}

TEST(Producer, IdempotenceUnderTheSameRequestLossLeavesNoDuplicatesAndNoReorders) {
  const Anomalies a = run_with_request_loss(1, 0.05, true);
  EXPECT_EQ(a.duplicates, 0);
  EXPECT_EQ(a.reorders, 0);
}

TEST(Producer, InitProducerIdGivesDistinctIdsAcrossBrokersBrokerRestartsAndControllerFailover) {
  Fixture f;
  f.create_topic(1);
  std::set<std::int64_t> ids;
  int answers = 0;
  auto ask_every_broker = [&] {
    for (const sim::NodeId node : f.cluster_.broker_nodes()) {
      for (int i = 0; i < 3; ++i) {
        auto pending = f.cluster_.call<cluster::InitProducerIdResponse>(
            node, std::make_shared<cluster::InitProducerIdRequest>(), 5s);
        f.run_until([&] { return pending->done; }, 10s);
        if (!pending->response || pending->response->error != ErrorCode::kNone) continue;
        ++answers;
        EXPECT_EQ(pending->response->producer_epoch, cluster::ProducerEpoch(0));
        ids.insert(pending->response->producer_id.value());
      }
    }
  };
  ask_every_broker();
  const sim::NodeId restarted = f.cluster_.broker_nodes().front();
  f.sim_.crash(restarted);
  f.sim_.restart(restarted);
  ASSERT_TRUE(f.run_until([&] { return f.all_brokers_unfenced(); }, 20s));
  f.run_until([] { return false; }, 1s);
  ask_every_broker();
  EXPECT_GE(f.cluster_.latest_metadata()->next_producer_id(), 4000)
      << "four blocks: one per broker, and a new one for the restarted broker";
  // A new active controller continues after the blocks its predecessor handed out.
  const sim::NodeId first_controller = *f.cluster_.active_controller();
  f.sim_.crash(first_controller);
  ASSERT_TRUE(f.run_until(
      [&] {
        const auto active = f.cluster_.active_controller();
        return active.has_value() && *active != first_controller;
      },
      10s));
  const sim::NodeId second = f.cluster_.broker_nodes()[1];
  f.sim_.crash(second);
  f.sim_.restart(second);
  ASSERT_TRUE(f.run_until([&] { return f.all_brokers_unfenced(); }, 20s));
  f.run_until([] { return false; }, 1s);
  ask_every_broker();
  EXPECT_EQ(answers, 27);
  EXPECT_EQ(ids.size(), static_cast<std::size_t>(answers)) << "no id was handed out twice";
  EXPECT_GE(f.cluster_.latest_metadata()->next_producer_id(), 5000);
}

}  // namespace
}  // namespace samsa::harness

namespace samsa::harness {
namespace {

// One acknowledged send, so the producer knows the topic's metadata (and has a producer
// id) before a test cuts it off; the send is then forgotten.
void warm_up(Fixture& f) {
  f.send_in_background(1, sim::Duration::zero(), 0, "warm-up");
  ASSERT_TRUE(f.run_until([&] { return f.all_settled(); }, 10s));
  ASSERT_EQ(f.outcome_counts()[SendOutcome::kAcknowledged], 1);
  f.sent_.clear();
  f.sends_done_ = false;
}

std::map<cluster::SendFailure, int> failure_counts(const Fixture& f) {
  std::map<cluster::SendFailure, int> counts;
  for (const Sent& s : f.sent_) {
    if (s.promise->ready()) ++counts[s.promise->peek()->failure];
  }
  return counts;
}

TEST(Producer, ASendToATopicThatNeverAppearsFailsWithAMetadataTimeoutAfterMaxBlockMs) {
  Fixture f;
  f.create_topic(1);
  f.start_producer(Fixture::test_config(), 2'000);
  const sim::SimTime start = f.sim_.now();
  std::optional<SendPromise> promise;
  f.sim_.kernel().spawn(f.client_, "send", [&] {
    promise = f.producer_->send("no-such-topic", std::nullopt, bytes_of("v"));
  });
  ASSERT_TRUE(f.run_until([&] { return promise.has_value() && (*promise)->ready(); }, 10s));
  const cluster::SendResult& result = *(*promise)->peek();
  EXPECT_EQ(result.outcome, SendOutcome::kFailed);
  EXPECT_EQ(result.failure, cluster::SendFailure::kMetadataTimeout);
  EXPECT_GE(f.sim_.now() - start, 2s);
  EXPECT_LT(f.sim_.now() - start, 3s);
}

TEST(Producer, SendsBeyondBufferMemoryFailAtOnceWithBufferExhaustedWhileEarlierOnesWait) {
  Fixture f;
  f.create_topic(1);
  ProducerConfig config = Fixture::test_config();
  config.buffer_memory = 2'000;
  config.batch_size = 500;
  f.start_producer(config);
  warm_up(f);
  f.sim_.network().isolate(f.client_);  // nothing drains: the buffer only fills
  f.send_in_background(100, sim::Duration::zero());
  ASSERT_TRUE(f.run_until([&] { return f.sends_done_; }, 1s));
  const std::map<cluster::SendFailure, int> failures = failure_counts(f);
  EXPECT_GT(failures.at(cluster::SendFailure::kBufferExhausted), 0);
  EXPECT_LE(f.producer_->buffered_bytes(), 2'000U);
  int waiting = 0;
  for (const Sent& s : f.sent_) waiting += s.promise->ready() ? 0 : 1;
  EXPECT_GT(waiting, 0) << "what fit in buffer.memory waits to be sent";
}

TEST(Producer, CloseSettlesEverySendStillQueuedOrInFlight) {
  Fixture f;
  f.create_topic(1);
  f.start_producer(Fixture::test_config());
  warm_up(f);
  f.sim_.network().isolate(f.client_);
  f.send_in_background(20, 1ms);
  ASSERT_TRUE(f.run_until([&] { return f.sends_done_; }, 1s));
  EXPECT_FALSE(f.all_settled());
  bool closed = false;
  f.sim_.kernel().spawn(f.client_, "close", [&] {
    f.producer_->close(500ms);
    closed = true;
  });
  ASSERT_TRUE(f.run_until([&] { return closed; }, 2s));
  // In-flight requests end at request.timeout.ms (1 s here) at the latest.
  ASSERT_TRUE(f.run_until([&] { return f.all_settled(); }, 2s));
  for (const Sent& s : f.sent_) {
    EXPECT_NE(s.promise->peek()->outcome, SendOutcome::kAcknowledged) << s.value;
  }
  EXPECT_GT(failure_counts(f)[cluster::SendFailure::kClosed], 0);
}

TEST(Producer, RetriesExhaustedAgainstDownBrokersFailTheSendDefinitely) {
  Fixture f;
  f.create_topic(1);
  ProducerConfig config = Fixture::test_config();
  config.retries = 2;
  f.start_producer(config);
  warm_up(f);
  for (const sim::NodeId broker : f.cluster_.broker_nodes()) f.sim_.crash(broker);
  f.send_in_background(5, 1ms);
  ASSERT_TRUE(f.run_until([&] { return f.all_settled(); }, 20s));
  for (const Sent& s : f.sent_) {
    const cluster::SendResult& result = *s.promise->peek();
    // Refused connections prove nothing was appended: a definite failure.
    EXPECT_EQ(result.outcome, SendOutcome::kFailed) << s.value;
    EXPECT_EQ(result.failure, cluster::SendFailure::kRetriesExhausted) << s.value;
  }
  EXPECT_GE(f.producer_->stats().retries, 2U);
}

}  // namespace
}  // namespace samsa::harness
