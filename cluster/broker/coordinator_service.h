// CoordinatorService: the broker's group coordination front door. It answers
// FindCoordinator from the metadata image (the coordinator of a group is the leader of
// partition_for_group(group) of the offsets topic), asks the controller to create the
// offsets topic the first time a client looks for a coordinator (as Kafka's auto-creation
// of __consumer_offsets does), follows this broker's leaderships of the offsets topic
// (electing or resigning the GroupCoordinator for each partition), and routes every group
// request to the GroupCoordinator. Called from the broker's request fibers and, for
// leadership changes, from the fiber that applies metadata.
//
// Invariants: 1. the coordinator is told on_elected(p, e) exactly when this broker
// becomes leader of offsets partition p in epoch e, and on_resigned(p, e) when it stops
// leading in e (for a newer epoch, a resignation precedes the next election); 2. at most
// one offsets-topic creation request is in flight.
#pragma once

#include <map>
#include <memory>

#include "cluster/broker/offsets_topic_store.h"
#include "cluster/broker/replica_manager.h"
#include "cluster/group/group_coordinator.h"
#include "cluster/group/group_messages.h"

namespace samsa::cluster {

class CoordinatorService {
 public:
  CoordinatorService(BrokerContext& ctx, ReplicaManager& replicas);

  // A partition's role changed (ReplicaManager's role listener).
  void on_role(const TopicPartition& tp, ReplicaRole role, LeaderEpoch epoch);
  // Answers a group request (FindCoordinator, JoinGroup, SyncGroup, Heartbeat, LeaveGroup,
  // OffsetCommit, OffsetFetch) from a request fiber, or returns null when `request` is not
  // one. May block the fiber (JoinGroup waits for the rebalance).
  sim::MessagePtr handle(const sim::Message& request);

  GroupCoordinator& coordinator() { return *coordinator_; }

 private:
  FindCoordinatorResponse find_coordinator(const FindCoordinatorRequest& request);
  void create_offsets_topic();

  BrokerContext& ctx_;
  OffsetsTopicStore store_;
  std::unique_ptr<GroupCoordinator> coordinator_;
  std::map<PartitionIndex, LeaderEpoch> leading_;  // offsets partitions this broker leads
  // Shared with the creation fiber, which may outlive a crash of this frame.
  std::shared_ptr<bool> creating_ = std::make_shared<bool>(false);
};

}  // namespace samsa::cluster
