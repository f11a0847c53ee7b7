#include "harness/cluster_workload.h"

#include <fmt/format.h>

#include <memory>

#include "cluster/log/record_batch.h"
#include "harness/kraft_cluster.h"
#include "sim/simulation.h"

namespace samsa::harness {

namespace {

using namespace std::chrono_literals;

constexpr int kPartitions = 3;
constexpr std::uint64_t kMaxEvents = 200'000'000;

// acks=all produces, one at a time, to each partition's leader in turn.
void produce_loop(KRaftCluster& cluster, std::int64_t& acknowledged) {
  sim::Kernel& kernel = cluster.sim().kernel();
  for (std::int64_t n = 0; n < 1'000'000; ++n) {
    const cluster::TopicPartition tp{"orders",
                                     cluster::PartitionIndex(static_cast<int>(n % kPartitions))};
    const cluster::PartitionState* state = cluster.partition(tp);
    if (state == nullptr || state->leader == cluster::kNoLeader) {
      kernel.sleep_for(50ms);
      continue;
    }
    auto request = std::make_shared<cluster::ProduceRequest>();
    request->tp = tp;
    request->acks = -1;
    request->timeout_ms = 2000;
    const std::string value = fmt::format("v{}", n);
    const std::vector<cluster::RecordInput> records = {
        {0, std::nullopt, cluster::Bytes(value.begin(), value.end())}};
    request->batch = cluster::encode_batch(records, cluster::BatchProducer{});
    auto pending =
        cluster.call<cluster::ProduceResponse>(cluster.broker_node(state->leader), request, 3s);
    for (int i = 0; i < 400 && !pending->done; ++i) kernel.sleep_for(10ms);
    if (pending->response && pending->response->error == cluster::ErrorCode::kNone) ++acknowledged;
    kernel.sleep_for(5ms);
  }
}

// Every 3 s: crash a broker and restart it 2 s later, or cut a controller off for 2 s.
void nemesis_loop(KRaftCluster& cluster, std::int64_t& faults) {
  sim::Simulation& sim = cluster.sim();
  sim::Rng rng = sim.stream("nemesis");
  for (int round = 0; round < 1000; ++round) {
    sim.kernel().sleep_for(3s);
    if (rng.below(2) == 0) {
      const sim::NodeId victim = cluster.broker_nodes()[rng.below(cluster.broker_nodes().size())];
      sim.crash(victim);
      sim.kernel().sleep_for(2s);
      sim.restart(victim);
    } else {
      const auto& controllers = cluster.controller_nodes();
      sim.network().isolate(controllers[rng.below(controllers.size())]);
      sim.kernel().sleep_for(2s);
      sim.network().heal();
    }
    ++faults;
  }
}

}  // namespace

ClusterWorkloadResult run_cluster_workload(const ClusterWorkloadOptions& options) {
  sim::Simulation sim(sim::SimulationConfig{
      .seed = options.seed, .network = {}, .disk = {}, .buggify = {}, .trace_path = {}});
  ClusterWorkloadResult result;
  result.seed = options.seed;
  {
    KRaftCluster cluster(sim, fast_failover_spec());
    sim.kernel().spawn(sim.harness(), "workload", [&] {
      // Until the brokers have registered, creation fails with INVALID_REPLICATION_FACTOR.
      for (int attempt = 0; attempt < 100; ++attempt) {
        auto created = cluster.create_topic("orders", kPartitions, 3);
        while (!created->done) sim.kernel().sleep_for(10ms);
        if (created->response &&
            created->response->topics.at(0).error != cluster::ErrorCode::kInvalidReplicationFactor)
          break;
        sim.kernel().sleep_for(500ms);
      }
      sim.kernel().spawn(sim.harness(), "nemesis", [&] { nemesis_loop(cluster, result.faults); });
      produce_loop(cluster, result.acknowledged);
    });
    const sim::RunOutcome outcome = sim.run({sim::kSimStart + options.duration, kMaxEvents});
    result.outcome = std::string(sim::run_outcome_name(outcome));
    if (outcome == sim::RunOutcome::kFailed) result.outcome += ": " + sim.kernel().failure();
    result.trace_hash = sim.trace_hash();
    result.events = sim.kernel().events();
  }
  return result;
}

}  // namespace samsa::harness
