#include "cluster/broker/broker_lifecycle.h"

#include <memory>

#include "cluster/controller/controller_messages.h"
#include "sim/log.h"

namespace samsa::cluster {

using controller::BrokerHeartbeatRequest;
using controller::BrokerHeartbeatResponse;
using controller::BrokerRegistrationRequest;
using controller::BrokerRegistrationResponse;

BrokerLifecycle::BrokerLifecycle(sim::NodeEnv& env, ControllerChannel& controller,
                                 const BrokerConfig& config,
                                 std::function<Offset()> metadata_offset)
    : env_(env),
      controller_(controller),
      config_(config),
      metadata_offset_(std::move(metadata_offset)),
      // A new process, a new incarnation: the controller tells a restart from a retry.
      incarnation_(env.rng().next()) {}

void BrokerLifecycle::start() {
  env_.spawn("broker-lifecycle", [this] { run(); });
}

void BrokerLifecycle::begin_controlled_shutdown() {
  want_shutdown_ = true;
}

void BrokerLifecycle::run() {
  const auto interval = std::chrono::milliseconds(config_.broker_heartbeat_interval_ms);
  for (;;) {  // for the process's life
    if (!broker_epoch_ && !register_once()) {
      env_.sleep_for(interval);
      continue;
    }
    if (!heartbeat_once()) {
      broker_epoch_.reset();
      continue;
    }
    env_.sleep_for(interval);
  }
}

bool BrokerLifecycle::register_once() {
  auto request = std::make_shared<BrokerRegistrationRequest>();
  request->broker_id = config_.broker_id;
  request->node = env_.id();
  request->incarnation = incarnation_;
  const auto answer =
      controller_.call(request, std::chrono::milliseconds(config_.broker_heartbeat_interval_ms));
  if (!answer) return false;
  const auto& response = static_cast<const BrokerRegistrationResponse&>(**answer);
  if (response.error != ErrorCode::kNone) {
    SAMSA_LOG_INFO("broker {} registration refused: {}", config_.broker_id,
                   error_name(response.error));
    return false;
  }
  SAMSA_ASSERT(!broker_epoch_ || response.broker_epoch > *broker_epoch_,
               "a new registration gets a newer broker epoch");
  broker_epoch_ = response.broker_epoch;
  SAMSA_LOG_INFO("broker {} registered with broker epoch {}", config_.broker_id,
                 response.broker_epoch);
  return true;
}

bool BrokerLifecycle::heartbeat_once() {
  auto request = std::make_shared<BrokerHeartbeatRequest>();
  request->broker_id = config_.broker_id;
  request->broker_epoch = *broker_epoch_;
  // KIP-631: the offset of the last record applied (the published end offset - 1).
  request->current_metadata_offset = metadata_offset_().value() - 1;
  request->want_fence = false;
  request->want_shutdown = want_shutdown_;
  const auto answer =
      controller_.call(request, std::chrono::milliseconds(config_.broker_heartbeat_interval_ms));
  if (!answer) return true;  // no controller answered: keep the registration, try again
  const auto& response = static_cast<const BrokerHeartbeatResponse&>(**answer);
  if (response.error == ErrorCode::kStaleBrokerEpoch) {
    SAMSA_LOG_INFO("broker {}: broker epoch {} is stale, registering again", config_.broker_id,
                   *broker_epoch_);
    return false;
  }
  if (response.error != ErrorCode::kNone) return true;
  if (fenced_ != response.is_fenced) {
    SAMSA_LOG_INFO("broker {} is {}", config_.broker_id,
                   response.is_fenced ? "fenced" : "unfenced");
  }
  fenced_ = response.is_fenced;
  if (response.should_shutdown && want_shutdown_ && !shutdown_allowed_) {
    shutdown_allowed_ = true;
    shutdown_allowed_event_->set();
  }
  return true;
}

}  // namespace samsa::cluster
