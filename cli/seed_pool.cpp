#include "cli/seed_pool.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <mutex>
#include <thread>

#include "cli/wall_clock.h"

namespace samsa::cli {

namespace {

std::atomic<bool> g_interrupted{false};
static_assert(std::atomic<bool>::is_always_lock_free, "set from a signal handler");

extern "C" void on_sigint(int) {
  g_interrupted.store(true);
  std::signal(SIGINT, SIG_DFL);  // a second Ctrl-C ends the process
}

// Installs the SIGINT handler for its lifetime.
class InterruptScope {
 public:
  InterruptScope() : previous_(std::signal(SIGINT, on_sigint)) { g_interrupted.store(false); }
  ~InterruptScope() { std::signal(SIGINT, previous_); }
  InterruptScope(const InterruptScope&) = delete;
  InterruptScope& operator=(const InterruptScope&) = delete;

 private:
  void (*previous_)(int);
};

std::string duration_text(double seconds) {
  const auto s = static_cast<long long>(seconds + 0.5);
  if (s >= 3600) return fmt::format("{}h{:02}m", s / 3600, (s % 3600) / 60);
  if (s >= 60) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}s", s);
}

// The progress line: seeds done/total, seeds per second, failures, ETA; redrawn with \r.
void draw_progress(std::size_t done, std::size_t total, std::size_t failed,
                   WallClock::time_point start) {
  const double seconds = std::max(1e-3, static_cast<double>(ms_since(start)) / 1000.0);
  const double rate = static_cast<double>(done) / seconds;
  const std::string eta =
      rate > 0 ? duration_text(static_cast<double>(total - done) / rate) : std::string("?");
  std::fprintf(stderr, "\r%zu/%zu seeds  %.1f seeds/s  %zu failed  ETA %s   ", done, total, rate,
               failed, eta.c_str());
  std::fflush(stderr);
}

struct PoolState {
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed_any{false};
  std::atomic<int> stop{static_cast<int>(StopReason::kNone)};
  std::mutex mutex;  // guards `done` and `failed`, the callback and the progress line
  std::vector<std::optional<SeedOutcome>> done;
  std::size_t finished = 0;
  std::size_t failed = 0;
};

// Why no further seed may start, if one may not.
StopReason should_stop(const PoolState& state, const PoolOptions& options,
                       WallClock::time_point start) {
  if (g_interrupted.load()) return StopReason::kInterrupt;
  if (options.fail_fast && state.failed_any.load()) return StopReason::kFailFast;
  if (options.time_budget && WallClock::now() - start >= *options.time_budget) {
    return StopReason::kTimeBudget;
  }
  return StopReason::kNone;
}

}  // namespace

std::string_view stop_reason_name(StopReason reason) {
  switch (reason) {
    case StopReason::kNone:
      return "";
    case StopReason::kInterrupt:
      return "interrupt";
    case StopReason::kTimeBudget:
      return "time";
    case StopReason::kFailFast:
      return "fail-fast";
  }
  return "";
}

PoolResult run_seed_pool(const std::vector<std::uint64_t>& seeds, const RunSeed& run_seed,
                         const OnOutcome& on_outcome, const PoolOptions& options) {
  const InterruptScope interrupt_scope;
  const auto start = WallClock::now();
  PoolState state;
  state.done.resize(seeds.size());
  auto worker = [&] {
    for (;;) {
      if (state.next.load() >= seeds.size()) return;
      const StopReason reason = should_stop(state, options, start);
      if (reason != StopReason::kNone) {
        int none = static_cast<int>(StopReason::kNone);
        state.stop.compare_exchange_strong(none, static_cast<int>(reason));
        return;
      }
      const std::size_t i = state.next++;
      if (i >= seeds.size()) return;
      SeedOutcome outcome = run_seed(seeds[i]);
      if (!outcome.pass) state.failed_any.store(true);
      const std::lock_guard<std::mutex> lock(state.mutex);
      on_outcome(outcome);
      ++state.finished;
      state.failed += outcome.pass ? 0 : 1;
      state.done[i] = std::move(outcome);
      if (options.progress) draw_progress(state.finished, seeds.size(), state.failed, start);
    }
  };
  const unsigned jobs = static_cast<unsigned>(
      std::max<std::size_t>(1, std::min<std::size_t>(options.jobs, seeds.size())));
  std::vector<std::thread> threads;
  for (unsigned j = 0; j < jobs; ++j) threads.emplace_back(worker);
  for (std::thread& t : threads) t.join();
  if (options.progress) std::fprintf(stderr, "\n");

  PoolResult result;
  result.wall_ms = ms_since(start);
  result.stopped = static_cast<StopReason>(state.stop.load());
  for (std::optional<SeedOutcome>& outcome : state.done) {
    if (outcome) result.outcomes.push_back(std::move(*outcome));
  }
  std::sort(result.outcomes.begin(), result.outcomes.end(),
            [](const SeedOutcome& a, const SeedOutcome& b) { return a.seed < b.seed; });
  return result;
}

}  // namespace samsa::cli
