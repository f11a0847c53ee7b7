// GroupCoordinator: the broker's coordinator for consumer groups of the classic protocol
// (Kafka's kafka.coordinator.group.GroupCoordinator), one per broker. It serves the groups
// whose offsets-topic partition this broker leads (partition_for_group), as it was last
// told by on_elected / on_resigned: JoinGroup (KIP-394 member ids, KIP-345 static members,
// group.initial.rebalance.delay.ms), SyncGroup, Heartbeat, LeaveGroup, OffsetCommit and
// OffsetFetch, and it keeps each group's metadata and committed offsets in the offsets
// topic through OffsetsTopicLog, so a new leader of the partition loads them back.
//
// Callers: the broker's request fibers (each handler returns the response and may block
// its fiber: JoinGroup until the rebalance completes, SyncGroup until the leader's
// assignment is stored, OffsetCommit until the append is acknowledged) and the fiber that
// applies metadata (on_elected / on_resigned). Tests and checkers read groups through
// group(). The log must outlive the node's fibers.
//
// Invariants (checked by group_metadata.h and the coordinator's own assertions):
//   1. A group moves only along Kafka's state transitions; its generation only grows.
//   2. A member gets an assignment only from the leader's SyncGroup of its generation,
//      and only after the group's record was appended (acks=all).
//   3. An offset commit is accepted only from a current member in the current generation
//      (or, for a group with no members, from a consumer outside group management), unless
//      Bug::kCommitFromStaleGeneration is on; a committed offset changes only after its
//      append succeeded.
//   4. Every waiting JoinGroup / SyncGroup is answered: by the rebalance, or with an error
//      when its member is removed or fenced, the partition is resigned or the coordinator
//      is destroyed.
#pragma once

#include <memory>
#include <string_view>

#include "cluster/bugs.h"
#include "cluster/group/group_config.h"
#include "cluster/group/group_messages.h"
#include "cluster/group/group_metadata.h"
#include "cluster/group/offsets_topic_log.h"
#include "cluster/types.h"
#include "sim/node_env.h"

namespace samsa::cluster {

class GroupCoordinatorCore;

class GroupCoordinator {
 public:
  GroupCoordinator(sim::NodeEnv& env, const GroupCoordinatorConfig& config, OffsetsTopicLog& log,
                   const Bugs& bugs);
  // Answers every waiting request NOT_COORDINATOR and stops every timer.
  ~GroupCoordinator();
  GroupCoordinator(const GroupCoordinator&) = delete;
  GroupCoordinator& operator=(const GroupCoordinator&) = delete;

  // This broker became leader of offsets partition `partition` in `leader_epoch`: its
  // groups load in a fiber (requests for them get COORDINATOR_LOAD_IN_PROGRESS meanwhile).
  void on_elected(PartitionIndex partition, LeaderEpoch leader_epoch);
  // It stopped leading it: its groups are unloaded, waiting JoinGroup / SyncGroup answers
  // get NOT_COORDINATOR, and so do later requests. Both ignore an epoch older than known.
  void on_resigned(PartitionIndex partition, LeaderEpoch leader_epoch);

  // `client_id` is the request header's client.id, the prefix of new member ids
  // ("<client_id>-<leader epoch>-<n>"; a static member's use its group.instance.id).
  JoinGroupResponse join_group(const JoinGroupRequest& request,
                               std::string_view client_id = "consumer");
  SyncGroupResponse sync_group(const SyncGroupRequest& request);
  HeartbeatResponse heartbeat(const HeartbeatRequest& request);
  LeaveGroupResponse leave_group(const LeaveGroupRequest& request);
  OffsetCommitResponse offset_commit(const OffsetCommitRequest& request);
  OffsetFetchResponse offset_fetch(const OffsetFetchRequest& request);

  // The group as this coordinator holds it now (state, generation, members and their
  // assignments, leader, committed offsets), or null when it does not serve it. Valid
  // until the coordinator next runs.
  const GroupMetadata* group(std::string_view group_id) const;

 private:
  std::shared_ptr<GroupCoordinatorCore> core_;
};

}  // namespace samsa::cluster
