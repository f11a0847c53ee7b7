#include "harness/replica_inspector.h"

#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <string>

#include "cluster/broker/broker.h"
#include "cluster/log/partition_log.h"
#include "cluster/log/record_batch.h"
#include "properties/history.h"
#include "sim/node_env.h"

namespace samsa::harness {

namespace {

constexpr std::int32_t kReadBytes = 1 << 20;

// Reads one log from its start to its end, skipping control batches.
void read_whole(cluster::PartitionLog& log, properties::ReplicaLog& out) {
  out.log_start_offset = log.log_start_offset();
  out.log_end_offset = log.log_end_offset();
  cluster::Offset next = out.log_start_offset;
  while (next < out.log_end_offset) {
    auto read = log.read(next, kReadBytes, out.log_end_offset);
    if (!read.ok() || read.value().batches.empty()) break;
    const cluster::ScanResult scan = cluster::scan_batches(read.value().batches);
    if (scan.batches.empty()) break;
    for (const cluster::BatchView& batch : scan.batches) {
      next = batch.last_offset() + 1;
      if (batch.is_control()) continue;
      for (const cluster::Record& r : batch.records()) {
        if (r.offset < out.log_start_offset) continue;
        out.records.push_back({r.offset, batch.leader_epoch(), properties::text_of(r.key),
                               properties::text_of(r.value), r.timestamp_ms});
      }
    }
  }
}

void inspect_node(sim::Simulation& sim, sim::NodeId node, const cluster::BrokerConfig& config,
                  const LastHighWatermarks& last_hw,
                  const std::shared_ptr<std::vector<properties::ReplicaLog>>& logs,
                  const std::shared_ptr<int>& remaining) {
  sim::NodeEnv env(sim, node);
  for (const std::string& name : env.disk().list_dirs(config.log_dirs)) {
    const std::optional<cluster::TopicPartition> tp = cluster::parse_partition_dir(name);
    if (!tp) continue;
    auto log = cluster::PartitionLog::open(env, fmt::format("{}/{}", config.log_dirs, name),
                                           cluster::log_config_for(config, tp->topic));
    if (!log.ok()) continue;
    properties::ReplicaLog out;
    out.broker = config.broker_id;
    out.tp = *tp;
    read_whole(*log.value(), out);
    out.segments = log.value()->segments();
    out.cleaner_checkpoint = log.value()->cleaner_checkpoint();
    out.clock_ms = env.wall_ms();
    const auto hw = last_hw.find({config.broker_id, *tp});
    out.high_watermark = hw != last_hw.end() ? std::min(hw->second, out.log_end_offset)
                                             : log.value()->checkpointed_high_watermark();
    logs->push_back(std::move(out));
  }
  --*remaining;
}

}  // namespace

std::vector<properties::ReplicaLog> inspect_replica_logs(KRaftCluster& cluster,
                                                         const LastHighWatermarks& last_hw,
                                                         sim::Duration limit) {
  sim::Simulation& sim = cluster.sim();
  auto logs = std::make_shared<std::vector<properties::ReplicaLog>>();
  auto remaining = std::make_shared<int>(static_cast<int>(cluster.broker_nodes().size()));
  for (sim::NodeId node : cluster.broker_nodes()) sim.crash(node);
  for (sim::NodeId node : cluster.broker_nodes()) {
    const cluster::BrokerConfig& config = cluster.broker_config(*cluster.broker_on(node));
    sim.start(node, [&sim, node, &config, &last_hw, logs, remaining] {
      inspect_node(sim, node, config, last_hw, logs, remaining);
    });
  }
  run_until(
      sim, [&] { return *remaining == 0; }, limit);
  std::vector<properties::ReplicaLog> out = std::move(*logs);
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::tie(a.tp, a.broker) < std::tie(b.tp, b.broker);
  });
  return out;
}

}  // namespace samsa::harness
