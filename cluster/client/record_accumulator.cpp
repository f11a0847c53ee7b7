#include "cluster/client/record_accumulator.h"

#include <algorithm>

namespace samsa::cluster {

std::size_t record_size_estimate(const RecordInput& record) {
  // length, attributes, timestamp delta, offset delta, key length, value length, headers.
  constexpr std::size_t kRecordOverheadBytes = 5 + 1 + 10 + 5 + 5 + 5 + 5;
  return kRecordOverheadBytes + (record.key ? record.key->size() : 0) +
         (record.value ? record.value->size() : 0);
}

sim::Result<BatchPtr, AppendError> RecordAccumulator::append(const TopicPartition& tp,
                                                             PendingRecord record,
                                                             sim::SimTime now) {
  const std::size_t size = record_size_estimate(record.input);
  if (buffered_bytes_ + size > static_cast<std::size_t>(config_.buffer_memory)) {
    return sim::Err(AppendError::kBufferExhausted);
  }
  std::deque<BatchPtr>& queue = queues_[tp];
  const auto batch_size = static_cast<std::size_t>(config_.batch_size);
  // Only a batch never sent may grow: a retried batch keeps the records it was sent with.
  const bool fits =
      !queue.empty() && queue.back()->attempts == 0 && queue.back()->bytes + size <= batch_size;
  if (!fits) {
    auto batch = std::make_shared<ProducerBatch>();
    batch->id = next_batch_id_++;
    batch->tp = tp;
    batch->created = now;
    batch->retry_after = now;
    queue.push_back(std::move(batch));
  }
  BatchPtr batch = queue.back();
  batch->records.push_back(std::move(record));
  batch->bytes += size;
  buffered_bytes_ += size;
  SAMSA_ASSERT(batch->records.size() == 1 || batch->bytes <= batch_size,
               "a batch passes batch.size only with a single record");
  return batch;
}

bool RecordAccumulator::head_ready(const std::deque<BatchPtr>& queue, sim::SimTime now) const {
  return !queue.empty() && head_ready_time(queue) <= now;
}

sim::SimTime RecordAccumulator::head_ready_time(const std::deque<BatchPtr>& queue) const {
  const ProducerBatch& head = *queue.front();
  const bool full = queue.size() > 1 || head.bytes >= static_cast<std::size_t>(config_.batch_size);
  // A retry waits for its backoff only; a fresh batch also lingers unless full or flushed.
  if (head.attempts > 0 || full || head.id <= flush_up_to_) return head.retry_after;
  return std::max(head.retry_after, head.created + std::chrono::milliseconds(config_.linger_ms));
}

std::vector<TopicPartition> RecordAccumulator::ready(sim::SimTime now) const {
  std::vector<TopicPartition> result;
  for (const auto& [tp, queue] : queues_) {
    if (head_ready(queue, now)) result.push_back(tp);
  }
  return result;
}

std::optional<sim::SimTime> RecordAccumulator::next_ready_time(sim::SimTime now) const {
  std::optional<sim::SimTime> earliest;
  for (const auto& [tp, queue] : queues_) {
    if (queue.empty()) continue;
    const sim::SimTime at = std::max(now, head_ready_time(queue));
    if (!earliest || at < *earliest) earliest = at;
  }
  return earliest;
}

const ProducerBatch* RecordAccumulator::head(const TopicPartition& tp) const {
  const auto it = queues_.find(tp);
  return it == queues_.end() || it->second.empty() ? nullptr : it->second.front().get();
}

BatchPtr RecordAccumulator::drain(const TopicPartition& tp) {
  auto it = queues_.find(tp);
  SAMSA_ASSERT(it != queues_.end() && !it->second.empty(), "drain of an empty partition queue");
  BatchPtr batch = std::move(it->second.front());
  it->second.pop_front();
  if (it->second.empty()) queues_.erase(it);
  return batch;
}

void RecordAccumulator::reenqueue(BatchPtr batch) {
  SAMSA_ASSERT(batch->attempts > 0, "only a batch that was sent is reenqueued");
  std::deque<BatchPtr>& queue = queues_[batch->tp];
  auto position = queue.begin();
  if (batch->base_sequence != kNoSequence) {
    while (position != queue.end() && (*position)->base_sequence != kNoSequence &&
           (*position)->base_sequence < batch->base_sequence) {
      ++position;
    }
  }
  queue.insert(position, std::move(batch));
}

std::vector<BatchPtr> RecordAccumulator::expire(sim::SimTime now) {
  std::vector<BatchPtr> expired;
  const auto timeout = std::chrono::milliseconds(config_.delivery_timeout_ms);
  for (auto it = queues_.begin(); it != queues_.end();) {
    std::deque<BatchPtr>& queue = it->second;
    std::deque<BatchPtr> kept;
    for (BatchPtr& batch : queue) {
      if (batch->created + timeout <= now) {
        expired.push_back(std::move(batch));
      } else {
        kept.push_back(std::move(batch));
      }
    }
    queue.swap(kept);
    it = queue.empty() ? queues_.erase(it) : std::next(it);
  }
  return expired;
}

std::vector<BatchPtr> RecordAccumulator::drain_all() {
  std::vector<BatchPtr> all;
  for (auto& [tp, queue] : queues_) {
    for (BatchPtr& batch : queue) all.push_back(std::move(batch));
  }
  queues_.clear();
  return all;
}

void RecordAccumulator::release(const ProducerBatch& batch) {
  SAMSA_ASSERT(buffered_bytes_ >= batch.bytes, "released more bytes than were buffered");
  buffered_bytes_ -= batch.bytes;
}

void RecordAccumulator::flush() {
  flush_up_to_ = next_batch_id_ - 1;
}

std::size_t RecordAccumulator::queued_batches() const {
  std::size_t count = 0;
  for (const auto& [tp, queue] : queues_) count += queue.size();
  return count;
}

}  // namespace samsa::cluster
