// IdempotenceState: the idempotent producer's side of KIP-98 (Kafka's TransactionManager
// without transactions): the producer id and epoch from InitProducerId, the next sequence
// number of each partition, and the sequences sent but not settled. The sender assigns a
// batch its sequence when it first drains it (a retry keeps it, so the broker answers a
// resent batch it already holds as a duplicate, with the original offset); an
// OUT_OF_ORDER_SEQUENCE_NUMBER for the oldest unsettled batch of a partition, or an
// UNKNOWN_PRODUCER_ID, makes the producer bump its epoch and restart sequences at 0
// (KIP-360, done client-side for a producer without transactions).
//
// Invariants: 1. within one epoch a partition's sequences are handed out consecutively,
// each record one number, and never twice; 2. a batch's (epoch, base sequence) changes
// only after an epoch bump; 3. unsettled() of a partition holds exactly the base
// sequences of its batches of the current epoch that were drained and are not settled.
#pragma once

#include <map>
#include <set>

#include "cluster/client/producer_outcome.h"
#include "cluster/client/record_accumulator.h"

namespace samsa::cluster {

class IdempotenceState {
 public:
  bool has_producer_id() const { return producer_id_ != kNoProducerId; }
  ProducerId producer_id() const { return producer_id_; }
  ProducerEpoch epoch() const { return epoch_; }
  void set_producer_id(ProducerId id, ProducerEpoch epoch);

  // Gives `batch` its sequence unless it already has one of the current epoch.
  void assign(ProducerBatch& batch);
  // The batch settled (acknowledged or given up): its sequence is no longer awaited.
  void settled(const ProducerBatch& batch);
  // What an answer means for an idempotent batch: OUT_OF_ORDER_SEQUENCE_NUMBER is
  // retriable while an older batch of the partition is unsettled (it fills the gap when
  // it lands) and otherwise fatal after an epoch bump; UNKNOWN_PRODUCER_ID bumps the
  // epoch and retries; INVALID_PRODUCER_EPOCH for a batch of an older epoch of ours
  // retries it under the new one.
  AttemptFate on_error(const ProducerBatch& batch, ErrorCode error, AttemptFate fate);
  // KIP-360: epoch + 1 and every partition restarts at sequence 0. When the epoch would
  // pass its maximum the producer id is dropped instead (a new InitProducerId follows).
  void bump_epoch();

  Sequence next_sequence(const TopicPartition& tp) const;
  const std::set<std::int32_t>& unsettled(const TopicPartition& tp) const;
  std::uint64_t epoch_bumps() const { return epoch_bumps_; }

 private:
  ProducerId producer_id_ = kNoProducerId;
  ProducerEpoch epoch_ = kNoProducerEpoch;
  std::map<TopicPartition, std::int32_t> next_sequence_;
  std::map<TopicPartition, std::set<std::int32_t>> unsettled_;
  std::uint64_t epoch_bumps_ = 0;
};

}  // namespace samsa::cluster
