// The broker process: run_broker() is a broker node's main function. It recovers the
// partition logs found on its disk, then serves the broker protocol (messages.h) with one
// RpcEndpoint, one fiber per request so that long polls and acks=all waits never block
// other requests. Metadata updates from the controller are applied in the receive loop,
// in arrival order. Invariants: at most BrokerConfig::max_in_flight_requests handler
// fibers exist at once (more requests are dropped, as a full socket buffer would).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "cluster/bugs.h"
#include "cluster/broker/leader_replica_state.h"
#include "cluster/log/log_config.h"
#include "cluster/types.h"
#include "sim/ids.h"
#include "sim/node_env.h"

namespace samsa::cluster {

// Kafka's config names, with '.' as '_' (broker.id, replica.lag.time.max.ms, ...).
struct BrokerConfig {
  BrokerId broker_id{0};
  sim::NodeId controller_node;  // where AlterPartition requests go
  std::string log_dirs = "kafka-logs";
  LogConfig log;
  ReplicationConfig replication;  // replica.lag.time.max.ms, min.insync.replicas
  // Caps the long poll of a consumer fetch (max_wait_ms is the client's; samsa bounds
  // every wait on the broker side too).
  std::int32_t fetch_max_wait_ms = 500;
  std::int32_t replica_fetch_wait_max_ms = 500;  // followers' long-poll wait (and its cap)
  std::int32_t replica_fetch_min_bytes = 1;
  std::int32_t replica_fetch_backoff_ms = 100;  // after a failed fetch
  std::int32_t request_timeout_ms = 30'000;     // AlterPartition and follower fetch calls
  std::int32_t replica_high_watermark_checkpoint_interval_ms = 5'000;
  std::size_t max_in_flight_requests = 512;  // handler fibers at once
  Bugs bugs;
};

// The node's main: never returns while the node is up (FiberKilled unwinds it on crash).
void run_broker(sim::NodeEnv& env, const BrokerConfig& config);

}  // namespace samsa::cluster
