#include "properties/consumption_checks.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "properties/group_index.h"

namespace samsa::properties {

namespace {

using GroupPartition = std::pair<std::string, cluster::TopicPartition>;

// Per group and partition, the offsets of commits that may have landed (ok or info), by
// the moment they were invoked.
std::map<GroupPartition, RunningMax> commits_that_may_have_landed(const History& history) {
  std::map<GroupPartition, RunningMax> committed;
  for (const Op& op : history.ops()) {
    if (op.kind != OpKind::kCommit || op.status == OpStatus::kFail) continue;
    for (const auto& [tp, offset] : op.offsets)
      committed[{group_of(op), tp}].add(invoked(op), offset.value(), &op);
  }
  for (auto& [key, offsets] : committed) offsets.seal();
  return committed;
}

// The first poll of the owner's that returned records of its partition during `o`.
const Op* first_poll_during(const PollsByProcess& polls, const Ownership& o) {
  const auto it = polls.find({o.assign->process, o.tp});
  if (it == polls.end()) return nullptr;
  const std::vector<const Op*>& list = it->second;
  const auto poll =
      std::lower_bound(list.begin(), list.end(), o.start(),
                       [](const Op* p, const Moment& m) { return completed(*p) < m; });
  if (poll == list.end() || (o.end != nullptr && completed(**poll) > completed(*o.end)))
    return nullptr;
  return *poll;
}

// The known records of `tp` in [from, to) that neither retention (by `at`) nor compaction
// explains, described as describe_known_between does; empty when there are none.
std::string describe_skipped(const KnownOffsets& known, const cluster::TopicPartition& tp,
                             cluster::Offset from, cluster::Offset to, const LogCleanup& cleanup,
                             sim::SimTime at) {
  if (cleanup.log_start.empty() && cleanup.compactable.empty())
    return describe_known_between(known, from, to);
  KnownOffsets unexplained;
  for (auto it = known.lower_bound(from); it != known.end() && it->first < to; ++it) {
    if (!cleanup.removed_by(tp, it->first, at)) unexplained.insert(*it);
  }
  return describe_known_between(unexplained, from, to);
}

}  // namespace

std::vector<Violation> check_rebalance_no_skip(const History& history, const LogCleanup& cleanup) {
  const PollsByProcess polls = polls_by_process(history);
  const KnownRecords known = known_records(history);
  const std::map<GroupPartition, RunningMax> committed = commits_that_may_have_landed(history);
  std::vector<Violation> violations;
  for (const Ownership& o : ownerships(history)) {
    const Op* poll = first_poll_during(polls, o);
    if (poll == nullptr) continue;
    const cluster::Offset start = records_of(*poll, o.tp).front()->offset;
    const KnownOffsets& known_of_tp = known.at(o.tp);  // the poll's own records are known
    const auto it = committed.find({group_of(*o.assign), o.tp});
    const auto commit =
        it == committed.end() ? std::nullopt : it->second.max_before(completed(*poll));
    const cluster::Offset bound =
        commit ? cluster::Offset(commit->value) : known_of_tp.begin()->first;
    if (start <= bound) continue;
    const std::string skipped =
        describe_skipped(known_of_tp, o.tp, bound, start, cleanup, poll->completed_at);
    if (skipped.empty()) continue;  // nothing known was passed over
    const std::string from =
        commit ? fmt::format("the group had committed {} ({}, {}, invoked at {} ms)", bound,
                             commit->op->process, op_status_name(commit->op->status),
                             ms(commit->op->invoked_at))
               : fmt::format("nothing had been committed and the lowest known offset is {}", bound);
    violations.push_back(Violation{
        std::string(kRebalanceNoSkip),
        fmt::format(
            "{} of group {}: {} was assigned it in generation {} at {} ms and its first poll "
            "of it ({}) started at {}, but {}: skipped {}",
            cluster::to_string(o.tp), group_of(*o.assign), o.assign->process, o.assign->generation,
            ms(o.assign->completed_at), describe_poll_of(*poll, o.tp), start, from, skipped),
        poll->completed_at});
  }
  return violations;
}

namespace {

struct LastRead {
  cluster::Offset offset;
  std::optional<std::string> value;
  const Op* poll = nullptr;
};

// One pass over every process's reads in order: the violations of `property`, which is
// kPollSkip or kNonmonotonicPoll (both come from comparing a read with the one before).
std::vector<Violation> poll_order_violations(const History& history, std::string_view property,
                                             const LogCleanup& cleanup) {
  std::vector<const Op*> events;
  for (const Op& op : history.ops()) {
    if (op.status == OpStatus::kOk && op.kind != OpKind::kSend && op.kind != OpKind::kCommit)
      events.push_back(&op);
  }
  std::sort(events.begin(), events.end(),
            [](const Op* a, const Op* b) { return completed(*a) < completed(*b); });
  const KnownRecords known = known_records(history);
  std::map<std::pair<std::string, cluster::TopicPartition>, LastRead> last;
  std::vector<Violation> violations;
  for (const Op* op : events) {
    if (op->kind != OpKind::kPoll) {  // an assignment change starts P's sequence afresh
      for (const cluster::TopicPartition& tp : op->partitions) last.erase({op->process, tp});
      continue;
    }
    for (const ReadRecord& r : op->records) {
      const auto [it, first] =
          last.try_emplace({op->process, r.tp}, LastRead{r.offset, r.value, op});
      const LastRead previous = it->second;
      it->second = LastRead{r.offset, r.value, op};
      if (first || r.offset == previous.offset + 1) continue;
      const bool backwards = r.offset <= previous.offset;
      const std::string skipped = backwards
                                      ? std::string()
                                      : describe_skipped(known.at(r.tp), r.tp, previous.offset + 1,
                                                         r.offset, cleanup, op->completed_at);
      const bool reported =
          backwards ? property == kNonmonotonicPoll : property == kPollSkip && !skipped.empty();
      if (!reported) continue;
      violations.push_back(Violation{
          std::string(property),
          fmt::format("{} polled {} offset {} ({}) at {} ms {} offset {} ({}) at {} ms, with no "
                      "assignment change of {} in between{}",
                      op->process, cluster::to_string(r.tp), r.offset, value_text(r.value),
                      ms(op->completed_at), backwards ? "after" : "right after", previous.offset,
                      value_text(previous.value), ms(previous.poll->completed_at),
                      cluster::to_string(r.tp),
                      backwards ? "" : ", skipping known records " + skipped),
          op->completed_at});
    }
  }
  return violations;
}

}  // namespace

std::vector<Violation> check_poll_skip(const History& history, const LogCleanup& cleanup) {
  return poll_order_violations(history, kPollSkip, cleanup);
}

std::vector<Violation> check_nonmonotonic_poll(const History& history) {
  return poll_order_violations(history, kNonmonotonicPoll, LogCleanup{});
}

}  // namespace samsa::properties
