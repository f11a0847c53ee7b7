// Micro-benchmarks of the simulation kernel, each beside the baseline it should be judged
// against: what one simulated event costs (a timer firing and the fiber it wakes taking
// one step), what a fiber switch costs, and what the wait primitives of sim/sync.h add.
// Every benchmark reports ns_per_event and allocs_per_event measured over its timed loop
// only (after a warm-up, so the queues have reached their steady-state size).
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <queue>
#include <string>
#include <vector>

#include "bench/alloc_counter.h"
#include "sim/kernel.h"
#include "sim/sync.h"

namespace samsa::bench {
namespace {

using namespace std::chrono_literals;
using sim::Kernel;
using sim::NodeId;
using sim::RunOutcome;

// Counts the events a benchmark's timed loop did, the allocations it made and the wall
// time it took; report() turns them into the benchmark's counters. Construct it just
// before the timed loop and call report() just after. (Google Benchmark's own rate
// counters print seconds with an "s" suffix; ns_per_event is a plain number of ns.)
class SteadyState {
 public:
  explicit SteadyState(const std::uint64_t& events)
      : events_(events),
        events_before_(events),
        allocs_before_(allocation_count()),
        start_(std::chrono::steady_clock::now()) {}

  void report(benchmark::State& state) const {
    const auto elapsed = std::chrono::steady_clock::now() - start_;
    const std::uint64_t allocs = allocation_count() - allocs_before_;
    const std::uint64_t events = events_ - events_before_;
    state.SetItemsProcessed(static_cast<std::int64_t>(events));
    if (events == 0) return;
    const double n = static_cast<double>(events);
    state.counters["ns_per_event"] = benchmark::Counter(
        static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count()) /
        n);
    state.counters["allocs_per_event"] = benchmark::Counter(static_cast<double>(allocs) / n);
  }

 private:
  const std::uint64_t& events_;
  std::uint64_t events_before_;
  std::uint64_t allocs_before_;
  std::chrono::steady_clock::time_point start_;
};

// One kernel with one node that is up: the setting every kernel benchmark runs in.
struct OneNode {
  Kernel kernel{1};
  NodeId node = kernel.add_node("bench");
  OneNode() { kernel.bring_up(node); }
};

// Runs until about `n` more trace events have happened (fibers that never block on a
// timer never let run() return on its own).
bool run_events(benchmark::State& state, Kernel& kernel, std::uint64_t n) {
  const RunOutcome outcome = kernel.run({sim::kSimTimeMax, kernel.events() + n});
  if (outcome == RunOutcome::kEventLimit) return true;
  state.SkipWithError(kernel.failed() ? kernel.failure().c_str() : "the run ended early");
  return false;
}

constexpr std::uint64_t kEventsPerIteration = 1000;
constexpr int kWarmUpIterations = 100;

// --- (a) Baseline: a plain discrete-event loop ---------------------------------------------
//
// A binary heap of (time, sequence, function pointer, argument); each callback schedules
// the next event 1us later. This is the least a timer-driven simulator can do per event:
// no fibers, no trace, no allocation (a function pointer instead of std::function).

class BaselineLoop {
 public:
  using Callback = void (*)(BaselineLoop&, std::uint64_t arg);

  std::int64_t now_ns() const { return now_ns_; }
  std::uint64_t fired() const { return fired_; }

  void schedule(std::int64_t at_ns, Callback callback, std::uint64_t arg) {
    queue_.push(Event{at_ns, ++seq_, callback, arg});
  }
  // Fires every event due at or before `until_ns`, in (time, sequence) order.
  void run_until(std::int64_t until_ns) {
    while (!queue_.empty() && queue_.top().at_ns <= until_ns) {
      const Event next = queue_.top();
      queue_.pop();
      now_ns_ = next.at_ns;
      ++fired_;
      next.callback(*this, next.arg);
    }
    now_ns_ = until_ns;
  }

 private:
  struct Event {
    std::int64_t at_ns;
    std::uint64_t seq;
    Callback callback;
    std::uint64_t arg;
    bool operator>(const Event& other) const {
      return at_ns != other.at_ns ? at_ns > other.at_ns : seq > other.seq;
    }
  };
  std::priority_queue<Event, std::vector<Event>, std::greater<>> queue_;
  std::int64_t now_ns_ = 0;
  std::uint64_t seq_ = 0;
  std::uint64_t fired_ = 0;
};

void reschedule_in_1us(BaselineLoop& loop, std::uint64_t arg) {
  loop.schedule(loop.now_ns() + 1000, &reschedule_in_1us, arg);
}

// range(0) event chains run side by side, like range(0) sleeping fibers in (b).
void BM_BaselineCallbackLoop(benchmark::State& state) {
  BaselineLoop loop;
  for (std::int64_t i = 0; i < state.range(0); ++i) {
    loop.schedule(1000, &reschedule_in_1us, static_cast<std::uint64_t>(i));
  }
  for (int i = 0; i < kWarmUpIterations; ++i) loop.run_until(loop.now_ns() + 1000);
  std::uint64_t events = loop.fired();
  const SteadyState steady(events);
  for (auto _ : state) {
    loop.run_until(loop.now_ns() + 1000);
  }
  events = loop.fired();  // SteadyState reads `events` through its reference
  steady.report(state);
}
BENCHMARK(BM_BaselineCallbackLoop)->Arg(1)->Arg(64);

// --- (b) Kernel: fibers sleeping 1us at a time --------------------------------------------
//
// One event = a sleep timer fires, the fiber resumes, and it sleeps again. Each timed
// iteration advances virtual time by 1us, so it is exactly range(0) events.

void BM_KernelSleepWake(benchmark::State& state) {
  OneNode sim;
  Kernel& kernel = sim.kernel;
  std::uint64_t events = 0;
  for (std::int64_t i = 0; i < state.range(0); ++i) {
    kernel.spawn(sim.node, "sleeper", [&kernel, &events] {
      for (;;) {  // ends when the kernel is destroyed (FiberKilled unwinds it)
        kernel.sleep_for(1us);
        ++events;
      }
    });
  }
  for (int i = 0; i < kWarmUpIterations; ++i) kernel.run_for(1us);
  const SteadyState steady(events);
  for (auto _ : state) {
    kernel.run_for(1us);
  }
  steady.report(state);
  if (kernel.failed()) state.SkipWithError(kernel.failure().c_str());
}
BENCHMARK(BM_KernelSleepWake)->Arg(1)->Arg(64);

// --- (d) Fiber switch: two fibers ping-ponging through Kernel::yield ----------------------
//
// One event = one yield by a fiber (a switch to the other fiber; every second switch
// passes through the run loop on the main context, as every step of a simulation does).

void BM_FiberSwitch(benchmark::State& state) {
  OneNode sim;
  Kernel& kernel = sim.kernel;
  std::uint64_t events = 0;
  for (int i = 0; i < 2; ++i) {
    kernel.spawn(sim.node, "yielder", [&kernel, &events] {
      for (;;) {
        kernel.yield();
        ++events;
      }
    });
  }
  if (!run_events(state, kernel, kEventsPerIteration)) return;
  const SteadyState steady(events);
  for (auto _ : state) {
    if (!run_events(state, kernel, kEventsPerIteration)) break;
  }
  steady.report(state);
}
BENCHMARK(BM_FiberSwitch);

// --- (e) Channel ping-pong: two fibers exchanging ints over sim::Channel -------------------
//
// One event = one int delivered (pushed by one fiber and popped by the other).

void BM_ChannelPingPong(benchmark::State& state) {
  OneNode sim;
  Kernel& kernel = sim.kernel;
  sim::Channel<int> ping(1);
  sim::Channel<int> pong(1);
  std::uint64_t events = 0;
  kernel.spawn(sim.node, "pinger", [&] {
    for (int i = 0;; ++i) {
      ping.push(i);
      if (pong.pop()) ++events;
    }
  });
  kernel.spawn(sim.node, "ponger", [&] {
    for (;;) {
      const auto value = ping.pop();
      if (!value) return;
      ++events;
      pong.push(*value);
    }
  });
  if (!run_events(state, kernel, kEventsPerIteration)) return;
  const SteadyState steady(events);
  for (auto _ : state) {
    if (!run_events(state, kernel, kEventsPerIteration)) break;
  }
  steady.report(state);
}
BENCHMARK(BM_ChannelPingPong);

// --- Event ping-pong: two fibers signalling each other through sim::Event -----------------
//
// One event = one set() that wakes the other fiber. Shows the cost of Event (and Promise,
// which shares WaitList::notify_all) next to Channel.

void BM_EventPingPong(benchmark::State& state) {
  OneNode sim;
  Kernel& kernel = sim.kernel;
  sim::Event ping;
  sim::Event pong;
  std::uint64_t events = 0;
  kernel.spawn(sim.node, "pinger", [&] {
    for (;;) {
      ping.set();
      pong.wait();
      pong.reset();
      ++events;
    }
  });
  kernel.spawn(sim.node, "ponger", [&] {
    for (;;) {
      ping.wait();
      ping.reset();
      ++events;
      pong.set();
    }
  });
  if (!run_events(state, kernel, kEventsPerIteration)) return;
  const SteadyState steady(events);
  for (auto _ : state) {
    if (!run_events(state, kernel, kEventsPerIteration)) break;
  }
  steady.report(state);
}
BENCHMARK(BM_EventPingPong);

}  // namespace
}  // namespace samsa::bench
