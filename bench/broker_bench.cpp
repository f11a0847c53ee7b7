// End-to-end produce throughput on the simulator: 3 brokers, one partition replicated on
// all three, acks=all with min.insync.replicas=2, and a producer node whose fibers send
// ProduceRequests (one encoded batch of kRecordsPerBatch records each) to the leader and
// wait for each answer. Each iteration is one whole simulation (cluster set-up, then
// kSimDuration of producing); only the producing phase is timed (manual time), and the
// counters report acknowledged records and kernel events per wall second of that phase,
// plus acknowledged records per simulated second.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tests/cluster/broker_rig.h"

namespace samsa::bench {
namespace {

using namespace std::chrono_literals;
using cluster::BrokerId;
using cluster::ErrorCode;
using cluster::ProduceRequest;
using cluster::ProduceResponse;
using cluster::TopicPartition;
using cluster::testing::BrokerRig;

const TopicPartition kTp{"bench", cluster::PartitionIndex(0)};
constexpr BrokerId kLeader{1};
constexpr int kRecordsPerBatch = 10;
constexpr int kProducerFibers = 4;
constexpr auto kSimDuration = 10s;

// The broker test rig plus a producer node: its main fiber owns the RpcEndpoint and
// serves the inbox; kProducerFibers fibers each send one ProduceRequest at a time.
struct ProduceRig : BrokerRig {
  ProduceRig() : BrokerRig(1) {
    create_partition(kTp, {BrokerId(1), BrokerId(2), BrokerId(3)});
    run_for(500ms);  // leadership and followers settle
    producer_ = sim().add_node("producer");
  }

  void start_producers() {
    std::vector<std::string> values;
    for (int i = 0; i < kRecordsPerBatch; ++i) values.push_back("record-" + std::to_string(i));
    batch_ = batch_of(values);
    sim().start(producer_, [this] {
      sim::RpcEndpoint rpc(sim().network(), producer_);
      for (int f = 0; f < kProducerFibers; ++f) {
        sim().kernel().spawn(producer_, "producer-" + std::to_string(f), [this, &rpc] {
          for (;;) {
            auto request = std::make_shared<ProduceRequest>();
            request->tp = kTp;
            request->acks = -1;
            request->timeout_ms = 3000;
            request->batch = batch_;
            auto response = rpc.call(node(kLeader), request, 10s);
            if (!response.ok()) continue;
            const auto& answer = static_cast<const ProduceResponse&>(*response.value());
            if (answer.error == ErrorCode::kNone) acked_records += kRecordsPerBatch;
          }
        });
      }
      rpc.serve([](const sim::Envelope&) {});
    });
  }

  std::uint64_t acked_records = 0;

 private:
  sim::NodeId producer_;
  cluster::Bytes batch_;
};

void BM_EndToEndProduceAcksAll(benchmark::State& state) {
  std::uint64_t total_acked = 0;
  std::uint64_t total_events = 0;
  double total_wall_seconds = 0;
  double total_sim_seconds = 0;
  for (auto _ : state) {
    ProduceRig rig;
    if (!rig.failure().empty()) {
      state.SkipWithError(rig.failure().c_str());
      return;
    }
    rig.start_producers();
    const std::uint64_t events_before = rig.sim().kernel().events();
    const sim::SimTime sim_before = rig.sim().now();
    const auto start = std::chrono::steady_clock::now();
    rig.run_for(kSimDuration);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    if (!rig.failure().empty()) {
      state.SkipWithError(rig.failure().c_str());
      return;
    }
    const double wall = std::chrono::duration<double>(elapsed).count();
    state.SetIterationTime(wall);
    total_wall_seconds += wall;
    total_sim_seconds += std::chrono::duration<double>(rig.sim().now() - sim_before).count();
    total_events += rig.sim().kernel().events() - events_before;
    total_acked += rig.acked_records;
    if (rig.acked_records == 0) {
      state.SkipWithError("no record was acknowledged: the cluster sat idle");
      return;
    }
  }
  if (total_wall_seconds <= 0 || total_sim_seconds <= 0) return;
  state.SetItemsProcessed(static_cast<std::int64_t>(total_acked));
  state.counters["acked_records_per_wall_second"] =
      benchmark::Counter(static_cast<double>(total_acked) / total_wall_seconds);
  state.counters["events_per_wall_second"] =
      benchmark::Counter(static_cast<double>(total_events) / total_wall_seconds);
  state.counters["acked_records_per_sim_second"] =
      benchmark::Counter(static_cast<double>(total_acked) / total_sim_seconds);
}
BENCHMARK(BM_EndToEndProduceAcksAll)->UseManualTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace samsa::bench
