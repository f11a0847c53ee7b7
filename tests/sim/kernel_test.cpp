#include "sim/kernel.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sim/sync.h"

namespace samsa::sim {
namespace {

struct OneNode {
  Kernel kernel{1};
  NodeId node = kernel.add_node("n");
  OneNode() { kernel.bring_up(node); }
};

// A kernel with two nodes, both up.
struct TwoNodes {
  Kernel kernel{1};
  NodeId a = kernel.add_node("a");
  NodeId b = kernel.add_node("b");
  TwoNodes() {
    kernel.bring_up(a);
    kernel.bring_up(b);
  }
};

TEST(Kernel, ReadyFibersRunInSpawnOrder) {
  Kernel kernel(1);
  const NodeId node = kernel.add_node("n");
  kernel.bring_up(node);
  std::vector<int> order;
  for (int i = 0; i < 5; ++i) {
    kernel.spawn(node, "f", [&order, i] { order.push_back(i); });
  }
  EXPECT_EQ(kernel.run(), RunOutcome::kQuiescent);
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4}));
}

TEST(Kernel, SleepJumpsVirtualTimeToTheEarliestTimer) {
  Kernel kernel(1);
  const NodeId node = kernel.add_node("n");
  kernel.bring_up(node);
  std::vector<std::pair<int, SimTime>> wakes;
  for (int i : {3, 1, 2}) {
    kernel.spawn(node, "sleeper", [&, i] {
      kernel.sleep_for(std::chrono::seconds(i));
      wakes.emplace_back(i, kernel.now());
    });
  }
  EXPECT_EQ(kernel.run(), RunOutcome::kQuiescent);
  ASSERT_EQ(wakes.size(), 3u);
  EXPECT_EQ(wakes[0], std::make_pair(1, kSimStart + 1s));
  EXPECT_EQ(wakes[1], std::make_pair(2, kSimStart + 2s));
  EXPECT_EQ(wakes[2], std::make_pair(3, kSimStart + 3s));
}

TEST(Kernel, CrashUnwindsEveryFiberOfTheNode) {
  Kernel kernel(1);
  const NodeId node = kernel.add_node("n");
  kernel.bring_up(node);
  int destroyed = 0;
  int reached = 0;
  struct Guard {
    int& counter;
    ~Guard() { ++counter; }
  };
  for (int i = 0; i < 3; ++i) {
    kernel.spawn(node, "waiter", [&] {
      Guard g{destroyed};
      kernel.sleep_for(10s);
      ++reached;
    });
  }
  kernel.run_for(1s);
  kernel.crash(node);
  EXPECT_EQ(kernel.run(), RunOutcome::kQuiescent);
  EXPECT_EQ(destroyed, 3);
  EXPECT_EQ(reached, 0);
  EXPECT_EQ(kernel.live_fibers(node), 0u);
}

TEST(Kernel, ACrashUnwindsTheNewestFiberFirstSoChildrenSeeTheirParentsStack) {
  Kernel kernel(1);
  const NodeId node = kernel.add_node("n");
  kernel.bring_up(node);
  std::vector<std::string> unwound;
  struct Mark {
    std::vector<std::string>& log;
    std::string name;
    ~Mark() { log.push_back(name); }
  };
  kernel.spawn(node, "main", [&] {
    Mark main_mark{unwound, "main"};
    for (int i = 0; i < 2; ++i) {
      // A child whose destructor reads its parent's stack (as a lock guard on a mutex the
      // main fiber owns does).
      kernel.spawn(node, "child", [&, i, &parent = main_mark] {
        Mark child_mark{unwound, "child-" + std::to_string(i) + " of " + parent.name};
        kernel.sleep_for(10s);
      });
    }
    kernel.sleep_for(10s);
  });
  kernel.run_for(1s);
  kernel.crash(node);
  kernel.run();
  EXPECT_EQ(unwound, (std::vector<std::string>{"child-1 of main", "child-0 of main", "main"}));
}

TEST(Kernel, ChannelDeliversInOrderAndTimesOut) {
  Kernel kernel(1);
  const NodeId node = kernel.add_node("n");
  kernel.bring_up(node);
  Channel<int> channel(2);
  std::vector<int> got;
  bool timed_out = false;
  kernel.spawn(node, "reader", [&] {
    for (;;) {
      auto v = channel.pop_for(5s);
      if (!v) {
        timed_out = true;
        return;
      }
      got.push_back(*v);
    }
  });
  kernel.spawn(node, "writer", [&] {
    for (int i = 0; i < 5; ++i) channel.push(i);
  });
  EXPECT_EQ(kernel.run(), RunOutcome::kQuiescent);
  EXPECT_EQ(got, (std::vector<int>{0, 1, 2, 3, 4}));
  EXPECT_TRUE(timed_out);
  EXPECT_EQ(kernel.now(), kSimStart + 5s);
}

TEST(Kernel, EqualTimeTimersFireInTheOrderTheyWereScheduled) {
  OneNode w;
  std::vector<int> order;
  for (int i = 0; i < 4; ++i) {
    w.kernel.spawn(w.node, "f", [&, i] {
      w.kernel.sleep_until(kSimStart + 1s);
      order.push_back(i);
    });
  }
  w.kernel.run();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3}));
}

TEST(Kernel, RunStopsAtTheTimeLimitWithTimeAtTheLimit) {
  OneNode w;
  int ticks = 0;
  w.kernel.spawn(w.node, "ticker", [&] {
    for (;;) {
      w.kernel.sleep_for(1s);
      ++ticks;
    }
  });
  EXPECT_EQ(w.kernel.run({kSimStart + 10500ms, UINT64_MAX}), RunOutcome::kTimeLimit);
  EXPECT_EQ(ticks, 10);
  EXPECT_EQ(w.kernel.now(), kSimStart + 10500ms);
}

TEST(Kernel, RunStopsAtTheEventLimitEvenIfAFiberYieldsForever) {
  OneNode w;
  w.kernel.spawn(w.node, "spinner", [&] {
    for (;;) w.kernel.yield();
  });
  EXPECT_EQ(w.kernel.run({kSimTimeMax, 1000}), RunOutcome::kEventLimit);
  EXPECT_GE(w.kernel.events(), 1000u);
  EXPECT_LT(w.kernel.events(), 1010u);
}

TEST(Kernel, EventWaitEndsAtItsDeadlineWhenNobodySetsIt) {
  OneNode w;
  Event event;
  bool result = true;
  SimTime woke{};
  w.kernel.spawn(w.node, "waiter", [&] {
    result = event.wait_for(3s);
    woke = w.kernel.now();
  });
  w.kernel.run();
  EXPECT_FALSE(result);
  EXPECT_EQ(woke, kSimStart + 3s);
}

TEST(Kernel, EventWaitEndsWhenSetBeforeTheDeadlineAndTheStaleTimerIsIgnored) {
  OneNode w;
  Event event;
  bool result = false;
  SimTime woke{};
  int wakeups = 0;
  w.kernel.spawn(w.node, "waiter", [&] {
    result = event.wait_for(3s);
    woke = w.kernel.now();
    ++wakeups;
    w.kernel.sleep_for(10s);  // the stale 3s deadline must not cut this sleep short
    ++wakeups;
  });
  w.kernel.spawn(w.node, "setter", [&] {
    w.kernel.sleep_for(1s);
    event.set();
  });
  w.kernel.run();
  EXPECT_TRUE(result);
  EXPECT_EQ(woke, kSimStart + 1s);
  EXPECT_EQ(wakeups, 2);
  EXPECT_EQ(w.kernel.now(), kSimStart + 11s);
}

TEST(Kernel, PromiseDeliversItsValueToEveryWaiter) {
  OneNode w;
  Promise<int> promise;
  std::vector<int> got;
  for (int i = 0; i < 3; ++i) {
    w.kernel.spawn(w.node, "waiter", [&] { got.push_back(promise.wait()); });
  }
  w.kernel.spawn(w.node, "setter", [&] {
    w.kernel.sleep_for(1s);
    EXPECT_TRUE(promise.set(42));
    EXPECT_FALSE(promise.set(43));
  });
  w.kernel.run();
  EXPECT_EQ(got, (std::vector<int>{42, 42, 42}));
}

TEST(Kernel, APausedNodeTakesNoStepsAndItsTimersFireLateOnResume) {
  TwoNodes w;
  Kernel& kernel = w.kernel;
  const NodeId node = w.a;
  const NodeId other = w.b;
  std::vector<SimTime> ticks;
  kernel.spawn(node, "ticker", [&] {
    for (int i = 0; i < 4; ++i) {
      kernel.sleep_for(1s);
      ticks.push_back(kernel.now());
    }
  });
  kernel.spawn(other, "operator", [&] {
    kernel.sleep_for(1500ms);
    kernel.pause(node);
    kernel.sleep_for(5s);
    kernel.resume(node);
  });
  kernel.run();
  ASSERT_EQ(ticks.size(), 4u);
  EXPECT_EQ(ticks[0], kSimStart + 1s);
  EXPECT_EQ(ticks[1], kSimStart + 6500ms);  // due at 2s, seen at the resume
  EXPECT_EQ(ticks[2], kSimStart + 7500ms);
  EXPECT_EQ(ticks[3], kSimStart + 8500ms);
}

TEST(Kernel, CrashingAPausedNodeUnwindsItsFibers) {
  OneNode w;
  bool unwound = false;
  w.kernel.spawn(w.node, "f", [&] {
    struct Mark {
      bool& flag;
      ~Mark() { flag = true; }
    } mark{unwound};
    w.kernel.sleep_for(1s);
    ADD_FAILURE() << "a crashed fiber took a step";
  });
  w.kernel.run_for(100ms);
  w.kernel.pause(w.node);
  w.kernel.run_for(2s);
  EXPECT_FALSE(unwound);
  w.kernel.crash(w.node);
  w.kernel.run();
  EXPECT_TRUE(unwound);
  EXPECT_EQ(w.kernel.live_fibers(w.node), 0u);
}

TEST(Kernel, AFiberOfACrashedNodeCannotContinueAfterItsOwnNodeIsKilled) {
  OneNode w;
  int steps = 0;
  w.kernel.spawn(w.node, "suicidal", [&] {
    ++steps;
    w.kernel.crash(w.node);
    w.kernel.sleep_for(1s);  // throws FiberKilled
    ++steps;
  });
  w.kernel.run();
  EXPECT_EQ(steps, 1);
}

TEST(Kernel, ARestartedNodeRunsANewIncarnation) {
  OneNode w;
  EXPECT_EQ(w.kernel.incarnation(w.node), 1u);
  w.kernel.crash(w.node);
  EXPECT_FALSE(w.kernel.is_up(w.node));
  w.kernel.bring_up(w.node);
  EXPECT_EQ(w.kernel.incarnation(w.node), 2u);
  bool ran = false;
  w.kernel.spawn(w.node, "again", [&] { ran = true; });
  w.kernel.run();
  EXPECT_TRUE(ran);
}

TEST(Kernel, ABrokenAssertionEndsTheRunAsAFailureWithItsMessage) {
  OneNode w;
  w.kernel.spawn(w.node, "checker", [&] {
    w.kernel.sleep_for(2s);
    SAMSA_ASSERT(1 + 1 == 3, "arithmetic holds");
  });
  w.kernel.spawn(w.node, "bystander", [&] { w.kernel.sleep_for(100s); });
  EXPECT_EQ(w.kernel.run(), RunOutcome::kFailed);
  EXPECT_NE(w.kernel.failure().find("arithmetic holds"), std::string::npos);
  EXPECT_NE(w.kernel.failure().find("kernel_test.cpp"), std::string::npos);
  EXPECT_EQ(w.kernel.now(), kSimStart + 2s);
}

TEST(Kernel, AnExceptionEscapingAFiberEndsTheRunAsAFailure) {
  OneNode w;
  w.kernel.spawn(w.node, "thrower", [] { throw std::runtime_error("boom"); });
  EXPECT_EQ(w.kernel.run(), RunOutcome::kFailed);
  EXPECT_NE(w.kernel.failure().find("boom"), std::string::npos);
}

TEST(Kernel, StopEndsTheRunAndALaterRunContinues) {
  OneNode w;
  int after = 0;
  w.kernel.spawn(w.node, "f", [&] {
    w.kernel.sleep_for(1s);
    w.kernel.stop();
    w.kernel.sleep_for(1s);
    ++after;
  });
  EXPECT_EQ(w.kernel.run(), RunOutcome::kStopped);
  EXPECT_EQ(after, 0);
  EXPECT_EQ(w.kernel.run(), RunOutcome::kQuiescent);
  EXPECT_EQ(after, 1);
}

TEST(Kernel, ABoundedChannelBlocksTheWriterUntilThereIsRoom) {
  OneNode w;
  Channel<int> channel(1);
  std::vector<SimTime> pushed;
  w.kernel.spawn(w.node, "writer", [&] {
    for (int i = 0; i < 3; ++i) {
      channel.push(i);
      pushed.push_back(w.kernel.now());
    }
  });
  w.kernel.spawn(w.node, "reader", [&] {
    for (int i = 0; i < 3; ++i) {
      w.kernel.sleep_for(1s);
      channel.pop();
    }
  });
  w.kernel.run();
  ASSERT_EQ(pushed.size(), 3u);
  EXPECT_EQ(pushed[0], kSimStart);
  EXPECT_EQ(pushed[1], kSimStart + 1s);
  EXPECT_EQ(pushed[2], kSimStart + 2s);
}

TEST(Kernel, DestroyingAKernelWithBlockedFibersEndsThemAll) {
  int unwound = 0;
  {
    OneNode w;
    for (int i = 0; i < 10; ++i) {
      w.kernel.spawn(w.node, "blocked", [&] {
        struct Mark {
          int& count;
          ~Mark() { ++count; }
        } mark{unwound};
        Event never;
        never.wait();
      });
    }
    w.kernel.run();
  }
  EXPECT_EQ(unwound, 10);
}

TEST(Kernel, AKilledFiberStopsEvenWhileAnotherFiberIsUnwindingAnException) {
  TwoNodes w;
  Kernel& kernel = w.kernel;
  const NodeId x = w.a;
  const NodeId y = w.b;
  int steps_after_crash = 0;
  kernel.spawn(x, "unwinder", [&] {
    try {
      struct SlowDestructor {
        Kernel& kernel;
        ~SlowDestructor() { kernel.sleep_for(2s); }  // suspends while an exception is in flight
      } slow{kernel};
      throw std::runtime_error("unwinding");
    } catch (const std::runtime_error&) {
    }
  });
  kernel.spawn(y, "victim", [&] {
    kernel.sleep_for(1s);
    ++steps_after_crash;
  });
  kernel.run_for(500ms);
  kernel.crash(y);
  EXPECT_EQ(kernel.run(), RunOutcome::kQuiescent);
  EXPECT_EQ(steps_after_crash, 0);
  EXPECT_EQ(kernel.live_fibers(y), 0u);
}

TEST(Mutex, CriticalSectionsThatSpanWaitsNeverInterleave) {
  OneNode w;
  Kernel& kernel = w.kernel;
  const NodeId node = w.node;
  Mutex mutex;
  int inside = 0;
  int max_inside = 0;
  int done = 0;
  for (int i = 0; i < 5; ++i) {
    kernel.spawn(node, "worker", [&] {
      const MutexLock lock(mutex);
      ++inside;
      max_inside = std::max(max_inside, inside);
      kernel.sleep_for(10ms);  // a scheduling point inside the critical section
      --inside;
      ++done;
    });
  }
  kernel.run();
  EXPECT_EQ(done, 5);
  EXPECT_EQ(max_inside, 1);
  EXPECT_EQ(kernel.now(), kSimStart + 50ms);
}

TEST(Mutex, AWaiterKilledWhileWaitingDoesNotStrandTheOthers) {
  TwoNodes w;
  Kernel& kernel = w.kernel;
  const NodeId doomed = w.a;
  const NodeId healthy = w.b;
  Mutex mutex;
  bool healthy_got_it = false;
  kernel.spawn(healthy, "holder", [&] {
    const MutexLock lock(mutex);
    kernel.sleep_for(1s);
  });
  kernel.spawn(doomed, "waiter", [&] { const MutexLock lock(mutex); });
  kernel.spawn(healthy, "second", [&] {
    kernel.sleep_for(1ms);
    const MutexLock lock(mutex);
    healthy_got_it = true;
  });
  kernel.run_for(500ms);
  kernel.crash(doomed);
  kernel.run();
  EXPECT_TRUE(healthy_got_it);
  EXPECT_FALSE(mutex.locked());
}

}  // namespace
}  // namespace samsa::sim
