// Micro-benchmark of the simulated network: what one message costs from send() on one
// node to the receiving fiber on another holding it. Reports ns_per_message and
// allocs_per_message over the timed loop only (after a warm-up, so the slab of in-flight
// slots, the timer heap and the inbox have reached their steady-state size).
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string_view>

#include "bench/alloc_counter.h"
#include "sim/kernel.h"
#include "sim/network.h"
#include "sim/sync.h"

namespace samsa::bench {
namespace {

using namespace std::chrono_literals;

struct BenchMessage final : sim::Message {
  std::string_view kind() const override { return "Bench"; }
  std::uint64_t digest() const override { return 42; }
};

// One message per timed iteration: the sender on `a` sends, the delivery timer fires 1us
// later (fixed latency, no faults), the receiver on `b` pops it and sets `received`,
// which wakes the sender to send the next. So each iteration is one run_for(1us): one
// send, one delivery, two fiber wakes. The Message object is reused throughout.
void BM_NetworkSendToDelivery(benchmark::State& state) {
  sim::Kernel kernel(1);
  sim::NetworkConfig config;
  config.latency = {1us, 0us};
  sim::Network network(kernel, sim::Rng::stream(1, "network"), config);
  const sim::NodeId a = kernel.add_node("a");
  const sim::NodeId b = kernel.add_node("b");
  for (const sim::NodeId node : {a, b}) {
    network.add_node(node);
    kernel.bring_up(node);
  }
  const sim::MessagePtr message = std::make_shared<const BenchMessage>();
  sim::Event received;
  std::uint64_t messages = 0;
  kernel.spawn(a, "sender", [&] {
    for (;;) {  // ends when its node crashes (below)
      network.send(b, message);
      received.wait();
      received.reset();
    }
  });
  kernel.spawn(b, "receiver", [&] {
    for (;;) {
      if (network.inbox(b).pop()) ++messages;
      received.set();
    }
  });

  for (int i = 0; i < 1000; ++i) kernel.run_for(1us);  // warm-up
  const std::uint64_t messages_before = messages;
  const std::uint64_t allocs_before = allocation_count();
  const auto start = std::chrono::steady_clock::now();
  for (auto _ : state) {
    kernel.run_for(1us);
  }
  const auto elapsed = std::chrono::steady_clock::now() - start;
  const std::uint64_t allocs = allocation_count() - allocs_before;
  const std::uint64_t done = messages - messages_before;

  if (kernel.failed()) state.SkipWithError(kernel.failure().c_str());
  state.SetItemsProcessed(static_cast<std::int64_t>(done));
  if (done > 0) {
    const double n = static_cast<double>(done);
    state.counters["ns_per_message"] = benchmark::Counter(
        static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count()) /
        n);
    state.counters["allocs_per_message"] = benchmark::Counter(static_cast<double>(allocs) / n);
  }
  // Unwind both fibers while the network and the event they wait on still exist.
  kernel.crash(a);
  kernel.crash(b);
  kernel.run();
}
BENCHMARK(BM_NetworkSendToDelivery);

}  // namespace
}  // namespace samsa::bench
