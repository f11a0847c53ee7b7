#include "cluster/broker/offsets_topic_store.h"

#include <string>

#include "cluster/group/group_messages.h"
#include "cluster/log/record_batch.h"

namespace samsa::cluster {
namespace {

// A load reads at most this much per step, and at most kMaxLoadSteps steps: a bound on
// the offsets partition a coordinator will load (64 MiB), far above any simulated run.
constexpr std::int32_t kLoadStepBytes = 1 << 20;
constexpr int kMaxLoadSteps = 64;

TopicPartition offsets_partition(PartitionIndex partition) {
  return TopicPartition{std::string(kOffsetsTopic), partition};
}

// What the coordinator is told: the header's four outcomes.
ErrorCode append_error(ErrorCode produced) {
  switch (produced) {
    case ErrorCode::kNone:
    case ErrorCode::kNotEnoughReplicas:
    case ErrorCode::kRequestTimedOut:
    case ErrorCode::kKafkaStorageError:
      return produced;
    case ErrorCode::kNotEnoughReplicasAfterAppend:
      return ErrorCode::kRequestTimedOut;  // written; it may still commit or be truncated
    default:
      return ErrorCode::kNotCoordinator;  // NOT_LEADER_OR_FOLLOWER, a fenced epoch, ...
  }
}

}  // namespace

Partition* OffsetsTopicStore::leading(PartitionIndex partition, LeaderEpoch leader_epoch) {
  Partition* p = replicas_.find(offsets_partition(partition));
  if (p == nullptr || p->role() != ReplicaRole::kLeader || p->leader_epoch() != leader_epoch) {
    return nullptr;
  }
  return p;
}

ErrorCode OffsetsTopicStore::append(PartitionIndex partition, LeaderEpoch leader_epoch,
                                    std::vector<RecordInput> records,
                                    std::chrono::milliseconds timeout) {
  SAMSA_ASSERT(!records.empty(), "an offsets-topic append carries records");
  Partition* p = leading(partition, leader_epoch);
  if (p == nullptr) return ErrorCode::kNotCoordinator;
  if (p->offline()) return ErrorCode::kKafkaStorageError;
  ProduceRequest request;
  request.tp = offsets_partition(partition);
  request.acks = -1;
  request.timeout_ms = static_cast<std::int32_t>(timeout.count());
  request.batch = encode_batch(records);
  const std::shared_ptr<ProduceResponse> response = replicas_.produce(request);
  SAMSA_ASSERT(response != nullptr, "an acks=all produce is answered");
  // The leadership may have moved while the append waited: the answer says so
  // (NOT_LEADER_OR_FOLLOWER from the delay queue), and is mapped to NOT_COORDINATOR.
  return append_error(response->error);
}

sim::Result<std::vector<Record>, ErrorCode> OffsetsTopicStore::read_all(PartitionIndex partition,
                                                                        LeaderEpoch leader_epoch) {
  Partition* p = leading(partition, leader_epoch);
  if (p == nullptr) return sim::Err(ErrorCode::kNotCoordinator);
  std::vector<Record> records;
  std::optional<Offset> next;  // nullopt: from the log start offset
  for (int step = 0; step < kMaxLoadSteps; ++step) {
    auto read = p->read_as_leader_to_log_end(leader_epoch, next, kLoadStepBytes);
    if (!read.ok()) {
      return sim::Err(read.error() == ErrorCode::kKafkaStorageError ? read.error()
                                                                   : ErrorCode::kNotCoordinator);
    }
    const Partition::LocalRead& chunk = read.value();
    // Corrupt data at the position reads as nothing: load what came before it.
    if (chunk.batches.empty()) return records;
    std::span<const std::uint8_t> bytes(chunk.batches);
    while (!bytes.empty()) {
      auto batch = BatchView::parse(bytes);
      if (!batch.ok()) return records;
      const BatchView& view = batch.value();
      if (!view.is_control()) {
        for (Record& record : view.records()) {
          if (!next || record.offset >= *next) records.push_back(std::move(record));
        }
      }
      next = view.last_offset() + 1;
      bytes = bytes.subspan(view.size_bytes());
    }
    if (*next >= chunk.log_end_offset) return records;
  }
  return records;
}

}  // namespace samsa::cluster
