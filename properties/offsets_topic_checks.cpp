// committed-offsets-survive-cleaning (compaction_checks.h): the group's last commit of each
// partition is still the latest commit record for it in the compacted offsets topic
// (__consumer_offsets) once the run is over, read in Kafka's layout (offsets_records.h) from
// the log a coordinator would load — through cleaning, coordinator failover and crashes.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "cluster/group/group_messages.h"
#include "cluster/group/offsets_records.h"
#include "properties/compaction_checks.h"
#include "properties/group_index.h"
#include "properties/observed_violation.h"

namespace samsa::properties {

using cluster::Offset;
using cluster::TopicPartition;

namespace {

std::span<const std::uint8_t> bytes_of(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

using CommitKey = std::tuple<std::string, std::string, std::int32_t>;  // group, topic, partition

// The log a coordinator loads each offsets partition from: its last leader's (the replica
// that last reported leading it, in the highest epoch), else the replica with the highest
// high watermark and then log end.
std::map<TopicPartition, const ReplicaLog*> coordinator_logs(const Observations& observations) {
  std::map<TopicPartition, std::pair<cluster::LeaderEpoch, cluster::BrokerId>> last_leader;
  for (const ReplicaSample& s : observations.replicas) {
    if (s.tp.topic != cluster::kOffsetsTopic || s.role != ReplicaRoleSeen::kLeader) continue;
    const auto found = last_leader.find(s.tp);
    if (found == last_leader.end() || s.leader_epoch >= found->second.first) {
      last_leader.insert_or_assign(s.tp, std::pair{s.leader_epoch, s.broker});
    }
  }
  std::map<TopicPartition, const ReplicaLog*> chosen;
  const auto rank = [&](const ReplicaLog* l) {
    const auto leader = last_leader.find(l->tp);
    const bool led = leader != last_leader.end() && leader->second.second == l->broker;
    return std::tuple{led, std::min(l->high_watermark, l->log_end_offset), l->log_end_offset};
  };
  for (const ReplicaLog& log : observations.final_logs) {
    if (log.tp.topic != cluster::kOffsetsTopic) continue;
    const ReplicaLog*& slot = chosen[log.tp];
    if (slot == nullptr || rank(&log) > rank(slot)) slot = &log;
  }
  return chosen;
}

// The latest offset-commit record of each key in the offsets topic (nullopt: a tombstone),
// read to the log end as a coordinator loads it (offsets_topic_store.cpp): a commit a new
// leader holds above its high watermark — acknowledged under the old leader, before the
// ISR that would let the new one advance is back — is still the group's commit. Also
// whether any replica of the topic was inspected.
std::pair<std::map<CommitKey, std::optional<Offset>>, bool> committed_in_log(
    const Observations& observations) {
  const std::map<TopicPartition, const ReplicaLog*> logs = coordinator_logs(observations);
  std::map<CommitKey, std::optional<Offset>> latest;
  for (const auto& [tp, log] : logs) {
    for (const ReplicaRecord& r : log->records) {
      if (!r.key) continue;
      const auto key = cluster::decode_key(bytes_of(*r.key));
      if (!key.ok()) continue;
      const auto* commit = std::get_if<cluster::OffsetCommitKey>(&key.value());
      if (commit == nullptr) continue;
      const CommitKey k{commit->group, commit->topic, commit->partition.value()};
      if (!r.value) {
        latest[k] = std::nullopt;
        continue;
      }
      const auto value = cluster::decode_offset_commit_value(bytes_of(*r.value));
      if (value.ok()) latest[k] = value.value().offset;
    }
  }
  return {std::move(latest), !logs.empty()};
}

}  // namespace

std::vector<Violation> check_committed_offsets_survive_cleaning(const History& history,
                                                                const Observations& observations) {
  const auto [in_log, inspected] = committed_in_log(observations);
  if (!inspected) return {};
  // Per key, the commits in completion order.
  std::map<CommitKey, std::vector<std::pair<const Op*, Offset>>> commits;
  for (const Op* op : ops_by_completion(history, OpKind::kCommit)) {
    if (op->group.empty() || op->status == OpStatus::kFail) continue;
    for (const auto& [tp, offset] : op->offsets)
      commits[{op->group, tp.topic, tp.partition.value()}].emplace_back(op, offset);
  }
  std::vector<Violation> violations;
  for (const auto& [key, list] : commits) {
    const auto last_ok = std::find_if(
        list.rbegin(), list.rend(), [](const auto& c) { return c.first->status == OpStatus::kOk; });
    if (last_ok == list.rend()) continue;
    std::set<Offset> allowed;
    for (const auto& [op, offset] : list) {
      if (completed(*op) >= invoked(*last_ok->first)) allowed.insert(offset);
    }
    const auto found = in_log.find(key);
    const bool kept = found != in_log.end() && found->second && allowed.contains(*found->second);
    if (kept) continue;
    const std::string log_has = found == in_log.end() ? std::string("holds no commit record of it")
                                : !found->second
                                    ? std::string("ends it with a tombstone")
                                    : fmt::format("holds offset {} as its latest", *found->second);
    violations.push_back(violation(
        observations, kCommittedOffsetsSurviveCleaning,
        fmt::format("group {} committed offset {} of {}-{} ({}, ok at {} ms), but the final "
                    "log of {} (as its last leader holds it) {}",
                    std::get<0>(key), last_ok->second, std::get<1>(key), std::get<2>(key),
                    last_ok->first->process, ms_of(last_ok->first->completed_at),
                    cluster::kOffsetsTopic, log_has),
        observations.liveness_end));
  }
  return violations;
}

}  // namespace samsa::properties
