// The broker process: run_broker() is a broker node's main function. It recovers the
// partition logs found on its disk, follows the metadata log of the controller quorum as
// a Raft observer (KIP-631: each committed record becomes a MetadataDelta that the
// ReplicaManager acts on), registers and heartbeats (BrokerLifecycle), and serves the
// broker protocol (messages.h) with one RpcEndpoint, one fiber per request so that long
// polls and acks=all waits never block other requests. Invariants: at most
// BrokerConfig::max_in_flight_requests handler fibers exist at once (more requests are
// dropped, as a full socket buffer would); metadata reaches the ReplicaManager in log
// order only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cluster/broker/leader_replica_state.h"
#include "cluster/bugs.h"
#include "cluster/group/group_config.h"
#include "cluster/log/log_cleaner.h"
#include "cluster/log/log_config.h"
#include "cluster/log/log_retention.h"
#include "cluster/metadata/metadata.h"
#include "cluster/types.h"
#include "sim/ids.h"
#include "sim/node_env.h"

namespace samsa::cluster {

enum class ReplicaRole : std::uint8_t { kNone, kLeader, kFollower };

// One replica's state after a change of its role, leader epoch, high watermark, log end
// offset or (on the leader) the ISR it uses for the high watermark and acks — what the
// harness's observer is told (white-box: it observes, never steers).
struct ReplicaObservation {
  BrokerId broker{0};
  TopicPartition tp;
  ReplicaRole role = ReplicaRole::kNone;
  LeaderEpoch leader_epoch{kNoLeaderEpoch};
  Offset high_watermark{0};
  Offset log_end_offset{0};
  std::vector<BrokerId> isr;  // the maximal ISR (KIP-497) while leading; empty otherwise
  Offset log_start_offset{0};
  bool operator==(const ReplicaObservation&) const = default;
};

enum class MetadataSource : std::uint8_t { kQuorum, kPushedByTest };

// Kafka's config names, with '.' as '_' (broker.id, replica.lag.time.max.ms, ...).
struct BrokerConfig {
  BrokerId broker_id{0};
  // controller.quorum.voters: the controller nodes (metadata log voters; AlterPartition,
  // registrations and heartbeats go to the active one).
  std::vector<sim::NodeId> controller_quorum_voters;
  // Where metadata comes from: the quorum's metadata log (the real path), or deltas a
  // test controller pushes as MetadataUpdate messages (broker unit tests, which choose
  // leaders by hand). Both end in ReplicaManager::apply_metadata.
  MetadataSource metadata_source = MetadataSource::kQuorum;
  std::string log_dirs = "kafka-logs";
  std::string metadata_log_dir = "metadata-log";     // metadata.log.dir
  std::int32_t broker_heartbeat_interval_ms = 2000;  // broker.heartbeat.interval.ms
  std::int32_t metadata_fetch_timeout_ms = 2000;     // the metadata log observer's fetch timeout
  LogConfig log;
  ReplicationConfig replication;  // replica.lag.time.max.ms, min.insync.replicas
  // fetch.max.wait.ms is a consumer config in Kafka: each Fetch carries its own
  // max_wait_ms and the broker holds the request that long.
  std::int32_t replica_fetch_wait_max_ms = 500;  // followers' long poll, sent as their max_wait_ms
  std::int32_t replica_fetch_min_bytes = 1;
  std::int32_t replica_fetch_backoff_ms = 100;  // after a failed fetch
  // AlterPartition and follower fetch calls; also the broker's hard safety cap on any long
  // poll: a Fetch is never held longer than this, whatever its max_wait_ms (the client's
  // own request.timeout.ms has ended the call by then).
  std::int32_t request_timeout_ms = 30'000;
  std::int32_t replica_high_watermark_checkpoint_interval_ms = 5'000;
  std::size_t max_in_flight_requests = 512;  // handler fibers at once
  GroupCoordinatorConfig group;              // offsets.topic.*, group.* settings
  // Topic configs that override `log` for one topic, as CreateTopics' configs would (the
  // offsets topic is always compacted: log_config_for in replica_manager.h).
  std::map<std::string, LogConfig> topic_log_configs;
  // Scaled down from Kafka's 300000 and 15000 for simulated runs.
  std::int32_t log_retention_check_interval_ms = 1'000;  // log.retention.check.interval.ms
  bool log_cleaner_enable = true;                        // log.cleaner.enable
  std::int32_t log_cleaner_backoff_ms = 1'000;           // log.cleaner.backoff.ms
  std::size_t log_cleaner_dedupe_max_keys = 100'000;     // log.cleaner.dedupe.buffer.size, in keys
  Bugs bugs;
  // Called (when set) after every change a ReplicaObservation shows; must not block.
  std::function<void(const ReplicaObservation&)> replica_observer;
  // Called (when set) after a retention check that deleted segments, and after every
  // cleaner pass; must not block.
  std::function<void(BrokerId, const TopicPartition&, const RetentionPass&)> retention_observer;
  std::function<void(BrokerId, const TopicPartition&, const CleanPass&)> cleaner_observer;
};

// The log config of `topic`'s partitions: `log` with the topic's overrides; the offsets
// topic is compacted (cleanup.policy=compact, as Kafka creates it).
LogConfig log_config_for(const BrokerConfig& config, const std::string& topic);

// A partition log's directory name back to its partition: "orders-3" -> {orders, 3}
// (topic names may hold '-' themselves); nullopt for any other name.
std::optional<TopicPartition> parse_partition_dir(const std::string& name);

// The node's main: never returns while the node is up (FiberKilled unwinds it on crash).
void run_broker(sim::NodeEnv& env, const BrokerConfig& config);

}  // namespace samsa::cluster
