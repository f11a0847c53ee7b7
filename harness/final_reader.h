// FinalReader: the liveness phase's reader (Jepsen's final reads). A consumer outside any
// group on its own client node ("reader") assigns itself every partition of the topic,
// seeks to the beginning and polls, recording each poll in the History like any consumer,
// so the data checkers see what the log finally holds. The runner decides when it has read
// enough (its positions against the leaders' high watermarks).
//
// Invariant: the reader never commits and never joins a group; its positions only grow.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cluster/client/consumer.h"
#include "properties/history.h"
#include "sim/simulation.h"

namespace samsa::harness {

class FinalReader {
 public:
  FinalReader(sim::Simulation& sim, std::vector<sim::NodeId> bootstrap_nodes,
              std::vector<cluster::TopicPartition> partitions, cluster::ConsumerConfig config,
              std::shared_ptr<properties::History> history);
  FinalReader(const FinalReader&) = delete;
  FinalReader& operator=(const FinalReader&) = delete;

  static constexpr const char* kProcess = "reader";
  // Adds the node and starts reading.
  void start();
  void stop() { state_->stop_requested = true; }
  // The next offset the reader will read, per partition (absent until known).
  const std::map<cluster::TopicPartition, cluster::Offset>& positions() const {
    return state_->positions;
  }

 private:
  struct State {
    bool stop_requested = false;
    std::map<cluster::TopicPartition, cluster::Offset> positions;
  };
  void main();

  sim::Simulation& sim_;
  std::vector<sim::NodeId> bootstrap_;
  std::vector<cluster::TopicPartition> partitions_;
  cluster::ConsumerConfig config_;
  std::shared_ptr<properties::History> history_;
  std::shared_ptr<State> state_ = std::make_shared<State>();
  sim::NodeId node_{};
};

}  // namespace samsa::harness
