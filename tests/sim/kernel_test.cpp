#include "sim/kernel.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sim/sync.h"

namespace samsa::sim {
namespace {

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

}  // namespace
}  // namespace samsa::sim
