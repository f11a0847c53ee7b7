// ReplicaInspector: reads every replica's log once a run is over — "each replica's log at
// the end" of the History's white-box half. It crashes every broker (a crash keeps the
// page cache, so nothing the broker wrote is lost) and starts each broker node with an
// inspector process instead of the broker: it opens, and so recovers, each partition log
// on the node's disk exactly as a restarted broker would, and reads it whole.
//
// Invariant: after inspect() no broker process runs again; the cluster is done.
#pragma once

#include <map>
#include <utility>
#include <vector>

#include "harness/kraft_cluster.h"
#include "properties/observations.h"

namespace samsa::harness {

// Each replica's high watermark as the broker last had it in memory, from the
// ReplicaSamples (a checkpoint may lag it).
using LastHighWatermarks =
    std::map<std::pair<cluster::BrokerId, cluster::TopicPartition>, cluster::Offset>;

// Runs the simulation (at most `limit`) until every broker's logs are read; returns one
// ReplicaLog per log found, ordered by (partition, broker).
std::vector<properties::ReplicaLog> inspect_replica_logs(KRaftCluster& cluster,
                                                         const LastHighWatermarks& last_hw,
                                                         sim::Duration limit);

}  // namespace samsa::harness
