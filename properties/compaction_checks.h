// The compaction checkers: what each log cleaner pass removed (Observations::cleaner, one
// CleanerSample per pass with every record below its end before the pass), what the final
// logs still hold, and what the final reader and the group coordinator read back. Rules of
// cluster/log/log_cleaner.h and KIP-534; times on each broker's own clock (now_ms, clock_ms).
// A topic without a config in Observations::topic_configs, or one that does not compact, is
// not judged by the end-of-run rules.
//
// compaction-keeps-latest: in each pass, (1) end_offset <= high_watermark and end_offset <=
//   active_segment_base (the cleaner never passes the HW: KAFKA-13194); (2) records are in
//   increasing offset order and none removed lies at or above end_offset; (3) every removed
//   record that is not a tombstone has a key and a later record of that key below
//   end_offset in the pass; (4) between two passes on one replica, the later one's input in
//   [its log start, the lower of both ends) holds only records the earlier input held at the same
//   offset with the same key and value, and every record the earlier one kept there unless
//   compaction explains its absence (a tombstone, or a later record of its key in the later
//   input) — a record's offset never changes; a crash may leave the uncleaned segments
//   (log_cleaner.h's swap rule). Rule (4) is not applied when the run allows loss
//   (`loss_cause`), nor across a power loss between the two passes (the replica may re-fetch
//   from a leader that compacted on its own).
// tombstone-kept: a tombstone a pass removed, unless a later record of its key lies below
//   that pass's end (then it is merely superseded), was passed (end_offset > its offset) by
//   an earlier pass over the same partition — on any replica, since KIP-534 stores the
//   delete horizon in the batch a follower fetches — and the removing pass's now_ms is at
//   least delete.retention.ms past the smallest now_ms of those earlier passes. Kept exactly
//   delete.retention.ms is allowed (Kafka retains while now < horizon).
// tombstone-removed (after healing): no tombstone remains in a replica's final log (below its
//   cleaner checkpoint) whose delete horizon — the horizon its latest pass on that replica
//   recorded, else that replica's first pass over it plus delete.retention.ms — lies more than
//   2 * log.cleaner.backoff.ms + kCleanerSlackMs before the replica's clock_ms, provided a
//   pass on that replica ran with now_ms past the horizon and end_offset above the tombstone
//   (the log was due and the cleaner went over it). A log no pass visited after the horizon
//   (not due: dirty ratio, lag) is not judged.
// compacted-read: for a compacted topic, the final reader (DataPromises::final_reader) sees
//   of every key, per partition, its latest acknowledged record (the acknowledged send with
//   the highest offset below the partition's final high watermark and at or above its final
//   log start) or some record of the key at a higher offset; and when that latest record is a
//   tombstone it did not see, it sees no older value of the key (a resurrected key). A key
//   of which the reader saw nothing is not judged when an indeterminate tombstone of it was
//   sent (it may have landed later and deleted the key).
//   Promised as lost-write (no loss_cause, the producer's acks=all) with final_reads.
// committed-offsets-survive-cleaning: for each group and partition, the latest offset-commit
//   record for (group, topic, partition) in __consumer_offsets — in the final log of the
//   replica with the highest high watermark, below it — is the offset of the group's last ok
//   commit of that partition, or of a commit (ok or info) of it that completed at or after
//   that one was invoked (it may have been appended later). Promised without loss_cause.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "properties/checker.h"
#include "properties/data_checks.h"
#include "properties/history.h"
#include "properties/observations.h"

namespace samsa::properties {

inline constexpr std::string_view kCompactionKeepsLatest = "compaction-keeps-latest";
inline constexpr std::string_view kTombstoneKept = "tombstone-kept";
inline constexpr std::string_view kTombstoneRemoved = "tombstone-removed";
inline constexpr std::string_view kCompactedRead = "compacted-read";
inline constexpr std::string_view kCommittedOffsetsSurviveCleaning =
    "committed-offsets-survive-cleaning";

// How late past two cleaner backoffs a due tombstone may be removed.
inline constexpr std::int64_t kCleanerSlackMs = 2'000;

std::vector<Violation> check_compaction_keeps_latest(const Observations& observations,
                                                     const std::string& loss_cause);
std::vector<Violation> check_tombstone_kept(const Observations& observations);
std::vector<Violation> check_tombstone_removed(const Observations& observations);
std::vector<Violation> check_compacted_read(const History& history,
                                            const Observations& observations,
                                            const DataPromises& promises);
std::vector<Violation> check_committed_offsets_survive_cleaning(const History& history,
                                                                const Observations& observations);

// A tombstone a cleaner pass removed: `superseded` when a later record of its key lies below
// that pass's end (it went with the key's older values); `first_pass` the earlier pass over
// the same partition (any replica) with the smallest now_ms that passed it (none: never passed
// before), whose now_ms starts its delete.retention.ms. Shared by tombstone-kept, the
// tombstone_lifetime measurements and the run report (reports/retention_report.h).
struct TombstoneRemoval {
  const CleanerSample* pass = nullptr;
  const CleanedRecordSeen* record = nullptr;
  bool superseded = false;
  std::optional<std::int64_t> first_passed_ms;  // first_pass->now_ms
  const CleanerSample* first_pass = nullptr;
};
// Every tombstone removal in Observations::cleaner, in pass order.
std::vector<TombstoneRemoval> tombstone_removals(const Observations& observations);

// Per partition of a compacted topic and key, the key's latest acknowledged send: the ok send
// with the highest offset below the partition's final high watermark (the highest any final
// log had) and at or above its final log start (promises.cleanup) — what compacted-read
// expects the final reader to see, and what the run report compares the final logs with.
using PartitionKey = std::pair<cluster::TopicPartition, std::string>;
std::map<PartitionKey, const Op*> latest_acknowledged_by_key(const History& history,
                                                             const Observations& observations,
                                                             const DataPromises& promises);

// Every compaction checker: tombstone-removed only when `run_completed`; compacted-read and
// committed-offsets-survive-cleaning counted as "<name>_unpromised" where not promised.
// Measurements: cleaner_passes, cleaner_records_removed, cleaner_bytes_reclaimed,
// tombstones_removed, tombstone_lifetime_ms_max / _min (a removed tombstone's first pass to
// its removal, on the removing broker's clock; absent when none), cleaner_lag_ms_max
// (now_ms - oldest_dirty_timestamp_ms).
CheckResult check_compaction(const History& history, const Observations& observations,
                             const DataPromises& promises, bool run_completed);

}  // namespace samsa::properties
