#include "properties/group_checks.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <tuple>
#include <utility>

#include "properties/group_index.h"

namespace samsa::properties {

namespace {

// (group, generation, process): the process has a kAssign in that generation of that group.
using Memberships = std::set<std::tuple<std::string, std::int32_t, std::string>>;

Memberships memberships(const History& history) {
  Memberships members;
  for (const Op& op : history.ops()) {
    if (op.kind == OpKind::kAssign && op.status == OpStatus::kOk && op.generation >= 0) {
      members.emplace(group_of(op), op.generation, op.process);
    }
  }
  return members;
}

std::string commit_text(const Op& commit) {
  std::string text;
  for (const auto& [tp, offset] : commit.offsets) {
    text += fmt::format("{}{}@{}", text.empty() ? "" : " ", cluster::to_string(tp), offset);
  }
  return text;
}

// A's polls of its partition that completed after `after` and while A still owned it.
std::string polls_after(const PollsByProcess& polls, const Ownership& a, const Moment& after) {
  const std::string& process = a.assign->process;
  const auto none = fmt::format("{} polled nothing of it after {} ms", process, ms(after.at));
  const auto it = polls.find({process, a.tp});
  if (it == polls.end()) return none;
  const std::vector<const Op*>& list = it->second;
  const auto by_moment = [](const Op* poll, const Moment& m) { return completed(*poll) < m; };
  const auto first = std::lower_bound(list.begin(), list.end(), after, by_moment);
  const auto last = a.end == nullptr
                        ? list.end()
                        : std::lower_bound(first, list.end(), completed(*a.end), by_moment);
  if (first == last) return none;
  constexpr std::ptrdiff_t kNamed = 3;
  std::string text =
      fmt::format("{} polled {} after {} ms:", process, cluster::to_string(a.tp), ms(after.at));
  for (auto poll = first; poll != last && poll - first < kNamed; ++poll) {
    text += fmt::format("{} {}", poll == first ? "" : ";", describe_poll_of(**poll, a.tp));
  }
  if (last - first > kNamed) text += fmt::format(" and {} more polls", (last - first) - kNamed);
  return text;
}

Violation exclusivity_violation(const Ownership& a, const Ownership& b,
                                const PollsByProcess& polls) {
  const std::int32_t g = b.assign->generation;
  const std::string ended = a.end == nullptr
                                ? std::string("never revoked")
                                : fmt::format("revoked only at {} ms", ms(a.end->completed_at));
  return Violation{
      std::string(kGroupExclusivity),
      fmt::format(
          "{} of group {}: {} was assigned it in generation {} at {} ms while {}, a member "
          "of generation {} too, still owned it (assigned in generation {} at {} ms, {}); {}",
          cluster::to_string(b.tp), group_of(*b.assign), b.assign->process, g,
          ms(b.assign->completed_at), a.assign->process, g, a.assign->generation,
          ms(a.assign->completed_at), ended, polls_after(polls, a, b.start())),
      b.assign->completed_at};
}

bool same_partition_of_group(const Ownership& a, const Ownership& b) {
  return a.tp == b.tp && group_of(*a.assign) == group_of(*b.assign);
}

}  // namespace

std::vector<Violation> check_group_exclusivity(const History& history) {
  const std::vector<Ownership> intervals = ownerships(history);
  const Memberships members = memberships(history);
  const PollsByProcess polls = polls_by_process(history);
  std::vector<Violation> violations;
  // The intervals of the current (group, partition) that began earlier and still last: at
  // most one per process of the group (group_index.h invariant 2).
  std::vector<const Ownership*> active;
  for (std::size_t i = 0; i < intervals.size(); ++i) {
    const Ownership& b = intervals[i];
    if (i > 0 && !same_partition_of_group(intervals[i - 1], b)) active.clear();
    std::erase_if(active, [&](const Ownership* a) { return !a->lasts_past(b.start()); });
    const std::int32_t g = b.assign->generation;
    for (const Ownership* a : active) {
      const std::string& owner = a->assign->process;
      // A zombie (kLose) is not held to the promise; only a revoke that came late is.
      const bool gave_up_late = a->end == nullptr || a->ended_by(OpKind::kRevoke);
      if (g < 0 || owner == b.assign->process || !gave_up_late) continue;
      if (!members.contains({group_of(*b.assign), g, owner})) continue;
      violations.push_back(exclusivity_violation(*a, b, polls));
    }
    active.push_back(&b);
  }
  return violations;
}

std::vector<Violation> check_commit_fencing(const History& history) {
  std::map<std::string, RunningMax> formed;  // per group: generations by their kAssign moments
  for (const Op& op : history.ops()) {
    if (op.kind == OpKind::kAssign && op.status == OpStatus::kOk && op.generation >= 0) {
      formed[group_of(op)].add(completed(op), op.generation, &op);
    }
  }
  for (auto& [group, generations] : formed) generations.seal();
  std::vector<Violation> violations;
  for (const Op* commit : ops_by_completion(history, OpKind::kCommit)) {
    if (commit->status != OpStatus::kOk || commit->generation < 0) continue;
    const auto it = formed.find(group_of(*commit));
    if (it == formed.end()) continue;
    const auto newest = it->second.max_before(invoked(*commit));
    if (!newest || newest->value <= commit->generation) continue;
    violations.push_back(Violation{
        std::string(kCommitFencing),
        fmt::format(
            "{}'s commit of {} with generation {} (invoked at {} ms, ok at {} ms) succeeded "
            "although generation {} of group {} had formed at {} ms ({} was assigned in it)",
            commit->process, commit_text(*commit), commit->generation, ms(commit->invoked_at),
            ms(commit->completed_at), newest->value, group_of(*commit),
            ms(newest->op->completed_at), newest->op->process),
        commit->completed_at});
  }
  return violations;
}

// The coordinator applies a commit somewhere between its invocation and its completion,
// so only a commit that completed before another was invoked is known to come first: a
// commit is reported when its offset is below one that an ok commit of the group had
// already completed before it was sent. (A commit whose answer was held up — its member
// paused after sending it — completes late without having been applied late.)
std::vector<Violation> check_committed_offsets_monotonic(const History& history) {
  std::map<std::pair<std::string, cluster::TopicPartition>, RunningMax> done;
  const std::vector<const Op*> commits = ops_by_completion(history, OpKind::kCommit);
  for (const Op* commit : commits) {
    if (commit->status != OpStatus::kOk) continue;
    for (const auto& [tp, offset] : commit->offsets) {
      done[{group_of(*commit), tp}].add(completed(*commit), offset.value(), commit);
    }
  }
  for (auto& [key, offsets] : done) offsets.seal();
  std::vector<Violation> violations;
  for (const Op* commit : commits) {
    if (commit->status != OpStatus::kOk) continue;
    for (const auto& [tp, offset] : commit->offsets) {
      const auto earlier = done.at({group_of(*commit), tp}).max_before(invoked(*commit));
      if (!earlier || offset.value() >= earlier->value) continue;
      const Op& previous = *earlier->op;
      violations.push_back(Violation{
          std::string(kCommittedOffsetsMonotonic),
          fmt::format(
              "{} of group {}: the committed offset went back from {} ({}, generation {}, ok "
              "at {} ms) to {} ({}, generation {}, sent at {} ms, ok at {} ms)",
              cluster::to_string(tp), group_of(*commit), earlier->value, previous.process,
              previous.generation, ms(previous.completed_at), offset, commit->process,
              commit->generation, ms(commit->invoked_at), ms(commit->completed_at)),
          commit->completed_at});
    }
  }
  return violations;
}

std::vector<Violation> check_committed_offsets_within_bounds(const History& history) {
  std::map<std::pair<std::string, cluster::TopicPartition>, RunningMax> polled;
  for (const Op* poll : ops_by_completion(history, OpKind::kPoll)) {
    if (poll->status != OpStatus::kOk) continue;
    for (const ReadRecord& r : poll->records)
      polled[{group_of(*poll), r.tp}].add(completed(*poll), r.offset.value(), poll);
  }
  for (auto& [key, offsets] : polled) offsets.seal();
  std::vector<Violation> violations;
  for (const Op* commit : ops_by_completion(history, OpKind::kCommit)) {
    if (commit->status != OpStatus::kOk) continue;
    for (const auto& [tp, offset] : commit->offsets) {
      const auto it = polled.find({group_of(*commit), tp});
      const auto highest =
          it == polled.end() ? std::nullopt : it->second.max_before(invoked(*commit));
      const std::int64_t bound = highest ? highest->value + 1 : 0;
      if (offset.value() >= 0 && offset.value() <= bound) continue;
      const std::string why =
          offset.value() < 0 ? std::string("a negative offset")
          : highest
              ? fmt::format(
                    "past the highest offset the group had polled before, {} ({} at {} ms), "
                    "so at most {} may be committed",
                    highest->value, highest->op->process, ms(highest->op->completed_at), bound)
              : std::string(
                    "the group had polled nothing of it before, so at most 0 may be committed");
      violations.push_back(Violation{
          std::string(kCommittedOffsetsWithinBounds),
          fmt::format(
              "{}'s commit of {}@{} in group {} (generation {}, invoked at {} ms, ok at {} ms) "
              "is out of bounds: {}",
              commit->process, cluster::to_string(tp), offset, group_of(*commit),
              commit->generation, ms(commit->invoked_at), ms(commit->completed_at), why),
          commit->completed_at});
    }
  }
  return violations;
}

}  // namespace samsa::properties
