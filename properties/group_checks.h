// The consumer-group checkers: who owns a partition, and what a group commits. Each is a
// pure function over a closed History, called by check_history() (checker.h); each
// Violation names the partition, offsets, processes, generations and times in ms.
// A group is group_of(op) (group_index.h); generation -1 marks manual assignment, which
// makes no group promise, so such assignments and commits are exempt.
//
// group-exclusivity: no partition has two owners in one generation's lifetime. Process B
// assigned P in generation g at t_b, process A != B a member of g (A has a kAssign, maybe
// of no partitions, in g), and A's ownership of P that began before t_b ended with a
// kRevoke after t_b or never ended: a violation. Why this is Kafka's promise: an eager
// consumer revokes everything before it sends JoinGroup for g, and a cooperative one
// (KIP-429) revokes a moving partition after generation g-1's SyncGroup, which is before
// g can form; so in both cases A gives P up before anyone can be assigned P in g. A member
// thrown out of the group (kLose) is a zombie, which Kafka does not promise to stop, and it
// is not a member of g. A's polls of P after t_b are reported as evidence.
// commit-fencing: an ok commit with generation g, invoked after some member's kAssign in a
// generation g' > g of the same group (the coordinator had moved on: ILLEGAL_GENERATION).
// committed-offsets-monotonic: per group and partition, ok commits in completion order
// never lower the committed offset.
// committed-offsets-within-bounds: an ok commit's offset for P is >= 0 and <= 1 + the
// highest offset of P any poll of the group returned before the commit was invoked (a
// consumer commits only what it consumed; 0 when nothing of P was polled).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "properties/checker.h"
#include "properties/history.h"

namespace samsa::properties {

inline constexpr std::string_view kGroupExclusivity = "group-exclusivity";
inline constexpr std::string_view kCommitFencing = "commit-fencing";
inline constexpr std::string_view kCommittedOffsetsMonotonic = "committed-offsets-monotonic";
inline constexpr std::string_view kCommittedOffsetsWithinBounds = "committed-offsets-within-bounds";

std::vector<Violation> check_group_exclusivity(const History& history);
std::vector<Violation> check_commit_fencing(const History& history);
std::vector<Violation> check_committed_offsets_monotonic(const History& history);
std::vector<Violation> check_committed_offsets_within_bounds(const History& history);

}  // namespace samsa::properties
