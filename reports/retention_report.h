// The retention and compaction section of the run report (run_report.h calls it under the key
// "retention"): per partition, the segments retention deleted and why, each replica's log start
// offset over time beside what retention.ms allows, the cleaner's passes, the keys the final
// log keeps against the latest acknowledged value of each, tombstone lifetimes against
// delete.retention.ms, and the run's retention and compaction violations.
//
// Invariants: 1. retention_report_json() is the only function that reads the run; the Markdown
// and HTML writers show only numbers from its JSON; 2. every list of events in the JSON is
// bounded (the k*Max* constants below; what is left off is counted in an `*_omitted` field;
// series have a point per change, at most one per segment or sample); 3. it is a
// pure function of the RunResult (ordered containers, no clocks): the same run gives the same
// bytes; 4. the per-partition counts add up to the run's measurements (retention_segments_
// deleted, retention_bytes_reclaimed, cleaner_passes, cleaner_records_removed, tombstones_
// removed), since every retention and cleaner sample lands in exactly one partition.
//
// JSON (null when the run has no partition in scope, see `topics`):
//   end_s                         the run's end (liveness_end), simulated seconds
//   retention_check_interval_ms   log.retention.check.interval.ms of the brokers
//   cleaner_backoff_ms            log.cleaner.backoff.ms of the brokers
//   totals  {segments_deleted, bytes_deleted, cleaner_passes, cleaner_records_removed,
//            cleaner_bytes_reclaimed, tombstones_removed}: sums over the partitions
//   topics  array, by topic name, of the topics in scope: a topic whose cleanup.policy
//     compacts (except __consumer_offsets), or deletes with retention.bytes >= 0 or a
//     retention.ms no longer than the run, or any topic a retention or cleaner pass touched.
//     topic       its name
//     config      {cleanup_policy, retention_ms, retention_bytes, delete_retention_ms,
//                  segment_bytes, min_cleanable_dirty_ratio, min_compaction_lag_ms,
//                  max_compaction_lag_ms (null: no limit)} as the brokers applied it
//     partitions  array, by partition index, of partitions with a replica sample, a final
//                 log, a retention pass or a cleaner pass (of a topic in scope only because a
//                 pass touched it, such as __consumer_offsets: only the partitions touched):
//       partition   "events-0"
//       deleted     {segments, bytes, by_reason: {time|size|log-start: {segments, bytes}}}
//       deletions   up to kMaxDeletionEvents of {t_s, broker, reason, base_offsets, bytes}: the
//                   segments one retention pass deleted for one reason; deletions_omitted
//       log_start   {final: the highest final log start of its replicas,
//                    replicas: [{broker, points: [{t_s, offset}]}] — each replica's log start
//                    offset at its first sample and at every change (a step function),
//                    time_bound: null or {applies_alone, points: [{t_s, offset}]} — the highest
//                    offset time retention alone lets the log start reach by t_s: the end of
//                    every known closed segment (deleted, or not last in a final log) whose
//                    largest timestamp
//                    is more than retention.ms old at t_s, on the fastest broker clock its
//                    retention passes showed (broker ms - simulated ms). It ignores the HW and
//                    the active segment (an upper bound under time retention); applies_alone
//                    is false when retention.bytes also deletes (the log start may then pass it)}
//       cleaner     {passes, records_removed, bytes_reclaimed, lag_ms_max, runs: up to
//                    kMaxCleanerRuns of {t_s, broker, trigger, end_offset, records_removed,
//                    tombstones_removed, bytes_reclaimed, lag_ms (null: no dirty timestamp)},
//                    runs_omitted}
//       keys        null, or for a compacted topic the history wrote to: {broker (of the final
//                   log judged: highest min(HW, log end), then log end), distinct_in_log,
//                   expected (keys with a latest acknowledged send, properties::
//                   latest_acknowledged_by_key), kept (that record at its offset), newer (a
//                   later record of the key: an indeterminate send landed), deleted (a
//                   tombstone expected, and no older value left), missing (a value expected,
//                   nothing of the key at or after its offset), stale (only older values of the
//                   key, or an older value where a tombstone was expected), problems: up to
//                   kMaxKeyProblems of {key, status, expected_offset, expected_value (null: a
//                   tombstone), found_offset (null: none), found_value}, problems_omitted}
//       tombstones  {delete_retention_ms, removed, superseded (went with a later record of the
//                   key), lifetimes: {count, min_ms, max_ms (null when count is 0)} — from the
//                   first pass over a tombstone to the pass that removed it, broker clocks,
//                   properties::tombstone_removals — shorter_than_delete_retention (lifetimes
//                   under delete.retention.ms: tombstone-kept fails them), never_passed
//                   (removed with no earlier pass over it), in_final_logs (tombstones the final
//                   logs still hold, summed over replicas)}
//   violations  [{property, detail, at_s}]: the run's violations of the retention and
//               compaction properties (kRetentionProperties)
#pragma once

#include <array>
#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "harness/runner.h"
#include "properties/compaction_checks.h"
#include "properties/retention_checks.h"

namespace samsa::reports {

inline constexpr std::size_t kMaxDeletionEvents = 100;  // per partition
inline constexpr std::size_t kMaxCleanerRuns = 50;      // per partition
inline constexpr std::size_t kMaxKeyProblems = 10;      // per partition

// The properties whose violations the section lists.
inline constexpr std::array<std::string_view, 9> kRetentionProperties = {
    properties::kRetentionDeletedYoung,
    properties::kRetentionAboveHighWatermark,
    properties::kRetentionOverdue,
    properties::kLogStartMonotonic,
    properties::kCompactionKeepsLatest,
    properties::kTombstoneKept,
    properties::kTombstoneRemoved,
    properties::kCompactedRead,
    properties::kCommittedOffsetsSurviveCleaning};

// The section, or null when no topic is in scope (a run without retention limits or
// compaction, or without observations).
nlohmann::json retention_report_json(const harness::RunResult& result);

// Renderings of a non-null section: Markdown (headed "## Retention and compaction") and an
// HTML fragment (an <h2>, inline SVG charts from svg_chart.h, tables). Charts are drawn for
// at most kMaxChartedPartitions partitions per topic; the rest are summarised in the table.
inline constexpr std::size_t kMaxChartedPartitions = 6;
inline constexpr std::size_t kMaxHtmlRows = 40;  // cleaner passes listed per topic
std::string retention_report_markdown(const nlohmann::json& section);
std::string retention_report_html(const nlohmann::json& section);

}  // namespace samsa::reports
