// Simulation: one simulated world — the kernel, the network, and for every node a disk,
// a clock and a random stream — and the process lifecycle the nemesis drives: start,
// crash (kill -9: the page cache survives), restart, power loss (un-fsynced data is
// lost), pause and resume. Node 0 is the "harness" node, where workloads and the nemesis
// run; faults never touch it.
//
// Invariants: a node's disk outlives its processes; restart() runs the node's main
// function again over the same disk; every random choice comes from a stream named by
// (seed, purpose), so adding a node or a fault does not reshuffle the others' draws.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>

#include "sim/buggify.h"
#include "sim/clock.h"
#include "sim/disk.h"
#include "sim/kernel.h"
#include "sim/network.h"
#include "sim/random.h"

namespace samsa::sim {

struct SimulationConfig {
  std::uint64_t seed = 1;
  NetworkConfig network;
  DiskConfig disk;
  BuggifyConfig buggify;
  std::string trace_path;  // when set, every event is written there, one line each
};

class Simulation {
 public:
  explicit Simulation(SimulationConfig config);
  ~Simulation();
  Simulation(const Simulation&) = delete;
  Simulation& operator=(const Simulation&) = delete;

  std::uint64_t seed() const { return config_.seed; }
  Kernel& kernel() { return kernel_; }
  Network& network() { return network_; }
  Buggify& buggify() { return buggify_; }
  SimTime now() const { return kernel_.now(); }
  NodeId harness() const { return NodeId(0); }

  // A new machine (down until start()). Its name appears in logs and traces.
  NodeId add_node(const std::string& name);
  std::size_t node_count() const { return machines_.size(); }
  const std::string& node_name(NodeId node) const { return kernel_.node_name(node); }
  Disk& disk(NodeId node) { return *machine(node).disk; }
  NodeClock& clock(NodeId node) { return machine(node).clock; }
  Rng& rng(NodeId node) { return machine(node).rng; }
  // A fresh stream for a purpose ("workload", "nemesis", ...), independent of all others.
  Rng stream(std::string_view purpose) const { return Rng::stream(config_.seed, purpose); }

  // --- Process lifecycle ----------------------------------------------------------------
  // Starts the node's process: remembers `main` and runs it in a fiber named "main".
  void start(NodeId node, std::function<void()> main);
  void crash(NodeId node);
  // Runs the remembered main again (the node must be down).
  void restart(NodeId node);
  // Crash plus the loss of everything the disk had not fsynced (see disk.h).
  void power_loss(NodeId node);
  void pause(NodeId node);
  void resume(NodeId node);
  bool is_up(NodeId node) const { return kernel_.is_up(node); }

  // --- Clock faults ---------------------------------------------------------------------
  void clock_jump(NodeId node, Duration delta);
  void clock_drift(NodeId node, std::int64_t ppm);
  void clock_offset(NodeId node, Duration offset);

  // --- Running --------------------------------------------------------------------------
  RunOutcome run(RunLimits limits = {}) { return kernel_.run(limits); }
  RunOutcome run_for(Duration d) { return kernel_.run_for(d); }
  std::uint64_t trace_hash() const { return const_cast<Kernel&>(kernel_).trace().hash(); }

  // The simulation running on this thread, or null.
  static Simulation* current();

 private:
  struct Machine {
    std::unique_ptr<Disk> disk;
    NodeClock clock;
    Rng rng{0};
    std::function<void()> main;
  };
  Machine& machine(NodeId node);
  void record_fault(NodeId node, EventKind kind, std::uint64_t digest, const std::string& what);

  SimulationConfig config_;
  Kernel kernel_;
  Network network_;
  Buggify buggify_;
  std::deque<Machine> machines_;
};

}  // namespace samsa::sim
