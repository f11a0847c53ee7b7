#include "properties/retention_checks.h"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <map>
#include <optional>
#include <utility>

#include "properties/observed_violation.h"

namespace samsa::properties {

namespace {

using cluster::BrokerId;
using cluster::Offset;
using cluster::RetentionReason;
using cluster::SegmentInfo;
using cluster::TopicPartition;
using ReplicaKey = std::pair<BrokerId, TopicPartition>;

const cluster::LogConfig* config_of(const Observations& observations, const TopicPartition& tp) {
  const auto it = observations.topic_configs.find(tp.topic);
  return it == observations.topic_configs.end() ? nullptr : &it->second;
}

std::string segment_text(const SegmentInfo& s) {
  return fmt::format("segment [{}, {}) ({} bytes, timestamps {}..{} ms)", s.base_offset,
                     s.next_offset, s.size_bytes, s.first_timestamp_ms, s.largest_timestamp_ms);
}

std::string pass_text(const RetentionSample& r) {
  return fmt::format(
      "broker {}'s retention check of {} at {} ms (broker clock {} ms, high watermark {}, log "
      "start {} -> {}, {} bytes before)",
      r.broker, cluster::to_string(r.tp), ms_of(r.at), r.pass.now_ms, r.pass.high_watermark,
      r.pass.log_start_before, r.pass.log_start_after, r.pass.size_before_bytes);
}

// Why a deletion had no cause under `config`, or "" when it had one. `remaining_bytes`: the
// partition's size before this segment went (size_before minus those deleted before it).
std::string uncaused(const cluster::DeletedSegment& d, const RetentionSample& r,
                     const cluster::LogConfig& config, std::uint64_t remaining_bytes) {
  const std::string policy(cluster::cleanup_policy_name(config.cleanup_policy));
  switch (d.reason) {
    case RetentionReason::kTime: {
      if (!cluster::deletes(config.cleanup_policy))
        return fmt::format("time retention does not apply under cleanup.policy={}", policy);
      if (config.retention_ms < 0) return "time retention is off (retention.ms=-1)";
      const std::int64_t age_ms = r.pass.now_ms - d.segment.largest_timestamp_ms;
      if (age_ms <= config.retention_ms)
        return fmt::format(
            "its newest record was only {} ms old by the broker's clock, within "
            "retention.ms={}",
            age_ms, config.retention_ms);
      return "";
    }
    case RetentionReason::kSize:
      if (!cluster::deletes(config.cleanup_policy))
        return fmt::format("size retention does not apply under cleanup.policy={}", policy);
      if (config.retention_bytes < 0) return "size retention is off (retention.bytes=-1)";
      if (static_cast<std::int64_t>(remaining_bytes) <= config.retention_bytes)
        return fmt::format(
            "the partition was already within retention.bytes={} ({} bytes left "
            "after the segments deleted before it)",
            config.retention_bytes, remaining_bytes);
      return "";
    case RetentionReason::kLogStart:
      if (d.segment.next_offset > r.pass.log_start_before)
        return fmt::format("it was not wholly below the log start offset {}",
                           r.pass.log_start_before);
      return "";
  }
  return "";
}

}  // namespace

std::vector<Violation> check_retention_deleted_young(const Observations& observations) {
  std::vector<Violation> violations;
  for (const RetentionSample& r : observations.retention) {
    const cluster::LogConfig* config = config_of(observations, r.tp);
    if (config == nullptr) continue;
    std::uint64_t remaining = r.pass.size_before_bytes;
    for (const cluster::DeletedSegment& d : r.pass.deleted) {
      const std::string why = uncaused(d, r, *config, remaining);
      remaining -= std::min(remaining, d.segment.size_bytes);
      if (why.empty()) continue;
      violations.push_back(violation(
          observations, kRetentionDeletedYoung,
          fmt::format("{} deleted {} by {}, but {}", pass_text(r), segment_text(d.segment),
                      cluster::retention_reason_name(d.reason), why),
          r.at));
    }
  }
  return violations;
}

std::vector<Violation> check_retention_above_high_watermark(const Observations& observations) {
  std::vector<Violation> violations;
  for (const RetentionSample& r : observations.retention) {
    for (const cluster::DeletedSegment& d : r.pass.deleted) {
      if (d.segment.base_offset >= r.pass.active_segment_base) {
        violations.push_back(violation(
            observations, kRetentionAboveHighWatermark,
            fmt::format("{} deleted the active {} by {}", pass_text(r), segment_text(d.segment),
                        cluster::retention_reason_name(d.reason)),
            r.at));
        continue;
      }
      if (d.segment.next_offset <= r.pass.high_watermark) continue;
      violations.push_back(violation(
          observations, kRetentionAboveHighWatermark,
          fmt::format("{} deleted {} by {}, which holds offsets {}..{} at or above the high "
                      "watermark {}",
                      pass_text(r), segment_text(d.segment),
                      cluster::retention_reason_name(d.reason),
                      std::max(d.segment.base_offset, r.pass.high_watermark),
                      d.segment.next_offset - 1, r.pass.high_watermark),
          r.at));
    }
  }
  return violations;
}

namespace {

std::map<ReplicaKey, std::vector<const ReplicaSample*>> samples_by_replica(
    const Observations& observations) {
  std::map<ReplicaKey, std::vector<const ReplicaSample*>> by_replica;
  for (const ReplicaSample& s : observations.replicas) by_replica[{s.broker, s.tp}].push_back(&s);
  return by_replica;
}

// When a replica's samples last showed `segment` not yet deletable (not rolled, or not
// wholly below the high watermark); the start of the run if none did.
sim::SimTime last_undeletable(const std::vector<const ReplicaSample*>& samples,
                              const SegmentInfo& segment) {
  sim::SimTime last = sim::kSimStart;
  for (const ReplicaSample* s : samples) {
    if (s->log_end_offset <= segment.next_offset || s->high_watermark < segment.next_offset)
      last = s->at;
  }
  return last;
}

// The last time a replica's log end offset changed (its size could grow then).
sim::SimTime last_growth(const std::vector<const ReplicaSample*>& samples) {
  sim::SimTime last = sim::kSimStart;
  for (std::size_t i = 1; i < samples.size(); ++i) {
    if (samples[i]->log_end_offset != samples[i - 1]->log_end_offset) last = samples[i]->at;
  }
  return last;
}

struct Overdue {
  const SegmentInfo* segment = nullptr;
  std::string rule;  // "time" or "size"
  std::int64_t eligible_ms = 0;
  std::size_t count = 0;
};

}  // namespace

std::vector<Violation> check_retention_overdue(const Observations& observations) {
  const auto samples = samples_by_replica(observations);
  const std::int64_t bound_ms = 2 * observations.retention_check_interval_ms + kRetentionSlackMs;
  std::vector<Violation> violations;
  for (const ReplicaLog& log : observations.final_logs) {
    const cluster::LogConfig* config = config_of(observations, log.tp);
    if (config == nullptr || !cluster::deletes(config->cleanup_policy) || log.segments.size() < 2)
      continue;
    static const std::vector<const ReplicaSample*> kNone;
    const auto found = samples.find({log.broker, log.tp});
    const std::vector<const ReplicaSample*>& mine = found == samples.end() ? kNone : found->second;
    // Simulated time on the replica's clock, erring late (see the header).
    const auto clock_at = [&](sim::SimTime t) {
      return log.clock_ms - (ms_of(observations.liveness_end) - ms_of(t));
    };
    const std::int64_t healed_ms = clock_at(observations.safety_end);
    std::uint64_t size = 0;
    for (const SegmentInfo& s : log.segments) size += s.size_bytes;
    Overdue overdue;
    std::uint64_t remaining = size;
    // Retention deletes a prefix (log_retention.h rule 1): the first segment it may keep
    // shields every later one, so only the leading run of late segments is judged.
    for (std::size_t i = 0; i + 1 < log.segments.size(); ++i) {
      const SegmentInfo& s = log.segments[i];
      if (s.next_offset > log.high_watermark) break;  // neither rule passes the HW
      const std::int64_t deletable_ms = std::max(healed_ms, clock_at(last_undeletable(mine, s)));
      std::optional<std::pair<std::string, std::int64_t>> late;
      if (config->retention_ms >= 0 && s.largest_timestamp_ms >= 0) {
        const std::int64_t eligible =
            std::max(deletable_ms, s.largest_timestamp_ms + config->retention_ms);
        if (log.clock_ms - eligible > bound_ms) late = {"time", eligible};
      }
      if (!late && config->retention_bytes >= 0 &&
          static_cast<std::int64_t>(remaining - s.size_bytes) >= config->retention_bytes) {
        const std::int64_t eligible = std::max(deletable_ms, clock_at(last_growth(mine)));
        if (log.clock_ms - eligible > bound_ms) late = {"size", eligible};
      }
      remaining -= s.size_bytes;
      if (!late) break;
      if (overdue.segment == nullptr) overdue = Overdue{&s, late->first, late->second, 0};
      ++overdue.count;
    }
    if (overdue.segment == nullptr) continue;
    const std::string rule =
        overdue.rule == "time"
            ? fmt::format("its newest record is {} ms old, past retention.ms={}",
                          log.clock_ms - overdue.segment->largest_timestamp_ms,
                          config->retention_ms)
            : fmt::format(
                  "the partition holds {} bytes, over retention.bytes={} by at least "
                  "this segment",
                  size, config->retention_bytes);
    violations.push_back(violation(
        observations, kRetentionOverdue,
        fmt::format("broker {}'s replica of {} still holds {} at the end (broker clock {} ms, "
                    "high watermark {}, log start {}): {}; deletable by {} retention since "
                    "{} ms on its clock, {} ms ago, beyond the bound of {} ms (2 x "
                    "log.retention.check.interval.ms={} + {} ms); {} overdue segment{}",
                    log.broker, cluster::to_string(log.tp), segment_text(*overdue.segment),
                    log.clock_ms, log.high_watermark, log.log_start_offset, rule, overdue.rule,
                    overdue.eligible_ms, log.clock_ms - overdue.eligible_ms, bound_ms,
                    observations.retention_check_interval_ms, kRetentionSlackMs, overdue.count,
                    overdue.count == 1 ? "" : "s"),
        observations.liveness_end));
  }
  return violations;
}

std::vector<Violation> check_log_start_monotonic(const Observations& observations) {
  std::vector<Violation> violations;
  for (const auto& [replica, samples] : samples_by_replica(observations)) {
    for (std::size_t i = 1; i < samples.size(); ++i) {
      const ReplicaSample& before = *samples[i - 1];
      const ReplicaSample& after = *samples[i];
      if (after.log_start_offset >= before.log_start_offset) continue;
      violations.push_back(violation(
          observations, kLogStartMonotonic,
          fmt::format("broker {}'s replica of {} showed log start offset {} at {} ms (leader "
                      "epoch {}, log end offset {}), then {} at {} ms (leader epoch {}, log end "
                      "offset {}, high watermark {})",
                      replica.first, cluster::to_string(replica.second), before.log_start_offset,
                      ms_of(before.at), before.leader_epoch, before.log_end_offset,
                      after.log_start_offset, ms_of(after.at), after.leader_epoch,
                      after.log_end_offset, after.high_watermark),
          after.at));
    }
  }
  return violations;
}

namespace {

std::map<std::string, std::int64_t> measure_retention(const Observations& observations) {
  std::map<std::string, std::int64_t> m;
  for (const std::string_view base : {"retention_segments_deleted", "retention_bytes_reclaimed"}) {
    m[std::string(base)] = 0;
    for (const std::string_view reason : {"time", "size", "log_start"})
      m[fmt::format("{}_{}", base, reason)] = 0;
  }
  for (const RetentionSample& r : observations.retention) {
    for (const cluster::DeletedSegment& d : r.pass.deleted) {
      std::string reason(cluster::retention_reason_name(d.reason));
      std::replace(reason.begin(), reason.end(), '-', '_');
      ++m["retention_segments_deleted"];
      ++m["retention_segments_deleted_" + reason];
      m["retention_bytes_reclaimed"] += static_cast<std::int64_t>(d.segment.size_bytes);
      m["retention_bytes_reclaimed_" + reason] += static_cast<std::int64_t>(d.segment.size_bytes);
    }
  }
  std::map<TopicPartition, std::pair<Offset, Offset>> leader_range;  // lowest, highest
  for (const ReplicaSample& s : observations.replicas) {
    if (s.role != ReplicaRoleSeen::kLeader) continue;
    auto [it, fresh] =
        leader_range.try_emplace(s.tp, std::pair{s.log_start_offset, s.log_start_offset});
    it->second.first = std::min(it->second.first, s.log_start_offset);
    it->second.second = std::max(it->second.second, s.log_start_offset);
  }
  std::int64_t moved = 0;
  for (const auto& [tp, range] : leader_range) moved += range.second - range.first;
  m["retention_log_start_moved"] = moved;
  return m;
}

}  // namespace

CheckResult check_retention(const Observations& observations, const std::string& loss_cause,
                            bool run_completed) {
  CheckResult result;
  result.measurements = measure_retention(observations);
  const auto add = [&](std::vector<Violation> found) {
    std::move(found.begin(), found.end(), std::back_inserter(result.violations));
  };
  add(check_retention_deleted_young(observations));
  add(check_retention_above_high_watermark(observations));
  if (run_completed) add(check_retention_overdue(observations));
  std::vector<Violation> decreases = check_log_start_monotonic(observations);
  result.measurements["log_start_decreases"] = static_cast<std::int64_t>(decreases.size());
  if (loss_cause.empty()) {
    add(std::move(decreases));
  } else {
    result.measurements["log_start_decreases_unpromised"] =
        static_cast<std::int64_t>(decreases.size());
  }
  std::stable_sort(result.violations.begin(), result.violations.end(),
                   [](const Violation& a, const Violation& b) { return a.at < b.at; });
  return result;
}

}  // namespace samsa::properties
