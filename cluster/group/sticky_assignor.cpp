#include "cluster/group/sticky_assignor.h"

#include <algorithm>
#include <set>
#include <utility>

#include "cluster/group/assignor_support.h"
#include "sim/assert.h"

namespace samsa::cluster {
namespace {

struct PreviousAssignment {
  std::vector<TopicPartition> partitions;
  std::int32_t generation = -1;
};

PreviousAssignment previous_assignment(const Subscription& subscription,
                                       PreviousAssignmentSource source) {
  if (source == PreviousAssignmentSource::kUserDataElseOwnedPartitions &&
      !subscription.user_data.empty()) {
    // User data that does not decode is ignored, as Kafka ignores what it cannot parse.
    auto decoded = decode_subscription(subscription.user_data);
    if (decoded.ok()) {
      return {std::move(decoded.value().owned_partitions), decoded.value().generation_id};
    }
  }
  return {subscription.owned_partitions, subscription.generation_id};
}

// One run of the sticky algorithm (Kafka's AbstractStickyAssignor.generalAssign, with the
// partitions nobody can take skipped): previous owners first, then the unowned partitions,
// fewest candidate members first, each to its least loaded candidate, then rebalancing.
class StickyPlan {
 public:
  StickyPlan(const std::map<std::string, std::int32_t>& partitions_per_topic,
             const std::vector<MemberSubscription>& members, PreviousAssignmentSource source)
      : result_(assignor_support::empty_assignment(members)) {
    for (const MemberSubscription& m : members) by_id_.emplace(m.member_id, &m);
    for (const auto& [member_id, m] : by_id_) assigned_[member_id];
    add_candidates(partitions_per_topic);
    resolve_previous_owners(source);
    for (const auto& [tp, owner] : previous_owner_) assigned_.at(owner).insert(tp);
    assign_unowned();
    balance();
  }

  GroupAssignment result() && {
    for (const auto& [member_id, partitions] : assigned_) {
      result_.at(member_id).partitions.assign(partitions.begin(), partitions.end());
    }
    return std::move(result_);
  }

 private:
  // Every partition of a topic someone subscribes to, with its subscribers by member id.
  void add_candidates(const std::map<std::string, std::int32_t>& partitions_per_topic) {
    for (const auto& [member_id, m] : by_id_) {
      for (const std::string& topic :
           assignor_support::assignable_topics(m->subscription, partitions_per_topic)) {
        for (std::int32_t p = 0; p < partitions_per_topic.at(topic); ++p) {
          candidates_[TopicPartition{topic, PartitionIndex(p)}].push_back(member_id);
        }
      }
    }
  }

  bool is_candidate(const TopicPartition& tp, const std::string& member_id) const {
    const auto it = candidates_.find(tp);
    return it != candidates_.end() &&
           std::binary_search(it->second.begin(), it->second.end(), member_id);
  }

  // KIP-792, per partition: see sticky_assign() in the header.
  void resolve_previous_owners(PreviousAssignmentSource source) {
    std::map<TopicPartition, std::vector<std::pair<std::int32_t, std::string>>> claims;
    for (const auto& [member_id, m] : by_id_) {
      const PreviousAssignment previous = previous_assignment(m->subscription, source);
      const std::set<TopicPartition> unique(previous.partitions.begin(), previous.partitions.end());
      for (const TopicPartition& tp : unique) {
        if (is_candidate(tp, member_id)) claims[tp].emplace_back(previous.generation, member_id);
      }
    }
    for (const auto& [tp, tp_claims] : claims) {
      const auto highest =
          std::max_element(tp_claims.begin(), tp_claims.end(),
                           [](const auto& a, const auto& b) { return a.first < b.first; });
      const auto at_highest = std::count_if(tp_claims.begin(), tp_claims.end(), [&](const auto& c) {
        return c.first == highest->first;
      });
      if (at_highest == 1) previous_owner_.emplace(tp, highest->second);
    }
  }

  // The candidate for `tp` with the fewest partitions, ties to the smallest member id;
  // null if there is none besides `excluded`.
  const std::string* least_loaded(const TopicPartition& tp, const std::string* excluded) const {
    const std::string* best = nullptr;
    for (const std::string& member_id : candidates_.at(tp)) {
      if (excluded != nullptr && member_id == *excluded) continue;
      if (best == nullptr || assigned_.at(member_id).size() < assigned_.at(*best).size()) {
        best = &member_id;
      }
    }
    return best;
  }

  // Partitions with fewer candidates go first, so they are not left with only loaded
  // members to choose from (Kafka sorts by the number of potential consumers).
  void assign_unowned() {
    std::vector<std::pair<std::size_t, TopicPartition>> unowned;
    for (const auto& [tp, members] : candidates_) {
      if (!previous_owner_.contains(tp)) unowned.emplace_back(members.size(), tp);
    }
    std::sort(unowned.begin(), unowned.end());
    for (const auto& [count, tp] : unowned) assigned_.at(*least_loaded(tp, nullptr)).insert(tp);
  }

  // Each move takes a partition from A to a candidate B with |A| >= |B| + 2, lowering the
  // sum of squared sizes by at least 2; that sum starts at most n^2 for n partitions, which
  // bounds the number of moves.
  void balance() {
    const std::size_t n = candidates_.size();
    const std::size_t max_moves = n * n / 2 + 1;
    for (std::size_t moves = 0; moves <= max_moves; ++moves) {
      if (!move_one_partition()) return;
    }
    SAMSA_ASSERT(false, "sticky rebalancing did not converge within its bound");
  }

  // From the most loaded member that can give one away: a partition it did not own before
  // if it has one (stickiness), else one it owned, to the least loaded candidate.
  bool move_one_partition() {
    std::vector<std::pair<std::size_t, std::string>> by_load;  // (size, id), largest first
    for (const auto& [member_id, partitions] : assigned_) {
      by_load.emplace_back(partitions.size(), member_id);
    }
    std::stable_sort(by_load.begin(), by_load.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    for (const auto& [load, member_id] : by_load) {
      if (load < 2) return false;  // no one is two below a member with fewer than two
      for (const bool previously_owned : {false, true}) {
        for (const TopicPartition& tp : assigned_.at(member_id)) {
          const auto owner = previous_owner_.find(tp);
          if ((owner != previous_owner_.end() && owner->second == member_id) != previously_owned) {
            continue;
          }
          const std::string* to = least_loaded(tp, &member_id);
          if (to == nullptr || assigned_.at(*to).size() + 2 > load) continue;
          const TopicPartition moved = tp;  // `tp` dies with the erase
          assigned_.at(member_id).erase(moved);
          assigned_.at(*to).insert(moved);
          return true;
        }
      }
    }
    return false;
  }

  GroupAssignment result_;
  std::map<std::string, const MemberSubscription*> by_id_;
  std::map<TopicPartition, std::vector<std::string>> candidates_;  // subscribers, by member id
  std::map<TopicPartition, std::string> previous_owner_;
  std::map<std::string, std::set<TopicPartition>> assigned_;
};

class StickyAssignor final : public ConsumerPartitionAssignor {
 public:
  std::string_view name() const override { return "sticky"; }
  std::vector<RebalanceProtocol> supported_protocols() const override {
    return {RebalanceProtocol::kEager};
  }
  GroupAssignment assign(const std::map<std::string, std::int32_t>& partitions_per_topic,
                         const std::vector<MemberSubscription>& members) const override {
    return sticky_assign(partitions_per_topic, members,
                         PreviousAssignmentSource::kUserDataElseOwnedPartitions);
  }
  Bytes subscription_user_data(const std::vector<TopicPartition>& owned,
                               std::int32_t generation) const override {
    return encode_sticky_user_data(owned, generation);
  }
};

}  // namespace

GroupAssignment sticky_assign(const std::map<std::string, std::int32_t>& partitions_per_topic,
                              const std::vector<MemberSubscription>& members,
                              PreviousAssignmentSource source) {
  return StickyPlan(partitions_per_topic, members, source).result();
}

Bytes encode_sticky_user_data(const std::vector<TopicPartition>& owned, std::int32_t generation) {
  if (owned.empty() && generation < 0) return {};
  Subscription carrier;
  carrier.owned_partitions = owned;
  carrier.generation_id = generation;
  return encode_subscription(carrier);
}

std::unique_ptr<ConsumerPartitionAssignor> assignor_support::make_sticky_assignor() {
  return std::make_unique<StickyAssignor>();
}

}  // namespace samsa::cluster
