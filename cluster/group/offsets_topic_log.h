// The group coordinator's only door to storage: the partitions of the offsets topic
// (__consumer_offsets) this broker leads. The broker implements it over its own replica
// of each partition (append as leader, wait for the high watermark as acks=all does);
// tests implement it in memory. Every call names the leader epoch the coordinator was
// elected in, so a call after the broker lost that leadership fails with NOT_COORDINATOR
// and never writes under a newer leader's feet.
#pragma once

#include <chrono>
#include <vector>

#include "cluster/errors.h"
#include "cluster/log/record_batch.h"
#include "cluster/types.h"
#include "sim/result.h"

namespace samsa::cluster {

class OffsetsTopicLog {
 public:
  virtual ~OffsetsTopicLog() = default;
  // Appends `records` as one batch to the partition, as its leader in `leader_epoch`, and
  // waits until the high watermark passes them (acks=all) or `timeout` passes. Errors:
  // NOT_COORDINATOR (not the leader in that epoch any more), NOT_ENOUGH_REPLICAS (ISR below
  // min.insync.replicas, nothing written), REQUEST_TIMED_OUT (written; it may still
  // commit or be truncated), KAFKA_STORAGE_ERROR.
  virtual ErrorCode append(PartitionIndex partition, LeaderEpoch leader_epoch,
                           std::vector<RecordInput> records, std::chrono::milliseconds timeout) = 0;
  // Every record of the partition from its log start offset to its log end offset, in
  // offset order (what a new coordinator loads, as Kafka's GroupMetadataManager does).
  // Errors: NOT_COORDINATOR, KAFKA_STORAGE_ERROR.
  virtual sim::Result<std::vector<Record>, ErrorCode> read_all(PartitionIndex partition,
                                                               LeaderEpoch leader_epoch) = 0;
};

}  // namespace samsa::cluster
