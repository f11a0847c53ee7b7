// The classic consumer-group protocol, as typed sim::Messages with Kafka's request and
// field names: FindCoordinator, JoinGroup (with KIP-394's MEMBER_ID_REQUIRED first round
// and KIP-345 static members), SyncGroup, Heartbeat, LeaveGroup, OffsetCommit and
// OffsetFetch. Any broker answers FindCoordinator; the others go to the coordinator, the
// leader of the group's partition of the offsets topic (group_coordinator.h). Protocol
// metadata and assignments are opaque bytes to the coordinator: the consumer encodes them
// (consumer_protocol.h). Every message digests all of its fields into the trace hash.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cluster/errors.h"
#include "cluster/metadata/metadata.h"
#include "cluster/types.h"
#include "sim/ids.h"
#include "sim/network.h"

namespace samsa::cluster {

using Bytes = std::vector<std::uint8_t>;

// Kafka's internal offsets topic (offsets.topic.num.partitions partitions, compacted).
inline constexpr std::string_view kOffsetsTopic = "__consumer_offsets";
// A generation id before the first completed rebalance, and in OffsetCommit from a
// consumer outside any group (manual assignment: no fencing).
inline constexpr std::int32_t kNoGeneration = -1;

struct FindCoordinatorRequest final : sim::Message {
  std::string key;       // the group id
  std::int8_t key_type = 0;  // 0: group (1, transaction, is not modelled)
  std::string_view kind() const override { return "FindCoordinator"; }
  std::uint64_t digest() const override;
  std::string describe() const override;
};

struct FindCoordinatorResponse final : sim::Message {
  ErrorCode error = ErrorCode::kNone;  // COORDINATOR_NOT_AVAILABLE while none leads
  BrokerId node_id{-1};
  sim::NodeId node;  // where the coordinator listens
  std::string_view kind() const override { return "FindCoordinatorResponse"; }
  std::uint64_t digest() const override;
  std::string describe() const override;
};

struct JoinGroupProtocol {
  std::string name;  // an assignor name: "range", "roundrobin", "sticky", "cooperative-sticky"
  Bytes metadata;    // an encoded Subscription (consumer_protocol.h)
};

struct JoinGroupRequest final : sim::Message {
  std::string group_id;
  std::int32_t session_timeout_ms = 45'000;
  std::int32_t rebalance_timeout_ms = 300'000;  // the consumer's max.poll.interval.ms
  std::string member_id;  // empty on the first join (KIP-394: answered MEMBER_ID_REQUIRED)
  std::optional<std::string> group_instance_id;  // KIP-345 static membership
  std::string protocol_type = "consumer";
  std::vector<JoinGroupProtocol> protocols;  // in the member's order of preference
  std::string_view kind() const override { return "JoinGroup"; }
  std::uint64_t digest() const override;
  std::string describe() const override;
};

struct JoinGroupMember {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  Bytes metadata;  // the member's metadata for the chosen protocol
};

struct JoinGroupResponse final : sim::Message {
  ErrorCode error = ErrorCode::kNone;
  std::int32_t generation_id = kNoGeneration;
  std::string protocol_name;
  std::string leader;     // the leader's member id
  std::string member_id;  // this member's id (also set with MEMBER_ID_REQUIRED)
  std::vector<JoinGroupMember> members;  // only in the leader's response
  std::string_view kind() const override { return "JoinGroupResponse"; }
  std::uint64_t digest() const override;
  std::string describe() const override;
};

struct SyncGroupAssignment {
  std::string member_id;
  Bytes assignment;  // an encoded Assignment (consumer_protocol.h)
};

struct SyncGroupRequest final : sim::Message {
  std::string group_id;
  std::int32_t generation_id = kNoGeneration;
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::vector<SyncGroupAssignment> assignments;  // only from the leader
  std::string_view kind() const override { return "SyncGroup"; }
  std::uint64_t digest() const override;
  std::string describe() const override;
};

struct SyncGroupResponse final : sim::Message {
  ErrorCode error = ErrorCode::kNone;
  Bytes assignment;
  std::string_view kind() const override { return "SyncGroupResponse"; }
  std::uint64_t digest() const override;
  std::string describe() const override;
};

struct HeartbeatRequest final : sim::Message {
  std::string group_id;
  std::int32_t generation_id = kNoGeneration;
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string_view kind() const override { return "Heartbeat"; }
  std::uint64_t digest() const override;
  std::string describe() const override;
};

struct HeartbeatResponse final : sim::Message {
  ErrorCode error = ErrorCode::kNone;  // REBALANCE_IN_PROGRESS: rejoin
  std::string_view kind() const override { return "HeartbeatResponse"; }
  std::uint64_t digest() const override;
  std::string describe() const override;
};

struct LeavingMember {
  std::string member_id;
  std::optional<std::string> group_instance_id;
};

struct LeaveGroupRequest final : sim::Message {
  std::string group_id;
  std::vector<LeavingMember> members;
  std::string_view kind() const override { return "LeaveGroup"; }
  std::uint64_t digest() const override;
  std::string describe() const override;
};

struct LeaveGroupResponse final : sim::Message {
  ErrorCode error = ErrorCode::kNone;
  std::vector<ErrorCode> member_errors;  // one per member, in request order
  std::string_view kind() const override { return "LeaveGroupResponse"; }
  std::uint64_t digest() const override;
  std::string describe() const override;
};

struct OffsetCommitPartition {
  TopicPartition tp;
  Offset committed_offset{-1};  // the next offset to consume
  LeaderEpoch committed_leader_epoch{kNoLeaderEpoch};  // KIP-320: epoch of the last record consumed
  std::string metadata;
};

// generation_id = kNoGeneration with an empty member_id: a commit from a consumer that
// uses manual assignment (accepted only while the group has no members).
struct OffsetCommitRequest final : sim::Message {
  std::string group_id;
  std::int32_t generation_id = kNoGeneration;
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::vector<OffsetCommitPartition> offsets;
  std::string_view kind() const override { return "OffsetCommit"; }
  std::uint64_t digest() const override;
  std::string describe() const override;
};

struct OffsetCommitPartitionResult {
  TopicPartition tp;
  ErrorCode error = ErrorCode::kNone;
};

struct OffsetCommitResponse final : sim::Message {
  std::vector<OffsetCommitPartitionResult> partitions;  // in request order
  std::string_view kind() const override { return "OffsetCommitResponse"; }
  std::uint64_t digest() const override;
  std::string describe() const override;
};

struct OffsetFetchRequest final : sim::Message {
  std::string group_id;
  std::vector<TopicPartition> partitions;  // empty: every partition the group committed
  bool require_stable = true;  // KIP-447: UNSTABLE_OFFSET_COMMIT while a commit is pending
  std::string_view kind() const override { return "OffsetFetch"; }
  std::uint64_t digest() const override;
  std::string describe() const override;
};

struct OffsetFetchPartition {
  TopicPartition tp;
  Offset committed_offset{-1};  // -1: nothing committed
  LeaderEpoch committed_leader_epoch{kNoLeaderEpoch};
  std::string metadata;
  ErrorCode error = ErrorCode::kNone;
};

struct OffsetFetchResponse final : sim::Message {
  ErrorCode error = ErrorCode::kNone;  // NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS, ...
  std::vector<OffsetFetchPartition> partitions;
  std::string_view kind() const override { return "OffsetFetchResponse"; }
  std::uint64_t digest() const override;
  std::string describe() const override;
};

}  // namespace samsa::cluster
