// The four built-in assignors through make_assignor(): Kafka's documented examples for
// range and roundrobin, and the properties assignor.h promises of every assign().
#include "cluster/group/assignor.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "tests/cluster/group/assignor_testing.h"

namespace samsa::cluster {
namespace {

using namespace assignor_test;  // NOLINT: test helpers

GroupAssignment run(std::string_view assignor, const PartitionsPerTopic& partitions_per_topic,
                    const std::vector<MemberSubscription>& members) {
  const auto a = make_assignor(assignor);
  SAMSA_ASSERT(a != nullptr, "a built-in assignor");
  return a->assign(partitions_per_topic, members);
}

std::vector<TopicPartition> partitions_of(const GroupAssignment& assignment,
                                          const std::string& id) {
  return assignment.at(id).partitions;
}

TEST(Assignor, MakeAssignorKnowsKafkasFourNamesAndNothingElse) {
  for (const std::string_view name : assignor_names()) {
    const auto a = make_assignor(name);
    ASSERT_NE(a, nullptr) << name;
    EXPECT_EQ(a->name(), name);
  }
  EXPECT_EQ(assignor_names().size(), 4u);
  EXPECT_EQ(make_assignor("sticky-ish"), nullptr);
  EXPECT_EQ(make_assignor(""), nullptr);
}

TEST(Assignor, OnlyCooperativeStickyPrefersTheCooperativeProtocol) {
  using P = RebalanceProtocol;
  EXPECT_EQ(make_assignor("cooperative-sticky")->supported_protocols(),
            (std::vector<P>{P::kCooperative, P::kEager}));
  for (const char* name : {"range", "roundrobin", "sticky"}) {
    EXPECT_EQ(make_assignor(name)->supported_protocols(), std::vector<P>{P::kEager}) << name;
  }
  EXPECT_EQ(rebalance_protocol_name(P::kEager), "EAGER");
  EXPECT_EQ(rebalance_protocol_name(P::kCooperative), "COOPERATIVE");
}

// RangeAssignor's javadoc: two topics of three partitions, two members.
TEST(RangeAssignor, KafkasExampleGivesTheFirstMemberTheExtraPartitionOfEachTopic) {
  const auto out = run("range", {{"t0", 3}, {"t1", 3}},
                       {member("C1", {"t0", "t1"}), member("C0", {"t0", "t1"})});
  EXPECT_EQ(partitions_of(out, "C0"),
            (std::vector{tp("t0", 0), tp("t0", 1), tp("t1", 0), tp("t1", 1)}));
  EXPECT_EQ(partitions_of(out, "C1"), (std::vector{tp("t0", 2), tp("t1", 2)}));
}

// KIP-345: static members are ordered by group.instance.id, ahead of dynamic members, so a
// restarted static member (new member id) gets the same ranges back.
TEST(RangeAssignor, StaticMembersAreOrderedByInstanceIdAheadOfDynamicOnes) {
  MemberSubscription a = member("a", {"t"});
  MemberSubscription b = member("b", {"t"});
  MemberSubscription c = member("c", {"t"});
  b.group_instance_id = "instance-2";
  c.group_instance_id = "instance-1";
  const auto out = run("range", {{"t", 3}}, {a, b, c});
  EXPECT_EQ(partitions_of(out, "c"), std::vector{tp("t", 0)});
  EXPECT_EQ(partitions_of(out, "b"), std::vector{tp("t", 1)});
  EXPECT_EQ(partitions_of(out, "a"), std::vector{tp("t", 2)});
}

TEST(RangeAssignor, TopicsTheLeaderDoesNotKnowAreNotAssigned) {
  const auto out = run("range", {{"t", 1}}, {member("a", {"t", "unknown"}), member("b", {"x"})});
  EXPECT_EQ(partitions_of(out, "a"), std::vector{tp("t", 0)});
  EXPECT_TRUE(partitions_of(out, "b").empty());
}

// RoundRobinAssignor's javadoc, identical subscriptions.
TEST(RoundRobinAssignor, KafkasExampleDealsPartitionsInTurn) {
  const auto out = run("roundrobin", {{"t0", 3}, {"t1", 3}},
                       {member("C0", {"t0", "t1"}), member("C1", {"t0", "t1"})});
  EXPECT_EQ(partitions_of(out, "C0"), (std::vector{tp("t0", 0), tp("t0", 2), tp("t1", 1)}));
  EXPECT_EQ(partitions_of(out, "C1"), (std::vector{tp("t0", 1), tp("t1", 0), tp("t1", 2)}));
}

// RoundRobinAssignor's javadoc, different subscriptions: members not subscribed to a
// topic are skipped, which leaves C2 with four partitions.
TEST(RoundRobinAssignor, KafkasExampleSkipsMembersNotSubscribedToTheTopic) {
  const auto out =
      run("roundrobin", {{"t0", 1}, {"t1", 2}, {"t2", 3}},
          {member("C0", {"t0"}), member("C1", {"t0", "t1"}), member("C2", {"t0", "t1", "t2"})});
  EXPECT_EQ(partitions_of(out, "C0"), std::vector{tp("t0", 0)});
  EXPECT_EQ(partitions_of(out, "C1"), std::vector{tp("t1", 0)});
  EXPECT_EQ(partitions_of(out, "C2"),
            (std::vector{tp("t1", 1), tp("t2", 0), tp("t2", 1), tp("t2", 2)}));
}

TEST(Assignor, AGroupWithNoPartitionsGivesEveryMemberAnEmptyAssignment) {
  for (const std::string_view name : assignor_names()) {
    const auto out = run(name, {{"t", 0}}, {member("a", {"t"}), member("b", {"u"})});
    ASSERT_EQ(out.size(), 2u) << name;
    EXPECT_TRUE(out.at("a").partitions.empty()) << name;
    EXPECT_TRUE(out.at("b").partitions.empty()) << name;
  }
}

// --- Properties of every assignor ---

// The eager assignors ignore ownership for correctness: every partition goes to exactly
// one subscribed member, whatever anyone claims.
RC_GTEST_PROP(Assignor, EagerAssignorsAssignEveryPartitionToExactlyOneSubscriber, ()) {
  GroupCase g = random_group(*rc::gen::arbitrary<bool>());
  if (*rc::gen::arbitrary<bool>()) add_random_ownership(g);
  for (const char* name : {"range", "roundrobin", "sticky"}) {
    check_complete(g.partitions_per_topic, g.members, run(name, g.partitions_per_topic, g.members));
  }
}

// Cooperative: at most one member per partition, and a partition is missing only when a
// member other than the one sticky chose for it still owns it.
RC_GTEST_PROP(Assignor, CooperativeStickyLeavesOutOnlyPartitionsOwnedByAnotherMember, ()) {
  GroupCase g = random_group(*rc::gen::arbitrary<bool>());
  add_random_ownership(g);
  const GroupAssignment out = run("cooperative-sticky", g.partitions_per_topic, g.members);
  check_well_formed(g.partitions_per_topic, g.members, out);
  const auto given = assignees(out);
  for (const TopicPartition& p : subscribed_partitions(g.partitions_per_topic, g.members)) {
    const auto it = given.find(p);
    const std::string* to = it == given.end() ? nullptr : &it->second.front();
    std::set<std::string> owners;
    for (const MemberSubscription& m : g.members) {
      const auto& owned = m.subscription.owned_partitions;
      if (std::find(owned.begin(), owned.end(), p) != owned.end()) owners.insert(m.member_id);
    }
    if (to == nullptr) {
      RC_ASSERT(!owners.empty());  // left out: someone still owns it
    } else {
      RC_ASSERT(owners.empty() || owners == std::set<std::string>{*to});
    }
  }
}

RC_GTEST_PROP(Assignor, AssignIsAPureFunctionOfTheGroupNotOfMemberOrder, ()) {
  GroupCase g = random_group(*rc::gen::arbitrary<bool>());
  if (*rc::gen::arbitrary<bool>()) add_random_ownership(g);
  const auto reordered = shuffled(g.members);
  for (const std::string_view name : assignor_names()) {
    const GroupAssignment first = run(name, g.partitions_per_topic, g.members);
    RC_ASSERT(run(name, g.partitions_per_topic, g.members) == first);
    RC_ASSERT(run(name, g.partitions_per_topic, reordered) == first);
  }
}

RC_GTEST_PROP(Assignor, RoundRobinAndStickyBalanceGroupsWithOneSubscription, ()) {
  GroupCase g = random_group(/*same_subscription=*/true);
  if (*rc::gen::arbitrary<bool>()) add_random_ownership(g);
  for (const char* name : {"roundrobin", "sticky"}) {
    RC_ASSERT(spread(run(name, g.partitions_per_topic, g.members)) <= 1u);
  }
}

// Range balances each topic on its own: the subscribers' ranges of one topic differ by
// at most one partition.
RC_GTEST_PROP(Assignor, RangeSplitsEachTopicIntoRangesDifferingByAtMostOne, ()) {
  const GroupCase g = random_group(*rc::gen::arbitrary<bool>());
  const GroupAssignment out = run("range", g.partitions_per_topic, g.members);
  for (const auto& [topic, count] : g.partitions_per_topic) {
    std::vector<std::int32_t> sizes;
    for (const auto& [member_id, a] : out) {
      if (!subscribes(find_member(g.members, member_id), topic)) continue;
      const auto n = std::count_if(a.partitions.begin(), a.partitions.end(),
                                   [&topic = topic](const TopicPartition& p) { return p.topic == topic; });
      sizes.push_back(static_cast<std::int32_t>(n));
    }
    if (sizes.empty()) continue;
    const auto [low, high] = std::minmax_element(sizes.begin(), sizes.end());
    RC_ASSERT(*high - *low <= 1);
  }
}

}  // namespace
}  // namespace samsa::cluster
