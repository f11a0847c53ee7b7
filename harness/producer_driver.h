// ProducerDriver: a workload process that sends a sequence of values per key at a steady
// rate through a KafkaProducer on its own client node, and records every send in the
// run's History: invoked when send() is called, completed when its promise settles
// (acknowledged -> ok with partition and offset; definitely failed -> fail;
// indeterminate -> info). Keys are drawn from the driver's own random stream
// ("workload/<name>"), so adding a driver never reshuffles another's choices.
//
// Invariants: 1. at most `sends` sends are made, `send_interval` apart by the node's
// clock; 2. every send's value is unique in the run (properties::make_value), and a key's
// sequence numbers rise by one per send; 3. every send is recorded exactly once and
// completed exactly once (or left pending for History::close when the node died first).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cluster/client/producer.h"
#include "properties/history.h"
#include "sim/simulation.h"

namespace samsa::harness {

struct ProducerDriverSpec {
  std::string name = "producer-0";  // the process name and its node's name
  std::string topic;
  int keys = 8;  // keys "k0".."k<keys-1>"; 0: null keys
  std::int64_t sends = 1000;
  sim::Duration send_interval = std::chrono::milliseconds(10);
  // Of each thousand keyed sends, how many are tombstones (a null value deleting the key).
  int tombstone_per_mille = 0;
  cluster::ProducerConfig config;
};

class ProducerDriver {
 public:
  ProducerDriver(sim::Simulation& sim, std::vector<sim::NodeId> bootstrap_nodes,
                 ProducerDriverSpec spec, std::shared_ptr<properties::History> history);
  ProducerDriver(const ProducerDriver&) = delete;
  ProducerDriver& operator=(const ProducerDriver&) = delete;

  // Adds the client node and starts the process (the sends begin at once).
  void start();
  sim::NodeId node() const { return node_; }
  const ProducerDriverSpec& spec() const { return spec_; }
  // Every send was made and has settled.
  bool done() const;
  std::int64_t sent() const { return state_->sent; }
  std::int64_t settled() const { return state_->settled; }

 private:
  // Shared with the node's fibers, which may outlive a crash of the main fiber's frame.
  struct State {
    std::int64_t sent = 0;
    std::int64_t settled = 0;
    std::map<std::string, std::uint64_t> next_per_key;
    sim::Rng rng{0};
  };
  void main();
  void send_loop(cluster::KafkaProducer& producer);

  sim::Simulation& sim_;
  std::vector<sim::NodeId> bootstrap_;
  ProducerDriverSpec spec_;
  std::shared_ptr<properties::History> history_;
  std::shared_ptr<State> state_ = std::make_shared<State>();
  sim::NodeId node_{};
};

}  // namespace samsa::harness
