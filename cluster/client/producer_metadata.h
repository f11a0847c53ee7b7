// ProducerMetadata: the producer's cache of cluster metadata (Kafka's ProducerMetadata /
// Metadata): which broker node leads each partition of the topics the producer uses. The
// sender asks for a refresh when a leader is unknown, when an answer says the leader
// moved (NOT_LEADER_OR_FOLLOWER, UNKNOWN_TOPIC_OR_PARTITION, LEADER_NOT_AVAILABLE,
// FENCED_LEADER_EPOCH) or a request timed out, and every metadata.max.age.ms. The
// consumer's fetcher (consumer_fetcher.h) keeps one too, for the same purpose.
//
// Invariants: 1. an update never moves a partition's leader epoch backwards (a response
// from a lagging broker is ignored for partitions it knows older than we do, KIP-320);
// 1a. a partition whose known leader epoch is older than the last epoch seen elsewhere (a
// committed offset's, a fetched record's) has no current leader until metadata catches up
// (Kafka's Metadata.updateLastSeenEpochIfNewer and partitionMetadataIfCurrent);
// 2. leader_node() names only nodes of registered brokers; 3. the topics of interest
// only grow (bounded by the topics the user sends to).
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cluster/broker/messages.h"
#include "cluster/client/partitioner.h"
#include "sim/time.h"

namespace samsa::cluster {

class ProducerMetadata {
 public:
  ProducerMetadata(std::vector<sim::NodeId> bootstrap_nodes, sim::Duration max_age)
      : bootstrap_(std::move(bootstrap_nodes)), max_age_(max_age) {}

  void add_topic(const std::string& topic);
  const std::set<std::string>& topics() const { return topics_; }
  void update(const MetadataResponse& response, sim::SimTime now);
  void request_update() { update_requested_ = true; }
  bool needs_update(sim::SimTime now) const;

  // The topic's partition count and which partitions have a leader, if known.
  std::optional<TopicPartitions> topic(const std::string& topic) const;
  std::optional<sim::NodeId> leader_node(const TopicPartition& tp) const;
  // The partition's state as last learned (leader and leader epoch, which the consumer
  // validates its positions against, KIP-320), or null.
  const PartitionState* partition(const TopicPartition& tp) const;
  // A leader epoch of `tp` seen outside metadata; a newer one than metadata knows makes
  // the partition's metadata stale (invariant 1a) and asks for an update.
  void update_last_seen_epoch_if_newer(const TopicPartition& tp, LeaderEpoch epoch);
  // Where to send the next metadata request: the bootstrap and known broker nodes in
  // turn (a failed one is skipped on the next attempt).
  sim::NodeId next_metadata_node();
  std::uint64_t updates() const { return updates_; }

 private:
  std::vector<sim::NodeId> bootstrap_;
  sim::Duration max_age_;
  std::set<std::string> topics_;
  std::map<TopicPartition, PartitionState> partitions_;
  std::map<BrokerId, sim::NodeId> broker_nodes_;
  std::map<TopicPartition, LeaderEpoch> last_seen_epoch_;
  std::optional<sim::SimTime> last_update_;
  bool update_requested_ = true;
  std::uint64_t next_node_ = 0;
  std::uint64_t updates_ = 0;
};

}  // namespace samsa::cluster
