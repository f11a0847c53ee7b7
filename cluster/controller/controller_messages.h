// The controller protocol (KIP-631), as typed sim::Messages with Kafka's field names:
// brokers register (BrokerRegistration) and heartbeat (BrokerHeartbeat) to the active
// controller; clients create topics (CreateTopics). AlterPartition (KIP-497) stays in
// cluster/broker/messages.h. A controller that is not the active one answers
// NOT_CONTROLLER with a hint of the leader it knows of, if any (KIP-595).
// Every message has a digest over all its fields (folded into the trace hash) and a
// describe() line for trace files.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cluster/errors.h"
#include "cluster/types.h"
#include "sim/ids.h"
#include "sim/network.h"

namespace samsa::cluster::controller {

struct BrokerRegistrationRequest final : sim::Message {
  BrokerId broker_id;
  sim::NodeId node;               // where the broker listens
  std::uint64_t incarnation = 0;  // new per process start (KRaft's incarnationId)
  std::string_view kind() const override { return "BrokerRegistration"; }
  std::uint64_t digest() const override;
  std::string describe() const override;
};

struct BrokerRegistrationResponse final : sim::Message {
  ErrorCode error = ErrorCode::kNone;
  BrokerEpoch broker_epoch{-1};
  std::optional<sim::NodeId> leader_hint;  // with NOT_CONTROLLER
  static BrokerRegistrationResponse not_controller(std::optional<sim::NodeId> leader_hint);
  std::string_view kind() const override { return "BrokerRegistrationResponse"; }
  std::uint64_t digest() const override;
  std::string describe() const override;
};

struct BrokerHeartbeatRequest final : sim::Message {
  BrokerId broker_id;
  BrokerEpoch broker_epoch{-1};
  // The offset of the last metadata record the broker has applied (its image version - 1;
  // -1 before it has applied any). Caught up once >= its registration's offset.
  std::int64_t current_metadata_offset = -1;
  bool want_fence = false;     // the broker asks to stay (or become) fenced
  bool want_shutdown = false;  // the broker asks for a controlled shutdown
  std::string_view kind() const override { return "BrokerHeartbeat"; }
  std::uint64_t digest() const override;
  std::string describe() const override;
};

struct BrokerHeartbeatResponse final : sim::Message {
  ErrorCode error = ErrorCode::kNone;
  bool is_caught_up = false;
  bool is_fenced = true;
  bool should_shutdown = false;
  std::optional<sim::NodeId> leader_hint;  // with NOT_CONTROLLER
  static BrokerHeartbeatResponse not_controller(std::optional<sim::NodeId> leader_hint);
  std::string_view kind() const override { return "BrokerHeartbeatResponse"; }
  std::uint64_t digest() const override;
  std::string describe() const override;
};

struct CreatableTopic {
  std::string name;
  std::int32_t num_partitions = 1;
  std::int16_t replication_factor = 1;
  bool unclean_leader_election_enable = false;  // the topic config
};

struct CreateTopicsRequest final : sim::Message {
  std::vector<CreatableTopic> topics;
  std::string_view kind() const override { return "CreateTopics"; }
  std::uint64_t digest() const override;
  std::string describe() const override;
};

struct CreatableTopicResult {
  std::string name;
  ErrorCode error = ErrorCode::kNone;
};

struct CreateTopicsResponse final : sim::Message {
  std::vector<CreatableTopicResult> topics;  // one per requested topic, in request order
  std::optional<sim::NodeId> leader_hint;    // with NOT_CONTROLLER
  // Every topic of `request` answered NOT_CONTROLLER.
  static CreateTopicsResponse not_controller(const CreateTopicsRequest& request,
                                             std::optional<sim::NodeId> leader_hint);
  std::string_view kind() const override { return "CreateTopicsResponse"; }
  std::uint64_t digest() const override;
  std::string describe() const override;
};

// KIP-730: a broker asks the active controller for a block of producer ids, so that ids
// are unique across the cluster and across broker restarts.
struct AllocateProducerIdsRequest final : sim::Message {
  BrokerId broker_id;
  BrokerEpoch broker_epoch{-1};
  std::string_view kind() const override { return "AllocateProducerIds"; }
  std::uint64_t digest() const override;
};

struct AllocateProducerIdsResponse final : sim::Message {
  ErrorCode error = ErrorCode::kNone;  // STALE_BROKER_EPOCH, NOT_CONTROLLER
  std::int64_t producer_id_start = -1;
  std::int32_t producer_id_len = 0;
  std::optional<sim::NodeId> leader_hint;  // with NOT_CONTROLLER
  static AllocateProducerIdsResponse not_controller(std::optional<sim::NodeId> leader_hint);
  std::string_view kind() const override { return "AllocateProducerIdsResponse"; }
  std::uint64_t digest() const override;
};

}  // namespace samsa::cluster::controller
