// The checks of a scenario file that span keys (scenario_sections.h): impossible
// combinations, each blamed on the key that made it impossible, then validate_plan as the
// last net so that no invalid plan slips through a check this file forgot.
#include <fmt/format.h>

#include <array>

#include "harness/scenario_sections.h"

namespace samsa::harness::scenario_detail {

namespace {

struct KeyRef {
  const Fields& fields;
  std::string_view name;
};

// Blames whichever of the two keys comes later in the file (the one that made the
// combination impossible); a key left at its default is never blamed.
void fail_combination(KeyRef a, KeyRef b, std::string message) {
  const bool a_set = a.fields.has(a.name);
  const bool b_set = b.fields.has(b.name);
  const Position pa = a.fields.at(a.name);
  const Position pb = b.fields.at(b.name);
  const bool blame_b =
      b_set && (!a_set || pb.line > pa.line || (pb.line == pa.line && pb.column > pa.column));
  const KeyRef& blamed = blame_b ? b : a;
  blamed.fields.fail(blamed.name, std::move(message));
}

void check_cluster(const ScenarioFields& f, const properties::ClusterPlan& c) {
  if (c.replication_factor > c.brokers) {
    fail_combination({f.topic, "replication.factor"}, {f.cluster, "brokers"},
                     fmt::format("replication.factor = {} is more than cluster.brokers = {}",
                                 c.replication_factor, c.brokers));
  }
  if (c.min_insync_replicas > c.replication_factor) {
    fail_combination({f.topic, "min.insync.replicas"}, {f.topic, "replication.factor"},
                     fmt::format("min.insync.replicas = {} is more than replication.factor = {}",
                                 c.min_insync_replicas, c.replication_factor));
  }
  if (c.network.latency.base + c.network.latency.jitter > std::chrono::seconds(10)) {
    fail_combination({f.network, "latency_us"}, {f.network, "jitter_us"},
                     "latency_us + jitter_us must be at most 10 s");
  }
}

// Retention and compaction across keys: Kafka's own check of the two lags, and the records
// a compacted topic or a tombstone needs (a key).
void check_retention(const ScenarioFields& f, const properties::RunPlan& plan) {
  const properties::ClusterPlan& c = plan.cluster;
  const properties::WorkloadPlan& w = plan.workload;
  if (c.min_compaction_lag_ms > c.max_compaction_lag_ms) {
    fail_combination({f.topic, "min.compaction.lag.ms"}, {f.topic, "max.compaction.lag.ms"},
                     fmt::format("min.compaction.lag.ms = {} is more than max.compaction.lag.ms = "
                                 "{} (Kafka refuses the pair)",
                                 c.min_compaction_lag_ms, c.max_compaction_lag_ms));
  }
  if (w.tombstone_per_mille > 0 && w.keys == 0) {
    fail_combination({f.producers, "keys"}, {f.producers, "tombstone_per_mille"},
                     fmt::format("tombstone_per_mille = {} needs keyed records (keys > 0): a "
                                 "tombstone deletes a key",
                                 w.tombstone_per_mille));
  }
  const bool compacted = c.cleanup_policy != "delete";
  if (compacted && w.keys == 0 && w.producers > 0 && w.records_per_producer > 0) {
    fail_combination({f.topic, "cleanup.policy"}, {f.producers, "keys"},
                     fmt::format("cleanup.policy = \"{}\" with keys = 0: a compacted topic "
                                 "rejects records without a key (Kafka's "
                                 "CorruptRecordException), so the producers could send nothing",
                                 c.cleanup_policy));
  }
}

void check_producers(const ScenarioFields& f, const properties::WorkloadPlan& w) {
  const KeyRef idempotence{f.producers, "enable.idempotence"};
  if (w.enable_idempotence && w.acks != -1) {
    fail_combination(
        idempotence, {f.producers, "acks"},
        fmt::format("enable.idempotence = true (the default) needs acks = all, not {}", w.acks));
  }
  if (w.enable_idempotence && w.max_in_flight > 5) {
    fail_combination(idempotence, {f.producers, "max.in.flight.requests.per.connection"},
                     fmt::format("enable.idempotence = true (the default) needs "
                                 "max.in.flight.requests.per.connection <= 5, not {}",
                                 w.max_in_flight));
  }
  if (w.enable_idempotence && w.retries == 0) {
    fail_combination(idempotence, {f.producers, "retries"},
                     "enable.idempotence = true (the default) needs retries > 0");
  }
  if (w.delivery_timeout_ms < w.linger_ms + 2'000) {
    fail_combination({f.producers, "linger.ms"}, {f.producers, "delivery.timeout.ms"},
                     fmt::format("delivery.timeout.ms = {} must be at least linger.ms + "
                                 "request.timeout.ms (2000) = {}",
                                 w.delivery_timeout_ms, w.linger_ms + 2'000));
  }
}

void check_group(const ScenarioFields& f, const properties::WorkloadPlan& w) {
  const bool cooperative_assignor = w.assignor == "cooperative-sticky";
  if (f.protocol == "cooperative" && !cooperative_assignor) {
    fail_combination({f.group, "partition.assignment.strategy"}, {f.group, "protocol"},
                     fmt::format("protocol = \"cooperative\" needs the cooperative-sticky "
                                 "assignor, not \"{}\"",
                                 w.assignor));
  }
  if (f.protocol == "eager" && cooperative_assignor) {
    fail_combination({f.group, "partition.assignment.strategy"}, {f.group, "protocol"},
                     "protocol = \"eager\" does not go with cooperative-sticky, a cooperative "
                     "assignor (KIP-429)");
  }
}

void check_random(const ScenarioFields& f, const Scenario& scenario) {
  // The generator draws faults over at least 200 ms of safety phase (plan_gen.cpp).
  if (scenario.random && scenario.base.safety < std::chrono::milliseconds(200)) {
    fail_combination({f.faults_random, "kinds"}, {f.run, "duration_ms"},
                     "a random fault schedule needs run.duration_ms >= 200");
  }
}

// validate_plan's message names a setting first; the key it is in the file.
std::string key_of_plan_error(std::string_view message) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 38> kKeys{{
      {"controllers", "cluster.controllers"},
      {"brokers", "cluster.brokers"},
      {"partitions", "topic.partitions"},
      {"replication.factor", "topic.replication.factor"},
      {"min.insync.replicas", "topic.min.insync.replicas"},
      {"segment.bytes", "topic.segment.bytes"},
      {"segment.ms", "topic.segment.ms"},
      {"cleanup.policy", "topic.cleanup.policy"},
      {"retention.ms", "topic.retention.ms"},
      {"retention.bytes", "topic.retention.bytes"},
      {"min.cleanable.dirty.ratio", "topic.min.cleanable.dirty.ratio"},
      {"min.compaction.lag.ms", "topic.min.compaction.lag.ms"},
      {"max.compaction.lag.ms", "topic.max.compaction.lag.ms"},
      {"delete.retention.ms", "topic.delete.retention.ms"},
      {"log.retention.check.interval.ms", "cluster.log.retention.check.interval.ms"},
      {"log.cleaner.backoff.ms", "cluster.log.cleaner.backoff.ms"},
      {"tombstone_per_mille", "producers.tombstone_per_mille"},
      {"network", "cluster.network"},
      {"disk", "cluster.disk"},
      {"producers", "producers.count"},
      {"consumers", "group.members"},
      {"keys", "producers.keys"},
      {"records", "producers.records"},
      {"send interval", "producers.rate"},
      {"processing time", "group.processing_ms"},
      {"acks", "producers.acks"},
      {"max.in.flight", "producers.max.in.flight.requests.per.connection"},
      {"enable.idempotence", "producers.enable.idempotence"},
      {"retries", "producers.retries"},
      {"linger.ms", "producers.linger.ms"},
      {"delivery.timeout.ms", "producers.delivery.timeout.ms"},
      {"partition.assignment.strategy", "group.partition.assignment.strategy"},
      {"commit", "group.commit"},
      {"auto.offset.reset", "group.auto.offset.reset"},
      {"safety phase", "run.duration_ms"},
      {"liveness bound", "run.liveness_ms"},
      {"unknown bug", "run.bugs"},
      {"unknown property", "run.properties"},
  }};
  for (const auto& [prefix, key] : kKeys) {
    if (message.substr(0, prefix.size()) == prefix) return std::string(key);
  }
  return "faults.script";
}

void check_plan(const ScenarioFields& f, const properties::RunPlan& plan) {
  const std::optional<std::string> error = properties::validate_plan(plan);
  if (!error) return;
  const std::string key = key_of_plan_error(*error);
  if (const Fields* table = f.table_of(key)) {
    table->fail(key.substr(table->path().size() + 1), *error);
  } else {
    f.root.fail(key, *error);
  }
}

}  // namespace

void check_scenario(const ScenarioFields& fields, const Scenario& scenario,
                    const Diagnostics& diagnostics) {
  check_cluster(fields, scenario.base.cluster);
  check_producers(fields, scenario.base.workload);
  check_group(fields, scenario.base.workload);
  check_retention(fields, scenario.base);
  check_random(fields, scenario);
  if (!diagnostics.failed()) check_plan(fields, scenario.base);
}

}  // namespace samsa::harness::scenario_detail
