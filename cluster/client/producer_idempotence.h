// IdempotenceState: the idempotent producer's side of KIP-98 (Kafka's TransactionManager
// without transactions): the producer id and epoch from InitProducerId and, per partition,
// the (id, epoch) its sequences belong to, the next sequence and the batches in flight
// (drained and not settled, retries waiting in the queue included) ordered by sequence.
// The sender assigns a batch its sequence when it first drains it; a retry keeps it, so
// the broker answers a resent batch it already holds as a duplicate, with the original
// offset — but only while it is among the producer's last five batches the broker keeps
// (ProducerStateEntry.NumBatchesToRetain). Kafka stays inside them because a connection
// carries at most max.in.flight.requests.per.connection (<= 5, KAFKA-5494) requests,
// answered in order; samsa's answers come back in any order, so may_drain() holds new
// batches while max.in.flight batches have left since the partition's oldest unsettled
// one. An UNKNOWN_PRODUCER_ID, or an OUT_OF_ORDER_SEQUENCE_NUMBER for the oldest batch in
// flight when no later sequence was acknowledged (a real gap: TransactionManager.canRetry's
// isNextSequence), bumps the epoch (KIP-360, client-side for a producer without
// transactions) and rewrites that partition's batches in flight from sequence 0 in their
// old order (startSequencesAtBeginning); other partitions keep their epoch until their
// own batches in flight settle. may_drain() is also RecordAccumulator.
// shouldStopDrainBatchesForPartition: a retry leaves only as its partition's first
// sequence in flight, so it never overtakes an older batch still on the wire.
//
// Invariants: 1. within one (id, epoch) a partition's sequences are handed out
// consecutively, each record one number, and never twice; 2. a batch's (id, epoch, base
// sequence) changes only when an epoch bump rewrites its partition's batches in flight,
// which keeps their order; 3. in_flight(tp) holds exactly tp's drained, unsettled batches,
// all of tp's (id, epoch), keyed by base sequence; 4. a partition takes a new (id, epoch)
// only when it has no batch in flight; 5. at most max.in.flight batches of a partition
// have left since its oldest unsettled batch, so a retry of any batch in flight is within
// the five batches the broker remembers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>

#include "cluster/client/producer_outcome.h"
#include "cluster/client/record_accumulator.h"
#include "cluster/log/record_batch.h"

namespace samsa::cluster {

class IdempotenceState {
 public:
  // The most a broker lets an idempotent producer have in flight: it remembers that many
  // batches per producer (Kafka's ProducerStateEntry.NumBatchesToRetain).
  static constexpr std::size_t kBatchesInFlightMax = 5;

  // `batches_in_flight_max`: max.in.flight.requests.per.connection, at most 5.
  explicit IdempotenceState(std::size_t batches_in_flight_max = kBatchesInFlightMax);

  bool has_producer_id() const { return producer_id_ != kNoProducerId; }
  ProducerId producer_id() const { return producer_id_; }
  ProducerEpoch epoch() const { return epoch_; }
  void set_producer_id(ProducerId id, ProducerEpoch epoch);

  // Whether `head`, the first queued batch of its partition, may be drained now: a retry
  // only when it is the partition's first batch in flight; a new batch only with a
  // producer id, not while the partition still has batches in flight under an older
  // (id, epoch) (a new epoch's sequence 0 must not land before them), and not while
  // max.in.flight batches have left since the partition's oldest unsettled batch (one more
  // would push that batch's retry out of the broker's duplicate window).
  bool may_drain(const ProducerBatch& head) const;
  // Gives `batch` its (id, epoch, sequence) unless it already has a sequence, and tracks
  // it as in flight until settled.
  void assign(const BatchPtr& batch);
  // The attempt sent as `sent` was acknowledged: the batch settles, and when `sent` is of
  // the partition's current (id, epoch) its sequences count as acknowledged (Kafka's
  // lastAckedSequence; an answer to an attempt made before a bump says nothing of the new
  // epoch).
  void acknowledged(const ProducerBatch& batch, const BatchProducer& sent);
  // The batch settled (acknowledged or given up): its sequence is no longer awaited.
  void settled(const ProducerBatch& batch);
  // What an answer to the attempt sent as `sent` means for an idempotent batch. An
  // answer to an attempt made before a bump rewrote the batch is about sequences it no
  // longer has: retried as it is now. OUT_OF_ORDER_SEQUENCE_NUMBER is retriable while an
  // older batch of the partition is in flight (it fills the gap when it lands), retriable
  // and maybe appended when a later sequence was acknowledged (the broker appended this
  // batch before it), and otherwise fatal after an epoch bump; UNKNOWN_PRODUCER_ID bumps
  // the epoch and retries.
  AttemptFate on_error(const ProducerBatch& batch, const BatchProducer& sent, ErrorCode error,
                       AttemptFate fate);
  // KIP-360: epoch + 1, and `tp`'s batches in flight restart at sequence 0 under it in
  // their old order. When the epoch would pass its maximum the producer id is dropped
  // instead (a new InitProducerId follows) and every batch in flight loses its sequence.
  void bump_epoch(const TopicPartition& tp);

  Sequence next_sequence(const TopicPartition& tp) const;
  // The base sequences of tp's batches in flight.
  std::set<std::int32_t> unsettled(const TopicPartition& tp) const;
  std::uint64_t epoch_bumps() const { return epoch_bumps_; }

 private:
  struct PartitionSequences {
    ProducerId producer_id = kNoProducerId;  // what the sequences below belong to
    ProducerEpoch epoch = kNoProducerEpoch;
    std::int32_t next_sequence = 0;
    std::map<std::int32_t, BatchPtr> in_flight;  // by base sequence
    // The base sequences of the batches drained under (producer_id, epoch), in drain
    // order, from the oldest one still in flight on; empty when none is in flight.
    std::deque<std::int32_t> window;
    // The highest sequence of (producer_id, epoch) acknowledged, if any.
    std::optional<std::int32_t> last_acknowledged;
  };
  bool is_current(const PartitionSequences& partition) const {
    return partition.producer_id == producer_id_ && partition.epoch == epoch_;
  }
  // Whether a sequence at or after `batch`'s base of its (id, epoch) was acknowledged.
  bool acknowledged_from(const ProducerBatch& batch) const;
  // tp's first batch in flight, or null.
  const ProducerBatch* first_in_flight(const TopicPartition& tp) const;
  // Kafka's startSequencesAtBeginning: tp's batches in flight take the current (id,
  // epoch) and sequences from 0, in their old order.
  void start_sequences_at_beginning(PartitionSequences& partition);
  // Drops the window's settled front, so that it starts at the oldest batch in flight.
  static void trim_window(PartitionSequences& partition);

  std::size_t batches_in_flight_max_;
  ProducerId producer_id_ = kNoProducerId;
  ProducerEpoch epoch_ = kNoProducerEpoch;
  std::map<TopicPartition, PartitionSequences> partitions_;
  std::uint64_t epoch_bumps_ = 0;
};

}  // namespace samsa::cluster
