// The acknowledgement guarantees matrix (acks_matrix.h): its rows and fault mixes, the
// plan of a cell, and the measurements of one run.
#include "harness/acks_matrix.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <set>

namespace samsa::harness {

namespace {

using namespace std::chrono_literals;
using properties::FaultKind;

// When the brokers are hit, in turn and back to back (each fault starts as the one before
// heals, so a restarted broker is still catching up when the next is hit): each lasts
// longer than the harness's broker session timeout (3 s), so the controller fences the
// broker and moves its leadership.
constexpr sim::Duration kFaultStarts[] = {1500ms, 5000ms, 8500ms};
constexpr sim::Duration kFaultDuration = 3500ms;
constexpr sim::Duration kAllAtOnceStart = 5000ms;

std::vector<AcksRow> default_rows() {
  return {
      {"acks-0", "acks=0", 0, 2, false, false},
      {"acks-1", "acks=1", 1, 2, false, false},
      {"all-isr1", "acks=all min.insync.replicas=1", -1, 1, false, false},
      {"all-isr2", "acks=all min.insync.replicas=2", -1, 2, false, false},
      {"all-isr2-unclean", "acks=all min.insync.replicas=2 unclean.leader.election=true", -1, 2,
       true, false},
      {"all-isr2-fsync", "acks=all min.insync.replicas=2 flush every write", -1, 2, false, true},
  };
}

std::vector<FaultMix> default_faults() {
  return {
      {"none", "no faults",
       "no fault at all, only the congested network: the fair-weather baseline of latency",
       FaultKind::kCrash, FaultPattern::kNone},
      {"crash", "leader crashes",
       "broker-1, broker-2 and broker-3 (each leading a partition) killed in turn, back to "
       "back, for 3.5 s each; the page cache survives",
       FaultKind::kCrash, FaultPattern::kInTurn},
      {"isolate", "network isolation",
       "broker-1, broker-2 and broker-3 cut off the network in turn, back to back, for 3.5 s "
       "each",
       FaultKind::kIsolate, FaultPattern::kInTurn},
      {"power-loss", "power loss",
       "broker-1, broker-2 and broker-3 lose power in turn, back to back, for 3.5 s each: "
       "what each had not fsynced is gone",
       FaultKind::kPowerLoss, FaultPattern::kInTurn},
      {"cluster-power-loss", "cluster power loss",
       "all three brokers lose power at once for 3.5 s: only what was fsynced survives",
       FaultKind::kPowerLoss, FaultPattern::kAllAtOnce},
  };
}

// The ids of `items` that `wanted` names, in `items`' order; the error names the first
// unknown id.
template <class Item>
std::optional<std::vector<Item>> pick(const std::vector<Item>& items,
                                      const std::vector<std::string>& wanted, const char* what,
                                      std::string& error) {
  if (wanted.empty()) return items;
  std::vector<std::string> known;
  for (const Item& item : items) known.push_back(item.id);
  for (const std::string& id : wanted) {
    if (std::find(known.begin(), known.end(), id) == known.end()) {
      error = fmt::format("unknown {} \"{}\" (known: {})", what, id, fmt::join(known, ", "));
      return std::nullopt;
    }
  }
  std::vector<Item> picked;
  for (const Item& item : items) {
    if (std::find(wanted.begin(), wanted.end(), item.id) != wanted.end()) picked.push_back(item);
  }
  return picked;
}

std::vector<properties::FaultStep> fault_script(const FaultMix& mix, int brokers) {
  std::vector<properties::FaultStep> steps;
  if (mix.pattern == FaultPattern::kNone) return steps;
  for (int b = 0; b < brokers; ++b) {
    properties::FaultStep step;
    step.at = mix.pattern == FaultPattern::kAllAtOnce ? kAllAtOnceStart
                                                      : kFaultStarts[b % std::size(kFaultStarts)];
    step.kind = mix.kind;
    step.target = {properties::NodeRole::kBroker, b};
    step.duration = kFaultDuration;
    steps.push_back(step);
  }
  return steps;
}

// acks=0 sends carry no offset, so the data checkers do not judge them: one the log did
// not keep is one whose value the final reader never returned (any reader, when the
// final reader did not reach every high watermark).
std::int64_t lost_without_offset(const RunResult& result) {
  const bool final_reads = result.promises.final_reads && !result.promises.final_reader.empty();
  std::set<std::string> read;
  for (const properties::Op& op : result.history->ops()) {
    if (op.kind != properties::OpKind::kPoll) continue;
    if (final_reads && op.process != result.promises.final_reader) continue;
    for (const properties::ReadRecord& r : op.records) {
      if (r.value) read.insert(*r.value);
    }
  }
  std::int64_t lost = 0;
  for (const properties::Op& op : result.history->ops()) {
    const bool offsetless_ack = op.kind == properties::OpKind::kSend &&
                                op.status == properties::OpStatus::kOk && op.offset.value() < 0;
    if (offsetless_ack && op.value && read.count(*op.value) == 0) ++lost;
  }
  return lost;
}

std::int64_t measurement(const RunResult& result, const char* name) {
  const auto it = result.measurements.find(name);
  return it == result.measurements.end() ? 0 : it->second;
}

}  // namespace

AcksMatrix default_acks_matrix(std::uint64_t start_seed, std::uint64_t seeds) {
  AcksMatrix matrix{default_rows(), default_faults(), {}};
  for (std::uint64_t s = 0; s < seeds; ++s) matrix.seeds.push_back(start_seed + s);
  return matrix;
}

std::optional<AcksMatrix> select_acks_matrix(const AcksMatrix& matrix,
                                             const std::vector<std::string>& row_ids,
                                             const std::vector<std::string>& fault_ids,
                                             std::string& error) {
  auto rows = pick(matrix.rows, row_ids, "row", error);
  if (!rows) return std::nullopt;
  auto faults = pick(matrix.faults, fault_ids, "fault mix", error);
  if (!faults) return std::nullopt;
  return AcksMatrix{std::move(*rows), std::move(*faults), matrix.seeds};
}

properties::RunPlan acks_base_plan() {
  properties::RunPlan plan;
  plan.cluster.controllers = 3;
  plan.cluster.brokers = 3;
  plan.cluster.partitions = 3;
  plan.cluster.replication_factor = 3;
  plan.cluster.min_insync_replicas = 2;
  plan.cluster.network.delay_probability = 0.1;
  plan.cluster.network.delay_max = 300ms;
  plan.workload.producers = 1;
  plan.workload.records_per_producer = 200;
  plan.workload.send_interval = 50ms;
  plan.workload.acks = -1;
  plan.workload.enable_idempotence = true;
  plan.workload.max_in_flight = 5;
  plan.workload.consumers = 0;
  plan.safety = 13s;
  plan.liveness = 20s;
  return plan;
}

properties::RunPlan acks_cell_plan(const AcksRow& row, const FaultMix& faults) {
  properties::RunPlan plan = acks_base_plan();
  plan.workload.acks = row.acks;
  plan.workload.enable_idempotence = row.acks == -1;
  plan.cluster.min_insync_replicas = row.min_insync_replicas;
  plan.cluster.unclean_leader_election_enable = row.unclean_leader_election_enable;
  plan.cluster.flush_every_message = row.flush_every_message;
  plan.faults = fault_script(faults, plan.cluster.brokers);
  return plan;
}

std::vector<AcksCellRun> acks_cell_runs(const AcksMatrix& matrix) {
  std::vector<AcksCellRun> runs;
  for (std::size_t r = 0; r < matrix.rows.size(); ++r) {
    for (std::size_t f = 0; f < matrix.faults.size(); ++f) {
      for (const std::uint64_t seed : matrix.seeds) runs.push_back({r, f, seed});
    }
  }
  return runs;
}

AcksRunResult measure_acks_run(const RunResult& result) {
  AcksRunResult run;
  run.acknowledged = result.stats.acknowledged;
  run.lost_acknowledged = result.stats.lost_acknowledged;
  run.duplicated_values = measurement(result, "duplicated_values");
  run.reordered_keys = measurement(result, "reordered_keys");
  run.pass = result.pass;
  run.trace_hash = result.trace_hash;
  if (result.history == nullptr) return run;
  run.lost_acknowledged += lost_without_offset(result);
  std::set<std::string> keys;
  for (const properties::Op& op : result.history->ops()) {
    if (op.kind != properties::OpKind::kSend) continue;
    keys.insert(op.key.value_or(""));
    if (op.status == properties::OpStatus::kOk) {
      run.ack_latencies_ms.push_back(sim::to_ms(op.completed_at - op.invoked_at));
    }
  }
  run.keys_written = static_cast<std::int64_t>(keys.size());
  return run;
}

AcksRunResult run_acks_cell(const AcksMatrix& matrix, const AcksCellRun& cell) {
  const properties::RunPlan plan =
      acks_cell_plan(matrix.rows.at(cell.row), matrix.faults.at(cell.fault));
  AcksRunResult run = measure_acks_run(run_plan(plan, RunOptions::seeded(cell.seed)));
  run.cell = cell;
  return run;
}

}  // namespace samsa::harness
