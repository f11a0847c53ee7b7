#include "properties/compaction_checks.h"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <tuple>
#include <utility>

#include "cluster/group/group_messages.h"
#include "cluster/group/offsets_records.h"
#include "properties/group_index.h"
#include "properties/observed_violation.h"
#include "properties/run_plan.h"

namespace samsa::properties {

namespace {

using cluster::BrokerId;
using cluster::Offset;
using cluster::TopicPartition;
using ReplicaKey = std::pair<BrokerId, TopicPartition>;

const cluster::LogConfig* config_of(const Observations& observations, const std::string& topic) {
  const auto it = observations.topic_configs.find(topic);
  return it == observations.topic_configs.end() ? nullptr : &it->second;
}

std::string key_text(const std::optional<std::string>& key) {
  return key ? *key : std::string("null");
}

std::string record_text(const CleanedRecordSeen& r) {
  return fmt::format("offset {} (key {}, value {}, timestamp {} ms)", r.offset, key_text(r.key),
                     value_text(r.value), r.timestamp_ms);
}

std::string pass_text(const CleanerSample& c) {
  return fmt::format(
      "broker {}'s cleaner pass over {} at {} ms (broker clock {} ms, {}, log start {}, dirty "
      "from {}, end {}, high watermark {}, active segment base {})",
      c.broker, cluster::to_string(c.tp), ms_of(c.at), c.now_ms, c.trigger, c.log_start_offset,
      c.first_dirty_offset, c.end_offset, c.high_watermark, c.active_segment_base);
}

// The highest offset of each key among a pass's records below its end.
std::map<std::string, Offset> last_of_key(const CleanerSample& c) {
  std::map<std::string, Offset> last;
  for (const CleanedRecordSeen& r : c.records) {
    if (r.key && r.offset < c.end_offset) last[*r.key] = std::max(last[*r.key], r.offset);
  }
  return last;
}

bool superseded_in(const std::map<std::string, Offset>& last, const CleanedRecordSeen& r) {
  if (!r.key) return false;
  const auto it = last.find(*r.key);
  return it != last.end() && it->second > r.offset;
}

// The problems of one pass taken alone: rules (1) to (3) of compaction-keeps-latest.
std::vector<std::string> pass_problems(const CleanerSample& c) {
  std::vector<std::string> problems;
  if (c.end_offset > c.high_watermark)
    problems.push_back(fmt::format("it cleaned up to {}, past the high watermark {} (KAFKA-13194)",
                                   c.end_offset, c.high_watermark));
  if (c.end_offset > c.active_segment_base)
    problems.push_back(fmt::format("it cleaned up to {}, into the active segment (base {})",
                                   c.end_offset, c.active_segment_base));
  for (std::size_t i = 1; i < c.records.size(); ++i) {
    if (c.records[i].offset > c.records[i - 1].offset) continue;
    problems.push_back(fmt::format("its records are out of offset order: {} after {}",
                                   record_text(c.records[i]), record_text(c.records[i - 1])));
    break;
  }
  const std::map<std::string, Offset> last = last_of_key(c);
  const CleanedRecordSeen* first_latest = nullptr;
  std::size_t latest_removed = 0;
  for (const CleanedRecordSeen& r : c.records) {
    if (r.kept) continue;
    if (r.offset >= c.end_offset) {
      problems.push_back(fmt::format("it removed {}, at or above its end", record_text(r)));
      continue;
    }
    if (!r.value || superseded_in(last, r)) continue;
    if (first_latest == nullptr) first_latest = &r;
    ++latest_removed;
  }
  if (first_latest != nullptr)
    problems.push_back(fmt::format(
        "it removed {}, which no later record of its key below the end supersedes; {} such "
        "record{} removed",
        record_text(*first_latest), latest_removed, latest_removed == 1 ? "" : "s"));
  return problems;
}

// Whether a power loss happened in (from, to]: a log that lost unsynced records re-fetches
// them from a leader that compacted them on its own.
bool power_loss_between(const Observations& observations, sim::SimTime from, sim::SimTime to) {
  return std::any_of(
      observations.faults.begin(), observations.faults.end(), [&](const FaultEvent& f) {
        return f.kind == fault_kind_name(FaultKind::kPowerLoss) && f.at > from && f.at <= to;
      });
}

// Rule (4): what the earlier pass left in [later's log start, both ends) is what the later
// pass found there. A kept record the later pass no longer finds is fine when compaction
// explains it: a tombstone, or a later record of its key in the later pass's input. "" when
// it is.
std::string changed_between(const CleanerSample& earlier, const CleanerSample& later) {
  // The later input holds only [its log start, its end): a replica whose high watermark came
  // back lower (a restart, a follower behind) cleans a shorter prefix.
  const Offset from = later.log_start_offset;
  const Offset to = std::min(earlier.end_offset, later.end_offset);
  std::map<Offset, const CleanedRecordSeen*> before;
  for (const CleanedRecordSeen& r : earlier.records) before[r.offset] = &r;
  std::set<Offset> found;
  for (const CleanedRecordSeen& r : later.records) {
    if (r.offset < from || r.offset >= to) continue;
    found.insert(r.offset);
    const auto it = before.find(r.offset);
    if (it == before.end())
      return fmt::format("the later pass found {}, where the earlier one had no record",
                         record_text(r));
    if (it->second->key != r.key || it->second->value != r.value)
      return fmt::format("the later pass found {} where the earlier one had {}", record_text(r),
                         record_text(*it->second));
  }
  std::map<std::string, Offset> last;  // of each key in the later input, wherever it lies
  for (const CleanedRecordSeen& r : later.records) {
    if (r.key) last[*r.key] = std::max(last[*r.key], r.offset);
  }
  for (const CleanedRecordSeen& r : earlier.records) {
    if (!r.value || (r.key && last.contains(*r.key) && last.at(*r.key) > r.offset)) continue;
    if (r.kept && r.offset >= from && r.offset < to && !found.contains(r.offset))
      return fmt::format("the earlier pass kept {}, which the later one no longer found",
                         record_text(r));
  }
  return "";
}

}  // namespace

std::vector<Violation> check_compaction_keeps_latest(const Observations& observations,
                                                     const std::string& loss_cause) {
  std::vector<Violation> violations;
  std::map<ReplicaKey, const CleanerSample*> previous;
  for (const CleanerSample& c : observations.cleaner) {
    for (const std::string& problem : pass_problems(c)) {
      violations.push_back(violation(observations, kCompactionKeepsLatest,
                                     fmt::format("{}: {}", pass_text(c), problem), c.at));
    }
    const CleanerSample*& earlier = previous[{c.broker, c.tp}];
    if (earlier != nullptr && loss_cause.empty() &&
        !power_loss_between(observations, earlier->at, c.at)) {
      const std::string changed = changed_between(*earlier, c);
      if (!changed.empty())
        violations.push_back(
            violation(observations, kCompactionKeepsLatest,
                      fmt::format("{}, after its pass at {} ms (broker clock {} ms, end {}): {} (a "
                                  "record's offset never changes)",
                                  pass_text(c), ms_of(earlier->at), earlier->now_ms,
                                  earlier->end_offset, changed),
                      c.at));
    }
    earlier = &c;
  }
  return violations;
}

std::vector<TombstoneRemoval> tombstone_removals(const Observations& observations) {
  std::vector<TombstoneRemoval> removals;
  // Per partition and offset: the earlier pass with the smallest now_ms that passed it.
  std::map<std::pair<TopicPartition, Offset>, const CleanerSample*> passed;
  for (const CleanerSample& c : observations.cleaner) {
    const std::map<std::string, Offset> last = last_of_key(c);
    for (const CleanedRecordSeen& r : c.records) {
      if (r.value || r.kept || r.offset >= c.end_offset) continue;
      TombstoneRemoval removal{&c, &r, superseded_in(last, r), std::nullopt, nullptr};
      const auto it = passed.find({c.tp, r.offset});
      if (it != passed.end()) {
        removal.first_passed_ms = it->second->now_ms;
        removal.first_pass = it->second;
      }
      removals.push_back(removal);
    }
    for (const CleanedRecordSeen& r : c.records) {
      if (r.value || r.offset >= c.end_offset) continue;
      const CleanerSample*& first = passed[{c.tp, r.offset}];
      if (first == nullptr || c.now_ms < first->now_ms) first = &c;
    }
  }
  return removals;
}

std::vector<Violation> check_tombstone_kept(const Observations& observations) {
  std::vector<Violation> violations;
  for (const TombstoneRemoval& t : tombstone_removals(observations)) {
    const cluster::LogConfig* config = config_of(observations, t.pass->tp.topic);
    if (config == nullptr || t.superseded) continue;
    std::string why;
    if (!t.first_passed_ms) {
      why = "no earlier pass had gone over it, so its delete horizon was never set";
    } else if (t.pass->now_ms - *t.first_passed_ms < config->delete_retention_ms) {
      why = fmt::format(
          "broker {}'s pass at {} ms (broker clock {} ms) first went over it, only {} ms earlier "
          "by those clocks, within delete.retention.ms={}",
          t.first_pass->broker, ms_of(t.first_pass->at), *t.first_passed_ms,
          t.pass->now_ms - *t.first_passed_ms, config->delete_retention_ms);
    }
    if (why.empty()) continue;
    violations.push_back(
        violation(observations, kTombstoneKept,
                  fmt::format("{} removed the tombstone at {}, which no later record of its key "
                              "supersedes, but {}",
                              pass_text(*t.pass), record_text(*t.record), why),
                  t.pass->at));
  }
  return violations;
}

namespace {

// A final tombstone's delete horizon on its replica, and the pass that kept it past it.
struct TombstoneDue {
  std::int64_t horizon_ms = -1;
  const CleanerSample* kept_past = nullptr;
};

TombstoneDue tombstone_due(const std::vector<const CleanerSample*>& passes, Offset offset,
                           std::int64_t delete_retention_ms) {
  TombstoneDue due;
  std::optional<std::int64_t> first_ms;
  for (const CleanerSample* c : passes) {
    if (offset >= c->end_offset) continue;
    const auto r = std::find_if(c->records.begin(), c->records.end(),
                                [&](const CleanedRecordSeen& x) { return x.offset == offset; });
    if (r == c->records.end() || r->value) continue;
    if (!first_ms) first_ms = c->now_ms;
    const std::int64_t horizon =
        r->delete_horizon_ms >= 0 ? r->delete_horizon_ms : *first_ms + delete_retention_ms;
    due.horizon_ms = horizon;
    if (r->kept && c->now_ms > horizon && due.kept_past == nullptr) due.kept_past = c;
  }
  return due;
}

}  // namespace

std::vector<Violation> check_tombstone_removed(const Observations& observations) {
  std::map<ReplicaKey, std::vector<const CleanerSample*>> passes;
  for (const CleanerSample& c : observations.cleaner) passes[{c.broker, c.tp}].push_back(&c);
  const std::int64_t bound_ms = 2 * observations.cleaner_backoff_ms + kCleanerSlackMs;
  std::vector<Violation> violations;
  for (const ReplicaLog& log : observations.final_logs) {
    const cluster::LogConfig* config = config_of(observations, log.tp.topic);
    const auto mine = passes.find({log.broker, log.tp});
    if (config == nullptr || !cluster::compacts(config->cleanup_policy) || mine == passes.end())
      continue;
    const ReplicaRecord* first = nullptr;
    TombstoneDue first_due;
    std::size_t count = 0;
    for (const ReplicaRecord& r : log.records) {
      if (r.value) continue;
      const TombstoneDue due = tombstone_due(mine->second, r.offset, config->delete_retention_ms);
      if (due.kept_past == nullptr || log.clock_ms - due.horizon_ms <= bound_ms) continue;
      if (first == nullptr) {
        first = &r;
        first_due = due;
      }
      ++count;
    }
    if (first == nullptr) continue;
    violations.push_back(violation(
        observations, kTombstoneRemoved,
        fmt::format("broker {}'s replica of {} still holds the tombstone at offset {} (key {}, "
                    "timestamp {} ms) at the end (broker clock {} ms): its delete horizon was {} "
                    "ms (delete.retention.ms={}), {} ms earlier, beyond the bound of {} ms (2 x "
                    "log.cleaner.backoff.ms={} + {} ms), and {} went over it past that horizon "
                    "and kept it; {} such tombstone{}",
                    log.broker, cluster::to_string(log.tp), first->offset, key_text(first->key),
                    first->timestamp_ms, log.clock_ms, first_due.horizon_ms,
                    config->delete_retention_ms, log.clock_ms - first_due.horizon_ms, bound_ms,
                    observations.cleaner_backoff_ms, kCleanerSlackMs,
                    pass_text(*first_due.kept_past), count, count == 1 ? "" : "s"),
        observations.liveness_end));
  }
  return violations;
}

namespace {

struct KeyReads {
  std::map<Offset, std::optional<std::string>> at;  // what the final reader read of the key
};

// The highest high watermark any final log of `tp` had (none: no bound).
std::optional<Offset> final_high_watermark(const Observations& observations,
                                           const TopicPartition& tp) {
  std::optional<Offset> hw;
  for (const ReplicaLog& log : observations.final_logs) {
    if (log.tp != tp) continue;
    const Offset h = std::min(log.high_watermark, log.log_end_offset);
    if (!hw || h > *hw) hw = h;
  }
  return hw;
}

struct ReadFinding {
  Violation violation;
  bool promised = true;
};

}  // namespace

std::map<PartitionKey, const Op*> latest_acknowledged_by_key(const History& history,
                                                             const Observations& observations,
                                                             const DataPromises& promises) {
  std::map<PartitionKey, const Op*> latest;
  for (const Op& op : history.ops()) {
    if (op.kind != OpKind::kSend || op.status != OpStatus::kOk || op.offset.value() < 0 || !op.key)
      continue;
    const cluster::LogConfig* config = config_of(observations, op.tp.topic);
    if (config == nullptr || !cluster::compacts(config->cleanup_policy)) continue;
    const std::optional<Offset> hw = final_high_watermark(observations, op.tp);
    if ((hw && op.offset >= *hw) || op.offset < promises.cleanup.final_log_start(op.tp)) continue;
    const Op*& slot = latest[{op.tp, *op.key}];
    if (slot == nullptr || op.offset > slot->offset) slot = &op;
  }
  return latest;
}

namespace {

std::vector<ReadFinding> compacted_read_findings(const History& history,
                                                 const Observations& observations,
                                                 const DataPromises& promises) {
  const std::map<PartitionKey, const Op*> latest =
      latest_acknowledged_by_key(history, observations, promises);
  sim::SimTime end{};
  std::map<PartitionKey, KeyReads> read;
  for (const Op& op : history.ops()) {
    end = std::max(end, op.completed_at);
    if (op.kind == OpKind::kPoll && op.process == promises.final_reader) {
      for (const ReadRecord& r : op.records) {
        if (r.key) read[{r.tp, *r.key}].at.emplace(r.offset, r.value);
      }
    }
  }
  // Keys an indeterminate tombstone may have deleted after their latest acknowledged record:
  // the log may then rightly hold nothing of them.
  std::set<PartitionKey> maybe_deleted;
  for (const Op& op : history.ops()) {
    if (op.kind == OpKind::kSend && op.status == OpStatus::kInfo && !op.value && op.key)
      maybe_deleted.insert({op.tp, *op.key});
  }
  std::vector<ReadFinding> findings;
  for (const auto& [partition_key, send] : latest) {
    const KeyReads& seen = read[partition_key];
    const auto exact = seen.at.find(send->offset);
    if (exact != seen.at.end() && exact->second == send->value) continue;
    if (seen.at.upper_bound(send->offset) != seen.at.end()) continue;  // a later record of it
    const bool older = !seen.at.empty();
    if (!send->value && !older) continue;  // a deleted key the reader rightly does not see
    if (send->value && !older && maybe_deleted.contains(partition_key)) continue;
    std::string what;
    for (const auto& [offset, value] : seen.at)
      what += fmt::format("{}{} ({})", what.empty() ? "" : ", ", offset, value_text(value));
    const std::string failure =
        send->value ? "never saw it nor any later record of the key"
                    : "saw older values of the key but not the tombstone: a resurrected key";
    findings.push_back(ReadFinding{
        Violation{std::string(kCompactedRead),
                  fmt::format("key {} of compacted {}: its latest acknowledged record is {} at "
                              "offset {} ({}'s send acknowledged at {} ms), but the final reader "
                              "{} {}; of the key it read {}",
                              partition_key.second, cluster::to_string(partition_key.first),
                              value_text(send->value), send->offset, send->process,
                              ms_of(send->completed_at), promises.final_reader, failure,
                              what.empty() ? std::string("nothing") : "offsets " + what),
                  end},
        promises.loss_cause.empty() && promises.of(send->process).acknowledged_survive &&
            promises.final_reads && !promises.final_reader.empty()});
  }
  return findings;
}

}  // namespace

std::vector<Violation> check_compacted_read(const History& history,
                                            const Observations& observations,
                                            const DataPromises& promises) {
  std::vector<Violation> violations;
  for (ReadFinding& f : compacted_read_findings(history, observations, promises)) {
    if (f.promised) violations.push_back(std::move(f.violation));
  }
  return violations;
}

namespace {

std::map<std::string, std::int64_t> measure_compaction(const Observations& observations) {
  std::map<std::string, std::int64_t> m{{"cleaner_passes", 0},
                                        {"cleaner_records_removed", 0},
                                        {"cleaner_bytes_reclaimed", 0},
                                        {"tombstones_removed", 0},
                                        {"cleaner_lag_ms_max", 0}};
  for (const CleanerSample& c : observations.cleaner) {
    ++m["cleaner_passes"];
    m["cleaner_records_removed"] += std::count_if(
        c.records.begin(), c.records.end(), [](const CleanedRecordSeen& r) { return !r.kept; });
    if (c.bytes_before > c.bytes_after)
      m["cleaner_bytes_reclaimed"] += static_cast<std::int64_t>(c.bytes_before - c.bytes_after);
    if (c.oldest_dirty_timestamp_ms >= 0)
      m["cleaner_lag_ms_max"] =
          std::max(m["cleaner_lag_ms_max"], c.now_ms - c.oldest_dirty_timestamp_ms);
  }
  std::optional<std::int64_t> lifetime_max, lifetime_min;
  for (const TombstoneRemoval& t : tombstone_removals(observations)) {
    ++m["tombstones_removed"];
    // A lifetime is a delete horizon's doing: a tombstone a later record of its key
    // superseded went with the key's older values, whenever that was.
    if (!t.first_passed_ms || t.superseded) continue;
    const std::int64_t lifetime = t.pass->now_ms - *t.first_passed_ms;
    lifetime_max = std::max(lifetime_max.value_or(lifetime), lifetime);
    lifetime_min = std::min(lifetime_min.value_or(lifetime), lifetime);
  }
  if (lifetime_max) m["tombstone_lifetime_ms_max"] = *lifetime_max;
  if (lifetime_min) m["tombstone_lifetime_ms_min"] = *lifetime_min;
  return m;
}

}  // namespace

CheckResult check_compaction(const History& history, const Observations& observations,
                             const DataPromises& promises, bool run_completed) {
  CheckResult result;
  result.measurements = measure_compaction(observations);
  const auto add = [&](std::vector<Violation> found) {
    std::move(found.begin(), found.end(), std::back_inserter(result.violations));
  };
  add(check_compaction_keeps_latest(observations, promises.loss_cause));
  add(check_tombstone_kept(observations));
  if (run_completed) add(check_tombstone_removed(observations));
  std::int64_t unpromised_reads = 0;
  for (ReadFinding& f : compacted_read_findings(history, observations, promises)) {
    if (f.promised) {
      result.violations.push_back(std::move(f.violation));
    } else {
      ++unpromised_reads;
    }
  }
  result.measurements["compacted_read_unpromised"] = unpromised_reads;
  std::vector<Violation> commits = check_committed_offsets_survive_cleaning(history, observations);
  if (promises.loss_cause.empty()) {
    add(std::move(commits));
  } else {
    result.measurements["committed_offsets_survive_cleaning_unpromised"] =
        static_cast<std::int64_t>(commits.size());
  }
  std::stable_sort(result.violations.begin(), result.violations.end(),
                   [](const Violation& a, const Violation& b) { return a.at < b.at; });
  return result;
}

}  // namespace samsa::properties
