// The replica and controller checkers (after Kafka's RaftEventSimulationTest: SingleLeader,
// MonotonicHighWatermark, ConsistentCommittedData): invariants of the cluster's inside,
// read from the Observations the harness took. Each is a pure function; each Violation
// names the partition or controller, the brokers, epochs, offsets, values and times (ms),
// and ends with the most recent fault before it ("; after crash broker-2 at 900 ms, ...").
// Violations found in the final logs are dated at the end of the run (liveness_end).
//
// replica-log-matching: at the end of the run, two replicas of a partition hold the same
//   record (offset, leader epoch, key, value) at every offset below both their high
//   watermarks and at or above both their log start offsets. A replica's high watermark
//   counts only up to its log end offset (Kafka clamps it so on load). Reported once per
//   pair of replicas, at the first offset where they differ. A record one replica lacks is
//   not a difference when compaction explains it: it is a tombstone, or either log holds a
//   later record of its key (replicas clean their logs independently).
// committed-data-kept: every offset a leader ever exposed below its high watermark (a
//   ReplicaSample of a leader) is still in some final replica log. Two rules:
//   1. End of run: per partition, C = the largest high watermark any leader sample showed;
//      when no final log of the partition reaches C, offsets [max log end offset, C) are
//      lost. A partition with no replica in final_logs is not judged (nothing was
//      inspected). Counted in "committed_offsets_lost".
//   2. Follower truncation (the KIP-101 bug shape): a replica's log is known to hold
//      committed records below (a) a high watermark it exposed as leader, and (b) the
//      end of what it fetched as follower of leader epoch e — a log end offset that grew
//      between two follower samples of epoch e, so the records came from that leader after
//      the divergence check — capped by the largest high watermark the leader of e showed.
//      A follower sample whose log end offset is below both that prefix and the replica's
//      previous log end offset (whatever role the previous sample had: a restart's sample
//      shows the recovered log) truncated committed records. Each drop lowers the prefix.
//      Sound only while logs survive restarts whole, so this rule stops at the first
//      power-loss fault of the run (a power-lost log may revert unsynced truncations and
//      need not be a prefix of what it held); a follower's own high watermark is not used
//      (KAFKA-14704 exposes one before truncating a divergent tail).
//   When the run allows loss (`loss_cause` non-empty), rule 1 is only measured and rule 2
//   is not applied.
// monotonic-hw: a leader's high watermark never decreases within one leadership (broker,
//   partition, leader epoch), and no replica's high watermark (any role) exceeds its log
//   end offset. Reported once per (broker, partition, leader epoch) and problem: the first
//   decrease; the first high watermark above the log end offset (samples without a role
//   carry epoch -1).
// one-leader-per-epoch: no two brokers act as leader of a partition in the same leader
//   epoch; no two committed metadata versions name different leaders for one
//   (partition, leader epoch). A version without a leader (-1) conflicts with none: KRaft
//   bumps the epoch when it leaves a partition leaderless. Reported once per extra leader.
// one-controller-per-epoch: no two controllers are active in the same Raft epoch; no
//   committed metadata version diverges between controllers (every metadata_divergence
//   entry is a violation).
// isr-legality: every committed metadata image passes MetadataImage::validate() (leader
//   in the ISR, no fenced broker leads or sits in an ISR beside others, ...). Each
//   distinct problem text (it names the partition) is reported once, at the first version
//   that shows it. validate() names only an image's first problem, so a second one is
//   seen only in versions where the first is gone.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "properties/checker.h"
#include "properties/observations.h"

namespace samsa::properties {

inline constexpr std::string_view kReplicaLogMatching = "replica-log-matching";
inline constexpr std::string_view kCommittedDataKept = "committed-data-kept";
inline constexpr std::string_view kMonotonicHw = "monotonic-hw";
inline constexpr std::string_view kOneLeaderPerEpoch = "one-leader-per-epoch";
inline constexpr std::string_view kOneControllerPerEpoch = "one-controller-per-epoch";
inline constexpr std::string_view kIsrLegality = "isr-legality";

std::vector<Violation> check_replica_log_matching(const Observations& observations);
// `loss_cause` non-empty: loss is allowed by the run (unclean election, power loss of a
// whole ISR without fsync); lost committed offsets are then only measured.
std::vector<Violation> check_committed_data_kept(const Observations& observations,
                                                 const std::string& loss_cause);
std::vector<Violation> check_monotonic_hw(const Observations& observations);
// monotonic-hw on followers (follower_hw_check.cpp): while one process follows one leader
// epoch, it never truncates its log below a high watermark it exposed in that epoch. Its HW
// is at most the leader's, which covers only committed records, and a follower truncates
// only a divergent tail above every committed offset (KIP-101) — so such a truncation
// means it exposed a high watermark over records it then removed (KAFKA-14704). A restart
// (a kNone sample) begins a new process. check_replicas skips it when the run allows loss
// (an unclean election truncates committed records by design).
std::vector<Violation> check_follower_hw(const Observations& observations);
std::vector<Violation> check_one_leader_per_epoch(const Observations& observations);
std::vector<Violation> check_one_controller_per_epoch(const Observations& observations);
std::vector<Violation> check_isr_legality(const Observations& observations);

// Every replica checker, violations sorted stably by `at`, with measurements:
//   leader_changes: distinct (partition, leader epoch) with a real leader in the metadata
//     samples, minus one per partition that ever had a leader;
//   controller_changes: ControllerLeadership entries with active = true;
//   isr_shrinks, isr_expands: ISR size changes of a partition between consecutive
//     metadata versions (one per change, whatever its size);
//   committed_offsets_lost: rule 1 of committed-data-kept, summed over partitions
//     (measured whether or not loss is allowed);
//   max_replica_lag_records: over final_logs, per partition the largest log end offset
//     minus each replica's; the maximum of those;
//   replica_log_mismatches_unpromised: replica-log-matching findings when
//     `whole_isr_lost_power` (every member of some ISR lost power without fsync per write:
//     a follower's truncation that power loss undid can resurrect records of a lost epoch
//     below its high watermark, and Kafka promises nothing then); they fail otherwise.
CheckResult check_replicas(const Observations& observations, const std::string& loss_cause,
                           bool whole_isr_lost_power = false);

}  // namespace samsa::properties
