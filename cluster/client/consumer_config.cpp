#include "cluster/client/consumer_config.h"

#include <algorithm>

#include "cluster/group/assignor.h"

namespace samsa::cluster {

std::string_view offset_reset_name(OffsetResetStrategy strategy) {
  switch (strategy) {
    case OffsetResetStrategy::kEarliest:
      return "earliest";
    case OffsetResetStrategy::kLatest:
      return "latest";
    case OffsetResetStrategy::kNone:
      return "none";
  }
  return "unknown";
}

std::string_view consumer_config_error_name(ConsumerConfigError error) {
  switch (error) {
    case ConsumerConfigError::kNonPositiveSetting:
      return "a size, count or timeout is not positive";
    case ConsumerConfigError::kHeartbeatNotBelowSessionTimeout:
      return "heartbeat.interval.ms must be lower than session.timeout.ms";
    case ConsumerConfigError::kFetchMaxWaitNotBelowRequestTimeout:
      return "fetch.max.wait.ms must be lower than request.timeout.ms";
    case ConsumerConfigError::kEmptyGroupId:
      return "group.id must not be empty";
    case ConsumerConfigError::kGroupInstanceIdWithoutGroupId:
      return "group.instance.id requires a group.id";
    case ConsumerConfigError::kAutoCommitWithoutGroupId:
      return "enable.auto.commit cannot be true without a group.id";
    case ConsumerConfigError::kNoAssignor:
      return "partition.assignment.strategy names no assignor";
    case ConsumerConfigError::kUnknownAssignor:
      return "partition.assignment.strategy names an unknown assignor";
    case ConsumerConfigError::kReadCommittedNotModelled:
      return "isolation.level=read_committed is not supported (transactions are not modelled)";
    case ConsumerConfigError::kNoBootstrapServers:
      return "bootstrap.servers is empty";
  }
  return "unknown";
}

namespace {

bool all_positive(const ConsumerConfig& c) {
  return c.auto_commit_interval_ms > 0 && c.fetch_min_bytes > 0 && c.fetch_max_wait_ms > 0 &&
         c.max_partition_fetch_bytes > 0 && c.max_poll_records > 0 && c.session_timeout_ms > 0 &&
         c.heartbeat_interval_ms > 0 && c.max_poll_interval_ms > 0 && c.request_timeout_ms > 0 &&
         c.retry_backoff_ms > 0 && c.metadata_max_age_ms > 0 && c.default_api_timeout_ms > 0;
}

bool known_assignor(std::string_view name) {
  const std::vector<std::string_view> known = assignor_names();
  return std::find(known.begin(), known.end(), name) != known.end();
}

}  // namespace

sim::Status<ConsumerConfigError> validate(const ConsumerConfig& config) {
  if (!all_positive(config)) return sim::Err(ConsumerConfigError::kNonPositiveSetting);
  if (config.heartbeat_interval_ms >= config.session_timeout_ms) {
    return sim::Err(ConsumerConfigError::kHeartbeatNotBelowSessionTimeout);
  }
  if (config.fetch_max_wait_ms >= config.request_timeout_ms) {
    return sim::Err(ConsumerConfigError::kFetchMaxWaitNotBelowRequestTimeout);
  }
  if (config.group_id && config.group_id->empty()) {
    return sim::Err(ConsumerConfigError::kEmptyGroupId);
  }
  if (config.group_instance_id && !config.group_id) {
    return sim::Err(ConsumerConfigError::kGroupInstanceIdWithoutGroupId);
  }
  if (config.enable_auto_commit.value_or(false) && !config.group_id) {
    return sim::Err(ConsumerConfigError::kAutoCommitWithoutGroupId);
  }
  if (config.partition_assignment_strategy.empty()) {
    return sim::Err(ConsumerConfigError::kNoAssignor);
  }
  if (!std::all_of(config.partition_assignment_strategy.begin(),
                   config.partition_assignment_strategy.end(), known_assignor)) {
    return sim::Err(ConsumerConfigError::kUnknownAssignor);
  }
  if (config.isolation_level != IsolationLevel::kReadUncommitted) {
    return sim::Err(ConsumerConfigError::kReadCommittedNotModelled);
  }
  return sim::Unit{};
}

}  // namespace samsa::cluster
