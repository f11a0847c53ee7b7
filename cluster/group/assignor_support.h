// What the four built-in assignors (assignor.h) share: Kafka's member order, the topics a
// member's subscription lets the leader assign, the empty result every assign() starts
// from, and the factories make_assignor() calls. Used only by cluster/group/*_assignor.cpp
// and assignor.cpp. Invariant: every helper visits members and topics in sorted order.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "cluster/group/assignor.h"

namespace samsa::cluster::assignor_support {

// Kafka's AbstractPartitionAssignor.MemberInfo order (KIP-345): static members (with a
// group.instance.id) first, by instance id; then dynamic members by member id. Equal
// instance ids fall back to member id, so the order is total.
std::vector<const MemberSubscription*> sorted_members(
    const std::vector<MemberSubscription>& members);

// The member's subscribed topics that the leader knows (in `partitions_per_topic`), as a
// set: a subscription off the wire may be unsorted or repeat a topic.
std::set<std::string> assignable_topics(
    const Subscription& subscription,
    const std::map<std::string, std::int32_t>& partitions_per_topic);

// An empty Assignment for every member. Asserts that member ids are unique (the
// coordinator hands the leader each member once).
GroupAssignment empty_assignment(const std::vector<MemberSubscription>& members);

// Sorts each member's partitions (assignor.h: partitions in each Assignment are sorted).
void sort_partitions(GroupAssignment& assignment);

std::unique_ptr<ConsumerPartitionAssignor> make_range_assignor();
std::unique_ptr<ConsumerPartitionAssignor> make_round_robin_assignor();
std::unique_ptr<ConsumerPartitionAssignor> make_sticky_assignor();
std::unique_ptr<ConsumerPartitionAssignor> make_cooperative_sticky_assignor();

}  // namespace samsa::cluster::assignor_support
