#include "sim/network.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cmath>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "sim/kernel.h"

namespace samsa::sim {
namespace {

struct TestMessage final : Message {
  explicit TestMessage(int v) : value(v) {}
  std::string_view kind() const override { return "Test"; }
  std::uint64_t digest() const override { return mix64(static_cast<std::uint64_t>(value)); }
  int value;
};

MessagePtr message(int value) {
  return std::make_shared<const TestMessage>(value);
}
int value_of(const Envelope& envelope) {
  return static_cast<const TestMessage&>(*envelope.message).value;
}

// A kernel and a network with `nodes` nodes, all up. The destructor unwinds every fiber
// while the inboxes they may wait on still exist.
struct World {
  explicit World(std::uint64_t seed, NetworkConfig config = {}, int nodes = 2)
      : kernel(seed), network(kernel, Rng::stream(seed, "network"), config) {
    for (int i = 0; i < nodes; ++i) {
      const NodeId node = kernel.add_node(fmt::format("n{}", i));
      network.add_node(node);
      kernel.bring_up(node);
      ids.push_back(node);
    }
  }
  ~World() {
    for (const NodeId node : ids) kernel.crash(node);
    kernel.run();
  }
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  Kernel kernel;
  Network network;
  std::vector<NodeId> ids;
};

struct Delivery {
  Envelope envelope;
  SimTime at;
};

// A fiber on `node` that records every message it reads, until its inbox is idle for `idle`.
void spawn_receiver(World& w, NodeId node, std::vector<Delivery>& out, Duration idle = 1s) {
  w.kernel.spawn(node, "receiver", [&w, node, &out, idle] {
    while (auto envelope = w.network.inbox(node).pop_for(idle)) {
      out.push_back({std::move(*envelope), w.kernel.now()});
    }
  });
}

// Sends messages 0..count-1 from `from` to `to`, `gap` apart.
void spawn_sender(World& w, NodeId from, NodeId to, int count, Duration gap) {
  w.kernel.spawn(from, "sender", [&w, to, count, gap] {
    for (int i = 0; i < count; ++i) {
      w.network.send(to, message(i));
      w.kernel.sleep_for(gap);
    }
  });
}

NetworkConfig fixed_latency(Duration base) {
  NetworkConfig config;
  config.latency = {base, Duration::zero()};
  return config;
}

RC_GTEST_PROP(Network, DeliveryTimeLiesWithinBasePlusJitterOfTheSend, ()) {
  const auto seed = *rc::gen::arbitrary<std::uint64_t>();
  NetworkConfig config;
  config.latency.base = std::chrono::microseconds(*rc::gen::inRange(0, 5000));
  config.latency.jitter = std::chrono::microseconds(*rc::gen::inRange(0, 5000));
  config.fifo_links = *rc::gen::arbitrary<bool>();
  World w(seed, config);
  const NodeId a = w.ids[0], b = w.ids[1];
  std::vector<Delivery> got;
  spawn_receiver(w, b, got);
  spawn_sender(w, a, b, 50, 100us);
  w.kernel.run();
  RC_ASSERT(got.size() == 50u);
  std::set<Duration> latencies;
  for (const Delivery& d : got) {
    const Duration latency = d.at - d.envelope.sent_at;
    RC_ASSERT(latency >= config.latency.base);
    RC_ASSERT(latency <= config.latency.base + config.latency.jitter);
    latencies.insert(latency);
  }
  if (config.latency.jitter > 0us) RC_ASSERT(latencies.size() > 1u);
}

TEST(Network, MessagesToSelfArriveAfterTheLinkLatency) {
  World w(1, fixed_latency(2ms));
  const NodeId a = w.ids[0];
  std::vector<Delivery> got;
  spawn_receiver(w, a, got);
  w.network.send_from(a, a, message(1));
  w.kernel.run();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].at, kSimStart + 2ms);
}

// Sends 200 messages a -> b, 50us apart, under delay faults; returns the values in the
// order b read them, and how many copies were delayed.
std::pair<std::vector<int>, std::uint64_t> burst_under_delay_faults(bool fifo_links) {
  NetworkConfig config;
  config.delay_probability = 0.5;
  config.delay_max = 50ms;
  config.fifo_links = fifo_links;
  World w(7, config);
  const NodeId a = w.ids[0], b = w.ids[1];
  std::vector<Delivery> got;
  spawn_receiver(w, b, got);
  spawn_sender(w, a, b, 200, 50us);
  w.kernel.run();
  std::vector<int> order;
  for (const Delivery& d : got) order.push_back(value_of(d.envelope));
  return {order, w.network.stats().delayed};
}

TEST(Network, FifoLinkNeverReordersEvenWithDelayFaults) {
  const auto [order, delayed] = burst_under_delay_faults(/*fifo_links=*/true);
  ASSERT_EQ(order.size(), 200u);
  EXPECT_GT(delayed, 50u);
  for (int i = 0; i < 200; ++i) EXPECT_EQ(order[i], i);
}

TEST(Network, NonFifoLinkReordersWithDelayFaults) {
  const auto [order, delayed] = burst_under_delay_faults(/*fifo_links=*/false);
  ASSERT_EQ(order.size(), 200u);
  EXPECT_GT(delayed, 50u);
  int inversions = 0;
  for (std::size_t i = 1; i < order.size(); ++i) inversions += order[i] < order[i - 1] ? 1 : 0;
  EXPECT_GT(inversions, 10);
  EXPECT_EQ(std::set<int>(order.begin(), order.end()).size(), 200u);  // reordered, not lost
}

using Pairs = std::set<std::pair<std::uint32_t, std::uint32_t>>;

// Sends one message over every directed pair (self included) from the main context and
// returns the (from, to) pairs that arrived.
Pairs deliver_every_pair(World& w) {
  for (const NodeId from : w.ids) {
    for (const NodeId to : w.ids) w.network.send_from(from, to, message(0));
  }
  w.kernel.run();
  Pairs arrived;
  for (const NodeId to : w.ids) {
    while (auto envelope = w.network.inbox(to).try_pop()) {
      arrived.insert({envelope->from.value(), to.value()});
    }
  }
  return arrived;
}

// Every directed pair (self included) except `blocked`; also checks can_reach agrees.
Pairs every_pair_except(World& w, const Pairs& blocked) {
  Pairs open;
  for (const NodeId from : w.ids) {
    for (const NodeId to : w.ids) {
      const bool is_blocked = blocked.count({from.value(), to.value()}) > 0;
      EXPECT_EQ(w.network.can_reach(from, to), !is_blocked) << from.value() << "->" << to.value();
      if (!is_blocked) open.insert({from.value(), to.value()});
    }
  }
  return open;
}

TEST(Network, SymmetricPartitionBlocksBothDirectionsExactlyBetweenTheTwoSides) {
  World w(1, {}, 5);
  const std::vector<NodeId> side_a = {w.ids[0], w.ids[1]}, side_b = {w.ids[2], w.ids[3]};
  w.network.partition(side_a, side_b);  // n4 is on neither side
  const Pairs blocked = {{0, 2}, {0, 3}, {1, 2}, {1, 3}, {2, 0}, {3, 0}, {2, 1}, {3, 1}};
  EXPECT_EQ(deliver_every_pair(w), every_pair_except(w, blocked));
  EXPECT_EQ(w.network.stats().dropped_partition, blocked.size());
}

TEST(Network, OneWayPartitionBlocksExactlyOneDirection) {
  World w(1, {}, 3);
  const std::vector<NodeId> from = {w.ids[0]}, to = {w.ids[1], w.ids[2]};
  w.network.partition_one_way(from, to);
  const Pairs blocked = {{0, 1}, {0, 2}};
  EXPECT_EQ(deliver_every_pair(w), every_pair_except(w, blocked));
}

TEST(Network, IsolateCutsANodeOffFromEveryOtherNodeInBothDirections) {
  World w(1, {}, 4);
  w.network.isolate(w.ids[2]);
  const Pairs blocked = {{2, 0}, {2, 1}, {2, 3}, {0, 2}, {1, 2}, {3, 2}};
  EXPECT_EQ(deliver_every_pair(w), every_pair_except(w, blocked));
}

TEST(Network, HealRestoresEveryLinkAndKeepsSlowLinks) {
  World w(1, {}, 4);
  const std::vector<NodeId> side_a = {w.ids[0]}, side_b = {w.ids[1], w.ids[2]};
  w.network.partition(side_a, side_b);
  w.network.partition_one_way(side_b, std::vector<NodeId>{w.ids[3]});
  w.network.isolate(w.ids[3]);
  w.network.set_link_latency(w.ids[0], w.ids[1], {10ms, 0ms});
  w.network.heal();
  EXPECT_EQ(deliver_every_pair(w), every_pair_except(w, {}));
  EXPECT_EQ(w.network.link_latency(w.ids[0], w.ids[1]).base, 10ms);
}

// Two overlapping faults: isolating node 2 and a split {0} | {1, 2}. Ending the isolation
// brings back 2's links except those the split still cuts; ending the split too brings
// back the rest, and a cut restored twice changes nothing.
TEST(Network, RestoringOneOfTwoOverlappingCutsLeavesTheOtherInForce) {
  World w(1, {}, 4);
  const Network::Cut isolation = w.network.isolate(w.ids[2]);
  const std::vector<NodeId> side_a = {w.ids[0]}, side_b = {w.ids[1], w.ids[2]};
  const Network::Cut split = w.network.partition(side_a, side_b);
  w.network.restore(isolation);
  const Pairs split_links = {{0, 1}, {0, 2}, {1, 0}, {2, 0}};
  EXPECT_EQ(deliver_every_pair(w), every_pair_except(w, split_links));
  w.network.restore(isolation);
  EXPECT_EQ(deliver_every_pair(w), every_pair_except(w, split_links));
  w.network.restore(split);
  EXPECT_EQ(deliver_every_pair(w), every_pair_except(w, {}));
}

TEST(Network, ARestoreAfterHealChangesNothing) {
  World w(1, {}, 3);
  const Network::Cut isolation = w.network.isolate(w.ids[1]);
  w.network.heal();
  const std::vector<NodeId> a = {w.ids[0]}, b = {w.ids[2]};
  w.network.partition(a, b);
  w.network.restore(isolation);
  EXPECT_EQ(deliver_every_pair(w), every_pair_except(w, {{0, 2}, {2, 0}}));
}

TEST(Network, SlowLinkDelaysOnlyItsOwnDirection) {
  World w(1, fixed_latency(1ms));
  const NodeId a = w.ids[0], b = w.ids[1];
  w.network.set_link_latency(a, b, {20ms, 0ms});
  std::vector<Delivery> at_a, at_b;
  spawn_receiver(w, a, at_a);
  spawn_receiver(w, b, at_b);
  w.network.send_from(a, b, message(1));
  w.network.send_from(b, a, message(2));
  w.kernel.run();
  ASSERT_EQ(at_b.size(), 1u);
  ASSERT_EQ(at_a.size(), 1u);
  EXPECT_EQ(at_b[0].at, kSimStart + 20ms);
  EXPECT_EQ(at_a[0].at, kSimStart + 1ms);
  w.network.clear_link_latency(a, b);
  EXPECT_EQ(w.network.link_latency(a, b).base, 1ms);
}

TEST(Network, MessageInFlightWhenAPartitionStartsIsDropped) {
  World w(1, fixed_latency(1ms));
  const NodeId a = w.ids[0], b = w.ids[1];
  w.network.send_from(a, b, message(1));
  w.kernel.run_for(500us);
  w.network.partition(std::vector<NodeId>{a}, std::vector<NodeId>{b});
  w.kernel.run();
  EXPECT_EQ(w.network.inbox(b).size(), 0u);
  EXPECT_EQ(w.network.stats().dropped_partition, 1u);
  EXPECT_EQ(w.network.stats().delivered, 0u);
  w.network.heal();
  w.network.send_from(a, b, message(2));
  w.kernel.run();
  EXPECT_EQ(w.network.inbox(b).size(), 1u);
}

TEST(Network, MessagesToACrashedNodeAreDroppedAndItsInboxIsCleared) {
  World w(1, fixed_latency(1ms));
  const NodeId a = w.ids[0], b = w.ids[1];
  for (int i = 0; i < 3; ++i) w.network.send_from(a, b, message(i));
  w.kernel.run();
  ASSERT_EQ(w.network.inbox(b).size(), 3u);  // nobody reads b's inbox
  w.network.send_from(a, b, message(3));     // in flight at the crash
  w.kernel.run_for(500us);
  w.kernel.crash(b);
  w.network.on_crash(b);
  EXPECT_EQ(w.network.inbox(b).size(), 0u);
  w.network.send_from(a, b, message(4));  // sent while b is down
  w.kernel.run();
  EXPECT_EQ(w.network.inbox(b).size(), 0u);
  EXPECT_EQ(w.network.stats().dropped_down, 2u);
  EXPECT_EQ(w.network.stats().delivered, 3u);
}

TEST(Network, MessageSentBeforeARestartIsNotDeliveredToTheNewIncarnation) {
  World w(1, fixed_latency(1ms));
  const NodeId a = w.ids[0], b = w.ids[1];
  w.network.send_from(a, b, message(1));
  w.kernel.run_for(500us);
  w.kernel.crash(b);
  w.network.on_crash(b);
  w.kernel.bring_up(b);
  w.network.on_restart(b);
  w.kernel.run();
  EXPECT_EQ(w.network.inbox(b).size(), 0u);
  EXPECT_EQ(w.network.stats().dropped_down, 1u);
  w.network.send_from(a, b, message(2));  // the new incarnation does receive new messages
  w.kernel.run();
  ASSERT_EQ(w.network.inbox(b).size(), 1u);
  EXPECT_EQ(value_of(*w.network.inbox(b).try_pop()), 2);
}

TEST(Network, PausedNodeReceivesIntoItsInboxAndReadsItAfterResume) {
  World w(1, fixed_latency(1ms));
  const NodeId a = w.ids[0], b = w.ids[1];
  std::vector<Delivery> got;
  spawn_receiver(w, b, got, 10s);
  w.kernel.pause(b);
  w.network.send_from(a, b, message(1));
  w.kernel.run_for(10ms);
  EXPECT_EQ(w.network.inbox(b).size(), 1u);
  EXPECT_TRUE(got.empty());
  w.kernel.resume(b);
  w.kernel.run();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].at, kSimStart + 10ms);
}

TEST(Network, FullInboxDropsAndCountsTheExcess) {
  NetworkConfig config;
  config.inbox_capacity = 4;
  World w(1, config);
  for (int i = 0; i < 10; ++i) w.network.send_from(w.ids[0], w.ids[1], message(i));
  w.kernel.run();
  EXPECT_EQ(w.network.inbox(w.ids[1]).size(), 4u);
  EXPECT_EQ(w.network.stats().dropped_inbox_full, 6u);
  EXPECT_EQ(w.network.stats().delivered, 4u);
}

// |observed - n p| within 5 standard deviations of a binomial(n, p) (plus one for p = 0).
bool within_five_sigma(std::uint64_t observed, std::uint64_t n, double p) {
  const double mean = static_cast<double>(n) * p;
  const double sigma = std::sqrt(static_cast<double>(n) * p * (1 - p));
  return std::abs(static_cast<double>(observed) - mean) <= 5 * sigma + 1;
}

RC_GTEST_PROP(Network, DropAndDuplicateRatesStayWithinFiveSigmaOfTheirProbabilities, ()) {
  NetworkConfig config;
  config.drop_probability = *rc::gen::inRange(0, 901) / 1000.0;
  config.duplicate_probability = *rc::gen::inRange(0, 901) / 1000.0;
  config.inbox_capacity = 1 << 16;
  World w(*rc::gen::arbitrary<std::uint64_t>(), config);
  constexpr std::uint64_t kMessages = 4000;
  for (std::uint64_t i = 0; i < kMessages; ++i) w.network.send_from(w.ids[0], w.ids[1], message(1));
  w.kernel.run();
  const NetworkStats& stats = w.network.stats();
  const std::uint64_t survivors = kMessages - stats.dropped_fault;
  RC_ASSERT(within_five_sigma(stats.dropped_fault, kMessages, config.drop_probability));
  RC_ASSERT(within_five_sigma(stats.duplicated, survivors, config.duplicate_probability));
  RC_ASSERT(stats.delivered == survivors + stats.duplicated);
  std::map<std::uint64_t, std::vector<const Message*>> copies;  // by message id
  while (auto envelope = w.network.inbox(w.ids[1]).try_pop()) {
    copies[envelope->id].push_back(envelope->message.get());
  }
  RC_ASSERT(copies.size() == survivors);
  for (const auto& [id, pointers] : copies) {
    RC_ASSERT(pointers.size() <= 2u);
    RC_ASSERT(pointers.front() == pointers.back());  // a duplicate shares the message
  }
}

// Three nodes exchanging messages under every kind of message fault; returns the trace hash.
std::uint64_t faulty_exchange_hash(std::uint64_t seed) {
  NetworkConfig config;
  config.drop_probability = 0.1;
  config.duplicate_probability = 0.1;
  config.delay_probability = 0.2;
  config.fifo_links = false;
  World w(seed, config, 3);
  std::vector<std::vector<Delivery>> got(3);
  for (std::size_t n = 0; n < 3; ++n) {
    spawn_receiver(w, w.ids[n], got[n]);
    w.kernel.spawn(w.ids[n], "sender", [&w, n] {
      for (std::size_t i = 0; i < 30; ++i) {
        w.network.send(w.ids[(n + i) % 3], message(static_cast<int>(i)));
        w.kernel.sleep_for(200us);
      }
    });
  }
  w.kernel.run();
  return w.kernel.trace().hash();
}

RC_GTEST_PROP(Network, SameSeedGivesTheSameTraceHashAndAnotherSeedADifferentOne, ()) {
  const auto seed = *rc::gen::arbitrary<std::uint64_t>();
  const std::uint64_t hash = faulty_exchange_hash(seed);
  RC_ASSERT(faulty_exchange_hash(seed) == hash);
  RC_ASSERT(faulty_exchange_hash(seed + 1) != hash);
}

}  // namespace
}  // namespace samsa::sim

namespace samsa::sim {
namespace {

TEST(Network, AFiberUnwindingFromACrashSendsNothing) {
  World w(1);
  const NodeId a = w.ids[0], b = w.ids[1];
  w.kernel.spawn(a, "dying", [&] {
    struct SendOnExit {
      World& w;
      NodeId to;
      ~SendOnExit() { w.network.send(to, message(99)); }
    } on_exit{w, b};
    w.kernel.sleep_for(10s);
  });
  w.kernel.run_for(1s);
  w.kernel.crash(a);
  w.kernel.run();
  EXPECT_EQ(w.network.stats().sent, 0u);
  EXPECT_EQ(w.network.inbox(b).size(), 0u);
}

}  // namespace
}  // namespace samsa::sim
