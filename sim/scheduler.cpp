#include "sim/scheduler.h"

#include <boost/fiber/operations.hpp>

#include "sim/assert.h"
#include "sim/kernel.h"
#include "sim/sanitizer.h"

namespace samsa::sim {

namespace {
thread_local DeterministicScheduler* tls_scheduler = nullptr;

bool is_worker(boost::fibers::context* ctx) {
  return !ctx->is_context(boost::fibers::type::pinned_context);
}
}  // namespace

DeterministicScheduler::DeterministicScheduler() { tls_scheduler = this; }

DeterministicScheduler::~DeterministicScheduler() {
  if (tls_scheduler == this) tls_scheduler = nullptr;
}

DeterministicScheduler& DeterministicScheduler::for_this_thread() {
  if (tls_scheduler == nullptr) {
    boost::fibers::use_scheduling_algorithm<DeterministicScheduler>();
  }
  SAMSA_ASSERT(tls_scheduler != nullptr, "the deterministic scheduler did not install");
  return *tls_scheduler;
}

boost::fibers::fiber_properties* DeterministicScheduler::new_properties(
    boost::fibers::context* ctx) {
  FiberRecord* record = pending_record_ != nullptr ? *pending_record_ : nullptr;
  if (record != nullptr && is_worker(ctx)) {
    record->ctx = ctx;
    return new FiberProps(ctx, record);
  }
  return new FiberProps(ctx, nullptr);
}

void DeterministicScheduler::attach(Kernel* kernel, FiberRecord** pending_record) {
  SAMSA_ASSERT(kernel_ == nullptr, "one simulation per thread at a time");
  kernel_ = kernel;
  pending_record_ = pending_record;
}

void DeterministicScheduler::detach() {
  kernel_ = nullptr;
  pending_record_ = nullptr;
}

void DeterministicScheduler::awakened(boost::fibers::context* ctx, FiberProps& props) noexcept {
  if (ctx->is_context(boost::fibers::type::dispatcher_context)) {
    dispatcher_ = ctx;
    return;
  }
  if (props.record != nullptr && kernel_ != nullptr && kernel_->should_park(props.record)) {
    kernel_->park(ctx, props.record);
    return;
  }
  ctx->ready_link(ready_);
  if (is_worker(ctx)) ++workers_ready_;
}

boost::fibers::context* DeterministicScheduler::pick_next() noexcept {
  if (release_pending_ && dispatcher_ != nullptr) {
    release_pending_ = false;
    return take_dispatcher();
  }
  while (!ready_.empty()) {
    boost::fibers::context* ctx = &ready_.front();
    ready_.pop_front();
    FiberRecord* record = properties(ctx).record;
    if (is_worker(ctx)) --workers_ready_;
    if (record != nullptr && kernel_ != nullptr && kernel_->should_park(record)) {
      kernel_->park(ctx, record);
      continue;
    }
    if (kernel_ != nullptr) kernel_->on_switch(record);
    announce_switch(ctx, record);
    switch_exceptions(ctx, record);
    return ctx;
  }
  return dispatcher_ != nullptr ? take_dispatcher() : nullptr;
}

void DeterministicScheduler::announce_switch(boost::fibers::context* to,
                                             const FiberRecord* record) noexcept {
  if constexpr (sanitizer::kAddress) {
    boost::fibers::context* from = boost::fibers::context::active();
    if (from == to) return;
    // A fiber that has returned from run_fiber is ending: its stack is about to go.
    const auto* from_props =
        from != nullptr ? static_cast<const FiberProps*>(from->get_properties()) : nullptr;
    const FiberRecord* from_record = from_props != nullptr ? from_props->record : nullptr;
    const bool leaving_for_good = from_record != nullptr && !from_record->live;
    if (record != nullptr) {
      sanitizer::start_switch(record->stack, leaving_for_good);
    } else if (to->is_context(boost::fibers::type::main_context)) {
      if (main_stack_.bottom == nullptr) main_stack_ = sanitizer::thread_stack();
      sanitizer::start_switch(main_stack_, leaving_for_good);
    }
  }
}

boost::fibers::context* DeterministicScheduler::take_dispatcher() noexcept {
  boost::fibers::context* ctx = dispatcher_;
  dispatcher_ = nullptr;
  if (kernel_ != nullptr) kernel_->on_switch(nullptr);
  switch_exceptions(ctx, nullptr);
  return ctx;
}

ExceptionState& DeterministicScheduler::exception_slot(boost::fibers::context* ctx) noexcept {
  const auto* props = static_cast<const FiberProps*>(ctx->get_properties());
  if (props != nullptr && props->record != nullptr) return props->record->exceptions;
  return ctx->is_context(boost::fibers::type::dispatcher_context) ? dispatcher_exceptions_
                                                                  : main_exceptions_;
}

void DeterministicScheduler::switch_exceptions(boost::fibers::context* to,
                                               FiberRecord* record) noexcept {
  boost::fibers::context* from = boost::fibers::context::active();
  if (from == to) return;
  ExceptionState& load = record != nullptr ? record->exceptions : exception_slot(to);
  switch_exception_state(exception_slot(from), load);
}

void DeterministicScheduler::unpark(ReadyQueue& parked) noexcept {
  while (!parked.empty()) {
    boost::fibers::context* ctx = &parked.front();
    parked.pop_front();
    ctx->ready_link(ready_);
    if (is_worker(ctx)) ++workers_ready_;
  }
}

}  // namespace samsa::sim
