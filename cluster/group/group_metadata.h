// GroupMetadata: one consumer group of the classic protocol, as Kafka's GroupMetadata and
// MemberMetadata (kafka.coordinator.group): its state machine, members, generation, chosen
// protocol and leader, pending members (KIP-394), static members (KIP-345), the requests
// waiting for the rebalance (join and sync callbacks), and committed offsets with the
// commits not yet durable kept apart. Pure: no fibers, no clock (times come in as
// arguments); the GroupCoordinator drives it and persists it. Callbacks must not call
// back into the group (the coordinator's only fulfil a promise).
//
// Invariants (asserted):
//   1. Only Kafka's transitions: Empty -> PreparingRebalance; PreparingRebalance ->
//      CompletingRebalance | Empty; CompletingRebalance -> Stable | PreparingRebalance;
//      Stable -> PreparingRebalance; any state -> Dead.
//   2. The leader, when set, is a member; a group with members has a leader.
//   3. static_members() maps each static member's group.instance.id to its member id, and
//      nothing else.
//   4. The generation id only grows.
//   5. A committed offset changes only through a durable append (on_offset_commit_append),
//      and never to a commit older than the one it holds.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/group/group_messages.h"
#include "cluster/group/offsets_records.h"
#include "cluster/metadata/metadata.h"

namespace samsa::cluster {

enum class GroupState : std::uint8_t {
  kEmpty,
  kPreparingRebalance,
  kCompletingRebalance,
  kStable,
  kDead,
};
// Kafka's names: "Empty", "PreparingRebalance", "CompletingRebalance", "Stable", "Dead".
std::string_view group_state_name(GroupState state);
bool is_valid_transition(GroupState from, GroupState to);

using JoinCallback = std::function<void(const JoinGroupResponse&)>;
using SyncCallback = std::function<void(const SyncGroupResponse&)>;

struct MemberMetadata {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string client_id;
  std::int32_t rebalance_timeout_ms = 0;
  std::int32_t session_timeout_ms = 0;
  std::string protocol_type;
  std::vector<JoinGroupProtocol> supported_protocols;  // the member's order of preference
  Bytes assignment;
  // Joined in the current rebalance and not yet through it: its session is the new-member
  // join timeout, and waiting for the rebalance does not count as a heartbeat.
  bool is_new = false;
  JoinCallback awaiting_join;  // set while its JoinGroup waits for the rebalance
  SyncCallback awaiting_sync;  // set while its SyncGroup waits for the leader's assignment

  bool is_awaiting_join() const { return static_cast<bool>(awaiting_join); }
  bool is_awaiting_sync() const { return static_cast<bool>(awaiting_sync); }
  bool is_static() const { return group_instance_id.has_value(); }
  // The member's metadata for `protocol`, or null when it does not support it.
  const Bytes* metadata(std::string_view protocol) const;
  // Same protocols, in the same order, with the same metadata (Kafka's matches()).
  bool matches(const std::vector<JoinGroupProtocol>& protocols) const;
};

// A committed offset and the order of the commit that wrote it (0 for one loaded from
// the log, which precedes every commit of this coordinator).
struct CommittedOffset {
  OffsetCommitValue value;
  std::uint64_t commit_id = 0;
};

class GroupMetadata {
 public:
  GroupMetadata(std::string group_id, std::int64_t now_ms);  // Empty, generation 0
  // A group as its record in the offsets topic left it: Stable with its members, or Empty
  // without (Kafka's GroupMetadata.loadGroup).
  static GroupMetadata loaded(std::string group_id, const GroupMetadataValue& record);

  const std::string& group_id() const { return group_id_; }
  GroupState state() const { return state_; }
  bool is(GroupState state) const { return state_ == state; }
  void transition_to(GroupState target, std::int64_t now_ms);
  // PreparingRebalance may follow the current state.
  bool can_rebalance() const {
    return is_valid_transition(state_, GroupState::kPreparingRebalance);
  }
  std::int32_t generation_id() const { return generation_id_; }
  const std::optional<std::string>& protocol_type() const { return protocol_type_; }
  const std::optional<std::string>& protocol_name() const { return protocol_name_; }
  const std::optional<std::string>& leader_id() const { return leader_id_; }
  bool is_leader(std::string_view member_id) const { return leader_id_ == member_id; }
  std::int64_t current_state_timestamp_ms() const { return current_state_timestamp_ms_; }

  // --- Members -----------------------------------------------------------------------
  const std::map<std::string, MemberMetadata, std::less<>>& members() const { return members_; }
  bool has(std::string_view member_id) const { return members_.contains(member_id); }
  const MemberMetadata& get(std::string_view member_id) const;
  std::size_t size() const { return members_.size(); }
  // Kafka's add(): the first member sets the protocol type and becomes leader if there is
  // none; the member leaves the pending set; `callback` (may be empty) awaits the join.
  void add(MemberMetadata member, JoinCallback callback);
  // Removes the member (the next in member-id order leads if it led). A request of its
  // still waiting is answered UNKNOWN_MEMBER_ID (Kafka drops it with the connection; here
  // a fiber must not wait forever).
  void remove(std::string_view member_id);
  // New protocols and timeouts; `callback` (may be empty) awaits the join. A join still
  // waiting is answered with the same result as its successor (Kafka abandons it).
  void update_member(std::string_view member_id, std::vector<JoinGroupProtocol> protocols,
                     std::int32_t rebalance_timeout_ms, std::int32_t session_timeout_ms,
                     JoinCallback callback);
  void set_sync_callback(std::string_view member_id, SyncCallback callback);
  void set_assignment(std::string_view member_id, Bytes assignment);
  void set_new(std::string_view member_id, bool is_new);
  // The largest rebalance timeout of the members (0 without members).
  std::int32_t rebalance_timeout_ms() const;
  // Kafka's hasSatisfiedHeartbeat at a session deadline: a member waiting in a rebalance
  // (and not new) is alive; any other member missed its heartbeat.
  bool has_satisfied_heartbeat(std::string_view member_id) const;
  // Invokes and clears the member's waiting join (sync) callback; false if none waits.
  bool maybe_invoke_join_callback(std::string_view member_id, const JoinGroupResponse& response);
  bool maybe_invoke_sync_callback(std::string_view member_id, const SyncGroupResponse& response);

  // --- Pending members (KIP-394: given a member id, not yet joined with it) ------------
  void add_pending_member(std::string member_id) { pending_members_.insert(std::move(member_id)); }
  bool is_pending_member(std::string_view member_id) const {
    return pending_members_.contains(member_id);
  }
  bool remove_pending_member(std::string_view member_id);
  const std::set<std::string, std::less<>>& pending_members() const { return pending_members_; }

  // --- Static members (KIP-345) ----------------------------------------------------------
  std::optional<std::string> current_static_member_id(std::string_view instance_id) const;
  const std::map<std::string, std::string, std::less<>>& static_members() const {
    return static_members_;
  }
  // The member known as `old_member_id` is now `new_member_id`; requests of the old id
  // still waiting are answered FENCED_INSTANCE_ID.
  void replace_static_member(std::string_view instance_id, std::string_view old_member_id,
                             const std::string& new_member_id);

  // --- Protocols and rebalances ----------------------------------------------------------
  // Kafka's supportsProtocols: an Empty group takes any non-empty type and protocol list;
  // otherwise the type must match and one of the protocols be supported by every member.
  bool supports_protocols(std::string_view protocol_type,
                          const std::vector<JoinGroupProtocol>& protocols) const;
  // Each member votes for its most preferred protocol that every member supports; the most
  // votes win, ties going to the smallest name (Kafka leaves ties to hash order).
  std::string select_protocol() const;
  std::size_t num_awaiting_join() const;
  bool has_all_members_joined() const;
  std::vector<std::string> not_yet_rejoined_members() const;
  // If the leader did not rejoin, the first member that did leads; false when none did.
  bool maybe_elect_new_joined_leader();
  // The next generation: CompletingRebalance with a chosen protocol, or Empty.
  void init_next_generation(std::int64_t now_ms);
  // Every member's metadata for the chosen protocol (the leader's JoinGroup response).
  std::vector<JoinGroupMember> current_member_metadata() const;
  // group.initial.rebalance.delay.ms: a member joined during the first rebalance.
  bool new_member_added() const { return new_member_added_; }
  void set_new_member_added(bool added) { new_member_added_ = added; }

  // --- Members that must still send SyncGroup ---------------------------------------------
  void add_pending_sync_member(std::string member_id) {
    pending_sync_members_.insert(std::move(member_id));
  }
  bool remove_pending_sync_member(std::string_view member_id);
  const std::set<std::string, std::less<>>& pending_sync_members() const {
    return pending_sync_members_;
  }

  // --- Committed offsets -------------------------------------------------------------------
  const std::map<TopicPartition, CommittedOffset>& offsets() const { return offsets_; }
  std::optional<OffsetCommitValue> offset(const TopicPartition& tp) const;
  bool has_pending_offset_commit(const TopicPartition& tp) const {
    return pending_offset_commits_.contains(tp);
  }
  std::size_t pending_offset_commit_count() const { return pending_offset_commits_.size(); }
  // A commit `commit_id` (increasing per coordinator) is being appended.
  void prepare_offset_commit(const TopicPartition& tp, std::uint64_t commit_id);
  // It is durable: it becomes the committed offset unless a later commit already is.
  void on_offset_commit_append(const TopicPartition& tp, std::uint64_t commit_id,
                               const OffsetCommitValue& value);
  // It failed: the committed offset stays as it was.
  void fail_pending_offset_write(const TopicPartition& tp, std::uint64_t commit_id);
  void load_offset(const TopicPartition& tp, const OffsetCommitValue& value);

 private:
  MemberMetadata& member(std::string_view member_id);
  std::size_t count_supporting(std::string_view protocol) const;
  void check_leader() const;

  std::string group_id_;
  GroupState state_ = GroupState::kEmpty;
  std::int64_t current_state_timestamp_ms_ = -1;
  std::int32_t generation_id_ = 0;
  std::optional<std::string> protocol_type_;
  std::optional<std::string> protocol_name_;
  std::optional<std::string> leader_id_;
  bool new_member_added_ = false;
  std::map<std::string, MemberMetadata, std::less<>> members_;
  std::set<std::string, std::less<>> pending_members_;
  std::set<std::string, std::less<>> pending_sync_members_;
  std::map<std::string, std::string, std::less<>> static_members_;  // instance id -> member id
  std::map<TopicPartition, CommittedOffset> offsets_;
  std::map<TopicPartition, std::uint64_t> pending_offset_commits_;  // tp -> latest commit id
};

}  // namespace samsa::cluster
