// scenario_to_toml (harness/scenario.h): a plan written as a scripted scenario file reads
// back as the same plan, once its node references are canonical (plan_shrink.h), which
// runs the same.
#include <gtest/gtest.h>

#include <limits>

#include "harness/plan_shrink.h"
#include "harness/scenario.h"
#include "properties/plan_sample.h"

namespace samsa::harness {
namespace {

using namespace std::chrono_literals;

properties::RunPlan round_trip(const properties::RunPlan& plan) {
  const std::string text = scenario_to_toml(plan, "round trip", "written by a test");
  auto result = parse_scenario(text, "round-trip.toml");
  EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().to_string()) << "\n" << text;
  if (!result.ok()) return {};
  EXPECT_FALSE(result.value().random.has_value());
  return result.value().base;
}

properties::PlanSpace every_kind_space() {
  properties::PlanSpace space;
  space.kinds = properties::all_fault_kinds();
  space.max_faults = 12;
  space.vary_shape = true;
  space.base.cluster.brokers = 5;
  space.base.workload.consumers = 4;
  return space;
}

TEST(ScenarioWriter, EveryDrawnPlanReadsBackAsItsCanonicalForm) {
  const properties::PlanSpace space = every_kind_space();
  for (std::uint64_t seed = 0; seed < 50; ++seed) {
    const properties::RunPlan plan = properties::plan_for_seed(space, seed);
    EXPECT_EQ(round_trip(plan), canonical_targets(plan)) << "seed " << seed;
  }
}

TEST(ScenarioWriter, ACanonicalPlanReadsBackExactlyAndRunsSoUnderEverySeed) {
  const properties::PlanSpace space = every_kind_space();
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    const properties::RunPlan plan = canonical_targets(properties::plan_for_seed(space, seed));
    const std::string text = scenario_to_toml(plan, "exact", "");
    auto loaded = parse_scenario(text, "exact.toml");
    ASSERT_TRUE(loaded.ok()) << loaded.error().to_string();
    EXPECT_EQ(plan_for(loaded.value(), seed + 1000), plan) << "seed " << seed;
  }
}

TEST(ScenarioWriter, NonDefaultSettingsSurviveTheRoundTrip) {
  properties::RunPlan plan;
  plan.cluster.controllers = 5;
  plan.cluster.brokers = 4;
  plan.cluster.partitions = 7;
  plan.cluster.replication_factor = 2;
  plan.cluster.min_insync_replicas = 1;
  plan.cluster.unclean_leader_election_enable = true;
  plan.cluster.flush_every_message = true;
  plan.cluster.segment_bytes = 2048;
  plan.cluster.segment_ms = 123456789;
  plan.cluster.network.latency.base = 1234us;
  plan.cluster.network.latency.jitter = 0us;
  plan.cluster.network.drop_probability = 0.1;
  plan.cluster.network.duplicate_probability = 1.0 / 3.0;
  plan.cluster.network.delay_probability = 1e-7;
  plan.cluster.network.delay_max = 3ms;
  plan.cluster.network.fifo_links = false;
  plan.cluster.network.inbox_capacity = 17;
  plan.cluster.disk.read_latency = 1us;
  plan.cluster.disk.write_latency = 2us;
  plan.cluster.disk.fsync_latency = 3ms;
  plan.cluster.disk.metadata_latency = 0us;
  plan.cluster.disk.latency_jitter = 0.123456789012345;
  plan.cluster.disk.torn_write_probability = 1.0;
  plan.cluster.disk.capacity_bytes = 1 << 20;
  plan.workload.producers = 0;
  plan.workload.keys = 1000;
  plan.workload.records_per_producer = 0;
  plan.workload.send_interval = 3ms;
  plan.workload.acks = 0;
  plan.workload.enable_idempotence = false;
  plan.workload.max_in_flight = 100;
  plan.workload.retries = 0;
  plan.workload.linger_ms = 60'000;
  plan.workload.delivery_timeout_ms = 62'000;
  plan.workload.consumers = 0;
  plan.workload.assignor = "cooperative-sticky";
  plan.workload.commit = "auto";
  plan.workload.auto_offset_reset = "latest";
  plan.workload.processing_time = 0ms;
  plan.safety = 0s;
  plan.liveness = 1ms;
  plan.bugs = {"elect-outside-isr", "raft-vote-without-log-check"};
  plan.properties = {"per-key-order"};
  EXPECT_EQ(round_trip(plan), plan);
  plan.workload.send_interval = 7001ms;
  plan.workload.acks = 1;
  plan.workload.assignor = "sticky";
  plan.cluster.flush_every_message = false;
  EXPECT_EQ(round_trip(plan), plan);
}

TEST(ScenarioWriter, RetentionAndCompactionSettingsSurviveTheRoundTrip) {
  properties::RunPlan plan;
  plan.cluster.segment_bytes = 4096;
  plan.cluster.cleanup_policy = "compact,delete";
  plan.cluster.retention_ms = -1;
  plan.cluster.retention_bytes = 12288;
  plan.cluster.min_cleanable_dirty_ratio = 1.0 / 3.0;
  plan.cluster.min_compaction_lag_ms = 0;
  plan.cluster.max_compaction_lag_ms = 4000;
  plan.cluster.delete_retention_ms = 0;
  plan.cluster.retention_check_interval_ms = 1;
  plan.cluster.cleaner_backoff_ms = 600'000;
  plan.workload.keys = 5;
  plan.workload.tombstone_per_mille = 1000;
  EXPECT_EQ(round_trip(plan), plan);
  plan.cluster.cleanup_policy = "compact";
  plan.cluster.retention_ms = 0;
  plan.cluster.retention_bytes = -1;
  plan.cluster.min_cleanable_dirty_ratio = 0;
  plan.cluster.min_compaction_lag_ms = 250;
  plan.cluster.max_compaction_lag_ms = 250;
  plan.cluster.delete_retention_ms = std::numeric_limits<std::int64_t>::max();
  plan.workload.tombstone_per_mille = 1;
  EXPECT_EQ(round_trip(plan), plan);
}

TEST(ScenarioWriter, DefaultRetentionSettingsAreLeftOut) {
  const std::string text = scenario_to_toml(properties::RunPlan{}, "defaults", "");
  for (const char* key :
       {"cleanup.policy", "retention.ms", "retention.bytes", "min.cleanable.dirty.ratio",
        "compaction.lag.ms", "delete.retention.ms", "log.retention.check.interval.ms",
        "log.cleaner.backoff.ms", "tombstone_per_mille"}) {
    EXPECT_EQ(text.find(key), std::string::npos) << key << " in\n" << text;
  }
  properties::RunPlan plan;
  plan.cluster.cleaner_backoff_ms = 5;
  plan.workload.tombstone_per_mille = 3;
  const std::string set = scenario_to_toml(plan, "set", "");
  EXPECT_NE(set.find("[cluster]\nbrokers = 3\ncontrollers = 3\nlog.cleaner.backoff.ms = 5\n"),
            std::string::npos)
      << set;
  EXPECT_NE(set.find("tombstone_per_mille = 3\n"), std::string::npos) << set;
}

TEST(ScenarioWriter, TheCommentLeadsTheFileAndTheDescriptionIsOneLine) {
  const std::string text =
      scenario_to_toml(properties::RunPlan{}, "two\nlines \"quoted\"", "samsa shrink\nseed 42");
  EXPECT_EQ(text.rfind("# samsa shrink\n# seed 42\n", 0), 0u) << text;
  auto loaded = parse_scenario(text, "commented.toml");
  ASSERT_TRUE(loaded.ok()) << loaded.error().to_string();
  EXPECT_EQ(loaded.value().description, "two lines \"quoted\"");
  EXPECT_EQ(loaded.value().base, properties::RunPlan{});
}

}  // namespace
}  // namespace samsa::harness
