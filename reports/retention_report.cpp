// The retention and compaction section (retention_report.h): its JSON, from the run's
// Observations, History and violations. The renderings live in retention_report_render.cpp.
#include "reports/retention_report.h"

#include <algorithm>
#include <limits>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "cluster/group/group_messages.h"
#include "properties/compaction_checks.h"
#include "properties/observed_violation.h"

namespace samsa::reports {

namespace {

namespace props = properties;
using Json = nlohmann::json;
using cluster::BrokerId;
using cluster::TopicPartition;

double seconds_of(sim::SimTime t) {
  return static_cast<double>(props::ms_of(t)) / 1000.0;
}

// What the report reads of one partition, gathered in one pass over the observations.
struct PartitionData {
  std::vector<const props::RetentionSample*> retention;
  std::vector<const props::CleanerSample*> cleaner;
  std::map<BrokerId, std::vector<const props::ReplicaSample*>> samples;
  std::vector<const props::ReplicaLog*> final_logs;
  std::vector<const props::TombstoneRemoval*> removals;
  std::map<std::string, const props::Op*> expected;  // key -> its latest acknowledged send
};

struct TopicData {
  const cluster::LogConfig* config = nullptr;  // nullptr: the brokers applied none we saw
  bool only_touched = true;  // in scope only for the passes: list only the partitions they touched
  std::map<TopicPartition, PartitionData> partitions;
};

// Whether a topic's own config puts it in scope (retention_report.h, `topics`).
bool limited(const std::string& topic, const cluster::LogConfig& c, std::int64_t run_ms) {
  if (topic == cluster::kOffsetsTopic) return false;
  if (cluster::compacts(c.cleanup_policy)) return true;
  return c.retention_bytes >= 0 || (c.retention_ms >= 0 && c.retention_ms <= run_ms);
}

std::map<std::string, TopicData> topics_in_scope(const props::Observations& o) {
  std::map<std::string, TopicData> topics;
  for (const auto& [topic, config] : o.topic_configs) {
    if (!limited(topic, config, props::ms_of(o.liveness_end))) continue;
    topics[topic].config = &config;
    topics[topic].only_touched = false;
  }
  const auto touch = [&](const std::string& topic) {
    const auto config = o.topic_configs.find(topic);
    topics[topic].config = config == o.topic_configs.end() ? nullptr : &config->second;
  };
  for (const props::RetentionSample& r : o.retention) touch(r.tp.topic);
  for (const props::CleanerSample& c : o.cleaner) touch(c.tp.topic);
  return topics;
}

// Every partition of the topics in scope, with what was observed of it.
std::map<std::string, TopicData> index_run(const harness::RunResult& result,
                                           const std::vector<props::TombstoneRemoval>& removals) {
  const props::Observations& o = *result.observations;
  std::map<std::string, TopicData> topics = topics_in_scope(o);
  const auto data = [&](const TopicPartition& tp) -> PartitionData* {
    const auto topic = topics.find(tp.topic);
    return topic == topics.end() ? nullptr : &topic->second.partitions[tp];
  };
  for (const props::ReplicaSample& s : o.replicas) {
    if (PartitionData* d = data(s.tp)) d->samples[s.broker].push_back(&s);
  }
  for (const props::ReplicaLog& l : o.final_logs) {
    if (PartitionData* d = data(l.tp)) d->final_logs.push_back(&l);
  }
  for (const props::RetentionSample& r : o.retention) data(r.tp)->retention.push_back(&r);
  for (const props::CleanerSample& c : o.cleaner) data(c.tp)->cleaner.push_back(&c);
  for (const props::TombstoneRemoval& t : removals) data(t.pass->tp)->removals.push_back(&t);
  if (result.history) {
    for (const auto& [partition_key, send] :
         props::latest_acknowledged_by_key(*result.history, o, result.promises)) {
      if (PartitionData* d = data(partition_key.first))
        d->expected.emplace(partition_key.second, send);
    }
  }
  for (auto& [name, topic] : topics) {
    if (!topic.only_touched) continue;
    std::erase_if(topic.partitions, [](const auto& entry) {
      return entry.second.retention.empty() && entry.second.cleaner.empty();
    });
  }
  return topics;
}

Json config_json(const cluster::LogConfig& c) {
  return {
      {"cleanup_policy", std::string(cluster::cleanup_policy_name(c.cleanup_policy))},
      {"retention_ms", c.retention_ms},
      {"retention_bytes", c.retention_bytes},
      {"delete_retention_ms", c.delete_retention_ms},
      {"segment_bytes", c.segment_bytes},
      {"min_cleanable_dirty_ratio", c.min_cleanable_dirty_ratio},
      {"min_compaction_lag_ms", c.min_compaction_lag_ms},
      {"max_compaction_lag_ms", c.max_compaction_lag_ms == std::numeric_limits<std::int64_t>::max()
                                    ? Json(nullptr)
                                    : Json(c.max_compaction_lag_ms)}};
}

// `deleted` and `deletions`: each retention pass's segments, one event per run of a reason.
void add_deletions(const PartitionData& d, Json& out) {
  Json by_reason = Json::object();
  for (const auto reason : {cluster::RetentionReason::kTime, cluster::RetentionReason::kSize,
                            cluster::RetentionReason::kLogStart})
    by_reason[std::string(cluster::retention_reason_name(reason))] = {{"segments", 0},
                                                                      {"bytes", 0}};
  std::int64_t segments = 0, bytes = 0, omitted = 0;
  Json events = Json::array();
  for (const props::RetentionSample* r : d.retention) {
    std::optional<cluster::RetentionReason> open;  // the reason of this pass's last event
    bool recording = false;                        // whether that event is in `events`
    for (const cluster::DeletedSegment& s : r->pass.deleted) {
      const auto size = static_cast<std::int64_t>(s.segment.size_bytes);
      Json& reason = by_reason[std::string(cluster::retention_reason_name(s.reason))];
      reason["segments"] = reason["segments"].get<std::int64_t>() + 1;
      reason["bytes"] = reason["bytes"].get<std::int64_t>() + size;
      ++segments;
      bytes += size;
      if (open != s.reason) {
        open = s.reason;
        recording = events.size() < kMaxDeletionEvents;
        if (!recording) ++omitted;
        if (recording)
          events.push_back({{"t_s", seconds_of(r->at)},
                            {"broker", r->broker.value()},
                            {"reason", std::string(cluster::retention_reason_name(s.reason))},
                            {"base_offsets", Json::array()},
                            {"bytes", 0}});
      }
      if (!recording) continue;
      events.back()["base_offsets"].push_back(s.segment.base_offset.value());
      events.back()["bytes"] = events.back()["bytes"].get<std::int64_t>() + size;
    }
  }
  out["deleted"] = {{"segments", segments}, {"bytes", bytes}, {"by_reason", by_reason}};
  out["deletions"] = std::move(events);
  out["deletions_omitted"] = omitted;
}

// Each replica's log start offset: its first sample and every change.
Json replica_log_starts(const PartitionData& d) {
  Json replicas = Json::array();
  for (const auto& [broker, samples] : d.samples) {
    Json points = Json::array();
    std::optional<cluster::Offset> last;
    for (const props::ReplicaSample* s : samples) {
      if (last == s->log_start_offset) continue;
      last = s->log_start_offset;
      points.push_back({{"t_s", seconds_of(s->at)}, {"offset", s->log_start_offset.value()}});
    }
    replicas.push_back({{"broker", broker.value()}, {"points", std::move(points)}});
  }
  return replicas;
}

// How far a broker clock runs ahead of simulated time (retention_report.h, `time_bound`): the
// fastest of the partition's retention passes, else of its final logs (inspected at the end).
std::int64_t clock_ahead_ms(const PartitionData& d, const props::Observations& o) {
  std::optional<std::int64_t> ahead;
  for (const props::RetentionSample* r : d.retention)
    ahead = std::max(ahead.value_or(r->pass.now_ms - props::ms_of(r->at)),
                     r->pass.now_ms - props::ms_of(r->at));
  if (ahead) return *ahead;
  for (const props::ReplicaLog* l : d.final_logs)
    ahead = std::max(ahead.value_or(l->clock_ms - props::ms_of(o.liveness_end)),
                     l->clock_ms - props::ms_of(o.liveness_end));
  return ahead.value_or(0);
}

// The highest log start time retention alone allows over time: a step per known segment.
Json time_bound(const PartitionData& d, const props::Observations& o,
                const cluster::LogConfig& config) {
  std::map<std::pair<std::int64_t, std::int64_t>, std::int64_t> segments;  // [base, next) -> ts
  const auto know = [&](const cluster::SegmentInfo& s) {
    if (s.largest_timestamp_ms < 0 || s.next_offset <= s.base_offset) return;
    std::int64_t& ts = segments[{s.base_offset.value(), s.next_offset.value()}];
    ts = std::max(ts, s.largest_timestamp_ms);
  };
  for (const props::RetentionSample* r : d.retention) {
    for (const cluster::DeletedSegment& s : r->pass.deleted) know(s.segment);
  }
  for (const props::ReplicaLog* l : d.final_logs) {  // all but the active (last) segment
    for (std::size_t i = 0; i + 1 < l->segments.size(); ++i) know(l->segments[i]);
  }
  const std::int64_t ahead_ms = clock_ahead_ms(d, o);
  std::map<std::int64_t, std::int64_t> expiry;  // simulated ms -> the highest end expired then
  for (const auto& [range, ts] : segments) {
    const std::int64_t at_ms = std::max<std::int64_t>(0, ts + config.retention_ms + 1 - ahead_ms);
    expiry[at_ms] = std::max(expiry[at_ms], range.second);
  }
  Json points = Json::array();
  points.push_back({{"t_s", 0.0}, {"offset", 0}});
  std::int64_t bound = 0;
  for (const auto& [at_ms, end] : expiry) {
    if (end <= bound) continue;
    bound = end;
    points.push_back({{"t_s", static_cast<double>(at_ms) / 1000.0}, {"offset", bound}});
  }
  return {{"applies_alone", config.retention_bytes < 0}, {"points", std::move(points)}};
}

Json log_start_json(const PartitionData& d, const props::Observations& o,
                    const cluster::LogConfig* config) {
  std::int64_t final_start = 0;
  for (const props::ReplicaLog* l : d.final_logs)
    final_start = std::max(final_start, l->log_start_offset.value());
  const bool timed =
      config != nullptr && cluster::deletes(config->cleanup_policy) && config->retention_ms >= 0;
  return {{"final", final_start},
          {"replicas", replica_log_starts(d)},
          {"time_bound", timed ? time_bound(d, o, *config) : Json(nullptr)}};
}

Json cleaner_json(const PartitionData& d) {
  std::int64_t records = 0, bytes = 0, omitted = 0;
  std::optional<std::int64_t> lag_max;
  Json runs = Json::array();
  for (const props::CleanerSample* c : d.cleaner) {
    std::int64_t removed = 0, tombstones = 0;
    for (const props::CleanedRecordSeen& r : c->records) {
      removed += r.kept ? 0 : 1;
      tombstones += !r.kept && !r.value ? 1 : 0;
    }
    const std::int64_t reclaimed = c->bytes_before > c->bytes_after
                                       ? static_cast<std::int64_t>(c->bytes_before - c->bytes_after)
                                       : 0;
    const std::optional<std::int64_t> lag =
        c->oldest_dirty_timestamp_ms >= 0
            ? std::optional<std::int64_t>(c->now_ms - c->oldest_dirty_timestamp_ms)
            : std::nullopt;
    records += removed;
    bytes += reclaimed;
    if (lag) lag_max = std::max(lag_max.value_or(*lag), *lag);
    if (runs.size() >= kMaxCleanerRuns) {
      ++omitted;
      continue;
    }
    runs.push_back({{"t_s", seconds_of(c->at)},
                    {"broker", c->broker.value()},
                    {"trigger", c->trigger},
                    {"end_offset", c->end_offset.value()},
                    {"records_removed", removed},
                    {"tombstones_removed", tombstones},
                    {"bytes_reclaimed", reclaimed},
                    {"lag_ms", lag ? Json(*lag) : Json(nullptr)}});
  }
  return {{"passes", d.cleaner.size()}, {"records_removed", records},
          {"bytes_reclaimed", bytes},   {"lag_ms_max", lag_max ? Json(*lag_max) : Json(nullptr)},
          {"runs", std::move(runs)},    {"runs_omitted", omitted}};
}

// The final log the keys are judged on: the highest min(HW, log end), then log end.
const props::ReplicaLog* most_up_to_date(const PartitionData& d) {
  const props::ReplicaLog* best = nullptr;
  const auto rank = [](const props::ReplicaLog* l) {
    return std::pair{std::min(l->high_watermark, l->log_end_offset), l->log_end_offset};
  };
  for (const props::ReplicaLog* l : d.final_logs) {
    if (best == nullptr || rank(l) > rank(best)) best = l;
  }
  return best;
}

Json text_or_null(const std::optional<std::string>& text) {
  return text ? Json(props::printable(*text)) : Json(nullptr);
}

// What the log holds of one key against its latest acknowledged send: a status from
// retention_report.h (`keys`), and the record found that decided it (nullptr: none).
std::pair<std::string, const props::ReplicaRecord*> judge_key(
    const props::Op& send, const std::vector<const props::ReplicaRecord*>& records) {
  const props::ReplicaRecord *exact = nullptr, *older = nullptr;
  for (const props::ReplicaRecord* r : records) {
    if (r->offset > send.offset) return {"newer", records.back()};
    if (r->offset == send.offset) exact = r;
    if (r->offset < send.offset) older = r;
  }
  if (exact != nullptr && exact->value == send.value) return {"kept", exact};
  if (exact != nullptr) return {"stale", exact};
  if (older != nullptr) return {"stale", older};
  return {send.value ? "missing" : "deleted", nullptr};
}

Json keys_json(const PartitionData& d) {
  const props::ReplicaLog* log = most_up_to_date(d);
  std::map<std::string, std::vector<const props::ReplicaRecord*>> by_key;  // offset order
  if (log != nullptr) {
    for (const props::ReplicaRecord& r : log->records) {
      if (r.key) by_key[*r.key].push_back(&r);
    }
  }
  std::map<std::string, std::int64_t> counts{
      {"kept", 0}, {"newer", 0}, {"deleted", 0}, {"missing", 0}, {"stale", 0}};
  Json problems = Json::array();
  std::int64_t omitted = 0;
  static const std::vector<const props::ReplicaRecord*> kNone;
  for (const auto& [key, send] : d.expected) {
    const auto found = by_key.find(key);
    const auto [status, record] = judge_key(*send, found == by_key.end() ? kNone : found->second);
    ++counts[status];
    if (status != "missing" && status != "stale") continue;
    if (problems.size() >= kMaxKeyProblems) {
      ++omitted;
      continue;
    }
    problems.push_back(
        {{"key", props::printable(key)},
         {"status", status},
         {"expected_offset", send->offset.value()},
         {"expected_value", text_or_null(send->value)},
         {"found_offset", record != nullptr ? Json(record->offset.value()) : Json(nullptr)},
         {"found_value", record != nullptr ? text_or_null(record->value) : Json(nullptr)}});
  }
  Json out = {{"broker", log != nullptr ? Json(log->broker.value()) : Json(nullptr)},
              {"distinct_in_log", by_key.size()},
              {"expected", d.expected.size()},
              {"problems", std::move(problems)},
              {"problems_omitted", omitted}};
  for (const auto& [status, n] : counts) out[status] = n;
  return out;
}

Json tombstones_json(const PartitionData& d, const cluster::LogConfig& config) {
  std::int64_t superseded = 0, never_passed = 0, shorter = 0, in_final = 0;
  std::optional<std::int64_t> min_ms, max_ms;
  std::int64_t lifetimes = 0;
  for (const props::TombstoneRemoval* t : d.removals) {
    if (t->superseded) {
      ++superseded;
      continue;
    }
    if (!t->first_passed_ms) {
      ++never_passed;
      continue;
    }
    const std::int64_t lifetime = t->pass->now_ms - *t->first_passed_ms;
    ++lifetimes;
    min_ms = std::min(min_ms.value_or(lifetime), lifetime);
    max_ms = std::max(max_ms.value_or(lifetime), lifetime);
    if (lifetime < config.delete_retention_ms) ++shorter;
  }
  for (const props::ReplicaLog* l : d.final_logs) {
    in_final += std::count_if(l->records.begin(), l->records.end(),
                              [](const props::ReplicaRecord& r) { return !r.value; });
  }
  return {{"delete_retention_ms", config.delete_retention_ms},
          {"removed", d.removals.size()},
          {"superseded", superseded},
          {"lifetimes",
           {{"count", lifetimes},
            {"min_ms", min_ms ? Json(*min_ms) : Json(nullptr)},
            {"max_ms", max_ms ? Json(*max_ms) : Json(nullptr)}}},
          {"shorter_than_delete_retention", shorter},
          {"never_passed", never_passed},
          {"in_final_logs", in_final}};
}

Json partition_json(const TopicPartition& tp, const PartitionData& d, const TopicData& topic,
                    const harness::RunResult& result) {
  const props::Observations& o = *result.observations;
  const bool compacts = topic.config != nullptr && cluster::compacts(topic.config->cleanup_policy);
  Json out = {{"partition", cluster::to_string(tp)}};
  add_deletions(d, out);
  out["log_start"] = log_start_json(d, o, topic.config);
  out["cleaner"] = cleaner_json(d);
  out["keys"] = compacts && result.history && tp.topic != cluster::kOffsetsTopic ? keys_json(d)
                                                                                 : Json(nullptr);
  out["tombstones"] = compacts ? tombstones_json(d, *topic.config) : Json(nullptr);
  return out;
}

Json violations_json(const harness::RunResult& result) {
  Json out = Json::array();
  for (const props::Violation& v : result.violations) {
    if (std::find(kRetentionProperties.begin(), kRetentionProperties.end(), v.property) ==
        kRetentionProperties.end())
      continue;
    out.push_back({{"property", v.property}, {"detail", v.detail}, {"at_s", seconds_of(v.at)}});
  }
  return out;
}

// Adds a partition's counts to the run's totals.
void add_to_totals(const Json& partition, Json& totals) {
  const auto add = [&](const char* name, const Json& value) {
    totals[name] = totals[name].get<std::int64_t>() + value.get<std::int64_t>();
  };
  add("segments_deleted", partition["deleted"]["segments"]);
  add("bytes_deleted", partition["deleted"]["bytes"]);
  add("cleaner_passes", partition["cleaner"]["passes"]);
  add("cleaner_records_removed", partition["cleaner"]["records_removed"]);
  add("cleaner_bytes_reclaimed", partition["cleaner"]["bytes_reclaimed"]);
  if (!partition["tombstones"].is_null())
    add("tombstones_removed", partition["tombstones"]["removed"]);
}

}  // namespace

Json retention_report_json(const harness::RunResult& result) {
  if (!result.observations) return nullptr;
  const props::Observations& o = *result.observations;
  const std::vector<props::TombstoneRemoval> removals = props::tombstone_removals(o);
  const std::map<std::string, TopicData> topics = index_run(result, removals);
  if (topics.empty()) return nullptr;
  Json totals = {{"segments_deleted", 0},        {"bytes_deleted", 0},
                 {"cleaner_passes", 0},          {"cleaner_records_removed", 0},
                 {"cleaner_bytes_reclaimed", 0}, {"tombstones_removed", 0}};
  Json topics_json = Json::array();
  for (const auto& [name, topic] : topics) {
    Json partitions = Json::array();
    for (const auto& [tp, d] : topic.partitions) {
      partitions.push_back(partition_json(tp, d, topic, result));
      add_to_totals(partitions.back(), totals);
    }
    topics_json.push_back(
        {{"topic", name},
         {"config", topic.config != nullptr ? config_json(*topic.config) : Json(nullptr)},
         {"partitions", std::move(partitions)}});
  }
  return {{"end_s", seconds_of(o.liveness_end)},
          {"retention_check_interval_ms", o.retention_check_interval_ms},
          {"cleaner_backoff_ms", o.cleaner_backoff_ms},
          {"totals", std::move(totals)},
          {"topics", std::move(topics_json)},
          {"violations", violations_json(result)}};
}

}  // namespace samsa::reports
