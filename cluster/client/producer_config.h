// ProducerConfig: the producer's settings under Kafka's names (ProducerConfig.java), and
// validate(), which the producer runs before it starts: a bad combination is returned as
// a value, never asserted. Called by KafkaProducer's constructor and by tests.
//
// Invariants of a valid config: 1. acks is 0, 1 or -1 ("all"); 2. every size, count and
// duration is positive (linger.ms and retries may be 0); 3. enable.idempotence implies
// acks=all and max.in.flight.requests.per.connection <= 5 (KIP-679 / KIP-98); 4.
// delivery.timeout.ms >= linger.ms + request.timeout.ms, as Kafka demands.
#pragma once

#include <cstdint>
#include <string_view>

#include "sim/result.h"

namespace samsa::cluster {

struct ProducerConfig {
  std::int16_t acks = -1;  // 0, 1 or -1 (all)
  std::int32_t batch_size = 16'384;
  std::int64_t linger_ms = 5;
  std::int32_t retries = 2'147'483'647;  // bounded in practice by delivery.timeout.ms
  std::int64_t retry_backoff_ms = 100;
  std::int64_t delivery_timeout_ms = 120'000;
  std::int64_t request_timeout_ms = 30'000;
  std::int32_t max_in_flight_requests_per_connection = 5;
  bool enable_idempotence = false;
  std::int64_t metadata_max_age_ms = 300'000;
  // buffer.memory, counted in encoded record bytes held by the accumulator.
  std::int64_t buffer_memory = 32LL << 20;
};

enum class ConfigError : std::uint8_t {
  kInvalidAcks,
  kNonPositiveSetting,
  kIdempotenceRequiresAcksAll,
  kIdempotenceRequiresMaxInFlightAtMost5,
  kDeliveryTimeoutBelowLingerPlusRequestTimeout,
};
std::string_view config_error_name(ConfigError error);

sim::Status<ConfigError> validate(const ProducerConfig& config);

}  // namespace samsa::cluster
