#include "cluster/controller/replica_placement.h"

#include <algorithm>

namespace samsa::cluster::controller {
namespace {

// Kafka's AdminUtils.replicaIndex: the j-th follower sits 1 + (shift + j) mod (n - 1)
// places after the first replica, so it never lands on the first replica itself.
std::size_t follower_index(std::size_t first, std::size_t shift, std::size_t j, std::size_t n) {
  return (first + 1 + (shift + j) % (n - 1)) % n;
}

}  // namespace

sim::Result<ReplicaAssignment, ErrorCode> place_replicas(std::vector<BrokerId> eligible_brokers,
                                                         std::int32_t num_partitions,
                                                         std::int32_t replication_factor,
                                                         std::uint64_t start_index,
                                                         std::uint64_t replica_shift) {
  if (num_partitions < 1 || num_partitions > kMaxPartitionsPerTopic) {
    return sim::Err(ErrorCode::kInvalidPartitions);
  }
  std::sort(eligible_brokers.begin(), eligible_brokers.end());
  SAMSA_ASSERT(std::adjacent_find(eligible_brokers.begin(), eligible_brokers.end()) ==
                   eligible_brokers.end(),
               "place_replicas: a broker listed twice");
  const std::size_t n = eligible_brokers.size();
  if (replication_factor < 1 || static_cast<std::size_t>(replication_factor) > n) {
    return sim::Err(ErrorCode::kInvalidReplicationFactor);
  }
  const std::size_t start = start_index % n;
  std::size_t shift = replica_shift % n;
  ReplicaAssignment assignment;
  for (std::size_t p = 0; p < static_cast<std::size_t>(num_partitions); ++p) {
    if (p > 0 && p % n == 0) ++shift;
    const std::size_t first = (p + start) % n;
    std::vector<BrokerId> replicas{eligible_brokers[first]};
    for (std::size_t j = 0; j + 1 < static_cast<std::size_t>(replication_factor); ++j) {
      replicas.push_back(eligible_brokers[follower_index(first, shift, j, n)]);
    }
    assignment.push_back(std::move(replicas));
  }
  return assignment;
}

}  // namespace samsa::cluster::controller
