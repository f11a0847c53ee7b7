// ConsumerConfig: the consumer's settings under Kafka's names and defaults
// (ConsumerConfig.java), and validate(), which KafkaConsumer::create runs before it
// starts: a bad combination is returned as a value, never asserted. Called by the
// consumer and by tests.
//
// Invariants of a valid config: 1. every size, count and duration is positive; 2.
// heartbeat.interval.ms < session.timeout.ms and fetch.max.wait.ms < request.timeout.ms
// (a long poll must end before the call times out); 3. group.instance.id and
// enable.auto.commit=true need a group.id, which is not empty; 4. every name in
// partition.assignment.strategy is a known assignor (cluster/group/assignor.h), and
// there is at least one; 5. isolation.level is read_uncommitted (transactions are not
// modelled).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/result.h"

namespace samsa::cluster {

// auto.offset.reset: where a partition without a valid position starts.
enum class OffsetResetStrategy : std::uint8_t {
  kEarliest,  // the log start offset (ListOffsets -2)
  kLatest,    // the high watermark (ListOffsets -1)
  kNone,      // no reset: poll() reports the partition's error to the caller
};
std::string_view offset_reset_name(OffsetResetStrategy strategy);  // "earliest", ...

enum class IsolationLevel : std::uint8_t { kReadUncommitted, kReadCommitted };

struct ConsumerConfig {
  std::optional<std::string> group_id;
  std::optional<std::string> group_instance_id;  // KIP-345 static membership
  OffsetResetStrategy auto_offset_reset = OffsetResetStrategy::kLatest;
  // enable.auto.commit. Unset follows Kafka: on with a group.id, off without one; set to
  // true without a group.id it is an error (Kafka's InvalidConfigurationException).
  std::optional<bool> enable_auto_commit;
  std::int64_t auto_commit_interval_ms = 5'000;
  std::int32_t fetch_min_bytes = 1;
  std::int32_t fetch_max_wait_ms = 500;
  std::int32_t max_partition_fetch_bytes = 1 << 20;
  std::int32_t max_poll_records = 500;
  std::int32_t session_timeout_ms = 45'000;
  std::int32_t heartbeat_interval_ms = 3'000;
  std::int32_t max_poll_interval_ms = 300'000;
  std::int64_t request_timeout_ms = 30'000;
  std::int64_t retry_backoff_ms = 100;
  std::int64_t metadata_max_age_ms = 300'000;
  std::int64_t default_api_timeout_ms = 60'000;
  IsolationLevel isolation_level = IsolationLevel::kReadUncommitted;
  // partition.assignment.strategy, by assignor name, in order of preference.
  std::vector<std::string> partition_assignment_strategy = {"range", "cooperative-sticky"};
  std::string client_rack;  // client.rack (KIP-392); empty: none

  // Whether offsets are committed automatically (the rule of enable_auto_commit above).
  bool auto_commit_enabled() const { return enable_auto_commit.value_or(group_id.has_value()); }
};

enum class ConsumerConfigError : std::uint8_t {
  kNonPositiveSetting,
  kHeartbeatNotBelowSessionTimeout,
  kFetchMaxWaitNotBelowRequestTimeout,
  kEmptyGroupId,
  kGroupInstanceIdWithoutGroupId,
  kAutoCommitWithoutGroupId,
  kNoAssignor,
  kUnknownAssignor,
  kReadCommittedNotModelled,
  kNoBootstrapServers,  // the consumer's options, checked by KafkaConsumer::create
};
std::string_view consumer_config_error_name(ConsumerConfigError error);

sim::Status<ConsumerConfigError> validate(const ConsumerConfig& config);

}  // namespace samsa::cluster
