#include "harness/scenario_sections.h"

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>

#include "cluster/bugs.h"
#include "cluster/group/assignor.h"
#include "properties/checker.h"

namespace samsa::harness::scenario_detail {

namespace {

using properties::kPlanLimits;

constexpr std::int64_t kMaxLatencyUs = 10'000'000;  // validate_plan: latencies <= 10 s
constexpr double kMinRate = 0.001;                  // one record per 1000 s
constexpr double kMaxRate = 1e6;
constexpr std::int64_t kMaxInt64 = std::numeric_limits<std::int64_t>::max();
// Broker intervals: at least 1 ms (a loop that never waits would spin at one simulated
// instant), at most the longest phase (a longer one would never fire).
constexpr std::int64_t kMaxIntervalMs = kMaxPhaseMs;

void read_description(Fields& root, Scenario& scenario) {
  if (!root.require("description") || !root.read_string("description", scenario.description))
    return;
  if (scenario.description.find_first_of("\r\n") != std::string::npos) {
    root.fail("description", "must be one line");
  } else if (scenario.description.empty()) {
    root.fail("description", "must not be empty");
  }
}

void read_network(Fields& network, sim::NetworkConfig& config) {
  network.read_us("latency_us", 0, kMaxLatencyUs, config.latency.base);
  network.read_us("jitter_us", 0, kMaxLatencyUs, config.latency.jitter);
  network.read_float("drop_probability", 0, 1, config.drop_probability);
  network.read_float("duplicate_probability", 0, 1, config.duplicate_probability);
  network.read_float("delay_probability", 0, 1, config.delay_probability);
  network.read_ms("delay_max_ms", 0, 60'000, config.delay_max);
  network.read_bool("fifo_links", config.fifo_links);
  network.read("inbox_capacity", 1, std::int64_t{1} << 20, config.inbox_capacity);
}

void read_disk(Fields& disk, sim::DiskConfig& config) {
  disk.read_us("read_latency_us", 0, kMaxLatencyUs, config.read_latency);
  disk.read_us("write_latency_us", 0, kMaxLatencyUs, config.write_latency);
  disk.read_us("fsync_latency_us", 0, kMaxLatencyUs, config.fsync_latency);
  disk.read_us("metadata_latency_us", 0, kMaxLatencyUs, config.metadata_latency);
  disk.read_float("latency_jitter", 0, 1, config.latency_jitter);
  disk.read_float("torn_write_probability", 0, 1, config.torn_write_probability);
  disk.read("capacity_bytes", 1, std::int64_t{1} << 50, config.capacity_bytes);
}

void read_cluster(ScenarioFields& f, properties::ClusterPlan& cluster) {
  f.cluster.read("brokers", 1, kPlanLimits.max_brokers, cluster.brokers);
  if (f.cluster.read("controllers", 1, 5, cluster.controllers) && cluster.controllers % 2 == 0) {
    f.cluster.fail("controllers",
                   fmt::format("{}: a Raft quorum has 1, 3 or 5 controllers", cluster.controllers));
  }
  f.cluster.read("log.retention.check.interval.ms", 1, kMaxIntervalMs,
                 cluster.retention_check_interval_ms);
  f.cluster.read("log.cleaner.backoff.ms", 1, kMaxIntervalMs, cluster.cleaner_backoff_ms);
  read_network(f.network, cluster.network);
  read_disk(f.disk, cluster.disk);
}

// cleanup.policy: a comma-separated list of delete and compact, as Kafka takes it (spaces
// around the commas ignored, either order, a repeated word meaning the same); stored as
// "delete", "compact" or "compact,delete".
void read_cleanup_policy(Fields& topic, std::string& policy) {
  std::string text;
  if (!topic.read_string("cleanup.policy", text)) return;
  bool compact = false;
  bool del = false;
  std::string_view rest = text;
  while (true) {
    const std::size_t comma = rest.find(',');
    std::string_view word = rest.substr(0, comma);
    while (!word.empty() && word.front() == ' ') word.remove_prefix(1);
    while (!word.empty() && word.back() == ' ') word.remove_suffix(1);
    if (word == "compact") {
      compact = true;
    } else if (word == "delete") {
      del = true;
    } else {
      topic.fail("cleanup.policy",
                 word.empty() ? fmt::format("\"{}\" names no policy: \"delete\", \"compact\" or "
                                            "\"compact,delete\"",
                                            text)
                              : fmt::format("\"{}\" is not a cleanup policy: \"delete\", "
                                            "\"compact\" or \"compact,delete\"",
                                            word));
      return;
    }
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  policy = compact && del ? "compact,delete" : compact ? "compact" : "delete";
}

// A limit where -1 means none (retention.ms, retention.bytes), as in Kafka.
void read_limit(Fields& topic, std::string_view name, std::int64_t& out) {
  std::int64_t value = 0;
  if (!topic.read_int(name, std::numeric_limits<std::int64_t>::min(), kMaxInt64, value)) return;
  if (value < -1) {
    topic.fail(name, fmt::format("{}: -1 means no limit; any other value must be >= 0", value));
    return;
  }
  out = value;
}

void read_retention(Fields& topic, properties::ClusterPlan& cluster) {
  read_cleanup_policy(topic, cluster.cleanup_policy);
  read_limit(topic, "retention.ms", cluster.retention_ms);
  read_limit(topic, "retention.bytes", cluster.retention_bytes);
  topic.read_float("min.cleanable.dirty.ratio", 0, 1, cluster.min_cleanable_dirty_ratio);
  topic.read("min.compaction.lag.ms", 0, kMaxInt64, cluster.min_compaction_lag_ms);
  topic.read("max.compaction.lag.ms", 1, kMaxInt64, cluster.max_compaction_lag_ms);
  topic.read("delete.retention.ms", 0, kMaxInt64, cluster.delete_retention_ms);
}

void read_topic(Fields& topic, properties::ClusterPlan& cluster) {
  topic.read("partitions", 1, kPlanLimits.max_partitions, cluster.partitions);
  topic.read("replication.factor", 1, kPlanLimits.max_brokers, cluster.replication_factor);
  topic.read("min.insync.replicas", 1, kPlanLimits.max_brokers, cluster.min_insync_replicas);
  topic.read_bool("unclean.leader.election.enable", cluster.unclean_leader_election_enable);
  std::int64_t flush = 0;
  if (topic.read_int("flush.messages", std::numeric_limits<std::int64_t>::min(),
                     std::numeric_limits<std::int64_t>::max(), flush)) {
    if (flush == 1) {
      cluster.flush_every_message = true;
    } else {
      topic.fail("flush.messages",
                 fmt::format("{}: only 1 (fsync every append) is modelled; leave the key out to "
                             "let the OS flush",
                             flush));
    }
  }
  topic.read("segment.bytes", 1024, std::int64_t{1} << 30, cluster.segment_bytes);
  topic.read("segment.ms", 1, std::numeric_limits<std::int64_t>::max(), cluster.segment_ms);
  read_retention(topic, cluster);
}

// acks is "all" or one of -1, 0, 1 (-1 and "all" mean the same).
void read_acks(Fields& producers, int& acks) {
  if (!producers.has("acks")) return;
  if (producers.holds_string("acks")) {
    std::string word;
    static constexpr std::array<std::string_view, 1> kWords{"all"};
    if (producers.read_choice("acks", kWords, word)) acks = -1;
    return;
  }
  std::int64_t value = 0;
  if (producers.read_int("acks", -1, 1, value)) acks = static_cast<int>(value);
}

void read_producers(Fields& producers, properties::WorkloadPlan& workload) {
  producers.read("count", 0, kPlanLimits.max_producers, workload.producers);
  producers.read("keys", 0, 1000, workload.keys);
  producers.read("records", 0, kPlanLimits.max_records_per_producer, workload.records_per_producer);
  double rate = 0;
  if (producers.read_float("rate", kMinRate, kMaxRate, rate)) {
    const std::int64_t interval_ms = std::max<std::int64_t>(1, std::llround(1000.0 / rate));
    workload.send_interval = std::chrono::milliseconds(interval_ms);
  }
  read_acks(producers, workload.acks);
  producers.read_bool("enable.idempotence", workload.enable_idempotence);
  producers.read("retries", 0, std::numeric_limits<std::int32_t>::max(), workload.retries);
  producers.read("max.in.flight.requests.per.connection", 1, 100, workload.max_in_flight);
  producers.read("linger.ms", 0, 60'000, workload.linger_ms);
  producers.read("delivery.timeout.ms", 2'000, 600'000, workload.delivery_timeout_ms);
  producers.read("tombstone_per_mille", 0, 1000, workload.tombstone_per_mille);
}

void read_group(ScenarioFields& f, properties::WorkloadPlan& workload) {
  Fields& group = f.group;
  group.read("members", 0, kPlanLimits.max_consumers, workload.consumers);
  const std::vector<std::string_view> assignors = cluster::assignor_names();
  group.read_choice("partition.assignment.strategy", assignors, workload.assignor);
  static constexpr std::array<std::string_view, 2> kProtocols{"eager", "cooperative"};
  group.read_choice("protocol", kProtocols, f.protocol);
  static constexpr std::array<std::string_view, 3> kCommits{"sync", "async", "auto"};
  group.read_choice("commit", kCommits, workload.commit);
  static constexpr std::array<std::string_view, 2> kResets{"earliest", "latest"};
  group.read_choice("auto.offset.reset", kResets, workload.auto_offset_reset);
  group.read_ms("processing_ms", 0, 60'000, workload.processing_time);
}

// A list of registered names (properties, bugs): each one must be known.
template <class Known>
void read_names(Fields& run, std::string_view key, std::string_view listing, Known known,
                std::vector<std::string>& out) {
  const auto items = run.read_strings(key);
  if (!items) return;
  std::vector<std::string> names;
  for (const StringItem& item : *items) {
    if (!known(item.value)) {
      run.fail_at(item.at, key,
                  fmt::format("unknown name \"{}\" (`samsa list {}`)", item.value, listing));
      return;
    }
    names.push_back(item.value);
  }
  out = std::move(names);
}

void read_run(Fields& run, properties::RunPlan& plan) {
  run.read_ms("duration_ms", 0, kMaxPhaseMs, plan.safety);
  run.read_ms("liveness_ms", 1, kMaxPhaseMs, plan.liveness);
  read_names(
      run, "properties", "properties",
      [](const std::string& name) { return properties::find_property(name) != nullptr; },
      plan.properties);
  read_names(
      run, "bugs", "bugs",
      [](const std::string& name) { return cluster::find_bug(name) != nullptr; }, plan.bugs);
}

}  // namespace

ScenarioFields::ScenarioFields(const toml::table& file, Diagnostics& diagnostics)
    : root(file, "", false, Position{}, diagnostics),
      cluster(root.table("cluster", true, {"network", "disk"})),
      network(cluster.table("network")),
      disk(cluster.table("disk")),
      topic(root.table("topic", true)),
      producers(root.table("producers", true)),
      group(root.table("group", true)),
      run(root.table("run")),
      faults(root.table("faults")),
      faults_random(faults.table("random")),
      weights(faults_random.table("weights")),
      script(faults.tables("script")) {}

void ScenarioFields::finish() const {
  for (const Fields* fields : {&root, &cluster, &network, &disk, &topic, &producers, &group, &run,
                               &faults, &faults_random, &weights}) {
    fields->finish();
  }
  for (const Fields& step : script) step.finish();
}

const Fields* ScenarioFields::table_of(std::string_view key) const {
  // Deepest tables first, so "cluster.network.x" finds [cluster.network], not [cluster].
  for (const Fields* fields : {&network, &disk, &weights, &faults_random, &cluster, &topic,
                               &producers, &group, &run, &faults}) {
    const std::string& path = fields->path();
    if (key.size() > path.size() && key.substr(0, path.size()) == path && key[path.size()] == '.')
      return fields;
  }
  return nullptr;
}

void read_settings(ScenarioFields& fields, Scenario& scenario) {
  read_description(fields.root, scenario);
  read_cluster(fields, scenario.base.cluster);
  read_topic(fields.topic, scenario.base.cluster);
  read_producers(fields.producers, scenario.base.workload);
  read_group(fields, scenario.base.workload);
  read_run(fields.run, scenario.base);
}

}  // namespace samsa::harness::scenario_detail
