// The sticky assignors (KIP-54 "sticky", KIP-429 "cooperative-sticky"): KIP-54's worked
// examples, KIP-792's generation rule for conflicting claims, and the stickiness, balance
// and two-round revocation properties.
#include "cluster/group/sticky_assignor.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "tests/cluster/group/assignor_testing.h"

namespace samsa::cluster {
namespace {

using namespace assignor_test;  // NOLINT: test helpers

GroupAssignment run(std::string_view assignor, const PartitionsPerTopic& partitions_per_topic,
                    const std::vector<MemberSubscription>& members) {
  return make_assignor(assignor)->assign(partitions_per_topic, members);
}

const PartitionsPerTopic kFourTopicsOfTwo = {{"t0", 2}, {"t1", 2}, {"t2", 2}, {"t3", 2}};
const std::vector<std::string> kFourTopics = {"t0", "t1", "t2", "t3"};

// KIP-54, example 1: three members subscribed to four topics of two partitions each.
TEST(StickyAssignor, Kip54FirstExampleStartsLikeRoundRobin) {
  const std::vector<MemberSubscription> members = {
      member("C0", kFourTopics), member("C1", kFourTopics), member("C2", kFourTopics)};
  const auto out = run("sticky", kFourTopicsOfTwo, members);
  EXPECT_EQ(out.at("C0").partitions, (std::vector{tp("t0", 0), tp("t1", 1), tp("t3", 0)}));
  EXPECT_EQ(out.at("C1").partitions, (std::vector{tp("t0", 1), tp("t2", 0), tp("t3", 1)}));
  EXPECT_EQ(out.at("C2").partitions, (std::vector{tp("t1", 0), tp("t2", 1)}));
  EXPECT_EQ(run("roundrobin", kFourTopicsOfTwo, members), out);
}

// ... then C1 leaves: sticky keeps C0's and C2's partitions and splits C1's between them,
// where roundrobin moves t1-0 and t1-1 between the members that stayed.
TEST(StickyAssignor, Kip54FirstExampleKeepsPartitionsWhenAMemberLeaves) {
  const std::vector<MemberSubscription> members = {
      member("C0", kFourTopics, {tp("t0", 0), tp("t1", 1), tp("t3", 0)}, 1),
      member("C2", kFourTopics, {tp("t1", 0), tp("t2", 1)}, 1)};
  const auto sticky = run("sticky", kFourTopicsOfTwo, members);
  EXPECT_EQ(sticky.at("C0").partitions,
            (std::vector{tp("t0", 0), tp("t1", 1), tp("t2", 0), tp("t3", 0)}));
  EXPECT_EQ(sticky.at("C2").partitions,
            (std::vector{tp("t0", 1), tp("t1", 0), tp("t2", 1), tp("t3", 1)}));
  const auto round_robin = run("roundrobin", kFourTopicsOfTwo, members);
  EXPECT_EQ(round_robin.at("C0").partitions,
            (std::vector{tp("t0", 0), tp("t1", 0), tp("t2", 0), tp("t3", 0)}));
  EXPECT_EQ(round_robin.at("C2").partitions,
            (std::vector{tp("t0", 1), tp("t1", 1), tp("t2", 1), tp("t3", 1)}));
}

// KIP-54, example 2: different subscriptions, where roundrobin leaves C2 with four
// partitions and C1 with one; sticky balances them, then keeps them when C0 leaves.
TEST(StickyAssignor, Kip54SecondExampleBalancesUnequalSubscriptions) {
  const PartitionsPerTopic topics = {{"t0", 1}, {"t1", 2}, {"t2", 3}};
  const auto out =
      run("sticky", topics,
          {member("C0", {"t0"}), member("C1", {"t0", "t1"}), member("C2", {"t0", "t1", "t2"})});
  EXPECT_EQ(out.at("C0").partitions, std::vector{tp("t0", 0)});
  EXPECT_EQ(out.at("C1").partitions, (std::vector{tp("t1", 0), tp("t1", 1)}));
  EXPECT_EQ(out.at("C2").partitions, (std::vector{tp("t2", 0), tp("t2", 1), tp("t2", 2)}));

  const auto after = run("sticky", topics,
                         {member("C1", {"t0", "t1"}, out.at("C1").partitions, 1),
                          member("C2", {"t0", "t1", "t2"}, out.at("C2").partitions, 1)});
  EXPECT_EQ(after.at("C1").partitions, (std::vector{tp("t0", 0), tp("t1", 0), tp("t1", 1)}));
  EXPECT_EQ(after.at("C2").partitions, out.at("C2").partitions);
}

// KIP-792: of two members claiming a partition, the one from the later generation owns it.
// Here A's claim to t-1 from generation 6 beats B's from 5; A then has two and B none,
// so balancing hands A's first partition, t-0, to B.
TEST(StickyAssignor, TheClaimFromTheHigherGenerationWins) {
  const auto out =
      run("sticky", {{"t", 2}},
          {member("A", {"t"}, {tp("t", 0), tp("t", 1)}, 6), member("B", {"t"}, {tp("t", 1)}, 5)});
  EXPECT_EQ(out.at("A").partitions, std::vector{tp("t", 1)});
  EXPECT_EQ(out.at("B").partitions, std::vector{tp("t", 0)});
}

// Two claims from the same generation cancel: t-1 is unowned, so it goes to the least
// loaded member, B, and A keeps t-0.
TEST(StickyAssignor, ClaimsFromTheSameGenerationCancelOut) {
  const auto out =
      run("sticky", {{"t", 2}},
          {member("A", {"t"}, {tp("t", 0), tp("t", 1)}, 5), member("B", {"t"}, {tp("t", 1)}, 5)});
  EXPECT_EQ(out.at("A").partitions, std::vector{tp("t", 0)});
  EXPECT_EQ(out.at("B").partitions, std::vector{tp("t", 1)});
}

// A claims u-0, of a topic it left, and two partitions that no longer exist. Honoured,
// the claim would keep u-0 with A, which no longer reads u; dropped, u-0 goes to its only
// subscriber B, and both partitions of t to A, then the least loaded.
TEST(StickyAssignor, ClaimsOnGoneOrUnsubscribedPartitionsAreDropped) {
  const auto out = run("sticky", {{"t", 2}, {"u", 1}},
                       {member("A", {"t"}, {tp("u", 0), tp("t", 7), tp("gone", 0)}, 3),
                        member("B", {"t", "u"}, {}, 3)});
  EXPECT_EQ(out.at("A").partitions, (std::vector{tp("t", 0), tp("t", 1)}));
  EXPECT_EQ(out.at("B").partitions, std::vector{tp("u", 0)});
}

// An eager member revokes everything before it joins, so the sticky assignor reads its
// previous assignment from the user data it wrote (Kafka's StickyAssignorUserData).
TEST(StickyAssignor, ThePreviousAssignmentComesFromStickyUserData) {
  const auto sticky = make_assignor("sticky");
  MemberSubscription a = member("A", {"t"});
  a.subscription.user_data = sticky->subscription_user_data({tp("t", 1)}, 3);
  EXPECT_FALSE(a.subscription.user_data.empty());
  const auto out = sticky->assign({{"t", 2}}, {a, member("B", {"t"})});
  EXPECT_EQ(out.at("A").partitions, std::vector{tp("t", 1)});
  EXPECT_EQ(out.at("B").partitions, std::vector{tp("t", 0)});
  EXPECT_TRUE(sticky->subscription_user_data({}, -1).empty());
  EXPECT_TRUE(make_assignor("cooperative-sticky")->subscription_user_data({tp("t", 1)}, 3).empty());
}

// KIP-429: B takes over t-1 from A, so the first round gives it to nobody; A revokes it,
// and the second round hands it to B.
TEST(CooperativeStickyAssignor, APartitionMovesOnlyAfterItsOwnerRevokedIt) {
  std::vector<MemberSubscription> members = {member("A", {"t"}, {tp("t", 0), tp("t", 1)}, 4),
                                             member("B", {"t"})};
  const auto first = run("cooperative-sticky", {{"t", 2}}, members);
  EXPECT_EQ(first.at("A").partitions, std::vector{tp("t", 1)});
  EXPECT_TRUE(first.at("B").partitions.empty());
  adopt(members, first, 5);
  const auto second = run("cooperative-sticky", {{"t", 2}}, members);
  EXPECT_EQ(second.at("A").partitions, std::vector{tp("t", 1)});
  EXPECT_EQ(second.at("B").partitions, std::vector{tp("t", 0)});
}

// --- Properties ---

// The test's own statement of KIP-792's rule: valid claims only, highest generation wins,
// a tie at the highest generation leaves the partition unowned.
std::map<TopicPartition, std::string> valid_owners(const GroupCase& g) {
  const auto exists = subscribed_partitions(g.partitions_per_topic, g.members);
  std::map<TopicPartition, std::vector<std::pair<std::int32_t, std::string>>> claims;
  for (const MemberSubscription& m : g.members) {
    const auto& owned = m.subscription.owned_partitions;
    for (const TopicPartition& p : std::set<TopicPartition>(owned.begin(), owned.end())) {
      if (exists.contains(p) && subscribes(m, p.topic)) {
        claims[p].emplace_back(m.subscription.generation_id, m.member_id);
      }
    }
  }
  std::map<TopicPartition, std::string> out;
  for (auto& [p, c] : claims) {
    std::sort(c.rbegin(), c.rend());
    if (c.size() == 1 || c[0].first != c[1].first) out.emplace(p, c[0].second);
  }
  return out;
}

// With one subscription and n partitions over m members, each member ends with q = n / m
// or q + 1, and r = n % m of them with q + 1. A member can keep at most min(owned, q) plus
// one more if it is among the r: sticky reaches exactly that bound.
RC_GTEST_PROP(StickyAssignor, KeepsAsManyValidlyOwnedPartitionsAsBalanceAllows, ()) {
  GroupCase g = random_group(/*same_subscription=*/true);
  add_random_ownership(g);
  const GroupAssignment out = run("sticky", g.partitions_per_topic, g.members);
  check_complete(g.partitions_per_topic, g.members, out);
  const std::size_t n = subscribed_partitions(g.partitions_per_topic, g.members).size();
  const std::size_t q = n / g.members.size();
  const std::size_t r = n % g.members.size();
  const auto owners = valid_owners(g);
  std::map<std::string, std::size_t> owned_count;
  for (const auto& [p, owner] : owners) ++owned_count[owner];
  std::size_t bound = 0;
  std::size_t above_q = 0;
  for (const auto& [owner, count] : owned_count) {
    bound += std::min(count, q);
    above_q += count > q ? 1 : 0;
  }
  bound += std::min(r, above_q);
  std::size_t kept = 0;
  for (const auto& [p, to] : assignees(out)) kept += owners.contains(p) && owners.at(p) == to[0];
  RC_ASSERT(kept == bound);
}

// Sticky's result is balanced as subscriptions allow (sticky_assignor.h invariant 2).
RC_GTEST_PROP(StickyAssignor, NoPartitionCouldMoveToAMemberTwoBelowItsOwner, ()) {
  GroupCase g = random_group(/*same_subscription=*/false);
  if (*rc::gen::arbitrary<bool>()) add_random_ownership(g);
  const GroupAssignment out = run("sticky", g.partitions_per_topic, g.members);
  check_complete(g.partitions_per_topic, g.members, out);
  for (const auto& [from, a] : out) {
    for (const TopicPartition& p : a.partitions) {
      for (const MemberSubscription& m : g.members) {
        if (!subscribes(m, p.topic)) continue;
        RC_ASSERT(out.at(m.member_id).partitions.size() + 1 >= a.partitions.size());
      }
    }
  }
}

RC_GTEST_PROP(StickyAssignor, AStickyAssignmentIsKeptAsIsWhenNothingChanged, ()) {
  GroupCase g = random_group(*rc::gen::arbitrary<bool>());
  if (*rc::gen::arbitrary<bool>()) add_random_ownership(g);
  const GroupAssignment first = run("sticky", g.partitions_per_topic, g.members);
  adopt(g.members, first, 7);
  RC_ASSERT(run("sticky", g.partitions_per_topic, shuffled(g.members)) == first);
  RC_ASSERT(run("cooperative-sticky", g.partitions_per_topic, g.members) == first);
}

RC_GTEST_PROP(StickyAssignor, WhenAMemberLeavesNoPartitionMovesBetweenTheMembersThatStay, ()) {
  GroupCase g = random_group(/*same_subscription=*/true);
  RC_PRE(g.members.size() >= 2u);
  if (*rc::gen::arbitrary<bool>()) add_random_ownership(g);
  for (const char* name : {"sticky", "cooperative-sticky"}) {
    std::vector<MemberSubscription> members = g.members;
    // A settled group first: cooperative needs a second round to hand out what it held back.
    GroupAssignment before = run(name, g.partitions_per_topic, members);
    adopt(members, before, 1);
    before = run(name, g.partitions_per_topic, members);
    adopt(members, before, 2);
    members.erase(members.begin() + *rc::gen::inRange<std::ptrdiff_t>(
                                        0, static_cast<std::ptrdiff_t>(members.size())));
    const GroupAssignment after = run(name, g.partitions_per_topic, members);
    check_complete(g.partitions_per_topic, members, after);
    RC_ASSERT(spread(after) <= 1u);
    for (const MemberSubscription& m : members) {
      const auto& now = after.at(m.member_id).partitions;
      for (const TopicPartition& p : before.at(m.member_id).partitions) {
        RC_ASSERT(std::binary_search(now.begin(), now.end(), p));
      }
    }
  }
}

RC_GTEST_PROP(CooperativeStickyAssignor, IsTheStickyAssignmentMinusPartitionsOwnedElsewhere, ()) {
  GroupCase g = random_group(*rc::gen::arbitrary<bool>());
  add_random_ownership(g);
  const GroupAssignment sticky =
      sticky_assign(g.partitions_per_topic, g.members, PreviousAssignmentSource::kOwnedPartitions);
  GroupAssignment expected = sticky;
  for (auto& [to, a] : expected) {
    std::erase_if(a.partitions, [&, &to = to](const TopicPartition& p) {
      return std::any_of(g.members.begin(), g.members.end(), [&](const MemberSubscription& m) {
        const auto& owned = m.subscription.owned_partitions;
        return m.member_id != to && std::find(owned.begin(), owned.end(), p) != owned.end();
      });
    });
  }
  RC_ASSERT(run("cooperative-sticky", g.partitions_per_topic, g.members) == expected);
}

// No member is given a partition another member owns when the round starts.
void check_exclusive(const std::vector<MemberSubscription>& members, const GroupAssignment& out) {
  for (const auto& [to, a] : out) {
    for (const MemberSubscription& m : members) {
      if (m.member_id == to) continue;
      for (const TopicPartition& p : a.partitions) {
        const auto& owned = m.subscription.owned_partitions;
        RC_ASSERT(std::find(owned.begin(), owned.end(), p) == owned.end());
      }
    }
  }
}

// KIP-429's two rounds: in round 1 owners keep what stays and revoke what moves; round 2
// hands out what was revoked. Neither round gives a partition to a member while another
// still owns it.
RC_GTEST_PROP(CooperativeStickyAssignor, NoRoundGivesAPartitionToAMemberWhileAnotherOwnsIt, ()) {
  GroupCase g = random_group(*rc::gen::arbitrary<bool>());
  add_random_ownership(g);
  for (std::int32_t generation = 5; generation < 8; ++generation) {
    const GroupAssignment out = run("cooperative-sticky", g.partitions_per_topic, g.members);
    check_well_formed(g.partitions_per_topic, g.members, out);
    check_exclusive(g.members, out);
    adopt(g.members, out, generation);
  }
}

// With one subscription, round 2 completes the assignment and it is balanced: round 1's
// assignment is a subset of a balanced one, and filling it up least loaded first moves
// nothing anyone owns. (With different subscriptions, sticky's balancing may move an
// owned partition in round 2 too, and a third round is then needed, as in Kafka.)
RC_GTEST_PROP(CooperativeStickyAssignor, WithOneSubscriptionTheSecondRoundIsCompleteAndBalanced,
              ()) {
  GroupCase g = random_group(/*same_subscription=*/true);
  add_random_ownership(g);
  const GroupAssignment first = run("cooperative-sticky", g.partitions_per_topic, g.members);
  adopt(g.members, first, 5);
  const GroupAssignment second = run("cooperative-sticky", g.partitions_per_topic, g.members);
  check_exclusive(g.members, second);
  check_complete(g.partitions_per_topic, g.members, second);
  RC_ASSERT(spread(second) <= 1u);
  // Round 2 moves nothing: every member keeps all it got in round 1.
  for (const auto& [member_id, a] : first) {
    const auto& now = second.at(member_id).partitions;
    RC_ASSERT(std::includes(now.begin(), now.end(), a.partitions.begin(), a.partitions.end()));
  }
}

}  // namespace
}  // namespace samsa::cluster
