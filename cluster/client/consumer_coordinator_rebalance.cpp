// The rebalance that ConsumerCoordinator::poll() drives (Kafka's joinGroupIfNeeded with
// ConsumerCoordinator's onJoinPrepare / onLeaderElected / onJoinComplete): find the
// coordinator, tell the listener what is given up, JoinGroup (KIP-394's MEMBER_ID_REQUIRED
// round first), run the assignor when leading, SyncGroup, install the assignment. JoinGroup
// and SyncGroup run on fibers of their own, so a poll whose deadline passes leaves them
// going and the next poll picks up their answers.
#include <algorithm>
#include <iterator>
#include <set>

#include "cluster/client/consumer_coordinator_state.h"
#include "sim/log.h"

namespace samsa::cluster {
namespace {

// Kafka's JOIN_GROUP_TIMEOUT_LAPSE: the coordinator may hold a JoinGroup for the whole
// rebalance timeout, so the client waits that long and a little more.
constexpr std::int64_t kJoinGroupTimeoutLapseMs = 5'000;

std::vector<TopicPartition> minus(const std::vector<TopicPartition>& a,
                                  const std::vector<TopicPartition>& b) {
  std::vector<TopicPartition> out;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

}  // namespace

bool ConsumerCoordinator::needs_rebalance() const {
  const State& s = *state_;
  if (s.fenced || s.closed || s.subscription.empty()) return false;
  return s.member_state != MemberState::kStable || s.rejoin_needed || s.in_flight.has_value();
}

// One step: collect the answer of the JoinGroup or SyncGroup in flight, or start a join.
// False when nothing more can happen before `deadline`.
bool ConsumerCoordinator::rebalance_step(sim::SimTime deadline) {
  State& s = *state_;
  if (s.in_flight) {
    const std::shared_ptr<sim::Promise<CallResult>> pending = s.in_flight->answer;
    const std::optional<CallResult> answer = pending->wait_until(deadline);
    if (!answer || !s.in_flight || s.in_flight->answer != pending) return false;
    const State::InFlight done = *s.in_flight;
    s.in_flight.reset();
    // Answers to requests from before a reset (or a leave) are stale (state invariant 1).
    if (done.membership_epoch != s.membership_epoch || s.closed || s.fenced) return true;
    if (done.is_join) {
      on_join_group_answer(*answer, deadline);
    } else {
      on_sync_group_answer(*answer, deadline);
    }
    return true;
  }
  if (!s.ensure_coordinator(deadline)) return false;
  prepare_join();
  if (s.fenced || s.closed || s.subscription.empty() || !s.coordinator) return true;
  send_join_group();
  return true;
}

// Kafka's onJoinPrepare. Eager: everything is revoked before JoinGroup (unless
// Bug::kEagerOwnerKeepsFetching keeps it until the new assignment arrives). Cooperative
// (KIP-429): only partitions of topics no longer subscribed are revoked now.
void ConsumerCoordinator::prepare_join() {
  State& s = *state_;
  lose_assignment_if_generation_reset();
  if (!s.needs_join_prepare) return;
  s.needs_join_prepare = false;
  if (s.protocol == RebalanceProtocol::kEager) {
    if (!config_.bugs.on(Bug::kEagerOwnerKeepsFetching)) give_up_assignment();
    return;
  }
  std::vector<TopicPartition> unsubscribed;
  for (const TopicPartition& tp : s.assignment) {
    if (!std::binary_search(s.subscription.begin(), s.subscription.end(), tp.topic)) {
      unsubscribed.push_back(tp);
    }
  }
  if (unsubscribed.empty()) return;
  listener_.on_partitions_revoked(unsubscribed);
  s.assignment = minus(s.assignment, unsubscribed);
}

void ConsumerCoordinator::send_join_group() {
  State& s = *state_;
  const bool cooperative = s.protocol == RebalanceProtocol::kCooperative;
  const std::vector<TopicPartition> owned = cooperative ? s.assignment : std::vector<TopicPartition>{};
  const std::int32_t owned_generation =
      s.assigned_generation ? s.assigned_generation->generation_id : kNoGeneration;
  auto request = std::make_shared<JoinGroupRequest>();
  request->group_id = config_.group_id;
  request->session_timeout_ms = config_.session_timeout_ms;
  request->rebalance_timeout_ms = config_.max_poll_interval_ms;
  request->member_id = s.generation.member_id;
  request->group_instance_id = config_.group_instance_id;
  for (const auto& assignor : config_.assignors) {
    Subscription subscription;
    subscription.topics = s.subscription;
    subscription.user_data = assignor->subscription_user_data(owned, owned_generation);
    subscription.owned_partitions = owned;
    subscription.generation_id = owned_generation;  // KIP-792
    request->protocols.push_back(
        JoinGroupProtocol{std::string(assignor->name()), encode_subscription(subscription)});
  }
  s.member_state = MemberState::kPreparingRebalance;
  s.rejoin_needed = false;
  ++s.stats.joins;
  SAMSA_LOG_INFO("consumer group {} member '{}': JoinGroup", config_.group_id,
                  s.generation.member_id);
  s.start_call(/*is_join=*/true, request,
               std::max<std::int64_t>(config_.request_timeout_ms,
                                      config_.max_poll_interval_ms + kJoinGroupTimeoutLapseMs));
}

// Kafka's JoinGroupResponseHandler.
void ConsumerCoordinator::on_join_group_answer(const CallResult& answer, sim::SimTime deadline) {
  State& s = *state_;
  s.member_state = MemberState::kUnjoined;
  const auto* response = response_as<JoinGroupResponse>(answer);
  const ErrorCode error = response == nullptr ? ErrorCode::kRequestTimedOut : response->error;
  switch (error) {
    case ErrorCode::kNone:
      break;
    case ErrorCode::kMemberIdRequired:  // KIP-394: join again at once with the given id
      s.generation.member_id = response->member_id;
      ++s.membership_epoch;
      return;
    case ErrorCode::kUnknownMemberId:
      s.reset_generation(true, "JoinGroup: UNKNOWN_MEMBER_ID");
      return;
    case ErrorCode::kIllegalGeneration:
      s.reset_generation(false, "JoinGroup: ILLEGAL_GENERATION");
      return;
    case ErrorCode::kRebalanceInProgress:
      return;  // join again at once
    case ErrorCode::kFencedInstanceId:
      s.fence("JoinGroup: FENCED_INSTANCE_ID");
      return;
    case ErrorCode::kRequestTimedOut:
    case ErrorCode::kNotCoordinator:
    case ErrorCode::kCoordinatorNotAvailable:
      s.mark_coordinator_unknown(response == nullptr ? "JoinGroup was not answered"
                                                     : error_name(error));
      s.backoff(deadline);
      return;
    default:  // COORDINATOR_LOAD_IN_PROGRESS, GROUP_MAX_SIZE_REACHED, ...: later
      SAMSA_LOG_INFO("consumer group {}: JoinGroup failed with {}", config_.group_id,
                      error_name(error));
      s.backoff(deadline);
      return;
  }
  s.generation = GroupGeneration{response->generation_id, response->member_id,
                                 response->protocol_name};
  ++s.membership_epoch;
  s.member_state = MemberState::kCompletingRebalance;
  s.last_heartbeat_response = env_.monotonic();  // the heartbeat starts now
  auto request = std::make_shared<SyncGroupRequest>();
  request->group_id = config_.group_id;
  request->generation_id = response->generation_id;
  request->member_id = response->member_id;
  request->group_instance_id = config_.group_instance_id;
  if (response->leader == response->member_id) {
    std::optional<std::vector<SyncGroupAssignment>> assignments = perform_assignment(*response);
    if (!assignments) {
      s.member_state = MemberState::kUnjoined;
      s.backoff(deadline);
      return;
    }
    request->assignments = std::move(*assignments);
  }
  s.start_call(/*is_join=*/false, request, config_.request_timeout_ms);
}

// Kafka's onLeaderElected: the chosen assignor over every member's subscription.
std::optional<std::vector<SyncGroupAssignment>> ConsumerCoordinator::perform_assignment(
    const JoinGroupResponse& response) {
  const auto assignor = std::find_if(
      config_.assignors.begin(), config_.assignors.end(),
      [&](const auto& a) { return a->name() == response.protocol_name; });
  if (assignor == config_.assignors.end()) {
    SAMSA_LOG_ERROR("consumer group {}: the coordinator chose protocol '{}', not ours",
                    config_.group_id, response.protocol_name);
    return std::nullopt;
  }
  std::vector<MemberSubscription> members;
  std::set<std::string> topics;
  for (const JoinGroupMember& member : response.members) {
    auto decoded = decode_subscription(member.metadata);
    if (!decoded.ok()) {
      // Bytes off the network: a member whose subscription cannot be read gets nothing.
      SAMSA_LOG_ERROR("consumer group {}: member {} sent an unreadable subscription",
                      config_.group_id, member.member_id);
      members.push_back(MemberSubscription{member.member_id, member.group_instance_id, {}});
      continue;
    }
    topics.insert(decoded.value().topics.begin(), decoded.value().topics.end());
    members.push_back(
        MemberSubscription{member.member_id, member.group_instance_id, decoded.value()});
  }
  const GroupAssignment assigned =
      (*assignor)->assign(partition_counts_(std::vector<std::string>(topics.begin(), topics.end())),
                          members);
  std::vector<SyncGroupAssignment> out;
  for (const MemberSubscription& member : members) {
    const auto it = assigned.find(member.member_id);
    out.push_back(SyncGroupAssignment{
        member.member_id, encode_assignment(it == assigned.end() ? Assignment{} : it->second)});
  }
  return out;
}

// Kafka's SyncGroupResponseHandler, then onJoinComplete.
void ConsumerCoordinator::on_sync_group_answer(const CallResult& answer, sim::SimTime deadline) {
  State& s = *state_;
  s.member_state = MemberState::kUnjoined;
  const auto* response = response_as<SyncGroupResponse>(answer);
  const ErrorCode error = response == nullptr ? ErrorCode::kRequestTimedOut : response->error;
  switch (error) {
    case ErrorCode::kNone:
      break;
    case ErrorCode::kRebalanceInProgress:
      return;  // join again at once, keeping the generation
    case ErrorCode::kUnknownMemberId:
      s.reset_generation(true, "SyncGroup: UNKNOWN_MEMBER_ID");
      return;
    case ErrorCode::kIllegalGeneration:
      s.reset_generation(false, "SyncGroup: ILLEGAL_GENERATION");
      return;
    case ErrorCode::kFencedInstanceId:
      s.fence("SyncGroup: FENCED_INSTANCE_ID");
      return;
    case ErrorCode::kRequestTimedOut:
    case ErrorCode::kNotCoordinator:
    case ErrorCode::kCoordinatorNotAvailable:
      s.mark_coordinator_unknown(response == nullptr ? "SyncGroup was not answered"
                                                     : error_name(error));
      s.backoff(deadline);
      return;
    default:
      SAMSA_LOG_INFO("consumer group {}: SyncGroup failed with {}", config_.group_id,
                      error_name(error));
      s.backoff(deadline);
      return;
  }
  auto decoded = decode_assignment(response->assignment);
  if (!decoded.ok()) {
    SAMSA_LOG_ERROR("consumer group {}: unreadable assignment in generation {}",
                    config_.group_id, s.generation.generation_id);
    s.backoff(deadline);
    return;
  }
  s.member_state = MemberState::kStable;
  s.needs_join_prepare = true;
  s.last_heartbeat_response = env_.monotonic();
  ++s.stats.rebalances;
  install_assignment(std::move(decoded.value().partitions));
}

// Kafka's onJoinComplete. Invariant 1 of the header: the listener hears what is revoked
// before the assignment is replaced.
void ConsumerCoordinator::install_assignment(std::vector<TopicPartition> assigned) {
  State& s = *state_;
  std::sort(assigned.begin(), assigned.end());
  assigned.erase(std::unique(assigned.begin(), assigned.end()), assigned.end());
  SAMSA_LOG_INFO("consumer group {} member {}: generation {} assigns {} partitions",
                  config_.group_id, s.generation.member_id, s.generation.generation_id,
                  assigned.size());
  if (s.protocol == RebalanceProtocol::kEager) {
    // Only Bug::kEagerOwnerKeepsFetching arrives here still owning something.
    if (!s.assignment.empty()) listener_.on_partitions_revoked(s.assignment);
    s.assignment = assigned;
    s.assigned_generation = s.generation;
    listener_.on_partitions_assigned(assigned);
    return;
  }
  const std::vector<TopicPartition> revoked = minus(s.assignment, assigned);
  const std::vector<TopicPartition> added = minus(assigned, s.assignment);
  if (!revoked.empty()) listener_.on_partitions_revoked(revoked);
  s.assignment = assigned;
  s.assigned_generation = s.generation;
  listener_.on_partitions_assigned(added);
  // KIP-429: the revoked partitions go to their new owners in a second rebalance.
  if (!revoked.empty()) s.request_rejoin("partitions were revoked (KIP-429)");
}

void ConsumerCoordinator::give_up_assignment() {
  State& s = *state_;
  if (s.generation_reset()) {
    lose_assignment_if_generation_reset();
    return;
  }
  // The listener first: its commits still run with the assignment and generation.
  const std::vector<TopicPartition> owned = s.assignment;
  if (!owned.empty()) listener_.on_partitions_revoked(owned);
  s.assignment.clear();
  s.assigned_generation.reset();
}

// Kafka's onJoinPrepare / onLeavePrepare: after a reset of the generation or member id
// the partitions may already belong to another member, so they are lost, not revoked.
void ConsumerCoordinator::lose_assignment_if_generation_reset() {
  State& s = *state_;
  if (!s.generation_reset() || !s.assigned_generation) return;
  const std::vector<TopicPartition> owned = s.assignment;
  if (!owned.empty()) listener_.on_partitions_lost(owned);
  s.assignment.clear();
  s.assigned_generation.reset();
}

}  // namespace samsa::cluster
