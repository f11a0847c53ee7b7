// The simulation kernel: virtual time, timers, fibers grouped into nodes, and the run
// loop. One Kernel runs on one OS thread (at most one per thread at a time), from that
// thread's main context; everything it runs is a fiber of some node.
//
// Time moves only in run(): the loop lets every ready fiber run (FIFO), and when none is
// left it pops the earliest timer, ordered by (time, sequence number) so equal times
// stay in the order they were scheduled, sets now() to its time and fires it.
//
// Invariants:
//   1. now() never decreases.
//   2. A fiber runs only while its node is up and not paused (killed fibers run only to
//      unwind their stacks).
//   3. Every wait ends in exactly one way: notified, deadline, or killed.
//   4. A crashed node's fibers take no further steps: every kernel call they make
//      (wait, sleep, send, disk I/O) throws FiberKilled, which unwinds them.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <queue>
#include <string>
#include <vector>

#include "sim/exception_state.h"
#include "sim/ids.h"
#include "sim/sanitizer.h"
#include "sim/scheduler.h"
#include "sim/time.h"
#include "sim/trace.h"

namespace samsa::sim {

// Thrown into a fiber whose node crashed. Deliberately not a std::exception, so that
// `catch (const std::exception&)` in code under test cannot swallow it. Code under test
// must never `catch (...)` without rethrowing.
struct FiberKilled {};

enum class WakeReason : std::uint8_t { kNone, kNotified, kDeadline, kKilled };

enum class RunOutcome : std::uint8_t {
  kQuiescent,   // nothing ready and no timer left (time still idles to RunLimits::until)
  kTimeLimit,   // the next event lies past RunLimits::until
  kEventLimit,  // RunLimits::max_events reached
  kStopped,     // Kernel::stop() was called
  kFailed,      // an invariant broke or a fiber threw; see Kernel::failure()
};
std::string_view run_outcome_name(RunOutcome outcome);

struct RunLimits {
  SimTime until = kSimTimeMax;
  std::uint64_t max_events = UINT64_MAX;
};

struct FiberRecord {
  FiberId id;
  NodeId node;
  std::string name;
  std::uint32_t incarnation = 0;
  boost::fibers::context* ctx = nullptr;
  sanitizer::StackBounds stack;
  ExceptionState exceptions;  // this fiber's C++ exception state while it is switched out
  bool killed = false;
  bool live = false;
  // The current wait: wait_seq is unique across the kernel, so a stale timer or
  // notification (for an earlier wait, or for an earlier fiber in this slot) is ignored.
  bool waiting = false;
  std::uint64_t wait_seq = 0;
  WakeReason reason = WakeReason::kNone;
};

// Something a timer can fire besides waking a fiber: the network's deliveries, the
// nemesis's actions. `arg` is the target's own cookie (a slot index, say), so scheduling
// a timer never allocates.
class TimerTarget {
 public:
  virtual void on_timer(std::uint64_t arg) = 0;

 protected:
  ~TimerTarget() = default;
};

class Kernel {
 public:
  explicit Kernel(std::uint64_t seed);
  ~Kernel();
  Kernel(const Kernel&) = delete;
  Kernel& operator=(const Kernel&) = delete;

  // The kernel running on this thread, or null.
  static Kernel* current();
  // As current(), asserting there is one.
  static Kernel& get();

  std::uint64_t seed() const { return seed_; }
  SimTime now() const { return now_; }
  Trace& trace() { return trace_; }
  std::uint64_t events() const { return trace_.events(); }

  // --- Nodes --------------------------------------------------------------------------
  NodeId add_node(std::string name);
  std::size_t node_count() const { return nodes_.size(); }
  const std::string& node_name(NodeId node) const;
  bool is_up(NodeId node) const { return node_at(node).up; }
  bool is_paused(NodeId node) const { return node_at(node).paused; }
  // Starts of the node's process so far (0 before the first start).
  std::uint32_t incarnation(NodeId node) const { return node_at(node).incarnation; }
  // Marks the node up (a new incarnation). Fibers spawned on it from now on run.
  void bring_up(NodeId node);
  // kill -9: every fiber of the node is woken with FiberKilled and unwinds; the node is
  // down until bring_up. Crashing a paused node un-pauses it (the process is gone).
  void crash(NodeId node);
  // The node takes no steps until resume; fibers that become ready meanwhile wait, in
  // order, and timers that fire meanwhile are seen late.
  void pause(NodeId node);
  void resume(NodeId node);
  std::size_t live_fibers(NodeId node) const;

  // --- Fibers -------------------------------------------------------------------------
  FiberId spawn(NodeId node, std::string name, std::function<void()> body);
  // The fiber running now (null in the thread's main context).
  FiberRecord* current_fiber() const { return current_; }
  NodeId current_node() const { return current_ ? current_->node : NodeId::invalid(); }
  // Throws FiberKilled if the calling fiber's node crashed. Every kernel service that
  // code under test calls starts with this.
  void check_alive() const;

  // determinism-ok: these are the virtual-time sleeps every simulated wait goes through
  void sleep_for(Duration d) { sleep_until(now_ + d); }
  void sleep_until(SimTime t);
  // Let every other ready fiber run first.
  void yield();

  // The two halves of a wait, for the primitives in sync.h: prepare_wait() returns the
  // wait's sequence number (register it where the notifier will find it), wait() blocks
  // until notify(), the deadline or a crash.
  std::uint64_t prepare_wait();
  WakeReason wait(SimTime deadline);
  // Wakes `fiber` if it is still in the wait numbered `wait_seq`; otherwise does nothing.
  void notify(FiberRecord* fiber, std::uint64_t wait_seq);

  // --- Timers -------------------------------------------------------------------------
  // Calls target->on_timer(arg) at `at` (not before now()), in the main context.
  void schedule(SimTime at, TimerTarget* target, std::uint64_t arg);

  // --- Running ------------------------------------------------------------------------
  RunOutcome run(RunLimits limits = {});
  RunOutcome run_for(Duration d, std::uint64_t max_events = UINT64_MAX) {
    return run({now_ + d, max_events});
  }
  // Crashes every node and lets every fiber unwind. Called by ~Kernel, and by owners
  // that must end all fibers before the services those fibers use are destroyed.
  void shutdown();
  // True when the calling fiber's node has crashed (also while it unwinds, when
  // check_alive() cannot throw): services refuse to act for such a fiber.
  bool current_is_killed() const { return current_ != nullptr && current_->killed; }

  // Ends the current run() after the running fiber blocks; run() returns kStopped.
  void stop() { stop_requested_ = true; }
  // Records a broken invariant; the run ends with kFailed. The first failure is kept.
  void fail(std::string reason);
  bool failed() const { return !failure_.empty(); }
  const std::string& failure() const { return failure_; }

  // Called by the scheduler (not by code under test).
  bool should_park(const FiberRecord* fiber) const {
    return paused_nodes_ > 0 && !fiber->killed && nodes_[fiber->node.value()].paused;
  }
  void park(boost::fibers::context* ctx, const FiberRecord* fiber) noexcept;
  void on_switch(FiberRecord* fiber) noexcept;

 private:
  struct Node {
    std::string name;
    bool up = false;
    bool paused = false;
    std::uint32_t incarnation = 0;
    std::vector<FiberRecord*> fibers;  // live fibers, in spawn order
    ReadyQueue parked;
  };
  struct Timer {
    SimTime at;
    std::uint64_t seq;
    FiberRecord* fiber;   // set for a wait's deadline
    std::uint64_t arg;    // wait_seq for a fiber, the cookie for a target
    TimerTarget* target;  // set for a callback
    bool operator>(const Timer& other) const {
      return at != other.at ? at > other.at : seq > other.seq;
    }
  };

  Node& node_at(NodeId node);
  const Node& node_at(NodeId node) const;
  void run_fiber(FiberRecord* fiber, std::function<void()>& body);
  void finish_fiber(FiberRecord* fiber);
  void fire(const Timer& timer);
  void make_ready(FiberRecord* fiber, WakeReason reason);
  void drain_ready(const RunLimits& limits);

  std::uint64_t seed_;
  SimTime now_ = kSimStart;
  Trace trace_;
  DeterministicScheduler& scheduler_;
  FiberRecord* pending_record_ = nullptr;  // the record of the fiber being constructed
  FiberRecord* current_ = nullptr;
  std::deque<Node> nodes_;
  std::deque<FiberRecord> records_;  // stable addresses; slots are reused
  std::vector<FiberRecord*> free_records_;
  std::priority_queue<Timer, std::vector<Timer>, std::greater<>> timers_;
  std::uint64_t timer_seq_ = 0;
  std::uint64_t wait_seq_ = 0;
  std::uint64_t next_fiber_id_ = 0;
  std::size_t paused_nodes_ = 0;
  bool stop_requested_ = false;
  std::string failure_;
};

}  // namespace samsa::sim
