// GroupCoordinatorCore: the state and logic behind GroupCoordinator (group_coordinator.h),
// shared through a shared_ptr with the fibers it starts (loading, background writes) and
// reached weakly from its timers, so no fiber ever touches it after it is gone. Split by protocol
// step, as Kafka's GroupCoordinator.scala reads: group_coordinator_core.cpp (partition loading and
// unloading, member sessions and removal), group_join.cpp (JoinGroup and the rebalance),
// group_sync.cpp (SyncGroup, Heartbeat, LeaveGroup), group_offsets.cpp (OffsetCommit,
// OffsetFetch).
//
// Concurrency: fibers switch only where they wait, and the only waits are a handler's
// wait for its answer and the offsets-topic appends and reads. After every append the
// code re-checks what it acts on (the group is not Dead, still in the same generation and
// state), as Kafka's callbacks do under the group lock. The leader's assignment is
// appended from a fiber of its own, so a rebalance meanwhile answers the leader at once.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/bugs.h"
#include "cluster/group/delayed_operations.h"
#include "cluster/group/group_config.h"
#include "cluster/group/group_messages.h"
#include "cluster/group/group_metadata.h"
#include "cluster/group/group_metadata_manager.h"
#include "cluster/group/offsets_topic_log.h"
#include "sim/node_env.h"

namespace samsa::cluster {

// Kafka's GroupCoordinator.NewMemberJoinTimeoutMs: a new member that waits longer than
// this in a rebalance is dropped (it cannot heartbeat yet; it retries if still alive).
inline constexpr std::int32_t kNewMemberJoinTimeoutMs = 5 * 60 * 1000;

class GroupCoordinatorCore : public std::enable_shared_from_this<GroupCoordinatorCore> {
 public:
  GroupCoordinatorCore(sim::NodeEnv env, const GroupCoordinatorConfig& config, OffsetsTopicLog& log,
                       const Bugs& bugs);

  void on_elected(PartitionIndex partition, LeaderEpoch epoch);
  void on_resigned(PartitionIndex partition, LeaderEpoch epoch);
  void shutdown();

  JoinGroupResponse join_group(const JoinGroupRequest& request, std::string_view client_id);
  SyncGroupResponse sync_group(const SyncGroupRequest& request);
  HeartbeatResponse heartbeat(const HeartbeatRequest& request);
  LeaveGroupResponse leave_group(const LeaveGroupRequest& request);
  OffsetCommitResponse offset_commit(const OffsetCommitRequest& request);
  OffsetFetchResponse offset_fetch(const OffsetFetchRequest& request);

  const GroupMetadata* group(std::string_view group_id) const {
    return groups_.get_group(group_id).get();
  }

 private:
  enum class Api : std::uint8_t {
    kJoinGroup,
    kSyncGroup,
    kHeartbeat,
    kLeaveGroup,
    kOffsetCommit,
    kOffsetFetch
  };

  // --- group_coordinator_core.cpp ---
  // Kafka's validateGroupStatus: INVALID_GROUP_ID, COORDINATOR_NOT_AVAILABLE (shut down),
  // COORDINATOR_LOAD_IN_PROGRESS or NOT_COORDINATOR; nullopt when the group is served.
  std::optional<ErrorCode> validate_group_status(std::string_view group_id, Api api) const;
  void load_partition(PartitionIndex partition, LeaderEpoch epoch);
  void on_group_loaded(const GroupPtr& group);
  void on_group_unloaded(const GroupPtr& group);
  // Kafka's validateCurrentMember: FENCED_INSTANCE_ID or UNKNOWN_MEMBER_ID, else nullopt.
  std::optional<ErrorCode> validate_current_member(
      const GroupMetadata& group, std::string_view member_id,
      const std::optional<std::string>& instance_id) const;
  void complete_and_schedule_next_heartbeat_expiration(const GroupPtr& group,
                                                       const std::string& member_id);
  void complete_and_schedule_next_expiration(const GroupPtr& group, const std::string& member_id,
                                             std::int32_t timeout_ms);
  void add_pending_member_expiration(const GroupPtr& group, const std::string& member_id,
                                     std::int32_t timeout_ms);
  void on_expire_heartbeat(const GroupPtr& group, const std::string& member_id, bool is_pending);
  void remove_member_and_update_group(const GroupPtr& group, const std::string& member_id);
  void remove_pending_member_and_update_group(const GroupPtr& group, const std::string& member_id);
  std::string generate_member_id(const GroupMetadata& group, std::string_view prefix);
  std::int64_t now_ms() const { return env_.wall_ms(); }

  // --- group_join.cpp ---
  void do_new_member_join(const GroupPtr& group, const JoinGroupRequest& request,
                          std::string_view client_id, const JoinCallback& respond);
  void do_current_member_join(const GroupPtr& group, const JoinGroupRequest& request,
                              std::string_view client_id, const JoinCallback& respond);
  void add_member_and_rebalance(const GroupPtr& group, const JoinGroupRequest& request,
                                const std::string& member_id, std::string_view client_id,
                                const JoinCallback& respond);
  void update_member_and_rebalance(const GroupPtr& group, const JoinGroupRequest& request,
                                   const std::string& member_id, const JoinCallback& respond);
  // What a static member's rejoin replaced, to put back if its record is not stored.
  struct ReplacedStaticMember {
    std::string old_member_id;
    std::string new_member_id;
    std::optional<std::string> leader;
    std::vector<JoinGroupProtocol> protocols;
    std::int32_t rebalance_timeout_ms = 0;
    std::int32_t session_timeout_ms = 0;
  };
  void store_replaced_static_member(const GroupPtr& group, const std::string& instance_id,
                                    const ReplacedStaticMember& replaced,
                                    const JoinCallback& respond);
  void update_static_member_and_rebalance(const GroupPtr& group, const JoinGroupRequest& request,
                                          const std::string& old_member_id,
                                          const std::string& new_member_id,
                                          const JoinCallback& respond);
  JoinGroupResponse current_generation_answer(const GroupMetadata& group,
                                              const std::string& member_id,
                                              bool with_members) const;
  void maybe_prepare_rebalance(const GroupPtr& group);
  void prepare_rebalance(const GroupPtr& group);
  void watch_initial_join(const GroupPtr& group, std::int32_t delay_ms, std::int32_t remaining_ms);
  void watch_join(const GroupPtr& group);
  void check_and_complete_join(const GroupPtr& group);
  void on_complete_join(const GroupPtr& group);
  void store_empty_group(const GroupPtr& group);

  // --- group_sync.cpp ---
  void do_sync_group(const GroupPtr& group, const SyncGroupRequest& request,
                     const SyncCallback& respond);
  void store_leader_assignment(const GroupPtr& group, const SyncGroupRequest& request);
  void on_assignment_stored(const GroupPtr& group, std::int32_t generation_id,
                            const std::map<std::string, Bytes>& assignment, ErrorCode error);
  void propagate_assignment(const GroupPtr& group, ErrorCode error);
  void reset_and_propagate_assignment_error(const GroupPtr& group, ErrorCode error);
  void schedule_pending_sync(const GroupPtr& group);
  void on_expire_pending_sync(const GroupPtr& group, std::int32_t generation_id);
  void remove_pending_sync_member(const GroupPtr& group, const std::string& member_id);
  ErrorCode leave_one(const GroupPtr& group, const LeavingMember& leaving);

  // --- group_offsets.cpp ---
  std::optional<ErrorCode> validate_offset_commit(const GroupMetadata& group,
                                                  const OffsetCommitRequest& request) const;
  OffsetCommitResponse do_commit_offsets(const GroupPtr& group, const OffsetCommitRequest& request);

  sim::NodeEnv env_;
  GroupCoordinatorConfig config_;
  Bugs bugs_;
  GroupMetadataManager groups_;
  DelayedOperations delayed_;
  bool active_ = true;
  std::uint64_t next_member_number_ = 1;
};

// Every partition's result set to `error`, in request order.
OffsetCommitResponse offset_commit_error(const OffsetCommitRequest& request, ErrorCode error);

}  // namespace samsa::cluster
