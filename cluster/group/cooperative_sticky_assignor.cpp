// Kafka's CooperativeStickyAssignor ("cooperative-sticky", KIP-429): the sticky assignment,
// minus every partition that would go to a member while another member still owns it.
// The owner, seeing the partition missing from its own assignment, revokes it and rejoins;
// the follow-up rebalance then hands it out with no owner left (two-round revocation).
// Invariant: no member is given a partition that another member lists in owned_partitions.
#include <algorithm>
#include <set>

#include "cluster/group/assignor_support.h"
#include "cluster/group/sticky_assignor.h"

namespace samsa::cluster {
namespace {

class CooperativeStickyAssignor final : public ConsumerPartitionAssignor {
 public:
  std::string_view name() const override { return "cooperative-sticky"; }
  std::vector<RebalanceProtocol> supported_protocols() const override {
    return {RebalanceProtocol::kCooperative, RebalanceProtocol::kEager};
  }

  GroupAssignment assign(const std::map<std::string, std::int32_t>& partitions_per_topic,
                         const std::vector<MemberSubscription>& members) const override {
    GroupAssignment out =
        sticky_assign(partitions_per_topic, members, PreviousAssignmentSource::kOwnedPartitions);
    // Every claim counts here, whatever its generation and whether or not the claimant
    // still subscribes: until the claimant revokes, it may still be consuming. Kafka 3.x
    // lets the generation-resolved owner keep a partition another member also claims;
    // samsa withholds it unless the assignee is its only claimant, so that no member is
    // ever given a partition someone else still holds (assignor.h's invariant).
    std::map<TopicPartition, std::set<std::string>> owners;
    for (const MemberSubscription& m : members) {
      for (const TopicPartition& tp : m.subscription.owned_partitions) {
        owners[tp].insert(m.member_id);
      }
    }
    for (auto& entry : out) {
      // A named copy: clang 14 cannot capture a structured binding in a lambda.
      const std::string& member_id = entry.first;
      std::erase_if(entry.second.partitions, [&](const TopicPartition& tp) {
        const auto it = owners.find(tp);
        return it != owners.end() &&
               std::any_of(it->second.begin(), it->second.end(),
                           [&](const std::string& owner) { return owner != member_id; });
      });
    }
    return out;
  }
};

}  // namespace

std::unique_ptr<ConsumerPartitionAssignor> assignor_support::make_cooperative_sticky_assignor() {
  return std::make_unique<CooperativeStickyAssignor>();
}

}  // namespace samsa::cluster
