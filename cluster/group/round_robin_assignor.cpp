// Kafka's RoundRobinAssignor ("roundrobin"): every partition of every subscribed topic, in
// (topic, partition) order, is dealt to the members in MemberInfo order, going round the
// circle and skipping members not subscribed to the partition's topic. With identical
// subscriptions the member counts differ by at most one.
#include <set>

#include "cluster/group/assignor_support.h"
#include "sim/assert.h"

namespace samsa::cluster {
namespace {

class RoundRobinAssignor final : public ConsumerPartitionAssignor {
 public:
  std::string_view name() const override { return "roundrobin"; }
  std::vector<RebalanceProtocol> supported_protocols() const override {
    return {RebalanceProtocol::kEager};
  }

  GroupAssignment assign(const std::map<std::string, std::int32_t>& partitions_per_topic,
                         const std::vector<MemberSubscription>& members) const override {
    GroupAssignment out = assignor_support::empty_assignment(members);
    const auto ordered = assignor_support::sorted_members(members);
    std::vector<std::set<std::string>> topics;  // parallel to `ordered`
    std::set<std::string> all_topics;
    for (const MemberSubscription* m : ordered) {
      topics.push_back(assignor_support::assignable_topics(m->subscription, partitions_per_topic));
      all_topics.insert(topics.back().begin(), topics.back().end());
    }
    std::size_t next = 0;  // Kafka's CircularIterator over the ordered members
    for (const std::string& topic : all_topics) {
      for (std::int32_t p = 0; p < partitions_per_topic.at(topic); ++p) {
        // Someone subscribes to `topic`, so at most one full circle finds them.
        std::size_t skipped = 0;
        for (; !topics[next].contains(topic); next = (next + 1) % ordered.size()) {
          SAMSA_ASSERT(++skipped <= ordered.size(), "no member subscribes to an assigned topic");
        }
        out[ordered[next]->member_id].partitions.push_back(
            TopicPartition{topic, PartitionIndex(p)});
        next = (next + 1) % ordered.size();
      }
    }
    assignor_support::sort_partitions(out);
    return out;
  }
};

}  // namespace

std::unique_ptr<ConsumerPartitionAssignor> assignor_support::make_round_robin_assignor() {
  return std::make_unique<RoundRobinAssignor>();
}

}  // namespace samsa::cluster
