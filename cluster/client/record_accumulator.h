// RecordAccumulator: the producer's per-partition queues of batches (Kafka's
// RecordAccumulator). send() appends a record to the last open batch of its partition, or
// opens a new one when it would pass batch.size; the sender drains a partition's head
// batch once it is full, or linger.ms old, or a flush asked for it, and its retry backoff
// has passed. A retried batch goes back to the head of its queue. Pure bookkeeping (no
// fibers, times passed in), so batching and linger are unit-tested directly.
//
// Invariants: 1. buffered_bytes() is the sum of the bytes of every batch appended and not
// yet released, and never passes buffer.memory (append refuses instead); 2. a batch holds
// at least one record and passes batch.size only when its single record does; 3. records
// of one partition leave in append order, except that a reenqueued batch jumps ahead of
// the batches appended after it (a retry may reorder, as in Kafka without idempotence);
// 4. queues hold at most buffer.memory / record overhead batches (bounded by bytes).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "cluster/client/producer_config.h"
#include "cluster/client/producer_outcome.h"
#include "cluster/log/record_batch.h"
#include "sim/sync.h"
#include "sim/time.h"

namespace samsa::cluster {

using SendPromise = std::shared_ptr<sim::Promise<SendResult>>;

struct PendingRecord {
  RecordInput input;
  SendPromise promise;
};

// Bytes a record takes in a batch, an estimate in the spirit of Kafka's
// DefaultRecord.sizeInBytes (varint overheads counted at their maximum).
std::size_t record_size_estimate(const RecordInput& record);

struct ProducerBatch {
  std::uint64_t id = 0;  // unique per producer, in creation order
  TopicPartition tp;
  std::vector<PendingRecord> records;
  std::size_t bytes = 0;
  sim::SimTime created{};       // by the producer's monotonic clock
  sim::SimTime retry_after{};   // not drained before this (retry.backoff.ms)
  std::int32_t attempts = 0;    // requests sent so far
  bool maybe_appended = false;  // some attempt may have reached the log
  ErrorCode last_error = ErrorCode::kNone;
  // Idempotence (KIP-98): set when first drained, kept across retries within an epoch.
  ProducerId producer_id = kNoProducerId;
  ProducerEpoch producer_epoch = kNoProducerEpoch;
  Sequence base_sequence = kNoSequence;
};
using BatchPtr = std::shared_ptr<ProducerBatch>;

enum class AppendError : std::uint8_t { kBufferExhausted };

class RecordAccumulator {
 public:
  explicit RecordAccumulator(const ProducerConfig& config) : config_(config) {}

  // Queues a record for `tp`; returns the batch it joined.
  sim::Result<BatchPtr, AppendError> append(const TopicPartition& tp, PendingRecord record,
                                            sim::SimTime now);
  // Partitions whose head batch may be sent now, in partition order.
  std::vector<TopicPartition> ready(sim::SimTime now) const;
  // The earliest time after `now` at which some head batch becomes ready, if any waits.
  std::optional<sim::SimTime> next_ready_time(sim::SimTime now) const;
  // `tp`'s head batch, the one drain() would return, or null when none is queued.
  const ProducerBatch* head(const TopicPartition& tp) const;
  // Removes and returns `tp`'s head batch (ready() must have named it).
  BatchPtr drain(const TopicPartition& tp);
  // Puts a batch that will be retried back at the head of its partition's queue, or, for
  // an idempotent batch, before the first queued batch with a later or no sequence (so
  // that sequences leave in order).
  void reenqueue(BatchPtr batch);
  // Removes and returns every queued batch created at least delivery.timeout.ms ago.
  std::vector<BatchPtr> expire(sim::SimTime now);
  // Removes and returns every queued batch (close()).
  std::vector<BatchPtr> drain_all();
  // Returns a finished batch's bytes to the buffer.
  void release(const ProducerBatch& batch);
  // Makes every batch queued now ready regardless of linger.ms (KafkaProducer.flush()).
  void flush();

  std::size_t buffered_bytes() const { return buffered_bytes_; }
  std::size_t queued_batches() const;
  bool empty() const { return queued_batches() == 0; }

 private:
  bool head_ready(const std::deque<BatchPtr>& queue, sim::SimTime now) const;
  sim::SimTime head_ready_time(const std::deque<BatchPtr>& queue) const;

  ProducerConfig config_;
  std::map<TopicPartition, std::deque<BatchPtr>> queues_;
  std::size_t buffered_bytes_ = 0;
  std::uint64_t next_batch_id_ = 1;
  std::uint64_t flush_up_to_ = 0;  // batches with id <= this ignore linger.ms
};

}  // namespace samsa::cluster
