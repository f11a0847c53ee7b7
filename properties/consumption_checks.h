// The consumption checkers: what each consumer read, in what order, and where it started
// after a rebalance. Pure functions over a closed History, called by check_history()
// (checker.h). A record is known when an ok send landed at its offset or any process read
// it (group_index.h); an offset passed over is a skip only when a known record sat there,
// since gaps where nothing is known (transaction markers, sends nobody saw land) are legal.
//
// rebalance-no-skip: after process X is assigned P (kAssign at t), its first poll in that
// ownership that returns records of P starts at an offset <= the highest offset of P its
// group committed in any commit invoked before that poll completed with status ok or info
// (an indeterminate commit may have landed); with no such commit, <= the lowest known
// offset of P (with auto.offset.reset=earliest and no retention: the log start).
// Starting lower re-reads (duplicates, allowed); starting higher past a known record skips it.
// nonmonotonic-poll and poll-skip (Jepsen's names): a process's successive records of P,
// within a poll and across its polls with no kAssign/kRevoke/kLose of P by that process in
// between, have increasing offsets (else nonmonotonic-poll), and no known record lies
// strictly between two successive ones (else poll-skip).
// Retention and compaction (`cleanup`, checker.h): a known record retention had deleted by
// the time of the poll that passed over it (below the highest log start offset shown at or
// before that poll completed), or one compaction may remove (a tombstone, or a record a
// later known record of its key supersedes), is no skip: a lagging consumer reset to the
// log start, and a reader of a compacted log, pass over such gaps legitimately.
#pragma once

#include <string_view>
#include <vector>

#include "properties/checker.h"
#include "properties/history.h"

namespace samsa::properties {

inline constexpr std::string_view kRebalanceNoSkip = "rebalance-no-skip";
inline constexpr std::string_view kPollSkip = "poll-skip";
inline constexpr std::string_view kNonmonotonicPoll = "nonmonotonic-poll";

std::vector<Violation> check_rebalance_no_skip(const History& history,
                                               const LogCleanup& cleanup = {});
std::vector<Violation> check_poll_skip(const History& history, const LogCleanup& cleanup = {});
std::vector<Violation> check_nonmonotonic_poll(const History& history);

}  // namespace samsa::properties
