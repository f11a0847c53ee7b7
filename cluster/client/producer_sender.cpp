// The Sender half of KafkaProducer (Kafka's Sender.java): one fiber that drains ready
// batches, one fiber per produce request in flight, one metadata refresh at a time.
#include <fmt/format.h>

#include <algorithm>

#include "cluster/client/producer.h"
#include "sim/log.h"

namespace samsa::cluster {

namespace {

BatchProducer producer_of(const ProducerBatch& batch) {
  return BatchProducer{batch.producer_id, batch.producer_epoch, batch.base_sequence};
}

std::shared_ptr<ProduceRequest> make_produce_request(const ProducerBatch& batch,
                                                     const ProducerConfig& config) {
  std::vector<RecordInput> records;
  records.reserve(batch.records.size());
  for (const PendingRecord& record : batch.records) records.push_back(record.input);
  auto request = std::make_shared<ProduceRequest>();
  request->tp = batch.tp;
  request->acks = config.acks;
  request->timeout_ms = static_cast<std::int32_t>(config.request_timeout_ms);
  request->batch = encode_batch(records, producer_of(batch));
  return request;
}

}  // namespace

void KafkaProducer::sender_loop() {
  // Runs until close(); each pass does a bounded amount of work, then waits for a wake-up
  // or the next linger/backoff deadline (at most retry.backoff.ms, so timers are polled).
  while (!closed_) {
    wake_.reset();
    if (!metadata_in_flight_ && metadata_.needs_update(now()) && now() >= metadata_retry_after_) {
      metadata_in_flight_ = true;
      env_.spawn("producer-metadata", [self = shared_from_this()] { self->refresh_metadata(); });
    }
    if (config_.enable_idempotence && !idempotence_.has_producer_id() &&
        !init_producer_id_in_flight_ && now() >= init_producer_id_retry_after_) {
      init_producer_id_in_flight_ = true;
      env_.spawn("producer-init-id", [self = shared_from_this()] { self->init_producer_id(); });
    }
    expire_batches();
    send_ready_batches();
    const sim::SimTime current = now();
    sim::SimTime wake_at = current + std::chrono::milliseconds(config_.retry_backoff_ms);
    if (const auto ready_at = accumulator_.next_ready_time(current);
        ready_at && *ready_at > current) {
      wake_at = std::min(wake_at, *ready_at);
    }
    wake_.wait_until(env_.deadline_after(wake_at - current));
  }
}

void KafkaProducer::send_ready_batches() {
  const auto max_in_flight =
      static_cast<std::size_t>(config_.max_in_flight_requests_per_connection);
  // KIP-98: nothing leaves before the producer id does; sequences need it.
  if (config_.enable_idempotence && !idempotence_.has_producer_id()) return;
  for (const TopicPartition& tp : accumulator_.ready(now())) {
    const std::optional<sim::NodeId> node = metadata_.leader_node(tp);
    if (!node) {
      metadata_.request_update();
      continue;
    }
    // One partition may have several batches ready; bounded by max.in.flight.
    for (std::size_t sent = 0; sent < max_in_flight; ++sent) {
      const std::vector<TopicPartition> ready = accumulator_.ready(now());
      if (std::find(ready.begin(), ready.end(), tp) == ready.end()) break;
      if (config_.acks == 0) {
        send_fire_and_forget(accumulator_.drain(tp), *node);
        continue;
      }
      if (in_flight_[*node] >= max_in_flight) break;
      // KIP-98/KIP-360: a retry waits for the partition's older batches in flight.
      if (config_.enable_idempotence && !idempotence_.may_drain(*accumulator_.head(tp))) break;
      BatchPtr batch = accumulator_.drain(tp);
      if (config_.enable_idempotence) idempotence_.assign(batch);
      ++batch->attempts;
      ++in_flight_[*node];
      env_.spawn("producer-send",
                 [self = shared_from_this(), batch, n = *node] { self->send_batch(batch, n); });
    }
  }
}

void KafkaProducer::send_fire_and_forget(const BatchPtr& batch, sim::NodeId node) {
  // acks=0: correlation id 0 asks for no answer; the record counts as sent (Kafka sets
  // offset -1 and completes the future at once).
  ++batch->attempts;
  ++stats_.produce_requests;
  env_.network().send(node, make_produce_request(*batch, config_));
  complete(*batch, SendOutcome::kAcknowledged, SendFailure::kNone, ErrorCode::kNone, Offset(-1));
}

void KafkaProducer::send_batch(const BatchPtr& batch, sim::NodeId node) {
  ++stats_.produce_requests;
  // What this attempt carries: an epoch bump may rewrite the batch before the answer.
  const BatchProducer sent = producer_of(*batch);
  auto result = rpc_.call(node, make_produce_request(*batch, config_),
                          std::chrono::milliseconds(config_.request_timeout_ms));
  SAMSA_ASSERT(in_flight_[node] > 0, "an answered request was counted in flight");
  --in_flight_[node];
  if (!result.ok()) {
    const sim::RpcError error = result.error();
    metadata_.request_update();
    on_attempt(batch, classify_rpc_error(error),
               error == sim::RpcError::kTimeout ? ErrorCode::kRequestTimedOut
                                                : ErrorCode::kBrokerNotAvailable,
               Offset(-1));
  } else if (const auto* response = dynamic_cast<const ProduceResponse*>(result.value().get())) {
    if (needs_metadata_refresh(response->error)) metadata_.request_update();
    AttemptFate fate = classify_response(response->error, config_.acks);
    if (config_.enable_idempotence) {
      fate = idempotence_.on_error(*batch, sent, response->error, fate);
      if (fate == AttemptFate::kAppended) idempotence_.acknowledged(*batch, sent);
    }
    on_attempt(batch, fate, response->error, response->base_offset);
  } else {
    on_attempt(batch, AttemptFate::kFatalMaybeAppended, ErrorCode::kUnknownServerError, Offset(-1));
  }
  wake_.set();
}

void KafkaProducer::on_attempt(const BatchPtr& batch, AttemptFate fate, ErrorCode error,
                               Offset base_offset) {
  if (fate == AttemptFate::kAppended) {
    complete(*batch, SendOutcome::kAcknowledged, SendFailure::kNone, error, base_offset);
    return;
  }
  batch->maybe_appended = batch->maybe_appended || may_be_appended(fate);
  batch->last_error = error;
  const bool expired =
      batch->created + std::chrono::milliseconds(config_.delivery_timeout_ms) <= now();
  if (is_retriable(fate) && !expired && !closed_ && batch->attempts <= config_.retries) {
    SAMSA_LOG_DEBUG("producer retries a batch of {} after {}", to_string(batch->tp),
                    error_name(error));
    batch->retry_after = now() + std::chrono::milliseconds(config_.retry_backoff_ms);
    accumulator_.reenqueue(batch);
    ++stats_.retries;
    return;
  }
  const SendFailure failure = !is_retriable(fate) ? SendFailure::kBrokerError
                              : expired           ? SendFailure::kDeliveryTimeout
                              : closed_           ? SendFailure::kClosed
                                                  : SendFailure::kRetriesExhausted;
  complete(*batch, give_up_outcome(batch->maybe_appended), failure, error, Offset(-1));
}

void KafkaProducer::complete(const ProducerBatch& batch, SendOutcome outcome, SendFailure failure,
                             ErrorCode error, Offset base_offset) {
  accumulator_.release(batch);
  if (config_.enable_idempotence) idempotence_.settled(batch);
  for (std::size_t i = 0; i < batch.records.size(); ++i) {
    const Offset offset = outcome == SendOutcome::kAcknowledged && base_offset >= Offset(0)
                              ? Offset(base_offset.value() + static_cast<std::int64_t>(i))
                              : Offset(-1);
    const bool first = batch.records[i].promise->set(SendResult{
        .outcome = outcome, .tp = batch.tp, .offset = offset, .failure = failure, .error = error});
    SAMSA_ASSERT(first, "a send settles exactly once");
  }
  std::uint64_t& counter = outcome == SendOutcome::kAcknowledged ? stats_.acknowledged
                           : outcome == SendOutcome::kFailed     ? stats_.failed
                                                                 : stats_.indeterminate;
  counter += batch.records.size();
}

void KafkaProducer::expire_batches() {
  for (const BatchPtr& batch : accumulator_.expire(now())) {
    complete(*batch, give_up_outcome(batch->maybe_appended), SendFailure::kDeliveryTimeout,
             batch->last_error, Offset(-1));
  }
}

void KafkaProducer::refresh_metadata() {
  auto request = std::make_shared<MetadataRequest>();
  request->topics.assign(metadata_.topics().begin(), metadata_.topics().end());
  const sim::NodeId node = metadata_.next_metadata_node();
  ++stats_.metadata_requests;
  auto result = rpc_.call(node, request, std::chrono::milliseconds(config_.request_timeout_ms));
  const auto* response =
      result.ok() ? dynamic_cast<const MetadataResponse*>(result.value().get()) : nullptr;
  if (response != nullptr) {
    metadata_.update(*response, now());
  } else {
    metadata_retry_after_ = now() + std::chrono::milliseconds(config_.retry_backoff_ms);
  }
  metadata_in_flight_ = false;
  wake_.set();
}

void KafkaProducer::init_producer_id() {
  // KIP-98: any broker hands out producer ids (from a block the controller gave it).
  const sim::NodeId node = metadata_.next_metadata_node();
  ++stats_.init_producer_id_requests;
  auto result = rpc_.call(node, std::make_shared<InitProducerIdRequest>(),
                          std::chrono::milliseconds(config_.request_timeout_ms));
  const auto* response =
      result.ok() ? dynamic_cast<const InitProducerIdResponse*>(result.value().get()) : nullptr;
  if (response != nullptr && response->error == ErrorCode::kNone) {
    idempotence_.set_producer_id(response->producer_id, response->producer_epoch);
    SAMSA_LOG_DEBUG("producer got id {} epoch {}", response->producer_id, response->producer_epoch);
  } else {
    init_producer_id_retry_after_ = now() + std::chrono::milliseconds(config_.retry_backoff_ms);
  }
  init_producer_id_in_flight_ = false;
  wake_.set();
}

}  // namespace samsa::cluster
