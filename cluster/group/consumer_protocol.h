// The consumer's embedded protocol (Kafka's ConsumerProtocol): what a consumer puts in
// JoinGroup's protocol metadata (its Subscription) and what the leader hands each member
// through SyncGroup (its Assignment). The coordinator never looks inside; the consumer
// encodes and the leader decodes. Includes KIP-429's owned partitions and KIP-792's
// generation in the subscription, which the cooperative and sticky assignors use.
// Invariant: decode(encode(x)) == x; decode of bytes that are not a valid encoding is an
// error value, never a crash (they come off the network).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cluster/errors.h"
#include "cluster/metadata/metadata.h"
#include "cluster/types.h"
#include "sim/result.h"

namespace samsa::cluster {

using Bytes = std::vector<std::uint8_t>;

struct Subscription {
  std::vector<std::string> topics;                // sorted, no duplicates
  Bytes user_data;                                // assignor-specific
  std::vector<TopicPartition> owned_partitions;   // KIP-429: what the member holds now
  std::int32_t generation_id = -1;                // KIP-792: the generation it holds them from
  std::optional<std::string> rack_id;
  bool operator==(const Subscription&) const = default;
};

struct Assignment {
  std::vector<TopicPartition> partitions;  // sorted
  Bytes user_data;
  bool operator==(const Assignment&) const = default;
};

Bytes encode_subscription(const Subscription& subscription);
sim::Result<Subscription, ErrorCode> decode_subscription(const Bytes& bytes);
Bytes encode_assignment(const Assignment& assignment);
sim::Result<Assignment, ErrorCode> decode_assignment(const Bytes& bytes);

}  // namespace samsa::cluster
