// Producer partitioners (KIP-480, KIP-794, Kafka's DefaultPartitioner/BuiltInPartitioner
// and RoundRobinPartitioner). The producer asks for a partition per record; a keyed record
// goes to (murmur2(key) & 0x7fffffff) % partitions, exactly as Kafka computes it, so a
// samsa history maps keys to partitions as a real cluster would. A record without a key
// sticks to one partition until batch.size bytes went there (KIP-794), then moves to
// another, drawn from the producer's random stream among partitions that have a leader.
//
// Invariants: 1. the answer is always in [0, partitions); 2. a keyed record's partition
// depends on its key bytes and the partition count only; 3. every random draw comes from
// the Rng the partitioner was given.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "cluster/log/byte_utils.h"
#include "cluster/types.h"
#include "sim/random.h"

namespace samsa::cluster {

// Kafka's murmur2 (Utils.murmur2: seed 0x9747b28c, m = 0x5bd1e995, r = 24), as a signed
// 32-bit value like Java's int.
std::int32_t murmur2(std::span<const std::uint8_t> data);
// Kafka's Utils.toPositive: clears the sign bit (not abs()).
constexpr std::int32_t to_positive(std::int32_t n) {
  return n & 0x7fffffff;
}

// What a partitioner knows of a topic: its partition count and which partitions have a
// leader now (Kafka's Cluster.availablePartitionsForTopic), in ascending order.
struct TopicPartitions {
  std::int32_t count = 0;
  std::vector<PartitionIndex> available;
};

class Partitioner {
 public:
  virtual ~Partitioner() = default;
  // The partition of one record; `record_bytes` is its size in a batch.
  virtual PartitionIndex partition(const std::string& topic, const std::optional<Bytes>& key,
                                   std::size_t record_bytes, const TopicPartitions& topic_info) = 0;
  virtual std::string_view name() const = 0;
};

// Kafka's default: murmur2 for keys, KIP-794 uniform sticky for null keys.
class DefaultPartitioner final : public Partitioner {
 public:
  DefaultPartitioner(sim::Rng& rng, std::int32_t batch_size) : rng_(rng), batch_size_(batch_size) {}
  PartitionIndex partition(const std::string& topic, const std::optional<Bytes>& key,
                           std::size_t record_bytes, const TopicPartitions& topic_info) override;
  std::string_view name() const override { return "default"; }

 private:
  struct Sticky {
    PartitionIndex partition{-1};
    std::size_t bytes = 0;  // produced to it since it was chosen
  };
  PartitionIndex next_sticky(const Sticky& previous, const TopicPartitions& topic_info);

  sim::Rng& rng_;
  std::int32_t batch_size_;
  std::map<std::string, Sticky> sticky_;  // by topic
};

// Kafka's RoundRobinPartitioner: every record to the next available partition, keys
// ignored.
class RoundRobinPartitioner final : public Partitioner {
 public:
  PartitionIndex partition(const std::string& topic, const std::optional<Bytes>& key,
                           std::size_t record_bytes, const TopicPartitions& topic_info) override;
  std::string_view name() const override { return "round-robin"; }

 private:
  std::map<std::string, std::uint64_t> counters_;  // by topic
};

// A user-supplied partitioner (the extension point of partitioner.class).
class FunctionPartitioner final : public Partitioner {
 public:
  using Function =
      std::function<PartitionIndex(const std::string& topic, const std::optional<Bytes>& key,
                                   const TopicPartitions& topic_info)>;
  FunctionPartitioner(std::string name, Function function)
      : name_(std::move(name)), function_(std::move(function)) {}
  PartitionIndex partition(const std::string& topic, const std::optional<Bytes>& key,
                           std::size_t record_bytes, const TopicPartitions& topic_info) override;
  std::string_view name() const override { return name_; }

 private:
  std::string name_;
  Function function_;
};

// The partition Kafka's default partitioner gives a key.
PartitionIndex partition_for_key(std::span<const std::uint8_t> key, std::int32_t partitions);

}  // namespace samsa::cluster
