#include "properties/data_checks.h"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <optional>
#include <set>
#include <string_view>
#include <tuple>
#include <utility>

#include "properties/group_index.h"

namespace samsa::properties {

const ProducerPromise& DataPromises::of(const std::string& process) const {
  static const ProducerPromise kEverything;
  auto it = producers.find(process);
  return it == producers.end() ? kEverything : it->second;
}

namespace {

using Position = std::pair<cluster::TopicPartition, cluster::Offset>;

// A Violation and whether the run promised the property it breaks: the public checkers
// return the promised ones, check_data() counts them all.
struct Finding {
  Violation violation;
  bool promised = true;
};
using Findings = std::vector<Finding>;

// The earliest poll that read a given offset of a partition or a higher one.
struct PastRead {
  cluster::Offset offset;
  const Op* poll = nullptr;
};

std::string position_text(const Position& p) {
  return fmt::format("{} offset {}", cluster::to_string(p.first), p.second);
}

// Keeps in `slot` the operation that completed first (ties: the lower id).
void keep_earliest(const Op*& slot, const Op* op) {
  if (slot == nullptr || completed(*op) < completed(*slot)) slot = op;
}

// Everything the data checkers ask of a history, built in one pass over it. Reads are
// the records of every kPoll, whatever its status (a record returned was read).
struct DataIndex {
  // `final_reader`: the process whose reads are the final log ("" for none).
  explicit DataIndex(const History& history, std::string_view final_reader = {});
  std::vector<const Op*> acknowledged;       // ok sends with an offset (tombstones too), by id
  std::map<std::string, const Op*> send_of;  // a value's send (the first recorded)
  // Every position a value was read at, with the earliest poll that read it there.
  std::map<std::string, std::map<Position, const Op*>> reads_of;
  // Every value (nullopt: a tombstone) read at a position, with its earliest poll.
  std::map<Position, std::map<std::optional<std::string>, const Op*>> read_at;
  // What the final reader (DataPromises::final_reader) read at each position: the log as
  // the run ended. A value read elsewhere but not there was lost (truncated away, its
  // offset perhaps reused).
  std::map<Position, std::optional<std::string>> final_log;
  // Per partition and offset read: the earliest poll of that offset or a higher one.
  std::map<cluster::TopicPartition, std::map<cluster::Offset, PastRead>> reads_from;
  sim::SimTime end{};  // the last completion in the history

  // Whether some read returned what `send` wrote: its value anywhere, or for a tombstone
  // (no value to name it), a tombstone at its position.
  bool was_read(const Op& send) const {
    if (send.value) return reads_of.contains(*send.value);
    const auto at = read_at.find({send.tp, send.offset});
    return at != read_at.end() && at->second.contains(std::nullopt);
  }
  // The earliest poll that read an offset of `tp` above `offset`, if any did.
  std::optional<PastRead> first_read_past(const cluster::TopicPartition& tp,
                                          cluster::Offset offset) const {
    const auto it = reads_from.find(tp);
    if (it == reads_from.end()) return std::nullopt;
    const auto past = it->second.upper_bound(offset);
    if (past == it->second.end()) return std::nullopt;
    return past->second;
  }
};

DataIndex::DataIndex(const History& history, std::string_view final_reader) {
  std::map<cluster::TopicPartition, std::map<cluster::Offset, const Op*>> first_at;
  for (const Op& op : history.ops()) {
    end = std::max(end, op.completed_at);
    if (op.kind == OpKind::kSend) {
      if (op.value) send_of.emplace(*op.value, &op);
      if (op.status == OpStatus::kOk && op.offset.value() >= 0) acknowledged.push_back(&op);
    }
    if (op.kind != OpKind::kPoll) continue;
    for (const ReadRecord& r : op.records) {
      const Position at{r.tp, r.offset};
      keep_earliest(read_at[at][r.value], &op);
      if (op.process == final_reader) final_log[at] = r.value;
      keep_earliest(first_at[r.tp][r.offset], &op);
      if (r.value) keep_earliest(reads_of[*r.value][at], &op);
    }
  }
  for (const auto& [tp, offsets] : first_at) {
    std::map<cluster::Offset, PastRead>& from = reads_from[tp];
    PastRead earliest;
    for (auto it = offsets.rbegin(); it != offsets.rend(); ++it) {
      if (earliest.poll == nullptr || completed(*it->second) < completed(*earliest.poll))
        earliest = PastRead{it->first, it->second};
      from.emplace_hint(from.begin(), it->first, earliest);
    }
  }
}

// The producer a value names ("<process>/<key>/<n>"), else the process that sent it.
std::string producer_of(const DataIndex& index, const std::string& value) {
  if (const std::optional<ValueParts> parts = parse_value(value)) return parts->process;
  const auto send = index.send_of.find(value);
  return send == index.send_of.end() ? std::string() : send->second->process;
}

// "producer-0/k/3 (producer-0's send ok at 12 ms)", or "(no send of it was recorded)".
std::string value_with_send(const DataIndex& index, const std::string& value) {
  const auto it = index.send_of.find(value);
  if (it == index.send_of.end()) return fmt::format("{} (no send of it was recorded)", value);
  const Op& send = *it->second;
  return fmt::format("{} ({}'s send {} at {} ms)", value, send.process, op_status_name(send.status),
                     ms(send.completed_at));
}

bool survives(const DataPromises& promises, const std::string& process) {
  return promises.loss_cause.empty() && promises.of(process).acknowledged_survive;
}

// Whether the log still holds `value` at `position`. Without a complete final read the
// run cannot tell, and every read position counts as kept.
bool kept_at(const DataIndex& index, const DataPromises& promises, const Position& position,
             const std::string& value) {
  if (!promises.final_reads || promises.final_reader.empty()) return true;
  const auto kept = index.final_log.find(position);
  return kept != index.final_log.end() && kept->second == value;
}

// lost-write and unseen in one pass: acknowledged sends whose value no read returned.
struct Missing {
  Findings lost;
  Findings unseen;
  std::int64_t deleted_unread = 0;    // below the log start: retention deleted them
  std::int64_t compacted_unread = 0;  // compaction may have removed them
};

std::string acknowledged_text(const Op& send) {
  return fmt::format("{}'s send of {} was acknowledged at {} at {} ms", send.process,
                     value_text(send.value), position_text({send.tp, send.offset}),
                     ms(send.completed_at));
}

Missing find_missing(const DataIndex& index, const DataPromises& promises) {
  Missing missing;
  for (const Op* send : index.acknowledged) {
    if (index.was_read(*send)) continue;
    if (send->offset < promises.cleanup.final_log_start(send->tp)) {
      ++missing.deleted_unread;
      continue;
    }
    if (promises.cleanup.is_compactable(send->tp, send->offset)) {
      ++missing.compacted_unread;
      continue;
    }
    const bool promised = survives(promises, send->process);
    const std::string tp = cluster::to_string(send->tp);
    if (const std::optional<PastRead> past = index.first_read_past(send->tp, send->offset)) {
      const cluster::Offset highest = index.reads_from.at(send->tp).rbegin()->first;
      missing.lost.push_back(Finding{
          Violation{std::string(kLostWrite),
                    fmt::format("{}, but no read returned it although reads of {} went past it: "
                                "{} read offset {} at {} ms, and reads reached offset {}",
                                acknowledged_text(*send), tp, past->poll->process, past->offset,
                                ms(past->poll->completed_at), highest),
                    std::max(send->completed_at, past->poll->completed_at)},
          promised});
      continue;
    }
    const auto reads = index.reads_from.find(send->tp);
    const std::string reached =
        reads == index.reads_from.end()
            ? fmt::format("nothing of {} was read", tp)
            : fmt::format("reads of {} reached only offset {}", tp, reads->second.rbegin()->first);
    missing.unseen.push_back(Finding{
        Violation{std::string(kUnseen),
                  fmt::format("{}, but no read returned it by the end of the run ({} ms): {}, "
                              "although the final reader reached every high watermark",
                              acknowledged_text(*send), ms(index.end), reached),
                  index.end},
        promised && promises.final_reads});
  }
  return missing;
}

Findings find_duplicates(const DataIndex& index, const DataPromises& promises) {
  Findings findings;
  for (const auto& [value, positions] : index.reads_of) {
    if (positions.size() < 2) continue;
    const std::string producer = producer_of(index, value);
    std::vector<std::pair<Position, const Op*>> by_time;
    for (const auto& [position, poll] : positions) {
      // Where acknowledged records may be lost, a copy the log lost (its retry landed
      // elsewhere) is no duplicate: what survives is judged, as for per-key order.
      if (survives(promises, producer) || kept_at(index, promises, position, value)) {
        by_time.emplace_back(position, poll);
      }
    }
    if (by_time.size() < 2) continue;
    std::stable_sort(by_time.begin(), by_time.end(), [](const auto& a, const auto& b) {
      return completed(*a.second) < completed(*b.second);
    });
    std::string where;
    for (const auto& [position, poll] : by_time) {
      where += fmt::format("{}{} (first read by {} at {} ms)", where.empty() ? "" : ", ",
                           position_text(position), poll->process, ms(poll->completed_at));
    }
    findings.push_back(
        Finding{Violation{std::string(kDuplicate),
                          fmt::format("{} was read at {} positions: {}",
                                      value_with_send(index, value), by_time.size(), where),
                          by_time[1].second->completed_at},
                promises.of(producer).no_duplicates});
  }
  return findings;
}

// One piece of evidence of what a position holds: an acknowledgement or a read.
struct Evidence {
  std::optional<std::string> value;
  const Op* op = nullptr;
};

std::string evidence_text(const Evidence& e) {
  if (e.op->kind == OpKind::kSend)
    return fmt::format("{} (acknowledged to {} at {} ms)", value_text(e.value), e.op->process,
                       ms(e.op->completed_at));
  return fmt::format("{} (first read by {} at {} ms)", value_text(e.value), e.op->process,
                     ms(e.op->completed_at));
}

// Allowed loss explains an inconsistency when the run voids durability, or when the reads
// agree and every acknowledged value they contradict was sent without acks=all's promise
// (such a record may be truncated and its offset reused).
bool inconsistency_promised(const std::vector<Evidence>& evidence, const DataPromises& promises) {
  if (!promises.loss_cause.empty()) return false;
  std::set<std::optional<std::string>> read, kept;
  for (const Evidence& e : evidence) {
    if (e.op->kind == OpKind::kPoll) read.insert(e.value);
    if (e.op->kind == OpKind::kPoll || survives(promises, e.op->process)) kept.insert(e.value);
  }
  return read.size() > 1 || kept.size() > 1;
}

Findings find_inconsistent_offsets(const DataIndex& index, const DataPromises& promises) {
  std::map<Position, std::vector<Evidence>> at;
  for (const Op* send : index.acknowledged)
    at[{send->tp, send->offset}].push_back({send->value, send});
  for (const auto& [position, values] : index.read_at) {
    for (const auto& [value, poll] : values) at[position].push_back({value, poll});
  }
  Findings findings;
  for (auto& [position, evidence] : at) {
    std::stable_sort(evidence.begin(), evidence.end(), [](const Evidence& a, const Evidence& b) {
      return completed(*a.op) < completed(*b.op);
    });
    std::set<std::optional<std::string>> values;
    const Evidence* second = nullptr;  // the first evidence of a second value
    std::string what;
    for (const Evidence& e : evidence) {
      if (values.insert(e.value).second && values.size() == 2) second = &e;
      what += fmt::format("{}{}", what.empty() ? "" : ", ", evidence_text(e));
    }
    if (second == nullptr) continue;
    findings.push_back(Finding{Violation{std::string(kInconsistentOffsets),
                                         fmt::format("{} holds {} different values: {}",
                                                     position_text(position), values.size(), what),
                                         second->op->completed_at},
                               inconsistency_promised(evidence, promises)});
  }
  return findings;
}

Findings find_nonmonotonic_sends(const DataIndex& index, const DataPromises& promises) {
  // Per (process, partition): offsets by the moment their send completed. A Moment with id
  // 0 orders by time alone, so "completed before B was invoked" is strictly earlier.
  std::map<std::pair<std::string, cluster::TopicPartition>, RunningMax> landed;
  for (const Op* send : index.acknowledged)
    landed[{send->process, send->tp}].add(Moment{send->completed_at, 0}, send->offset.value(),
                                          send);
  for (auto& [key, offsets] : landed) offsets.seal();
  Findings findings;
  for (const Op* b : index.acknowledged) {
    const auto a = landed.at({b->process, b->tp}).max_before(Moment{b->invoked_at, 0});
    if (!a || a->value <= b->offset.value()) continue;
    findings.push_back(Finding{
        Violation{std::string(kNonmonotonicSend),
                  fmt::format("{} sent {} to {} at {} ms, after its send of {} had been "
                              "acknowledged at offset {} at {} ms, yet it landed at lower offset "
                              "{} (acknowledged at {} ms)",
                              b->process, value_text(b->value), cluster::to_string(b->tp),
                              ms(b->invoked_at), value_text(a->op->value), a->value,
                              ms(a->op->completed_at), b->offset, ms(b->completed_at)),
                  b->completed_at},
        // The first offset may have been lost and reused when acknowledged records may be
        // lost (acks=1, an unclean election): order is then promised for what survives
        // (per-key-order), not for the offsets acknowledged.
        promises.of(b->process).order && survives(promises, b->process)});
  }
  return findings;
}

Findings find_aborted_reads(const DataIndex& index) {
  Findings findings;
  for (const auto& [value, positions] : index.reads_of) {
    const auto send = index.send_of.find(value);
    if (send == index.send_of.end() || send->second->status != OpStatus::kFail) continue;
    const Op& failed = *send->second;
    const auto first = std::min_element(
        positions.begin(), positions.end(),
        [](const auto& a, const auto& b) { return completed(*a.second) < completed(*b.second); });
    const std::string why = failed.error == cluster::ErrorCode::kNone
                                ? failed.detail
                                : fmt::format("{}{}{}", cluster::error_name(failed.error),
                                              failed.detail.empty() ? "" : ": ", failed.detail);
    findings.push_back(Finding{
        Violation{std::string(kAbortedRead),
                  fmt::format("{}'s send of {} definitely failed at {} ms ({}), yet {} read it "
                              "at {} at {} ms",
                              failed.process, value, ms(failed.completed_at),
                              why.empty() ? "no reason given" : why, first->second->process,
                              position_text(first->first), ms(first->second->completed_at)),
                  first->second->completed_at},
        true});
  }
  return findings;
}

// Where a value sits in the log: the lowest offset of its partition any read returned it
// at (where it first landed, whoever read it and when), and the earliest poll of it there.
struct Placed {
  std::string value;
  cluster::Offset offset;
  const Op* poll = nullptr;
};
// (producer, key, partition) -> the key's values by sequence number n.
using KeySequences = std::map<std::tuple<std::string, std::string, cluster::TopicPartition>,
                              std::map<std::uint64_t, Placed>>;

// Where a producer's acknowledged records may be lost (and their offsets reused), order is
// promised for what survives: values are placed only where the log kept them.
KeySequences key_sequences(const DataIndex& index, const DataPromises& promises) {
  KeySequences sequences;
  for (const auto& [value, positions] : index.reads_of) {
    const std::optional<ValueParts> parts = parse_value(value);
    if (!parts) continue;
    const bool survivors_only = !survives(promises, parts->process);
    for (const auto& [position, poll] : positions) {  // by (partition, offset): lowest first
      if (survivors_only && !kept_at(index, promises, position, value)) continue;
      sequences[{parts->process, parts->key, position.first}].try_emplace(
          parts->n, Placed{value, position.second, poll});
    }
  }
  return sequences;
}

std::string placed_text(const Placed& p) {
  return fmt::format("{} at offset {} (read by {} at {} ms)", p.value, p.offset, p.poll->process,
                     ms(p.poll->completed_at));
}

Findings find_reordered_keys(const DataIndex& index, const DataPromises& promises) {
  Findings findings;
  for (const auto& [key, sequence] : key_sequences(index, promises)) {
    const std::string& producer = std::get<0>(key);
    std::size_t descents = 0;
    std::optional<std::pair<const Placed*, const Placed*>> shown;  // the earliest visible
    sim::SimTime shown_at{};
    const Placed* previous = nullptr;
    for (const auto& [n, placed] : sequence) {
      if (previous != nullptr && placed.offset < previous->offset) {
        ++descents;
        const sim::SimTime visible =
            std::max(placed.poll->completed_at, previous->poll->completed_at);
        if (!shown || visible < shown_at) {
          shown = std::pair{previous, &placed};
          shown_at = visible;
        }
      }
      previous = &placed;
    }
    if (!shown) continue;
    findings.push_back(Finding{
        Violation{std::string(kPerKeyOrder),
                  fmt::format("{}'s values of key {} in {} are out of send order: {} was sent "
                              "before {}, yet sits after it; {} such inversion{} among {} values",
                              producer, std::get<1>(key), cluster::to_string(std::get<2>(key)),
                              placed_text(*shown->first), placed_text(*shown->second), descents,
                              descents == 1 ? "" : "s", sequence.size()),
                  shown_at},
        promises.of(producer).order});
  }
  return findings;
}

sim::SimTime history_end(const History& history) {
  sim::SimTime end{};
  for (const Op& op : history.ops()) end = std::max(end, op.completed_at);
  return end;
}

std::vector<Violation> promised_only(Findings findings) {
  std::vector<Violation> violations;
  for (Finding& f : findings) {
    if (f.promised) violations.push_back(std::move(f.violation));
  }
  return violations;
}

}  // namespace

std::vector<Violation> check_lost_write(const History& history, const DataPromises& promises) {
  return promised_only(find_missing(DataIndex(history, promises.final_reader), promises).lost);
}
std::vector<Violation> check_unseen(const History& history, const DataPromises& promises) {
  return promised_only(find_missing(DataIndex(history, promises.final_reader), promises).unseen);
}
std::vector<Violation> check_duplicate(const History& history, const DataPromises& promises) {
  return promised_only(find_duplicates(DataIndex(history, promises.final_reader), promises));
}
std::vector<Violation> check_inconsistent_offsets(const History& history) {
  return promised_only(find_inconsistent_offsets(DataIndex(history), DataPromises{}));
}
std::vector<Violation> check_nonmonotonic_send(const History& history,
                                               const DataPromises& promises) {
  return promised_only(
      find_nonmonotonic_sends(DataIndex(history, promises.final_reader), promises));
}
std::vector<Violation> check_aborted_read(const History& history) {
  return promised_only(find_aborted_reads(DataIndex(history)));
}
std::vector<Violation> check_per_key_order(const History& history, const DataPromises& promises) {
  return promised_only(find_reordered_keys(DataIndex(history, promises.final_reader), promises));
}

CheckResult check_data(const History& history, const DataPromises& promises) {
  const DataIndex index(history, promises.final_reader);
  Missing missing = find_missing(index, promises);
  struct Measured {
    std::string_view name;
    Findings findings;
  };
  Measured measured[] = {
      {"lost_acknowledged", std::move(missing.lost)},
      {"unseen_acknowledged", std::move(missing.unseen)},
      {"duplicated_values", find_duplicates(index, promises)},
      {"inconsistent_offsets", find_inconsistent_offsets(index, promises)},
      {"nonmonotonic_sends", find_nonmonotonic_sends(index, promises)},
      {"aborted_reads", find_aborted_reads(index)},
      {"reordered_keys", find_reordered_keys(index, promises)},
  };
  CheckResult result;
  result.measurements["acknowledged"] = static_cast<std::int64_t>(index.acknowledged.size());
  result.measurements["acknowledged_deleted_unread"] = missing.deleted_unread;
  result.measurements["acknowledged_compacted_unread"] = missing.compacted_unread;
  // Acknowledged records the log no longer holds anywhere: never read, or read and then
  // truncated away (their offsets reused). Exact once the final reader read every partition.
  // Records retention or compaction may have removed are not counted: they were not lost.
  result.measurements["acknowledged_not_kept"] =
      std::count_if(index.acknowledged.begin(), index.acknowledged.end(), [&](const Op* send) {
        if (promises.cleanup.removed_by(send->tp, send->offset, sim::kSimTimeMax)) return false;
        if (!send->value) return !index.was_read(*send);
        const auto reads = index.reads_of.find(*send->value);
        if (reads == index.reads_of.end()) return true;
        return std::none_of(reads->second.begin(), reads->second.end(), [&](const auto& read) {
          return kept_at(index, promises, read.first, *send->value);
        });
      });
  for (Measured& m : measured) {
    const auto unpromised = std::count_if(m.findings.begin(), m.findings.end(),
                                          [](const Finding& f) { return !f.promised; });
    result.measurements[std::string(m.name)] = static_cast<std::int64_t>(m.findings.size());
    if (m.name != "aborted_reads")
      result.measurements[fmt::format("{}_unpromised", m.name)] = unpromised;
    std::vector<Violation> violations = promised_only(std::move(m.findings));
    std::move(violations.begin(), violations.end(), std::back_inserter(result.violations));
  }
  // In the order they became visible; ties keep the checkers' order.
  std::stable_sort(result.violations.begin(), result.violations.end(),
                   [](const Violation& a, const Violation& b) { return a.at < b.at; });
  return result;
}

namespace {

// Log start offsets as shown over time, in time order (ties in the order given).
void add_log_starts(const History& history, const Observations& observations,
                    const std::set<std::string>& topics, LogCleanup& cleanup) {
  std::vector<std::tuple<sim::SimTime, cluster::TopicPartition, cluster::Offset>> shown;
  for (const ReplicaSample& s : observations.replicas)
    shown.emplace_back(s.at, s.tp, s.log_start_offset);
  for (const RetentionSample& r : observations.retention)
    shown.emplace_back(r.at, r.tp, r.pass.log_start_after);
  for (const ReplicaLog& log : observations.final_logs)
    shown.emplace_back(std::max(observations.liveness_end, history_end(history)), log.tp,
                       log.log_start_offset);
  std::stable_sort(shown.begin(), shown.end(),
                   [](const auto& a, const auto& b) { return std::get<0>(a) < std::get<0>(b); });
  for (const auto& [at, tp, start] : shown) {
    auto& rises = cleanup.log_start[tp];
    if (start.value() <= 0 || (!rises.empty() && start <= rises.back().second)) continue;
    rises.emplace_back(at, start);
    cleanup.retention = cleanup.retention || topics.contains(tp.topic);
  }
}

// Every record known of a compacted topic's partition: offset -> (key, tombstone).
using KnownKeyed = std::map<cluster::TopicPartition,
                            std::map<cluster::Offset, std::pair<std::optional<std::string>, bool>>>;

void add_compactable(const History& history, const Observations& observations,
                     const std::set<std::string>& topics, LogCleanup& cleanup) {
  const auto compacted = [&](const cluster::TopicPartition& tp) {
    const auto it = observations.topic_configs.find(tp.topic);
    return it != observations.topic_configs.end() && cluster::compacts(it->second.cleanup_policy);
  };
  KnownKeyed known;
  const auto note = [&](const cluster::TopicPartition& tp, cluster::Offset offset,
                        const std::optional<std::string>& key, bool tombstone) {
    if (offset.value() >= 0 && compacted(tp)) known[tp].try_emplace(offset, key, tombstone);
  };
  for (const Op& op : history.ops()) {
    if (op.kind == OpKind::kSend && op.status == OpStatus::kOk)
      note(op.tp, op.offset, op.key, !op.value);
    if (op.kind != OpKind::kPoll) continue;
    for (const ReadRecord& r : op.records) note(r.tp, r.offset, r.key, !r.value);
  }
  for (const ReplicaLog& log : observations.final_logs) {
    if (!topics.contains(log.tp.topic)) continue;
    for (const ReplicaRecord& r : log.records) note(log.tp, r.offset, r.key, !r.value);
  }
  for (const auto& [tp, records] : known) {
    cleanup.compaction = true;
    std::map<std::string, cluster::Offset> last;
    for (const auto& [offset, record] : records) {
      if (record.first) last[*record.first] = offset;
    }
    std::set<cluster::Offset>& compactable = cleanup.compactable[tp];
    for (const auto& [offset, record] : records) {
      if (record.second || (record.first && last.at(*record.first) > offset))
        compactable.insert(offset);
    }
  }
}

}  // namespace

LogCleanup log_cleanup_of(const History& history, const Observations& observations) {
  // Only the topics clients used: the offsets topic's own cleaning is not theirs.
  std::set<std::string> topics;
  for (const Op& op : history.ops()) {
    if (op.kind == OpKind::kSend) topics.insert(op.tp.topic);
    for (const ReadRecord& r : op.records) topics.insert(r.tp.topic);
  }
  LogCleanup cleanup;
  add_log_starts(history, observations, topics, cleanup);
  add_compactable(history, observations, topics, cleanup);
  return cleanup;
}

}  // namespace samsa::properties
