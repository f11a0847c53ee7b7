// The data checkers (after Jepsen's Kafka workload): what producers were told against what
// readers saw. Each is a pure function over a closed History and the run's DataPromises.
// Reads are the records of every kPoll, whatever its status — the group consumers' and the
// final reader's, which the runner adds in the liveness phase (process "reader", reading
// each partition from its log start offset to its high watermark). An acknowledged send is
// an ok kSend with an offset >= 0 (a tombstone's value is null; see below) (acks=0 is acknowledged
// without an offset and judged by none of lost-write, unseen, nonmonotonic-send or the
// acknowledgement half of inconsistent-offsets). "Reads of P pass offset o": some read record of P
// has offset > o.
//
// lost-write: an acknowledged send (ok, offset o in partition P) whose value no read
//   returned (at any position), although reads of P pass o. Visible at the later of its
//   acknowledgement and the first read past o.
// unseen: an acknowledged send whose value no read returned and whose offset no read of P
//   passes (only promised when promises.final_reads: the reader reached every HW). Visible
//   at the end of the history (its last completion).
// duplicate: one value read at two or more positions (partition, offset), whatever its
//   send's status; the same position read again (a re-read after a rebalance) is not one.
//   Promised by the producer the value names (parse_value), with no_duplicates.
// inconsistent-offsets: one (partition, offset) read with two different values, or an
//   acknowledged send's (partition, offset) read with another value (or acknowledged to
//   two sends). check_inconsistent_offsets() takes no promises and reports them all;
//   check_data() measures instead those that allowed loss explains: loss_cause is set, or
//   the reads agree and every acknowledged value they contradict is from a producer
//   without acknowledged_survive (its record was truncated and the offset reused).
// nonmonotonic-send: one producer's two acknowledged sends to a partition, the second
//   invoked strictly later in simulated time than the first completed, landed at a lower
//   offset than the first. Promised with order, when acknowledged records survive (acks=1 or
//   an unclean election may lose the first and reuse its offset).
// aborted-read: a value whose send definitely failed (fail) was read. Always promised (an
//   info send may have landed and may be read).
// per-key-order: in a partition, a key's values from one producer (parse_value: process,
//   key — "null" for null keys — and sequence number n) sit, by offset, in another order
//   than n. A value's place is the lowest offset of that partition any read returned it
//   at (where it first landed: a later duplicate does not move it); values never read
//   take no part (missing ones are lost-write's or unseen's business). One violation per
//   (producer, key, partition), naming the inversion visible first and counting them all.
//   Promised with order.
//
// Retention and compaction (DataPromises::cleanup, built by log_cleanup_of): an acknowledged
// record that retention deleted (below the highest log start offset any replica of its
// partition showed) or that compaction may remove (a tombstone, or a keyed record a later
// known record of its key supersedes) and that no read returned is neither lost-write nor
// unseen; it is counted in "acknowledged_deleted_unread" or "acknowledged_compacted_unread".
// Tombstones (no value) are acknowledged sends too, judged by position alone: one is read
// when some read returned a tombstone at its (partition, offset); they take no part in
// duplicate or per-key-order (which match values), and "acknowledged_not_kept" leaves out
// records retention or compaction may have removed.
//
// A guarantee the config or the faults do not promise (ProducerPromise, DataPromises) is
// measured instead: counted in CheckResult::measurements, never a Violation. Measurements
// of check_data(): "acknowledged" and, each counted whether promised or not,
// "lost_acknowledged", "unseen_acknowledged", "duplicated_values", "reordered_keys",
// "nonmonotonic_sends", "aborted_reads", "inconsistent_offsets" (positions); beside each
// but aborted_reads, "<name>_unpromised" counts those the run did not promise.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "properties/checker.h"
#include "properties/history.h"
#include "properties/observations.h"

namespace samsa::properties {

inline constexpr std::string_view kLostWrite = "lost-write";
inline constexpr std::string_view kUnseen = "unseen";
inline constexpr std::string_view kDuplicate = "duplicate";
inline constexpr std::string_view kInconsistentOffsets = "inconsistent-offsets";
inline constexpr std::string_view kNonmonotonicSend = "nonmonotonic-send";
inline constexpr std::string_view kAbortedRead = "aborted-read";
inline constexpr std::string_view kPerKeyOrder = "per-key-order";

// What one producer's config promises (KAFKA-MODEL.md, "Topics, partitions, producers").
struct ProducerPromise {
  // acks=all: an acknowledged record is never lost (unless DataPromises::loss_cause).
  bool acknowledged_survive = true;
  // enable.idempotence: no value is written twice.
  bool no_duplicates = true;
  // enable.idempotence, or max.in.flight.requests.per.connection = 1: a key's values
  // (and one producer's sends to a partition) land in send order.
  bool order = true;
  std::string why_not;  // in words, when something is not promised ("acks=1", ...)
};

struct DataPromises {
  // By producer process name; a process not listed is promised everything.
  std::map<std::string, ProducerPromise> producers;
  // Set when the run's faults void durability for every producer (an unclean leader
  // election; every ISR member of a partition lost power without fsync): lost and unseen
  // acknowledged records are then measured, with this reason, not failed.
  std::string loss_cause;
  // The final reader reached every partition's high watermark: unseen is checked.
  bool final_reads = true;
  // The process of that final reader ("" if none): with final_reads, what it read is the
  // log as it ended, so a position past its reads no longer holds what was read there.
  std::string final_reader;
  // What retention and compaction may have removed (checker.h).
  LogCleanup cleanup;
  const ProducerPromise& of(const std::string& process) const;
};

std::vector<Violation> check_lost_write(const History& history, const DataPromises& promises);
std::vector<Violation> check_unseen(const History& history, const DataPromises& promises);
std::vector<Violation> check_duplicate(const History& history, const DataPromises& promises);
std::vector<Violation> check_inconsistent_offsets(const History& history);
std::vector<Violation> check_nonmonotonic_send(const History& history,
                                               const DataPromises& promises);
std::vector<Violation> check_aborted_read(const History& history);
std::vector<Violation> check_per_key_order(const History& history, const DataPromises& promises);

// What retention and compaction may have removed in a run: log start offsets from the
// replicas' samples, retention passes and final logs; compactable offsets of every topic
// `observations.topic_configs` says compacts, from acknowledged sends, reads and final logs.
LogCleanup log_cleanup_of(const History& history, const Observations& observations);

// Every data checker, plus the measurements above.
CheckResult check_data(const History& history, const DataPromises& promises);

}  // namespace samsa::properties
