// The broker's group coordinator settings, Kafka's names with '.' as '_'. Part of
// BrokerConfig (broker.h); the harness shortens the timeouts for fast simulated runs.
#pragma once

#include <cstdint>

namespace samsa::cluster {

struct GroupCoordinatorConfig {
  // offsets.topic.num.partitions / offsets.topic.replication.factor: the offsets topic is
  // created with these the first time a client looks for a coordinator.
  std::int32_t offsets_topic_num_partitions = 50;
  std::int16_t offsets_topic_replication_factor = 3;
  // offsets.commit.timeout.ms: how long an OffsetCommit waits for the offsets topic's
  // high watermark (acks=all) before it is answered REQUEST_TIMED_OUT.
  std::int32_t offsets_commit_timeout_ms = 5'000;
  std::int32_t group_min_session_timeout_ms = 6'000;      // group.min.session.timeout.ms
  std::int32_t group_max_session_timeout_ms = 1'800'000;  // group.max.session.timeout.ms
  // group.initial.rebalance.delay.ms: an Empty group waits this long (and again, up to the
  // rebalance timeout, while members keep arriving) before its first rebalance completes.
  std::int32_t group_initial_rebalance_delay_ms = 3'000;
  std::int32_t group_max_size = 1'000;  // group.max.size
};

}  // namespace samsa::cluster
