// The retention checkers: what the brokers' retention checks deleted (Observations::retention,
// one RetentionPass per check that deleted a segment), how each replica's log start offset
// moved, and what retention left behind in the final logs. Rules of cluster/log/
// log_retention.h, judged on the broker's own clock (RetentionPass::now_ms, ReplicaLog::
// clock_ms), since clock skew moves a broker's view of a segment's age — a broker whose
// clock runs ahead deletes early by simulated time, and that is Kafka's behaviour, not a bug.
// A topic without a config in Observations::topic_configs is not judged.
//
// retention-deleted-young: every deleted segment had its reason. kTime: cleanup.policy
//   deletes, retention.ms >= 0 and now_ms - largest_timestamp_ms > retention.ms. kSize:
//   cleanup.policy deletes, retention.bytes >= 0 and the partition was still larger than
//   retention.bytes once the segments deleted before it in that pass are taken off
//   (size_before_bytes minus them). kLogStart: the segment lies wholly below the log start
//   offset before the pass (next_offset <= log_start_before).
// retention-above-high-watermark: every deleted segment lies wholly below the pass's high
//   watermark (next_offset <= high_watermark); segment deletion never crosses the HW. (A
//   RetentionPass does not list the segments kept, so "never the active segment" is judged
//   only through this bound.)
// retention-overdue (after healing): in each final log of a topic whose policy deletes, no
//   non-active segment wholly below the replica's high watermark is older than retention.ms
//   (by the replica's clock_ms) for longer than kRetentionSlackMs + 2 *
//   retention_check_interval_ms since it became deletable — the latest of: its age passing
//   retention.ms; the last replica sample that showed it not yet rolled (log end offset <=
//   its next offset) or not yet below the high watermark; the end of the safety phase.
//   Likewise for size: while the log exceeds retention.bytes by at least its oldest segment,
//   counted from the later of that segment becoming deletable and the replica's last log
//   end offset change. Only the leading run of such segments is judged (retention deletes a
//   prefix: a segment it may keep shields the ones after it). Simulated times are put on the
//   replica's clock as clock_ms minus the time from them to the end of the run (inspection is after
//   liveness_end, so this errs late). One violation per replica, naming its oldest overdue segment.
// log-start-monotonic: a replica's log start offset (its ReplicaSamples, in order) never
//   decreases. Not promised when the run allows loss (`loss_cause`): a follower of an
//   unclean leader truncates fully and restarts at that leader's lower log start.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "properties/checker.h"
#include "properties/observations.h"

namespace samsa::properties {

inline constexpr std::string_view kRetentionDeletedYoung = "retention-deleted-young";
inline constexpr std::string_view kRetentionAboveHighWatermark = "retention-above-high-watermark";
inline constexpr std::string_view kRetentionOverdue = "retention-overdue";
inline constexpr std::string_view kLogStartMonotonic = "log-start-monotonic";

// How late past two check intervals retention may be, for scheduling and a restart.
inline constexpr std::int64_t kRetentionSlackMs = 2'000;

std::vector<Violation> check_retention_deleted_young(const Observations& observations);
std::vector<Violation> check_retention_above_high_watermark(const Observations& observations);
std::vector<Violation> check_retention_overdue(const Observations& observations);
std::vector<Violation> check_log_start_monotonic(const Observations& observations);

// Every retention checker; retention-overdue only when `run_completed` (no failed assertion,
// no event bound hit: the final logs are what a healed cluster kept), log-start-monotonic
// measured (log_start_decreases_unpromised) when `loss_cause` is set. Measurements:
// retention_segments_deleted and retention_bytes_reclaimed, in total and by reason
// (_time, _size, _log_start); retention_log_start_moved: per partition, the highest log
// start offset a leader showed minus the lowest, summed; log_start_decreases.
CheckResult check_retention(const Observations& observations, const std::string& loss_cause,
                            bool run_completed);

}  // namespace samsa::properties
