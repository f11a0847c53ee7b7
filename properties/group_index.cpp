#include "properties/group_index.h"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <set>
#include <tuple>

#include "sim/assert.h"

namespace samsa::properties {

Moment invoked(const Op& op) {
  return Moment{op.invoked_at, op.id};
}
Moment completed(const Op& op) {
  return Moment{op.completed_at, op.id};
}

std::int64_t ms(sim::SimTime t) {
  return sim::to_ms(t.time_since_epoch());
}

const std::string& group_of(const Op& op) {
  return op.group.empty() ? op.process : op.group;
}

std::vector<const Op*> ops_by_completion(const History& history, OpKind kind) {
  std::vector<const Op*> ops;
  for (const Op& op : history.ops()) {
    if (op.kind == kind) ops.push_back(&op);
  }
  std::sort(ops.begin(), ops.end(),
            [](const Op* a, const Op* b) { return completed(*a) < completed(*b); });
  return ops;
}

namespace {

// The assignment changes (kAssign, kRevoke, kLose) in completion order.
std::vector<const Op*> assignment_changes(const History& history) {
  std::vector<const Op*> ops;
  for (const Op& op : history.ops()) {
    const bool change =
        op.kind == OpKind::kAssign || op.kind == OpKind::kRevoke || op.kind == OpKind::kLose;
    if (change && op.status == OpStatus::kOk) ops.push_back(&op);
  }
  std::sort(ops.begin(), ops.end(),
            [](const Op* a, const Op* b) { return completed(*a) < completed(*b); });
  return ops;
}

}  // namespace

std::vector<Ownership> ownerships(const History& history) {
  using Key = std::tuple<std::string, std::string, cluster::TopicPartition>;  // group, process, tp
  std::vector<Ownership> intervals;
  std::map<Key, std::size_t> open;  // index into intervals
  for (const Op* op : assignment_changes(history)) {
    for (const cluster::TopicPartition& tp : op->partitions) {
      const Key key{group_of(*op), op->process, tp};
      const auto it = open.find(key);
      if (op->kind == OpKind::kAssign) {
        if (it != open.end()) continue;  // already owned: the interval goes on
        open.emplace(key, intervals.size());
        intervals.push_back(Ownership{op, nullptr, tp});
      } else if (it != open.end()) {
        intervals[it->second].end = op;
        open.erase(it);
      }
    }
  }
  std::sort(intervals.begin(), intervals.end(), [](const Ownership& a, const Ownership& b) {
    return std::tie(group_of(*a.assign), a.tp, a.assign->completed_at, a.assign->id) <
           std::tie(group_of(*b.assign), b.tp, b.assign->completed_at, b.assign->id);
  });
  return intervals;
}

PollsByProcess polls_by_process(const History& history) {
  PollsByProcess polls;
  for (const Op* poll : ops_by_completion(history, OpKind::kPoll)) {
    if (poll->status != OpStatus::kOk) continue;
    std::set<cluster::TopicPartition> seen;
    for (const ReadRecord& record : poll->records) {
      if (seen.insert(record.tp).second) polls[{poll->process, record.tp}].push_back(poll);
    }
  }
  return polls;
}

std::vector<const ReadRecord*> records_of(const Op& poll, const cluster::TopicPartition& tp) {
  std::vector<const ReadRecord*> records;
  for (const ReadRecord& record : poll.records) {
    if (record.tp == tp) records.push_back(&record);
  }
  return records;
}

std::string describe_poll_of(const Op& poll, const cluster::TopicPartition& tp) {
  const std::vector<const ReadRecord*> records = records_of(poll, tp);
  SAMSA_ASSERT(!records.empty(), "a poll described for a partition returned records of it");
  const cluster::Offset first = records.front()->offset;
  const cluster::Offset last = records.back()->offset;
  if (records.size() == 1) return fmt::format("offset {} at {} ms", first, ms(poll.completed_at));
  return fmt::format("offsets {}..{} at {} ms", first, last, ms(poll.completed_at));
}

KnownRecords known_records(const History& history) {
  KnownRecords known;
  for (const Op& op : history.ops()) {
    const bool landed =
        op.kind == OpKind::kSend && op.status == OpStatus::kOk && op.offset.value() >= 0;
    if (landed) known[op.tp][op.offset] = op.value;  // a send's value wins over a read's
  }
  for (const Op& op : history.ops()) {
    if (op.kind != OpKind::kPoll || op.status != OpStatus::kOk) continue;
    for (const ReadRecord& record : op.records)
      known[record.tp].emplace(record.offset, record.value);
  }
  return known;
}

std::string describe_known_between(const KnownOffsets& known, cluster::Offset from,
                                   cluster::Offset to, std::size_t named) {
  std::string text;
  std::size_t count = 0;
  for (auto it = known.lower_bound(from); it != known.end() && it->first < to; ++it, ++count) {
    if (count >= named) continue;  // counted, not named
    text += fmt::format("{}{} ({})", text.empty() ? "" : ", ", it->first, value_text(it->second));
  }
  if (count > named) text += fmt::format(" and {} more", count - named);
  return text;
}

std::string value_text(const std::optional<std::string>& value) {
  return value ? *value : std::string("<tombstone>");
}

void RunningMax::add(Moment at, std::int64_t value, const Op* op) {
  SAMSA_ASSERT(!sealed_, "a sealed running maximum takes no more values");
  entries_.push_back(Entry{at, value, op});
}

void RunningMax::seal() {
  SAMSA_ASSERT(!sealed_, "a running maximum is sealed once");
  std::sort(entries_.begin(), entries_.end(),
            [](const Entry& a, const Entry& b) { return a.at < b.at; });
  for (std::size_t i = 1; i < entries_.size(); ++i) {
    // Ties keep the earlier operation: "formed at", "first polled at".
    if (entries_[i].value <= entries_[i - 1].value) {
      entries_[i].value = entries_[i - 1].value;
      entries_[i].op = entries_[i - 1].op;
    }
  }
  sealed_ = true;
}

std::optional<RunningMax::Entry> RunningMax::max_before(const Moment& m) const {
  SAMSA_ASSERT(sealed_, "a running maximum answers only once sealed");
  const auto it = std::lower_bound(entries_.begin(), entries_.end(), m,
                                   [](const Entry& e, const Moment& at) { return e.at < at; });
  if (it == entries_.begin()) return std::nullopt;
  return *std::prev(it);
}

}  // namespace samsa::properties
