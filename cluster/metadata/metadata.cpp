#include "cluster/metadata/metadata.h"

#include <fmt/format.h>

#include <algorithm>

#include "sim/assert.h"

namespace samsa::cluster {

std::string to_string(const TopicPartition& tp) {
  return fmt::format("{}-{}", tp.topic, tp.partition);
}

namespace {
bool contains(const std::vector<BrokerId>& set, BrokerId id) {
  return std::find(set.begin(), set.end(), id) != set.end();
}
}  // namespace

bool MetadataImage::apply(const MetadataDelta& delta) {
  if (delta.version <= version_) return false;
  version_ = delta.version;
  for (const PartitionState& p : delta.partitions) {
    if (const PartitionState* old = partition(p.tp)) {
      SAMSA_ASSERT(p.leader_epoch >= old->leader_epoch && p.partition_epoch >= old->partition_epoch,
                   fmt::format("{}: metadata version {} moves an epoch backwards", to_string(p.tp),
                               delta.version));
    }
    partitions_[p.tp] = p;
  }
  for (const BrokerRegistration& b : delta.brokers) brokers_[b.id] = b;
  return true;
}

const PartitionState* MetadataImage::partition(const TopicPartition& tp) const {
  const auto it = partitions_.find(tp);
  return it == partitions_.end() ? nullptr : &it->second;
}

const BrokerRegistration* MetadataImage::broker(BrokerId id) const {
  const auto it = brokers_.find(id);
  return it == brokers_.end() ? nullptr : &it->second;
}

std::optional<std::string> MetadataImage::validate() const {
  for (const auto& [tp, p] : partitions_) {
    if (p.leader != kNoLeader && !contains(p.isr, p.leader)) {
      return fmt::format("{}: leader {} is not in the ISR", to_string(tp), p.leader);
    }
    for (BrokerId member : p.isr) {
      if (!contains(p.replicas, member)) {
        return fmt::format("{}: ISR member {} is not a replica", to_string(tp), member);
      }
    }
  }
  return std::nullopt;
}

}  // namespace samsa::cluster
