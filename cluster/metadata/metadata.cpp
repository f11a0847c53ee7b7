#include "cluster/metadata/metadata.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "sim/assert.h"

namespace samsa::cluster {

std::string to_string(const TopicPartition& tp) {
  return fmt::format("{}-{}", tp.topic, tp.partition);
}

namespace {

bool contains(const std::vector<BrokerId>& set, BrokerId id) {
  return std::find(set.begin(), set.end(), id) != set.end();
}

bool distinct(const std::vector<BrokerId>& ids) {
  const std::set<BrokerId> unique(ids.begin(), ids.end());
  return unique.size() == ids.size();
}

}  // namespace

bool MetadataImage::apply(const MetadataDelta& delta) {
  if (delta.version <= version_) return false;
  version_ = delta.version;
  for (const TopicState& t : delta.topics) topics_[t.name] = t;
  for (const PartitionState& p : delta.partitions) {
    if (const PartitionState* old = partition(p.tp)) {
      SAMSA_ASSERT(p.leader_epoch >= old->leader_epoch && p.partition_epoch >= old->partition_epoch,
                   fmt::format("{}: metadata version {} moves an epoch backwards", to_string(p.tp),
                               delta.version));
    }
    partitions_[p.tp] = p;
  }
  for (const BrokerRegistration& b : delta.brokers) {
    if (const BrokerRegistration* old = broker(b.id)) {
      SAMSA_ASSERT(b.epoch >= old->epoch,
                   fmt::format("broker {}: metadata version {} moves the broker epoch backwards",
                               b.id, delta.version));
    }
    brokers_[b.id] = b;
    last_broker_epoch_ = std::max(last_broker_epoch_, b.epoch);
  }
  if (delta.next_producer_id) {
    SAMSA_ASSERT(*delta.next_producer_id >= next_producer_id_,
                 fmt::format("metadata version {} moves next_producer_id backwards", delta.version));
    next_producer_id_ = *delta.next_producer_id;
  }
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

const TopicState* MetadataImage::topic(const std::string& name) const {
  const auto it = topics_.find(name);
  return it == topics_.end() ? nullptr : &it->second;
}

bool MetadataImage::is_eligible(BrokerId id) const {
  const BrokerRegistration* b = broker(id);
  return b != nullptr && !b->fenced && !b->in_controlled_shutdown;
}

std::optional<std::string> MetadataImage::validate_partition(const PartitionState& p) const {
  const std::string name = to_string(p.tp);
  if (topic(p.tp.topic) == nullptr) return fmt::format("{}: its topic has no entry", name);
  if (p.replicas.empty() || !distinct(p.replicas)) {
    return fmt::format("{}: the replicas are empty or repeat a broker", name);
  }
  for (BrokerId r : p.replicas) {
    if (broker(r) == nullptr) return fmt::format("{}: replica {} is not registered", name, r);
  }
  if (p.isr.empty() || !distinct(p.isr)) {
    return fmt::format("{}: the ISR is empty or repeats a broker", name);
  }
  for (BrokerId member : p.isr) {
    if (!contains(p.replicas, member)) {
      return fmt::format("{}: ISR member {} is not a replica", name, member);
    }
  }
  if (p.leader != kNoLeader && !contains(p.isr, p.leader)) {
    return fmt::format("{}: leader {} is not in the ISR", name, p.leader);
  }
  if (p.leader != kNoLeader && (broker(p.leader) == nullptr || broker(p.leader)->fenced)) {
    return fmt::format("{}: leader {} is fenced or not registered", name, p.leader);
  }
  const bool sole_member_of_leaderless = p.leader == kNoLeader && p.isr.size() == 1;
  for (BrokerId member : p.isr) {
    if (!is_eligible(member) && !sole_member_of_leaderless) {
      return fmt::format("{}: ISR member {} is fenced or in controlled shutdown", name, member);
    }
  }
  if (p.leader_epoch < LeaderEpoch(0) || p.partition_epoch < PartitionEpoch(0)) {
    return fmt::format("{}: a negative epoch", name);
  }
  return std::nullopt;
}

std::optional<std::string> MetadataImage::validate() const {
  for (const auto& entry : partitions_) {
    if (auto violation = validate_partition(entry.second)) return violation;
  }
  for (const auto& entry : brokers_) {
    if (entry.second.epoch > last_broker_epoch_) {
      return fmt::format("broker {}: epoch {} above the last broker epoch {}", entry.first,
                         entry.second.epoch, last_broker_epoch_);
    }
  }
  return std::nullopt;
}

}  // namespace samsa::cluster
