// Partition operations of the active controller: AlterPartition (KIP-497, with KIP-841's
// eligibility check) and CreateTopics. Broker lifecycle is in controller_logic.cpp.
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "cluster/controller/controller_logic.h"
#include "cluster/controller/replica_placement.h"
#include "sim/assert.h"

namespace samsa::cluster::controller {
namespace {

bool contains(const std::vector<BrokerId>& set, BrokerId id) {
  return std::find(set.begin(), set.end(), id) != set.end();
}

// Non-empty, distinct, and a subset of the replicas (KRaft's Replicas.validateIsr).
bool valid_isr(const std::vector<BrokerId>& isr, const std::vector<BrokerId>& replicas) {
  const std::set<BrokerId> unique(isr.begin(), isr.end());
  return !isr.empty() && unique.size() == isr.size() &&
         std::all_of(isr.begin(), isr.end(), [&](BrokerId b) { return contains(replicas, b); });
}

// Kafka's Topic.validate: 1..249 characters of [a-zA-Z0-9._-], and not "." or "..".
bool valid_topic_name(const std::string& name) {
  if (name.empty() || name.size() > 249 || name == "." || name == "..") return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

}  // namespace

// KIP-497's checks, in KRaft's order: the broker's registration first, then the partition,
// the leader and its epoch, the partition epoch, the shape of the ISR, eligibility.
ErrorCode ControllerLogic::validate_alter(const AlterPartitionRequest& request) const {
  const BrokerRegistration* broker = working_.broker(request.broker_id);
  if (broker == nullptr || broker->epoch != request.broker_epoch) {
    return ErrorCode::kStaleBrokerEpoch;
  }
  const PartitionState* p = working_.partition(request.tp);
  if (p == nullptr) return ErrorCode::kUnknownTopicOrPartition;
  if (request.broker_id != p->leader || request.leader_epoch != p->leader_epoch) {
    return ErrorCode::kFencedLeaderEpoch;
  }
  if (request.partition_epoch != p->partition_epoch) return ErrorCode::kInvalidUpdateVersion;
  if (!valid_isr(request.new_isr, p->replicas) || !contains(request.new_isr, p->leader)) {
    return ErrorCode::kInvalidRequest;
  }
  // KIP-841: a fenced broker, or one in controlled shutdown, may not be in the ISR. KRaft
  // checks every member; members already in a led partition's ISR are eligible anyway
  // (MetadataImage invariant 5), so this rejects exactly the ineligible new members.
  if (!config_.bugs.on(Bug::kFencedBrokerJoinsIsr)) {
    for (BrokerId member : request.new_isr) {
      if (!working_.is_eligible(member)) return ErrorCode::kIneligibleReplica;
    }
  }
  return ErrorCode::kNone;
}

ControllerResult<AlterPartitionResponse> ControllerLogic::alter_partition(
    const AlterPartitionRequest& request) {
  ControllerResult<AlterPartitionResponse> result;
  result.response.error = validate_alter(request);
  if (result.response.error != ErrorCode::kNone) return result;
  const BrokerEligibility eligibility(working_);
  change_partition(result.records, *working_.partition(request.tp), eligibility, request.new_isr);
  result.response.state = *working_.partition(request.tp);
  check_invariants();
  return result;
}

ErrorCode ControllerLogic::create_topic(Records& out, const CreatableTopic& topic,
                                        sim::Rng& placement_rng) {
  if (!valid_topic_name(topic.name)) return ErrorCode::kInvalidTopicException;
  if (working_.topic(topic.name) != nullptr) return ErrorCode::kTopicAlreadyExists;
  std::vector<BrokerId> eligible;
  for (const auto& entry : working_.brokers()) {
    if (working_.is_eligible(entry.first)) eligible.push_back(entry.first);
  }
  std::uint64_t start_index = 0;
  std::uint64_t replica_shift = 0;
  if (!eligible.empty()) {
    start_index = placement_rng.below(eligible.size());
    replica_shift = placement_rng.below(eligible.size());
  }
  auto placement = place_replicas(eligible, topic.num_partitions, topic.replication_factor,
                                  start_index, replica_shift);
  if (!placement.ok()) return placement.error();
  append(out, TopicRecord{topic.name, topic.unclean_leader_election_enable});
  const ReplicaAssignment& assignment = placement.value();
  for (std::size_t i = 0; i < assignment.size(); ++i) {
    // Every placed replica is eligible: the ISR is all of them, the first one leads.
    const std::vector<BrokerId>& replicas = assignment[i];
    const TopicPartition tp{topic.name, PartitionIndex(static_cast<std::int32_t>(i))};
    append(out, PartitionRecord{tp, replicas, replicas, replicas.front(), LeaderEpoch(0),
                                PartitionEpoch(0)});
  }
  return ErrorCode::kNone;
}

ControllerResult<CreateTopicsResponse> ControllerLogic::create_topics(
    const CreateTopicsRequest& request, sim::Rng& placement_rng) {
  ControllerResult<CreateTopicsResponse> result;
  std::map<std::string, int> mentions;
  for (const CreatableTopic& topic : request.topics) ++mentions[topic.name];
  for (const CreatableTopic& topic : request.topics) {
    // Kafka answers INVALID_REQUEST to every entry of a name listed twice.
    const ErrorCode error = mentions[topic.name] > 1
                                ? ErrorCode::kInvalidRequest
                                : create_topic(result.records, topic, placement_rng);
    result.response.topics.push_back(CreatableTopicResult{topic.name, error});
  }
  check_invariants();
  return result;
}

}  // namespace samsa::cluster::controller
