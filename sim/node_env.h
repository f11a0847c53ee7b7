// NodeEnv: everything code under test on one node may use, and the only door to the
// simulator (after LevelDB's Env): the node's clocks, its random stream, its disk, the
// network, spawning fibers and sleeping by its own clock. cluster/ code takes a NodeEnv
// and never reaches into Simulation or Kernel, so another back end could stand behind
// the same calls.
#pragma once

#include <functional>
#include <string>

#include "sim/simulation.h"

namespace samsa::sim {

class NodeEnv {
 public:
  NodeEnv(Simulation& simulation, NodeId node) : sim_(&simulation), node_(node) {}

  NodeId id() const { return node_; }
  const std::string& name() const { return sim_->node_name(node_); }

  // Milliseconds since the Unix epoch by this node's wall clock (skewed, may jump).
  std::int64_t wall_ms() const { return sim_->clock(node_).wall_ms(sim_->now()); }
  // This node's monotonic clock (drifts, never jumps): use it to measure timeouts.
  SimTime monotonic() const { return sim_->clock(node_).monotonic(sim_->now()); }
  // Sleeps until this node's monotonic clock has advanced by `d`.
  // determinism-ok: the kernel's virtual-time sleep, by this node's simulated clock
  void sleep_for(Duration d) { sim_->kernel().sleep_for(sim_->clock(node_).to_virtual(d)); }
  // A deadline on the kernel's time line, `d` from now by this node's clock (for the
  // wait_until calls of sync.h).
  SimTime deadline_after(Duration d) const {
    return sim_->now() + sim_->clock(node_).to_virtual(d);
  }
  FiberId spawn(std::string fiber_name, std::function<void()> body) {
    return sim_->kernel().spawn(node_, std::move(fiber_name), std::move(body));
  }
  Rng& rng() { return sim_->rng(node_); }
  Disk& disk() { return sim_->disk(node_); }
  Network& network() { return sim_->network(); }

 private:
  Simulation* sim_;
  NodeId node_;
};

}  // namespace samsa::sim
