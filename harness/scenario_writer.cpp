// scenario_to_toml (scenario.h): a plan written back as a scripted scenario file, every
// setting explicit, in the order and units of docs/scenario-format.md. Node references are
// first made canonical (plan_shrink.h), since a file can only name nodes that exist;
// floats are written in their shortest form that reads back to the same double.
#include <fmt/format.h>

#include <chrono>

#include "harness/plan_shrink.h"
#include "harness/scenario.h"

namespace samsa::harness {

namespace {

using properties::FaultKind;
using properties::NodeRole;

std::int64_t us(sim::Duration d) {
  return std::chrono::duration_cast<std::chrono::microseconds>(d).count();
}

// A TOML basic string: quotes, backslashes and control characters escaped.
std::string quoted(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20 || byte == 0x7f) {
      out += fmt::format("\\u{:04X}", byte);
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// Shortest round-trip form, always with a '.' or an exponent so TOML reads a float.
std::string toml_float(double value) {
  std::string text = fmt::format("{}", value);
  if (text.find_first_of(".eEn") == std::string::npos) text += ".0";
  return text;
}

std::string string_array(const std::vector<std::string>& items) {
  std::vector<std::string> quoted_items;
  for (const std::string& item : items) quoted_items.push_back(quoted(item));
  return fmt::format("[{}]", fmt::join(quoted_items, ", "));
}

std::string one_line(std::string_view text) {
  std::string line(text);
  for (char& c : line) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return line.empty() ? "a scripted scenario" : line;
}

std::string comment_lines(std::string_view comment) {
  std::string out;
  while (!comment.empty()) {
    const std::size_t end = comment.find('\n');
    std::string_view line = comment.substr(0, end);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    out += line.empty() ? "#\n" : fmt::format("# {}\n", line);
    if (end == std::string_view::npos) break;
    comment.remove_prefix(end + 1);
  }
  return out.empty() ? out : out + "\n";
}

// `name = value` when `value` differs from the default, else nothing: the retention and
// compaction keys are written only when set, so a file without them stays as it was.
template <class T>
std::string unless_default(std::string_view name, const T& value, const T& default_value,
                           std::string text) {
  return value == default_value ? std::string() : fmt::format("{} = {}\n", name, text);
}

std::string broker_intervals(const properties::ClusterPlan& c) {
  const properties::ClusterPlan d;
  return unless_default("log.retention.check.interval.ms", c.retention_check_interval_ms,
                        d.retention_check_interval_ms,
                        std::to_string(c.retention_check_interval_ms)) +
         unless_default("log.cleaner.backoff.ms", c.cleaner_backoff_ms, d.cleaner_backoff_ms,
                        std::to_string(c.cleaner_backoff_ms));
}

std::string retention_keys(const properties::ClusterPlan& c) {
  const properties::ClusterPlan d;
  return unless_default("cleanup.policy", c.cleanup_policy, d.cleanup_policy,
                        quoted(c.cleanup_policy)) +
         unless_default("retention.ms", c.retention_ms, d.retention_ms,
                        std::to_string(c.retention_ms)) +
         unless_default("retention.bytes", c.retention_bytes, d.retention_bytes,
                        std::to_string(c.retention_bytes)) +
         unless_default("min.cleanable.dirty.ratio", c.min_cleanable_dirty_ratio,
                        d.min_cleanable_dirty_ratio, toml_float(c.min_cleanable_dirty_ratio)) +
         unless_default("min.compaction.lag.ms", c.min_compaction_lag_ms, d.min_compaction_lag_ms,
                        std::to_string(c.min_compaction_lag_ms)) +
         unless_default("max.compaction.lag.ms", c.max_compaction_lag_ms, d.max_compaction_lag_ms,
                        std::to_string(c.max_compaction_lag_ms)) +
         unless_default("delete.retention.ms", c.delete_retention_ms, d.delete_retention_ms,
                        std::to_string(c.delete_retention_ms));
}

std::string cluster_tables(const properties::ClusterPlan& c) {
  const sim::NetworkConfig& n = c.network;
  const sim::DiskConfig& d = c.disk;
  return fmt::format(
      "[cluster]\nbrokers = {}\ncontrollers = {}\n{}\n"
      "[cluster.network]\nlatency_us = {}\njitter_us = {}\ndrop_probability = {}\n"
      "duplicate_probability = {}\ndelay_probability = {}\ndelay_max_ms = {}\nfifo_links = {}\n"
      "inbox_capacity = {}\n\n"
      "[cluster.disk]\nread_latency_us = {}\nwrite_latency_us = {}\nfsync_latency_us = {}\n"
      "metadata_latency_us = {}\nlatency_jitter = {}\ntorn_write_probability = {}\n"
      "capacity_bytes = {}\n\n",
      c.brokers, c.controllers, broker_intervals(c), us(n.latency.base), us(n.latency.jitter),
      toml_float(n.drop_probability), toml_float(n.duplicate_probability),
      toml_float(n.delay_probability), sim::to_ms(n.delay_max), n.fifo_links, n.inbox_capacity,
      us(d.read_latency), us(d.write_latency), us(d.fsync_latency), us(d.metadata_latency),
      toml_float(d.latency_jitter), toml_float(d.torn_write_probability), d.capacity_bytes);
}

std::string topic_table(const properties::ClusterPlan& c) {
  return fmt::format(
      "[topic]\npartitions = {}\nreplication.factor = {}\nmin.insync.replicas = {}\n"
      "unclean.leader.election.enable = {}\n{}\nsegment.bytes = {}\nsegment.ms = {}\n{}\n",
      c.partitions, c.replication_factor, c.min_insync_replicas, c.unclean_leader_election_enable,
      c.flush_every_message ? "flush.messages = 1" : "# flush.messages unset: the OS flushes",
      c.segment_bytes, c.segment_ms, retention_keys(c));
}

std::string workload_tables(const properties::WorkloadPlan& w) {
  const double rate =
      1000.0 / static_cast<double>(std::max<std::int64_t>(1, sim::to_ms(w.send_interval)));
  return fmt::format(
      "[producers]\ncount = {}\nkeys = {}\nrecords = {}\nrate = {}\nacks = {}\n"
      "enable.idempotence = {}\nretries = {}\nmax.in.flight.requests.per.connection = {}\n"
      "linger.ms = {}\ndelivery.timeout.ms = {}\n{}\n"
      "[group]\nmembers = {}\npartition.assignment.strategy = {}\nprotocol = {}\ncommit = {}\n"
      "auto.offset.reset = {}\nprocessing_ms = {}\n\n",
      w.producers, w.keys, w.records_per_producer, toml_float(rate),
      w.acks == -1 ? std::string("\"all\"") : std::to_string(w.acks), w.enable_idempotence,
      w.retries, w.max_in_flight, w.linger_ms, w.delivery_timeout_ms,
      unless_default("tombstone_per_mille", w.tombstone_per_mille, 0,
                     std::to_string(w.tombstone_per_mille)),
      w.consumers, quoted(w.assignor),
      w.assignor == "cooperative-sticky" ? "\"cooperative\"" : "\"eager\"", quoted(w.commit),
      quoted(w.auto_offset_reset), sim::to_ms(w.processing_time));
}

std::string node_name(const properties::NodeRef& node) {
  switch (node.role) {
    case NodeRole::kBroker:
      return fmt::format("broker-{}", node.index + 1);
    case NodeRole::kController:
      return fmt::format("controller-{}", node.index + 1);
    case NodeRole::kConsumer:
      return fmt::format("consumer-{}", node.index);
  }
  return "";
}

std::string script_table(const properties::FaultStep& step) {
  std::string out = fmt::format("[[faults.script]]\nat_ms = {}\naction = {}\n", sim::to_ms(step.at),
                                quoted(fault_kind_name(step.kind)));
  if (step.kind != FaultKind::kLossyNetwork)
    out += fmt::format("node = \"{}\"\n", node_name(step.target));
  out += fmt::format("duration_ms = {}\n", sim::to_ms(step.duration));
  if (step.kind == FaultKind::kClockSkew) out += fmt::format("offset_ms = {}\n", step.amount);
  if (step.kind == FaultKind::kLossyNetwork)
    out += fmt::format("drop_per_mille = {}\n", step.amount);
  return out + "\n";
}

}  // namespace

std::string scenario_to_toml(const properties::RunPlan& plan, std::string_view description,
                             std::string_view comment) {
  const properties::RunPlan canonical = canonical_targets(plan);
  std::string out = comment_lines(comment);
  out += fmt::format("description = {}\n\n", quoted(one_line(description)));
  out += cluster_tables(canonical.cluster);
  out += topic_table(canonical.cluster);
  out += workload_tables(canonical.workload);
  out += fmt::format("[run]\nduration_ms = {}\nliveness_ms = {}\nproperties = {}\nbugs = {}\n\n",
                     sim::to_ms(canonical.safety), sim::to_ms(canonical.liveness),
                     string_array(canonical.properties), string_array(canonical.bugs));
  for (const properties::FaultStep& step : canonical.faults) out += script_table(step);
  return out;
}

}  // namespace samsa::harness
