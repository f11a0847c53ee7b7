#include "cluster/group/group_coordinator_core.h"

#include <fmt/format.h>

#include "sim/assert.h"
#include "sim/log.h"

namespace samsa::cluster {

GroupCoordinatorCore::GroupCoordinatorCore(sim::NodeEnv env, const GroupCoordinatorConfig& config,
                                           OffsetsTopicLog& log, const Bugs& bugs)
    : env_(env), config_(config), bugs_(bugs), groups_(env, config, log), delayed_(env) {
  SAMSA_ASSERT(config_.group_min_session_timeout_ms <= config_.group_max_session_timeout_ms,
               "group.min.session.timeout.ms above group.max.session.timeout.ms");
  SAMSA_ASSERT(config_.group_max_size > 0, "group.max.size must be positive");
}

// --- Partition leadership ----------------------------------------------------------------

void GroupCoordinatorCore::on_elected(PartitionIndex partition, LeaderEpoch epoch) {
  if (!active_) return;
  const auto known = groups_.known_epoch(partition);
  if (known && epoch <= *known) {
    SAMSA_LOG_DEBUG(
        "group coordinator ignores election for offsets partition {} in epoch {} (knows {})",
        partition, epoch, *known);
    return;
  }
  // Elected again in a newer epoch without having resigned: what the older epoch served
  // is reloaded, so every append names the new epoch.
  if (const auto served = groups_.leader_epoch(partition)) on_resigned(partition, *served);
  const bool loading = groups_.begin_loading(partition, epoch);
  SAMSA_ASSERT(loading, "an election newer than the known epoch must start loading");
  SAMSA_LOG_DEBUG("group coordinator loads offsets partition {} in epoch {}", partition, epoch);
  env_.spawn(
      fmt::format("group-load-{}", partition),
      [self = shared_from_this(), partition, epoch] { self->load_partition(partition, epoch); });
}

void GroupCoordinatorCore::load_partition(PartitionIndex partition, LeaderEpoch epoch) {
  auto loaded = groups_.load(partition, epoch);
  if (!loaded) {
    SAMSA_LOG_DEBUG("group coordinator: loading offsets partition {} in epoch {} failed: {}",
                    partition, epoch, error_name(loaded.error()));
    return;
  }
  for (const GroupPtr& group : loaded.value()) on_group_loaded(group);
}

void GroupCoordinatorCore::on_group_loaded(const GroupPtr& group) {
  SAMSA_ASSERT(group->is(GroupState::kStable) || group->is(GroupState::kEmpty),
               fmt::format("group {} loaded in state {}", group->group_id(),
                           group_state_name(group->state())));
  SAMSA_LOG_DEBUG("group {} loaded with generation {} and {} members", group->group_id(),
                  group->generation_id(), group->size());
  if (group->size() > static_cast<std::size_t>(config_.group_max_size)) prepare_rebalance(group);
  // Sessions start anew: nobody heartbeated to this coordinator yet.
  for (const auto& [member_id, member] : group->members()) {
    complete_and_schedule_next_heartbeat_expiration(group, member_id);
  }
}

void GroupCoordinatorCore::on_resigned(PartitionIndex partition, LeaderEpoch epoch) {
  auto removed = groups_.remove_groups_for_partition(partition, epoch);
  if (!removed) {
    SAMSA_LOG_DEBUG(
        "group coordinator ignores resignation from offsets partition {} in old epoch {}",
        partition, epoch);
    return;
  }
  for (const GroupPtr& group : *removed) on_group_unloaded(group);
}

// Kafka's onGroupUnloaded, answering every waiting request (Kafka answers those its state
// implies; the others it leaves to the closed connection).
void GroupCoordinatorCore::on_group_unloaded(const GroupPtr& group) {
  SAMSA_LOG_DEBUG("group {} unloaded in generation {}", group->group_id(), group->generation_id());
  group->transition_to(GroupState::kDead, now_ms());
  for (const auto& [member_id, member] : group->members()) {
    JoinGroupResponse join;
    join.error = ErrorCode::kNotCoordinator;
    join.member_id = member_id;
    group->maybe_invoke_join_callback(member_id, join);
    SyncGroupResponse sync;
    sync.error = ErrorCode::kNotCoordinator;
    group->maybe_invoke_sync_callback(member_id, sync);
    delayed_.cancel({DelayedOperationKey::Kind::kMember, group->group_id(), member_id});
  }
  for (const std::string& member_id : group->pending_members()) {
    delayed_.cancel({DelayedOperationKey::Kind::kMember, group->group_id(), member_id});
  }
  delayed_.cancel({DelayedOperationKey::Kind::kJoin, group->group_id(), ""});
  delayed_.cancel({DelayedOperationKey::Kind::kSync, group->group_id(), ""});
}

void GroupCoordinatorCore::shutdown() {
  if (!active_) return;
  active_ = false;
  for (const GroupPtr& group : groups_.remove_all_groups()) on_group_unloaded(group);
  delayed_.cancel_all();
}

std::optional<ErrorCode> GroupCoordinatorCore::validate_group_status(std::string_view group_id,
                                                                     Api api) const {
  // Offset commits and fetches accept the empty group id, as Kafka does for old clients.
  const bool empty_allowed = api == Api::kOffsetCommit || api == Api::kOffsetFetch;
  if ((group_id.empty() && !empty_allowed) || group_id.size() > kMaxOffsetsRecordStringBytes) {
    return ErrorCode::kInvalidGroupId;
  }
  if (!active_) return ErrorCode::kCoordinatorNotAvailable;
  const ErrorCode status = groups_.partition_status(group_id);
  if (status != ErrorCode::kNone) return status;
  return std::nullopt;
}

// --- Members -----------------------------------------------------------------------------

std::optional<ErrorCode> GroupCoordinatorCore::validate_current_member(
    const GroupMetadata& group, std::string_view member_id,
    const std::optional<std::string>& instance_id) const {
  if (instance_id) {
    const auto current = group.current_static_member_id(*instance_id);
    if (!current) return ErrorCode::kUnknownMemberId;
    if (*current != member_id) return ErrorCode::kFencedInstanceId;
    return std::nullopt;
  }
  if (!group.has(member_id)) return ErrorCode::kUnknownMemberId;
  return std::nullopt;
}

void GroupCoordinatorCore::complete_and_schedule_next_heartbeat_expiration(
    const GroupPtr& group, const std::string& member_id) {
  complete_and_schedule_next_expiration(group, member_id, group->get(member_id).session_timeout_ms);
}

// Kafka's DelayedHeartbeat: replacing the member's operation completes the expectation of
// the last heartbeat; the new one expires after `timeout_ms` unless the member is then in
// a rebalance (which counts as alive) or gone.
void GroupCoordinatorCore::complete_and_schedule_next_expiration(const GroupPtr& group,
                                                                 const std::string& member_id,
                                                                 std::int32_t timeout_ms) {
  DelayedOperation op;
  op.try_complete = [group, member_id] {
    return group->is(GroupState::kDead) || !group->has(member_id) ||
           group->has_satisfied_heartbeat(member_id);
  };
  op.on_expiration = [weak = weak_from_this(), group, member_id] {
    if (const auto self = weak.lock()) self->on_expire_heartbeat(group, member_id, false);
  };
  delayed_.try_complete_else_watch(
      {DelayedOperationKey::Kind::kMember, group->group_id(), member_id},
      std::chrono::milliseconds(timeout_ms), std::move(op));
}

void GroupCoordinatorCore::add_pending_member_expiration(const GroupPtr& group,
                                                         const std::string& member_id,
                                                         std::int32_t timeout_ms) {
  DelayedOperation op;
  op.try_complete = [group, member_id] {
    return group->is(GroupState::kDead) || group->has(member_id);
  };
  op.on_expiration = [weak = weak_from_this(), group, member_id] {
    if (const auto self = weak.lock()) self->on_expire_heartbeat(group, member_id, true);
  };
  delayed_.try_complete_else_watch(
      {DelayedOperationKey::Kind::kMember, group->group_id(), member_id},
      std::chrono::milliseconds(timeout_ms), std::move(op));
}

void GroupCoordinatorCore::on_expire_heartbeat(const GroupPtr& group, const std::string& member_id,
                                               bool is_pending) {
  if (group->is(GroupState::kDead)) return;
  if (is_pending) {
    SAMSA_LOG_DEBUG("group {}: pending member {} expired", group->group_id(), member_id);
    remove_pending_member_and_update_group(group, member_id);
    return;
  }
  if (!group->has(member_id) || group->has_satisfied_heartbeat(member_id)) return;
  SAMSA_LOG_DEBUG("group {}: member {} missed its session timeout, removing it", group->group_id(),
                  member_id);
  remove_member_and_update_group(group, member_id);
}

void GroupCoordinatorCore::remove_member_and_update_group(const GroupPtr& group,
                                                          const std::string& member_id) {
  // A new member may still wait in the rebalance: it learns it is gone and may rejoin.
  JoinGroupResponse gone;
  gone.error = ErrorCode::kUnknownMemberId;
  group->maybe_invoke_join_callback(member_id, gone);
  group->remove(member_id);
  delayed_.cancel({DelayedOperationKey::Kind::kMember, group->group_id(), member_id});
  switch (group->state()) {
    case GroupState::kDead:
    case GroupState::kEmpty:
      break;
    case GroupState::kStable:
    case GroupState::kCompletingRebalance:
      maybe_prepare_rebalance(group);
      break;
    case GroupState::kPreparingRebalance:
      check_and_complete_join(group);
      break;
  }
}

void GroupCoordinatorCore::remove_pending_member_and_update_group(const GroupPtr& group,
                                                                  const std::string& member_id) {
  group->remove_pending_member(member_id);
  delayed_.cancel({DelayedOperationKey::Kind::kMember, group->group_id(), member_id});
  if (group->is(GroupState::kPreparingRebalance)) check_and_complete_join(group);
}

// Kafka draws a UUID; a counter keeps runs reproducible, and the partition's leader epoch
// keeps ids unique across coordinators (each epoch has one).
std::string GroupCoordinatorCore::generate_member_id(const GroupMetadata& group,
                                                     std::string_view prefix) {
  const auto epoch = groups_.leader_epoch(groups_.partition_for(group.group_id()));
  SAMSA_ASSERT(epoch.has_value(), "a member id minted for a group this coordinator does not serve");
  const std::size_t attempts = group.size() + group.pending_members().size() + 1;
  for (std::size_t i = 0; i < attempts; ++i) {
    std::string id = fmt::format("{}-{}-{}", prefix, *epoch, next_member_number_++);
    if (!group.has(id) && !group.is_pending_member(id)) return id;
  }
  SAMSA_ASSERT(false, fmt::format("group {}: no free member id after {} attempts", group.group_id(),
                                  attempts));
  return {};
}

}  // namespace samsa::cluster
