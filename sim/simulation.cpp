#include "sim/simulation.h"

#include <fmt/format.h>

#include "sim/assert.h"
#include "sim/log.h"

namespace samsa::sim {

namespace {
thread_local Simulation* tls_simulation = nullptr;
}

Simulation::Simulation(SimulationConfig config)
    : config_(std::move(config)),
      kernel_(config_.seed),
      network_(kernel_, Rng::stream(config_.seed, "network"), config_.network),
      buggify_(config_.seed, config_.buggify) {
  SAMSA_ASSERT(tls_simulation == nullptr, "one simulation per thread at a time");
  tls_simulation = this;
  Buggify::set_current(&buggify_);
  if (!config_.trace_path.empty() && !kernel_.trace().open_file(config_.trace_path)) {
    throw std::runtime_error(fmt::format("cannot write the trace file '{}'", config_.trace_path));
  }
  const NodeId harness_node = add_node("harness");
  SAMSA_ASSERT(harness_node == harness(), "the harness is node 0");
  kernel_.bring_up(harness_node);
}

Simulation::~Simulation() {
  // Fibers may hold network endpoints and use disks while they unwind: end them first.
  kernel_.shutdown();
  Buggify::set_current(nullptr);
  tls_simulation = nullptr;
}

Simulation* Simulation::current() { return tls_simulation; }

Simulation::Machine& Simulation::machine(NodeId node) {
  SAMSA_ASSERT(node.valid() && node.value() < machines_.size(), "unknown node");
  return machines_[node.value()];
}

NodeId Simulation::add_node(const std::string& name) {
  const NodeId node = kernel_.add_node(name);
  Machine& m = machines_.emplace_back();
  m.rng = Rng::stream(config_.seed, "node/" + name);
  m.disk = std::make_unique<Disk>(kernel_, node, Rng::stream(config_.seed, "disk/" + name),
                                  config_.disk);
  network_.add_node(node);
  return node;
}

void Simulation::start(NodeId node, std::function<void()> main) {
  machine(node).main = std::move(main);
  restart(node);
}

void Simulation::restart(NodeId node) {
  Machine& m = machine(node);
  SAMSA_ASSERT(m.main != nullptr, fmt::format("restart of {} before start", node_name(node)));
  SAMSA_ASSERT(!kernel_.is_up(node), fmt::format("restart of {}, which is up", node_name(node)));
  kernel_.bring_up(node);
  network_.on_restart(node);
  SAMSA_LOG_INFO("start {} (incarnation {})", node_name(node), kernel_.incarnation(node));
  kernel_.spawn(node, "main", m.main);
}

void Simulation::crash(NodeId node) {
  SAMSA_ASSERT(node != harness(), "the harness node never crashes");
  if (!kernel_.is_up(node)) return;
  SAMSA_LOG_INFO("crash {}", node_name(node));
  kernel_.crash(node);
  network_.on_crash(node);
}

void Simulation::power_loss(NodeId node) {
  crash(node);
  SAMSA_LOG_INFO("power loss {}", node_name(node));
  machine(node).disk->power_loss();
}

void Simulation::pause(NodeId node) {
  SAMSA_ASSERT(node != harness(), "the harness node never pauses");
  SAMSA_LOG_INFO("pause {}", node_name(node));
  kernel_.pause(node);
}

void Simulation::resume(NodeId node) {
  SAMSA_LOG_INFO("resume {}", node_name(node));
  kernel_.resume(node);
}

void Simulation::record_fault(NodeId node, EventKind kind, std::uint64_t digest,
                              const std::string& what) {
  SAMSA_LOG_INFO("{} {}", what, node_name(node));
  kernel_.trace().record(kernel_.now(), node, kind, digest, [&] { return what; });
}

void Simulation::clock_jump(NodeId node, Duration delta) {
  machine(node).clock.jump(kernel_.now(), delta);
  record_fault(node, EventKind::kClock, static_cast<std::uint64_t>(delta.count()),
               fmt::format("clock jump {}", format_duration(delta)));
}

void Simulation::clock_drift(NodeId node, std::int64_t ppm) {
  machine(node).clock.set_drift_ppm(kernel_.now(), ppm);
  record_fault(node, EventKind::kClock, static_cast<std::uint64_t>(ppm) ^ 0xd1f7,
               fmt::format("clock drift {}ppm", ppm));
}

void Simulation::clock_offset(NodeId node, Duration offset) {
  machine(node).clock.set_offset(kernel_.now(), offset);
  record_fault(node, EventKind::kClock, static_cast<std::uint64_t>(offset.count()) ^ 0x0ff5,
               fmt::format("clock offset {}", format_duration(offset)));
}

}  // namespace samsa::sim
