#include "cluster/group/group_metadata.h"

#include <fmt/format.h>

#include <algorithm>

#include "sim/assert.h"

namespace samsa::cluster {

std::string_view group_state_name(GroupState state) {
  switch (state) {
    case GroupState::kEmpty:
      return "Empty";
    case GroupState::kPreparingRebalance:
      return "PreparingRebalance";
    case GroupState::kCompletingRebalance:
      return "CompletingRebalance";
    case GroupState::kStable:
      return "Stable";
    case GroupState::kDead:
      return "Dead";
  }
  return "Unknown";
}

// Kafka's GroupState.validPreviousStates, read the other way round.
bool is_valid_transition(GroupState from, GroupState to) {
  switch (to) {
    case GroupState::kDead:
      return true;
    case GroupState::kPreparingRebalance:
      return from == GroupState::kStable || from == GroupState::kCompletingRebalance ||
             from == GroupState::kEmpty;
    case GroupState::kCompletingRebalance:
      return from == GroupState::kPreparingRebalance;
    case GroupState::kStable:
      return from == GroupState::kCompletingRebalance;
    case GroupState::kEmpty:
      return from == GroupState::kPreparingRebalance;
  }
  return false;
}

const Bytes* MemberMetadata::metadata(std::string_view protocol) const {
  for (const JoinGroupProtocol& p : supported_protocols) {
    if (p.name == protocol) return &p.metadata;
  }
  return nullptr;
}

bool MemberMetadata::matches(const std::vector<JoinGroupProtocol>& protocols) const {
  if (protocols.size() != supported_protocols.size()) return false;
  for (std::size_t i = 0; i < protocols.size(); ++i) {
    if (protocols[i].name != supported_protocols[i].name ||
        protocols[i].metadata != supported_protocols[i].metadata) {
      return false;
    }
  }
  return true;
}

GroupMetadata::GroupMetadata(std::string group_id, std::int64_t now_ms)
    : group_id_(std::move(group_id)), current_state_timestamp_ms_(now_ms) {}

GroupMetadata GroupMetadata::loaded(std::string group_id, const GroupMetadataValue& record) {
  GroupMetadata group(std::move(group_id), record.current_state_timestamp_ms);
  group.generation_id_ = record.generation;
  if (!record.protocol_type.empty()) group.protocol_type_ = record.protocol_type;
  group.protocol_name_ = record.protocol;
  group.leader_id_ = record.leader;
  for (const GroupMemberValue& value : record.members) {
    SAMSA_ASSERT(record.protocol.has_value(), "a stored group with members but no protocol");
    MemberMetadata member;
    member.member_id = value.member_id;
    member.group_instance_id = value.group_instance_id;
    member.client_id = value.client_id;
    member.rebalance_timeout_ms = value.rebalance_timeout_ms;
    member.session_timeout_ms = value.session_timeout_ms;
    member.protocol_type = record.protocol_type;
    member.supported_protocols = {JoinGroupProtocol{*record.protocol, value.subscription}};
    member.assignment = value.assignment;
    if (member.group_instance_id)
      group.static_members_[*member.group_instance_id] = member.member_id;
    group.members_.emplace(member.member_id, std::move(member));
  }
  group.state_ = group.members_.empty() ? GroupState::kEmpty : GroupState::kStable;
  if (group.members_.empty()) group.leader_id_.reset();
  group.check_leader();
  return group;
}

void GroupMetadata::transition_to(GroupState target, std::int64_t now_ms) {
  SAMSA_ASSERT(is_valid_transition(state_, target),
               fmt::format("group {} cannot go from {} to {}", group_id_, group_state_name(state_),
                           group_state_name(target)));
  state_ = target;
  current_state_timestamp_ms_ = now_ms;
}

const MemberMetadata& GroupMetadata::get(std::string_view member_id) const {
  const auto it = members_.find(member_id);
  SAMSA_ASSERT(it != members_.end(),
               fmt::format("group {} has no member {}", group_id_, member_id));
  return it->second;
}

MemberMetadata& GroupMetadata::member(std::string_view member_id) {
  const auto it = members_.find(member_id);
  SAMSA_ASSERT(it != members_.end(),
               fmt::format("group {} has no member {}", group_id_, member_id));
  return it->second;
}

void GroupMetadata::check_leader() const {
  SAMSA_ASSERT(!leader_id_ || members_.contains(*leader_id_),
               fmt::format("group {}: the leader is not a member", group_id_));
  SAMSA_ASSERT(members_.empty() || leader_id_.has_value(),
               fmt::format("group {} has members but no leader", group_id_));
}

void GroupMetadata::add(MemberMetadata member, JoinCallback callback) {
  SAMSA_ASSERT(!members_.contains(member.member_id),
               fmt::format("member {} joins group {} twice", member.member_id, group_id_));
  if (members_.empty()) protocol_type_ = member.protocol_type;
  SAMSA_ASSERT(protocol_type_ == member.protocol_type, "a member of another protocol type");
  SAMSA_ASSERT(supports_protocols(member.protocol_type, member.supported_protocols),
               "a member whose protocols the group does not support");
  if (member.group_instance_id) static_members_[*member.group_instance_id] = member.member_id;
  if (!leader_id_) leader_id_ = member.member_id;
  pending_members_.erase(member.member_id);
  member.awaiting_join = std::move(callback);
  const std::string id = member.member_id;
  members_.emplace(id, std::move(member));
  check_leader();
}

void GroupMetadata::remove(std::string_view member_id) {
  const auto it = members_.find(member_id);
  if (it != members_.end()) {
    MemberMetadata removed = std::move(it->second);
    members_.erase(it);
    if (removed.group_instance_id) static_members_.erase(*removed.group_instance_id);
    if (removed.awaiting_join) {
      JoinGroupResponse response;
      response.error = ErrorCode::kUnknownMemberId;
      removed.awaiting_join(response);
    }
    if (removed.awaiting_sync) {
      SyncGroupResponse response;
      response.error = ErrorCode::kUnknownMemberId;
      removed.awaiting_sync(response);
    }
  }
  if (is_leader(member_id)) {
    leader_id_.reset();
    if (!members_.empty()) leader_id_ = members_.begin()->first;
  }
  pending_members_.erase(std::string(member_id));
  pending_sync_members_.erase(std::string(member_id));
  check_leader();
}

void GroupMetadata::update_member(std::string_view member_id,
                                  std::vector<JoinGroupProtocol> protocols,
                                  std::int32_t rebalance_timeout_ms,
                                  std::int32_t session_timeout_ms, JoinCallback callback) {
  MemberMetadata& m = member(member_id);
  m.supported_protocols = std::move(protocols);
  m.rebalance_timeout_ms = rebalance_timeout_ms;
  m.session_timeout_ms = session_timeout_ms;
  if (m.awaiting_join && callback) {
    // A duplicate JoinGroup: the earlier one gets the later one's answer.
    callback = [earlier = std::move(m.awaiting_join),
                later = std::move(callback)](const JoinGroupResponse& response) {
      earlier(response);
      later(response);
    };
  }
  m.awaiting_join = std::move(callback);
}

void GroupMetadata::set_sync_callback(std::string_view member_id, SyncCallback callback) {
  MemberMetadata& m = member(member_id);
  if (m.awaiting_sync && callback) {
    callback = [earlier = std::move(m.awaiting_sync),
                later = std::move(callback)](const SyncGroupResponse& response) {
      earlier(response);
      later(response);
    };
  }
  m.awaiting_sync = std::move(callback);
}

void GroupMetadata::set_assignment(std::string_view member_id, Bytes assignment) {
  member(member_id).assignment = std::move(assignment);
}

void GroupMetadata::set_new(std::string_view member_id, bool is_new) {
  member(member_id).is_new = is_new;
}

std::int32_t GroupMetadata::rebalance_timeout_ms() const {
  std::int32_t timeout_ms = 0;
  for (const auto& [id, m] : members_) timeout_ms = std::max(timeout_ms, m.rebalance_timeout_ms);
  return timeout_ms;
}

bool GroupMetadata::has_satisfied_heartbeat(std::string_view member_id) const {
  const MemberMetadata& m = get(member_id);
  if (m.is_new) return false;
  return m.is_awaiting_join() || m.is_awaiting_sync();
}

bool GroupMetadata::maybe_invoke_join_callback(std::string_view member_id,
                                               const JoinGroupResponse& response) {
  MemberMetadata& m = member(member_id);
  if (!m.awaiting_join) return false;
  JoinCallback callback = std::move(m.awaiting_join);
  m.awaiting_join = nullptr;
  callback(response);
  return true;
}

bool GroupMetadata::maybe_invoke_sync_callback(std::string_view member_id,
                                               const SyncGroupResponse& response) {
  MemberMetadata& m = member(member_id);
  if (!m.awaiting_sync) return false;
  SyncCallback callback = std::move(m.awaiting_sync);
  m.awaiting_sync = nullptr;
  callback(response);
  return true;
}

bool GroupMetadata::remove_pending_member(std::string_view member_id) {
  const auto it = pending_members_.find(member_id);
  if (it == pending_members_.end()) return false;
  pending_members_.erase(it);
  return true;
}

std::optional<std::string> GroupMetadata::current_static_member_id(
    std::string_view instance_id) const {
  const auto it = static_members_.find(instance_id);
  if (it == static_members_.end()) return std::nullopt;
  return it->second;
}

void GroupMetadata::replace_static_member(std::string_view instance_id,
                                          std::string_view old_member_id,
                                          const std::string& new_member_id) {
  const auto it = members_.find(old_member_id);
  SAMSA_ASSERT(it != members_.end(), fmt::format("no static member {} to replace", old_member_id));
  SAMSA_ASSERT(!members_.contains(new_member_id),
               "a static member replaced by an existing member id");
  MemberMetadata m = std::move(it->second);
  members_.erase(it);
  SAMSA_ASSERT(m.group_instance_id == instance_id,
               "a static member replaced under another instance id");
  // Fence the old incarnation at once if one of its requests waits (Kafka's
  // replaceStaticMember).
  if (m.awaiting_join) {
    JoinGroupResponse response;
    response.error = ErrorCode::kFencedInstanceId;
    response.member_id = std::string(old_member_id);
    std::exchange(m.awaiting_join, nullptr)(response);
  }
  if (m.awaiting_sync) {
    SyncGroupResponse response;
    response.error = ErrorCode::kFencedInstanceId;
    std::exchange(m.awaiting_sync, nullptr)(response);
  }
  if (is_leader(old_member_id)) leader_id_ = new_member_id;
  m.member_id = new_member_id;
  members_.emplace(new_member_id, std::move(m));
  static_members_[std::string(instance_id)] = new_member_id;
  if (pending_sync_members_.erase(std::string(old_member_id)) > 0)
    pending_sync_members_.insert(new_member_id);
  check_leader();
}

std::size_t GroupMetadata::count_supporting(std::string_view protocol) const {
  return static_cast<std::size_t>(
      std::count_if(members_.begin(), members_.end(),
                    [&](const auto& entry) { return entry.second.metadata(protocol) != nullptr; }));
}

bool GroupMetadata::supports_protocols(std::string_view protocol_type,
                                       const std::vector<JoinGroupProtocol>& protocols) const {
  if (is(GroupState::kEmpty)) return !protocol_type.empty() && !protocols.empty();
  return protocol_type_ == protocol_type &&
         std::any_of(protocols.begin(), protocols.end(), [&](const JoinGroupProtocol& p) {
           return count_supporting(p.name) == members_.size();
         });
}

std::string GroupMetadata::select_protocol() const {
  SAMSA_ASSERT(!members_.empty(), fmt::format("group {}: no protocol without members", group_id_));
  std::map<std::string, std::size_t> votes;  // protocol -> votes; ordered, so ties are stable
  for (const auto& [id, m] : members_) {
    const auto vote = std::find_if(
        m.supported_protocols.begin(), m.supported_protocols.end(),
        [&](const JoinGroupProtocol& p) { return count_supporting(p.name) == members_.size(); });
    SAMSA_ASSERT(vote != m.supported_protocols.end(),
                 fmt::format("group {}: member {} supports no common protocol", group_id_, id));
    ++votes[vote->name];
  }
  auto best = votes.begin();
  for (auto it = votes.begin(); it != votes.end(); ++it) {
    if (it->second > best->second) best = it;
  }
  return best->first;
}

std::size_t GroupMetadata::num_awaiting_join() const {
  return static_cast<std::size_t>(
      std::count_if(members_.begin(), members_.end(),
                    [](const auto& entry) { return entry.second.is_awaiting_join(); }));
}

bool GroupMetadata::has_all_members_joined() const {
  return num_awaiting_join() == members_.size() && pending_members_.empty();
}

std::vector<std::string> GroupMetadata::not_yet_rejoined_members() const {
  std::vector<std::string> ids;
  for (const auto& [id, m] : members_) {
    if (!m.is_awaiting_join()) ids.push_back(id);
  }
  return ids;
}

bool GroupMetadata::maybe_elect_new_joined_leader() {
  if (!leader_id_) return false;
  if (get(*leader_id_).is_awaiting_join()) return true;
  for (const auto& [id, m] : members_) {
    if (m.is_awaiting_join()) {
      leader_id_ = id;
      return true;
    }
  }
  return false;
}

void GroupMetadata::init_next_generation(std::int64_t now_ms) {
  ++generation_id_;
  if (!members_.empty()) {
    protocol_name_ = select_protocol();
    transition_to(GroupState::kCompletingRebalance, now_ms);
  } else {
    protocol_name_.reset();
    transition_to(GroupState::kEmpty, now_ms);
  }
  pending_sync_members_.clear();
}

std::vector<JoinGroupMember> GroupMetadata::current_member_metadata() const {
  SAMSA_ASSERT(
      !is(GroupState::kDead) && !is(GroupState::kPreparingRebalance) && protocol_name_,
      fmt::format("group {}: no member metadata in state {}", group_id_, group_state_name(state_)));
  std::vector<JoinGroupMember> result;
  result.reserve(members_.size());
  for (const auto& [id, m] : members_) {
    const Bytes* metadata = m.metadata(*protocol_name_);
    SAMSA_ASSERT(metadata != nullptr, fmt::format("member {} lacks the group's protocol", id));
    result.push_back(JoinGroupMember{id, m.group_instance_id, *metadata});
  }
  return result;
}

bool GroupMetadata::remove_pending_sync_member(std::string_view member_id) {
  const auto it = pending_sync_members_.find(member_id);
  if (it == pending_sync_members_.end()) return false;
  pending_sync_members_.erase(it);
  return true;
}

std::optional<OffsetCommitValue> GroupMetadata::offset(const TopicPartition& tp) const {
  const auto it = offsets_.find(tp);
  if (it == offsets_.end()) return std::nullopt;
  return it->second.value;
}

void GroupMetadata::prepare_offset_commit(const TopicPartition& tp, std::uint64_t commit_id) {
  SAMSA_ASSERT(commit_id > 0, "commit ids start at 1 (0 is a loaded offset)");
  pending_offset_commits_[tp] = commit_id;
}

void GroupMetadata::on_offset_commit_append(const TopicPartition& tp, std::uint64_t commit_id,
                                            const OffsetCommitValue& value) {
  fail_pending_offset_write(tp, commit_id);  // no longer pending either way
  const auto it = offsets_.find(tp);
  if (it == offsets_.end() || it->second.commit_id < commit_id) {
    offsets_[tp] = CommittedOffset{value, commit_id};
  }
}

void GroupMetadata::fail_pending_offset_write(const TopicPartition& tp, std::uint64_t commit_id) {
  const auto it = pending_offset_commits_.find(tp);
  // Only the latest commit of the partition clears its pending mark.
  if (it != pending_offset_commits_.end() && it->second == commit_id)
    pending_offset_commits_.erase(it);
}

void GroupMetadata::load_offset(const TopicPartition& tp, const OffsetCommitValue& value) {
  offsets_[tp] = CommittedOffset{value, 0};
}

}  // namespace samsa::cluster
