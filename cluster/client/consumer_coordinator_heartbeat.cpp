// The heartbeat fiber of a ConsumerCoordinator (Kafka's AbstractCoordinator.HeartbeatThread):
// while the member is in a generation it heartbeats every heartbeat.interval.ms, notices
// a rebalance (REBALANCE_IN_PROGRESS), a lost membership (ILLEGAL_GENERATION,
// UNKNOWN_MEMBER_ID, an expired session) and a consumer that stopped polling
// (max.poll.interval.ms). It only marks what poll() must do; it never calls the listener.
#include <algorithm>

#include "cluster/client/consumer_coordinator_state.h"
#include "sim/log.h"

namespace samsa::cluster {

void ConsumerCoordinator::State::heartbeat_loop() {
  sim::SimTime next = after_ms(config.heartbeat_interval_ms);
  for (;;) {  // until close or fencing; bounded by the run's limits like every node's loop
    wake.wait_until(next);
    wake.reset();
    if (closed || fenced) return;
    next = after_ms(config.heartbeat_interval_ms);
    if (!in_generation()) {
      // Kafka enables the heartbeat (and restarts its session timer) on joining.
      last_heartbeat_response = env->monotonic();
      continue;
    }
    if (ms_since(last_poll) > config.max_poll_interval_ms) {
      SAMSA_LOG_WARN("consumer group {} member {}: consumer poll timeout has expired",
                     config.group_id, generation.member_id);
      leave_group("consumer poll timeout has expired", after_ms(config.request_timeout_ms));
      continue;
    }
    if (ms_since(last_heartbeat_response) > config.session_timeout_ms) {
      // The coordinator has expired the member by now: its partitions are lost.
      mark_coordinator_unknown("session timed out without a heartbeat response");
      reset_generation(true, "session timed out without a heartbeat response");
      continue;
    }
    if (!ensure_coordinator(after_ms(config.heartbeat_interval_ms)) || !send_heartbeat()) {
      next = after_ms(config.retry_backoff_ms);
    }
  }
}

bool ConsumerCoordinator::State::send_heartbeat() {
  auto request = std::make_shared<HeartbeatRequest>();
  request->group_id = config.group_id;
  request->generation_id = generation.generation_id;
  request->member_id = generation.member_id;
  request->group_instance_id = config.group_instance_id;
  const std::uint64_t epoch = membership_epoch;
  ++stats.heartbeats;
  // At most half a session, so that a lost heartbeat leaves time for another one.
  const std::int64_t timeout_ms =
      std::min<std::int64_t>(config.request_timeout_ms, config.session_timeout_ms / 2);
  const CallResult answer = call(*coordinator, request, timeout_ms, sim::kSimTimeMax);
  if (closed || epoch != membership_epoch) return true;  // the answer is stale
  const auto* response = response_as<HeartbeatResponse>(answer);
  if (response == nullptr) {
    mark_coordinator_unknown("heartbeat was not answered");
    return false;
  }
  switch (response->error) {
    case ErrorCode::kNone:
      last_heartbeat_response = env->monotonic();
      return true;
    case ErrorCode::kRebalanceInProgress:
      last_heartbeat_response = env->monotonic();
      request_rejoin("heartbeat: REBALANCE_IN_PROGRESS");
      return true;
    case ErrorCode::kIllegalGeneration:
      reset_generation(false, "heartbeat: ILLEGAL_GENERATION");
      return true;
    case ErrorCode::kUnknownMemberId:
      reset_generation(true, "heartbeat: UNKNOWN_MEMBER_ID");
      return true;
    case ErrorCode::kFencedInstanceId:
      fence("heartbeat: FENCED_INSTANCE_ID");
      return true;
    case ErrorCode::kNotCoordinator:
    case ErrorCode::kCoordinatorNotAvailable:
      mark_coordinator_unknown(error_name(response->error));
      return false;
    default:
      SAMSA_LOG_INFO("consumer group {} member {}: heartbeat failed with {}", config.group_id,
                      generation.member_id, error_name(response->error));
      return false;
  }
}

}  // namespace samsa::cluster
