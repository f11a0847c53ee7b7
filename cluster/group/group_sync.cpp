// SyncGroup, Heartbeat and LeaveGroup, after Kafka's GroupCoordinator.handleSyncGroup,
// handleHeartbeat and handleLeaveGroup.
#include <fmt/format.h>

#include "cluster/group/group_coordinator_core.h"
#include "sim/assert.h"
#include "sim/log.h"
#include "sim/sync.h"

namespace samsa::cluster {
namespace {

SyncGroupResponse sync_error(ErrorCode error) {
  SyncGroupResponse response;
  response.error = error;
  return response;
}

}  // namespace

SyncGroupResponse GroupCoordinatorCore::sync_group(const SyncGroupRequest& request) {
  if (const auto error = validate_group_status(request.group_id, Api::kSyncGroup)) {
    // A loading coordinator lost the rebalance in flight: the member rejoins without
    // looking for the coordinator again (Kafka answers REBALANCE_IN_PROGRESS, as old
    // clients do not expect COORDINATOR_LOAD_IN_PROGRESS here).
    return sync_error(
        *error == ErrorCode::kCoordinatorLoadInProgress ? ErrorCode::kRebalanceInProgress : *error);
  }
  const GroupPtr group = groups_.get_group(request.group_id);
  if (!group) return sync_error(ErrorCode::kUnknownMemberId);
  auto answer = std::make_shared<sim::Promise<SyncGroupResponse>>();
  do_sync_group(group, request,
                [answer](const SyncGroupResponse& response) { answer->set(response); });
  return answer->wait();
}

void GroupCoordinatorCore::do_sync_group(const GroupPtr& group, const SyncGroupRequest& request,
                                         const SyncCallback& respond) {
  if (group->is(GroupState::kDead)) return respond(sync_error(ErrorCode::kCoordinatorNotAvailable));
  if (const auto error =
          validate_current_member(*group, request.member_id, request.group_instance_id)) {
    return respond(sync_error(*error));
  }
  if (request.generation_id != group->generation_id())
    return respond(sync_error(ErrorCode::kIllegalGeneration));
  switch (group->state()) {
    case GroupState::kEmpty:
      return respond(sync_error(ErrorCode::kUnknownMemberId));
    case GroupState::kPreparingRebalance:
      return respond(sync_error(ErrorCode::kRebalanceInProgress));
    case GroupState::kCompletingRebalance:
      group->set_sync_callback(request.member_id, respond);
      remove_pending_sync_member(group, request.member_id);
      if (group->is_leader(request.member_id)) store_leader_assignment(group, request);
      return;
    case GroupState::kStable: {
      // The assignment is already out: hand this member its own again.
      remove_pending_sync_member(group, request.member_id);
      SyncGroupResponse response;
      response.assignment = group->get(request.member_id).assignment;
      respond(response);
      return complete_and_schedule_next_heartbeat_expiration(group, request.member_id);
    }
    case GroupState::kDead:
      break;
  }
  SAMSA_ASSERT(false, "a Dead group reached SyncGroup's state switch");
}

// The leader's assignment is stored (acks=all) before anyone sees it; members without
// one get an empty assignment. The append runs in a fiber of its own, as Kafka's storeGroup
// callback runs apart from the request: a rebalance meanwhile answers the leader at once.
// If the append fails the members learn the error and the group rebalances again.
void GroupCoordinatorCore::store_leader_assignment(const GroupPtr& group,
                                                   const SyncGroupRequest& request) {
  const auto epoch = groups_.leader_epoch(groups_.partition_for(group->group_id()));
  SAMSA_ASSERT(epoch.has_value(), "a served group's partition has a leader epoch");
  std::map<std::string, Bytes> assignment;
  for (const auto& [member_id, member] : group->members()) assignment[member_id] = {};
  for (const SyncGroupAssignment& a : request.assignments) {
    if (group->has(a.member_id)) assignment[a.member_id] = a.assignment;
  }
  SAMSA_LOG_DEBUG("group {}: leader {} sent the assignment of generation {}", group->group_id(),
                  request.member_id, group->generation_id());
  GroupMetadataValue record = groups_.group_record(*group, assignment);
  env_.spawn(
      "group-store-assignment",
      [self = shared_from_this(), group, epoch = *epoch, generation_id = group->generation_id(),
       assignment = std::move(assignment), record = std::move(record)] {
        const ErrorCode error = self->groups_.store_group_record(group->group_id(), epoch, record);
        self->on_assignment_stored(group, generation_id, assignment, error);
      });
}

void GroupCoordinatorCore::on_assignment_stored(const GroupPtr& group, std::int32_t generation_id,
                                                const std::map<std::string, Bytes>& assignment,
                                                ErrorCode error) {
  // Another member may have joined (or the group gone) during the append: then this
  // assignment is stale and nothing changes.
  if (!group->is(GroupState::kCompletingRebalance) || group->generation_id() != generation_id)
    return;
  if (error != ErrorCode::kNone) {
    reset_and_propagate_assignment_error(group, error);
    return maybe_prepare_rebalance(group);
  }
  for (const auto& [member_id, bytes] : assignment) group->set_assignment(member_id, bytes);
  propagate_assignment(group, ErrorCode::kNone);
  group->transition_to(GroupState::kStable, now_ms());
}

void GroupCoordinatorCore::propagate_assignment(const GroupPtr& group, ErrorCode error) {
  std::vector<std::string> member_ids;
  for (const auto& [member_id, member] : group->members()) member_ids.push_back(member_id);
  for (const std::string& member_id : member_ids) {
    SyncGroupResponse response;
    response.error = error;
    response.assignment = group->get(member_id).assignment;
    // Its session restarts now: an expiry while it waited for the leader was ignored.
    if (group->maybe_invoke_sync_callback(member_id, response)) {
      complete_and_schedule_next_heartbeat_expiration(group, member_id);
    }
  }
}

void GroupCoordinatorCore::reset_and_propagate_assignment_error(const GroupPtr& group,
                                                                ErrorCode error) {
  SAMSA_ASSERT(group->is(GroupState::kCompletingRebalance),
               "assignment errors belong to CompletingRebalance");
  for (const auto& [member_id, member] : group->members()) group->set_assignment(member_id, {});
  propagate_assignment(group, error);
}

// Kafka's DelayedSync: members that do not send SyncGroup within the rebalance timeout
// are removed, and the group rebalances without them.
void GroupCoordinatorCore::schedule_pending_sync(const GroupPtr& group) {
  const std::int32_t generation_id = group->generation_id();
  DelayedOperation op;
  op.try_complete = [group, generation_id] {
    return group->is(GroupState::kDead) || group->generation_id() != generation_id ||
           group->pending_sync_members().empty();
  };
  op.on_expiration = [weak = weak_from_this(), group, generation_id] {
    if (const auto self = weak.lock()) self->on_expire_pending_sync(group, generation_id);
  };
  delayed_.try_complete_else_watch({DelayedOperationKey::Kind::kSync, group->group_id(), ""},
                                   std::chrono::milliseconds(group->rebalance_timeout_ms()),
                                   std::move(op));
}

void GroupCoordinatorCore::on_expire_pending_sync(const GroupPtr& group,
                                                  std::int32_t generation_id) {
  if (generation_id != group->generation_id()) return;
  if (!group->is(GroupState::kCompletingRebalance) && !group->is(GroupState::kStable)) return;
  const std::vector<std::string> silent(group->pending_sync_members().begin(),
                                        group->pending_sync_members().end());
  for (const std::string& member_id : silent) {
    SAMSA_LOG_DEBUG("group {}: member {} sent no SyncGroup in generation {}", group->group_id(),
                    member_id, generation_id);
    group->remove(member_id);
    delayed_.cancel({DelayedOperationKey::Kind::kMember, group->group_id(), member_id});
  }
  prepare_rebalance(group);
}

void GroupCoordinatorCore::remove_pending_sync_member(const GroupPtr& group,
                                                      const std::string& member_id) {
  group->remove_pending_sync_member(member_id);
  delayed_.check_and_complete({DelayedOperationKey::Kind::kSync, group->group_id(), ""});
}

HeartbeatResponse GroupCoordinatorCore::heartbeat(const HeartbeatRequest& request) {
  HeartbeatResponse response;
  if (const auto error = validate_group_status(request.group_id, Api::kHeartbeat)) {
    // A loading coordinator answers blindly (Kafka): the member keeps its session.
    if (*error != ErrorCode::kCoordinatorLoadInProgress) response.error = *error;
    return response;
  }
  const GroupPtr group = groups_.get_group(request.group_id);
  if (!group) {
    response.error = ErrorCode::kUnknownMemberId;
  } else if (group->is(GroupState::kDead)) {
    response.error = ErrorCode::kCoordinatorNotAvailable;
  } else if (const auto error =
                 validate_current_member(*group, request.member_id, request.group_instance_id)) {
    response.error = *error;
  } else if (request.generation_id != group->generation_id()) {
    response.error = ErrorCode::kIllegalGeneration;
  } else if (group->is(GroupState::kEmpty)) {
    response.error = ErrorCode::kUnknownMemberId;
  } else {
    // Members may heartbeat from their JoinGroup answer on; during a rebalance the answer
    // tells them to rejoin.
    complete_and_schedule_next_heartbeat_expiration(group, request.member_id);
    if (group->is(GroupState::kPreparingRebalance))
      response.error = ErrorCode::kRebalanceInProgress;
  }
  return response;
}

LeaveGroupResponse GroupCoordinatorCore::leave_group(const LeaveGroupRequest& request) {
  LeaveGroupResponse response;
  if (const auto error = validate_group_status(request.group_id, Api::kLeaveGroup)) {
    response.error = *error;
    return response;
  }
  const GroupPtr group = groups_.get_group(request.group_id);
  if (group && group->is(GroupState::kDead)) {
    response.error = ErrorCode::kCoordinatorNotAvailable;
    return response;
  }
  for (const LeavingMember& leaving : request.members) {
    response.member_errors.push_back(group ? leave_one(group, leaving)
                                           : ErrorCode::kUnknownMemberId);
  }
  return response;
}

ErrorCode GroupCoordinatorCore::leave_one(const GroupPtr& group, const LeavingMember& leaving) {
  if (leaving.member_id.empty()) {
    // An administrative removal by group.instance.id (KIP-345).
    const auto current = leaving.group_instance_id
                             ? group->current_static_member_id(*leaving.group_instance_id)
                             : std::nullopt;
    if (!current) return ErrorCode::kUnknownMemberId;
    remove_member_and_update_group(group, *current);
    return ErrorCode::kNone;
  }
  if (group->is_pending_member(leaving.member_id)) {
    remove_pending_member_and_update_group(group, leaving.member_id);
    return ErrorCode::kNone;
  }
  if (const auto error =
          validate_current_member(*group, leaving.member_id, leaving.group_instance_id))
    return *error;
  SAMSA_LOG_DEBUG("group {}: member {} leaves", group->group_id(), leaving.member_id);
  remove_member_and_update_group(group, leaving.member_id);
  return ErrorCode::kNone;
}

}  // namespace samsa::cluster
