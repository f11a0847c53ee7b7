#include "cluster/broker/coordinator_service.h"

#include <string>

#include "cluster/controller/controller_messages.h"
#include "cluster/group/offsets_records.h"
#include "sim/log.h"

namespace samsa::cluster {

CoordinatorService::CoordinatorService(BrokerContext& ctx, ReplicaManager& replicas)
    : ctx_(ctx),
      store_(replicas),
      coordinator_(std::make_unique<GroupCoordinator>(ctx.env, ctx.config.group, store_,
                                                      ctx.config.bugs)) {}

void CoordinatorService::on_role(const TopicPartition& tp, ReplicaRole role, LeaderEpoch epoch) {
  if (tp.topic != kOffsetsTopic) return;
  const auto led = leading_.find(tp.partition);
  const bool leads_now = role == ReplicaRole::kLeader;
  if (led != leading_.end() && (!leads_now || led->second != epoch)) {
    coordinator_->on_resigned(tp.partition, led->second);
    leading_.erase(led);
  }
  if (leads_now && !leading_.contains(tp.partition)) {
    leading_.emplace(tp.partition, epoch);
    coordinator_->on_elected(tp.partition, epoch);
  }
}

FindCoordinatorResponse CoordinatorService::find_coordinator(const FindCoordinatorRequest& request) {
  FindCoordinatorResponse response;
  response.error = ErrorCode::kCoordinatorNotAvailable;
  if (request.key_type != 0 || request.key.empty()) {
    response.error = ErrorCode::kInvalidRequest;
    return response;
  }
  std::int32_t partitions = 0;
  for (const auto& [tp, state] : ctx_.image.partitions()) {
    if (tp.topic == kOffsetsTopic) ++partitions;
  }
  if (partitions == 0) {
    create_offsets_topic();
    return response;
  }
  const TopicPartition tp{std::string(kOffsetsTopic), partition_for_group(request.key, partitions)};
  const auto state = ctx_.image.partitions().find(tp);
  if (state == ctx_.image.partitions().end() || state->second.leader == kNoLeader) return response;
  const auto broker = ctx_.image.brokers().find(state->second.leader);
  if (broker == ctx_.image.brokers().end()) return response;
  response.error = ErrorCode::kNone;
  response.node_id = broker->second.id;
  response.node = broker->second.node;
  return response;
}

// Kafka creates __consumer_offsets on the first FindCoordinator with
// offsets.topic.num.partitions and offsets.topic.replication.factor; until it exists and
// has leaders, clients are told COORDINATOR_NOT_AVAILABLE and retry.
void CoordinatorService::create_offsets_topic() {
  if (*creating_) return;
  *creating_ = true;
  auto request = std::make_shared<controller::CreateTopicsRequest>();
  controller::CreatableTopic topic;
  topic.name = std::string(kOffsetsTopic);
  topic.num_partitions = ctx_.config.group.offsets_topic_num_partitions;
  topic.replication_factor = ctx_.config.group.offsets_topic_replication_factor;
  request->topics.push_back(std::move(topic));
  ctx_.env.spawn("create-offsets-topic", [this, request, creating = creating_] {
    const auto answer = ctx_.controller.call(
        request, std::chrono::milliseconds(ctx_.config.request_timeout_ms));
    *creating = false;
    if (!answer) return;
    const auto* created = dynamic_cast<const controller::CreateTopicsResponse*>(answer->get());
    const std::string_view outcome = created == nullptr || created->topics.empty()
                                         ? std::string_view("no answer")
                                         : error_name(created->topics[0].error);
    SAMSA_LOG_DEBUG("broker {} asked for {}: {}", ctx_.config.broker_id, kOffsetsTopic, outcome);
    (void)outcome;  // unused when debug logging is compiled out
  });
}

sim::MessagePtr CoordinatorService::handle(const sim::Message& request) {
  if (const auto* find = dynamic_cast<const FindCoordinatorRequest*>(&request)) {
    return std::make_shared<FindCoordinatorResponse>(find_coordinator(*find));
  }
  if (const auto* join = dynamic_cast<const JoinGroupRequest*>(&request)) {
    return std::make_shared<JoinGroupResponse>(coordinator_->join_group(*join));
  }
  if (const auto* sync = dynamic_cast<const SyncGroupRequest*>(&request)) {
    return std::make_shared<SyncGroupResponse>(coordinator_->sync_group(*sync));
  }
  if (const auto* heartbeat = dynamic_cast<const HeartbeatRequest*>(&request)) {
    return std::make_shared<HeartbeatResponse>(coordinator_->heartbeat(*heartbeat));
  }
  if (const auto* leave = dynamic_cast<const LeaveGroupRequest*>(&request)) {
    return std::make_shared<LeaveGroupResponse>(coordinator_->leave_group(*leave));
  }
  if (const auto* commit = dynamic_cast<const OffsetCommitRequest*>(&request)) {
    return std::make_shared<OffsetCommitResponse>(coordinator_->offset_commit(*commit));
  }
  if (const auto* fetch = dynamic_cast<const OffsetFetchRequest*>(&request)) {
    return std::make_shared<OffsetFetchResponse>(coordinator_->offset_fetch(*fetch));
  }
  return nullptr;
}

}  // namespace samsa::cluster
