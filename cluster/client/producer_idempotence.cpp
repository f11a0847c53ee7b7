#include "cluster/client/producer_idempotence.h"

#include <limits>

namespace samsa::cluster {

namespace {
const std::set<std::int32_t> kNoSequences;
}  // namespace

void IdempotenceState::set_producer_id(ProducerId id, ProducerEpoch epoch) {
  SAMSA_ASSERT(id != kNoProducerId && epoch >= ProducerEpoch(0), "InitProducerId gave an id");
  producer_id_ = id;
  epoch_ = epoch;
  next_sequence_.clear();
  unsettled_.clear();
}

void IdempotenceState::assign(ProducerBatch& batch) {
  SAMSA_ASSERT(has_producer_id(), "sequences are assigned only with a producer id");
  if (batch.base_sequence != kNoSequence && batch.producer_id == producer_id_ &&
      batch.producer_epoch == epoch_) {
    return;  // a retry keeps its sequence (the broker may hold it already)
  }
  std::int32_t& next = next_sequence_[batch.tp];
  batch.producer_id = producer_id_;
  batch.producer_epoch = epoch_;
  batch.base_sequence = Sequence(next);
  const auto count = static_cast<std::int64_t>(batch.records.size());
  // Kafka wraps sequences past INT32_MAX to 0.
  const std::int64_t after = static_cast<std::int64_t>(next) + count;
  next = static_cast<std::int32_t>(after > std::numeric_limits<std::int32_t>::max()
                                       ? after - std::numeric_limits<std::int32_t>::max() - 1
                                       : after);
  const bool fresh = unsettled_[batch.tp].insert(batch.base_sequence.value()).second;
  SAMSA_ASSERT(fresh, "a sequence is handed out once per epoch");
}

void IdempotenceState::settled(const ProducerBatch& batch) {
  if (batch.producer_id != producer_id_ || batch.producer_epoch != epoch_) return;
  auto it = unsettled_.find(batch.tp);
  if (it != unsettled_.end()) it->second.erase(batch.base_sequence.value());
}

AttemptFate IdempotenceState::on_error(const ProducerBatch& batch, ErrorCode error,
                                       AttemptFate fate) {
  const bool current = batch.producer_id == producer_id_ && batch.producer_epoch == epoch_;
  switch (error) {
    case ErrorCode::kOutOfOrderSequenceNumber: {
      if (!current) return AttemptFate::kRetriableNotAppended;  // resent under the new epoch
      const std::set<std::int32_t>& waiting = unsettled(batch.tp);
      const bool oldest = !waiting.empty() && *waiting.begin() == batch.base_sequence.value();
      if (!oldest) return AttemptFate::kRetriableNotAppended;
      bump_epoch();  // a real gap: the broker lost what came before (KIP-360)
      return AttemptFate::kFatalNotAppended;
    }
    case ErrorCode::kUnknownProducerId:
      if (current) bump_epoch();
      return AttemptFate::kRetriableNotAppended;
    case ErrorCode::kInvalidProducerEpoch:
      return current ? fate : AttemptFate::kRetriableNotAppended;
    default:
      return fate;
  }
}

void IdempotenceState::bump_epoch() {
  ++epoch_bumps_;
  next_sequence_.clear();
  unsettled_.clear();
  if (epoch_.value() == std::numeric_limits<ProducerEpoch::rep_type>::max()) {
    producer_id_ = kNoProducerId;  // exhausted: InitProducerId again
    epoch_ = kNoProducerEpoch;
    return;
  }
  epoch_ = ProducerEpoch(static_cast<ProducerEpoch::rep_type>(epoch_.value() + 1));
}

Sequence IdempotenceState::next_sequence(const TopicPartition& tp) const {
  auto it = next_sequence_.find(tp);
  return Sequence(it == next_sequence_.end() ? 0 : it->second);
}

const std::set<std::int32_t>& IdempotenceState::unsettled(const TopicPartition& tp) const {
  auto it = unsettled_.find(tp);
  return it == unsettled_.end() ? kNoSequences : it->second;
}

}  // namespace samsa::cluster
