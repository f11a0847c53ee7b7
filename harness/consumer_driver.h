// ConsumerDriver: a workload process that consumes in a consumer group through a
// KafkaConsumer on its own client node, "processes" each batch of records for a while, and
// commits, recording every step in the run's History: each non-empty poll (the records
// returned), each commit (the offsets, the generation used, ok / fail / info), and each
// assignment change the rebalance listener hears of (assign, revoke, lose, with the
// generation). Used by scenarios and the group end-to-end tests.
//
// A crash of the client node ends the process; a restart starts a new consumer under the
// same process name, and first records the partitions the dead one owned as lost.
//
// Invariants: 1. every commit the consumer sends is recorded with exactly the offsets and
// generation it carries (through KafkaConsumer's commit observer, so auto-commits and the
// commits before a revocation are recorded too); 2. assignment changes
// are recorded in the order the listener is called; 3. the driver stops polling when
// stop() was called, after closing the consumer (which leaves the group).
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "cluster/bugs.h"
#include "cluster/client/consumer.h"
#include "properties/history.h"
#include "sim/simulation.h"

namespace samsa::harness {

enum class CommitMode : std::uint8_t {
  kSync,   // commit_sync of what each poll returned, after processing it
  kAsync,  // commit_async of the same
  kAuto,   // enable.auto.commit: the consumer commits what earlier polls returned
};
std::string_view commit_mode_name(CommitMode mode);

// A consumer config with short timers (sessions of 2 s, heartbeats every 300 ms, requests
// of 2 s, auto.offset.reset=earliest) to go with fast_failover_spec (kraft_cluster.h).
cluster::ConsumerConfig fast_consumer_config();

// Records one poll's result (its records, and its first error) as an ok kPoll operation of
// `process` in `group` ("" for a consumer outside any group).
void record_poll_result(properties::History& history, const std::string& process,
                        const std::string& group, const cluster::PollResult& result,
                        sim::SimTime invoked_at, sim::SimTime now);

struct ConsumerDriverSpec {
  std::string name = "consumer-0";  // the process name and its node's name
  std::string group = "group-0";
  std::vector<std::string> topics;
  cluster::ConsumerConfig config;  // group.id is set to `group`
  CommitMode commit = CommitMode::kSync;
  sim::Duration poll_timeout = std::chrono::milliseconds(100);
  sim::Duration processing_time = std::chrono::milliseconds(5);  // per non-empty poll
  cluster::Bugs bugs;
};

class ConsumerDriver {
 public:
  ConsumerDriver(sim::Simulation& sim, std::vector<sim::NodeId> bootstrap_nodes,
                 ConsumerDriverSpec spec, std::shared_ptr<properties::History> history);
  ConsumerDriver(const ConsumerDriver&) = delete;
  ConsumerDriver& operator=(const ConsumerDriver&) = delete;

  // Adds the client node and starts the process (it subscribes and polls at once).
  void start();
  // Asks the process to close its consumer (leaving the group) and stop polling.
  void stop() { state_->stop_requested = true; }
  bool stopped() const { return state_->stopped; }
  sim::NodeId node() const { return node_; }
  const ConsumerDriverSpec& spec() const { return spec_; }
  std::uint64_t records_polled() const { return state_->records; }
  // Between a non-empty poll and its commit (the processing time).
  bool processing() const { return state_->processing; }
  // The consumer while the process runs (null before start and after a crash).
  const cluster::KafkaConsumer* consumer() const { return state_->consumer.get(); }

 private:
  struct State {
    bool stop_requested = false;
    bool stopped = false;
    bool processing = false;
    std::uint64_t records = 0;
    std::shared_ptr<cluster::KafkaConsumer> consumer;
    // What the listener last left this process owning, and from which generation: a
    // restart after a crash records it as lost (the process is a new member now).
    std::set<cluster::TopicPartition> owned;
    std::int32_t owned_generation = cluster::kNoGeneration;
  };
  class Listener;
  void main();
  void poll_loop(cluster::KafkaConsumer& consumer);
  void record_poll(const cluster::PollResult& result, sim::SimTime invoked_at);
  void commit(cluster::KafkaConsumer& consumer, const cluster::PollResult& result);
  std::function<void(cluster::ErrorCode, bool)> record_commit(
      const std::map<cluster::TopicPartition, cluster::OffsetAndEpoch>& offsets,
      const std::optional<cluster::GroupGeneration>& generation);

  sim::Simulation& sim_;
  std::vector<sim::NodeId> bootstrap_;
  ConsumerDriverSpec spec_;
  std::shared_ptr<properties::History> history_;
  std::shared_ptr<State> state_ = std::make_shared<State>();
  sim::NodeId node_{};
};

}  // namespace samsa::harness
