// Waiting primitives for fibers, all built on Kernel::prepare_wait()/wait() and all with
// deadlines: an Event (a flag fibers wait for), a Promise<T> (a one-shot value) and a
// bounded Channel<T> (a mailbox). A wait ends in one of three ways: the condition holds
// (true / a value), the deadline passed (false / nullopt), or the fiber's node crashed
// (FiberKilled is thrown). Waiters are woken in the order they began waiting.
#pragma once

#include <cstddef>
#include <memory>
#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "sim/assert.h"
#include "sim/kernel.h"

namespace samsa::sim {

// Fibers waiting on one condition, in arrival order.
class WaitList {
 public:
  void add(FiberRecord* fiber, std::uint64_t seq) { waiters_.push_back({fiber, seq}); }
  void remove(FiberRecord* fiber) {
    for (auto it = waiters_.begin(); it != waiters_.end(); ++it) {
      if (it->fiber == fiber) {
        waiters_.erase(it);
        return;
      }
    }
  }
  void notify_one(Kernel& kernel) {
    if (waiters_.empty()) return;
    const Waiter w = waiters_.front();
    waiters_.erase(waiters_.begin());
    kernel.notify(w.fiber, w.seq);
  }
  void notify_all(Kernel& kernel) {
    // notify() only marks fibers ready; nobody touches this list until they run.
    for (const Waiter& w : waiters_) kernel.notify(w.fiber, w.seq);
    waiters_.clear();
  }
  bool empty() const { return waiters_.empty(); }

 private:
  struct Waiter {
    FiberRecord* fiber;
    std::uint64_t seq;
  };
  std::vector<Waiter> waiters_;
};

// Blocks the calling fiber until ready() holds or the deadline passes. Returns ready().
template <class Ready>
bool wait_until(WaitList& list, SimTime deadline, Ready&& ready) {
  Kernel& kernel = Kernel::get();
  kernel.check_alive();
  while (!ready()) {
    if (kernel.now() >= deadline) return false;
    const std::uint64_t seq = kernel.prepare_wait();
    list.add(kernel.current_fiber(), seq);
    struct Unregister {
      WaitList& list;
      FiberRecord* fiber;
      ~Unregister() { list.remove(fiber); }
    } unregister{list, kernel.current_fiber()};
    const WakeReason reason = kernel.wait(deadline);
    if (reason == WakeReason::kDeadline || reason == WakeReason::kKilled) return ready();
  }
  return true;
}

class Event {
 public:
  void set() {
    if (set_) return;
    set_ = true;
    waiters_.notify_all(Kernel::get());
  }
  void reset() { set_ = false; }
  bool is_set() const { return set_; }
  void wait() { wait_until(kSimTimeMax); }
  bool wait_until(SimTime deadline) {
    return sim::wait_until(waiters_, deadline, [this] { return set_; });
  }
  bool wait_for(Duration d) { return wait_until(Kernel::get().now() + d); }

 private:
  bool set_ = false;
  WaitList waiters_;
};

// Wakes every fiber waiting for "something moved" (a broker's acks=all waiters and long
// polls, a Raft leader's long-polling fetches): a waiter takes current(), re-checks its
// condition, then waits on that event; notify() fires it and starts a fresh one. The
// event is shared, so a waiter unwound by a crash never touches a destroyed signal.
class ChangeSignal {
 public:
  std::shared_ptr<Event> current() const { return event_; }
  void notify() {
    std::shared_ptr<Event> fired = std::move(event_);
    event_ = std::make_shared<Event>();
    fired->set();
  }

 private:
  std::shared_ptr<Event> event_ = std::make_shared<Event>();
};

// A value that arrives once. Share it (e.g. through a shared_ptr) between the fiber
// that waits and whoever fulfils it.
template <class T>
class Promise {
 public:
  // Fulfils the promise; a second set() is ignored and returns false.
  bool set(T value) {
    if (value_) return false;
    value_.emplace(std::move(value));
    waiters_.notify_all(Kernel::get());
    return true;
  }
  bool ready() const { return value_.has_value(); }
  const std::optional<T>& peek() const { return value_; }
  std::optional<T> wait_until(SimTime deadline) {
    if (!sim::wait_until(waiters_, deadline, [this] { return value_.has_value(); })) {
      return std::nullopt;
    }
    return value_;
  }
  std::optional<T> wait_for(Duration d) { return wait_until(Kernel::get().now() + d); }
  T wait() { return *wait_until(kSimTimeMax); }

 private:
  std::optional<T> value_;
  WaitList waiters_;
};

// Mutual exclusion between fibers. Fibers switch only where they wait, but disk and
// network calls wait, so state kept consistent across such calls needs a lock. unlock()
// wakes every waiter (one of them wins, the rest wait again), so a waiter that is killed
// while waiting cannot swallow the wake-up. lock() returns false only for a fiber that is
// unwinding from a crash, which must not take the lock.
class Mutex {
 public:
  [[nodiscard]] bool lock() {
    if (!sim::wait_until(waiters_, kSimTimeMax, [this] { return !locked_; })) return false;
    locked_ = true;
    return true;
  }
  void unlock() {
    SAMSA_ASSERT(locked_, "unlock of a mutex that is not locked");
    locked_ = false;
    waiters_.notify_all(Kernel::get());
  }
  bool locked() const { return locked_; }

 private:
  bool locked_ = false;
  WaitList waiters_;
};

class MutexLock {
 public:
  explicit MutexLock(Mutex& mutex) : mutex_(mutex), owns_(mutex.lock()) {}
  ~MutexLock() {
    if (owns_) mutex_.unlock();
  }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;
  bool owns_lock() const { return owns_; }

 private:
  Mutex& mutex_;
  bool owns_;
};

// A bounded FIFO mailbox, a ring buffer that allocates only while it first grows. try_push never blocks (false when full); push blocks for
// space; pop blocks for an item. close() wakes everyone: pops drain what is left, then
// return nullopt; pushes fail.
template <class T>
class Channel {
 public:
  explicit Channel(std::size_t capacity) : capacity_(capacity) {
    SAMSA_ASSERT(capacity > 0, "a channel needs room for at least one item");
  }

  bool try_push(T item) {
    if (closed_ || size_ >= capacity_) return false;
    if (size_ == slots_.size()) grow();
    slots_[(head_ + size_) % slots_.size()].emplace(std::move(item));
    ++size_;
    readers_.notify_one(Kernel::get());
    return true;
  }
  bool push_until(T item, SimTime deadline) {
    if (!sim::wait_until(writers_, deadline,
                         [this] { return closed_ || size_ < capacity_; })) {
      return false;
    }
    return try_push(std::move(item));
  }
  bool push(T item) { return push_until(std::move(item), kSimTimeMax); }

  std::optional<T> try_pop() {
    if (size_ == 0) return std::nullopt;
    T item = std::move(*slots_[head_]);
    slots_[head_].reset();
    head_ = (head_ + 1) % slots_.size();
    --size_;
    writers_.notify_one(Kernel::get());
    if (size_ > 0) readers_.notify_one(Kernel::get());
    return item;
  }
  std::optional<T> pop_until(SimTime deadline) {
    sim::wait_until(readers_, deadline, [this] { return closed_ || size_ > 0; });
    return try_pop();
  }
  std::optional<T> pop_for(Duration d) { return pop_until(Kernel::get().now() + d); }
  std::optional<T> pop() { return pop_until(kSimTimeMax); }

  void close() {
    closed_ = true;
    Kernel& kernel = Kernel::get();
    readers_.notify_all(kernel);
    writers_.notify_all(kernel);
  }
  // Drops every queued item (a crashed process's socket buffers).
  void clear() {
    for (auto& slot : slots_) slot.reset();
    head_ = 0;
    size_ = 0;
    writers_.notify_all(Kernel::get());
  }
  bool closed() const { return closed_; }
  std::size_t size() const { return size_; }
  std::size_t capacity() const { return capacity_; }

 private:
  // A ring that grows by doubling up to the capacity, then never allocates again.
  void grow() {
    std::vector<std::optional<T>> bigger(std::min(capacity_, std::max<std::size_t>(8, 2 * slots_.size())));
    for (std::size_t i = 0; i < size_; ++i) bigger[i] = std::move(slots_[(head_ + i) % slots_.size()]);
    slots_.swap(bigger);
    head_ = 0;
  }

  std::size_t capacity_;
  bool closed_ = false;
  std::vector<std::optional<T>> slots_;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
  WaitList readers_;
  WaitList writers_;
};

}  // namespace samsa::sim
