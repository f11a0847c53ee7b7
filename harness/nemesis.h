// Nemesis: executes a RunPlan's fault schedule on a running cluster — each FaultStep at its
// time, healed after its duration — and records every injection and healing as a
// FaultEvent in the run's Observations. It runs as a fiber on the harness node, so its
// choices interleave deterministically with the cluster's events.
//
// Invariants: 1. a fault whose target cannot take it (a crash of a node already down, a
// pause of a paused node) is skipped and recorded as skipped, never stacked; 2. heal_all()
// leaves every node up and resumed, every link open, every clock at offset 0 and the
// network's drop rate at its configured value; 3. the nemesis touches nodes only through
// sim::Simulation's fault API.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "harness/kraft_cluster.h"
#include "properties/observations.h"
#include "properties/run_plan.h"

namespace samsa::harness {

class Nemesis {
 public:
  // `consumers` are the consumer drivers' nodes, for faults that target consumers.
  Nemesis(KRaftCluster& cluster, std::vector<sim::NodeId> consumers,
          properties::Observations& observations);

  // Spawns the fiber that runs `faults` (times from now).
  void start(std::vector<properties::FaultStep> faults);
  // Ends every fault in force now (invariant 2) and records it.
  void heal_all();
  // Brokers that lost power during the run (for the durability promise).
  const std::set<sim::NodeId>& powered_off() const { return state_->powered_off; }

 private:
  struct State {
    std::set<sim::NodeId> down;
    std::set<sim::NodeId> paused;
    std::set<sim::NodeId> skewed;
    std::set<sim::NodeId> powered_off;
    int lossy = 0;
    bool stopped = false;  // heal_all() ran: no more faults
  };
  void run(const std::vector<properties::FaultStep>& faults);
  void inject(const properties::FaultStep& step);
  void end_network_fault(const State& state, const sim::Network::Cut& cut,
                         const std::vector<sim::NodeId>& nodes);
  sim::NodeId resolve(const properties::NodeRef& ref) const;
  std::vector<sim::NodeId> side_of(int index) const;
  void record(std::string kind, const std::vector<sim::NodeId>& nodes, std::string detail);
  // Runs `heal` after `duration` in a fiber of the harness node.
  void after(sim::Duration duration, std::function<void()> heal);

  KRaftCluster& cluster_;
  sim::Simulation& sim_;
  std::vector<sim::NodeId> consumers_;
  properties::Observations& observations_;
  std::shared_ptr<State> state_ = std::make_shared<State>();
  double configured_drop_probability_ = 0;
};

}  // namespace samsa::harness
