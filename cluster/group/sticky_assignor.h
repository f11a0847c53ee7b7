// The sticky assignment (KIP-54) shared by StickyAssignor ("sticky", in sticky_assignor.cpp)
// and CooperativeStickyAssignor ("cooperative-sticky", KIP-429). sticky_assign() starts
// from each member's previous assignment, hands out the partitions nobody validly owns, then
// moves partitions from the most loaded members until the assignment is balanced.
// Invariants of its result: 1. every partition of a subscribed topic goes to exactly one
// member subscribed to its topic; 2. balanced: no partition could move from member A to a
// member B subscribed to its topic with |A| > |B| + 1 (so with identical subscriptions the
// sizes differ by at most one); 3. a valid previous owner keeps its partition unless
// invariant 2 needs it moved; 4. a pure function of the input, ties broken by member id.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "cluster/group/assignor.h"

namespace samsa::cluster {

// Where a member's previous assignment comes from. Kafka's StickyAssignor is eager: its
// members revoke everything before they join, so it carries the previous assignment in its
// user data (encode_sticky_user_data), falling back to the subscription's fields when
// there is none. The cooperative assignor reads owned_partitions and generation_id
// (KIP-429, KIP-792).
enum class PreviousAssignmentSource : std::uint8_t {
  kUserDataElseOwnedPartitions,
  kOwnedPartitions
};

// Previous ownership is resolved per partition (KIP-792): claims on partitions that no
// longer exist or that the claimant no longer subscribes to are dropped; of the remaining
// claims the highest generation wins; two claims at the same highest generation cancel
// out, so neither member keeps the partition (Kafka logs this as an error).
GroupAssignment sticky_assign(const std::map<std::string, std::int32_t>& partitions_per_topic,
                              const std::vector<MemberSubscription>& members,
                              PreviousAssignmentSource source);

// StickyAssignor's user data: Kafka's StickyAssignorUserData (the previous assignment and
// the generation it came from). Written as a Subscription carrying only owned_partitions
// and generation_id, so it reuses that versioned, validated encoding. Empty when there is
// nothing to carry (no partitions and no generation).
Bytes encode_sticky_user_data(const std::vector<TopicPartition>& owned, std::int32_t generation);

}  // namespace samsa::cluster
