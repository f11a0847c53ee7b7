#include "cluster/client/producer.h"

#include <algorithm>

#include "sim/log.h"

namespace samsa::cluster {

sim::Result<std::shared_ptr<KafkaProducer>, ConfigError> KafkaProducer::create(
    sim::NodeEnv& env, sim::RpcEndpoint& rpc, ProducerOptions options) {
  if (auto valid = validate(options.config); !valid.ok()) return sim::Err(valid.error());
  if (options.bootstrap_nodes.empty() || options.max_block_ms < 0) {
    return sim::Err(ConfigError::kNonPositiveSetting);
  }
  auto producer = std::make_shared<KafkaProducer>(env, rpc, std::move(options));
  env.spawn("producer-sender", [producer] { producer->sender_loop(); });
  return producer;
}

KafkaProducer::KafkaProducer(sim::NodeEnv& env, sim::RpcEndpoint& rpc, ProducerOptions options)
    : env_(env),
      rpc_(rpc),
      config_(options.config),
      max_block_ms_(options.max_block_ms),
      partitioner_(options.partitioner),
      accumulator_(options.config),
      metadata_(std::move(options.bootstrap_nodes),
                std::chrono::milliseconds(options.config.metadata_max_age_ms)),
      idempotence_(static_cast<std::size_t>(
          std::clamp(options.config.max_in_flight_requests_per_connection, 1,
                     static_cast<std::int32_t>(IdempotenceState::kBatchesInFlightMax)))) {
  if (!partitioner_) {
    partitioner_ = std::make_shared<DefaultPartitioner>(env.rng(), config_.batch_size);
  }
}

SendPromise KafkaProducer::send(const std::string& topic, std::optional<Bytes> key,
                                std::optional<Bytes> value) {
  metadata_.add_topic(topic);
  // KafkaProducer.waitOnMetadata: block up to max.block.ms for the topic's partitions,
  // polling every retry.backoff.ms (bounded by max.block.ms / retry.backoff.ms steps).
  const sim::SimTime deadline = now() + std::chrono::milliseconds(max_block_ms_);
  while (!closed_ && !metadata_.topic(topic) && now() < deadline) {
    metadata_.request_update();
    wake_.set();
    env_.sleep_for(std::min<sim::Duration>(std::chrono::milliseconds(config_.retry_backoff_ms),
                                           deadline - now()));
  }
  const std::optional<TopicPartitions> info = metadata_.topic(topic);
  if (closed_ || !info) {
    auto promise = std::make_shared<sim::Promise<SendResult>>();
    promise->set(
        SendResult{.outcome = SendOutcome::kFailed,
                   .tp = {topic, PartitionIndex(-1)},
                   .offset = Offset(-1),
                   .failure = closed_ ? SendFailure::kClosed : SendFailure::kMetadataTimeout,
                   .error = ErrorCode::kNone});
    ++stats_.failed;
    return promise;
  }
  const RecordInput input{0, key, value};
  const PartitionIndex partition =
      partitioner_->partition(topic, key, record_size_estimate(input), *info);
  SAMSA_ASSERT(partition >= PartitionIndex(0) && partition.value() < info->count,
               "the partitioner answers a partition of the topic");
  return send_to({topic, partition}, std::move(key), std::move(value));
}

SendPromise KafkaProducer::send_to(const TopicPartition& tp, std::optional<Bytes> key,
                                   std::optional<Bytes> value) {
  auto promise = std::make_shared<sim::Promise<SendResult>>();
  auto fail = [&](SendFailure failure) {
    promise->set(SendResult{.outcome = SendOutcome::kFailed,
                            .tp = tp,
                            .offset = Offset(-1),
                            .failure = failure,
                            .error = ErrorCode::kNone});
    ++stats_.failed;
    return promise;
  };
  if (closed_) return fail(SendFailure::kClosed);
  metadata_.add_topic(tp.topic);
  PendingRecord record{RecordInput{env_.wall_ms(), std::move(key), std::move(value)}, promise};
  auto appended = accumulator_.append(tp, std::move(record), now());
  if (!appended.ok()) return fail(SendFailure::kBufferExhausted);
  wake_.set();
  return promise;
}

void KafkaProducer::flush() {
  accumulator_.flush();
  wake_.set();
}

bool KafkaProducer::settled() const {
  return accumulator_.empty() && in_flight_requests() == 0;
}

void KafkaProducer::close(sim::Duration timeout) {
  flush();
  const sim::SimTime deadline = now() + timeout;
  // Bounded by timeout / 10 ms steps.
  while (!settled() && now() < deadline) {
    env_.sleep_for(std::min<sim::Duration>(std::chrono::milliseconds(10), deadline - now()));
  }
  closed_ = true;
  for (const BatchPtr& batch : accumulator_.drain_all()) {
    complete(*batch, give_up_outcome(batch->maybe_appended), SendFailure::kClosed,
             batch->last_error, Offset(-1));
  }
  wake_.set();
}

std::size_t KafkaProducer::in_flight_requests() const {
  std::size_t total = 0;
  for (const auto& [node, count] : in_flight_) total += count;
  return total;
}

}  // namespace samsa::cluster
