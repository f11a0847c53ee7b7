#include "cluster/broker/controller_channel.h"

#include <algorithm>

#include "cluster/broker/messages.h"
#include "cluster/controller/controller_messages.h"
#include "sim/log.h"

namespace samsa::cluster {

ControllerAnswer controller_answer_of(const sim::Message& response) {
  if (const auto* r = dynamic_cast<const AlterPartitionResponse*>(&response)) {
    return {r->error, std::nullopt};
  }
  if (const auto* r = dynamic_cast<const controller::BrokerRegistrationResponse*>(&response)) {
    return {r->error, r->leader_hint};
  }
  if (const auto* r = dynamic_cast<const controller::BrokerHeartbeatResponse*>(&response)) {
    return {r->error, r->leader_hint};
  }
  if (const auto* r = dynamic_cast<const controller::AllocateProducerIdsResponse*>(&response)) {
    return {r->error, r->leader_hint};
  }
  if (const auto* r = dynamic_cast<const controller::CreateTopicsResponse*>(&response)) {
    // NOT_CONTROLLER answers every topic with it.
    const bool not_controller =
        !r->topics.empty() && r->topics.front().error == ErrorCode::kNotController;
    return {not_controller ? ErrorCode::kNotController : ErrorCode::kNone, r->leader_hint};
  }
  return {};
}

ControllerChannel::ControllerChannel(sim::NodeEnv& env, sim::RpcEndpoint& rpc,
                                     std::vector<sim::NodeId> controllers,
                                     sim::Duration attempt_timeout, sim::Duration backoff)
    : env_(env),
      rpc_(rpc),
      controllers_(std::move(controllers)),
      attempt_timeout_(attempt_timeout),
      backoff_(backoff) {
  SAMSA_ASSERT(!controllers_.empty(), "a controller channel needs the quorum's nodes");
}

void ControllerChannel::hint(sim::NodeId active) {
  if (std::find(controllers_.begin(), controllers_.end(), active) != controllers_.end()) {
    active_ = active;
  }
}

void ControllerChannel::set_hint_source(std::function<std::optional<sim::NodeId>()> source) {
  hint_source_ = std::move(source);
}

sim::NodeId ControllerChannel::target() {
  if (hint_source_) {
    if (std::optional<sim::NodeId> hinted = hint_source_()) hint(*hinted);
  }
  if (active_) return *active_;
  const sim::NodeId next = controllers_[next_ % controllers_.size()];
  next_ = (next_ + 1) % controllers_.size();
  return next;
}

std::optional<sim::MessagePtr> ControllerChannel::call(const sim::MessagePtr& request,
                                                       sim::Duration timeout) {
  const sim::SimTime deadline = env_.deadline_after(timeout);
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    const sim::SimTime now = env_.network().kernel().now();
    if (now >= deadline) break;
    const sim::NodeId to = target();
    const sim::Duration left = deadline - now;
    auto result = rpc_.call(to, request, std::min(attempt_timeout_, left));
    if (result.ok()) {
      const ControllerAnswer answer = controller_answer_of(*result.value());
      if (answer.error != ErrorCode::kNotController) return std::move(result).value();
      active_ = std::nullopt;
      if (answer.leader_hint && *answer.leader_hint != to) {
        hint(*answer.leader_hint);
        continue;  // go straight to the hinted controller
      }
    } else {
      SAMSA_LOG_DEBUG("{} to controller {} failed: {}", request->kind(), to,
                      sim::rpc_error_name(result.error()));
      if (active_ == to) active_ = std::nullopt;
    }
    if (env_.network().kernel().now() + backoff_ >= deadline) break;
    env_.sleep_for(backoff_);
  }
  return std::nullopt;
}

}  // namespace samsa::cluster
