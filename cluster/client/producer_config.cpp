#include "cluster/client/producer_config.h"

namespace samsa::cluster {

std::string_view config_error_name(ConfigError error) {
  switch (error) {
    case ConfigError::kInvalidAcks:
      return "acks must be 0, 1 or all (-1)";
    case ConfigError::kNonPositiveSetting:
      return "a size, count or timeout is not positive";
    case ConfigError::kIdempotenceRequiresAcksAll:
      return "enable.idempotence requires acks=all";
    case ConfigError::kIdempotenceRequiresMaxInFlightAtMost5:
      return "enable.idempotence requires max.in.flight.requests.per.connection <= 5";
    case ConfigError::kDeliveryTimeoutBelowLingerPlusRequestTimeout:
      return "delivery.timeout.ms must be >= linger.ms + request.timeout.ms";
  }
  return "unknown";
}

sim::Status<ConfigError> validate(const ProducerConfig& config) {
  if (config.acks != 0 && config.acks != 1 && config.acks != -1) {
    return sim::Err(ConfigError::kInvalidAcks);
  }
  if (config.batch_size <= 0 || config.linger_ms < 0 || config.retries < 0 ||
      config.retry_backoff_ms <= 0 || config.delivery_timeout_ms <= 0 ||
      config.request_timeout_ms <= 0 || config.max_in_flight_requests_per_connection <= 0 ||
      config.metadata_max_age_ms <= 0 || config.buffer_memory < config.batch_size) {
    return sim::Err(ConfigError::kNonPositiveSetting);
  }
  if (config.enable_idempotence && config.acks != -1) {
    return sim::Err(ConfigError::kIdempotenceRequiresAcksAll);
  }
  if (config.enable_idempotence && config.max_in_flight_requests_per_connection > 5) {
    return sim::Err(ConfigError::kIdempotenceRequiresMaxInFlightAtMost5);
  }
  if (config.delivery_timeout_ms < config.linger_ms + config.request_timeout_ms) {
    return sim::Err(ConfigError::kDeliveryTimeoutBelowLingerPlusRequestTimeout);
  }
  return sim::Unit{};
}

}  // namespace samsa::cluster
