// Whole-cluster regressions: plans the properties once shrank to a failure (in the cluster or
// in the harness itself), kept as fixed runs (plan + seed) that must pass.
#include <gtest/gtest.h>

#include <string>

#include "harness/runner.h"
#include "harness/scenario.h"
#include "tests/harness/plan_testing.h"

namespace samsa::harness {
namespace {

using namespace testing;

// Seed 186039055 found per-key-order broken: broker-1 (the leader of events-0) lost power
// with producer-1's first batch (sequence 0) on the wire; its later batches, retried to
// the new leader, got UNKNOWN_PRODUCER_ID, and the client-side epoch bump (KIP-360) gave
// them sequences from 0 in the order they were drained, ahead of the first batch, which
// landed last when its request timed out. Kafka rewrites the batches in flight in sequence
// order and resends a retry only once it is the partition's oldest batch in flight.
TEST(Regression, AnIdempotentProducerKeepsKeyOrderWhenItsLeaderLosesPowerWithABatchInFlight) {
  RunPlan plan;
  plan.cluster.partitions = 1;
  plan.workload.producers = 2;
  plan.workload.records_per_producer = 10;
  plan.workload.consumers = 2;
  plan.safety = 10s;
  plan.liveness = 40s;
  plan.faults = {FaultStep{72ms, FaultKind::kPowerLoss, NodeRef{NodeRole::kBroker, 0}, 100ms, 0}};
  const RunResult result = run_plan(plan, RunOptions::seeded(186039055));
  EXPECT_TRUE(result.pass) << describe(result);
  EXPECT_EQ(result.stats.acknowledged, 20) << describe(result);
}

// Seed 16 (found by the hunts for epoch-lookup-without-epoch and
// isr-expand-without-epoch-start, both switches off) reported producer-0/k2/33 unseen at
// events-1 offset 241. Broker 1 (leader, epoch 1) acknowledged it and crashed before broker 2
// learned HW 242; fenced, broker 1 left the ISR and broker 2 led alone with HW 241, which
// Kafka does not advance below min.insync.replicas (KAFKA-15583). The controller quorum was
// down until after healing, so the ISR regrew only ~2 s into the liveness phase; the final
// reader had already stopped at the leader's then HW. Every replica kept the record.
TEST(Regression, AnAcknowledgedRecordBehindAnUnderMinIsrHighWatermarkIsReadOnceTheIsrRegrows) {
  RunPlan plan;
  plan.cluster.controllers = 3;
  plan.cluster.brokers = 3;
  plan.cluster.partitions = 2;
  plan.workload.producers = 2;
  plan.workload.records_per_producer = 250;
  plan.workload.consumers = 0;
  plan.safety = 15s;
  plan.liveness = 30s;
  plan.faults = {
      FaultStep{1481ms, FaultKind::kCrash, NodeRef{NodeRole::kBroker, 2}, 7869ms, 0},
      FaultStep{1693ms, FaultKind::kCrash, NodeRef{NodeRole::kBroker, 1}, 528ms, 0},
      FaultStep{5317ms, FaultKind::kCrash, NodeRef{NodeRole::kBroker, 0}, 7768ms, 0},
      FaultStep{7272ms, FaultKind::kPartition, NodeRef{NodeRole::kController, 1}, 6499ms, 0},
      FaultStep{8201ms, FaultKind::kCrash, NodeRef{NodeRole::kController, 1}, 5719ms, 0},
      FaultStep{8882ms, FaultKind::kCrash, NodeRef{NodeRole::kController, 2}, 5945ms, 0},
      FaultStep{12023ms, FaultKind::kPartition, NodeRef{NodeRole::kBroker, 2}, 1385ms, 0},
      FaultStep{12666ms, FaultKind::kCrash, NodeRef{NodeRole::kBroker, 0}, 2334ms, 0},
      FaultStep{13233ms, FaultKind::kPartition, NodeRef{NodeRole::kBroker, 0}, 1767ms, 0}};
  const RunResult result = run_plan(plan, RunOptions::seeded(16));
  EXPECT_TRUE(result.pass) << describe(result);
  EXPECT_EQ(result.stats.acknowledged, 500) << describe(result);
}

// Seed 340606437 found a duplicate: producer-1/k2/2 at offsets 6 and 33 of events-0. The
// lossy network dropped the answers to sequences 1 and 4 (both appended) while 2..18 were
// sent and acknowledged; sequence 1's retry was older than the five batches the broker
// remembers (ProducerStateEntry.NumBatchesToRetain), drew OUT_OF_ORDER_SEQUENCE, and the
// epoch bump that followed resent sequence 4 as epoch 1's sequence 0. Kafka keeps every
// retry inside the broker's window (at most max.in.flight <= 5 batches in flight, KAFKA-5494)
// and bumps on OUT_OF_ORDER_SEQUENCE only when no later sequence was acknowledged
// (TransactionManager.canRetry).
TEST(Regression, AnIdempotentProducerWritesEachRecordOnceOnALossyNetwork) {
  RunPlan plan;
  plan.cluster.controllers = 3;
  plan.cluster.brokers = 3;
  plan.cluster.partitions = 3;
  plan.cluster.replication_factor = 3;
  plan.cluster.min_insync_replicas = 2;
  plan.cluster.unclean_leader_election_enable = false;
  plan.cluster.flush_every_message = false;
  plan.workload.producers = 2;
  plan.workload.records_per_producer = 58;
  plan.workload.keys = 8;
  plan.workload.send_interval = 20ms;
  plan.workload.acks = -1;
  plan.workload.enable_idempotence = true;
  plan.workload.max_in_flight = 5;
  plan.workload.consumers = 2;
  plan.workload.assignor = "range";
  plan.workload.commit = "sync";
  plan.safety = 10000ms;
  plan.liveness = 40000ms;
  plan.faults = {
      FaultStep{0ms, FaultKind::kLossyNetwork, NodeRef{NodeRole::kBroker, 0}, 438ms, 60}};
  const RunResult result = run_plan(plan, RunOptions::seeded(340606437));
  EXPECT_TRUE(result.pass) << describe_result(result);
}

// The exploration scenario that found the next two: acks=all idempotent producers over 8
// partitions, a delayed network, and brokers crashed, isolated, split and powered off;
// `topic` adds settings to its [topic] table.
Scenario broker_fault_scenario(const std::string& topic) {
  const std::string text =
      R"(description = "delayed network, broker crashes, isolations, splits, power loss"
[cluster.network]
delay_probability = 0.2
delay_max_ms = 200
[topic]
partitions = 8
)" + topic +
      R"([producers]
count = 2
records = 250
rate = 50
[group]
members = 0
[run]
duration_ms = 15000
[faults.random]
kinds = ["crash", "isolate", "partition", "power-loss"]
max_faults = 16
targets = ["broker"]
)";
  const auto scenario = parse_scenario(text, "regression.toml");
  EXPECT_TRUE(scenario.ok()) << scenario.error().to_string();
  return scenario.ok() ? scenario.value() : Scenario{};
}

// Seed 201 of broker_fault_scenario (three replicas) reported all 195 records of events-0
// unseen. Its leader, broker 1, lost power while a split kept the controller quorum from
// moving leadership; broker 1 restarted with an empty log and, as it must, acted on nothing until
// it registered again. The liveness phase judged the partition caught up against the metadata's
// leader without asking whether that leader was leading: its last report (an empty log, no role)
// matched a final reader that had read nothing. Broker 2 held every record. The final reader now
// waits until the metadata's leader leads in its epoch.
TEST(Regression, TheFinalReaderWaitsUntilTheMetadatasLeaderLeadsAfterItLostPower) {
  const RunPlan plan = plan_for(broker_fault_scenario(""), 201);
  ASSERT_EQ(plan.faults.size(), 5U) << describe_plan(plan);  // the schedule that found it
  const RunResult result = run_plan(plan, RunOptions::seeded(201));
  EXPECT_TRUE(result.pass) << describe(result);
  EXPECT_EQ(result.stats.acknowledged, 500) << describe(result);
}

// Seed 875 of broker_fault_scenario with two replicas and min.insync.replicas=1 lost 57
// acks=all records. Broker 2 led events-0 in epoch 3 and proposed adding broker 1 to its ISR; the
// controller committed [2,1], but broker 2 had just been isolated and never heard. When
// its AlterPartition went unanswered it fell back to the committed ISR it knew, [2] — a
// maximal ISR of itself — while the controller, having fenced it, elected broker 1 (alone
// in the ISR) for epoch 4. Healed but not yet told, broker 2 acknowledged acks=all writes
// alone, which broker 1's epoch then truncated. KIP-497: an unanswered change may have been
// committed, so the leader keeps the maximal ISR and asks again until metadata settles it.
TEST(Regression, ALeaderKeepsItsMaximalIsrWhileAnIsrExpansionGoesUnanswered) {
  const RunPlan plan =
      plan_for(broker_fault_scenario("replication.factor = 2\nmin.insync.replicas = 1\n"), 875);
  ASSERT_EQ(plan.faults.size(), 12U) << describe_plan(plan);  // the schedule that found it
  const RunResult result = run_plan(plan, RunOptions::seeded(875));
  EXPECT_TRUE(result.pass) << describe(result);
  EXPECT_EQ(result.stats.lost_acknowledged, 0) << describe(result);
}

// Seeds 429 and 590 of the default scenario failed committed-offsets-monotonic: a member
// took over a partition whose committed offset (100) carried leader epoch 2, while its own
// metadata, last answered by a broker cut off from the controllers, still named that
// broker leader in epoch 0. It validated the offset against that stale leader, which knew
// no epoch 2 (UNDEFINED), took it for truncation, reset to the earliest offset and
// committed 52. Kafka's consumer records the committed offset's epoch as the last seen
// (Metadata.updateLastSeenEpochIfNewer) and treats older metadata as no leader at all.
TEST(Regression, AConsumerNeverValidatesACommittedOffsetAgainstMetadataOlderThanItsEpoch) {
  const auto scenario = load_scenario(SAMSA_CATALOGUE_DIR "/default.toml");
  ASSERT_TRUE(scenario.ok()) << scenario.error().to_string();
  for (const std::uint64_t seed : {429, 590}) {
    const RunResult result = run_plan(plan_for(scenario.value(), seed), RunOptions::seeded(seed));
    EXPECT_TRUE(result.pass) << "seed " << seed << "\n" << describe(result);
  }
}

}  // namespace
}  // namespace samsa::harness
