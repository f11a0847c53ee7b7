#include "properties/checker.h"

#include <algorithm>
#include <iterator>
#include <utility>

#include "properties/compaction_checks.h"
#include "properties/consumption_checks.h"
#include "properties/data_checks.h"
#include "properties/group_checks.h"
#include "properties/group_measurements.h"
#include "properties/replica_checks.h"
#include "properties/retention_checks.h"

namespace samsa::properties {

void CheckResult::merge(CheckResult other) {
  violations.insert(violations.end(), std::make_move_iterator(other.violations.begin()),
                    std::make_move_iterator(other.violations.end()));
  for (auto& [name, value] : other.measurements) measurements[name] = value;
}

cluster::Offset LogCleanup::log_start_at(const cluster::TopicPartition& tp, sim::SimTime at) const {
  const auto it = log_start.find(tp);
  if (it == log_start.end()) return cluster::Offset(0);
  // The last rise at or before `at`.
  const auto rise = std::upper_bound(it->second.begin(), it->second.end(), at,
                                     [](sim::SimTime t, const auto& r) { return t < r.first; });
  return rise == it->second.begin() ? cluster::Offset(0) : std::prev(rise)->second;
}

cluster::Offset LogCleanup::final_log_start(const cluster::TopicPartition& tp) const {
  const auto it = log_start.find(tp);
  return it == log_start.end() || it->second.empty() ? cluster::Offset(0)
                                                     : it->second.back().second;
}

bool LogCleanup::is_compactable(const cluster::TopicPartition& tp, cluster::Offset offset) const {
  const auto it = compactable.find(tp);
  return it != compactable.end() && it->second.contains(offset);
}

bool LogCleanup::removed_by(const cluster::TopicPartition& tp, cluster::Offset offset,
                            sim::SimTime at) const {
  return offset < log_start_at(tp, at) || is_compactable(tp, offset);
}

const std::vector<PropertyInfo>& registered_properties() {
  static const std::vector<PropertyInfo> properties{
      {kLostWrite, "no acknowledged record is missing below an offset reads went past",
       "acks=all, no unclean election, no whole ISR powered off without fsync per write"},
      {kUnseen, "every acknowledged record is read by the end of the run",
       "as lost-write, and the final reader reached every high watermark"},
      {kDuplicate, "no value is read at two offsets (promised with idempotence)",
       "enable.idempotence=true"},
      {kInconsistentOffsets, "no offset holds two different values across reads",
       "always between reads; against acknowledgements as lost-write"},
      {kNonmonotonicSend, "a producer's later send to a partition lands at a higher offset",
       "enable.idempotence=true or max.in.flight.requests.per.connection=1"},
      {kAbortedRead, "no value whose send definitely failed is read", "always"},
      {kPerKeyOrder, "a key's values land in send order (idempotence or one request in flight)",
       "enable.idempotence=true or max.in.flight.requests.per.connection=1"},
      {kReplicaLogMatching, "replicas hold the same records below both their high watermarks",
       "no whole ISR powered off without fsync per write"},
      {kCommittedDataKept, "no offset once below a leader's high watermark disappears",
       "no unclean election, no whole ISR powered off without fsync per write"},
      {kMonotonicHw, "a leader's high watermark never decreases within its leadership",
       "always (the follower rule: as committed-data-kept)"},
      {kOneLeaderPerEpoch, "at most one broker leads a partition in each leader epoch", "always"},
      {kOneControllerPerEpoch, "at most one active controller per Raft epoch; no divergent commit",
       "always"},
      {kIsrLegality, "every committed ISR holds its leader and no fenced broker beside others",
       "always"},
      {kGroupExclusivity, "no partition has two owners within one group generation's lifetime",
       "members of one generation (zombies thrown out of the group are exempt)"},
      {kCommitFencing, "no commit succeeds with a generation older than one already formed",
       "group commits (generation >= 0), no unclean election and no whole ISR powered off "
       "without fsync per write (the coordinator's log keeps every generation); manual "
       "assignment is exempt"},
      {kCommittedOffsetsMonotonic, "a group's committed offset of a partition never goes back",
       "as lost-write; commits completed before the later one was sent"},
      {kCommittedOffsetsWithinBounds,
       "a group commits only offsets in [0, 1 + highest offset it polled]",
       "group commits of what the group polled"},
      {kRebalanceNoSkip,
       "a new owner starts at or below the committed offset, skipping no known record",
       "as lost-write; auto.offset.reset=earliest (or no retention); gaps retention or "
       "compaction explain are exempt"},
      {kPollSkip, "a consumer's successive reads of a partition pass over no known record",
       "as lost-write; no rebalance between the polls; auto.offset.reset=earliest (or no "
       "retention); gaps retention or compaction explain are exempt"},
      {kNonmonotonicPoll, "a consumer's successive reads of a partition have increasing offsets",
       "as lost-write; no rebalance or seek between the two polls"},
      {kRetentionDeletedYoung,
       "retention deletes a segment only for its reason: older than retention.ms by the broker's "
       "clock, needed for retention.bytes, or wholly below the log start",
       "always (judged on the deleting broker's own clock, so clock skew is no excuse)"},
      {kRetentionAboveHighWatermark,
       "retention deletes only segments wholly below the replica's high watermark", "always"},
      {kRetentionOverdue,
       "a segment past retention.ms or retention.bytes and below the HW is deleted within 2 x "
       "log.retention.check.interval.ms + 2 s of becoming deletable",
       "after healing (no failed assertion, no event bound): final logs of topics whose "
       "cleanup.policy deletes, on each broker's clock"},
      {kLogStartMonotonic, "a replica's log start offset never decreases",
       "no unclean election, no whole ISR powered off without fsync per write"},
      {kCompactionKeepsLatest,
       "the cleaner removes only superseded records or tombstones, below min(HW, active "
       "segment), and never moves a record",
       "always (a record's offset between passes: as committed-data-kept, and no power loss "
       "between them)"},
      {kTombstoneKept,
       "a tombstone stays at least delete.retention.ms after the cleaner first passes it",
       "always (on the brokers' clocks; a tombstone a later record of its key supersedes is "
       "exempt)"},
      {kTombstoneRemoved,
       "a tombstone past its delete horizon is gone once the cleaner passes it again",
       "after healing: final logs of compacted topics where a cleaner pass went over the "
       "tombstone past its horizon, more than 2 x log.cleaner.backoff.ms + 2 s before the end"},
      {kCompactedRead,
       "a reader from the log start sees every key's latest acknowledged record, and no "
       "deleted key resurrected",
       "as unseen (acks=all, no unclean election, no whole ISR powered off without fsync per "
       "write, the final reader reached every HW); compacted topics"},
      {kCommittedOffsetsSurviveCleaning,
       "a group's last committed offset of a partition is the latest record of its key in "
       "__consumer_offsets, through cleaning, coordinator failover and crashes",
       "no unclean election, no whole ISR powered off without fsync per write"},
      {kLiveness, "after healing, producers finish and every partition is read to its HW in time",
       "every fault healed: within the plan's liveness bound"},
      {kInvariant, "no assertion inside the simulated cluster fails", "always"},
  };
  return properties;
}

const PropertyInfo* find_property(std::string_view name) {
  for (const PropertyInfo& info : registered_properties()) {
    if (info.name == name) return &info;
  }
  return nullptr;
}

CheckResult check_history(const History& history, const LogCleanup& cleanup) {
  using Checker = std::vector<Violation> (*)(const History&);
  static constexpr Checker kCheckers[] = {
      check_group_exclusivity,
      check_commit_fencing,
      check_committed_offsets_monotonic,
      check_committed_offsets_within_bounds,
  };
  CheckResult result;
  for (const Checker check : kCheckers) result.merge(CheckResult{check(history), {}});
  result.merge(CheckResult{check_rebalance_no_skip(history, cleanup), {}});
  result.merge(CheckResult{check_poll_skip(history, cleanup), {}});
  result.merge(CheckResult{check_nonmonotonic_poll(history), {}});
  // In the order they became visible; ties keep the checkers' order.
  std::stable_sort(result.violations.begin(), result.violations.end(),
                   [](const Violation& a, const Violation& b) { return a.at < b.at; });
  result.measurements = measure_consumer_groups(history);
  return result;
}

}  // namespace samsa::properties
