#include "properties/replica_checks.h"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <tuple>
#include <utility>

#include "properties/observed_violation.h"
#include "properties/run_plan.h"

namespace samsa::properties {

namespace {

using cluster::BrokerId;
using cluster::LeaderEpoch;
using cluster::Offset;
using cluster::TopicPartition;

using EpochKey = std::pair<TopicPartition, LeaderEpoch>;
using ReplicaKey = std::pair<BrokerId, TopicPartition>;
using LogsByPartition = std::map<TopicPartition, std::vector<const ReplicaLog*>>;

void append(std::vector<Violation>& to, std::vector<Violation> from) {
  to.insert(to.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
}

std::string_view role_name(ReplicaRoleSeen role) {
  switch (role) {
    case ReplicaRoleSeen::kLeader:
      return "leader";
    case ReplicaRoleSeen::kFollower:
      return "follower";
    case ReplicaRoleSeen::kNone:
      return "no role";
  }
  return "?";
}

LogsByPartition final_logs_by_partition(const Observations& observations) {
  LogsByPartition logs;
  for (const ReplicaLog& log : observations.final_logs) logs[log.tp].push_back(&log);
  return logs;
}

// --- replica-log-matching ----------------------------------------------------------------

// One final log with the last offset of each key it holds (for compaction, see the header).
struct IndexedLog {
  const ReplicaLog* log = nullptr;
  std::map<std::string, Offset> last_of_key;
};

IndexedLog indexed(const ReplicaLog& log) {
  IndexedLog index{&log, {}};
  for (const ReplicaRecord& r : log.records) {
    if (r.key) index.last_of_key[*r.key] = r.offset;
  }
  return index;
}

const ReplicaRecord* record_at(const ReplicaLog& log, Offset offset) {
  const auto it = std::lower_bound(log.records.begin(), log.records.end(), offset,
                                   [](const ReplicaRecord& r, Offset o) { return r.offset < o; });
  return it != log.records.end() && it->offset == offset ? &*it : nullptr;
}

bool same_record(const ReplicaRecord& a, const ReplicaRecord& b) {
  return a.leader_epoch == b.leader_epoch && a.key == b.key && a.value == b.value;
}

bool compacted_away(const ReplicaRecord& present, const IndexedLog& a, const IndexedLog& b) {
  if (!present.value) return true;
  if (!present.key) return false;
  for (const IndexedLog* index : {&a, &b}) {
    const auto it = index->last_of_key.find(*present.key);
    if (it != index->last_of_key.end() && it->second > present.offset) return true;
  }
  return false;
}

// The first offset in [from, to) where `x` holds a record `y` lacks or holds differently.
std::optional<Offset> first_unmatched(const IndexedLog& x, const IndexedLog& y, Offset from,
                                      Offset to) {
  for (const ReplicaRecord& r : x.log->records) {
    if (r.offset < from) continue;
    if (r.offset >= to) break;
    const ReplicaRecord* other = record_at(*y.log, r.offset);
    if (other == nullptr ? !compacted_away(r, x, y) : !same_record(r, *other)) return r.offset;
  }
  return std::nullopt;
}

std::string describe(const ReplicaRecord* r) {
  if (r == nullptr) return "no record";
  return fmt::format("epoch {}, key {}, value {}", r->leader_epoch, r->key ? *r->key : "null",
                     r->value ? *r->value : "null (tombstone)");
}

Offset committed_end(const ReplicaLog& log) {
  return std::min(log.high_watermark, log.log_end_offset);
}

std::optional<Violation> log_mismatch(const Observations& observations, const IndexedLog& a,
                                      const IndexedLog& b) {
  const Offset from = std::max(a.log->log_start_offset, b.log->log_start_offset);
  const Offset to = std::min(committed_end(*a.log), committed_end(*b.log));
  const std::optional<Offset> in_a = first_unmatched(a, b, from, to);
  const std::optional<Offset> in_b = first_unmatched(b, a, from, to);
  if (!in_a && !in_b) return std::nullopt;
  const Offset at = in_a && in_b ? std::min(*in_a, *in_b) : in_a ? *in_a : *in_b;
  return violation(
      observations, kReplicaLogMatching,
      fmt::format("{}: the replicas on brokers {} and {} differ at offset {}, below both high "
                  "watermarks (compared [{}, {})): broker {} has {}; broker {} has {}",
                  cluster::to_string(a.log->tp), a.log->broker, b.log->broker, at, from, to,
                  a.log->broker, describe(record_at(*a.log, at)), b.log->broker,
                  describe(record_at(*b.log, at))),
      observations.liveness_end);
}

// --- committed-data-kept -----------------------------------------------------------------

// Rule 1: a partition whose final logs all end below the largest leader high watermark.
struct Loss {
  const ReplicaSample* exposed = nullptr;  // the leader sample with that high watermark
  const ReplicaLog* longest = nullptr;     // the final log with the largest log end offset
  std::int64_t lost = 0;
};

std::vector<Loss> end_of_run_losses(const Observations& observations) {
  std::map<TopicPartition, const ReplicaSample*> exposed;
  for (const ReplicaSample& s : observations.replicas) {
    if (s.role != ReplicaRoleSeen::kLeader) continue;
    const ReplicaSample*& best = exposed[s.tp];
    if (best == nullptr || s.high_watermark > best->high_watermark) best = &s;
  }
  const LogsByPartition logs = final_logs_by_partition(observations);
  std::vector<Loss> losses;
  for (const auto& entry : exposed) {
    const auto it = logs.find(entry.first);
    if (it == logs.end()) continue;
    const ReplicaLog* longest = *std::max_element(it->second.begin(), it->second.end(),
                                                  [](const ReplicaLog* a, const ReplicaLog* b) {
                                                    return a->log_end_offset < b->log_end_offset;
                                                  });
    const std::int64_t lost = entry.second->high_watermark - longest->log_end_offset;
    if (lost > 0) losses.push_back(Loss{entry.second, longest, lost});
  }
  return losses;
}

Violation loss_violation(const Observations& observations, const Loss& loss) {
  const ReplicaSample& s = *loss.exposed;
  return violation(
      observations, kCommittedDataKept,
      fmt::format("{}: broker {} exposed high watermark {} as leader in epoch {} at {} ms, but "
                  "the longest final replica (broker {}) ends at offset {}: committed offsets "
                  "[{}, {}) are lost",
                  cluster::to_string(s.tp), s.broker, s.high_watermark, s.leader_epoch, ms_of(s.at),
                  loss.longest->broker, loss.longest->log_end_offset, loss.longest->log_end_offset,
                  s.high_watermark),
      observations.liveness_end);
}

// Rule 2: what is known of one replica's log (see the header).
struct ReplicaTrack {
  const ReplicaSample* last = nullptr;
  Offset committed_held{0};  // the log below this holds committed records...
  LeaderEpoch held_epoch = cluster::kNoLeaderEpoch;     // ...known from this leadership
  bool held_as_leader = false;                          // ...as its leader, or as a follower
  LeaderEpoch fetched_epoch = cluster::kNoLeaderEpoch;  // the log matched this leader's
  Offset fetched_end{0};                                // ...up to here
};

void hold(ReplicaTrack& track, Offset committed, LeaderEpoch epoch, bool as_leader) {
  if (committed <= track.committed_held) return;
  track.committed_held = committed;
  track.held_epoch = epoch;
  track.held_as_leader = as_leader;
}

sim::SimTime first_power_loss(const Observations& observations) {
  for (const FaultEvent& f : observations.faults) {
    if (f.kind == fault_kind_name(FaultKind::kPowerLoss)) return f.at;
  }
  return sim::kSimTimeMax;
}

Violation truncation_violation(const Observations& observations, const ReplicaTrack& track,
                               const ReplicaSample& s, Offset lost_end) {
  return violation(
      observations, kCommittedDataKept,
      fmt::format("{}: broker {}, follower in epoch {}, truncated its log from {} to {} at {} "
                  "ms, removing offsets [{}, {}) it held as committed ({} of epoch {}, whose "
                  "high watermark passed them)",
                  cluster::to_string(s.tp), s.broker, s.leader_epoch, track.last->log_end_offset,
                  s.log_end_offset, ms_of(s.at), s.log_end_offset, lost_end,
                  track.held_as_leader ? "as leader" : "fetched from the leader", track.held_epoch),
      s.at);
}

std::vector<Violation> committed_truncations(const Observations& observations) {
  const sim::SimTime power_loss = first_power_loss(observations);
  std::map<EpochKey, Offset> leader_hw;
  std::map<ReplicaKey, ReplicaTrack> tracks;
  std::vector<Violation> violations;
  for (const ReplicaSample& s : observations.replicas) {
    if (s.at >= power_loss) break;
    ReplicaTrack& track = tracks[{s.broker, s.tp}];
    if (s.role == ReplicaRoleSeen::kLeader) {
      Offset& hw = leader_hw[{s.tp, s.leader_epoch}];
      hw = std::max(hw, s.high_watermark);
      hold(track, std::min(s.high_watermark, s.log_end_offset), s.leader_epoch, true);
    }
    const auto fetched = leader_hw.find({s.tp, track.fetched_epoch});
    if (fetched != leader_hw.end()) {
      hold(track, std::min(track.fetched_end, fetched->second), track.fetched_epoch, false);
    }
    if (track.last != nullptr && s.role == ReplicaRoleSeen::kFollower) {
      const ReplicaSample& last = *track.last;
      const Offset lost_end = std::min(last.log_end_offset, track.committed_held);
      if (s.log_end_offset < lost_end) {
        violations.push_back(truncation_violation(observations, track, s, lost_end));
      }
      if (last.role == ReplicaRoleSeen::kFollower && last.leader_epoch == s.leader_epoch &&
          s.log_end_offset > last.log_end_offset) {
        track.fetched_epoch = s.leader_epoch;
        track.fetched_end = s.log_end_offset;
      }
    }
    track.committed_held = std::min(track.committed_held, s.log_end_offset);
    track.fetched_end = std::min(track.fetched_end, s.log_end_offset);
    track.last = &s;
  }
  return violations;
}

// --- monotonic-hw ------------------------------------------------------------------------

Violation hw_above_leo(const Observations& observations, const ReplicaSample& s) {
  return violation(observations, kMonotonicHw,
                   fmt::format("{}: broker {} ({}, epoch {}) reported high watermark {} above "
                               "its log end offset {} at {} ms",
                               cluster::to_string(s.tp), s.broker, role_name(s.role),
                               s.leader_epoch, s.high_watermark, s.log_end_offset, ms_of(s.at)),
                   s.at);
}

Violation hw_moved_back(const Observations& observations, const ReplicaSample& before,
                        const ReplicaSample& s) {
  return violation(
      observations, kMonotonicHw,
      fmt::format("{}: broker {}, leader in epoch {}, moved its high watermark "
                  "back from {} (at {} ms) to {} (at {} ms)",
                  cluster::to_string(s.tp), s.broker, s.leader_epoch, before.high_watermark,
                  ms_of(before.at), s.high_watermark, ms_of(s.at)),
      s.at);
}

// --- metadata ------------------------------------------------------------------------------

// The first metadata sample that named a real leader for each (partition, leader epoch).
struct NamedLeader {
  const MetadataSample* sample = nullptr;
  BrokerId leader = cluster::kNoLeader;
};

Violation metadata_leader_conflict(const Observations& observations, const NamedLeader& first,
                                   const MetadataSample& later, const cluster::PartitionState& p) {
  const MetadataSample& f = *first.sample;
  return violation(observations, kOneLeaderPerEpoch,
                   fmt::format("{}: metadata version {} (node {}, {} ms) names broker {} leader "
                               "in epoch {}, but version {} (node {}, {} ms) names broker {}",
                               cluster::to_string(p.tp), f.image.version(), f.controller,
                               ms_of(f.at), first.leader, p.leader_epoch, later.image.version(),
                               later.controller, ms_of(later.at), p.leader),
                   later.at);
}

std::vector<Violation> metadata_leader_conflicts(const Observations& observations) {
  std::map<EpochKey, NamedLeader> named;
  std::set<std::tuple<TopicPartition, LeaderEpoch, BrokerId>> reported;
  std::vector<Violation> violations;
  for (const MetadataSample& sample : observations.metadata) {
    for (const auto& entry : sample.image.partitions()) {
      const cluster::PartitionState& p = entry.second;
      if (p.leader == cluster::kNoLeader) continue;
      const auto [it, first] =
          named.try_emplace({p.tp, p.leader_epoch}, NamedLeader{&sample, p.leader});
      if (first || it->second.leader == p.leader) continue;
      if (!reported.insert({p.tp, p.leader_epoch, p.leader}).second) continue;
      violations.push_back(metadata_leader_conflict(observations, it->second, sample, p));
    }
  }
  return violations;
}

std::vector<Violation> replica_leader_conflicts(const Observations& observations) {
  std::map<EpochKey, const ReplicaSample*> first_leader;
  std::set<std::tuple<TopicPartition, LeaderEpoch, BrokerId>> reported;
  std::vector<Violation> violations;
  for (const ReplicaSample& s : observations.replicas) {
    if (s.role != ReplicaRoleSeen::kLeader) continue;
    const auto [it, first] = first_leader.try_emplace({s.tp, s.leader_epoch}, &s);
    const ReplicaSample& f = *it->second;
    if (first || f.broker == s.broker) continue;
    if (!reported.insert({s.tp, s.leader_epoch, s.broker}).second) continue;
    violations.push_back(violation(
        observations, kOneLeaderPerEpoch,
        fmt::format("{}: brokers {} (leader from {} ms) and {} (leader at {} ms) both acted as "
                    "leader in epoch {}",
                    cluster::to_string(s.tp), f.broker, ms_of(f.at), s.broker, ms_of(s.at),
                    s.leader_epoch),
        s.at));
  }
  return violations;
}

// --- measurements ----------------------------------------------------------------------

std::int64_t leader_changes(const Observations& observations) {
  std::set<EpochKey> led;
  std::set<TopicPartition> partitions;
  for (const MetadataSample& sample : observations.metadata) {
    for (const auto& entry : sample.image.partitions()) {
      if (entry.second.leader == cluster::kNoLeader) continue;
      led.insert({entry.first, entry.second.leader_epoch});
      partitions.insert(entry.first);
    }
  }
  return static_cast<std::int64_t>(led.size()) - static_cast<std::int64_t>(partitions.size());
}

void measure_isr_changes(const Observations& observations,
                         std::map<std::string, std::int64_t>& measurements) {
  std::map<TopicPartition, std::size_t> isr_size;
  std::int64_t shrinks = 0;
  std::int64_t expands = 0;
  for (const MetadataSample& sample : observations.metadata) {
    for (const auto& entry : sample.image.partitions()) {
      const std::size_t size = entry.second.isr.size();
      const auto [it, first] = isr_size.try_emplace(entry.first, size);
      if (first) continue;
      if (size < it->second) ++shrinks;
      if (size > it->second) ++expands;
      it->second = size;
    }
  }
  measurements["isr_shrinks"] = shrinks;
  measurements["isr_expands"] = expands;
}

std::int64_t max_replica_lag(const Observations& observations) {
  std::int64_t lag = 0;
  for (const auto& entry : final_logs_by_partition(observations)) {
    const auto [shortest, longest] = std::minmax_element(
        entry.second.begin(), entry.second.end(), [](const ReplicaLog* a, const ReplicaLog* b) {
          return a->log_end_offset < b->log_end_offset;
        });
    lag = std::max(lag, (*longest)->log_end_offset - (*shortest)->log_end_offset);
  }
  return lag;
}

}  // namespace

std::vector<Violation> check_replica_log_matching(const Observations& observations) {
  std::vector<Violation> violations;
  for (const auto& entry : final_logs_by_partition(observations)) {
    std::vector<IndexedLog> logs;
    for (const ReplicaLog* log : entry.second) logs.push_back(indexed(*log));
    for (std::size_t i = 0; i < logs.size(); ++i) {
      for (std::size_t j = i + 1; j < logs.size(); ++j) {
        if (auto v = log_mismatch(observations, logs[i], logs[j])) violations.push_back(*v);
      }
    }
  }
  return violations;
}

std::vector<Violation> check_committed_data_kept(const Observations& observations,
                                                 const std::string& loss_cause) {
  if (!loss_cause.empty()) return {};
  std::vector<Violation> violations = committed_truncations(observations);
  for (const Loss& loss : end_of_run_losses(observations)) {
    violations.push_back(loss_violation(observations, loss));
  }
  return violations;
}

std::vector<Violation> check_monotonic_hw(const Observations& observations) {
  std::map<std::tuple<BrokerId, TopicPartition, LeaderEpoch>, const ReplicaSample*> leaderships;
  std::set<std::tuple<BrokerId, TopicPartition, LeaderEpoch, bool>> reported;
  std::vector<Violation> violations;
  for (const ReplicaSample& s : observations.replicas) {
    const auto leadership = std::make_tuple(s.broker, s.tp, s.leader_epoch);
    if (s.high_watermark > s.log_end_offset &&
        reported.insert(std::tuple_cat(leadership, std::make_tuple(false))).second) {
      violations.push_back(hw_above_leo(observations, s));
    }
    if (s.role != ReplicaRoleSeen::kLeader) continue;
    const ReplicaSample*& before = leaderships[leadership];
    if (before != nullptr && s.high_watermark < before->high_watermark &&
        reported.insert(std::tuple_cat(leadership, std::make_tuple(true))).second) {
      violations.push_back(hw_moved_back(observations, *before, s));
    }
    if (before == nullptr || s.high_watermark >= before->high_watermark) before = &s;
  }
  return violations;
}

std::vector<Violation> check_one_leader_per_epoch(const Observations& observations) {
  std::vector<Violation> violations = replica_leader_conflicts(observations);
  append(violations, metadata_leader_conflicts(observations));
  return violations;
}

std::vector<Violation> check_one_controller_per_epoch(const Observations& observations) {
  std::map<LeaderEpoch, const ControllerLeadership*> first_active;
  std::set<std::pair<LeaderEpoch, sim::NodeId>> reported;
  std::vector<Violation> violations;
  for (const ControllerLeadership& c : observations.controllers) {
    if (!c.active) continue;
    const auto [it, first] = first_active.try_emplace(c.epoch, &c);
    const ControllerLeadership& f = *it->second;
    if (first || f.controller == c.controller) continue;
    if (!reported.insert({c.epoch, c.controller}).second) continue;
    violations.push_back(violation(
        observations, kOneControllerPerEpoch,
        fmt::format("controllers on nodes {} (active from {} ms) and {} (active at {} ms) were "
                    "both active in epoch {}",
                    f.controller, ms_of(f.at), c.controller, ms_of(c.at), c.epoch),
        c.at));
  }
  for (const MetadataDivergence& d : observations.metadata_divergence) {
    violations.push_back(violation(
        observations, kOneControllerPerEpoch,
        fmt::format("metadata version {}: the controller on node {} applied it with a different "
                    "image than the controller on node {}, which applied it first (seen at {} ms)",
                    d.version, d.other_controller, d.first_controller, ms_of(d.at)),
        d.at));
  }
  return violations;
}

std::vector<Violation> check_isr_legality(const Observations& observations) {
  std::set<std::string> reported;
  std::vector<Violation> violations;
  for (const MetadataSample& sample : observations.metadata) {
    const std::optional<std::string> problem = sample.image.validate();
    if (!problem || !reported.insert(*problem).second) continue;
    violations.push_back(violation(
        observations, kIsrLegality,
        fmt::format("metadata version {} (applied by the controller on node {} at {} ms) breaks "
                    "an invariant: {}",
                    sample.image.version(), sample.controller, ms_of(sample.at), *problem),
        sample.at));
  }
  return violations;
}

CheckResult check_replicas(const Observations& observations, const std::string& loss_cause,
                           bool whole_isr_lost_power) {
  CheckResult result;
  std::vector<Violation> mismatches = check_replica_log_matching(observations);
  result.measurements["replica_log_mismatches_unpromised"] =
      whole_isr_lost_power ? static_cast<std::int64_t>(mismatches.size()) : 0;
  if (!whole_isr_lost_power) result.violations = std::move(mismatches);
  append(result.violations, check_committed_data_kept(observations, loss_cause));
  append(result.violations, check_monotonic_hw(observations));
  if (loss_cause.empty()) append(result.violations, check_follower_hw(observations));
  append(result.violations, check_one_leader_per_epoch(observations));
  append(result.violations, check_one_controller_per_epoch(observations));
  append(result.violations, check_isr_legality(observations));
  // In the order they became visible; ties keep the checkers' order.
  std::stable_sort(result.violations.begin(), result.violations.end(),
                   [](const Violation& a, const Violation& b) { return a.at < b.at; });
  std::int64_t lost = 0;
  for (const Loss& loss : end_of_run_losses(observations)) lost += loss.lost;
  std::int64_t controller_changes = 0;
  for (const ControllerLeadership& c : observations.controllers) controller_changes += c.active;
  result.measurements["leader_changes"] = leader_changes(observations);
  result.measurements["controller_changes"] = controller_changes;
  measure_isr_changes(observations, result.measurements);
  result.measurements["committed_offsets_lost"] = lost;
  result.measurements["max_replica_lag_records"] = max_replica_lag(observations);
  return result;
}

}  // namespace samsa::properties
