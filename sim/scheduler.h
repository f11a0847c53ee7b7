// DeterministicScheduler: the Boost.Fiber scheduling algorithm every simulation runs on.
// Ready fibers run strictly FIFO (the order they became ready); the algorithm never waits
// on a real clock (suspend_until returns at once: the kernel's run loop, not the OS,
// decides when time moves). Fibers of a paused node are parked instead of run and go
// back to the ready queue, in order, when the node resumes.
//
// Invariants: a context is in at most one queue (ready_ or one node's parked list), and
// the dispatcher context is in none (it is held in dispatcher_);
// workers_ready_ counts the non-pinned contexts (everything but the thread's main and
// dispatcher contexts) in ready_.
#pragma once

#include <boost/fiber/algo/algorithm.hpp>
#include <boost/fiber/context.hpp>
#include <boost/fiber/scheduler.hpp>
#include <cstddef>

#include "sim/exception_state.h"
#include "sim/sanitizer.h"

namespace samsa::sim {

class Kernel;
struct FiberRecord;

struct FiberProps : boost::fibers::fiber_properties {
  explicit FiberProps(boost::fibers::context* ctx) : FiberProps(ctx, nullptr) {}
  FiberProps(boost::fibers::context* ctx, FiberRecord* rec)
      : boost::fibers::fiber_properties(ctx), record(rec) {}
  FiberRecord* record;  // null for the thread's main and dispatcher contexts
};

using ReadyQueue = boost::fibers::scheduler::ready_queue_type;

class DeterministicScheduler final
    : public boost::fibers::algo::algorithm_with_properties<FiberProps> {
 public:
  DeterministicScheduler();
  ~DeterministicScheduler() override;

  // The scheduler of the calling thread, installed on first use.
  static DeterministicScheduler& for_this_thread();

  void awakened(boost::fibers::context* ctx, FiberProps& props) noexcept override;
  boost::fibers::context* pick_next() noexcept override;
  bool has_ready_fibers() const noexcept override { return !ready_.empty(); }  // workers only
  // determinism-ok: Boost's interface names steady_clock; we never wait on it (time is virtual)
  void suspend_until(std::chrono::steady_clock::time_point const&) noexcept override {}
  void notify() noexcept override {}
  boost::fibers::fiber_properties* new_properties(boost::fibers::context* ctx) override;

  void attach(Kernel* kernel, FiberRecord** pending_record);
  void detach();
  std::size_t workers_ready() const { return workers_ready_; }
  // A fiber ended: let Boost's dispatcher run next, to free its stack.
  void note_fiber_finished() { release_pending_ = true; }
  // Moves every context of `parked` to the back of the ready queue, in order.
  void unpark(ReadyQueue& parked) noexcept;

 private:
  boost::fibers::context* take_dispatcher() noexcept;
  // Tells AddressSanitizer which stack the next switch goes to (see sanitizer.h).
  void announce_switch(boost::fibers::context* to, const FiberRecord* record) noexcept;
  // Saves the running context's C++ exception state and installs `to`'s.
  void switch_exceptions(boost::fibers::context* to, FiberRecord* record) noexcept;
  ExceptionState& exception_slot(boost::fibers::context* ctx) noexcept;
  ExceptionState main_exceptions_;
  ExceptionState dispatcher_exceptions_;
  sanitizer::StackBounds main_stack_;
  ReadyQueue ready_;
  std::size_t workers_ready_ = 0;
  // Boost pushes its dispatcher context back after every switch it makes; running it
  // each time would cost a third context switch per event. It runs user code never and
  // has work only when a fiber has ended, so it is held aside and run then, or when
  // nothing else is ready (at thread exit).
  boost::fibers::context* dispatcher_ = nullptr;
  bool release_pending_ = false;
  Kernel* kernel_ = nullptr;
  FiberRecord** pending_record_ = nullptr;
};

}  // namespace samsa::sim
