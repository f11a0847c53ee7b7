#include "cluster/client/partitioner.h"

#include <fmt/format.h>

#include "sim/assert.h"

namespace samsa::cluster {

std::int32_t murmur2(std::span<const std::uint8_t> data) {
  // Java's int arithmetic wraps; unsigned arithmetic gives the same bits in C++.
  const auto length = static_cast<std::uint32_t>(data.size());
  constexpr std::uint32_t kSeed = 0x9747b28c;
  constexpr std::uint32_t kM = 0x5bd1e995;
  constexpr int kR = 24;
  std::uint32_t h = kSeed ^ length;
  const std::size_t length4 = data.size() / 4;
  for (std::size_t i = 0; i < length4; ++i) {
    const std::size_t i4 = i * 4;
    std::uint32_t k = static_cast<std::uint32_t>(data[i4]) |
                      (static_cast<std::uint32_t>(data[i4 + 1]) << 8) |
                      (static_cast<std::uint32_t>(data[i4 + 2]) << 16) |
                      (static_cast<std::uint32_t>(data[i4 + 3]) << 24);
    k *= kM;
    k ^= k >> kR;
    k *= kM;
    h *= kM;
    h ^= k;
  }
  const std::size_t tail = data.size() & ~std::size_t{3};
  switch (data.size() % 4) {
    case 3:
      h ^= static_cast<std::uint32_t>(data[tail + 2]) << 16;
      [[fallthrough]];
    case 2:
      h ^= static_cast<std::uint32_t>(data[tail + 1]) << 8;
      [[fallthrough]];
    case 1:
      h ^= static_cast<std::uint32_t>(data[tail]);
      h *= kM;
      break;
    default:
      break;
  }
  h ^= h >> 13;
  h *= kM;
  h ^= h >> 15;
  return static_cast<std::int32_t>(h);
}

PartitionIndex partition_for_key(std::span<const std::uint8_t> key, std::int32_t partitions) {
  SAMSA_ASSERT(partitions > 0, "a topic has at least one partition");
  return PartitionIndex(to_positive(murmur2(key)) % partitions);
}

PartitionIndex DefaultPartitioner::partition(const std::string& topic,
                                             const std::optional<Bytes>& key,
                                             std::size_t record_bytes,
                                             const TopicPartitions& topic_info) {
  SAMSA_ASSERT(topic_info.count > 0, fmt::format("topic {} has no partitions", topic));
  if (key) return partition_for_key(*key, topic_info.count);
  // KIP-794: stay until batch.size bytes went to the sticky partition, then switch.
  Sticky& sticky = sticky_[topic];
  if (sticky.partition.value() < 0 || sticky.partition.value() >= topic_info.count ||
      sticky.bytes >= static_cast<std::size_t>(batch_size_)) {
    sticky = Sticky{next_sticky(sticky, topic_info), 0};
  }
  sticky.bytes += record_bytes;
  return sticky.partition;
}

PartitionIndex DefaultPartitioner::next_sticky(const Sticky& previous,
                                               const TopicPartitions& topic_info) {
  // Among partitions with a leader (all of them if none has one), another one than the
  // previous when there is a choice (KIP-480's nextPartition).
  std::vector<PartitionIndex> candidates;
  if (topic_info.available.empty()) {
    for (std::int32_t p = 0; p < topic_info.count; ++p) candidates.emplace_back(p);
  } else {
    candidates = topic_info.available;
  }
  if (candidates.size() > 1) {
    std::erase(candidates, previous.partition);
  }
  return candidates[rng_.below(candidates.size())];
}

PartitionIndex RoundRobinPartitioner::partition(const std::string& topic,
                                                const std::optional<Bytes>& /*key*/,
                                                std::size_t /*record_bytes*/,
                                                const TopicPartitions& topic_info) {
  SAMSA_ASSERT(topic_info.count > 0, fmt::format("topic {} has no partitions", topic));
  const std::uint64_t n = counters_[topic]++;
  if (!topic_info.available.empty()) {
    return topic_info.available[n % topic_info.available.size()];
  }
  return PartitionIndex(
      static_cast<std::int32_t>(n % static_cast<std::uint64_t>(topic_info.count)));
}

PartitionIndex FunctionPartitioner::partition(const std::string& topic,
                                              const std::optional<Bytes>& key,
                                              std::size_t /*record_bytes*/,
                                              const TopicPartitions& topic_info) {
  const PartitionIndex p = function_(topic, key, topic_info);
  SAMSA_ASSERT(p.value() >= 0 && p.value() < topic_info.count,
               fmt::format("partitioner {} chose partition {} of {} for topic {}", name_, p.value(),
                           topic_info.count, topic));
  return p;
}

}  // namespace samsa::cluster
