// The consumer side of a History, indexed for the group checkers (group_checks.h and
// consumption_checks.h): a total order on operations, ownership intervals built from the
// rebalance listener's calls, every record known to be in a partition's log, and running
// maxima to ask "the largest value seen before this moment" in O(log n).
// Invariants: 1. Moments are totally ordered: simulated time, ties broken by operation id,
// which for operations recorded at once (polls, assignment changes) is the order they
// happened in; 2. a process owns a partition over at most one interval at a time, from a
// kAssign to its next kRevoke or kLose of that partition (open if none); 3. everything is
// ordered by stable keys (groups, processes, partitions, moments), never by address.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "properties/history.h"

namespace samsa::properties {

struct Moment {
  sim::SimTime at{};
  std::uint64_t id = 0;
  auto operator<=>(const Moment&) const = default;
};
Moment invoked(const Op& op);
Moment completed(const Op& op);
std::int64_t ms(sim::SimTime t);

// The group an operation belongs to: op.group, or the process itself when it has none (a
// consumer without a group.id is a group of one).
const std::string& group_of(const Op& op);

// Every operation of `kind`, whatever its status, in completion order.
std::vector<const Op*> ops_by_completion(const History& history, OpKind kind);

struct Ownership {
  const Op* assign = nullptr;  // the kAssign that began it
  const Op* end = nullptr;     // the kRevoke or kLose that ended it; nullptr: never ended
  cluster::TopicPartition tp;
  Moment start() const { return completed(*assign); }
  // A never-ended interval lasts past every moment.
  bool lasts_past(const Moment& m) const { return end == nullptr || completed(*end) > m; }
  bool ended_by(OpKind kind) const { return end != nullptr && end->kind == kind; }
};
// Every ownership interval (invariant 2), sorted by (group, partition, start). A kAssign of
// a partition the process already owns continues that interval; a kRevoke or kLose of one
// it does not own ends nothing.
std::vector<Ownership> ownerships(const History& history);

// The ok polls of each (process, partition) that returned records of that partition, in
// completion order.
using PollsByProcess =
    std::map<std::pair<std::string, cluster::TopicPartition>, std::vector<const Op*>>;
PollsByProcess polls_by_process(const History& history);
// The records of `tp` a poll returned, in the order returned.
std::vector<const ReadRecord*> records_of(const Op& poll, const cluster::TopicPartition& tp);
// "offsets 4..6 at 120 ms": what a poll returned of `tp` and when.
std::string describe_poll_of(const Op& poll, const cluster::TopicPartition& tp);

// Every record known to be in a partition's log: the offset an ok send landed at, and every
// offset any process read. The value is the first one seen (a send's before a read's).
using KnownOffsets = std::map<cluster::Offset, std::optional<std::string>>;
using KnownRecords = std::map<cluster::TopicPartition, KnownOffsets>;
KnownRecords known_records(const History& history);
// The known records in [from, to): "6 (v6), 7 (v7) and 3 more", at most `named` named;
// empty when there are none.
std::string describe_known_between(const KnownOffsets& known, cluster::Offset from,
                                   cluster::Offset to, std::size_t named = 5);
std::string value_text(const std::optional<std::string>& value);  // "<tombstone>" for null

// The largest value carried by an operation at a moment strictly before a given one. add()
// in any order, then seal() once, then ask; O(n log n) to build, O(log n) per question.
class RunningMax {
 public:
  struct Entry {
    Moment at;
    std::int64_t value = 0;
    const Op* op = nullptr;  // the operation that carried the maximum
  };
  void add(Moment at, std::int64_t value, const Op* op);
  void seal();
  std::optional<Entry> max_before(const Moment& m) const;

 private:
  std::vector<Entry> entries_;  // after seal(): sorted by moment, values are prefix maxima
  bool sealed_ = false;
};

}  // namespace samsa::properties
