// A test cluster for the broker tests: a small test controller (it holds the metadata
// image, publishes it whole to every broker, re-sends it every 100 ms so restarted brokers
// catch up, and answers AlterPartition as KIP-497 says), three brokers (ids 1, 2, 3) and
// a client node whose fibers send requests. Tests drive it from the main context:
// publish leadership changes, inject faults, and call produce/fetch synchronously.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cluster/broker/broker.h"
#include "cluster/broker/messages.h"
#include "cluster/log/record_batch.h"
#include "cluster/metadata/metadata.h"
#include "sim/log.h"
#include "sim/node_env.h"
#include "sim/rpc.h"
#include "sim/simulation.h"

namespace samsa::cluster::testing {

using namespace std::chrono_literals;

// The partition and brokers most tests use.
inline const TopicPartition kTp{"orders", PartitionIndex(0)};
inline constexpr BrokerId kB1{1};
inline constexpr BrokerId kB2{2};
inline constexpr BrokerId kB3{3};

class BrokerRig {
 public:
  static constexpr int kBrokers = 3;

  explicit BrokerRig(std::uint64_t seed = 1, std::function<void(BrokerConfig&)> tweak = {})
      : sim_(sim::SimulationConfig{
            .seed = seed, .network = {}, .disk = {}, .buggify = {}, .trace_path = {}}) {
    if (const char* level = std::getenv("SAMSA_TEST_LOG")) sim::set_log_level(std::string(level));
    controller_ = sim_.add_node("controller");
    client_ = sim_.add_node("client");
    for (int i = 0; i < kBrokers; ++i) {
      nodes_.push_back(sim_.add_node("broker-" + std::to_string(i + 1)));
      BrokerConfig config;
      config.broker_id = BrokerId(i + 1);
      config.controller_quorum_voters = {controller_};
      config.metadata_source = MetadataSource::kPushedByTest;
      config.replication.replica_lag_time_max_ms = 1000;
      config.replication.min_insync_replicas = 2;
      config.request_timeout_ms = 2000;
      if (tweak) tweak(config);
      configs_.push_back(config);
      image_brokers_.push_back({BrokerId(i + 1), nodes_.back(), BrokerEpoch(1), false});
    }
    sim_.start(controller_, [this] { controller_main(); });
    sim_.start(client_, [this] { client_main(); });
    for (int i = 0; i < kBrokers; ++i) start_broker(i);
  }

  sim::Simulation& sim() { return sim_; }
  sim::NodeId node(BrokerId b) const { return nodes_.at(static_cast<std::size_t>(b.value() - 1)); }
  sim::NodeId controller_node() const { return controller_; }
  BrokerConfig& config(BrokerId b) { return configs_.at(static_cast<std::size_t>(b.value() - 1)); }
  const MetadataImage& image() const { return image_; }
  const PartitionState& state(const TopicPartition& tp) const { return *image_.partition(tp); }

  void start_broker(int i) {
    const std::size_t index = static_cast<std::size_t>(i);
    sim_.start(nodes_[index], [this, index] {
      sim::NodeEnv env(sim_, nodes_[index]);
      run_broker(env, configs_[index]);
    });
  }

  // --- The controller's decisions ---------------------------------------------------
  void create_partition(const TopicPartition& tp, std::vector<BrokerId> replicas) {
    PartitionState state{
        tp, replicas, replicas, replicas.front(), LeaderEpoch(0), PartitionEpoch(0)};
    publish({state});
  }
  // A new leader from the ISR (clean election): the leader epoch and partition epoch move.
  void elect(const TopicPartition& tp, BrokerId leader,
             std::optional<std::vector<BrokerId>> isr = {}) {
    PartitionState state = *image_.partition(tp);
    state.leader = leader;
    if (isr) state.isr = *isr;
    state.leader_epoch = state.leader_epoch + 1;
    state.partition_epoch = state.partition_epoch + 1;
    publish({state});
  }
  void set_fenced(BrokerId b, bool fenced) {
    image_brokers_.at(static_cast<std::size_t>(b.value() - 1)).fenced = fenced;
    publish({});
  }
  void publish(std::vector<PartitionState> changed) {
    MetadataDelta delta{image_.version() + 1, std::move(changed), image_brokers_};
    for (const auto& entry : image_.partitions()) {
      const TopicPartition& tp = entry.first;
      const bool listed = std::any_of(delta.partitions.begin(), delta.partitions.end(),
                                      [&](const PartitionState& p) { return p.tp == tp; });
      if (!listed) delta.partitions.push_back(entry.second);
    }
    EXPECT_TRUE(image_.apply(delta));
    broadcast();
  }

  // --- Client calls (from the main context; run the simulation until answered) ---------
  // Sends `request` from a client fiber; the answer lands in the returned slot (which
  // stays empty on a timeout or refused connection). `done` turns true either way.
  template <class Response>
  struct Pending {
    std::optional<Response> response;
    bool done = false;
    sim::SimTime answered_at;
  };
  template <class Response>
  std::shared_ptr<Pending<Response>> start_call(BrokerId to,
                                                std::shared_ptr<const sim::Message> request,
                                                sim::Duration limit = 10s) {
    auto pending = std::make_shared<Pending<Response>>();
    sim_.kernel().spawn(client_, "call", [this, to, request, pending, limit] {
      auto response = client_rpc_->call(node(to), request, limit);
      if (response.ok()) pending->response = static_cast<const Response&>(*response.value());
      pending->done = true;
      pending->answered_at = sim_.now();
    });
    return pending;
  }
  template <class Response>
  std::optional<Response> call(BrokerId to, std::shared_ptr<const sim::Message> request,
                               sim::Duration limit = 10s) {
    auto pending = start_call<Response>(to, std::move(request), limit);
    for (int i = 0; i < 10'000 && !pending->done && failure_.empty(); ++i) run_for(1ms);
    return pending->response;
  }
  std::optional<ProduceResponse> produce(BrokerId to, const TopicPartition& tp,
                                         std::vector<std::string> values, std::int16_t acks,
                                         BatchProducer producer = {},
                                         std::int32_t timeout_ms = 3000) {
    auto request = std::make_shared<ProduceRequest>();
    request->tp = tp;
    request->acks = acks;
    request->timeout_ms = timeout_ms;
    request->batch = batch_of(values, producer);
    return call<ProduceResponse>(to, request);
  }
  // A consumer fetch (replica_id -1) that does not long-poll.
  std::optional<FetchResponse> fetch(BrokerId to, const TopicPartition& tp, Offset offset,
                                     LeaderEpoch current_epoch = kNoLeaderEpoch) {
    auto request = std::make_shared<FetchRequest>();
    request->max_wait_ms = 0;
    FetchPartition p;
    p.tp = tp;
    p.fetch_offset = offset;
    p.current_leader_epoch = current_epoch;
    request->partitions.push_back(p);
    return call<FetchResponse>(to, request);
  }
  // Every record value a consumer reads from `to`, from offset `from` up to the HW (past
  // batches that compaction emptied, as a consumer's position moves past a whole batch).
  std::vector<std::string> consume_all(BrokerId to, const TopicPartition& tp,
                                       Offset from = Offset(0)) {
    std::vector<std::string> values;
    Offset next = from;
    for (int round = 0; round < 1000; ++round) {
      auto response = fetch(to, tp, next);
      if (!response || response->partitions.empty()) break;
      const FetchedPartition& p = response->partitions.front();
      if (p.error != ErrorCode::kNone || p.records.empty()) break;
      for (const BatchView& batch : scan_batches(p.records).batches) {
        for (const Record& r : batch.records()) {
          if (r.offset >= p.high_watermark) ++reads_past_high_watermark;
          if (r.value) values.emplace_back(r.value->begin(), r.value->end());
        }
        next = batch.last_offset() + 1;
      }
    }
    return values;
  }

  static Bytes batch_of(const std::vector<std::string>& values, BatchProducer producer = {}) {
    std::vector<RecordInput> inputs;
    for (const std::string& v : values)
      inputs.push_back({0, std::nullopt, Bytes(v.begin(), v.end())});
    return encode_batch(inputs, producer);
  }
  static std::vector<Record> records_of(const Bytes& bytes) {
    std::vector<Record> records;
    for (const BatchView& batch : scan_batches(bytes).batches) {
      for (Record& r : batch.records()) records.push_back(std::move(r));
    }
    return records;
  }

  // Runs the simulation; a broken invariant fails the test with the kernel's message.
  void run_for(sim::Duration d) {
    if (!failure_.empty()) return;
    const sim::RunOutcome outcome = sim_.run_for(d);
    if (outcome == sim::RunOutcome::kFailed) failure_ = sim_.kernel().failure();
    ASSERT_NE(outcome, sim::RunOutcome::kFailed) << failure_;
  }
  // The first broken invariant of the run (empty while none broke).
  const std::string& failure() const { return failure_; }
  bool is_up(BrokerId b) const { return sim_.is_up(node(b)); }
  // Records a consumer was handed at or above the high watermark of the same answer.
  int reads_past_high_watermark = 0;

 private:
  void broadcast() {
    auto update = std::make_shared<MetadataUpdate>();
    update->delta = MetadataDelta{image_.version(), {}, image_brokers_};
    for (const auto& [tp, state] : image_.partitions()) update->delta.partitions.push_back(state);
    for (sim::NodeId n : nodes_) sim_.network().send_from(controller_, n, update);
  }

  void controller_main() {
    sim::RpcEndpoint rpc(sim_.network(), controller_);
    sim_.kernel().spawn(controller_, "republish", [this] {
      for (;;) {
        sim_.kernel().sleep_for(100ms);
        broadcast();
      }
    });
    rpc.serve([&](const sim::Envelope& request) {
      const auto* alter = dynamic_cast<const AlterPartitionRequest*>(request.message.get());
      if (alter == nullptr) return;
      auto response = std::make_shared<AlterPartitionResponse>();
      response->error = validate_alter(*alter);
      if (response->error == ErrorCode::kNone) {
        PartitionState state = *image_.partition(alter->tp);
        state.isr = alter->new_isr;
        state.partition_epoch = state.partition_epoch + 1;
        publish({state});
        response->state = state;
        ++alters_committed;
      }
      rpc.reply(request, response);
    });
  }

  // KIP-497: the proposal must be based on the current leader epoch and partition
  // epoch, and may not bring a fenced broker into the ISR.
  ErrorCode validate_alter(const AlterPartitionRequest& alter) const {
    const PartitionState* state = image_.partition(alter.tp);
    if (state == nullptr) return ErrorCode::kUnknownTopicOrPartition;
    if (alter.leader_epoch != state->leader_epoch || alter.broker_id != state->leader) {
      return ErrorCode::kFencedLeaderEpoch;
    }
    if (alter.partition_epoch != state->partition_epoch) return ErrorCode::kInvalidUpdateVersion;
    for (BrokerId b : alter.new_isr) {
      const bool was_in = std::find(state->isr.begin(), state->isr.end(), b) != state->isr.end();
      const BrokerRegistration* reg = image_.broker(b);
      if (!was_in && (reg == nullptr || reg->fenced)) return ErrorCode::kIneligibleReplica;
    }
    return ErrorCode::kNone;
  }

  void client_main() {
    sim::RpcEndpoint rpc(sim_.network(), client_);
    client_rpc_ = &rpc;
    rpc.serve([](const sim::Envelope&) {});
  }

  sim::NodeId controller_;
  sim::NodeId client_;
  std::vector<sim::NodeId> nodes_;
  std::vector<BrokerConfig> configs_;
  std::vector<BrokerRegistration> image_brokers_;
  MetadataImage image_;
  sim::RpcEndpoint* client_rpc_ = nullptr;
  std::string failure_;

 public:
  int alters_committed = 0;

 private:
  // Last, so it is destroyed first: its fibers unwind while the rig they use still lives.
  sim::Simulation sim_;
};

}  // namespace samsa::cluster::testing
