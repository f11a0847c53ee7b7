// Helpers shared by the assignor tests (assignor_test.cpp, sticky_assignor_test.cpp):
// building groups by hand, drawing random groups inside a RapidCheck property, and the
// checks every assignor's result must pass (assignor.h's invariants), each stated as an
// RC_ASSERT so a failing case shrinks to a small group.
#pragma once

#include <gtest/gtest.h>
#include <rapidcheck.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "cluster/group/assignor.h"

namespace samsa::cluster::assignor_test {

using PartitionsPerTopic = std::map<std::string, std::int32_t>;

inline TopicPartition tp(const std::string& topic, std::int32_t partition) {
  return TopicPartition{topic, PartitionIndex(partition)};
}

inline MemberSubscription member(std::string id, std::vector<std::string> topics,
                                 std::vector<TopicPartition> owned = {},
                                 std::int32_t generation = -1) {
  MemberSubscription m;
  m.member_id = std::move(id);
  std::sort(topics.begin(), topics.end());
  m.subscription.topics = std::move(topics);
  m.subscription.owned_partitions = std::move(owned);
  m.subscription.generation_id = generation;
  return m;
}

inline bool subscribes(const MemberSubscription& m, const std::string& topic) {
  const auto& topics = m.subscription.topics;
  return std::find(topics.begin(), topics.end(), topic) != topics.end();
}

// Every partition of a topic the leader knows and some member subscribes to.
inline std::set<TopicPartition> subscribed_partitions(
    const PartitionsPerTopic& partitions_per_topic,
    const std::vector<MemberSubscription>& members) {
  std::set<TopicPartition> out;
  for (const auto& [topic, count] : partitions_per_topic) {
    const bool wanted =
        std::any_of(members.begin(), members.end(),
                    [&topic = topic](const MemberSubscription& m) { return subscribes(m, topic); });
    for (std::int32_t p = 0; wanted && p < count; ++p) out.insert(tp(topic, p));
  }
  return out;
}

// partition -> the members it went to (more than one is a bug).
inline std::map<TopicPartition, std::vector<std::string>> assignees(
    const GroupAssignment& assignment) {
  std::map<TopicPartition, std::vector<std::string>> out;
  for (const auto& [member_id, a] : assignment) {
    for (const TopicPartition& p : a.partitions) out[p].push_back(member_id);
  }
  return out;
}

inline const MemberSubscription& find_member(const std::vector<MemberSubscription>& members,
                                             const std::string& id) {
  const auto it = std::find_if(members.begin(), members.end(),
                               [&](const MemberSubscription& m) { return m.member_id == id; });
  RC_ASSERT(it != members.end());
  return *it;
}

// assignor.h: every input member has an entry, partitions sorted, each assigned partition
// belongs to a subscribed topic of its member and goes to one member only.
inline void check_well_formed(const PartitionsPerTopic& partitions_per_topic,
                              const std::vector<MemberSubscription>& members,
                              const GroupAssignment& assignment) {
  RC_ASSERT(assignment.size() == members.size());
  const auto expected = subscribed_partitions(partitions_per_topic, members);
  for (const auto& [member_id, a] : assignment) {
    RC_ASSERT(std::is_sorted(a.partitions.begin(), a.partitions.end()));
    for (const TopicPartition& p : a.partitions) {
      RC_ASSERT(expected.contains(p));
      RC_ASSERT(subscribes(find_member(members, member_id), p.topic));
    }
  }
  for (const auto& [p, to] : assignees(assignment)) RC_ASSERT(to.size() == 1u);
}

// ... and no partition of a subscribed topic is left out.
inline void check_complete(const PartitionsPerTopic& partitions_per_topic,
                           const std::vector<MemberSubscription>& members,
                           const GroupAssignment& assignment) {
  check_well_formed(partitions_per_topic, members, assignment);
  RC_ASSERT(assignees(assignment).size() ==
            subscribed_partitions(partitions_per_topic, members).size());
}

inline std::size_t spread(const GroupAssignment& assignment) {
  std::size_t low = SIZE_MAX;
  std::size_t high = 0;
  for (const auto& [member_id, a] : assignment) {
    low = std::min(low, a.partitions.size());
    high = std::max(high, a.partitions.size());
  }
  return high - low;
}

// --- Random groups, drawn inside a RapidCheck property ---

struct GroupCase {
  PartitionsPerTopic partitions_per_topic;
  std::vector<MemberSubscription> members;
};

// 1..5 known topics of 0..8 partitions and 1..8 members with distinct ids in no particular
// order, some static. With `same_subscription` every member subscribes to one non-empty
// set of topics; otherwise each to its own, which may name a topic the leader does not
// know ("gone"). Nobody owns anything yet.
inline GroupCase random_group(bool same_subscription) {
  GroupCase g;
  const int topic_count = *rc::gen::inRange(1, 6);
  std::vector<std::string> names;
  for (int t = 0; t < topic_count; ++t) {
    names.push_back("t" + std::to_string(t));
    g.partitions_per_topic[names.back()] = *rc::gen::inRange(0, 9);
  }
  names.push_back("gone");
  const auto draw_topics = [&] {
    std::vector<std::string> topics;
    for (const std::string& name : names) {
      if (*rc::gen::arbitrary<bool>()) topics.push_back(name);
    }
    if (topics.empty()) topics.push_back(names[0]);
    return topics;
  };
  const std::vector<std::string> shared = draw_topics();
  const auto count = static_cast<std::size_t>(*rc::gen::inRange(1, 9));
  std::vector<int> ids(100);  // distinct ids: the first `count` of a partial shuffle
  for (std::size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<int>(i);
  for (std::size_t i = 0; i < count; ++i) {
    std::swap(ids[i], ids[*rc::gen::inRange<std::size_t>(i, ids.size())]);
  }
  ids.resize(count);
  for (const int id : ids) {
    MemberSubscription m =
        member("member-" + std::to_string(id), same_subscription ? shared : draw_topics());
    if (*rc::gen::inRange(0, 4) == 0) m.group_instance_id = "instance-" + std::to_string(99 - id);
    g.members.push_back(std::move(m));
  }
  return g;
}

// Random previous ownership: each member claims a few partitions, of any topic (some it
// does not subscribe to, some that no longer exist), from a generation in -1..3; claims
// may overlap.
inline void add_random_ownership(GroupCase& g) {
  std::vector<TopicPartition> claimable;
  for (const auto& [topic, count] : g.partitions_per_topic) {
    for (std::int32_t p = 0; p <= count; ++p)
      claimable.push_back(tp(topic, p));  // p == count: gone
  }
  for (MemberSubscription& m : g.members) {
    m.subscription.generation_id = *rc::gen::inRange(-1, 4);
    for (const TopicPartition& p : claimable) {
      if (*rc::gen::inRange(0, 4) == 0) m.subscription.owned_partitions.push_back(p);
    }
  }
}

// Sets each member's owned partitions to what `assignment` gave it, as after a rebalance
// into `generation`.
inline void adopt(std::vector<MemberSubscription>& members, const GroupAssignment& assignment,
                  std::int32_t generation) {
  for (MemberSubscription& m : members) {
    m.subscription.owned_partitions = assignment.at(m.member_id).partitions;
    m.subscription.generation_id = generation;
  }
}

// The same members in a random order.
inline std::vector<MemberSubscription> shuffled(std::vector<MemberSubscription> members) {
  for (std::size_t i = members.size(); i > 1; --i) {
    std::swap(members[i - 1],
              members[static_cast<std::size_t>(*rc::gen::inRange<std::size_t>(0, i))]);
  }
  return members;
}

}  // namespace samsa::cluster::assignor_test
