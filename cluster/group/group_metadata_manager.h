// GroupMetadataManager: the group coordinator's storage side, as Kafka's
// GroupMetadataManager: which partitions of the offsets topic this broker leads (in which
// leader epoch) and whether each is loading or loaded, the cache of the groups of loaded
// partitions, loading a partition by replaying its records, and writing group metadata and
// offset commits through OffsetsTopicLog (acks=all). Called from the coordinator's fibers;
// load(), store_group() and store_offsets() block the calling fiber on the log.
// Invariants:
//   1. A group is cached only while its partition is loaded in this coordinator.
//   2. A partition's known leader epoch only grows: an election or resignation for an
//      older epoch is ignored (and an election for the known epoch too).
//   3. Every append and read names the epoch the partition was elected in, so one made
//      after losing the leadership fails (NOT_COORDINATOR) instead of writing under a
//      newer leader.
//   4. A committed offset changes only after its append succeeded.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/group/group_config.h"
#include "cluster/group/group_messages.h"
#include "cluster/group/group_metadata.h"
#include "cluster/group/offsets_topic_log.h"
#include "sim/node_env.h"

namespace samsa::cluster {

// Kafka's offset.metadata.max.bytes default: a longer commit metadata string is refused.
inline constexpr std::size_t kOffsetMetadataMaxBytes = 4096;

enum class OffsetsPartitionState : std::uint8_t { kLoading, kOwned, kNotOwned };

using GroupPtr = std::shared_ptr<GroupMetadata>;

class GroupMetadataManager {
 public:
  GroupMetadataManager(sim::NodeEnv env, const GroupCoordinatorConfig& config,
                       OffsetsTopicLog& log);

  PartitionIndex partition_for(std::string_view group_id) const;
  // NONE while this coordinator serves the group's partition, COORDINATOR_LOAD_IN_PROGRESS
  // while it loads it, NOT_COORDINATOR otherwise.
  ErrorCode partition_status(std::string_view group_id) const;
  // The epoch this coordinator leads `partition` in, while it is loading or loaded.
  std::optional<LeaderEpoch> leader_epoch(PartitionIndex partition) const;
  // The newest epoch this coordinator heard of for `partition`, served or not.
  std::optional<LeaderEpoch> known_epoch(PartitionIndex partition) const;

  // --- Ownership -------------------------------------------------------------------------
  // Elected in `epoch`: true (the partition is now loading) unless the epoch is not newer
  // than the one known.
  bool begin_loading(PartitionIndex partition, LeaderEpoch epoch);
  // Reads and replays the partition. If it is still loading in `epoch` when the read
  // returns, caches its groups, marks it loaded and returns them; an error of the read
  // (or a leadership that moved on meanwhile) leaves nothing cached.
  sim::Result<std::vector<GroupPtr>, ErrorCode> load(PartitionIndex partition, LeaderEpoch epoch);
  // Resigned from `epoch`: unless older than the epoch known, the partition is no longer
  // served and its cached groups are removed and returned (nullopt when ignored).
  std::optional<std::vector<GroupPtr>> remove_groups_for_partition(PartitionIndex partition,
                                                                   LeaderEpoch epoch);
  // Stops serving every partition (the coordinator shuts down); returns the groups.
  std::vector<GroupPtr> remove_all_groups();

  // --- The group cache -------------------------------------------------------------------
  GroupPtr get_group(std::string_view group_id) const;
  // A new Empty group (its partition must be loaded).
  GroupPtr add_group(const std::string& group_id);
  const std::map<std::string, GroupPtr, std::less<>>& groups() const { return groups_; }

  // --- Writes and reads ------------------------------------------------------------------
  // Appends the group's record (members with `assignment`, by member id) and waits for
  // acks=all. Errors as Kafka maps them for SyncGroup: NOT_COORDINATOR when the leadership
  // is lost, COORDINATOR_NOT_AVAILABLE for NOT_ENOUGH_REPLICAS(_AFTER_APPEND) and
  // REQUEST_TIMED_OUT.
  ErrorCode store_group(const GroupMetadata& group, const std::map<std::string, Bytes>& assignment);
  // The two halves of store_group, for a write made later from a snapshot: the group's
  // record now, and its append in `epoch` (the epoch the snapshot was taken in).
  GroupMetadataValue group_record(const GroupMetadata& group,
                                  const std::map<std::string, Bytes>& assignment) const;
  ErrorCode store_group_record(const std::string& group_id, LeaderEpoch epoch,
                               const GroupMetadataValue& record);
  // Appends the commits (acks=all, offsets.commit.timeout.ms) and, if the group is still
  // served afterwards, makes them the committed offsets when the append succeeded. One
  // result per partition, in request order; metadata over kOffsetMetadataMaxBytes is
  // OFFSET_METADATA_TOO_LARGE.
  std::vector<OffsetCommitPartitionResult> store_offsets(
      const GroupPtr& group, const std::vector<OffsetCommitPartition>& offsets);
  // Kafka's getOffsets: every requested partition (all committed ones when none are
  // named), -1 where nothing is committed, UNSTABLE_OFFSET_COMMIT under require_stable
  // while a commit of the partition is pending.
  std::vector<OffsetFetchPartition> get_offsets(std::string_view group_id,
                                                const std::vector<TopicPartition>& partitions,
                                                bool require_stable) const;

 private:
  struct Partition {
    LeaderEpoch epoch;
    OffsetsPartitionState state = OffsetsPartitionState::kNotOwned;
  };

  std::vector<GroupPtr> replay(PartitionIndex partition, const std::vector<Record>& records) const;
  std::vector<GroupPtr> take_groups_of(PartitionIndex partition);

  sim::NodeEnv env_;
  GroupCoordinatorConfig config_;
  OffsetsTopicLog& log_;
  std::map<PartitionIndex, Partition> partitions_;
  std::map<std::string, GroupPtr, std::less<>> groups_;
  std::uint64_t next_commit_id_ = 1;
};

// How Kafka answers an offsets-topic append error: NOT_LEADER_OR_FOLLOWER and
// KAFKA_STORAGE_ERROR become NOT_COORDINATOR; NOT_ENOUGH_REPLICAS(_AFTER_APPEND) and
// UNKNOWN_TOPIC_OR_PARTITION become COORDINATOR_NOT_AVAILABLE, and so does
// REQUEST_TIMED_OUT for a group's record (storeGroup) while an offset commit passes it on
// (storeOffsets); anything else passes unchanged.
enum class OffsetsAppendKind : std::uint8_t { kGroupMetadata, kOffsetCommit };
ErrorCode map_append_error(ErrorCode error, OffsetsAppendKind kind);

}  // namespace samsa::cluster
