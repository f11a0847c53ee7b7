// OffsetCommit and OffsetFetch, after Kafka's GroupCoordinator.handleCommitOffsets and
// handleFetchOffsets: the fencing of commits by member and generation, then the write
// through GroupMetadataManager.
#include "cluster/group/group_coordinator_core.h"
#include "sim/assert.h"
#include "sim/log.h"

namespace samsa::cluster {

OffsetCommitResponse offset_commit_error(const OffsetCommitRequest& request, ErrorCode error) {
  OffsetCommitResponse response;
  for (const OffsetCommitPartition& p : request.offsets)
    response.partitions.push_back({p.tp, error});
  return response;
}

OffsetCommitResponse GroupCoordinatorCore::offset_commit(const OffsetCommitRequest& request) {
  if (const auto error = validate_group_status(request.group_id, Api::kOffsetCommit)) {
    return offset_commit_error(request, *error);
  }
  GroupPtr group = groups_.get_group(request.group_id);
  if (!group) {
    // A consumer outside group management (generation -1) may commit for a group nobody
    // joined; a commit naming a generation of a group unknown here is from the past.
    if (request.generation_id >= 0)
      return offset_commit_error(request, ErrorCode::kIllegalGeneration);
    group = groups_.add_group(request.group_id);
  }
  return do_commit_offsets(group, request);
}

// Kafka's validateOffsetCommit.
std::optional<ErrorCode> GroupCoordinatorCore::validate_offset_commit(
    const GroupMetadata& group, const OffsetCommitRequest& request) const {
  if (group.is(GroupState::kDead)) return ErrorCode::kCoordinatorNotAvailable;
  if (request.generation_id >= 0 || !request.member_id.empty() || request.group_instance_id) {
    if (bugs_.on(Bug::kCommitFromStaleGeneration) && request.generation_id >= 0 &&
        request.generation_id < group.generation_id()) {
      // The bug: a commit from an older generation is taken without fencing, so a member
      // thrown out of the group (a zombie) moves the offsets of partitions it lost.
      SAMSA_LOG_DEBUG("group {}: accepting a commit of member {} from stale generation {} (now {})",
                      group.group_id(), request.member_id, request.generation_id,
                      group.generation_id());
      return std::nullopt;
    }
    if (const auto error =
            validate_current_member(group, request.member_id, request.group_instance_id))
      return error;
    if (request.generation_id != group.generation_id()) return ErrorCode::kIllegalGeneration;
    return std::nullopt;
  }
  // Without member id and generation only a group without members takes commits.
  if (!group.is(GroupState::kEmpty)) return ErrorCode::kUnknownMemberId;
  return std::nullopt;
}

OffsetCommitResponse GroupCoordinatorCore::do_commit_offsets(const GroupPtr& group,
                                                             const OffsetCommitRequest& request) {
  if (const auto error = validate_offset_commit(*group, request))
    return offset_commit_error(request, *error);
  switch (group->state()) {
    case GroupState::kEmpty:
      break;
    case GroupState::kStable:
    case GroupState::kPreparingRebalance:
      // A commit shows the member alive; during PreparingRebalance it still commits what
      // it consumed, and its heartbeat tells it to rejoin. (A stale commit the bug lets
      // through may come from a member long gone.)
      if (group->has(request.member_id)) {
        complete_and_schedule_next_heartbeat_expiration(group, request.member_id);
      }
      break;
    case GroupState::kCompletingRebalance:
      // The member holds the new generation but not yet its assignment.
      return offset_commit_error(request, ErrorCode::kRebalanceInProgress);
    case GroupState::kDead:
      SAMSA_ASSERT(false, "validate_offset_commit lets no Dead group through");
  }
  OffsetCommitResponse response;
  response.partitions = groups_.store_offsets(group, request.offsets);
  return response;
}

OffsetFetchResponse GroupCoordinatorCore::offset_fetch(const OffsetFetchRequest& request) {
  OffsetFetchResponse response;
  if (const auto error = validate_group_status(request.group_id, Api::kOffsetFetch)) {
    response.error = *error;
    return response;
  }
  response.partitions =
      groups_.get_offsets(request.group_id, request.partitions, request.require_stable);
  return response;
}

}  // namespace samsa::cluster
