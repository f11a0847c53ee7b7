#include "cluster/group/assignor.h"

#include <algorithm>
#include <tuple>

#include "cluster/group/assignor_support.h"
#include "sim/assert.h"

namespace samsa::cluster {

std::string_view rebalance_protocol_name(RebalanceProtocol protocol) {
  // Kafka's ConsumerPartitionAssignor.RebalanceProtocol names.
  switch (protocol) {
    case RebalanceProtocol::kEager:
      return "EAGER";
    case RebalanceProtocol::kCooperative:
      return "COOPERATIVE";
  }
  SAMSA_ASSERT(false, "unknown RebalanceProtocol");
  return "";
}

std::unique_ptr<ConsumerPartitionAssignor> make_assignor(std::string_view name) {
  if (name == "range") return assignor_support::make_range_assignor();
  if (name == "roundrobin") return assignor_support::make_round_robin_assignor();
  if (name == "sticky") return assignor_support::make_sticky_assignor();
  if (name == "cooperative-sticky") return assignor_support::make_cooperative_sticky_assignor();
  return nullptr;
}

std::vector<std::string_view> assignor_names() {
  return {"range", "roundrobin", "sticky", "cooperative-sticky"};
}

namespace assignor_support {

std::vector<const MemberSubscription*> sorted_members(
    const std::vector<MemberSubscription>& members) {
  std::vector<const MemberSubscription*> out;
  out.reserve(members.size());
  for (const MemberSubscription& m : members) out.push_back(&m);
  const auto key = [](const MemberSubscription* m) {
    const bool is_static = m->group_instance_id.has_value();
    return std::make_tuple(!is_static,
                           is_static ? std::string_view(*m->group_instance_id) : std::string_view(),
                           std::string_view(m->member_id));
  };
  std::sort(out.begin(), out.end(), [&](const MemberSubscription* a, const MemberSubscription* b) {
    return key(a) < key(b);
  });
  return out;
}

std::set<std::string> assignable_topics(
    const Subscription& subscription,
    const std::map<std::string, std::int32_t>& partitions_per_topic) {
  std::set<std::string> out;
  for (const std::string& topic : subscription.topics) {
    const auto it = partitions_per_topic.find(topic);
    if (it == partitions_per_topic.end()) continue;
    SAMSA_ASSERT(it->second >= 0, "a topic's partition count is never negative");
    out.insert(topic);
  }
  return out;
}

GroupAssignment empty_assignment(const std::vector<MemberSubscription>& members) {
  GroupAssignment out;
  for (const MemberSubscription& m : members) {
    const bool inserted = out.emplace(m.member_id, Assignment{}).second;
    SAMSA_ASSERT(inserted, "a member id appears twice in one assignment's input");
  }
  return out;
}

void sort_partitions(GroupAssignment& assignment) {
  for (auto& [member, a] : assignment) std::sort(a.partitions.begin(), a.partitions.end());
}

}  // namespace assignor_support
}  // namespace samsa::cluster
