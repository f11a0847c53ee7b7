#include "cluster/group/group_coordinator.h"

#include "cluster/group/group_coordinator_core.h"

namespace samsa::cluster {

// Each handler holds its own reference to the core for as long as it runs: a handler
// blocked in a wait may return after the GroupCoordinator was destroyed.

GroupCoordinator::GroupCoordinator(sim::NodeEnv& env, const GroupCoordinatorConfig& config,
                                   OffsetsTopicLog& log, const Bugs& bugs)
    : core_(std::make_shared<GroupCoordinatorCore>(env, config, log, bugs)) {}

GroupCoordinator::~GroupCoordinator() {
  core_->shutdown();
}

void GroupCoordinator::on_elected(PartitionIndex partition, LeaderEpoch leader_epoch) {
  core_->on_elected(partition, leader_epoch);
}

void GroupCoordinator::on_resigned(PartitionIndex partition, LeaderEpoch leader_epoch) {
  core_->on_resigned(partition, leader_epoch);
}

JoinGroupResponse GroupCoordinator::join_group(const JoinGroupRequest& request,
                                               std::string_view client_id) {
  const std::shared_ptr<GroupCoordinatorCore> core = core_;
  return core->join_group(request, client_id);
}

SyncGroupResponse GroupCoordinator::sync_group(const SyncGroupRequest& request) {
  const std::shared_ptr<GroupCoordinatorCore> core = core_;
  return core->sync_group(request);
}

HeartbeatResponse GroupCoordinator::heartbeat(const HeartbeatRequest& request) {
  const std::shared_ptr<GroupCoordinatorCore> core = core_;
  return core->heartbeat(request);
}

LeaveGroupResponse GroupCoordinator::leave_group(const LeaveGroupRequest& request) {
  const std::shared_ptr<GroupCoordinatorCore> core = core_;
  return core->leave_group(request);
}

OffsetCommitResponse GroupCoordinator::offset_commit(const OffsetCommitRequest& request) {
  const std::shared_ptr<GroupCoordinatorCore> core = core_;
  return core->offset_commit(request);
}

OffsetFetchResponse GroupCoordinator::offset_fetch(const OffsetFetchRequest& request) {
  const std::shared_ptr<GroupCoordinatorCore> core = core_;
  return core->offset_fetch(request);
}

const GroupMetadata* GroupCoordinator::group(std::string_view group_id) const {
  return core_->group(group_id);
}

}  // namespace samsa::cluster
