#include "harness/run_verdict.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "harness/final_reader.h"
#include "harness/nemesis.h"
#include "properties/compaction_checks.h"
#include "properties/consumption_checks.h"
#include "properties/group_checks.h"
#include "properties/replica_checks.h"
#include "properties/retention_checks.h"

namespace samsa::harness {

namespace {

using properties::OpKind;
using properties::OpStatus;

std::int64_t ms(sim::SimTime t) {
  return sim::to_ms(t - sim::kSimStart);
}

// An unclean election: a new leader that was not in the partition's ISR just before.
std::string unclean_election(const properties::Observations& observations) {
  std::map<cluster::TopicPartition, const cluster::PartitionState*> previous;
  for (const properties::MetadataSample& sample : observations.metadata) {
    for (const auto& [tp, state] : sample.image.partitions()) {
      const cluster::PartitionState* before = previous[tp];
      previous[tp] = &state;
      if (before == nullptr || state.leader == cluster::kNoLeader ||
          state.leader == before->leader) {
        continue;
      }
      if (std::find(before->isr.begin(), before->isr.end(), state.leader) == before->isr.end()) {
        return fmt::format("unclean leader election of {} (broker {}, outside ISR [{}]) at {} ms",
                           cluster::to_string(tp), state.leader, fmt::join(before->isr, ","),
                           ms(sample.at));
      }
    }
  }
  return "";
}

// Every member of some ISR the metadata ever held lost power, without fsync per write.
// Conservative: the power losses need not have been at once (pre-KIP-966 Kafka promises
// nothing once every replica that had a record may have lost it).
std::string whole_isr_power_loss(const RunVerdictInput& input) {
  if (input.plan.cluster.flush_every_message || input.nemesis == nullptr) return "";
  const std::set<sim::NodeId>& powered_off = input.nemesis->powered_off();
  if (powered_off.empty()) return "";
  for (const properties::MetadataSample& sample : input.observations.metadata) {
    for (const auto& [tp, state] : sample.image.partitions()) {
      const bool all = std::all_of(state.isr.begin(), state.isr.end(), [&](cluster::BrokerId b) {
        const cluster::BrokerRegistration* r = sample.image.broker(b);
        return r != nullptr && powered_off.contains(r->node);
      });
      if (all && !state.isr.empty()) {
        return fmt::format("power loss of every member of {}'s ISR [{}] without fsync per write",
                           cluster::to_string(tp), fmt::join(state.isr, ","));
      }
    }
  }
  return "";
}

RunStats stats_of(const RunVerdictInput& input, const properties::CheckResult& checked,
                  const properties::DataPromises& promises) {
  RunStats stats;
  std::set<std::int32_t> generations;
  for (const properties::Op& op : input.history.ops()) {
    switch (op.kind) {
      case OpKind::kSend:
        ++stats.produced;
        stats.acknowledged += op.status == OpStatus::kOk;
        stats.failed += op.status == OpStatus::kFail;
        stats.indeterminate += op.status == OpStatus::kInfo;
        break;
      case OpKind::kPoll:
        if (!op.group.empty()) stats.consumed += static_cast<std::int64_t>(op.records.size());
        break;
      case OpKind::kCommit:
        ++stats.commits;
        break;
      case OpKind::kAssign:
        if (op.generation >= 0) generations.insert(op.generation);
        break;
      default:
        break;
    }
  }
  stats.rebalances = static_cast<std::int64_t>(generations.size());
  for (const properties::FaultEvent& f : input.observations.faults) {
    stats.faults += properties::fault_kind_from_name(f.kind).has_value();
  }
  // Once the final reader has read every partition, what the log no longer holds is exact;
  // before that, only what reads skipped over is known to be lost.
  const auto lost = checked.measurements.find(promises.final_reads ? "acknowledged_not_kept"
                                                                   : "lost_acknowledged");
  if (lost != checked.measurements.end()) stats.lost_acknowledged = lost->second;
  return stats;
}

}  // namespace

properties::DataPromises promises_for(const RunVerdictInput& input) {
  properties::DataPromises promises;
  const properties::WorkloadPlan& w = input.plan.workload;
  properties::ProducerPromise promise;
  std::vector<std::string> why;
  if (w.acks != -1) {
    promise.acknowledged_survive = false;
    why.push_back(fmt::format("acks={}", w.acks));
  }
  if (!w.enable_idempotence) {
    promise.no_duplicates = false;
    why.push_back("enable.idempotence=false");
    if (w.max_in_flight > 1) {
      promise.order = false;
      why.push_back(fmt::format("max.in.flight.requests.per.connection={}", w.max_in_flight));
    }
  }
  promise.why_not = fmt::format("{}", fmt::join(why, ", "));
  for (int i = 0; i < w.producers; ++i) promises.producers[fmt::format("producer-{}", i)] = promise;
  promises.loss_cause = unclean_election(input.observations);
  if (promises.loss_cause.empty()) promises.loss_cause = whole_isr_power_loss(input);
  promises.final_reads = input.failure.empty() && input.event_limit == 0 && input.liveness.empty();
  promises.final_reader = FinalReader::kProcess;
  promises.cleanup = properties::log_cleanup_of(input.history, input.observations);
  return promises;
}

// Whether acknowledged records may be lost in this run: then a consumer's position may move
// back legitimately (KIP-320 truncation detection resets it to the divergence point), and
// the consumption checkers that assume a log never loses what was read measure instead.
bool loss_allowed(const properties::DataPromises& promises) {
  if (!promises.loss_cause.empty()) return true;
  return std::any_of(promises.producers.begin(), promises.producers.end(),
                     [](const auto& entry) { return !entry.second.acknowledged_survive; });
}

// Moves the violations of properties that assume no acknowledged record is ever lost into
// measurements ("<property>_unpromised") when the run allows loss. The skip checkers also
// assume a consumer whose position retention deleted resets to the log start: with
// auto.offset.reset=latest it jumps to the end, skipping by design. Commit fencing assumes
// more: that the group coordinator's own log (the offsets topic) loses nothing, which
// only the run's faults (loss_cause) can break — a coordinator that reloads a group from a
// log that lost its newest generation takes commits of the one before.
void demote_unpromised(const properties::DataPromises& promises, bool resets_to_latest,
                       properties::CheckResult& checked) {
  static const std::set<std::string> kAssumeNoLoss{
      std::string(properties::kNonmonotonicPoll), std::string(properties::kPollSkip),
      std::string(properties::kCommittedOffsetsMonotonic),
      std::string(properties::kRebalanceNoSkip)};
  static const std::set<std::string> kAssumeCoordinatorLogKept{
      std::string(properties::kCommitFencing)};
  static const std::set<std::string> kAssumeResetToLogStart{
      std::string(properties::kPollSkip), std::string(properties::kRebalanceNoSkip)};
  const bool reset_past_retention = resets_to_latest && promises.cleanup.retention;
  const bool acknowledged_loss = loss_allowed(promises);
  const bool coordinator_loss = !promises.loss_cause.empty();
  std::vector<properties::Violation> kept;
  for (properties::Violation& v : checked.violations) {
    if ((acknowledged_loss && kAssumeNoLoss.contains(v.property)) ||
        (coordinator_loss && kAssumeCoordinatorLogKept.contains(v.property)) ||
        (reset_past_retention && kAssumeResetToLogStart.contains(v.property))) {
      ++checked.measurements[v.property + "_unpromised"];
    } else {
      kept.push_back(std::move(v));
    }
  }
  checked.violations = std::move(kept);
}

RunResult judge(const RunVerdictInput& input) {
  RunResult result;
  result.promises = promises_for(input);
  properties::CheckResult checked =
      properties::check_history(input.history, result.promises.cleanup);
  demote_unpromised(result.promises, input.plan.workload.auto_offset_reset == "latest", checked);
  checked.merge(properties::check_data(input.history, result.promises));
  // The history checkers cannot see the faults: name the one that preceded each finding.
  for (properties::Violation& v : checked.violations) {
    const std::string fault = input.observations.fault_before(v.at);
    if (!fault.empty()) v.detail += "; after " + fault;
  }
  checked.merge(properties::check_replicas(input.observations, result.promises.loss_cause,
                                           !whole_isr_power_loss(input).empty()));
  // The end-of-run rules (retention-overdue, tombstone-removed) judge logs a healed cluster
  // kept: not after a failed assertion or the event bound stopped the run.
  const bool run_completed = input.failure.empty() && input.event_limit == 0;
  checked.merge(
      properties::check_retention(input.observations, result.promises.loss_cause, run_completed));
  checked.merge(properties::check_compaction(input.history, input.observations, result.promises,
                                             run_completed));
  for (const properties::Violation& v : input.liveness) checked.violations.push_back(v);
  if (!input.failure.empty()) {
    checked.violations.push_back(
        {std::string(kInvariantProperty),
         fmt::format("{} (after {})", input.failure,
                     input.observations.fault_before(input.observations.liveness_end)),
         input.observations.liveness_end});
  }
  if (input.event_limit != 0) {
    checked.violations.push_back(
        {std::string(kLivenessProperty),
         fmt::format("the run reached its bound of {} events", input.event_limit),
         input.observations.liveness_end});
  }
  std::stable_sort(checked.violations.begin(), checked.violations.end(),
                   [](const auto& a, const auto& b) { return a.at < b.at; });
  result.stats = stats_of(input, checked, result.promises);
  result.violations = std::move(checked.violations);
  result.measurements = std::move(checked.measurements);
  result.pass = result.violations.empty();
  result.history_digest = input.history.digest();
  return result;
}

}  // namespace samsa::harness
