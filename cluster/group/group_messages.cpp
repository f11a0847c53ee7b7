#include "cluster/group/group_messages.h"

#include <fmt/format.h>

#include "cluster/message_digest.h"

namespace samsa::cluster {
namespace {

Digest& add_instance(Digest& d, const std::optional<std::string>& instance) {
  return instance ? d.add(true).add(std::string_view(*instance)) : d.add(false);
}

std::string instance_text(const std::optional<std::string>& instance) {
  return instance ? fmt::format(" instance={}", *instance) : std::string();
}

std::string_view error_text(ErrorCode error) { return error_name(error); }

}  // namespace

std::uint64_t FindCoordinatorRequest::digest() const {
  return Digest(kind()).add(std::string_view(key)).add(static_cast<std::uint64_t>(key_type)).value();
}
std::string FindCoordinatorRequest::describe() const {
  return fmt::format("FindCoordinator key={}", key);
}

std::uint64_t FindCoordinatorResponse::digest() const {
  return Digest(kind()).add(error).add(node_id).add(node).value();
}
std::string FindCoordinatorResponse::describe() const {
  return fmt::format("FindCoordinatorResponse {} node_id={}", error_text(error), node_id);
}

std::uint64_t JoinGroupRequest::digest() const {
  Digest d(kind());
  d.add(std::string_view(group_id)).add(static_cast<std::uint64_t>(session_timeout_ms))
      .add(static_cast<std::uint64_t>(rebalance_timeout_ms)).add(std::string_view(member_id));
  add_instance(d, group_instance_id).add(std::string_view(protocol_type)).add(protocols.size());
  for (const JoinGroupProtocol& p : protocols) d.add(std::string_view(p.name)).add(p.metadata);
  return d.value();
}
std::string JoinGroupRequest::describe() const {
  std::string names;
  for (const JoinGroupProtocol& p : protocols) names += (names.empty() ? "" : ",") + p.name;
  return fmt::format("JoinGroup group={} member={}{} protocols={}", group_id, member_id,
                     instance_text(group_instance_id), names);
}

std::uint64_t JoinGroupResponse::digest() const {
  Digest d(kind());
  d.add(error).add(static_cast<std::uint64_t>(generation_id)).add(std::string_view(protocol_name))
      .add(std::string_view(leader)).add(std::string_view(member_id)).add(members.size());
  for (const JoinGroupMember& m : members) {
    d.add(std::string_view(m.member_id));
    add_instance(d, m.group_instance_id).add(m.metadata);
  }
  return d.value();
}
std::string JoinGroupResponse::describe() const {
  return fmt::format("JoinGroupResponse {} generation={} protocol={} leader={} member={} members={}",
                     error_text(error), generation_id, protocol_name, leader, member_id,
                     members.size());
}

std::uint64_t SyncGroupRequest::digest() const {
  Digest d(kind());
  d.add(std::string_view(group_id)).add(static_cast<std::uint64_t>(generation_id))
      .add(std::string_view(member_id));
  add_instance(d, group_instance_id).add(assignments.size());
  for (const SyncGroupAssignment& a : assignments) {
    d.add(std::string_view(a.member_id)).add(a.assignment);
  }
  return d.value();
}
std::string SyncGroupRequest::describe() const {
  return fmt::format("SyncGroup group={} generation={} member={}{} assignments={}", group_id,
                     generation_id, member_id, instance_text(group_instance_id),
                     assignments.size());
}

std::uint64_t SyncGroupResponse::digest() const {
  return Digest(kind()).add(error).add(assignment).value();
}
std::string SyncGroupResponse::describe() const {
  return fmt::format("SyncGroupResponse {} assignment_bytes={}", error_text(error),
                     assignment.size());
}

std::uint64_t HeartbeatRequest::digest() const {
  Digest d(kind());
  d.add(std::string_view(group_id)).add(static_cast<std::uint64_t>(generation_id))
      .add(std::string_view(member_id));
  return add_instance(d, group_instance_id).value();
}
std::string HeartbeatRequest::describe() const {
  return fmt::format("Heartbeat group={} generation={} member={}{}", group_id, generation_id,
                     member_id, instance_text(group_instance_id));
}

std::uint64_t HeartbeatResponse::digest() const { return Digest(kind()).add(error).value(); }
std::string HeartbeatResponse::describe() const {
  return fmt::format("HeartbeatResponse {}", error_text(error));
}

std::uint64_t LeaveGroupRequest::digest() const {
  Digest d(kind());
  d.add(std::string_view(group_id)).add(members.size());
  for (const LeavingMember& m : members) {
    d.add(std::string_view(m.member_id));
    add_instance(d, m.group_instance_id);
  }
  return d.value();
}
std::string LeaveGroupRequest::describe() const {
  std::string ids;
  for (const LeavingMember& m : members) ids += (ids.empty() ? "" : ",") + m.member_id;
  return fmt::format("LeaveGroup group={} members={}", group_id, ids);
}

std::uint64_t LeaveGroupResponse::digest() const {
  Digest d(kind());
  d.add(error).add(member_errors.size());
  for (ErrorCode e : member_errors) d.add(e);
  return d.value();
}
std::string LeaveGroupResponse::describe() const {
  return fmt::format("LeaveGroupResponse {}", error_text(error));
}

std::uint64_t OffsetCommitRequest::digest() const {
  Digest d(kind());
  d.add(std::string_view(group_id)).add(static_cast<std::uint64_t>(generation_id))
      .add(std::string_view(member_id));
  add_instance(d, group_instance_id).add(offsets.size());
  for (const OffsetCommitPartition& p : offsets) {
    d.add(p.tp).add(p.committed_offset).add(p.committed_leader_epoch)
        .add(std::string_view(p.metadata));
  }
  return d.value();
}
std::string OffsetCommitRequest::describe() const {
  std::string parts;
  for (const OffsetCommitPartition& p : offsets) {
    parts += fmt::format("{}{}-{}@{}", parts.empty() ? "" : ",", p.tp.topic, p.tp.partition,
                         p.committed_offset);
  }
  return fmt::format("OffsetCommit group={} generation={} member={} offsets={}", group_id,
                     generation_id, member_id, parts);
}

std::uint64_t OffsetCommitResponse::digest() const {
  Digest d(kind());
  d.add(partitions.size());
  for (const OffsetCommitPartitionResult& p : partitions) d.add(p.tp).add(p.error);
  return d.value();
}
std::string OffsetCommitResponse::describe() const {
  std::string parts;
  for (const OffsetCommitPartitionResult& p : partitions) {
    parts += fmt::format("{}{}-{}:{}", parts.empty() ? "" : ",", p.tp.topic, p.tp.partition,
                         error_text(p.error));
  }
  return fmt::format("OffsetCommitResponse {}", parts);
}

std::uint64_t OffsetFetchRequest::digest() const {
  Digest d(kind());
  d.add(std::string_view(group_id)).add(partitions.size());
  for (const TopicPartition& tp : partitions) d.add(tp);
  return d.add(require_stable).value();
}
std::string OffsetFetchRequest::describe() const {
  return fmt::format("OffsetFetch group={} partitions={}", group_id, partitions.size());
}

std::uint64_t OffsetFetchResponse::digest() const {
  Digest d(kind());
  d.add(error).add(partitions.size());
  for (const OffsetFetchPartition& p : partitions) {
    d.add(p.tp).add(p.committed_offset).add(p.committed_leader_epoch)
        .add(std::string_view(p.metadata)).add(p.error);
  }
  return d.value();
}
std::string OffsetFetchResponse::describe() const {
  return fmt::format("OffsetFetchResponse {} partitions={}", error_text(error), partitions.size());
}

}  // namespace samsa::cluster
