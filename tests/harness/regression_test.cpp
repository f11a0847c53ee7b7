// Whole-cluster regressions: plans the properties once shrank to a failure (in the cluster or
// in the harness itself), kept as fixed runs (plan + seed) that must pass.
#include <gtest/gtest.h>

#include <string>

#include "harness/runner.h"
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
  plan.workload.cooperative = false;
  plan.workload.auto_commit = false;
  plan.safety = 10000ms;
  plan.liveness = 40000ms;
  plan.faults = {
      FaultStep{0ms, FaultKind::kLossyNetwork, NodeRef{NodeRole::kBroker, 0}, 438ms, 60}};
  const RunResult result = run_plan(plan, RunOptions::seeded(340606437));
  EXPECT_TRUE(result.pass) << describe_result(result);
}

}  // namespace
}  // namespace samsa::harness
