// Claims about ProducerDriver: what it records in the History, on a KRaft cluster.
#include "harness/producer_driver.h"

#include <gtest/gtest.h>

#include <set>

#include "harness/kraft_cluster.h"
#include "sim/log.h"

namespace samsa::harness {
namespace {

using namespace std::chrono_literals;
using properties::OpKind;
using properties::OpStatus;

struct DriverRun {
  std::shared_ptr<properties::History> history = std::make_shared<properties::History>();
  std::uint64_t digest = 0;
  std::uint64_t trace_hash = 0;
};

DriverRun run_driver(std::uint64_t seed, std::int64_t sends) {
  DriverRun run;
  sim::Simulation sim(sim::SimulationConfig{
      .seed = seed, .network = {}, .disk = {}, .buggify = {}, .trace_path = {}});
  if (const char* level = std::getenv("SAMSA_TEST_LOG")) sim::set_log_level(std::string(level));
  KRaftCluster cluster(sim, fast_failover_spec());
  EXPECT_EQ(cluster.setup_topic("events", 3, 3), cluster::ErrorCode::kNone);
  ProducerDriverSpec spec;
  spec.name = "producer-0";
  spec.topic = "events";
  spec.keys = 4;
  spec.sends = sends;
  spec.send_interval = 5ms;
  spec.config.enable_idempotence = true;
  spec.config.request_timeout_ms = 1000;
  spec.config.delivery_timeout_ms = 30'000;
  ProducerDriver driver(sim, cluster.broker_nodes(), spec, run.history);
  driver.start();
  EXPECT_TRUE(run_until(
      sim, [&] { return driver.done(); }, 120s));
  EXPECT_EQ(sim.kernel().failure(), "");
  run.history->close(sim.now());
  run.digest = run.history->digest();
  run.trace_hash = sim.trace_hash();
  return run;
}

TEST(ProducerDriver, EverySendIsRecordedOnceWithAUniqueValueAndLandsAtADistinctOffset) {
  const DriverRun run = run_driver(3, 120);
  const auto& ops = run.history->ops();
  ASSERT_EQ(ops.size(), 120U);
  std::set<std::string> values;
  std::set<std::pair<cluster::TopicPartition, cluster::Offset>> placed;
  std::map<std::string, std::uint64_t> next_per_key;
  for (const properties::Op& op : ops) {
    EXPECT_EQ(op.kind, OpKind::kSend);
    EXPECT_EQ(op.status, OpStatus::kOk) << run.history->describe(op);
    ASSERT_TRUE(op.value.has_value());
    EXPECT_TRUE(values.insert(*op.value).second) << "values are unique";
    const auto parts = properties::parse_value(*op.value);
    ASSERT_TRUE(parts.has_value());
    EXPECT_EQ(parts->key, op.key.value_or("null"));
    EXPECT_EQ(parts->n, next_per_key[parts->key]++) << "a key's sequence rises by one";
    EXPECT_TRUE(placed.insert({op.tp, op.offset}).second) << "one record per offset";
    EXPECT_GE(op.offset, cluster::Offset(0));
    EXPECT_GE(op.completed_at, op.invoked_at);
  }
  EXPECT_GT(next_per_key.size(), 1U) << "keys are drawn from the driver's stream";
}

TEST(ProducerDriver, TheSameSeedRecordsTheSameHistoryAndTrace) {
  const DriverRun a = run_driver(5, 40);
  const DriverRun b = run_driver(5, 40);
  EXPECT_EQ(a.digest, b.digest);
  EXPECT_EQ(a.trace_hash, b.trace_hash);
  const DriverRun c = run_driver(6, 40);
  EXPECT_NE(a.digest, c.digest) << "another seed draws other keys and timings";
}

}  // namespace
}  // namespace samsa::harness
