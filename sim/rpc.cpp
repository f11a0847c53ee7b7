#include "sim/rpc.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "sim/assert.h"

namespace samsa::sim {

std::string_view rpc_error_name(RpcError error) {
  switch (error) {
    case RpcError::kTimeout:
      return "timeout";
    case RpcError::kNodeDown:
      return "node-down";
  }
  return "unknown";
}

RpcEndpoint::RpcEndpoint(Network& network, NodeId self)
    : network_(network),
      self_(self),
      // Ids carry the incarnation in their high half, so that ids of two incarnations
      // never collide (a trace reader can tell them apart too).
      next_correlation_id_(static_cast<std::uint64_t>(network.kernel().incarnation(self)) << 32) {
  SAMSA_ASSERT(network.has_node(self), "an RpcEndpoint for a node the network does not know");
}

bool RpcEndpoint::refuses_connection(NodeId to) const {
  return !network_.kernel().is_up(to) && network_.can_reach(self_, to) &&
         network_.can_reach(to, self_);
}

Result<MessagePtr, RpcError> RpcEndpoint::call(NodeId to, MessagePtr request, Duration timeout) {
  Kernel& kernel = network_.kernel();
  kernel.check_alive();
  SAMSA_ASSERT(kernel.current_node() == self_, "call() from a fiber of another node");
  SAMSA_ASSERT(timeout >= Duration::zero(), "a negative timeout");
  const SimTime deadline = kernel.now() + timeout;
  if (refuses_connection(to)) {
    // The reset travels back over the link: one round trip of base latency.
    const Duration round_trip =
        network_.link_latency(self_, to).base + network_.link_latency(to, self_).base;
    if (kernel.now() + round_trip > deadline) {
      // determinism-ok: virtual time (the kernel's timer queue)
      kernel.sleep_until(deadline);
      return Err{RpcError::kTimeout};
    }
    // determinism-ok: virtual time (the kernel's timer queue)
    kernel.sleep_for(round_trip);
    return Err{RpcError::kNodeDown};
  }
  SAMSA_ASSERT(pending_.size() < kMaxPendingCalls, "too many pending calls");
  const std::uint64_t correlation_id = ++next_correlation_id_;
  auto response = std::make_shared<Promise<MessagePtr>>();
  network_.send(to, std::move(request), correlation_id);
  pending_.emplace(correlation_id, Pending{to, response});
  // If the node crashes, wait_until throws FiberKilled and `this` is never touched again.
  std::optional<MessagePtr> got = response->wait_until(deadline);
  pending_.erase(correlation_id);
  if (!got) return Err{RpcError::kTimeout};
  return std::move(*got);
}

void RpcEndpoint::reply(const Envelope& request, MessagePtr response) {
  Kernel& kernel = network_.kernel();
  kernel.check_alive();
  SAMSA_ASSERT(kernel.current_node() == self_, "reply() from a fiber of another node");
  SAMSA_ASSERT(!request.is_response && request.to == self_,
               "reply() to something that is not a request to this node");
  network_.send(request.from, std::move(response), request.correlation_id, /*is_response=*/true);
}

void RpcEndpoint::serve(const std::function<void(const Envelope&)>& on_request) {
  Channel<Envelope>& inbox = network_.inbox(self_);
  for (;;) {  // bounded by the run's limits: ends when the node crashes
    std::optional<Envelope> envelope = inbox.pop();
    if (!envelope) return;  // the inbox was closed (the Network itself never closes one)
    if (envelope->is_response) {
      complete(*envelope);
    } else {
      on_request(*envelope);
    }
  }
}

void RpcEndpoint::complete(const Envelope& response) {
  const auto it = pending_.find(response.correlation_id);
  if (it == pending_.end() || it->second.to != response.from) {
    ++dropped_responses_;
    return;
  }
  const bool fulfilled = it->second.response->set(response.message);
  SAMSA_ASSERT(fulfilled, "a pending call was completed twice");
  pending_.erase(it);
}

}  // namespace samsa::sim
