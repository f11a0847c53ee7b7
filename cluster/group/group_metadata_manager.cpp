#include "cluster/group/group_metadata_manager.h"

#include <fmt/format.h>

#include "cluster/group/offsets_records.h"
#include "sim/assert.h"
#include "sim/log.h"

namespace samsa::cluster {

ErrorCode map_append_error(ErrorCode error, OffsetsAppendKind kind) {
  switch (error) {
    case ErrorCode::kNotLeaderOrFollower:
    case ErrorCode::kKafkaStorageError:
      return ErrorCode::kNotCoordinator;
    case ErrorCode::kUnknownTopicOrPartition:
    case ErrorCode::kNotEnoughReplicas:
    case ErrorCode::kNotEnoughReplicasAfterAppend:
      return ErrorCode::kCoordinatorNotAvailable;
    case ErrorCode::kRequestTimedOut:
      return kind == OffsetsAppendKind::kGroupMetadata ? ErrorCode::kCoordinatorNotAvailable
                                                       : error;
    default:
      return error;
  }
}

GroupMetadataManager::GroupMetadataManager(sim::NodeEnv env, const GroupCoordinatorConfig& config,
                                           OffsetsTopicLog& log)
    : env_(env), config_(config), log_(log) {
  SAMSA_ASSERT(config_.offsets_topic_num_partitions > 0,
               "offsets.topic.num.partitions must be positive");
}

PartitionIndex GroupMetadataManager::partition_for(std::string_view group_id) const {
  return partition_for_group(group_id, config_.offsets_topic_num_partitions);
}

ErrorCode GroupMetadataManager::partition_status(std::string_view group_id) const {
  const auto it = partitions_.find(partition_for(group_id));
  if (it == partitions_.end()) return ErrorCode::kNotCoordinator;
  switch (it->second.state) {
    case OffsetsPartitionState::kOwned:
      return ErrorCode::kNone;
    case OffsetsPartitionState::kLoading:
      return ErrorCode::kCoordinatorLoadInProgress;
    case OffsetsPartitionState::kNotOwned:
      return ErrorCode::kNotCoordinator;
  }
  return ErrorCode::kNotCoordinator;
}

std::optional<LeaderEpoch> GroupMetadataManager::leader_epoch(PartitionIndex partition) const {
  const auto it = partitions_.find(partition);
  if (it == partitions_.end() || it->second.state == OffsetsPartitionState::kNotOwned)
    return std::nullopt;
  return it->second.epoch;
}

std::optional<LeaderEpoch> GroupMetadataManager::known_epoch(PartitionIndex partition) const {
  const auto it = partitions_.find(partition);
  if (it == partitions_.end()) return std::nullopt;
  return it->second.epoch;
}

bool GroupMetadataManager::begin_loading(PartitionIndex partition, LeaderEpoch epoch) {
  const auto it = partitions_.find(partition);
  if (it != partitions_.end() && epoch <= it->second.epoch) return false;
  // The caller unloads what an older epoch left (remove_groups_for_partition) first.
  for (const auto& [group_id, group] : groups_) {
    SAMSA_ASSERT(partition_for(group_id) != partition,
                 "loading a partition whose groups are still cached");
  }
  partitions_[partition] = Partition{epoch, OffsetsPartitionState::kLoading};
  return true;
}

sim::Result<std::vector<GroupPtr>, ErrorCode> GroupMetadataManager::load(PartitionIndex partition,
                                                                         LeaderEpoch epoch) {
  auto records = log_.read_all(partition, epoch);
  const auto it = partitions_.find(partition);
  const bool still_loading = it != partitions_.end() && it->second.epoch == epoch &&
                             it->second.state == OffsetsPartitionState::kLoading;
  if (!still_loading) return sim::Err(ErrorCode::kNotCoordinator);
  if (!records) {
    // Kafka would mark the partition owned with whatever it loaded; serving a group
    // without its offsets would rewind its consumers, so this coordinator stops serving
    // the partition instead (clients look for the coordinator again).
    it->second.state = OffsetsPartitionState::kNotOwned;
    return sim::Err(records.error());
  }
  std::vector<GroupPtr> loaded = replay(partition, records.value());
  for (const GroupPtr& group : loaded) {
    SAMSA_ASSERT(!groups_.contains(group->group_id()), "a group loaded while already cached");
    groups_.emplace(group->group_id(), group);
  }
  it->second.state = OffsetsPartitionState::kOwned;
  return loaded;
}

// Last value per key wins, tombstones delete (what compaction would keep); a group with
// offsets but no metadata record comes back Empty (Kafka's emptyGroupOffsets).
std::vector<GroupPtr> GroupMetadataManager::replay(PartitionIndex partition,
                                                   const std::vector<Record>& records) const {
  std::map<std::string, std::map<TopicPartition, OffsetCommitValue>> offsets;
  std::map<std::string, std::optional<GroupMetadataValue>> metadata;
  for (const Record& record : records) {
    auto decoded = decode_offsets_record(record);
    SAMSA_ASSERT(
        decoded.ok(),
        fmt::format("offsets partition {} offset {}: a record that does not decode ({})", partition,
                    record.offset, decoded.ok() ? "" : offsets_record_error_name(decoded.error())));
    OffsetsRecord& r = decoded.value();
    if (const auto* key = std::get_if<OffsetCommitKey>(&r.key)) {
      const TopicPartition tp{key->topic, key->partition};
      if (r.value) {
        offsets[key->group][tp] = std::get<OffsetCommitValue>(*r.value);
      } else if (auto group = offsets.find(key->group); group != offsets.end()) {
        group->second.erase(tp);
        if (group->second.empty()) offsets.erase(group);
      }
    } else {
      const std::string& group_id = std::get<GroupMetadataKey>(r.key).group;
      metadata[group_id] =
          r.value ? std::optional(std::get<GroupMetadataValue>(*r.value)) : std::nullopt;
    }
  }
  std::map<std::string, GroupPtr> groups;
  for (const auto& [group_id, value] : metadata) {
    if (value)
      groups.emplace(group_id,
                     std::make_shared<GroupMetadata>(GroupMetadata::loaded(group_id, *value)));
  }
  for (const auto& [group_id, group_offsets] : offsets) {
    auto [it, added] = groups.try_emplace(group_id);
    if (added) it->second = std::make_shared<GroupMetadata>(group_id, env_.wall_ms());
    for (const auto& [tp, value] : group_offsets) it->second->load_offset(tp, value);
  }
  std::vector<GroupPtr> result;
  for (auto& [group_id, group] : groups) {
    SAMSA_ASSERT(
        partition_for(group_id) == partition,
        fmt::format("group {} found in offsets partition {}, not its own", group_id, partition));
    result.push_back(std::move(group));
  }
  return result;
}

std::vector<GroupPtr> GroupMetadataManager::take_groups_of(PartitionIndex partition) {
  std::vector<GroupPtr> removed;
  for (auto it = groups_.begin(); it != groups_.end();) {
    if (partition_for(it->first) == partition) {
      removed.push_back(std::move(it->second));
      it = groups_.erase(it);
    } else {
      ++it;
    }
  }
  return removed;
}

std::optional<std::vector<GroupPtr>> GroupMetadataManager::remove_groups_for_partition(
    PartitionIndex partition, LeaderEpoch epoch) {
  const auto it = partitions_.find(partition);
  if (it != partitions_.end() && epoch < it->second.epoch) return std::nullopt;
  partitions_[partition] = Partition{epoch, OffsetsPartitionState::kNotOwned};
  return take_groups_of(partition);
}

std::vector<GroupPtr> GroupMetadataManager::remove_all_groups() {
  for (auto& [partition, state] : partitions_) state.state = OffsetsPartitionState::kNotOwned;
  std::vector<GroupPtr> removed;
  for (auto& [group_id, group] : groups_) removed.push_back(std::move(group));
  groups_.clear();
  return removed;
}

GroupPtr GroupMetadataManager::get_group(std::string_view group_id) const {
  const auto it = groups_.find(group_id);
  return it == groups_.end() ? nullptr : it->second;
}

GroupPtr GroupMetadataManager::add_group(const std::string& group_id) {
  SAMSA_ASSERT(partition_status(group_id) == ErrorCode::kNone,
               fmt::format("group {} added while its partition is not served", group_id));
  auto [it, added] = groups_.try_emplace(group_id);
  SAMSA_ASSERT(added, fmt::format("group {} added twice", group_id));
  it->second = std::make_shared<GroupMetadata>(group_id, env_.wall_ms());
  return it->second;
}

ErrorCode GroupMetadataManager::store_group(const GroupMetadata& group,
                                            const std::map<std::string, Bytes>& assignment) {
  const auto epoch = leader_epoch(partition_for(group.group_id()));
  if (!epoch) return ErrorCode::kNotCoordinator;
  return store_group_record(group.group_id(), *epoch, group_record(group, assignment));
}

GroupMetadataValue GroupMetadataManager::group_record(
    const GroupMetadata& group, const std::map<std::string, Bytes>& assignment) const {
  GroupMetadataValue value;
  value.protocol_type = group.protocol_type().value_or("");
  value.generation = group.generation_id();
  value.protocol = group.protocol_name();
  value.leader = group.leader_id();
  value.current_state_timestamp_ms = group.current_state_timestamp_ms();
  for (const auto& [member_id, member] : group.members()) {
    SAMSA_ASSERT(group.protocol_name().has_value(), "a group record with members but no protocol");
    const Bytes* subscription = member.metadata(*group.protocol_name());
    SAMSA_ASSERT(subscription != nullptr, "a member without the group's protocol");
    const auto assigned = assignment.find(member_id);
    value.members.push_back(
        GroupMemberValue{member_id, member.group_instance_id, member.client_id,
                         member.rebalance_timeout_ms, member.session_timeout_ms, *subscription,
                         assigned == assignment.end() ? Bytes{} : assigned->second});
  }
  return value;
}

ErrorCode GroupMetadataManager::store_group_record(const std::string& group_id, LeaderEpoch epoch,
                                                   const GroupMetadataValue& record) {
  const OffsetsRecord entry{GroupMetadataKey{group_id}, record};
  const ErrorCode error =
      log_.append(partition_for(group_id), epoch, {make_offsets_record(entry, env_.wall_ms())},
                  std::chrono::milliseconds(config_.offsets_commit_timeout_ms));
  if (error != ErrorCode::kNone) {
    SAMSA_LOG_DEBUG("group {}: storing generation {} failed: {}", group_id, record.generation,
                    error_name(error));
  }
  return map_append_error(error, OffsetsAppendKind::kGroupMetadata);
}

std::vector<OffsetCommitPartitionResult> GroupMetadataManager::store_offsets(
    const GroupPtr& group, const std::vector<OffsetCommitPartition>& offsets) {
  std::vector<OffsetCommitPartitionResult> results;
  std::vector<std::size_t> written;  // indexes into `offsets`
  std::vector<std::uint64_t> commit_ids;
  std::vector<RecordInput> records;
  const std::int64_t now_ms = env_.wall_ms();
  const PartitionIndex partition = partition_for(group->group_id());
  const auto epoch = leader_epoch(partition);
  for (std::size_t i = 0; i < offsets.size(); ++i) {
    const OffsetCommitPartition& p = offsets[i];
    results.push_back({p.tp, ErrorCode::kNone});
    if (!epoch) {
      results.back().error = ErrorCode::kNotCoordinator;
    } else if (p.metadata.size() > kOffsetMetadataMaxBytes) {
      results.back().error = ErrorCode::kOffsetMetadataTooLarge;
    } else if (p.tp.topic.size() > kMaxOffsetsRecordStringBytes || p.tp.partition.value() < 0) {
      results.back().error = ErrorCode::kInvalidTopicException;
    } else {
      written.push_back(i);
      commit_ids.push_back(next_commit_id_++);
      group->prepare_offset_commit(p.tp, commit_ids.back());
      const OffsetCommitValue value{p.committed_offset, p.committed_leader_epoch, p.metadata,
                                    now_ms};
      records.push_back(make_offsets_record(
          OffsetsRecord{OffsetCommitKey{group->group_id(), p.tp.topic, p.tp.partition}, value},
          now_ms));
    }
  }
  if (records.empty()) return results;
  const ErrorCode error = log_.append(partition, *epoch, std::move(records),
                                      std::chrono::milliseconds(config_.offsets_commit_timeout_ms));
  for (std::size_t k = 0; k < written.size(); ++k) {
    const OffsetCommitPartition& p = offsets[written[k]];
    if (!group->is(GroupState::kDead)) {  // an unloaded group's commits are the next leader's
      if (error == ErrorCode::kNone) {
        group->on_offset_commit_append(
            p.tp, commit_ids[k],
            OffsetCommitValue{p.committed_offset, p.committed_leader_epoch, p.metadata, now_ms});
      } else {
        group->fail_pending_offset_write(p.tp, commit_ids[k]);
      }
    }
    results[written[k]].error = map_append_error(error, OffsetsAppendKind::kOffsetCommit);
  }
  return results;
}

std::vector<OffsetFetchPartition> GroupMetadataManager::get_offsets(
    std::string_view group_id, const std::vector<TopicPartition>& partitions,
    bool require_stable) const {
  const GroupPtr group = get_group(group_id);
  std::vector<TopicPartition> wanted = partitions;
  if (wanted.empty() && group) {
    for (const auto& [tp, committed] : group->offsets()) wanted.push_back(tp);
  }
  std::vector<OffsetFetchPartition> result;
  for (const TopicPartition& tp : wanted) {
    OffsetFetchPartition p;
    p.tp = tp;
    if (group && !group->is(GroupState::kDead)) {
      if (require_stable && group->has_pending_offset_commit(tp)) {
        p.error = ErrorCode::kUnstableOffsetCommit;
      } else if (const auto committed = group->offset(tp)) {
        p.committed_offset = committed->offset;
        p.committed_leader_epoch = committed->leader_epoch;
        p.metadata = committed->metadata;
      }
    }
    result.push_back(std::move(p));
  }
  return result;
}

}  // namespace samsa::cluster
