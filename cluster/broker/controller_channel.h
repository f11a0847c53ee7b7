// ControllerChannel: a broker's (or an admin client's) way to the active controller, after
// Kafka's NodeToControllerChannelManager. It knows the controller quorum's nodes and the
// last active controller it heard of (from a NOT_CONTROLLER answer's hint, or from the
// metadata log's leader); a call goes there and, on NOT_CONTROLLER, a timeout or a refused
// connection, moves on to the hinted controller or the next voter until its deadline.
//
// Invariants: 1. a call returns only an answer whose error is not NOT_CONTROLLER, or
// nothing; 2. it makes at most kMaxAttempts attempts and never waits past its deadline.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <vector>

#include "cluster/errors.h"
#include "sim/node_env.h"
#include "sim/rpc.h"

namespace samsa::cluster {

// The error and leader hint a controller answer carries (NOT_CONTROLLER and where to go).
struct ControllerAnswer {
  ErrorCode error = ErrorCode::kNone;
  std::optional<sim::NodeId> leader_hint;
};
// Reads them from any controller response type this channel carries.
ControllerAnswer controller_answer_of(const sim::Message& response);

class ControllerChannel {
 public:
  static constexpr int kMaxAttempts = 64;

  // `attempt_timeout`: how long one attempt waits for its answer; `backoff`: the pause
  // after an attempt that found no active controller.
  ControllerChannel(sim::NodeEnv& env, sim::RpcEndpoint& rpc, std::vector<sim::NodeId> controllers,
                    sim::Duration attempt_timeout, sim::Duration backoff);

  // Where the active controller is believed to be (e.g. the metadata log's leader).
  void hint(sim::NodeId active);
  // A source of hints consulted before each attempt (a broker passes its metadata log's
  // known leader); may return nullopt.
  void set_hint_source(std::function<std::optional<sim::NodeId>()> source);

  // Sends `request` until an active controller answers or `timeout` passes.
  std::optional<sim::MessagePtr> call(const sim::MessagePtr& request, sim::Duration timeout);

 private:
  sim::NodeId target();

  sim::NodeEnv& env_;
  sim::RpcEndpoint& rpc_;
  std::vector<sim::NodeId> controllers_;
  sim::Duration attempt_timeout_;
  sim::Duration backoff_;
  std::optional<sim::NodeId> active_;
  std::size_t next_ = 0;  // the voter tried next when there is no hint
  std::function<std::optional<sim::NodeId>()> hint_source_;
};

}  // namespace samsa::cluster
