// Request/response over the simulated network. One RpcEndpoint per node incarnation,
// created in the node's main fiber, which then runs serve(): the only reader of the
// node's inbox. Other fibers of the node call() and wait for the response that carries
// their correlation id. Invariants: 1. a call ends exactly once (response, timeout or
// node-down); 2. a response completes only the pending call of its correlation id and
// destination, and only while that call waits; anything else is dropped and counted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string_view>

#include "sim/ids.h"
#include "sim/network.h"
#include "sim/result.h"
#include "sim/sync.h"
#include "sim/time.h"

namespace samsa::sim {

enum class RpcError : std::uint8_t {
  kTimeout,   // no response before the deadline (lost, partitioned, crashed mid-call, slow)
  kNodeDown,  // connection refused: the destination's process was not running
};
std::string_view rpc_error_name(RpcError error);

// Lifetime: the endpoint lives on the main fiber's stack; fibers that use it must end
// before it does, except by crashing (a call being unwound by FiberKilled never touches
// the endpoint again).
class RpcEndpoint {
 public:
  static constexpr std::size_t kMaxPendingCalls = 65536;

  RpcEndpoint(Network& network, NodeId self);
  RpcEndpoint(const RpcEndpoint&) = delete;
  RpcEndpoint& operator=(const RpcEndpoint&) = delete;

  NodeId self() const { return self_; }

  // From a fiber on `self`: sends `request` and waits for the response with its
  // correlation id, until now + timeout. If `to` is down (its process is not running)
  // and both directions of the link are open, the host refuses the connection: kNodeDown
  // after one round trip of base latency (or kTimeout if that is past the deadline).
  Result<MessagePtr, RpcError> call(NodeId to, MessagePtr request, Duration timeout);
  // From a fiber on `self`: answers `request` (which this node received).
  void reply(const Envelope& request, MessagePtr response);
  // The node's receive loop: reads the inbox forever; responses complete the matching
  // pending call (late or unknown responses are dropped, counted); requests are passed to
  // on_request (which may spawn a fiber to handle them and reply later). Returns only
  // when the node crashes (FiberKilled unwinds it).
  void serve(const std::function<void(const Envelope&)>& on_request);

  std::size_t pending_calls() const { return pending_.size(); }
  // Responses that matched no waiting call: late (after a timeout), duplicated, unknown.
  std::uint64_t dropped_responses() const { return dropped_responses_; }

 private:
  struct Pending {
    NodeId to;
    // Shared with the waiting call, so that a call unwound by a crash never reads the
    // endpoint (which the main fiber may already have destroyed).
    std::shared_ptr<Promise<MessagePtr>> response;
  };

  bool refuses_connection(NodeId to) const;
  void complete(const Envelope& response);

  Network& network_;
  NodeId self_;
  std::uint64_t next_correlation_id_;
  std::map<std::uint64_t, Pending> pending_;  // by correlation id
  std::uint64_t dropped_responses_ = 0;
};

}  // namespace samsa::sim
