#include "cluster/client/producer_idempotence.h"

#include <limits>
#include <utility>

namespace samsa::cluster {

namespace {

// The sequence `count` records after `sequence`; Kafka wraps sequences past INT32_MAX to 0.
std::int32_t advance(std::int32_t sequence, std::size_t count) {
  const std::int64_t after = static_cast<std::int64_t>(sequence) + static_cast<std::int64_t>(count);
  return static_cast<std::int32_t>(after > std::numeric_limits<std::int32_t>::max()
                                       ? after - std::numeric_limits<std::int32_t>::max() - 1
                                       : after);
}

bool same_identity(const ProducerBatch& batch, const BatchProducer& sent) {
  return batch.producer_id == sent.id && batch.producer_epoch == sent.epoch &&
         batch.base_sequence == sent.base_sequence;
}

}  // namespace

IdempotenceState::IdempotenceState(std::size_t batches_in_flight_max)
    : batches_in_flight_max_(batches_in_flight_max) {
  SAMSA_ASSERT(batches_in_flight_max >= 1 && batches_in_flight_max <= kBatchesInFlightMax,
               "an idempotent producer has 1 to 5 batches in flight (KAFKA-5494)");
}

void IdempotenceState::set_producer_id(ProducerId id, ProducerEpoch epoch) {
  SAMSA_ASSERT(id != kNoProducerId && epoch >= ProducerEpoch(0), "InitProducerId gave an id");
  producer_id_ = id;
  epoch_ = epoch;
  partitions_.clear();
}

const ProducerBatch* IdempotenceState::first_in_flight(const TopicPartition& tp) const {
  const auto it = partitions_.find(tp);
  if (it == partitions_.end() || it->second.in_flight.empty()) return nullptr;
  return it->second.in_flight.begin()->second.get();
}

bool IdempotenceState::may_drain(const ProducerBatch& head) const {
  if (head.base_sequence != kNoSequence) {
    // A retry. Kafka: "we wait until the next immediate batch is ready and drain that. We
    // only move on when the next in line batch is complete" — in flight drops to one, and
    // a batch resent to a new leader never lands before an older one still on the wire.
    const ProducerBatch* first = first_in_flight(head.tp);
    return first == nullptr || first == &head;
  }
  if (!has_producer_id()) return false;  // KIP-98: sequences need the id
  const auto it = partitions_.find(head.tp);
  if (it == partitions_.end() || it->second.in_flight.empty()) return true;
  if (!is_current(it->second)) return false;
  // The broker answers a retry as a duplicate only while the batch is among the producer's
  // last five it appended (ProducerStateEntry.NumBatchesToRetain). Kafka keeps every batch
  // in flight inside them because a connection carries at most max.in.flight (<= 5)
  // requests, answered in order (KAFKA-5494); here answers come back in any order, so the
  // count runs from the oldest unsettled batch, whatever was acknowledged after it.
  return it->second.window.size() < batches_in_flight_max_;
}

void IdempotenceState::assign(const BatchPtr& batch) {
  SAMSA_ASSERT(has_producer_id(), "sequences are assigned only with a producer id");
  if (batch->base_sequence != kNoSequence) return;  // a retry keeps its sequence
  PartitionSequences& partition = partitions_[batch->tp];
  if (!is_current(partition)) {
    // The partition moves to the new (id, epoch) only once its older batches settled
    // (Kafka's maybeUpdateProducerIdAndEpoch); may_drain held new batches back till then.
    SAMSA_ASSERT(partition.in_flight.empty(),
                 "a partition takes a new producer epoch only with nothing in flight");
    partition.producer_id = producer_id_;
    partition.epoch = epoch_;
    partition.next_sequence = 0;
    partition.window.clear();
    partition.last_acknowledged.reset();
  }
  SAMSA_ASSERT(partition.window.size() < batches_in_flight_max_,
               "a partition has at most max.in.flight batches since its oldest unsettled one");
  batch->producer_id = producer_id_;
  batch->producer_epoch = epoch_;
  batch->base_sequence = Sequence(partition.next_sequence);
  partition.next_sequence = advance(partition.next_sequence, batch->records.size());
  const bool fresh = partition.in_flight.emplace(batch->base_sequence.value(), batch).second;
  SAMSA_ASSERT(fresh, "a sequence is handed out once per epoch");
  partition.window.push_back(batch->base_sequence.value());
}

void IdempotenceState::trim_window(PartitionSequences& partition) {
  while (!partition.window.empty() && !partition.in_flight.contains(partition.window.front())) {
    partition.window.pop_front();
  }
}

void IdempotenceState::acknowledged(const ProducerBatch& batch, const BatchProducer& sent) {
  const auto it = partitions_.find(batch.tp);
  if (it != partitions_.end() && it->second.producer_id == sent.id &&
      it->second.epoch == sent.epoch && sent.base_sequence != kNoSequence) {
    const std::int32_t last =
        advance(sent.base_sequence.value(), batch.records.size() - 1);  // Kafka's lastSequence
    std::optional<std::int32_t>& acked = it->second.last_acknowledged;
    if (!acked || last > *acked) acked = last;  // Kafka's maybeUpdateLastAckedSequence
  }
  settled(batch);
}

void IdempotenceState::settled(const ProducerBatch& batch) {
  const auto it = partitions_.find(batch.tp);
  if (it == partitions_.end()) return;
  auto& in_flight = it->second.in_flight;
  const auto entry = in_flight.find(batch.base_sequence.value());
  if (entry != in_flight.end() && entry->second.get() == &batch) in_flight.erase(entry);
  trim_window(it->second);
}

bool IdempotenceState::acknowledged_from(const ProducerBatch& batch) const {
  const auto it = partitions_.find(batch.tp);
  return it != partitions_.end() && it->second.last_acknowledged &&
         *it->second.last_acknowledged >= batch.base_sequence.value();
}

AttemptFate IdempotenceState::on_error(const ProducerBatch& batch, const BatchProducer& sent,
                                       ErrorCode error, AttemptFate fate) {
  switch (error) {
    case ErrorCode::kOutOfOrderSequenceNumber:
    case ErrorCode::kUnknownProducerId:
    case ErrorCode::kInvalidProducerEpoch:
      break;
    default:
      return fate;
  }
  // Kafka's sequenceHasBeenReset: a bump rewrote the batch after this attempt left, so the
  // answer is about sequences it no longer has; it goes again as it is now.
  if (!same_identity(batch, sent)) return AttemptFate::kRetriableNotAppended;
  switch (error) {
    case ErrorCode::kOutOfOrderSequenceNumber: {
      if (first_in_flight(batch.tp) != &batch) return AttemptFate::kRetriableNotAppended;
      // Kafka's TransactionManager.canRetry bumps only for the batch after the last
      // acknowledged sequence (isNextSequence). A later sequence acknowledged means the
      // broker appended this batch before it and no longer remembers it: retried as it is
      // (until delivery.timeout.ms), never rewritten under a new epoch, which would write
      // it twice — and maybe in the log.
      if (acknowledged_from(batch)) return AttemptFate::kRetriableMaybeAppended;
      // A real gap: the broker lost what came before (KIP-360). The batch fails; the ones
      // after it restart from sequence 0 under the new epoch, in order (none of them can
      // have landed: the broker takes a producer's sequences in order).
      settled(batch);
      bump_epoch(batch.tp);
      return AttemptFate::kFatalNotAppended;
    }
    case ErrorCode::kUnknownProducerId:
      // The leader holds no state for us (lost with its log, or never replicated to it):
      // restart the partition's batches in flight at sequence 0, oldest first.
      bump_epoch(batch.tp);
      return AttemptFate::kRetriableNotAppended;
    default:
      return fate;
  }
}

void IdempotenceState::start_sequences_at_beginning(PartitionSequences& partition) {
  std::map<std::int32_t, BatchPtr> rewritten;
  std::int32_t sequence = 0;
  for (auto& [old_sequence, batch] : partition.in_flight) {  // in old sequence order
    batch->producer_id = producer_id_;
    batch->producer_epoch = epoch_;
    batch->base_sequence = Sequence(sequence);
    const std::int32_t next = advance(sequence, batch->records.size());
    rewritten.emplace(sequence, std::move(batch));
    sequence = next;
  }
  partition.in_flight = std::move(rewritten);
  partition.window.clear();
  for (const auto& [new_sequence, batch] : partition.in_flight) {
    partition.window.push_back(new_sequence);
  }
  partition.last_acknowledged.reset();
  partition.producer_id = producer_id_;
  partition.epoch = epoch_;
  partition.next_sequence = sequence;
}

void IdempotenceState::bump_epoch(const TopicPartition& tp) {
  ++epoch_bumps_;
  if (epoch_.value() == std::numeric_limits<ProducerEpoch::rep_type>::max()) {
    // Exhausted: InitProducerId again. Every batch in flight is sent afresh under the new
    // id, so none may keep a sequence of the old one.
    for (auto& [partition_tp, partition] : partitions_) {
      for (auto& [sequence, batch] : partition.in_flight) {
        batch->producer_id = kNoProducerId;
        batch->producer_epoch = kNoProducerEpoch;
        batch->base_sequence = kNoSequence;
      }
    }
    partitions_.clear();
    producer_id_ = kNoProducerId;
    epoch_ = kNoProducerEpoch;
    return;
  }
  epoch_ = ProducerEpoch(static_cast<ProducerEpoch::rep_type>(epoch_.value() + 1));
  start_sequences_at_beginning(partitions_[tp]);
}

Sequence IdempotenceState::next_sequence(const TopicPartition& tp) const {
  const auto it = partitions_.find(tp);
  return Sequence(it == partitions_.end() ? 0 : it->second.next_sequence);
}

std::set<std::int32_t> IdempotenceState::unsettled(const TopicPartition& tp) const {
  std::set<std::int32_t> sequences;
  const auto it = partitions_.find(tp);
  if (it == partitions_.end()) return sequences;
  for (const auto& [sequence, batch] : it->second.in_flight) sequences.insert(sequence);
  return sequences;
}

}  // namespace samsa::cluster
