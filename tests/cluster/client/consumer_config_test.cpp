// Claims about ConsumerConfig: Kafka's defaults, and validate() rejecting every bad
// combination its header names with the matching error value.
#include "cluster/client/consumer_config.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

namespace samsa::cluster {
namespace {

ConsumerConfig group_config() {
  ConsumerConfig config;
  config.group_id = "payments";
  return config;
}

void expect_error(const ConsumerConfig& config, ConsumerConfigError expected) {
  const auto result = validate(config);
  ASSERT_FALSE(result.ok()) << "accepted, expected: " << consumer_config_error_name(expected);
  EXPECT_EQ(result.error(), expected) << consumer_config_error_name(result.error());
}

TEST(ConsumerConfig, DefaultsAreKafkasAndValidWithAndWithoutAGroup) {
  const ConsumerConfig config;
  EXPECT_EQ(config.auto_offset_reset, OffsetResetStrategy::kLatest);
  EXPECT_EQ(config.auto_commit_interval_ms, 5'000);
  EXPECT_EQ(config.fetch_min_bytes, 1);
  EXPECT_EQ(config.fetch_max_wait_ms, 500);
  EXPECT_EQ(config.max_partition_fetch_bytes, 1 << 20);
  EXPECT_EQ(config.max_poll_records, 500);
  EXPECT_EQ(config.session_timeout_ms, 45'000);
  EXPECT_EQ(config.heartbeat_interval_ms, 3'000);
  EXPECT_EQ(config.max_poll_interval_ms, 300'000);
  EXPECT_EQ(config.request_timeout_ms, 30'000);
  EXPECT_EQ(config.retry_backoff_ms, 100);
  EXPECT_EQ(config.metadata_max_age_ms, 300'000);
  EXPECT_EQ(config.default_api_timeout_ms, 60'000);
  EXPECT_EQ(config.isolation_level, IsolationLevel::kReadUncommitted);
  EXPECT_EQ(config.partition_assignment_strategy,
            (std::vector<std::string>{"range", "cooperative-sticky"}));
  EXPECT_TRUE(validate(config).ok());
  EXPECT_TRUE(validate(group_config()).ok());
}

TEST(ConsumerConfig, AutoCommitDefaultsToOnWithAGroupIdAndOffWithoutOne) {
  EXPECT_FALSE(ConsumerConfig{}.auto_commit_enabled());
  EXPECT_TRUE(group_config().auto_commit_enabled());
  ConsumerConfig off = group_config();
  off.enable_auto_commit = false;
  EXPECT_FALSE(off.auto_commit_enabled());
  EXPECT_TRUE(validate(off).ok());
}

TEST(ConsumerConfig, EnablingAutoCommitExplicitlyWithoutAGroupIdIsAnError) {
  ConsumerConfig config;
  config.enable_auto_commit = true;
  expect_error(config, ConsumerConfigError::kAutoCommitWithoutGroupId);
}

TEST(ConsumerConfig, AGroupInstanceIdWithoutAGroupIdIsAnError) {
  ConsumerConfig config;
  config.group_instance_id = "consumer-1";
  expect_error(config, ConsumerConfigError::kGroupInstanceIdWithoutGroupId);
  ConsumerConfig with_group = group_config();
  with_group.group_instance_id = "consumer-1";
  EXPECT_TRUE(validate(with_group).ok());
}

TEST(ConsumerConfig, AnEmptyGroupIdIsAnError) {
  ConsumerConfig config;
  config.group_id = "";
  expect_error(config, ConsumerConfigError::kEmptyGroupId);
}

TEST(ConsumerConfig, AHeartbeatIntervalAtOrAboveTheSessionTimeoutIsAnError) {
  ConsumerConfig config = group_config();
  config.heartbeat_interval_ms = config.session_timeout_ms;
  expect_error(config, ConsumerConfigError::kHeartbeatNotBelowSessionTimeout);
  config.heartbeat_interval_ms = config.session_timeout_ms - 1;
  EXPECT_TRUE(validate(config).ok());
}

TEST(ConsumerConfig, AFetchWaitThatOutlastsTheRequestTimeoutIsAnError) {
  ConsumerConfig config;
  config.fetch_max_wait_ms = 1000;
  config.request_timeout_ms = 1000;
  expect_error(config, ConsumerConfigError::kFetchMaxWaitNotBelowRequestTimeout);
}

TEST(ConsumerConfig, EveryKnownAssignorIsAcceptedAndAnUnknownNameOrNoneIsAnError) {
  ConsumerConfig config = group_config();
  config.partition_assignment_strategy = {"range", "roundrobin", "sticky", "cooperative-sticky"};
  EXPECT_TRUE(validate(config).ok());
  config.partition_assignment_strategy = {"range", "org.example.Fancy"};
  expect_error(config, ConsumerConfigError::kUnknownAssignor);
  config.partition_assignment_strategy.clear();
  expect_error(config, ConsumerConfigError::kNoAssignor);
}

TEST(ConsumerConfig, ReadCommittedIsRejectedBecauseTransactionsAreNotModelled) {
  ConsumerConfig config;
  config.isolation_level = IsolationLevel::kReadCommitted;
  expect_error(config, ConsumerConfigError::kReadCommittedNotModelled);
}

TEST(ConsumerConfig, EveryNonPositiveSizeCountOrTimeoutIsAnError) {
  const std::vector<std::function<void(ConsumerConfig&)>> zero_one = {
      [](ConsumerConfig& c) { c.auto_commit_interval_ms = 0; },
      [](ConsumerConfig& c) { c.fetch_min_bytes = 0; },
      [](ConsumerConfig& c) { c.fetch_max_wait_ms = 0; },
      [](ConsumerConfig& c) { c.max_partition_fetch_bytes = 0; },
      [](ConsumerConfig& c) { c.max_poll_records = 0; },
      [](ConsumerConfig& c) { c.session_timeout_ms = -1; },
      [](ConsumerConfig& c) { c.heartbeat_interval_ms = 0; },
      [](ConsumerConfig& c) { c.max_poll_interval_ms = 0; },
      [](ConsumerConfig& c) { c.request_timeout_ms = 0; },
      [](ConsumerConfig& c) { c.retry_backoff_ms = 0; },
      [](ConsumerConfig& c) { c.metadata_max_age_ms = 0; },
      [](ConsumerConfig& c) { c.default_api_timeout_ms = -5; },
  };
  for (std::size_t i = 0; i < zero_one.size(); ++i) {
    ConsumerConfig config = group_config();
    zero_one[i](config);
    SCOPED_TRACE(i);
    expect_error(config, ConsumerConfigError::kNonPositiveSetting);
  }
}

TEST(ConsumerConfig, EveryErrorAndResetStrategyHasAName) {
  for (ConsumerConfigError error :
       {ConsumerConfigError::kNonPositiveSetting, ConsumerConfigError::kHeartbeatNotBelowSessionTimeout,
        ConsumerConfigError::kFetchMaxWaitNotBelowRequestTimeout, ConsumerConfigError::kEmptyGroupId,
        ConsumerConfigError::kGroupInstanceIdWithoutGroupId,
        ConsumerConfigError::kAutoCommitWithoutGroupId, ConsumerConfigError::kNoAssignor,
        ConsumerConfigError::kUnknownAssignor, ConsumerConfigError::kReadCommittedNotModelled,
        ConsumerConfigError::kNoBootstrapServers}) {
    EXPECT_NE(consumer_config_error_name(error), "unknown");
  }
  EXPECT_EQ(offset_reset_name(OffsetResetStrategy::kEarliest), "earliest");
  EXPECT_EQ(offset_reset_name(OffsetResetStrategy::kLatest), "latest");
  EXPECT_EQ(offset_reset_name(OffsetResetStrategy::kNone), "none");
}

}  // namespace
}  // namespace samsa::cluster
