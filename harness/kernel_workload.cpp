#include "harness/kernel_workload.h"

#include <fmt/format.h>

#include <array>
#include <memory>
#include <vector>

#include "sim/node_env.h"
#include "sim/rpc.h"
#include "sim/simulation.h"

namespace samsa::harness {

namespace {

using namespace sim;

struct Ping final : Message {
  explicit Ping(std::uint64_t v) : value(v) {}
  std::uint64_t value;
  std::string_view kind() const override { return "ping"; }
  std::uint64_t digest() const override { return mix64(value); }
};

constexpr int kNodes = 5;
constexpr Duration kFaultPhase = 10s;
constexpr Duration kRunLength = 15s;
constexpr std::uint64_t kMaxEvents = 5'000'000;

// What the harness knows about one node across its incarnations (white-box: the
// process's own memory is lost at every crash, this is not).
struct Ledger {
  std::uint64_t durable_bytes = 0;  // the file held at least this much at an fsync
  bool name_durable = false;        // the file's directory entry was fsynced
};

class Workload {
 public:
  explicit Workload(const KernelWorkloadOptions& options) : options_(options) {}
  KernelWorkloadResult run();

 private:
  void node_main(NodeId self);
  void writer(NodeEnv& env, Ledger& ledger);
  void check_after_restart(NodeEnv& env, const Ledger& ledger);
  void nemesis();
  void fault(Rng& rng, NodeId victim);

  KernelWorkloadOptions options_;
  std::vector<NodeId> nodes_;
  std::vector<Ledger> ledgers_;
  KernelWorkloadResult result_;
  std::unique_ptr<Simulation> sim_;  // last: destroyed first, while what fibers use exists
};

void Workload::node_main(NodeId self) {
  NodeEnv env(*sim_, self);
  Ledger& ledger = ledgers_[self.value()];
  check_after_restart(env, ledger);
  auto rpc = std::make_shared<RpcEndpoint>(sim_->network(), self);
  env.spawn("server", [rpc] {
    rpc->serve([rpc](const Envelope& request) {
      const auto& ping = static_cast<const Ping&>(*request.message);
      rpc->reply(request, std::make_shared<Ping>(ping.value + 1));
    });
  });
  env.spawn("client", [this, self, rpc] {
    NodeEnv client(*sim_, self);
    for (int i = 0; i < 200; ++i) {
      const NodeId peer = nodes_[client.rng().below(nodes_.size())];
      const auto reply = rpc->call(peer, std::make_shared<Ping>(client.rng().next()), 50ms);
      ++(reply.ok() ? result_.rpc_ok : result_.rpc_timeouts);
      client.sleep_for(client.rng().uniform_duration(1ms, 40ms));
    }
  });
  writer(env, ledger);
}

void Workload::check_after_restart(NodeEnv& env, const Ledger& ledger) {
  if (!ledger.name_durable) return;
  const std::string path = fmt::format("data/{}.log", env.name());
  ++result_.restarts_checked;
  const auto size = env.disk().size(path);
  const std::uint64_t have = size.ok() ? size.value() : 0;
  if (have < ledger.durable_bytes) {
    result_.violations.push_back(fmt::format(
        "fsync-durability: at {} {} restarted with {} bytes in {}, but {} bytes had been fsynced",
        format_time(sim_->now()), env.name(), have, path, ledger.durable_bytes));
  }
}

void Workload::writer(NodeEnv& env, Ledger& ledger) {
  const std::string path = fmt::format("data/{}.log", env.name());
  if (!env.disk().exists(path)) {
    if (!env.disk().create(path).ok()) return;
  }
  for (int i = 0; i < 300; ++i) {
    std::vector<std::uint8_t> record(env.rng().below(64) + 1, static_cast<std::uint8_t>(i));
    const auto offset = env.disk().append(path, record);
    if (!offset.ok()) continue;
    const std::uint64_t end = offset.value() + record.size();
    if (options_.bug_count_unsynced_as_durable && ledger.name_durable) {
      ledger.durable_bytes = std::max(ledger.durable_bytes, end);
    }
    if (env.rng().bernoulli(0.2) && env.disk().fsync(path).ok() && ledger.name_durable) {
      ledger.durable_bytes = std::max(ledger.durable_bytes, end);
    }
    if (!ledger.name_durable && env.rng().bernoulli(0.1) && env.disk().fsync_dir("data").ok()) {
      ledger.name_durable = true;
    }
    env.sleep_for(env.rng().uniform_duration(1ms, 30ms));
  }
}

void Workload::fault(Rng& rng, NodeId victim) {
  switch (rng.below(7)) {
    case 0:
    case 1:
      if (!sim_->is_up(victim)) {
        sim_->restart(victim);
      } else if (rng.bernoulli(0.5)) {
        sim_->crash(victim);
        ++result_.crashes;
      } else {
        sim_->power_loss(victim);
        ++result_.power_losses;
      }
      break;
    case 2:
      sim_->pause(victim);
      ++result_.pauses;
      break;
    case 3: sim_->resume(victim); break;
    case 4: {
      const std::array<NodeId, 1> alone{victim};
      std::vector<NodeId> rest;
      for (NodeId n : nodes_) {
        if (n != victim) rest.push_back(n);
      }
      if (rng.bernoulli(0.5)) {
        sim_->network().partition(alone, rest);
      } else {
        sim_->network().partition_one_way(alone, rest);
      }
      ++result_.partitions;
      break;
    }
    case 5: sim_->network().heal(); break;
    default:
      sim_->clock_jump(victim, rng.uniform_duration(-2s, 2s));
      ++result_.clock_jumps;
      break;
  }
}

void Workload::nemesis() {
  Rng rng = sim_->stream("nemesis");
  Kernel& kernel = sim_->kernel();
  while (kernel.now() < kSimStart + kFaultPhase) {
    kernel.sleep_for(rng.uniform_duration(100ms, 800ms));
    fault(rng, nodes_[rng.below(nodes_.size())]);
  }
  // Liveness phase: heal everything and let every node restart and check its disk.
  sim_->network().heal();
  for (NodeId n : nodes_) {
    sim_->resume(n);
    if (!sim_->is_up(n)) sim_->restart(n);
  }
}

KernelWorkloadResult Workload::run() {
  SimulationConfig config;
  config.seed = options_.seed;
  config.trace_path = options_.trace_path;
  config.network.drop_probability = 0.02;
  config.network.duplicate_probability = 0.02;
  config.network.delay_probability = 0.05;
  config.buggify.enabled = true;
  sim_ = std::make_unique<Simulation>(config);
  ledgers_.resize(kNodes + 1);
  for (int i = 1; i <= kNodes; ++i) nodes_.push_back(sim_->add_node(fmt::format("n{}", i)));
  for (NodeId n : nodes_) {
    sim_->clock_drift(n, static_cast<std::int64_t>(sim_->rng(n).below(400)) - 200);
    sim_->start(n, [this, n] { node_main(n); });
  }
  sim_->kernel().spawn(sim_->harness(), "nemesis", [this] { nemesis(); });
  const RunOutcome outcome = sim_->run({kSimStart + kRunLength, kMaxEvents});
  result_.seed = options_.seed;
  result_.outcome = std::string(run_outcome_name(outcome));
  if (sim_->kernel().failed()) {
    result_.outcome += ": " + sim_->kernel().failure();
    result_.violations.push_back("kernel-failure: " + sim_->kernel().failure());
  }
  result_.trace_hash = sim_->trace_hash();
  result_.events = sim_->kernel().events();
  result_.sim_ms = to_ms(sim_->now() - kSimStart);
  const NetworkStats& net = sim_->network().stats();
  result_.messages_sent = net.sent;
  result_.messages_delivered = net.delivered;
  result_.messages_dropped = net.dropped_fault + net.dropped_partition + net.dropped_down +
                             net.dropped_inbox_full;
  for (NodeId n : nodes_) {
    result_.disk_writes += sim_->disk(n).stats().writes;
    result_.fsyncs += sim_->disk(n).stats().fsyncs;
  }
  return result_;
}

}  // namespace

KernelWorkloadResult run_kernel_workload(const KernelWorkloadOptions& options) {
  return Workload(options).run();
}

}  // namespace samsa::harness
