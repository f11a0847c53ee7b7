// DeterministicScheduler: the Boost.Fiber scheduling algorithm every simulation runs on.
// Ready fibers run strictly FIFO (the order they became ready); the algorithm never waits
// on a real clock (suspend_until returns at once: the kernel's run loop, not the OS,
// decides when time moves). Fibers of a paused node are parked instead of run and go
// back to the ready queue, in order, when the node resumes.
//
// Invariants: a context is in at most one queue (ready_ or one node's parked list);
// workers_ready_ counts the non-pinned contexts (everything but the thread's main and
// dispatcher contexts) in ready_.
#pragma once

#include <boost/fiber/algo/algorithm.hpp>
#include <boost/fiber/context.hpp>
#include <boost/fiber/scheduler.hpp>
#include <cstddef>

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
  bool has_ready_fibers() const noexcept override { return !ready_.empty(); }
  void suspend_until(std::chrono::steady_clock::time_point const&) noexcept override {}
  void notify() noexcept override {}
  boost::fibers::fiber_properties* new_properties(boost::fibers::context* ctx) override;

  void attach(Kernel* kernel, FiberRecord** pending_record);
  void detach();
  std::size_t workers_ready() const { return workers_ready_; }
  // Moves every context of `parked` to the back of the ready queue, in order.
  void unpark(ReadyQueue& parked) noexcept;

 private:
  ReadyQueue ready_;
  std::size_t workers_ready_ = 0;
  Kernel* kernel_ = nullptr;
  FiberRecord** pending_record_ = nullptr;
};

}  // namespace samsa::sim
