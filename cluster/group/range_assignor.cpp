// Kafka's RangeAssignor ("range"): topic by topic, the members subscribed to the topic, in
// MemberInfo order, each take a contiguous range of its partitions; with n partitions and m
// members the first n % m members take one extra. Ranges line up across topics, so
// co-partitioned topics land on the same member (and the first members carry the excess).
#include <algorithm>
#include <set>

#include "cluster/group/assignor_support.h"

namespace samsa::cluster {
namespace {

class RangeAssignor final : public ConsumerPartitionAssignor {
 public:
  std::string_view name() const override { return "range"; }
  std::vector<RebalanceProtocol> supported_protocols() const override {
    return {RebalanceProtocol::kEager};
  }

  GroupAssignment assign(const std::map<std::string, std::int32_t>& partitions_per_topic,
                         const std::vector<MemberSubscription>& members) const override {
    GroupAssignment out = assignor_support::empty_assignment(members);
    const auto ordered = assignor_support::sorted_members(members);
    std::vector<std::set<std::string>> topics;  // parallel to `ordered`
    for (const MemberSubscription* m : ordered) {
      topics.push_back(assignor_support::assignable_topics(m->subscription, partitions_per_topic));
    }
    for (const auto& [topic, partition_count] : partitions_per_topic) {
      std::vector<const MemberSubscription*> consumers;
      for (std::size_t i = 0; i < ordered.size(); ++i) {
        if (topics[i].contains(topic)) consumers.push_back(ordered[i]);
      }
      if (consumers.empty()) continue;
      const auto m = static_cast<std::int32_t>(consumers.size());
      const std::int32_t per_member = partition_count / m;
      const std::int32_t with_extra = partition_count % m;
      for (std::int32_t i = 0; i < m; ++i) {
        const std::int32_t start = per_member * i + std::min(i, with_extra);
        const std::int32_t length = per_member + (i < with_extra ? 1 : 0);
        auto& partitions = out[consumers[static_cast<std::size_t>(i)]->member_id].partitions;
        for (std::int32_t p = start; p < start + length; ++p) {
          partitions.push_back(TopicPartition{topic, PartitionIndex(p)});
        }
      }
    }
    assignor_support::sort_partitions(out);
    return out;
  }
};

}  // namespace

std::unique_ptr<ConsumerPartitionAssignor> assignor_support::make_range_assignor() {
  return std::make_unique<RangeAssignor>();
}

}  // namespace samsa::cluster
