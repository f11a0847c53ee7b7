// JoinGroup and the rebalance, after Kafka's GroupCoordinator.handleJoinGroup,
// prepareRebalance and onCompleteJoin.
#include <fmt/format.h>

#include <algorithm>

#include "cluster/group/group_coordinator_core.h"
#include "sim/assert.h"
#include "sim/log.h"
#include "sim/sync.h"

namespace samsa::cluster {
namespace {

JoinGroupResponse join_error(ErrorCode error, std::string member_id) {
  JoinGroupResponse response;
  response.error = error;
  response.member_id = std::move(member_id);
  return response;
}

// Kafka's acceptJoiningMember: group.max.size counts the members of the next generation.
bool accept_joining_member(const GroupMetadata& group, std::size_t max_size,
                           std::string_view member_id) {
  switch (group.state()) {
    case GroupState::kEmpty:
    case GroupState::kDead:
      return true;
    case GroupState::kPreparingRebalance:
      return (group.has(member_id) && group.get(member_id).is_awaiting_join()) ||
             group.num_awaiting_join() < max_size;
    case GroupState::kCompletingRebalance:
    case GroupState::kStable:
      return group.has(member_id) || group.size() < max_size;
  }
  return false;
}

// What the group's record would keep of this member fits Kafka's int16 strings, and the
// rebalance timeout is not negative: Kafka's wire format and clients ensure both; here
// requests are objects, so a request no Kafka client can send is refused.
bool fits_group_record(const JoinGroupRequest& request, std::string_view client_id) {
  constexpr std::size_t kMemberIdSuffixBytes = 32;  // "-<leader epoch>-<n>"
  const std::size_t limit = kMaxOffsetsRecordStringBytes;
  const std::size_t prefix =
      request.group_instance_id ? request.group_instance_id->size() : client_id.size();
  const bool protocols_fit =
      std::all_of(request.protocols.begin(), request.protocols.end(),
                  [&](const JoinGroupProtocol& p) { return p.name.size() <= limit; });
  return request.rebalance_timeout_ms >= 0 && protocols_fit && client_id.size() <= limit &&
         request.protocol_type.size() <= limit && prefix + kMemberIdSuffixBytes <= limit;
}

}  // namespace

JoinGroupResponse GroupCoordinatorCore::join_group(const JoinGroupRequest& request,
                                                   std::string_view client_id) {
  if (const auto error = validate_group_status(request.group_id, Api::kJoinGroup)) {
    return join_error(*error, request.member_id);
  }
  if (request.session_timeout_ms < config_.group_min_session_timeout_ms ||
      request.session_timeout_ms > config_.group_max_session_timeout_ms) {
    return join_error(ErrorCode::kInvalidSessionTimeout, request.member_id);
  }
  if (!fits_group_record(request, client_id))
    return join_error(ErrorCode::kInvalidRequest, request.member_id);
  const bool is_unknown_member = request.member_id.empty();
  GroupPtr group = groups_.get_group(request.group_id);
  if (!group) {
    if (!is_unknown_member) return join_error(ErrorCode::kUnknownMemberId, request.member_id);
    group = groups_.add_group(request.group_id);
  }
  auto answer = std::make_shared<sim::Promise<JoinGroupResponse>>();
  const JoinCallback respond = [answer](const JoinGroupResponse& response) {
    answer->set(response);
  };
  if (!accept_joining_member(*group, static_cast<std::size_t>(config_.group_max_size),
                             request.member_id)) {
    // Only a member that waits for nothing is refused (see accept_joining_member).
    group->remove(request.member_id);
    delayed_.cancel({DelayedOperationKey::Kind::kMember, group->group_id(), request.member_id});
    respond(join_error(ErrorCode::kGroupMaxSizeReached, ""));
  } else if (is_unknown_member) {
    do_new_member_join(group, request, client_id, respond);
  } else {
    do_current_member_join(group, request, client_id, respond);
  }
  if (group->is(GroupState::kPreparingRebalance)) check_and_complete_join(group);
  return answer->wait();
}

void GroupCoordinatorCore::do_new_member_join(const GroupPtr& group,
                                              const JoinGroupRequest& request,
                                              std::string_view client_id,
                                              const JoinCallback& respond) {
  if (group->is(GroupState::kDead))
    return respond(join_error(ErrorCode::kCoordinatorNotAvailable, ""));
  if (!group->supports_protocols(request.protocol_type, request.protocols)) {
    return respond(join_error(ErrorCode::kInconsistentGroupProtocol, ""));
  }
  const std::string new_member_id = generate_member_id(
      *group, request.group_instance_id ? std::string_view(*request.group_instance_id) : client_id);
  if (request.group_instance_id) {
    if (const auto old_member_id = group->current_static_member_id(*request.group_instance_id)) {
      return update_static_member_and_rebalance(group, request, *old_member_id, new_member_id,
                                                respond);
    }
    return add_member_and_rebalance(group, request, new_member_id, client_id, respond);
  }
  // KIP-394: a dynamic member first learns its id, and joins with it in a second round.
  group->add_pending_member(new_member_id);
  add_pending_member_expiration(group, new_member_id, request.session_timeout_ms);
  respond(join_error(ErrorCode::kMemberIdRequired, new_member_id));
}

void GroupCoordinatorCore::do_current_member_join(const GroupPtr& group,
                                                  const JoinGroupRequest& request,
                                                  std::string_view client_id,
                                                  const JoinCallback& respond) {
  const std::string& member_id = request.member_id;
  if (group->is(GroupState::kDead))
    return respond(join_error(ErrorCode::kCoordinatorNotAvailable, member_id));
  if (!group->supports_protocols(request.protocol_type, request.protocols)) {
    return respond(join_error(ErrorCode::kInconsistentGroupProtocol, member_id));
  }
  if (group->is_pending_member(member_id)) {
    // Pending members are dynamic; a group.instance.id here is a confused client.
    if (request.group_instance_id)
      return respond(join_error(ErrorCode::kUnknownMemberId, member_id));
    return add_member_and_rebalance(group, request, member_id, client_id, respond);
  }
  if (request.group_instance_id) {
    const auto current = group->current_static_member_id(*request.group_instance_id);
    if (current && *current != member_id)
      return respond(join_error(ErrorCode::kFencedInstanceId, member_id));
    if (!current) return respond(join_error(ErrorCode::kUnknownMemberId, member_id));
  }
  if (!group->has(member_id)) return respond(join_error(ErrorCode::kUnknownMemberId, member_id));
  const bool same_metadata = group->get(member_id).matches(request.protocols);
  switch (group->state()) {
    case GroupState::kPreparingRebalance:
      return update_member_and_rebalance(group, request, member_id, respond);
    case GroupState::kCompletingRebalance:
      // The same metadata: the JoinGroup answer was probably lost; send it again.
      if (same_metadata)
        return respond(current_generation_answer(*group, member_id, group->is_leader(member_id)));
      return update_member_and_rebalance(group, request, member_id, respond);
    case GroupState::kStable:
      // The leader's JoinGroup forces a rebalance (its topics' metadata may have changed);
      // a follower with unchanged metadata just gets the current generation.
      if (group->is_leader(member_id) || !same_metadata) {
        return update_member_and_rebalance(group, request, member_id, respond);
      }
      return respond(current_generation_answer(*group, member_id, false));
    case GroupState::kEmpty:
    case GroupState::kDead:
      return respond(join_error(ErrorCode::kUnknownMemberId, member_id));
  }
}

void GroupCoordinatorCore::add_member_and_rebalance(const GroupPtr& group,
                                                    const JoinGroupRequest& request,
                                                    const std::string& member_id,
                                                    std::string_view client_id,
                                                    const JoinCallback& respond) {
  MemberMetadata member;
  member.member_id = member_id;
  member.group_instance_id = request.group_instance_id;
  member.client_id = std::string(client_id);
  member.rebalance_timeout_ms = request.rebalance_timeout_ms;
  member.session_timeout_ms = request.session_timeout_ms;
  member.protocol_type = request.protocol_type;
  member.supported_protocols = request.protocols;
  member.is_new = true;
  // group.initial.rebalance.delay.ms keeps waiting while members keep arriving.
  if (group->is(GroupState::kPreparingRebalance) && group->generation_id() == 0)
    group->set_new_member_added(true);
  group->add(std::move(member), respond);
  // A new member cannot heartbeat before it has joined; a JoinGroup it gave up on must
  // not leave it in the group forever (it retries if alive).
  complete_and_schedule_next_expiration(group, member_id, kNewMemberJoinTimeoutMs);
  maybe_prepare_rebalance(group);
}

void GroupCoordinatorCore::update_member_and_rebalance(const GroupPtr& group,
                                                       const JoinGroupRequest& request,
                                                       const std::string& member_id,
                                                       const JoinCallback& respond) {
  group->update_member(member_id, request.protocols, request.rebalance_timeout_ms,
                       request.session_timeout_ms, respond);
  maybe_prepare_rebalance(group);
}

// KIP-345: a known static member rejoined with a new member id: it takes the old member's
// place (the old id is fenced). In CompletingRebalance the group rebalances, as the leader
// may have assigned to the old id; in PreparingRebalance the rebalance answers it.
void GroupCoordinatorCore::update_static_member_and_rebalance(const GroupPtr& group,
                                                              const JoinGroupRequest& request,
                                                              const std::string& old_member_id,
                                                              const std::string& new_member_id,
                                                              const JoinCallback& respond) {
  const MemberMetadata& old_member = group->get(old_member_id);
  const ReplacedStaticMember replaced{old_member_id,
                                      new_member_id,
                                      group->leader_id(),
                                      old_member.supported_protocols,
                                      old_member.rebalance_timeout_ms,
                                      old_member.session_timeout_ms};
  group->replace_static_member(*request.group_instance_id, old_member_id, new_member_id);
  delayed_.cancel({DelayedOperationKey::Kind::kMember, group->group_id(), old_member_id});
  complete_and_schedule_next_heartbeat_expiration(group, new_member_id);
  group->update_member(new_member_id, request.protocols, request.rebalance_timeout_ms,
                       request.session_timeout_ms, respond);
  switch (group->state()) {
    case GroupState::kStable:
      if (group->protocol_name() != group->select_protocol()) return maybe_prepare_rebalance(group);
      return store_replaced_static_member(group, *request.group_instance_id, replaced, respond);
    case GroupState::kCompletingRebalance:
      return prepare_rebalance(group);
    case GroupState::kPreparingRebalance:
      return;
    case GroupState::kEmpty:
    case GroupState::kDead:
      SAMSA_ASSERT(false, fmt::format("group {}: a static member rejoined in state {}",
                                      group->group_id(), group_state_name(group->state())));
  }
}

// A Stable group whose chosen protocol stays: no rebalance, the record is rewritten with
// the new member id (Kafka 2.4+). The old leader id is answered even when this member
// led: a Stable group passes no new assignment on, so the member must not compute one.
void GroupCoordinatorCore::store_replaced_static_member(const GroupPtr& group,
                                                        const std::string& instance_id,
                                                        const ReplacedStaticMember& replaced,
                                                        const JoinCallback& respond) {
  std::map<std::string, Bytes> assignment;
  for (const auto& [member_id, member] : group->members())
    assignment[member_id] = member.assignment;
  const ErrorCode error = groups_.store_group(*group, assignment);
  JoinGroupResponse answer = current_generation_answer(*group, replaced.new_member_id, false);
  answer.leader = replaced.leader.value_or("");
  if (error == ErrorCode::kNone) {
    if (group->has(replaced.new_member_id)) {
      group->maybe_invoke_join_callback(replaced.new_member_id, answer);
    }
    return;
  }
  // The new id is not durable: give the old member its place back (unless the group moved
  // on during the append).
  if (!group->is(GroupState::kDead) &&
      group->current_static_member_id(instance_id) == replaced.new_member_id &&
      !group->has(replaced.old_member_id)) {
    group->update_member(replaced.new_member_id, replaced.protocols, replaced.rebalance_timeout_ms,
                         replaced.session_timeout_ms, nullptr);
    group->replace_static_member(instance_id, replaced.new_member_id, replaced.old_member_id);
    delayed_.cancel(
        {DelayedOperationKey::Kind::kMember, group->group_id(), replaced.new_member_id});
    complete_and_schedule_next_heartbeat_expiration(group, replaced.old_member_id);
  }
  answer.error = error;
  answer.member_id.clear();
  respond(answer);
}

JoinGroupResponse GroupCoordinatorCore::current_generation_answer(const GroupMetadata& group,
                                                                  const std::string& member_id,
                                                                  bool with_members) const {
  JoinGroupResponse response;
  response.generation_id = group.generation_id();
  response.protocol_name = group.protocol_name().value_or("");
  response.leader = group.leader_id().value_or("");
  response.member_id = member_id;
  if (with_members) response.members = group.current_member_metadata();
  return response;
}

void GroupCoordinatorCore::maybe_prepare_rebalance(const GroupPtr& group) {
  if (group->can_rebalance()) prepare_rebalance(group);
}

void GroupCoordinatorCore::prepare_rebalance(const GroupPtr& group) {
  // Members waiting for their assignment must rejoin instead.
  if (group->is(GroupState::kCompletingRebalance)) {
    reset_and_propagate_assignment_error(group, ErrorCode::kRebalanceInProgress);
  }
  delayed_.cancel({DelayedOperationKey::Kind::kSync, group->group_id(), ""});
  const bool was_empty = group->is(GroupState::kEmpty);
  group->transition_to(GroupState::kPreparingRebalance, now_ms());
  SAMSA_LOG_DEBUG("group {} prepares a rebalance from generation {}", group->group_id(),
                  group->generation_id());
  if (was_empty) {
    const std::int32_t delay_ms = config_.group_initial_rebalance_delay_ms;
    watch_initial_join(group, delay_ms, std::max(group->rebalance_timeout_ms() - delay_ms, 0));
  } else {
    watch_join(group);
  }
}

// Kafka's InitialDelayedJoin: completes only by expiring; while new members keep
// arriving it waits again, up to the rebalance timeout in all.
void GroupCoordinatorCore::watch_initial_join(const GroupPtr& group, std::int32_t delay_ms,
                                              std::int32_t remaining_ms) {
  DelayedOperation op;
  op.on_complete = [weak = weak_from_this(), group, delay_ms, remaining_ms] {
    const auto self = weak.lock();
    if (!self) return;
    if (group->new_member_added() && remaining_ms != 0) {
      group->set_new_member_added(false);
      const std::int32_t delay =
          std::min(self->config_.group_initial_rebalance_delay_ms, remaining_ms);
      self->watch_initial_join(group, delay, std::max(remaining_ms - delay_ms, 0));
    } else {
      self->on_complete_join(group);
    }
  };
  delayed_.try_complete_else_watch({DelayedOperationKey::Kind::kJoin, group->group_id(), ""},
                                   std::chrono::milliseconds(delay_ms), std::move(op));
}

// Kafka's DelayedJoin: completes once every known member rejoined, or when the largest
// rebalance timeout of the members expires.
void GroupCoordinatorCore::watch_join(const GroupPtr& group) {
  DelayedOperation op;
  op.try_complete = [group] { return group->has_all_members_joined(); };
  op.on_complete = [weak = weak_from_this(), group] {
    if (const auto self = weak.lock()) self->on_complete_join(group);
  };
  delayed_.try_complete_else_watch({DelayedOperationKey::Kind::kJoin, group->group_id(), ""},
                                   std::chrono::milliseconds(group->rebalance_timeout_ms()),
                                   std::move(op));
}

void GroupCoordinatorCore::check_and_complete_join(const GroupPtr& group) {
  delayed_.check_and_complete({DelayedOperationKey::Kind::kJoin, group->group_id(), ""});
}

void GroupCoordinatorCore::on_complete_join(const GroupPtr& group) {
  // Dynamic members that did not rejoin in time are gone; static ones stay until their
  // session expires (KIP-345).
  for (const std::string& member_id : group->not_yet_rejoined_members()) {
    if (group->get(member_id).is_static()) continue;
    SAMSA_LOG_DEBUG("group {}: member {} did not rejoin in time", group->group_id(), member_id);
    group->remove(member_id);
    delayed_.cancel({DelayedOperationKey::Kind::kMember, group->group_id(), member_id});
  }
  if (group->is(GroupState::kDead)) return;
  if (!group->maybe_elect_new_joined_leader() && group->size() > 0) {
    // Nobody rejoined: wait again, until the sessions of the silent ones expire.
    return watch_join(group);
  }
  group->init_next_generation(now_ms());
  if (group->is(GroupState::kEmpty)) return store_empty_group(group);
  SAMSA_LOG_DEBUG("group {} is in generation {} with {} members, leader {}", group->group_id(),
                  group->generation_id(), group->size(), group->leader_id().value_or(""));
  std::vector<std::string> member_ids;
  for (const auto& [member_id, member] : group->members()) member_ids.push_back(member_id);
  for (const std::string& member_id : member_ids) {
    group->maybe_invoke_join_callback(
        member_id, current_generation_answer(*group, member_id, group->is_leader(member_id)));
    complete_and_schedule_next_heartbeat_expiration(group, member_id);
    group->set_new(member_id, false);
    group->add_pending_sync_member(member_id);
  }
  schedule_pending_sync(group);
}

// An Empty generation is written in the background: nobody waits for it, and a failure
// only means the previous generation comes back after a failover (its members are gone
// and will time out), as Kafka accepts.
void GroupCoordinatorCore::store_empty_group(const GroupPtr& group) {
  const auto epoch = groups_.leader_epoch(groups_.partition_for(group->group_id()));
  if (!epoch) return;
  GroupMetadataValue record = groups_.group_record(*group, {});
  env_.spawn("group-store-empty", [self = shared_from_this(), group_id = group->group_id(),
                                   epoch = *epoch, record = std::move(record)] {
    const ErrorCode error = self->groups_.store_group_record(group_id, epoch, record);
    if (error != ErrorCode::kNone) {
      SAMSA_LOG_DEBUG("group {}: the empty generation {} was not stored: {}", group_id,
                      record.generation, error_name(error));
    }
  });
}

}  // namespace samsa::cluster
