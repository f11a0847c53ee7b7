#include "sim/kernel.h"

#include <fmt/format.h>
#include <sys/mman.h>

#include <boost/context/stack_context.hpp>
#include <boost/fiber/fiber.hpp>
#include <boost/fiber/operations.hpp>
#include <exception>
#include <vector>

#include "sim/assert.h"
#include "sim/sanitizer.h"

namespace samsa::sim {

namespace {
thread_local Kernel* tls_kernel = nullptr;

#if defined(__SANITIZE_ADDRESS__)
constexpr std::size_t kFiberStackBytes = 1024 * 1024;
#else
constexpr std::size_t kFiberStackBytes = 256 * 1024;
#endif

// Mapped fiber stacks kept for reuse by this thread's simulations. A run starts and ends
// thousands of fibers; mapping and unmapping each stack cost as much time as the
// simulation itself, and parallel explorations serialised on the kernel's memory-map
// lock. Bounded; what a thread keeps is unmapped when the thread ends. Reuse cannot change
// a run: a fiber never reads stack memory it did not write (nothing depends on addresses).
class StackPool {
 public:
  static constexpr std::size_t kMaxPooled = 256;
  StackPool() = default;
  StackPool(const StackPool&) = delete;
  StackPool& operator=(const StackPool&) = delete;
  ~StackPool() {
    for (void* base : free_) ::munmap(base, kFiberStackBytes);
  }
  void* take() {
    if (free_.empty()) {
      void* base = ::mmap(nullptr, kFiberStackBytes, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
      SAMSA_ASSERT(base != MAP_FAILED, "cannot map a fiber stack");
      return base;
    }
    void* base = free_.back();
    free_.pop_back();
    return base;
  }
  void give_back(void* base) {
    if (free_.size() < kMaxPooled) {
      free_.push_back(base);
    } else {
      ::munmap(base, kFiberStackBytes);
    }
  }

 private:
  std::vector<void*> free_;
};
thread_local StackPool tls_stack_pool;

// A fiber's stack, from this thread's pool; the fiber's record learns the bounds (the
// scheduler announces them to AddressSanitizer at each switch, see sanitizer.h). Under
// the sanitizer the memory is unpoisoned before it is reused or unmapped: frames a fiber
// left by switching away keep their redzones in the shadow otherwise.
class FiberStack {
 public:
  explicit FiberStack(FiberRecord* fiber) : fiber_(fiber) {}
  boost::context::stack_context allocate() {
    void* base = tls_stack_pool.take();
    fiber_->stack = {base, kFiberStackBytes};
    boost::context::stack_context context;
    context.size = kFiberStackBytes;
    context.sp = static_cast<char*>(base) + kFiberStackBytes;
    return context;
  }
  void deallocate(boost::context::stack_context& context) noexcept {
    void* base = static_cast<char*>(context.sp) - context.size;
    sanitizer::unpoison(base, context.size);
    tls_stack_pool.give_back(base);
  }

 private:
  FiberRecord* fiber_;
};
}  // namespace

std::string_view run_outcome_name(RunOutcome outcome) {
  switch (outcome) {
    case RunOutcome::kQuiescent:
      return "quiescent";
    case RunOutcome::kTimeLimit:
      return "time-limit";
    case RunOutcome::kEventLimit:
      return "event-limit";
    case RunOutcome::kStopped:
      return "stopped";
    case RunOutcome::kFailed:
      return "failed";
  }
  return "unknown";
}

Kernel::Kernel(std::uint64_t seed)
    : seed_(seed), scheduler_(DeterministicScheduler::for_this_thread()) {
  SAMSA_ASSERT(tls_kernel == nullptr, "one simulation per thread at a time");
  SAMSA_ASSERT(boost::fibers::context::active()->is_context(boost::fibers::type::main_context),
               "a Kernel is created on a thread's main context");
  scheduler_.attach(this, &pending_record_);
  tls_kernel = this;
}

Kernel::~Kernel() {
  shutdown();
  while (!timers_.empty()) timers_.pop();
  scheduler_.detach();
  tls_kernel = nullptr;
}

Kernel* Kernel::current() {
  return tls_kernel;
}

Kernel& Kernel::get() {
  SAMSA_ASSERT(tls_kernel != nullptr, "no simulation is running on this thread");
  return *tls_kernel;
}

// --- Nodes ------------------------------------------------------------------------------

Kernel::Node& Kernel::node_at(NodeId node) {
  SAMSA_ASSERT(node.valid() && node.value() < nodes_.size(), "unknown node");
  return nodes_[node.value()];
}
const Kernel::Node& Kernel::node_at(NodeId node) const {
  SAMSA_ASSERT(node.valid() && node.value() < nodes_.size(), "unknown node");
  return nodes_[node.value()];
}

NodeId Kernel::add_node(std::string name) {
  const NodeId id(static_cast<std::uint32_t>(nodes_.size()));
  trace_.set_node_name(id, name);
  nodes_.emplace_back().name = std::move(name);
  return id;
}

const std::string& Kernel::node_name(NodeId node) const {
  return node_at(node).name;
}

std::size_t Kernel::live_fibers(NodeId node) const {
  return node_at(node).fibers.size();
}

void Kernel::bring_up(NodeId node) {
  Node& n = node_at(node);
  SAMSA_ASSERT(!n.up, fmt::format("bring_up of {}, which is already up", n.name));
  n.up = true;
  ++n.incarnation;
  trace_.record(now_, node, EventKind::kRestart, n.incarnation);
}

void Kernel::crash(NodeId node) {
  Node& n = node_at(node);
  if (!n.up) return;
  n.up = false;
  if (n.paused) --paused_nodes_;
  n.paused = false;
  trace_.record(now_, node, EventKind::kCrash, n.incarnation);
  scheduler_.unpark(n.parked);
  // Newest first: a fiber is unwound before the fiber that spawned it (its parent, and in
  // the end the node's main), so a child's destructors — a lock's release, a waiter's
  // removal — never touch objects on a parent's stack that is already gone.
  for (auto it = n.fibers.rbegin(); it != n.fibers.rend(); ++it) {
    (*it)->killed = true;
    make_ready(*it, WakeReason::kKilled);
  }
}

void Kernel::pause(NodeId node) {
  Node& n = node_at(node);
  if (!n.up || n.paused) return;
  n.paused = true;
  ++paused_nodes_;
  trace_.record(now_, node, EventKind::kPause, n.incarnation);
}

void Kernel::resume(NodeId node) {
  Node& n = node_at(node);
  if (!n.paused) return;
  n.paused = false;
  --paused_nodes_;
  trace_.record(now_, node, EventKind::kResumeNode, n.incarnation);
  scheduler_.unpark(n.parked);
}

void Kernel::park(boost::fibers::context* ctx, const FiberRecord* fiber) noexcept {
  ctx->ready_link(nodes_[fiber->node.value()].parked);
}

void Kernel::on_switch(FiberRecord* fiber) noexcept {
  current_ = fiber;
  if (fiber != nullptr) trace_.record(now_, fiber->node, EventKind::kResume, fiber->id.value());
}

// --- Fibers -----------------------------------------------------------------------------

FiberId Kernel::spawn(NodeId node, std::string name, std::function<void()> body) {
  Node& n = node_at(node);
  SAMSA_ASSERT(n.up, fmt::format("spawn of '{}' on {}, which is down", name, n.name));
  FiberRecord* fiber;
  if (!free_records_.empty()) {
    fiber = free_records_.back();
    free_records_.pop_back();
  } else {
    fiber = &records_.emplace_back();
  }
  fiber->id = FiberId(next_fiber_id_++);
  fiber->node = node;
  fiber->name = std::move(name);
  fiber->incarnation = n.incarnation;
  fiber->ctx = nullptr;
  fiber->killed = false;
  fiber->exceptions = {};
  fiber->live = true;
  fiber->waiting = false;
  fiber->reason = WakeReason::kNone;
  n.fibers.push_back(fiber);
  trace_.record(now_, node, EventKind::kSpawn, fiber->id.value(), [&] { return fiber->name; });

  pending_record_ = fiber;
  boost::fibers::fiber f(
      std::allocator_arg, FiberStack{fiber},
      [this, fiber, body = std::move(body)]() mutable { run_fiber(fiber, body); });
  pending_record_ = nullptr;
  SAMSA_ASSERT(fiber->ctx != nullptr, "the scheduler did not see the new fiber");
  f.detach();
  return fiber->id;
}

void Kernel::run_fiber(FiberRecord* fiber, std::function<void()>& body) {
  sanitizer::finish_switch();
  try {
    if (!fiber->killed) body();
  } catch (const FiberKilled&) {
    // The node crashed: the stack has unwound, nothing more to do.
  } catch (const std::exception& e) {
    fail(fmt::format("fiber '{}' on {} threw: {}", fiber->name, node_name(fiber->node), e.what()));
  } catch (...) {
    fail(fmt::format("fiber '{}' on {} threw a non-standard exception", fiber->name,
                     node_name(fiber->node)));
  }
  body = nullptr;  // destroy captures while the node's state still exists
  finish_fiber(fiber);
}

void Kernel::finish_fiber(FiberRecord* fiber) {
  auto& fibers = nodes_[fiber->node.value()].fibers;
  for (auto it = fibers.begin(); it != fibers.end(); ++it) {
    if (*it == fiber) {
      fibers.erase(it);
      break;
    }
  }
  fiber->live = false;
  fiber->waiting = false;
  free_records_.push_back(fiber);
  scheduler_.note_fiber_finished();
}

void Kernel::check_alive() const {
  if (current_ != nullptr && current_->killed && std::uncaught_exceptions() == 0) {
    throw FiberKilled{};
  }
}

std::uint64_t Kernel::prepare_wait() {
  SAMSA_ASSERT(current_ != nullptr, "a wait outside a fiber (the main context never blocks)");
  check_alive();
  current_->waiting = true;
  current_->reason = WakeReason::kNone;
  current_->wait_seq = ++wait_seq_;
  return current_->wait_seq;
}

WakeReason Kernel::wait(SimTime deadline) {
  FiberRecord* self = current_;
  SAMSA_ASSERT(self != nullptr && self->waiting, "wait() without prepare_wait()");
  if (self->killed) {  // only reachable while unwinding: never block then
    self->waiting = false;
    return WakeReason::kKilled;
  }
  if (deadline != kSimTimeMax) {
    timers_.push(Timer{std::max(deadline, now_), ++timer_seq_, self, self->wait_seq, nullptr});
  }
  self->ctx->suspend();
  sanitizer::finish_switch();
  self->waiting = false;
  if (self->killed && std::uncaught_exceptions() == 0) throw FiberKilled{};
  return self->reason;
}

void Kernel::notify(FiberRecord* fiber, std::uint64_t wait_seq) {
  if (fiber->live && fiber->waiting && fiber->wait_seq == wait_seq) {
    make_ready(fiber, WakeReason::kNotified);
  }
}

void Kernel::make_ready(FiberRecord* fiber, WakeReason reason) {
  if (!fiber->waiting || fiber->reason != WakeReason::kNone) return;
  fiber->reason = reason;
  boost::fibers::context::active()->schedule(fiber->ctx);
}

// determinism-ok: a virtual-time sleep on the kernel's own timer queue
void Kernel::sleep_until(SimTime t) {
  prepare_wait();
  wait(t);
}

void Kernel::yield() {
  check_alive();
  boost::this_fiber::yield();
  sanitizer::finish_switch();
  check_alive();
}

// --- Timers and the run loop --------------------------------------------------------------

void Kernel::schedule(SimTime at, TimerTarget* target, std::uint64_t arg) {
  SAMSA_ASSERT(target != nullptr, "schedule() without a target");
  timers_.push(Timer{std::max(at, now_), ++timer_seq_, nullptr, arg, target});
}

void Kernel::fire(const Timer& timer) {
  if (timer.target != nullptr) {
    timer.target->on_timer(timer.arg);
    return;
  }
  FiberRecord* fiber = timer.fiber;
  if (fiber->live && fiber->waiting && fiber->wait_seq == timer.arg &&
      fiber->reason == WakeReason::kNone) {
    trace_.record(now_, fiber->node, EventKind::kWake, fiber->id.value());
    make_ready(fiber, WakeReason::kDeadline);
  }
}

void Kernel::drain_ready(const RunLimits& limits) {
  while (scheduler_.workers_ready() > 0 && !stop_requested_ && !failed() &&
         trace_.events() < limits.max_events) {
    boost::this_fiber::yield();
    sanitizer::finish_switch();
    current_ = nullptr;
  }
}

RunOutcome Kernel::run(RunLimits limits) {
  SAMSA_ASSERT(current_ == nullptr, "run() is called from the main context, not a fiber");
  for (;;) {
    drain_ready(limits);
    if (failed()) return RunOutcome::kFailed;
    if (stop_requested_) {
      stop_requested_ = false;
      return RunOutcome::kStopped;
    }
    if (trace_.events() >= limits.max_events) return RunOutcome::kEventLimit;
    if (timers_.empty()) {
      // Nothing can ever happen again; a bounded run still idles to its bound.
      if (limits.until != kSimTimeMax) now_ = std::max(now_, limits.until);
      return RunOutcome::kQuiescent;
    }
    const Timer next = timers_.top();
    if (next.at > limits.until) {
      now_ = std::max(now_, limits.until);
      return RunOutcome::kTimeLimit;
    }
    timers_.pop();
    SAMSA_ASSERT(next.at >= now_, "time went backwards");
    now_ = next.at;
    fire(next);
  }
}

void Kernel::fail(std::string reason) {
  trace_.record(now_, current_node(), EventKind::kFailure, fnv1a64(reason), [&] { return reason; });
  if (failure_.empty()) failure_ = std::move(reason);
}

void Kernel::shutdown() {
  // The run is over: tearing the world down is not part of it.
  trace_.freeze();
  for (std::size_t i = 0; i < nodes_.size(); ++i) crash(NodeId(static_cast<std::uint32_t>(i)));
  // Let every killed fiber unwind; they take no steps but their destructors.
  for (int rounds = 0; rounds < 1'000'000 && scheduler_.workers_ready() > 0; ++rounds) {
    boost::this_fiber::yield();
    sanitizer::finish_switch();
    current_ = nullptr;
  }
  // One more pass so the dispatcher releases the terminated contexts.
  boost::this_fiber::yield();
  sanitizer::finish_switch();
  current_ = nullptr;
}

}  // namespace samsa::sim
