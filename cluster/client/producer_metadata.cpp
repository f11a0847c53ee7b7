#include "cluster/client/producer_metadata.h"

#include <algorithm>

namespace samsa::cluster {

void ProducerMetadata::add_topic(const std::string& topic) {
  if (topics_.insert(topic).second) update_requested_ = true;
}

void ProducerMetadata::update(const MetadataResponse& response, sim::SimTime now) {
  for (const BrokerRegistration& broker : response.brokers) broker_nodes_[broker.id] = broker.node;
  for (const PartitionState& state : response.partitions) {
    if (topics_.count(state.tp.topic) == 0) continue;
    auto it = partitions_.find(state.tp);
    if (it == partitions_.end()) {
      partitions_.emplace(state.tp, state);
    } else if (state.leader_epoch >= it->second.leader_epoch) {
      it->second = state;
    }
  }
  last_update_ = now;
  update_requested_ = false;
  ++updates_;
}

bool ProducerMetadata::needs_update(sim::SimTime now) const {
  return update_requested_ || !last_update_ || *last_update_ + max_age_ <= now;
}

std::optional<TopicPartitions> ProducerMetadata::topic(const std::string& topic) const {
  TopicPartitions info;
  for (auto it = partitions_.lower_bound(TopicPartition{topic, PartitionIndex(0)});
       it != partitions_.end() && it->first.topic == topic; ++it) {
    ++info.count;
    if (it->second.leader != kNoLeader) info.available.push_back(it->first.partition);
  }
  if (info.count == 0) return std::nullopt;
  return info;
}

std::optional<sim::NodeId> ProducerMetadata::leader_node(const TopicPartition& tp) const {
  const PartitionState* state = partition(tp);
  if (state == nullptr || state->leader == kNoLeader) return std::nullopt;
  auto node = broker_nodes_.find(state->leader);
  if (node == broker_nodes_.end()) return std::nullopt;
  return node->second;
}

const PartitionState* ProducerMetadata::partition(const TopicPartition& tp) const {
  auto it = partitions_.find(tp);
  if (it == partitions_.end()) return nullptr;
  const auto seen = last_seen_epoch_.find(tp);
  if (seen != last_seen_epoch_.end() && it->second.leader_epoch < seen->second) return nullptr;
  return &it->second;
}

void ProducerMetadata::update_last_seen_epoch_if_newer(const TopicPartition& tp,
                                                       LeaderEpoch epoch) {
  if (epoch < LeaderEpoch(0)) return;
  LeaderEpoch& seen = last_seen_epoch_.try_emplace(tp, epoch).first->second;
  seen = std::max(seen, epoch);
  const auto it = partitions_.find(tp);
  if (it == partitions_.end() || it->second.leader_epoch < seen) update_requested_ = true;
}

sim::NodeId ProducerMetadata::next_metadata_node() {
  std::vector<sim::NodeId> candidates = bootstrap_;
  for (const auto& [id, node] : broker_nodes_) {
    if (std::find(candidates.begin(), candidates.end(), node) == candidates.end()) {
      candidates.push_back(node);
    }
  }
  SAMSA_ASSERT(!candidates.empty(), "a producer needs bootstrap servers");
  return candidates[next_node_++ % candidates.size()];
}

}  // namespace samsa::cluster
