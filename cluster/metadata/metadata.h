// The cluster metadata brokers act on: topics and partitions (replica assignment, leader,
// leader epoch, partition epoch, ISR) and broker registrations (node, broker epoch,
// fenced). The controller owns it and publishes each change as a MetadataDelta with a
// strictly increasing version; brokers apply deltas in version order. Until the Raft
// controller exists, tests publish deltas through the same message the controller will
// send, so brokers never take a path the real one does not.
//
// Invariants (checked by validate()):
//   1. The leader, when there is one, is in the ISR; the ISR is a subset of the replicas.
//   2. Leader epochs and partition epochs of a partition never decrease across versions.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cluster/types.h"
#include "sim/ids.h"

namespace samsa::cluster {

struct TopicPartition {
  std::string topic;
  PartitionIndex partition;
  auto operator<=>(const TopicPartition&) const = default;
};
std::string to_string(const TopicPartition& tp);  // "orders-3"

inline constexpr BrokerId kNoLeader{-1};

struct PartitionState {
  TopicPartition tp;
  std::vector<BrokerId> replicas;  // assignment order: the preferred leader first
  std::vector<BrokerId> isr;
  BrokerId leader = kNoLeader;
  LeaderEpoch leader_epoch{0};
  PartitionEpoch partition_epoch{0};
  bool operator==(const PartitionState&) const = default;
};

struct BrokerRegistration {
  BrokerId id;
  sim::NodeId node;
  BrokerEpoch epoch{0};
  bool fenced = true;
  bool operator==(const BrokerRegistration&) const = default;
};

// One published change: the new state of every partition and broker it touches.
struct MetadataDelta {
  std::int64_t version = 0;
  std::vector<PartitionState> partitions;
  std::vector<BrokerRegistration> brokers;
};

class MetadataImage {
 public:
  std::int64_t version() const { return version_; }
  // Applies a delta; returns false (and changes nothing) when its version is not newer.
  bool apply(const MetadataDelta& delta);
  const PartitionState* partition(const TopicPartition& tp) const;
  const BrokerRegistration* broker(BrokerId id) const;
  const std::map<TopicPartition, PartitionState>& partitions() const { return partitions_; }
  const std::map<BrokerId, BrokerRegistration>& brokers() const { return brokers_; }
  // The first violated invariant, or nullopt.
  std::optional<std::string> validate() const;

 private:
  std::int64_t version_ = 0;
  std::map<TopicPartition, PartitionState> partitions_;
  std::map<BrokerId, BrokerRegistration> brokers_;
};

}  // namespace samsa::cluster
