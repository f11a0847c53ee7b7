// The fixture of the consumer's end-to-end tests (consumer_test.cpp): a KRaft cluster on
// the simulator, a producer node feeding it, and a consumer node whose KafkaConsumer the
// tests drive from fibers on that node, recording what every poll returned.
#pragma once

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "cluster/client/consumer.h"
#include "cluster/client/producer.h"
#include "harness/kraft_cluster.h"
#include "sim/log.h"

namespace samsa::harness::consumer_testing {

using namespace std::chrono_literals;  // NOLINT: a test-only header
using cluster::ConsumerConfig;
using cluster::ConsumerRecord;
using cluster::ErrorCode;
using cluster::KafkaConsumer;
using cluster::Offset;
using cluster::OffsetResetStrategy;
using cluster::PartitionPollError;
using cluster::PollError;
using cluster::ProducerConfig;
using cluster::SendOutcome;
using cluster::SendPromise;
using cluster::TopicPartition;

const std::string kTopic = "orders";
const TopicPartition kTp0{kTopic, cluster::PartitionIndex(0)};
const TopicPartition kTp1{kTopic, cluster::PartitionIndex(1)};

inline std::string text_of(const std::optional<cluster::Bytes>& bytes) {
  return bytes ? std::string(bytes->begin(), bytes->end()) : std::string("<null>");
}

inline std::vector<std::int64_t> offsets_of(const std::vector<ConsumerRecord>& records) {
  std::vector<std::int64_t> out;
  for (const ConsumerRecord& r : records) out.push_back(r.offset.value());
  return out;
}

inline std::vector<std::int64_t> range(std::int64_t from, std::int64_t to) {  // [from, to)
  std::vector<std::int64_t> out;
  for (std::int64_t o = from; o < to; ++o) out.push_back(o);
  return out;
}

class Fixture {
 public:
  explicit Fixture(const std::function<void(ClusterSpec&)>& tweak = {})
      : sim_(sim::SimulationConfig{
            .seed = 1, .network = {}, .disk = {}, .buggify = {}, .trace_path = {}}),
        cluster_(sim_, make_spec(tweak)) {
    if (const char* level = std::getenv("SAMSA_TEST_LOG")) sim::set_log_level(std::string(level));
  }

  static ClusterSpec make_spec(const std::function<void(ClusterSpec&)>& tweak) {
    ClusterSpec spec = fast_failover_spec();
    if (tweak) tweak(spec);
    return spec;
  }

  static ConsumerConfig consumer_config(OffsetResetStrategy reset) {
    ConsumerConfig config;
    config.auto_offset_reset = reset;
    config.request_timeout_ms = 1000;
    config.fetch_max_wait_ms = 100;
    config.retry_backoff_ms = 50;
    return config;
  }

  bool run_until(const std::function<bool()>& done, sim::Duration limit) {
    const bool held = harness::run_until(sim_, done, limit);
    EXPECT_EQ(sim_.kernel().failure(), "") << "the run failed";
    return held;
  }

  bool all_brokers_unfenced() {
    const cluster::MetadataImage* image = cluster_.latest_metadata();
    if (image == nullptr || image->brokers().size() != cluster_.broker_nodes().size()) return false;
    return std::all_of(image->brokers().begin(), image->brokers().end(),
                       [](const auto& entry) { return !entry.second.fenced; });
  }

  cluster::BrokerId leader_of(const TopicPartition& tp) const {
    const cluster::PartitionState* state = cluster_.partition(tp);
    return state == nullptr ? cluster::kNoLeader : state->leader;
  }

  void create_topic(int partitions, int replication_factor = 3, bool unclean = false) {
    ASSERT_TRUE(run_until([&] { return all_brokers_unfenced(); }, 30s));
    auto created = cluster_.create_topic(kTopic, partitions, replication_factor, unclean);
    ASSERT_TRUE(run_until([&] { return created->done; }, 60s));
    ASSERT_TRUE(created->response.has_value());
    ASSERT_EQ(created->response->topics.at(0).error, ErrorCode::kNone);
    for (int p = 0; p < partitions; ++p) {
      const TopicPartition tp{kTopic, cluster::PartitionIndex(p)};
      ASSERT_TRUE(run_until([&] { return leader_of(tp) != cluster::kNoLeader; }, 10s));
    }
    run_until([] { return false; }, 500ms);  // the brokers apply the new leaders
  }

  void start_producer(std::int16_t acks = -1) {
    producer_node_ = sim_.add_node("producer");
    cluster::ProducerOptions options;
    options.config.acks = acks;
    options.config.linger_ms = 5;
    options.config.request_timeout_ms = 1000;
    options.config.delivery_timeout_ms = 30'000;
    options.config.retry_backoff_ms = 50;
    options.config.max_in_flight_requests_per_connection = 1;
    options.bootstrap_nodes = cluster_.broker_nodes();
    sim_.start(producer_node_, [this, options] {
      sim::NodeEnv env(sim_, producer_node_);
      sim::RpcEndpoint rpc(env.network(), env.id());
      auto created = cluster::KafkaProducer::create(env, rpc, options);
      SAMSA_ASSERT(created.ok(), "the test's producer config is valid");
      producer_ = created.value();
      rpc.serve([](const sim::Envelope&) {});
    });
    ASSERT_TRUE(run_until([&] { return producer_ != nullptr; }, 1s));
  }

  // Sends "<prefix>-0" .. to `tp`, one every millisecond, and waits until every send
  // settled. Returns the acknowledged values by offset.
  std::map<std::int64_t, std::string> produce(const TopicPartition& tp, int count,
                                              const std::string& prefix) {
    auto sent = std::make_shared<std::vector<std::pair<std::string, SendPromise>>>();
    auto done = std::make_shared<bool>(false);
    sim_.kernel().spawn(producer_node_, "test-sends", [this, tp, count, prefix, sent, done] {
      for (int i = 0; i < count; ++i) {
        const std::string value = fmt::format("{}-{}", prefix, i);
        sent->emplace_back(value, producer_->send_to(tp, std::nullopt,
                                                     cluster::Bytes(value.begin(), value.end())));
        sim_.kernel().sleep_for(1ms);
      }
      *done = true;
    });
    EXPECT_TRUE(run_until(
        [&] {
          return *done && std::all_of(sent->begin(), sent->end(),
                                      [](const auto& s) { return s.second->ready(); });
        },
        60s));
    std::map<std::int64_t, std::string> acknowledged;
    for (const auto& [value, promise] : *sent) {
      if (promise->ready() && promise->peek()->outcome == SendOutcome::kAcknowledged) {
        acknowledged[promise->peek()->offset.value()] = value;
      }
    }
    return acknowledged;
  }

  void start_consumer(ConsumerConfig config, cluster::Bugs bugs = {}) {
    consumer_node_ = sim_.add_node("consumer");
    cluster::ConsumerOptions options;
    options.config = std::move(config);
    options.bootstrap_nodes = cluster_.broker_nodes();
    options.bugs = std::move(bugs);
    sim_.start(consumer_node_, [this, options] {
      sim::NodeEnv env(sim_, consumer_node_);
      sim::RpcEndpoint rpc(env.network(), env.id());
      auto created = KafkaConsumer::create(env, rpc, options);
      SAMSA_ASSERT(created.ok(), "the test's consumer config is valid");
      consumer_ = created.value();
      rpc.serve([](const sim::Envelope&) {});
    });
    ASSERT_TRUE(run_until([&] { return consumer_ != nullptr; }, 1s));
  }

  // Runs `body` in a fiber on the consumer's node until it returns (consumer calls must
  // come from there).
  void on_consumer(const std::function<void(KafkaConsumer&)>& body, sim::Duration limit = 30s) {
    auto done = std::make_shared<bool>(false);
    sim_.kernel().spawn(consumer_node_, "test-call", [this, body, done] {
      body(*consumer_);
      *done = true;
    });
    ASSERT_TRUE(run_until([&] { return *done; }, limit));
  }

  // One poll, recorded.
  void record(const cluster::PollResult& result) {
    largest_poll_ = std::max(largest_poll_, result.records.size());
    consumed_.insert(consumed_.end(), result.records.begin(), result.records.end());
    for (const auto& [tp, error] : result.errors) errors_.emplace_back(tp, error);
  }

  // Polls until `done()` holds (checked between polls) or `limit` passes.
  bool poll_until(const std::function<bool()>& done, sim::Duration limit,
                  sim::Duration poll_timeout = 100ms) {
    auto stop = std::make_shared<bool>(false);
    auto finished = std::make_shared<bool>(false);
    sim_.kernel().spawn(consumer_node_, "test-poll", [this, done, stop, finished, poll_timeout] {
      for (int i = 0; i < 100'000 && !*stop && !done(); ++i) record(consumer_->poll(poll_timeout));
      *finished = true;
    });
    const bool held = run_until([&] { return *finished; }, limit);
    *stop = true;
    run_until([&] { return *finished; }, 2s);  // the last poll returns
    return held && done();
  }

  // Polls in the background until stop_polling(), while the test runs the simulation.
  void start_polling(sim::Duration poll_timeout = 100ms) {
    polling_ = std::make_shared<bool>(true);
    polling_done_ = std::make_shared<bool>(false);
    sim_.kernel().spawn(consumer_node_, "test-poll",
                        [this, poll_timeout, polling = polling_, done = polling_done_] {
                          for (int i = 0; i < 100'000 && *polling; ++i) {
                            record(consumer_->poll(poll_timeout));
                          }
                          *done = true;
                        });
  }
  void stop_polling() {
    *polling_ = false;
    run_until([&] { return *polling_done_; }, 2s);
  }

  // The consumer's position in `tp` (read between steps of the simulation), or -1.
  std::int64_t position_of(const TopicPartition& tp) const {
    const cluster::SubscriptionState& s = consumer_->subscriptions();
    if (!s.is_assigned(tp) || s.fetch_state(tp) != cluster::FetchState::kFetching) return -1;
    return s.position(tp)->offset.value();
  }

  bool consumed_up_to(const TopicPartition& tp, std::int64_t end_offset) const {
    return std::any_of(consumed_.begin(), consumed_.end(), [&](const ConsumerRecord& r) {
      return r.tp == tp && r.offset.value() >= end_offset - 1;
    });
  }

  std::vector<ConsumerRecord> consumed_of(const TopicPartition& tp) const {
    std::vector<ConsumerRecord> out;
    for (const ConsumerRecord& r : consumed_) {
      if (r.tp == tp) out.push_back(r);
    }
    return out;
  }

  sim::Simulation sim_;
  KRaftCluster cluster_;
  sim::NodeId producer_node_;
  sim::NodeId consumer_node_;
  std::shared_ptr<cluster::KafkaProducer> producer_;
  std::shared_ptr<KafkaConsumer> consumer_;
  std::vector<ConsumerRecord> consumed_;
  std::vector<std::pair<TopicPartition, PartitionPollError>> errors_;
  std::size_t largest_poll_ = 0;
  std::shared_ptr<bool> polling_;
  std::shared_ptr<bool> polling_done_;
};

}  // namespace samsa::harness::consumer_testing
