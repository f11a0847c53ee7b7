#include "harness/nemesis.h"

#include <fmt/format.h>

#include <algorithm>

namespace samsa::harness {

using properties::FaultKind;
using properties::FaultStep;
using properties::NodeRole;

Nemesis::Nemesis(KRaftCluster& cluster, std::vector<sim::NodeId> consumers,
                 properties::Observations& observations)
    : cluster_(cluster),
      sim_(cluster.sim()),
      consumers_(std::move(consumers)),
      observations_(observations),
      configured_drop_probability_(cluster.sim().network().config().drop_probability) {}

void Nemesis::start(std::vector<FaultStep> faults) {
  sim_.kernel().spawn(sim_.harness(), "nemesis",
                      [this, faults = std::move(faults)] { run(faults); });
}

void Nemesis::run(const std::vector<FaultStep>& faults) {
  const sim::SimTime start = sim_.now();
  for (const FaultStep& step : faults) {
    const sim::SimTime at = start + step.at;
    if (at > sim_.now()) sim_.kernel().sleep_for(at - sim_.now());
    if (state_->stopped) return;
    inject(step);
  }
}

sim::NodeId Nemesis::resolve(const properties::NodeRef& ref) const {
  const std::vector<sim::NodeId>& nodes = ref.role == NodeRole::kBroker ? cluster_.broker_nodes()
                                          : ref.role == NodeRole::kController
                                              ? cluster_.controller_nodes()
                                              : consumers_;
  SAMSA_ASSERT(!nodes.empty(), "a fault targets a role the run has no node of");
  return nodes[static_cast<std::size_t>(ref.index) % nodes.size()];
}

// Brokers and controllers with index <= `index` on one side, the others on the other.
std::vector<sim::NodeId> Nemesis::side_of(int index) const {
  std::vector<sim::NodeId> side;
  for (const auto* nodes : {&cluster_.broker_nodes(), &cluster_.controller_nodes()}) {
    for (std::size_t i = 0; i < nodes->size() && static_cast<int>(i) <= index; ++i) {
      side.push_back((*nodes)[i]);
    }
  }
  return side;
}

void Nemesis::record(std::string kind, const std::vector<sim::NodeId>& nodes, std::string detail) {
  properties::FaultEvent event{sim_.now(), std::move(kind), {}, std::move(detail)};
  for (sim::NodeId n : nodes) event.nodes.push_back(sim_.node_name(n));
  observations_.faults.push_back(std::move(event));
}

void Nemesis::after(sim::Duration duration, std::function<void()> heal) {
  sim_.kernel().spawn(sim_.harness(), "nemesis-heal", [this, duration, heal = std::move(heal)] {
    sim_.kernel().sleep_for(duration);
    heal();
  });
}

// Ends one split or isolation: its own links come back, others' stay cut (Network::Cut).
void Nemesis::end_network_fault(const State& state, const sim::Network::Cut& cut,
                                const std::vector<sim::NodeId>& nodes) {
  if (state.stopped) return;  // heal_all() healed everything already
  sim_.network().restore(cut);
  record("heal-network", nodes, "");
}

void Nemesis::inject(const FaultStep& step) {
  const std::string name(properties::fault_kind_name(step.kind));
  const std::string lasting = fmt::format("for {} ms", sim::to_ms(step.duration));
  const std::shared_ptr<State> state = state_;
  if (step.kind == FaultKind::kPartition) {
    const std::vector<sim::NodeId> a = side_of(step.target.index);
    std::vector<sim::NodeId> b;
    for (const auto* nodes : {&cluster_.broker_nodes(), &cluster_.controller_nodes()}) {
      for (sim::NodeId n : *nodes) {
        if (std::find(a.begin(), a.end(), n) == a.end()) b.push_back(n);
      }
    }
    if (b.empty()) return record("partition-skipped", a, "one side would be empty");
    const sim::Network::Cut cut = sim_.network().partition(a, b);
    record(name, a, "this side against the rest, " + lasting);
    return after(step.duration, [this, state, cut, a] { end_network_fault(*state, cut, a); });
  }
  if (step.kind == FaultKind::kLossyNetwork) {
    sim::NetworkConfig config = sim_.network().config();
    config.drop_probability = static_cast<double>(step.amount) / 1000.0;
    sim_.network().set_config(config);
    ++state->lossy;
    record(name, {}, fmt::format("{} per mille dropped, {}", step.amount, lasting));
    return after(step.duration, [this, state] {
      if (state->lossy == 0 || --state->lossy > 0) return;
      sim::NetworkConfig restored = sim_.network().config();
      restored.drop_probability = configured_drop_probability_;
      sim_.network().set_config(restored);
      record("lossless-network", {}, "");
    });
  }
  const sim::NodeId node = resolve(step.target);
  if (state->down.contains(node) || state->paused.contains(node)) {
    return record(name + "-skipped", {node}, "the node is already down or paused");
  }
  switch (step.kind) {
    case FaultKind::kCrash:
    case FaultKind::kPowerLoss:
      if (step.kind == FaultKind::kPowerLoss) {
        sim_.power_loss(node);
        state->powered_off.insert(node);
      } else {
        sim_.crash(node);
      }
      state->down.insert(node);
      record(name, {node}, "restart after " + lasting.substr(4));
      return after(step.duration, [this, state, node] {
        if (!state->down.erase(node)) return;
        sim_.restart(node);
        record("restart", {node}, "");
      });
    case FaultKind::kPause:
      sim_.pause(node);
      state->paused.insert(node);
      record(name, {node}, lasting);
      return after(step.duration, [this, state, node] {
        if (!state->paused.erase(node)) return;
        sim_.resume(node);
        record("resume", {node}, "");
      });
    case FaultKind::kIsolate: {
      const sim::Network::Cut cut = sim_.network().isolate(node);
      record(name, {node}, lasting);
      return after(step.duration,
                   [this, state, cut, node] { end_network_fault(*state, cut, {node}); });
    }
    case FaultKind::kClockSkew:
      if (state->skewed.contains(node)) return record(name + "-skipped", {node}, "already skewed");
      sim_.clock_offset(node, std::chrono::milliseconds(step.amount));
      state->skewed.insert(node);
      record(name, {node}, fmt::format("offset {:+} ms, {}", step.amount, lasting));
      return after(step.duration, [this, state, node] {
        if (!state->skewed.erase(node)) return;
        sim_.clock_offset(node, sim::Duration::zero());
        record("clock-reset", {node}, "");
      });
    case FaultKind::kPartition:
    case FaultKind::kLossyNetwork:
      break;
  }
}

void Nemesis::heal_all() {
  const std::shared_ptr<State> state = state_;
  state->stopped = true;
  for (sim::NodeId node : state->paused) sim_.resume(node);
  for (sim::NodeId node : state->down) sim_.restart(node);
  for (sim::NodeId node : state->skewed) sim_.clock_offset(node, sim::Duration::zero());
  state->paused.clear();
  state->down.clear();
  state->skewed.clear();
  state->lossy = 0;
  sim_.network().heal();
  sim::NetworkConfig config = sim_.network().config();
  config.drop_probability = configured_drop_probability_;
  sim_.network().set_config(config);
  record("heal-all", {}, "the liveness phase begins");
}

}  // namespace samsa::harness
