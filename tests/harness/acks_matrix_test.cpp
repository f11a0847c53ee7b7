// The acknowledgement guarantees matrix: every row of a fault mix runs the same plan but
// for the row's own settings, and every plan is valid; the runs come in one fixed order;
// and what the report claims, measured on fixed seeds — acks=all with
// min.insync.replicas=2 keeps every acknowledged record through leader crashes, acks=1
// loses some, acks=0 loses what it never had confirmed, and fsync per write keeps what a
// cluster-wide power loss takes from acks=all without it.
#include "harness/acks_matrix.h"

#include <gtest/gtest.h>

namespace samsa::harness {
namespace {

// The cell run of row `row_id` under fault mix `fault_id` for `seed`.
AcksRunResult run_cell(const std::string& row_id, const std::string& fault_id, std::uint64_t seed) {
  std::string error;
  const auto matrix = select_acks_matrix(default_acks_matrix(seed, 1), {row_id}, {fault_id}, error);
  EXPECT_TRUE(matrix.has_value()) << error;
  return run_acks_cell(*matrix, {0, 0, seed});
}

// `plan` with the settings a row may change put back to the base plan's.
properties::RunPlan without_row_settings(properties::RunPlan plan) {
  const properties::RunPlan base = acks_base_plan();
  plan.workload.acks = base.workload.acks;
  plan.workload.enable_idempotence = base.workload.enable_idempotence;
  plan.cluster.min_insync_replicas = base.cluster.min_insync_replicas;
  plan.cluster.unclean_leader_election_enable = base.cluster.unclean_leader_election_enable;
  plan.cluster.flush_every_message = base.cluster.flush_every_message;
  return plan;
}

TEST(AcksMatrix, theRowsOfAFaultMixDifferOnlyInTheirOwnSettingsAndEveryPlanIsValid) {
  const AcksMatrix matrix = default_acks_matrix(1, 1);
  ASSERT_EQ(matrix.rows.size(), 6u);
  ASSERT_EQ(matrix.faults.size(), 5u);
  for (const FaultMix& mix : matrix.faults) {
    const properties::RunPlan first = acks_cell_plan(matrix.rows.front(), mix);
    EXPECT_EQ(first.faults.size(), mix.pattern == FaultPattern::kNone ? 0u : 3u) << mix.id;
    for (const AcksRow& row : matrix.rows) {
      const properties::RunPlan plan = acks_cell_plan(row, mix);
      EXPECT_EQ(properties::validate_plan(plan), std::nullopt) << row.id << " " << mix.id;
      EXPECT_EQ(plan.faults, first.faults) << row.id << " " << mix.id;
      EXPECT_EQ(without_row_settings(plan), without_row_settings(first)) << row.id;
      EXPECT_EQ(plan.workload.acks, row.acks);
      EXPECT_EQ(plan.workload.enable_idempotence, row.acks == -1) << row.id;
      EXPECT_EQ(plan.cluster.min_insync_replicas, row.min_insync_replicas);
      EXPECT_EQ(plan.cluster.flush_every_message, row.flush_every_message);
    }
  }
}

TEST(AcksMatrix, faultMixesHitNoBrokerOrEveryBrokerInTurnOrAllAtOnce) {
  const AcksMatrix matrix = default_acks_matrix(1, 1);
  EXPECT_EQ(matrix.faults[0].id, "none");
  const properties::RunPlan crashes = acks_cell_plan(matrix.rows[0], matrix.faults[1]);
  EXPECT_LT(crashes.faults[0].at, crashes.faults[1].at);
  EXPECT_LT(crashes.faults[1].at, crashes.faults[2].at);
  const properties::RunPlan cluster = acks_cell_plan(matrix.rows[0], matrix.faults[4]);
  EXPECT_EQ(matrix.faults[4].id, "cluster-power-loss");
  for (int b = 0; b < 3; ++b) {
    EXPECT_EQ(cluster.faults[b].at, cluster.faults[0].at);
    EXPECT_EQ(cluster.faults[b].target.index, b);
    EXPECT_EQ(cluster.faults[b].kind, properties::FaultKind::kPowerLoss);
  }
}

TEST(AcksMatrix, runsAreListedByRowThenFaultMixThenSeed) {
  const AcksMatrix matrix = default_acks_matrix(5, 2);
  const std::vector<AcksCellRun> runs = acks_cell_runs(matrix);
  ASSERT_EQ(runs.size(), 6u * 5u * 2u);
  EXPECT_EQ(runs[0].seed, 5u);
  EXPECT_EQ(runs[1].seed, 6u);
  EXPECT_EQ(runs[2].fault, 1u);
  EXPECT_EQ(runs[10].row, 1u);
  EXPECT_EQ(runs[10].fault, 0u);
  EXPECT_EQ(runs.back().row, 5u);
  EXPECT_EQ(runs.back().fault, 4u);
}

TEST(AcksMatrix, selectingKeepsTheMatrixOrderAndNamesAnUnknownId) {
  std::string error;
  const auto picked =
      select_acks_matrix(default_acks_matrix(1, 3), {"all-isr2", "acks-0"}, {"crash"}, error);
  ASSERT_TRUE(picked.has_value()) << error;
  ASSERT_EQ(picked->rows.size(), 2u);
  EXPECT_EQ(picked->rows[0].id, "acks-0");
  EXPECT_EQ(picked->rows[1].id, "all-isr2");
  EXPECT_EQ(picked->seeds, (std::vector<std::uint64_t>{1, 2, 3}));
  EXPECT_FALSE(select_acks_matrix(default_acks_matrix(1, 1), {}, {"meteor"}, error).has_value());
  EXPECT_NE(error.find("unknown fault mix \"meteor\""), std::string::npos) << error;
  EXPECT_NE(error.find("cluster-power-loss"), std::string::npos) << error;
}

TEST(AcksMatrix, acksAllWithMinInsync2LosesNoAcknowledgedRecordUnderLeaderCrashes) {
  for (const std::uint64_t seed : {1, 2, 3}) {
    const AcksRunResult run = run_cell("all-isr2", "crash", seed);
    EXPECT_TRUE(run.pass) << seed;
    EXPECT_EQ(run.acknowledged, 200) << seed;
    EXPECT_EQ(run.lost_acknowledged, 0) << seed;
    EXPECT_EQ(run.duplicated_values, 0) << seed;
    EXPECT_EQ(run.reordered_keys, 0) << seed;
    EXPECT_EQ(run.keys_written, 8) << seed;
    EXPECT_EQ(run.ack_latencies_ms.size(), 200u) << seed;
  }
}

TEST(AcksMatrix, acks1LosesAcknowledgedRecordsUnderLeaderCrashesInSeed5) {
  const AcksRunResult run = run_cell("acks-1", "crash", 5);
  EXPECT_TRUE(run.pass);  // acks=1 promises no durability: the loss is measured
  EXPECT_EQ(run.acknowledged, 200);
  EXPECT_EQ(run.lost_acknowledged, 32);
  EXPECT_EQ(run.reordered_keys, 2);
}

TEST(AcksMatrix, acks0LosesRecordsItWasNeverToldAboutUnderPowerLoss) {
  const AcksRunResult run = run_cell("acks-0", "power-loss", 1);
  EXPECT_TRUE(run.pass);
  EXPECT_EQ(run.acknowledged, 200);
  EXPECT_EQ(run.lost_acknowledged, 132);
}

TEST(AcksMatrix, fsyncPerWriteKeepsWhatAClusterPowerLossTakesFromAcksAll) {
  EXPECT_EQ(run_cell("all-isr2", "cluster-power-loss", 1).lost_acknowledged, 72);
  const AcksRunResult fsync = run_cell("all-isr2-fsync", "cluster-power-loss", 1);
  EXPECT_TRUE(fsync.pass);
  EXPECT_EQ(fsync.lost_acknowledged, 0);
  EXPECT_GT(fsync.acknowledged, 0);
}

TEST(AcksMatrix, aCellRunIsAPureFunctionOfRowFaultMixAndSeed) {
  const AcksRunResult a = run_cell("acks-1", "isolate", 2);
  const AcksRunResult b = run_cell("acks-1", "isolate", 2);
  EXPECT_EQ(a.trace_hash, b.trace_hash);
  EXPECT_EQ(a.ack_latencies_ms, b.ack_latencies_ms);
  EXPECT_EQ(a.lost_acknowledged, b.lost_acknowledged);
}

}  // namespace
}  // namespace samsa::harness
