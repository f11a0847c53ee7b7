#include "cluster/controller/metadata_replay.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "cluster/controller/overloaded.h"
#include "sim/assert.h"

namespace samsa::cluster::controller {
namespace {

BrokerRegistration registration_after(const MetadataImage& image,
                                      const BrokerRegistrationChangeRecord& r) {
  const BrokerRegistration* old = image.broker(r.broker_id);
  SAMSA_ASSERT(old != nullptr && old->epoch == r.broker_epoch,
               fmt::format("{} does not match the registration of broker {}",
                           describe(MetadataRecord(r)), r.broker_id));
  BrokerRegistration next = *old;
  if (r.fenced) next.fenced = *r.fenced;
  if (r.in_controlled_shutdown) next.in_controlled_shutdown = *r.in_controlled_shutdown;
  return next;
}

BrokerRegistration registration_of(const MetadataImage& image, const RegisterBrokerRecord& r,
                                   std::int64_t version) {
  SAMSA_ASSERT(r.broker_epoch > image.last_broker_epoch(),
               fmt::format("{}: the broker epoch is not above the last one, {}",
                           describe(MetadataRecord(r)), image.last_broker_epoch()));
  BrokerRegistration b;
  b.id = r.broker_id;
  b.node = r.node;
  b.epoch = r.broker_epoch;
  b.fenced = true;  // KIP-631: fenced until it catches up with the metadata log
  b.in_controlled_shutdown = false;
  b.registration_offset = version - 1;
  b.incarnation = r.incarnation;
  return b;
}

PartitionState partition_of(const MetadataImage& image, const PartitionRecord& r) {
  SAMSA_ASSERT(
      image.topic(r.tp.topic) != nullptr && image.partition(r.tp) == nullptr,
      fmt::format("{}: its topic is unknown or the partition exists", describe(MetadataRecord(r))));
  return PartitionState{r.tp, r.replicas, r.isr, r.leader, r.leader_epoch, r.partition_epoch};
}

// KRaft's PartitionRegistration.merge: the partition epoch moves on every change, the
// leader epoch when the leader field is present.
PartitionState partition_after(const MetadataImage& image, const PartitionChangeRecord& r) {
  const PartitionState* old = image.partition(r.tp);
  SAMSA_ASSERT(old != nullptr,
               fmt::format("{}: the partition does not exist", describe(MetadataRecord(r))));
  PartitionState next = *old;
  if (r.isr) next.isr = *r.isr;
  if (r.leader) {
    next.leader = *r.leader;
    next.leader_epoch = next.leader_epoch + 1;
  }
  next.partition_epoch = next.partition_epoch + 1;
  return next;
}

}  // namespace

MetadataDelta replay(const MetadataImage& image, const MetadataRecord& record,
                     std::int64_t version) {
  SAMSA_ASSERT(version > image.version(),
               fmt::format("replay at version {} onto image version {}", version, image.version()));
  MetadataDelta delta;
  delta.version = version;
  std::visit(
      Overloaded{
          [&](const RegisterBrokerRecord& r) {
            delta.brokers.push_back(registration_of(image, r, version));
          },
          [&](const BrokerRegistrationChangeRecord& r) {
            delta.brokers.push_back(registration_after(image, r));
          },
          [&](const TopicRecord& r) {
            SAMSA_ASSERT(image.topic(r.name) == nullptr,
                         fmt::format("topic {} is created twice", r.name));
            delta.topics.push_back(TopicState{r.name, r.unclean_leader_election_enable});
          },
          [&](const PartitionRecord& r) { delta.partitions.push_back(partition_of(image, r)); },
          [&](const PartitionChangeRecord& r) {
            delta.partitions.push_back(partition_after(image, r));
          },
          [&](const ProducerIdsRecord& r) {
            SAMSA_ASSERT(r.next_producer_id > image.next_producer_id(),
                         fmt::format("{}: producer ids move backwards from {}",
                                     describe(MetadataRecord(r)), image.next_producer_id()));
            delta.next_producer_id = r.next_producer_id;
          },
      },
      record);
  return delta;
}

void replay_into(MetadataImage& image, const MetadataRecord& record, std::int64_t version) {
  const bool applied = image.apply(replay(image, record, version));
  SAMSA_ASSERT(applied, "replay_into: the delta was not newer than the image");
}

std::vector<MetadataRecord> snapshot_records(const MetadataImage& image) {
  std::vector<const BrokerRegistration*> by_epoch;
  for (const auto& entry : image.brokers()) by_epoch.push_back(&entry.second);
  std::sort(by_epoch.begin(), by_epoch.end(), [](const auto* a, const auto* b) {
    return a->epoch != b->epoch ? a->epoch < b->epoch : a->id < b->id;
  });
  std::vector<MetadataRecord> records;
  for (const BrokerRegistration* b : by_epoch) {
    records.emplace_back(RegisterBrokerRecord{b->id, b->node, b->epoch, b->incarnation});
  }
  for (const auto& [id, b] : image.brokers()) {
    BrokerRegistrationChangeRecord change{id, b.epoch, std::nullopt, std::nullopt};
    if (!b.fenced) change.fenced = false;
    if (b.in_controlled_shutdown) change.in_controlled_shutdown = true;
    if (change.fenced || change.in_controlled_shutdown) records.emplace_back(change);
  }
  std::size_t partitions = 0;
  for (const auto& [name, topic] : image.topics()) {
    records.emplace_back(TopicRecord{name, topic.unclean_leader_election_enable});
    const TopicPartition first{name, PartitionIndex(std::numeric_limits<std::int32_t>::min())};
    for (auto it = image.partitions().lower_bound(first);
         it != image.partitions().end() && it->first.topic == name; ++it) {
      const PartitionState& p = it->second;
      records.emplace_back(
          PartitionRecord{p.tp, p.replicas, p.isr, p.leader, p.leader_epoch, p.partition_epoch});
      ++partitions;
    }
  }
  SAMSA_ASSERT(partitions == image.partitions().size(),
               "snapshot_records: a partition whose topic has no entry");
  if (image.next_producer_id() > 0) {  // KIP-730: ids handed out survive the snapshot
    records.emplace_back(ProducerIdsRecord{BrokerId(0), BrokerEpoch(0), image.next_producer_id()});
  }
  return records;
}

MetadataDelta snapshot_delta(const std::vector<MetadataRecord>& records, std::int64_t version) {
  SAMSA_ASSERT(version >= 1, "a snapshot covers at least one metadata log offset");
  MetadataImage scratch;
  std::int64_t scratch_version = 0;
  for (const MetadataRecord& record : records) replay_into(scratch, record, ++scratch_version);
  MetadataDelta delta;
  delta.version = version;
  for (const auto& entry : scratch.topics()) delta.topics.push_back(entry.second);
  for (const auto& entry : scratch.partitions()) delta.partitions.push_back(entry.second);
  for (const auto& entry : scratch.brokers()) {
    BrokerRegistration b = entry.second;
    b.registration_offset = version - 1;
    delta.brokers.push_back(b);
  }
  if (scratch.next_producer_id() > 0) delta.next_producer_id = scratch.next_producer_id();
  return delta;
}

}  // namespace samsa::cluster::controller
