#include "properties/run_plan.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "cluster/bugs.h"
#include "cluster/group/assignor.h"
#include "cluster/log/log_config.h"
#include "properties/checker.h"

namespace samsa::properties {

namespace {

struct FaultKindInfo {
  FaultKind kind;
  std::string_view name;
  std::string_view description;
};

constexpr std::array<FaultKindInfo, kFaultKinds> kFaultKindInfo{{
    {FaultKind::kCrash, "crash", "kill -9 a node (its page cache survives), restart it later"},
    {FaultKind::kPowerLoss, "power-loss",
     "a node loses power: writes it had not fsynced are lost, the last may be torn"},
    {FaultKind::kPause, "pause", "a node stops taking steps (a long GC stall), then resumes"},
    {FaultKind::kIsolate, "isolate", "cut one node off the network, then reconnect it"},
    {FaultKind::kPartition, "partition", "split brokers and controllers into two sides"},
    {FaultKind::kClockSkew, "clock-skew", "set a node's clock off by an offset, then reset it"},
    {FaultKind::kLossyNetwork, "lossy-network", "drop a share of all messages for a while"},
}};

std::int64_t ms(sim::Duration d) {
  return sim::to_ms(d);
}

std::string_view role_name(NodeRole role) {
  switch (role) {
    case NodeRole::kBroker:
      return "broker";
    case NodeRole::kController:
      return "controller";
    case NodeRole::kConsumer:
      return "consumer";
  }
  return "?";
}

std::optional<std::string> validate_cluster(const ClusterPlan& c) {
  if (c.controllers != 1 && c.controllers != 3 && c.controllers != 5)
    return fmt::format("controllers = {}: a quorum has 1, 3 or 5 controllers", c.controllers);
  if (c.brokers < 1 || c.brokers > kPlanLimits.max_brokers)
    return fmt::format("brokers = {}: must be in [1, {}]", c.brokers, kPlanLimits.max_brokers);
  if (c.partitions < 1 || c.partitions > kPlanLimits.max_partitions)
    return fmt::format("partitions = {}: must be in [1, {}]", c.partitions,
                       kPlanLimits.max_partitions);
  if (c.replication_factor < 1 || c.replication_factor > c.brokers)
    return fmt::format("replication.factor = {}: must be in [1, brokers = {}]",
                       c.replication_factor, c.brokers);
  if (c.min_insync_replicas < 1 || c.min_insync_replicas > c.replication_factor)
    return fmt::format("min.insync.replicas = {}: must be in [1, replication.factor = {}]",
                       c.min_insync_replicas, c.replication_factor);
  if (c.segment_bytes < 1024 || c.segment_bytes > (1LL << 30))
    return fmt::format("segment.bytes = {}: must be in [1024, 2^30]", c.segment_bytes);
  if (c.segment_ms < 1) return fmt::format("segment.ms = {}: must be positive", c.segment_ms);
  const sim::NetworkConfig& n = c.network;
  for (const auto& [name, p] :
       {std::pair{"drop", n.drop_probability}, std::pair{"duplicate", n.duplicate_probability},
        std::pair{"delay", n.delay_probability}}) {
    if (!(p >= 0 && p <= 1))
      return fmt::format("network {} probability {}: must be in [0, 1]", name, p);
  }
  if (n.latency.base < sim::Duration::zero() || n.latency.jitter < sim::Duration::zero() ||
      n.delay_max < sim::Duration::zero() ||
      n.latency.base + n.latency.jitter > std::chrono::seconds(10))
    return std::string("network latency: base and jitter must be >= 0 with base + jitter <= 10 s");
  const sim::DiskConfig& d = c.disk;
  for (sim::Duration latency :
       {d.read_latency, d.write_latency, d.fsync_latency, d.metadata_latency}) {
    if (latency < sim::Duration::zero() || latency > std::chrono::seconds(10))
      return std::string("disk latencies: must be in [0, 10 s]");
  }
  if (!(d.latency_jitter >= 0 && d.latency_jitter <= 1))
    return fmt::format("disk latency jitter {}: must be in [0, 1]", d.latency_jitter);
  if (!(d.torn_write_probability >= 0 && d.torn_write_probability <= 1))
    return fmt::format("disk torn write probability {}: must be in [0, 1]",
                       d.torn_write_probability);
  return std::nullopt;
}

// Invariant 7: retention and compaction, with Kafka's ranges and its one cross-check.
std::optional<std::string> validate_retention(const ClusterPlan& c) {
  if (!cluster::cleanup_policy_from_name(c.cleanup_policy))
    return fmt::format("cleanup.policy = \"{}\": one of delete, compact, compact,delete",
                       c.cleanup_policy);
  if (c.retention_ms < -1)
    return fmt::format("retention.ms = {}: -1 (no limit) or >= 0", c.retention_ms);
  if (c.retention_bytes < -1)
    return fmt::format("retention.bytes = {}: -1 (no limit) or >= 0", c.retention_bytes);
  if (!(c.min_cleanable_dirty_ratio >= 0 && c.min_cleanable_dirty_ratio <= 1))
    return fmt::format("min.cleanable.dirty.ratio = {}: must be in [0, 1]",
                       c.min_cleanable_dirty_ratio);
  if (c.min_compaction_lag_ms < 0)
    return fmt::format("min.compaction.lag.ms = {}: must be >= 0", c.min_compaction_lag_ms);
  if (c.max_compaction_lag_ms < 1)
    return fmt::format("max.compaction.lag.ms = {}: must be >= 1", c.max_compaction_lag_ms);
  if (c.min_compaction_lag_ms > c.max_compaction_lag_ms)
    return fmt::format("min.compaction.lag.ms = {} is more than max.compaction.lag.ms = {}",
                       c.min_compaction_lag_ms, c.max_compaction_lag_ms);
  if (c.delete_retention_ms < 0)
    return fmt::format("delete.retention.ms = {}: must be >= 0", c.delete_retention_ms);
  const std::int64_t max_interval = ms(kPlanLimits.max_safety);
  if (c.retention_check_interval_ms < 1 || c.retention_check_interval_ms > max_interval)
    return fmt::format("log.retention.check.interval.ms = {}: must be in [1, {}]",
                       c.retention_check_interval_ms, max_interval);
  if (c.cleaner_backoff_ms < 1 || c.cleaner_backoff_ms > max_interval)
    return fmt::format("log.cleaner.backoff.ms = {}: must be in [1, {}]", c.cleaner_backoff_ms,
                       max_interval);
  return std::nullopt;
}

std::optional<std::string> validate_workload(const WorkloadPlan& w) {
  if (w.producers < 0 || w.producers > kPlanLimits.max_producers)
    return fmt::format("producers = {}: must be in [0, {}]", w.producers,
                       kPlanLimits.max_producers);
  if (w.consumers < 0 || w.consumers > kPlanLimits.max_consumers)
    return fmt::format("consumers = {}: must be in [0, {}]", w.consumers,
                       kPlanLimits.max_consumers);
  if (w.keys < 0 || w.keys > 1000) return fmt::format("keys = {}: must be in [0, 1000]", w.keys);
  if (w.records_per_producer < 0 || w.records_per_producer > kPlanLimits.max_records_per_producer)
    return fmt::format("records = {}: must be in [0, {}]", w.records_per_producer,
                       kPlanLimits.max_records_per_producer);
  if (w.send_interval < std::chrono::milliseconds(1))
    return std::string("send interval: must be at least 1 ms");
  if (w.processing_time < sim::Duration::zero() || w.processing_time > std::chrono::minutes(1))
    return fmt::format("processing time of {} ms: must be in [0, 60000] ms", ms(w.processing_time));
  if (w.acks != 0 && w.acks != 1 && w.acks != -1)
    return fmt::format("acks = {}: must be 0, 1 or all (-1)", w.acks);
  if (w.max_in_flight < 1 || w.max_in_flight > 100)
    return fmt::format("max.in.flight.requests.per.connection = {}: must be in [1, 100]",
                       w.max_in_flight);
  if (w.enable_idempotence && w.acks != -1)
    return fmt::format("enable.idempotence = true needs acks = all (acks = {})", w.acks);
  if (w.enable_idempotence && w.max_in_flight > 5)
    return fmt::format(
        "enable.idempotence = true needs max.in.flight.requests.per.connection <= 5 (it is {})",
        w.max_in_flight);
  if (w.retries < 0) return fmt::format("retries = {}: must be >= 0", w.retries);
  if (w.enable_idempotence && w.retries == 0)
    return std::string("enable.idempotence = true needs retries > 0");
  if (w.linger_ms < 0 || w.linger_ms > 60'000)
    return fmt::format("linger.ms = {}: must be in [0, 60000]", w.linger_ms);
  if (w.delivery_timeout_ms < w.linger_ms + 2'000 || w.delivery_timeout_ms > 600'000)
    return fmt::format(
        "delivery.timeout.ms = {}: must be in [linger.ms + request.timeout.ms (2000), 600000]",
        w.delivery_timeout_ms);
  const std::vector<std::string_view> assignors = cluster::assignor_names();
  if (std::find(assignors.begin(), assignors.end(), w.assignor) == assignors.end())
    return fmt::format("partition.assignment.strategy = \"{}\": one of {}", w.assignor,
                       fmt::join(assignors, ", "));
  if (w.commit != "sync" && w.commit != "async" && w.commit != "auto")
    return fmt::format("commit = \"{}\": one of sync, async, auto", w.commit);
  if (w.auto_offset_reset != "earliest" && w.auto_offset_reset != "latest")
    return fmt::format("auto.offset.reset = \"{}\": one of earliest, latest", w.auto_offset_reset);
  if (w.tombstone_per_mille < 0 || w.tombstone_per_mille > 1000)
    return fmt::format("tombstone_per_mille = {}: must be in [0, 1000]", w.tombstone_per_mille);
  if (w.tombstone_per_mille > 0 && w.keys == 0)
    return fmt::format("tombstone_per_mille = {} needs keys > 0: a tombstone deletes a key",
                       w.tombstone_per_mille);
  return std::nullopt;
}

// The retention and compaction settings that differ from the defaults, as Kafka names them
// ("" when all are default).
std::string describe_retention(const ClusterPlan& c, const WorkloadPlan& w) {
  const ClusterPlan d;
  std::vector<std::string> parts;
  if (c.cleanup_policy != d.cleanup_policy) parts.push_back("cleanup.policy " + c.cleanup_policy);
  const auto limit = [](std::int64_t v) {
    return v == -1 ? std::string("none") : std::to_string(v);
  };
  if (c.retention_ms != d.retention_ms) parts.push_back("retention.ms " + limit(c.retention_ms));
  if (c.retention_bytes != d.retention_bytes)
    parts.push_back("retention.bytes " + limit(c.retention_bytes));
  if (c.min_cleanable_dirty_ratio != d.min_cleanable_dirty_ratio)
    parts.push_back(fmt::format("min.cleanable.dirty.ratio {}", c.min_cleanable_dirty_ratio));
  if (c.min_compaction_lag_ms != d.min_compaction_lag_ms)
    parts.push_back(fmt::format("min.compaction.lag.ms {}", c.min_compaction_lag_ms));
  if (c.max_compaction_lag_ms != d.max_compaction_lag_ms)
    parts.push_back(fmt::format("max.compaction.lag.ms {}", c.max_compaction_lag_ms));
  if (c.delete_retention_ms != d.delete_retention_ms)
    parts.push_back(fmt::format("delete.retention.ms {}", c.delete_retention_ms));
  if (c.retention_check_interval_ms != d.retention_check_interval_ms)
    parts.push_back(
        fmt::format("log.retention.check.interval.ms {}", c.retention_check_interval_ms));
  if (c.cleaner_backoff_ms != d.cleaner_backoff_ms)
    parts.push_back(fmt::format("log.cleaner.backoff.ms {}", c.cleaner_backoff_ms));
  if (w.tombstone_per_mille != 0)
    parts.push_back(fmt::format("tombstones {} per mille", w.tombstone_per_mille));
  return parts.empty() ? std::string() : fmt::format("; {}", fmt::join(parts, ", "));
}

}  // namespace

std::string_view fault_kind_name(FaultKind kind) {
  return kFaultKindInfo[static_cast<std::size_t>(kind)].name;
}

std::string_view fault_kind_description(FaultKind kind) {
  return kFaultKindInfo[static_cast<std::size_t>(kind)].description;
}

std::optional<FaultKind> fault_kind_from_name(std::string_view name) {
  for (const FaultKindInfo& info : kFaultKindInfo) {
    if (info.name == name) return info.kind;
  }
  return std::nullopt;
}

int role_count(const RunPlan& plan, NodeRole role) {
  switch (role) {
    case NodeRole::kBroker:
      return plan.cluster.brokers;
    case NodeRole::kController:
      return plan.cluster.controllers;
    case NodeRole::kConsumer:
      return plan.workload.consumers;
  }
  return 0;
}

std::optional<std::string> validate_plan(const RunPlan& plan) {
  if (auto error = validate_cluster(plan.cluster)) return error;
  if (auto error = validate_retention(plan.cluster)) return error;
  if (auto error = validate_workload(plan.workload)) return error;
  if (plan.cluster.cleanup_policy != "delete" && plan.workload.keys == 0 &&
      plan.workload.producers > 0 && plan.workload.records_per_producer > 0)
    return fmt::format(
        "keys = 0 on a topic with cleanup.policy = \"{}\": a compacted topic "
        "rejects records without a key",
        plan.cluster.cleanup_policy);
  if (plan.safety < sim::Duration::zero() || plan.safety > kPlanLimits.max_safety)
    return fmt::format("safety phase of {} ms: must be in [0, {}] ms", ms(plan.safety),
                       ms(kPlanLimits.max_safety));
  if (plan.liveness <= sim::Duration::zero() || plan.liveness > kPlanLimits.max_liveness)
    return fmt::format("liveness bound of {} ms: must be in (0, {}] ms", ms(plan.liveness),
                       ms(kPlanLimits.max_liveness));
  if (plan.faults.size() > kPlanLimits.max_faults)
    return fmt::format("{} faults: at most {}", plan.faults.size(), kPlanLimits.max_faults);
  for (std::size_t i = 0; i < plan.faults.size(); ++i) {
    const FaultStep& f = plan.faults[i];
    if (f.at < sim::Duration::zero() || f.at > plan.safety)
      return fmt::format("fault {} ({}) at {} ms: outside the safety phase [0, {}] ms", i + 1,
                         fault_kind_name(f.kind), ms(f.at), ms(plan.safety));
    if (f.duration < sim::Duration::zero() || f.at + f.duration > plan.safety)
      return fmt::format("fault {} ({}) lasts past the safety phase ({} + {} > {} ms)", i + 1,
                         fault_kind_name(f.kind), ms(f.at), ms(f.duration), ms(plan.safety));
    if (i > 0 && f.at < plan.faults[i - 1].at)
      return fmt::format("fault {} at {} ms comes before fault {} at {} ms", i + 1, ms(f.at), i,
                         ms(plan.faults[i - 1].at));
    if (f.target.role == NodeRole::kConsumer && plan.workload.consumers == 0)
      return fmt::format("fault {} ({}) targets a consumer, but the plan has none", i + 1,
                         fault_kind_name(f.kind));
    if (f.target.index < 0)
      return fmt::format("fault {} ({}): node index {} is negative", i + 1, fault_kind_name(f.kind),
                         f.target.index);
  }
  for (const std::string& bug : plan.bugs) {
    if (cluster::find_bug(bug) == nullptr) return fmt::format("unknown bug \"{}\"", bug);
  }
  for (const std::string& name : plan.properties) {
    if (find_property(name) == nullptr) return fmt::format("unknown property \"{}\"", name);
  }
  return std::nullopt;
}

std::string describe_plan(const RunPlan& plan) {
  const ClusterPlan& c = plan.cluster;
  const WorkloadPlan& w = plan.workload;
  std::string text = fmt::format(
      "{} controllers, {} brokers; {} partitions, replication.factor {}, min.insync.replicas {}, "
      "unclean election {}, flush.messages {}; {} producers x {} records ({} keys, every {} ms, "
      "acks {}, idempotence {}, in flight {}); {} consumers ({}, {})",
      c.controllers, c.brokers, c.partitions, c.replication_factor, c.min_insync_replicas,
      c.unclean_leader_election_enable ? "on" : "off", c.flush_every_message ? "1" : "never",
      w.producers, w.records_per_producer, w.keys, ms(w.send_interval),
      w.acks == -1 ? "all" : std::to_string(w.acks), w.enable_idempotence ? "on" : "off",
      w.max_in_flight, w.consumers, w.assignor, "commit " + w.commit);
  text += describe_retention(c, w);
  text += fmt::format("; safety {} ms, liveness {} ms; {} faults", ms(plan.safety),
                      ms(plan.liveness), plan.faults.size());
  for (const FaultStep& f : plan.faults) {
    // The node the index resolves to, named as in logs and scenario scripts: brokers and
    // controllers from 1, consumers from 0.
    const int count = std::max(role_count(plan, f.target.role), 1);
    const int number = f.target.index % count + (f.target.role == NodeRole::kConsumer ? 0 : 1);
    text += fmt::format("\n  at {} ms: {} {}-{} for {} ms", ms(f.at), fault_kind_name(f.kind),
                        role_name(f.target.role), number, ms(f.duration));
    if (f.amount != 0) text += fmt::format(" (amount {})", f.amount);
  }
  for (const std::string& bug : plan.bugs) text += "\n  bug: " + bug;
  return text;
}

std::int64_t plan_size(const RunPlan& plan) {
  return static_cast<std::int64_t>(plan.faults.size()) + plan.cluster.brokers +
         plan.cluster.controllers + plan.cluster.partitions + plan.workload.producers +
         plan.workload.consumers + plan.workload.producers * plan.workload.records_per_producer;
}

}  // namespace samsa::properties
