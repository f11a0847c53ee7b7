#include "sim/rpc.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <functional>
#include <optional>
#include <vector>

#include "sim/kernel.h"
#include "sim/network.h"

namespace samsa::sim {
namespace {

// A request asks the server to answer `value + 1000` after `reply_after`.
struct TestMessage final : Message {
  explicit TestMessage(int v, Duration after = Duration::zero()) : value(v), reply_after(after) {}
  std::string_view kind() const override { return "Test"; }
  std::uint64_t digest() const override { return mix64(static_cast<std::uint64_t>(value)); }
  int value;
  Duration reply_after;
};

MessagePtr message(int value, Duration reply_after = Duration::zero()) {
  return std::make_shared<const TestMessage>(value, reply_after);
}
const TestMessage& as_test(const MessagePtr& m) {
  return static_cast<const TestMessage&>(*m);
}

// Node 0 is the client, node 1 the server. The destructor unwinds every fiber while the
// inboxes they may wait on still exist.
struct World {
  explicit World(NetworkConfig config = {})
      : kernel(1), network(kernel, Rng::stream(1, "net"), config) {
    for (const char* name : {"client", "server"}) {
      const NodeId node = kernel.add_node(name);
      network.add_node(node);
      kernel.bring_up(node);
    }
  }
  ~World() {
    kernel.crash(client);
    kernel.crash(server);
    kernel.run();
  }
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  Kernel kernel;
  Network network;
  NodeId client{0};
  NodeId server{1};
  int requests_handled = 0;
};

// The server's main fiber: answers every request with value + 1000, after the delay the
// request asks for (in a handler fiber, so that slow requests do not hold up others).
void start_server(World& w) {
  w.kernel.spawn(w.server, "main", [&w] {
    RpcEndpoint endpoint(w.network, w.server);
    endpoint.serve([&](const Envelope& request) {
      ++w.requests_handled;
      w.kernel.spawn(w.server, "handler", [&w, &endpoint, request] {
        const TestMessage& body = as_test(request.message);
        if (body.reply_after > Duration::zero()) w.kernel.sleep_for(body.reply_after);
        endpoint.reply(request, message(body.value + 1000));
      });
    });
  });
}

struct Outcome {
  std::optional<int> response;  // the response's value, or nullopt on error
  std::optional<RpcError> error;
  SimTime started;
  SimTime ended;
};

using Caller = std::function<void(RpcEndpoint&, std::vector<Outcome>&)>;

// The client's main fiber: runs `callers` fibers each running `body`, then serves.
// `dropped` receives the endpoint's dropped-response count after each caller finishes.
void start_client(World& w, std::vector<Outcome>& out, std::uint64_t* dropped, int callers,
                  Caller body) {
  w.kernel.spawn(w.client, "main", [&w, callers, body, &out, dropped] {
    RpcEndpoint endpoint(w.network, w.client);
    for (int i = 0; i < callers; ++i) {
      w.kernel.spawn(w.client, fmt::format("caller{}", i), [&endpoint, body, &out, dropped] {
        body(endpoint, out);
        if (dropped != nullptr) *dropped = endpoint.dropped_responses();
      });
    }
    endpoint.serve([](const Envelope&) {});
  });
}

Outcome timed_call(World& w, RpcEndpoint& endpoint, MessagePtr request, Duration timeout) {
  Outcome outcome;
  outcome.started = w.kernel.now();
  auto result = endpoint.call(w.server, std::move(request), timeout);
  outcome.ended = w.kernel.now();
  if (result) {
    outcome.response = as_test(result.value()).value;
  } else {
    outcome.error = result.error();
  }
  return outcome;
}

TEST(Rpc, CallGetsTheServersResponse) {
  World w;
  start_server(w);
  std::vector<Outcome> out;
  std::size_t pending_after = 1;
  start_client(w, out, nullptr, 1, [&](RpcEndpoint& endpoint, std::vector<Outcome>& o) {
    o.push_back(timed_call(w, endpoint, message(7), 100ms));
    pending_after = endpoint.pending_calls();
  });
  w.kernel.run();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].response, 1007);
  EXPECT_LE(out[0].ended - out[0].started, 2 * (500us + 500us));  // one round trip
  EXPECT_EQ(pending_after, 0u);
}

TEST(Rpc, CallTimesOutExactlyAtItsDeadlineWhenTheServerIsPartitioned) {
  World w;
  start_server(w);
  w.network.partition(std::vector<NodeId>{w.client}, std::vector<NodeId>{w.server});
  std::vector<Outcome> out;
  start_client(w, out, nullptr, 1, [&](RpcEndpoint& endpoint, std::vector<Outcome>& o) {
    w.kernel.sleep_for(3ms);
    o.push_back(timed_call(w, endpoint, message(1), 30ms));
  });
  w.kernel.run();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].error, RpcError::kTimeout);
  EXPECT_EQ(out[0].ended, kSimStart + 3ms + 30ms);
  EXPECT_EQ(w.requests_handled, 0);
}

TEST(Rpc, CallTimesOutWhenOnlyTheResponsesAreBlocked) {
  World w;
  start_server(w);
  w.network.partition_one_way(std::vector<NodeId>{w.server}, std::vector<NodeId>{w.client});
  std::vector<Outcome> out;
  start_client(w, out, nullptr, 1, [&](RpcEndpoint& endpoint, std::vector<Outcome>& o) {
    o.push_back(timed_call(w, endpoint, message(1), 30ms));
  });
  w.kernel.run();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].error, RpcError::kTimeout);
  EXPECT_EQ(out[0].ended, kSimStart + 30ms);
  EXPECT_EQ(w.requests_handled, 1);
}

TEST(Rpc, LateResponseAfterATimeoutIsDroppedAndDoesNotConfuseTheNextCall) {
  World w;
  start_server(w);
  std::vector<Outcome> out;
  std::uint64_t dropped = 0;
  start_client(w, out, &dropped, 1, [&](RpcEndpoint& endpoint, std::vector<Outcome>& o) {
    o.push_back(timed_call(w, endpoint, message(1, 50ms), 10ms));   // answered at ~51ms
    o.push_back(timed_call(w, endpoint, message(2, 80ms), 200ms));  // waits across it
  });
  w.kernel.run();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].error, RpcError::kTimeout);
  EXPECT_EQ(out[0].ended, kSimStart + 10ms);
  EXPECT_EQ(out[1].response, 1002);
  EXPECT_GE(out[1].ended, kSimStart + 90ms);
  EXPECT_EQ(dropped, 1u);
}

TEST(Rpc, ServerCrashMidCallGivesTimeout) {
  World w;
  start_server(w);
  std::vector<Outcome> out;
  start_client(w, out, nullptr, 1, [&](RpcEndpoint& endpoint, std::vector<Outcome>& o) {
    o.push_back(timed_call(w, endpoint, message(1, 20ms), 100ms));
  });
  w.kernel.run_for(10ms);
  ASSERT_EQ(w.requests_handled, 1);
  w.kernel.crash(w.server);
  w.network.on_crash(w.server);
  w.kernel.run();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].error, RpcError::kTimeout);
  EXPECT_EQ(out[0].ended, kSimStart + 100ms);
}

TEST(Rpc, CallToADownNodeFailsWithNodeDownAfterOneRoundTrip) {
  NetworkConfig config;
  config.latency = {1ms, 0ms};
  World w(config);
  w.kernel.crash(w.server);
  w.network.on_crash(w.server);
  std::vector<Outcome> out;
  start_client(w, out, nullptr, 1, [&](RpcEndpoint& endpoint, std::vector<Outcome>& o) {
    o.push_back(timed_call(w, endpoint, message(1), 100ms));
    o.push_back(timed_call(w, endpoint, message(2), 1ms));  // the reset would come too late
  });
  w.kernel.run();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].error, RpcError::kNodeDown);
  EXPECT_EQ(out[0].ended, kSimStart + 2ms);
  EXPECT_EQ(out[1].error, RpcError::kTimeout);
  EXPECT_EQ(out[1].ended, kSimStart + 3ms);
}

TEST(Rpc, ConcurrentCallsEachGetTheirOwnResponse) {
  World w;
  start_server(w);
  std::vector<Outcome> out;
  int next = 0;
  start_client(w, out, nullptr, 20, [&](RpcEndpoint& endpoint, std::vector<Outcome>& o) {
    const int mine = next++;
    // Later callers are answered sooner, so responses come back in reverse order.
    const Outcome outcome = timed_call(w, endpoint, message(mine, (20 - mine) * 1ms), 100ms);
    EXPECT_EQ(outcome.response, mine + 1000);
    o.push_back(outcome);
  });
  w.kernel.run();
  ASSERT_EQ(out.size(), 20u);
  EXPECT_EQ(out.front().response, 1019);  // the first to finish asked last
}

TEST(Rpc, DuplicatedRequestsAndResponsesCompleteTheCallOnce) {
  NetworkConfig config;
  config.duplicate_probability = 1.0;
  World w(config);
  start_server(w);
  std::vector<Outcome> out;
  std::uint64_t dropped = 0;
  start_client(w, out, &dropped, 1, [&](RpcEndpoint& endpoint, std::vector<Outcome>& o) {
    o.push_back(timed_call(w, endpoint, message(5), 100ms));
    w.kernel.sleep_for(50ms);  // let every copy arrive
  });
  w.kernel.run();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].response, 1005);
  EXPECT_EQ(w.requests_handled, 2);  // the request arrived twice
  EXPECT_EQ(dropped, 3u);            // two replies, each twice: one completes the call
}

}  // namespace
}  // namespace samsa::sim
