// The broker protocol, as typed messages over sim::Network (no serialization; a message
// is immutable once sent). Field names follow Kafka's request schemas so a Kafka user
// recognises them: Produce, Fetch (consumers and followers alike, KIP-392 style with
// current_leader_epoch and last_fetched_epoch, KIP-320/KIP-595 diverging epochs),
// ListOffsets, OffsetsForLeaderEpoch (KIP-101/279), AlterPartition (KIP-497), the
// metadata deltas the controller publishes, and client Metadata lookups.
// Every message has a digest over all its fields, folded into the trace hash.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cluster/errors.h"
#include "cluster/log/leader_epoch_cache.h"
#include "cluster/metadata/metadata.h"
#include "cluster/types.h"
#include "sim/network.h"

namespace samsa::cluster {

using Bytes = std::vector<std::uint8_t>;

// acks: 0 fire and forget (no response is sent), 1 the leader's append, -1 all (the
// high watermark passes the batch).
struct ProduceRequest final : sim::Message {
  TopicPartition tp;
  std::int16_t acks = -1;
  std::int32_t timeout_ms = 30'000;
  Bytes batch;  // one encoded record batch (record_batch.h)
  std::string_view kind() const override { return "Produce"; }
  std::uint64_t digest() const override;
};

struct ProduceResponse final : sim::Message {
  ErrorCode error = ErrorCode::kNone;
  Offset base_offset{-1};
  Offset log_start_offset{-1};
  std::string_view kind() const override { return "ProduceResponse"; }
  std::uint64_t digest() const override;
};

struct FetchPartition {
  TopicPartition tp;
  Offset fetch_offset{0};
  LeaderEpoch current_leader_epoch{kNoLeaderEpoch};  // -1: do not check (old clients)
  LeaderEpoch last_fetched_epoch{kNoLeaderEpoch};    // followers: epoch of the last batch held
  Offset log_start_offset{-1};                       // followers: their own log start
  std::int32_t max_bytes = 1 << 20;
};

// replica_id = -1 for consumers (read up to the high watermark), a broker id for
// followers (read up to the log end offset).
struct FetchRequest final : sim::Message {
  BrokerId replica_id{-1};
  BrokerEpoch replica_epoch{-1};
  std::int32_t max_wait_ms = 500;
  std::int32_t min_bytes = 1;
  // KIP-392: a consumer that names its rack may be served by a follower (up to the
  // follower's high watermark); without it, only the leader answers.
  std::string rack_id;
  std::vector<FetchPartition> partitions;
  std::string_view kind() const override { return "Fetch"; }
  std::uint64_t digest() const override;
};

// EpochEndOffset (epoch, end offset) is the leader-epoch cache's own answer type
// (cluster/log/leader_epoch_cache.h), shared so the two never disagree.

struct FetchedPartition {
  TopicPartition tp;
  ErrorCode error = ErrorCode::kNone;
  Offset high_watermark{-1};
  Offset log_start_offset{-1};
  Offset log_end_offset{-1};
  // Set when the follower's log diverges from the leader's: truncate to at most this.
  std::optional<EpochEndOffset> diverging_epoch;
  Bytes records;  // whole batches
};

struct FetchResponse final : sim::Message {
  ErrorCode error = ErrorCode::kNone;
  std::vector<FetchedPartition> partitions;
  std::string_view kind() const override { return "FetchResponse"; }
  std::uint64_t digest() const override;
};

// timestamp: -2 earliest, -1 latest, otherwise the first offset with timestamp >= it.
struct ListOffsetsRequest final : sim::Message {
  TopicPartition tp;
  std::int64_t timestamp = -1;
  LeaderEpoch current_leader_epoch{kNoLeaderEpoch};
  std::string_view kind() const override { return "ListOffsets"; }
  std::uint64_t digest() const override;
};
inline constexpr std::int64_t kEarliestTimestamp = -2;
inline constexpr std::int64_t kLatestTimestamp = -1;

struct ListOffsetsResponse final : sim::Message {
  ErrorCode error = ErrorCode::kNone;
  Offset offset{-1};
  LeaderEpoch leader_epoch{kNoLeaderEpoch};
  std::string_view kind() const override { return "ListOffsetsResponse"; }
  std::uint64_t digest() const override;
};

struct OffsetsForLeaderEpochRequest final : sim::Message {
  BrokerId replica_id{-1};
  TopicPartition tp;
  LeaderEpoch current_leader_epoch{kNoLeaderEpoch};
  LeaderEpoch leader_epoch{kNoLeaderEpoch};  // the epoch whose end offset is asked for
  std::string_view kind() const override { return "OffsetsForLeaderEpoch"; }
  std::uint64_t digest() const override;
};

struct OffsetsForLeaderEpochResponse final : sim::Message {
  ErrorCode error = ErrorCode::kNone;
  EpochEndOffset end{kUndefinedEpoch, kUndefinedEpochOffset};
  std::string_view kind() const override { return "OffsetsForLeaderEpochResponse"; }
  std::uint64_t digest() const override;
};

// A leader asks the controller to change a partition's ISR (KIP-497).
struct AlterPartitionRequest final : sim::Message {
  BrokerId broker_id;
  BrokerEpoch broker_epoch{-1};
  TopicPartition tp;
  LeaderEpoch leader_epoch;
  PartitionEpoch partition_epoch;  // the version the proposal is based on
  std::vector<BrokerId> new_isr;
  std::string_view kind() const override { return "AlterPartition"; }
  std::uint64_t digest() const override;
};

struct AlterPartitionResponse final : sim::Message {
  ErrorCode error = ErrorCode::kNone;  // e.g. INVALID_UPDATE_VERSION, FENCED_LEADER_EPOCH
  std::optional<PartitionState> state;  // the committed state when accepted
  std::string_view kind() const override { return "AlterPartitionResponse"; }
  std::uint64_t digest() const override;
};

// An operator (the harness) asks a broker to stop cleanly (KIP-631 controlled shutdown):
// it is answered once the controller has moved the broker's leaderships away.
struct ControlledShutdownRequest final : sim::Message {
  std::string_view kind() const override { return "ControlledShutdown"; }
  std::uint64_t digest() const override;
};
struct ControlledShutdownResponse final : sim::Message {
  ErrorCode error = ErrorCode::kNone;
  std::string_view kind() const override { return "ControlledShutdownResponse"; }
  std::uint64_t digest() const override;
};

// A test controller pushes metadata deltas to brokers (MetadataSource::kPushedByTest).
struct MetadataUpdate final : sim::Message {
  MetadataDelta delta;
  std::string_view kind() const override { return "MetadataUpdate"; }
  std::uint64_t digest() const override;
};

// Clients ask any broker for the leaders of partitions.
struct MetadataRequest final : sim::Message {
  std::vector<std::string> topics;  // empty: every topic
  std::string_view kind() const override { return "Metadata"; }
  std::uint64_t digest() const override;
};

struct MetadataResponse final : sim::Message {
  std::vector<BrokerRegistration> brokers;
  std::vector<PartitionState> partitions;
  std::string_view kind() const override { return "MetadataResponse"; }
  std::uint64_t digest() const override;
};

// KIP-98: an idempotent producer asks any broker for a producer id (epoch 0). The broker
// hands ids out of a block the controller allocated to it (KIP-730).
struct InitProducerIdRequest final : sim::Message {
  std::int32_t transaction_timeout_ms = 60'000;
  std::string_view kind() const override { return "InitProducerId"; }
  std::uint64_t digest() const override;
};

struct InitProducerIdResponse final : sim::Message {
  ErrorCode error = ErrorCode::kNone;  // COORDINATOR_NOT_AVAILABLE: no id block yet
  ProducerId producer_id = kNoProducerId;
  ProducerEpoch producer_epoch = kNoProducerEpoch;
  std::string_view kind() const override { return "InitProducerIdResponse"; }
  std::uint64_t digest() const override;
};

std::uint64_t digest_of(const PartitionState& state);
std::uint64_t digest_of(const MetadataDelta& delta);
std::uint64_t digest_of(const BrokerRegistration& registration);

}  // namespace samsa::cluster
