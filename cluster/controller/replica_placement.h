// Replica placement for new topics: Kafka's rack-unaware round robin
// (AdminUtils.assignReplicasToBrokersRackUnaware) over the eligible brokers sorted by id.
// Partition p's first replica is broker (start_index + p) mod n; the others follow at a
// shift that grows by one every n partitions, so leaders and followers spread evenly.
// Pure: the controller draws start_index and replica_shift from its random stream (Kafka
// draws both uniformly in [0, n)); values >= n are taken mod n.
// Invariants: every assignment has replication_factor distinct brokers from the input;
// consecutive partitions' first replicas are consecutive brokers (round robin).
#pragma once

#include <cstdint>
#include <vector>

#include "cluster/errors.h"
#include "cluster/types.h"
#include "sim/result.h"

namespace samsa::cluster::controller {

// A samsa bound (STYLE.md rule 6; Kafka has none per topic).
inline constexpr std::int32_t kMaxPartitionsPerTopic = 10'000;

using ReplicaAssignment = std::vector<std::vector<BrokerId>>;  // [partition] -> replicas

// INVALID_PARTITIONS when num_partitions < 1 (or above kMaxPartitionsPerTopic);
// INVALID_REPLICATION_FACTOR when replication_factor < 1 or above the number of brokers.
sim::Result<ReplicaAssignment, ErrorCode> place_replicas(std::vector<BrokerId> eligible_brokers,
                                                         std::int32_t num_partitions,
                                                         std::int32_t replication_factor,
                                                         std::uint64_t start_index,
                                                         std::uint64_t replica_shift);

}  // namespace samsa::cluster::controller
