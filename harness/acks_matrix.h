// The acknowledgement guarantees matrix (`samsa report --acks-matrix`): producer and topic
// configurations (rows: acks 0, 1 and all, with min.insync.replicas, unclean leader election
// and fsync per write) against scripted fault mixes (columns: leader crashes, isolation,
// power loss), each cell run under the same seeds. This file plans a cell and runs and
// measures one; cli/ runs the cells on worker threads, reports/acks_matrix_report.h
// aggregates them.
//
// Invariants: 1. a cell's plan depends on its row and column only — every row of a column
// runs the same fault script at the same instants, and the seed varies only what the seed
// draws (network delays, timing); 2. a row changes the base plan only in acks,
// enable.idempotence, min.insync.replicas, unclean.leader.election.enable and
// flush.messages, and every cell's plan passes properties::validate_plan; 3. a run is a
// pure function of (row, column, seed); 4. acks_cell_runs lists the runs in one fixed
// order (row, then column, then seed), the order the report merges them in.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "harness/runner.h"
#include "properties/run_plan.h"

namespace samsa::harness {

// A configuration: the producer's acks and the topic and broker settings beside it.
// Idempotence is on exactly when acks = all (Kafka requires acks = all for it).
struct AcksRow {
  std::string id;    // for --rows: "acks-1", "all-isr2-fsync"
  std::string name;  // for tables: "acks=all min.insync.replicas=2 flush every write"
  int acks = -1;     // 0, 1 or -1 (all)
  int min_insync_replicas = 2;
  bool unclean_leader_election_enable = false;
  bool flush_every_message = false;  // flush.messages = 1
};

// How a fault mix hits the brokers: not at all (the fair-weather baseline), in turn
// (broker-1, broker-2, broker-3 at fixed instants of the safety phase), or all at once.
enum class FaultPattern : std::uint8_t { kNone, kInTurn, kAllAtOnce };

// A fault mix: one fault kind and the pattern it hits the brokers in.
struct FaultMix {
  std::string id;           // for --faults: "crash"
  std::string name;         // for tables: "leader crashes"
  std::string description;  // one sentence, for the report
  properties::FaultKind kind = properties::FaultKind::kCrash;
  FaultPattern pattern = FaultPattern::kInTurn;
};

struct AcksMatrix {
  std::vector<AcksRow> rows;
  std::vector<FaultMix> faults;
  std::vector<std::uint64_t> seeds;  // ascending
};

// The six configurations and five fault mixes (none, then four) of the report, over seeds
// start_seed .. start_seed + seeds - 1.
AcksMatrix default_acks_matrix(std::uint64_t start_seed, std::uint64_t seeds);

// `matrix` restricted to the rows and fault mixes whose ids are listed (an empty list keeps
// them all), in the matrix's order; the error names an unknown id and the known ones.
std::optional<AcksMatrix> select_acks_matrix(const AcksMatrix& matrix,
                                             const std::vector<std::string>& row_ids,
                                             const std::vector<std::string>& fault_ids,
                                             std::string& error);

// The plan every cell varies: the cluster and congested network of the catalogue's
// leader-failover-acks-all (3 brokers, 3 controllers, 3 partitions with replication
// factor 3), one producer sending 200 records over 10 s, no consumer group (the final
// reader reads every log), no faults.
properties::RunPlan acks_base_plan();

// The base plan with the row's settings and the fault mix's script (invariants 1, 2).
properties::RunPlan acks_cell_plan(const AcksRow& row, const FaultMix& faults);

// One run of the matrix: a row, a fault mix (indices into the matrix) and a seed.
struct AcksCellRun {
  std::size_t row = 0;
  std::size_t fault = 0;
  std::uint64_t seed = 0;
};

// Every run of `matrix`, in the order of invariant 4.
std::vector<AcksCellRun> acks_cell_runs(const AcksMatrix& matrix);

// What one run measured, with the history dropped.
struct AcksRunResult {
  AcksCellRun cell;
  std::int64_t acknowledged = 0;               // sends that ended ok
  std::int64_t lost_acknowledged = 0;          // of those, records the log did not keep
  std::int64_t duplicated_values = 0;          // values read at two or more positions
  std::int64_t reordered_keys = 0;             // (producer, key, partition) read out of send order
  std::int64_t keys_written = 0;               // distinct keys sent
  std::vector<std::int64_t> ack_latencies_ms;  // every ok send's, in history order
  bool pass = true;                            // no promised property broke
  std::uint64_t trace_hash = 0;
};

// The measurements of `result` (cell left zero). Lost: RunStats::lost_acknowledged (sends
// acknowledged with an offset that the log no longer holds), plus acks=0 sends, which are
// acknowledged without an offset: those whose value the final reader (or, when it did not
// reach every high watermark, any reader) never returned.
AcksRunResult measure_acks_run(const RunResult& result);

// Plans, runs and measures one cell run (invariant 3).
AcksRunResult run_acks_cell(const AcksMatrix& matrix, const AcksCellRun& cell);

}  // namespace samsa::harness
