// OffsetsTopicStore: the broker's implementation of the group coordinator's storage door
// (cluster/group/offsets_topic_log.h) over its own replicas of the offsets topic. An
// append goes through the same path as an acks=all Produce (leader append, then the delay
// queue until the high watermark passes it); a load reads the leader's log to its end.
// Invariant: nothing is written or read unless this broker leads the partition in the
// epoch the coordinator was elected in.
#pragma once

#include "cluster/broker/replica_manager.h"
#include "cluster/group/offsets_topic_log.h"

namespace samsa::cluster {

class OffsetsTopicStore final : public OffsetsTopicLog {
 public:
  explicit OffsetsTopicStore(ReplicaManager& replicas) : replicas_(replicas) {}

  ErrorCode append(PartitionIndex partition, LeaderEpoch leader_epoch,
                   std::vector<RecordInput> records, std::chrono::milliseconds timeout) override;
  sim::Result<std::vector<Record>, ErrorCode> read_all(PartitionIndex partition,
                                                       LeaderEpoch leader_epoch) override;

 private:
  Partition* leading(PartitionIndex partition, LeaderEpoch leader_epoch);

  ReplicaManager& replicas_;
};

}  // namespace samsa::cluster
