// The scenario loader (harness/scenario.h, docs/scenario-format.md): defaults, every key,
// Kafka's dotted names, node names, and errors that name the file, line and key.
#include "harness/scenario.h"

#include <gtest/gtest.h>

#include "tests/scenarios/scenario_testing.h"

namespace samsa::harness {
namespace {

using namespace std::chrono_literals;
using properties::FaultKind;
using properties::FaultStep;
using properties::NodeRef;
using properties::NodeRole;

Scenario load(const std::string& text) {
  return testing::load_text(text, "scenarios/test-scenario.toml");
}

ScenarioError failure(const std::string& text) {
  auto result = parse_scenario(text, "bad.toml");
  EXPECT_FALSE(result.ok()) << "loaded although broken:\n" << text;
  return result.ok() ? ScenarioError{} : result.error();
}

TEST(ScenarioLoader, ADescriptionAloneGivesEveryDocumentedDefault) {
  const Scenario s = load("description = \"defaults\"\n");
  EXPECT_EQ(s.base, properties::RunPlan{});
  EXPECT_FALSE(s.random.has_value());
  EXPECT_EQ(s.name, "test-scenario");
  EXPECT_EQ(s.path, "scenarios/test-scenario.toml");
  EXPECT_EQ(s.description, "defaults");
  EXPECT_EQ(s.text, "description = \"defaults\"\n");
}

TEST(ScenarioLoader, EveryKeyIsReadIntoThePlan) {
  const Scenario s = load(R"(description = "every key"
[cluster]
brokers = 5
controllers = 1
[cluster.network]
latency_us = 100
jitter_us = 200
drop_probability = 0.01
duplicate_probability = 0.02
delay_probability = 0.03
delay_max_ms = 70
fifo_links = false
inbox_capacity = 99
[cluster.disk]
read_latency_us = 11
write_latency_us = 12
fsync_latency_us = 13
metadata_latency_us = 14
latency_jitter = 0.25
torn_write_probability = 1
capacity_bytes = 1000000
[topic]
partitions = 8
replication.factor = 4
min.insync.replicas = 3
unclean.leader.election.enable = true
flush.messages = 1
segment.bytes = 4096
segment.ms = 60000
[producers]
count = 3
keys = 0
records = 1000
rate = 250
acks = 1
enable.idempotence = false
retries = 7
max.in.flight.requests.per.connection = 9
linger.ms = 0
delivery.timeout.ms = 30000
[group]
members = 4
partition.assignment.strategy = "cooperative-sticky"
protocol = "cooperative"
commit = "async"
auto.offset.reset = "latest"
processing_ms = 40
[run]
duration_ms = 15000
liveness_ms = 45000
properties = ["lost-write"]
bugs = ["truncate-to-high-watermark"]
)");
  const properties::ClusterPlan& c = s.base.cluster;
  EXPECT_EQ(c.brokers, 5);
  EXPECT_EQ(c.controllers, 1);
  EXPECT_EQ(c.network.latency.base, 100us);
  EXPECT_EQ(c.network.latency.jitter, 200us);
  EXPECT_EQ(c.network.drop_probability, 0.01);
  EXPECT_EQ(c.network.duplicate_probability, 0.02);
  EXPECT_EQ(c.network.delay_probability, 0.03);
  EXPECT_EQ(c.network.delay_max, 70ms);
  EXPECT_FALSE(c.network.fifo_links);
  EXPECT_EQ(c.network.inbox_capacity, 99u);
  EXPECT_EQ(c.disk.read_latency, 11us);
  EXPECT_EQ(c.disk.write_latency, 12us);
  EXPECT_EQ(c.disk.fsync_latency, 13us);
  EXPECT_EQ(c.disk.metadata_latency, 14us);
  EXPECT_EQ(c.disk.latency_jitter, 0.25);
  EXPECT_EQ(c.disk.torn_write_probability, 1.0);
  EXPECT_EQ(c.disk.capacity_bytes, 1'000'000u);
  EXPECT_EQ(c.partitions, 8);
  EXPECT_EQ(c.replication_factor, 4);
  EXPECT_EQ(c.min_insync_replicas, 3);
  EXPECT_TRUE(c.unclean_leader_election_enable);
  EXPECT_TRUE(c.flush_every_message);
  EXPECT_EQ(c.segment_bytes, 4096);
  EXPECT_EQ(c.segment_ms, 60000);
  const properties::WorkloadPlan& w = s.base.workload;
  EXPECT_EQ(w.producers, 3);
  EXPECT_EQ(w.keys, 0);
  EXPECT_EQ(w.records_per_producer, 1000);
  EXPECT_EQ(w.send_interval, 4ms);
  EXPECT_EQ(w.acks, 1);
  EXPECT_FALSE(w.enable_idempotence);
  EXPECT_EQ(w.retries, 7);
  EXPECT_EQ(w.max_in_flight, 9);
  EXPECT_EQ(w.linger_ms, 0);
  EXPECT_EQ(w.delivery_timeout_ms, 30000);
  EXPECT_EQ(w.consumers, 4);
  EXPECT_EQ(w.assignor, "cooperative-sticky");
  EXPECT_EQ(w.commit, "async");
  EXPECT_EQ(w.auto_offset_reset, "latest");
  EXPECT_EQ(w.processing_time, 40ms);
  EXPECT_EQ(s.base.safety, 15s);
  EXPECT_EQ(s.base.liveness, 45s);
  EXPECT_EQ(s.base.properties, std::vector<std::string>{"lost-write"});
  EXPECT_EQ(s.base.bugs, std::vector<std::string>{"truncate-to-high-watermark"});
}

TEST(ScenarioLoader, RetentionAndCompactionKeysAreReadIntoThePlan) {
  const Scenario s = load(R"(description = "retention and compaction"
[cluster]
brokers = 3
log.retention.check.interval.ms = 250
log.cleaner.backoff.ms = 750
[topic]
segment.bytes = 4096
cleanup.policy = "compact,delete"
retention.ms = 3000
retention.bytes = 16384
min.cleanable.dirty.ratio = 0.1
min.compaction.lag.ms = 100
max.compaction.lag.ms = 5000
delete.retention.ms = 2000
[producers]
keys = 5
tombstone_per_mille = 150
)");
  const properties::ClusterPlan& c = s.base.cluster;
  EXPECT_EQ(c.retention_check_interval_ms, 250);
  EXPECT_EQ(c.cleaner_backoff_ms, 750);
  EXPECT_EQ(c.cleanup_policy, "compact,delete");
  EXPECT_EQ(c.retention_ms, 3000);
  EXPECT_EQ(c.retention_bytes, 16384);
  EXPECT_EQ(c.min_cleanable_dirty_ratio, 0.1);
  EXPECT_EQ(c.min_compaction_lag_ms, 100);
  EXPECT_EQ(c.max_compaction_lag_ms, 5000);
  EXPECT_EQ(c.delete_retention_ms, 2000);
  EXPECT_EQ(s.base.workload.keys, 5);
  EXPECT_EQ(s.base.workload.tombstone_per_mille, 150);
  // Nothing else moved from its default.
  properties::RunPlan expected;
  expected.cluster.retention_check_interval_ms = 250;
  expected.cluster.cleaner_backoff_ms = 750;
  expected.cluster.segment_bytes = 4096;
  expected.cluster.cleanup_policy = "compact,delete";
  expected.cluster.retention_ms = 3000;
  expected.cluster.retention_bytes = 16384;
  expected.cluster.min_cleanable_dirty_ratio = 0.1;
  expected.cluster.min_compaction_lag_ms = 100;
  expected.cluster.max_compaction_lag_ms = 5000;
  expected.cluster.delete_retention_ms = 2000;
  expected.workload.keys = 5;
  expected.workload.tombstone_per_mille = 150;
  EXPECT_EQ(s.base, expected);
}

TEST(ScenarioLoader, CleanupPolicyTakesKafkasListInEitherOrder) {
  const auto policy = [](const std::string& value) {
    return load("description = \"d\"\n[topic]\ncleanup.policy = \"" + value + "\"\n")
        .base.cluster.cleanup_policy;
  };
  EXPECT_EQ(policy("delete"), "delete");
  EXPECT_EQ(policy("compact"), "compact");
  EXPECT_EQ(policy("compact,delete"), "compact,delete");
  EXPECT_EQ(policy("delete,compact"), "compact,delete");
  EXPECT_EQ(policy(" compact , delete "), "compact,delete");
  EXPECT_EQ(policy("compact,compact"), "compact");
}

TEST(ScenarioLoader, MinusOneMeansNoRetentionLimitAndRetentionMayBeShorterThanASegment) {
  const Scenario none =
      load("description = \"d\"\n[topic]\nretention.ms = -1\nretention.bytes = -1\n");
  EXPECT_EQ(none.base.cluster.retention_ms, -1);
  EXPECT_EQ(none.base.cluster.retention_bytes, -1);
  // Kafka allows retention.ms < segment.ms (and 0): retention then waits for the roll.
  const Scenario shorter = load(
      "description = \"d\"\n[topic]\nsegment.ms = 10000\nretention.ms = 500\n"
      "retention.bytes = 0\ndelete.retention.ms = 0\nmin.cleanable.dirty.ratio = 0\n");
  EXPECT_EQ(shorter.base.cluster.retention_ms, 500);
  EXPECT_EQ(shorter.base.cluster.retention_bytes, 0);
  EXPECT_EQ(shorter.base.cluster.min_cleanable_dirty_ratio, 0.0);
  // Keyless producers are fine on a compacted topic that nobody writes to.
  const Scenario idle = load(
      "description = \"d\"\n[topic]\ncleanup.policy = \"compact\"\n[producers]\nkeys = 0\n"
      "count = 0\n");
  EXPECT_EQ(idle.base.cluster.cleanup_policy, "compact");
}

TEST(ScenarioLoader, BrokerSettingsInClusterReadAsDottedQuotedOrNested) {
  const Scenario bare = load(
      "description = \"d\"\n[cluster]\nlog.cleaner.backoff.ms = 42\n[cluster.network]\n"
      "latency_us = 7\n");
  const Scenario quoted = load(
      "description = \"d\"\n[cluster]\n\"log.cleaner.backoff.ms\" = 42\n[cluster.network]\n"
      "latency_us = 7\n");
  const Scenario nested = load(
      "description = \"d\"\n[cluster.log.cleaner]\nbackoff.ms = 42\n[cluster.network]\n"
      "latency_us = 7\n");
  EXPECT_EQ(bare.base.cluster.cleaner_backoff_ms, 42);
  EXPECT_EQ(bare.base.cluster.network.latency.base, 7us);
  EXPECT_EQ(bare.base, quoted.base);
  EXPECT_EQ(bare.base, nested.base);
  const ScenarioError unknown =
      failure("description = \"d\"\n[cluster]\nlog.cleaner.threads = 2\n");
  EXPECT_EQ(unknown.key, "cluster.log.cleaner.threads");
  EXPECT_EQ(unknown.line, 3);
  EXPECT_NE(unknown.message.find("log.cleaner.backoff.ms"), std::string::npos) << unknown.message;
}

TEST(ScenarioLoader, EveryRetentionAndCompactionErrorNamesItsKey) {
  struct Case {
    std::string text;  // after the description line
    std::string key;
    int line;
    std::string message;  // a part of it
  };
  const std::vector<Case> cases{
      {"[topic]\ncleanup.policy = \"compress\"\n", "topic.cleanup.policy", 3,
       "\"compress\" is not a cleanup policy"},
      {"[topic]\ncleanup.policy = \"compact,\"\n", "topic.cleanup.policy", 3, "names no policy"},
      {"[topic]\ncleanup.policy = \"\"\n", "topic.cleanup.policy", 3, "names no policy"},
      {"[topic]\ncleanup.policy = [\"compact\"]\n", "topic.cleanup.policy", 3, "expected a string"},
      {"[topic]\nretention.ms = -2\n", "topic.retention.ms", 3, "-1 means no limit"},
      {"[topic]\nretention.bytes = -100\n", "topic.retention.bytes", 3, "-1 means no limit"},
      {"[topic]\nmin.cleanable.dirty.ratio = 1.01\n", "topic.min.cleanable.dirty.ratio", 3,
       "out of range [0, 1]"},
      {"[topic]\nmin.cleanable.dirty.ratio = -0.5\n", "topic.min.cleanable.dirty.ratio", 3,
       "out of range"},
      {"[topic]\nmin.compaction.lag.ms = -1\n", "topic.min.compaction.lag.ms", 3, "out of range"},
      {"[topic]\nmax.compaction.lag.ms = 0\n", "topic.max.compaction.lag.ms", 3, "out of range"},
      {"[topic]\ndelete.retention.ms = -1\n", "topic.delete.retention.ms", 3, "out of range"},
      {"[topic]\nmax.compaction.lag.ms = 1000\nmin.compaction.lag.ms = 2000\n",
       "topic.min.compaction.lag.ms", 4, "is more than max.compaction.lag.ms = 1000"},
      {"[topic]\nmin.compaction.lag.ms = 2000\nmax.compaction.lag.ms = 1000\n",
       "topic.max.compaction.lag.ms", 4, "is more than max.compaction.lag.ms = 1000"},
      {"[cluster]\nlog.retention.check.interval.ms = 0\n",
       "cluster.log.retention.check.interval.ms", 3, "out of range [1, 600000]"},
      {"[cluster]\nlog.cleaner.backoff.ms = 0\n", "cluster.log.cleaner.backoff.ms", 3,
       "out of range [1, 600000]"},
      {"[producers]\ntombstone_per_mille = 1001\n", "producers.tombstone_per_mille", 3,
       "out of range [0, 1000]"},
      {"[producers]\nkeys = 0\ntombstone_per_mille = 100\n", "producers.tombstone_per_mille", 4,
       "needs keyed records"},
      {"[producers]\ntombstone_per_mille = 100\nkeys = 0\n", "producers.keys", 4,
       "needs keyed records"},
      {"[topic]\ncleanup.policy = \"compact\"\n[producers]\nkeys = 0\n", "producers.keys", 5,
       "rejects records without a key"},
      {"[producers]\nkeys = 0\n[topic]\ncleanup.policy = \"delete,compact\"\n",
       "topic.cleanup.policy", 5, "rejects records without a key"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    const ScenarioError e = failure("description = \"d\"\n" + c.text);
    EXPECT_EQ(e.key, c.key) << e.to_string();
    EXPECT_EQ(e.line, c.line) << e.to_string();
    EXPECT_NE(e.message.find(c.message), std::string::npos) << e.to_string();
  }
}

TEST(ScenarioLoader, ABareDottedKafkaKeyMeansTheSameAsAQuotedOne) {
  const Scenario bare = load(
      "description = \"d\"\n[topic]\nmin.insync.replicas = 1\n"
      "[producers]\nenable.idempotence = false\nacks = 1\n");
  const Scenario quoted = load(
      "description = \"d\"\n[topic]\n\"min.insync.replicas\" = 1\n"
      "[producers]\n\"enable.idempotence\" = false\nacks = 1\n");
  const Scenario nested = load(
      "description = \"d\"\n[topic.min]\ninsync.replicas = 1\n"
      "[producers]\nenable = { idempotence = false }\nacks = 1\n");
  EXPECT_EQ(bare.base.cluster.min_insync_replicas, 1);
  EXPECT_FALSE(bare.base.workload.enable_idempotence);
  EXPECT_EQ(bare.base, quoted.base);
  EXPECT_EQ(bare.base, nested.base);
}

TEST(ScenarioLoader, AnErrorNamesTheFileLineColumnAndKey) {
  const ScenarioError e =
      failure("description = \"d\"\n[topic]\nreplication.factor = 3\n\nmin.insync.replicas = 4\n");
  EXPECT_EQ(e.file, "bad.toml");
  EXPECT_EQ(e.line, 5);
  EXPECT_EQ(e.column, 1);
  EXPECT_EQ(e.key, "topic.min.insync.replicas");
  EXPECT_EQ(e.to_string(),
            "bad.toml:5:1: topic.min.insync.replicas: min.insync.replicas = 4 is more than "
            "replication.factor = 3");
}

TEST(ScenarioLoader, ADottedKeyInANestedHeaderIsReportedAtTheLineOfItsLeaf) {
  const ScenarioError e = failure("description = \"d\"\n[topic.min]\n\ninsync.replicas = 0\n");
  EXPECT_EQ(e.line, 4);
  EXPECT_EQ(e.key, "topic.min.insync.replicas");
}

TEST(ScenarioLoader, AConflictBlamesTheExplicitKeyOrTheLaterOfTwo) {
  EXPECT_EQ(failure("description = \"d\"\n[producers]\nacks = 1\n").key, "producers.acks");
  const ScenarioError later =
      failure("description = \"d\"\n[producers]\nacks = 0\nenable.idempotence = true\n");
  EXPECT_EQ(later.key, "producers.enable.idempotence");
  EXPECT_EQ(later.line, 4);
  EXPECT_EQ(failure("description = \"d\"\n[cluster]\nbrokers = 2\n").key, "cluster.brokers");
  EXPECT_EQ(failure("description = \"d\"\n[topic]\nreplication.factor = 1\n").key,
            "topic.replication.factor");
}

TEST(ScenarioLoader, ASyntaxErrorReportsWhereTheParserStopped) {
  const ScenarioError e = failure("description = \"d\"\n[topic]\npartitions = = 3\n");
  EXPECT_EQ(e.line, 3);
  EXPECT_GT(e.column, 0);
  EXPECT_EQ(e.key, "");
  EXPECT_NE(e.message.find("TOML"), std::string::npos);
}

TEST(ScenarioLoader, AMissingFileIsAnErrorAboutTheWholeFile) {
  auto result = load_scenario("/nonexistent/samsa/scenario.toml");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().line, 0);
  EXPECT_EQ(result.error().to_string(), "/nonexistent/samsa/scenario.toml: no such scenario file");
}

TEST(ScenarioLoader, ProducerRateBecomesAWholeMillisecondSendIntervalOfAtLeastOne) {
  EXPECT_EQ(load("description = \"d\"\n[producers]\nrate = 3\n").base.workload.send_interval,
            333ms);
  EXPECT_EQ(load("description = \"d\"\n[producers]\nrate = 0.5\n").base.workload.send_interval,
            2000ms);
  EXPECT_EQ(load("description = \"d\"\n[producers]\nrate = 5000.0\n").base.workload.send_interval,
            1ms);
}

TEST(ScenarioLoader, AcksAllAndMinusOneMeanTheSame) {
  EXPECT_EQ(load("description = \"d\"\n[producers]\nacks = \"all\"\n").base.workload.acks, -1);
  EXPECT_EQ(load("description = \"d\"\n[producers]\nacks = -1\n").base.workload.acks, -1);
  EXPECT_EQ(failure("description = \"d\"\n[producers]\nacks = \"some\"\n").key, "producers.acks");
}

TEST(ScenarioLoader, ScriptStepsNameNodesByRoleAndNumberAndAreSortedByTime) {
  const Scenario s = load(R"(description = "script"
[[faults.script]]
at_ms = 5000
action = "crash"
node = "broker-2"
duration_ms = 1000
[[faults.script]]
at_ms = 1000
action = "clock-skew"
node = "controller-1"
duration_ms = 500
offset_ms = -250
[[faults.script]]
at_ms = 5000
action = "pause"
node = "consumer-0"
duration_ms = 100
[[faults.script]]
at_ms = 2000
action = "lossy-network"
duration_ms = 300
drop_per_mille = 150
)");
  const std::vector<FaultStep> expected{
      {1000ms, FaultKind::kClockSkew, NodeRef{NodeRole::kController, 0}, 500ms, -250},
      {2000ms, FaultKind::kLossyNetwork, NodeRef{NodeRole::kBroker, 0}, 300ms, 150},
      {5000ms, FaultKind::kCrash, NodeRef{NodeRole::kBroker, 1}, 1000ms, 0},
      {5000ms, FaultKind::kPause, NodeRef{NodeRole::kConsumer, 0}, 100ms, 0},
  };
  EXPECT_EQ(s.base.faults, expected);
}

TEST(ScenarioLoader, RandomFaultsAreReadWithTheirWeightsInTheOrderOfKinds) {
  const Scenario s = load(R"(description = "random"
[faults.random]
kinds = ["pause", "crash"]
weights = { crash = 3, pause = 1 }
max_faults = 20
max_duration_ms = 4000
targets = ["broker"]
vary_shape = true
)");
  ASSERT_TRUE(s.random.has_value());
  EXPECT_EQ(s.random->kinds, (std::vector<FaultKind>{FaultKind::kPause, FaultKind::kCrash}));
  EXPECT_EQ(s.random->weights, (std::vector<int>{1, 3}));
  EXPECT_EQ(s.random->max_faults, 20u);
  EXPECT_EQ(s.random->max_duration, 4s);
  EXPECT_EQ(s.random->targets, std::vector<NodeRole>{NodeRole::kBroker});
  EXPECT_TRUE(s.random->vary_shape);
}

TEST(ScenarioLoader, AWeightOfZeroOrAMissingWeightIsAnError) {
  EXPECT_EQ(failure("description = \"d\"\n[faults.random]\nkinds = [\"crash\"]\n"
                    "weights = { crash = 0 }\n")
                .key,
            "faults.random.weights.crash");
  EXPECT_EQ(failure("description = \"d\"\n[faults.random]\nkinds = [\"crash\", \"pause\"]\n"
                    "weights = { crash = 2 }\n")
                .key,
            "faults.random.weights");
}

TEST(ScenarioLoader, AScriptAndMaxFaultsTogetherStayWithinSixtyFourFaults) {
  std::string text = "description = \"d\"\n[faults.random]\nkinds = [\"crash\"]\nmax_faults = 60\n";
  for (int i = 0; i < 5; ++i) {
    text +=
        "[[faults.script]]\nat_ms = 10\naction = \"crash\"\nnode = \"broker-1\"\nduration_ms = "
        "10\n";
  }
  EXPECT_EQ(failure(text).key, "faults.random.max_faults");
}

TEST(ScenarioLoader, AStepOnANodeThatDoesNotExistIsAnError) {
  const ScenarioError e = failure(
      "description = \"d\"\n[cluster]\nbrokers = 3\n[[faults.script]]\nat_ms = 1\n"
      "action = \"crash\"\nnode = \"broker-4\"\nduration_ms = 1\n");
  EXPECT_EQ(e.key, "faults.script[0].node");
  EXPECT_EQ(e.line, 7);
}

TEST(ScenarioLoader, AnUnknownKeyIsReportedWithTheKeysItsTableTakes) {
  const ScenarioError e = failure("description = \"d\"\n[topic]\ncompression.type = \"lz4\"\n");
  EXPECT_EQ(e.key, "topic.compression.type");
  EXPECT_EQ(e.line, 3);
  EXPECT_NE(e.message.find("min.insync.replicas"), std::string::npos) << e.message;
  const ScenarioError table = failure("description = \"d\"\n[producer]\ncount = 1\n");
  EXPECT_EQ(table.key, "producer");
  EXPECT_NE(table.message.find("unknown table"), std::string::npos) << table.message;
  EXPECT_NE(table.message.find("producers"), std::string::npos) << table.message;
}

// Every prefix of a full file, cut anywhere, loads or fails with a message: never a crash.
TEST(ScenarioLoader, EveryPrefixOfAFileLoadsOrFailsWithAMessage) {
  const std::string full = R"(description = "prefixes"
[cluster.network]
drop_probability = 0.125
[topic]
min.insync.replicas = 2
[producers]
acks = "all"
[faults.random]
kinds = ["crash", "partition"]
weights = { crash = 2, partition = 1 }
[[faults.script]]
at_ms = 100
action = "clock-skew"
node = "broker-1"
duration_ms = 100
offset_ms = 30
)";
  for (std::size_t n = 0; n <= full.size(); ++n) {
    auto result = parse_scenario(full.substr(0, n), "prefix.toml");
    if (!result.ok()) {
      EXPECT_FALSE(result.error().message.empty()) << n;
    }
  }
}

}  // namespace
}  // namespace samsa::harness
