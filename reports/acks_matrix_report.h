// The acknowledgement guarantees report (`samsa report --acks-matrix`): for each
// configuration (row) under each fault mix (column) of a harness::AcksMatrix, over the same
// seeds, the share of acknowledged records lost, duplicated and reordered per key, and the
// acknowledgement latency, as report.json, report.md and a self-contained report.html (inline
// CSS and SVG bar charts, no script, no fetch).
//
// Shape: acks_matrix_report_json() is the one place that aggregates the runs; the Markdown
// and HTML writers only format its JSON. The JSON is a pure function of the matrix, the runs
// and the command (no wall time), so the same matrix gives the same bytes for any --jobs.
//
// report.json fields:
//   kind        "acks-matrix"
//   command     the command that regenerates the report
//   seeds       every seed each cell ran, ascending
//   base_plan   properties::describe_plan of the base plan (before a row and a mix apply)
//   rows        [{id, name, acks ("0" | "1" | "all"), enable_idempotence,
//                 min_insync_replicas, unclean_leader_election_enable, flush_every_message}]
//   fault_mixes [{id, name, description}]
//   cells       one per (row, fault mix), rows outer, in the matrix's order:
//     row, fault_mix          the ids
//     runs                    runs aggregated (one per seed)
//     runs_failed             runs where a property the configuration promises broke
//     runs_with_loss          runs that lost at least one acknowledged record
//     acknowledged            sends that ended ok, summed over the runs
//     lost_acknowledged       of those, records the log did not keep (acks_matrix.h)
//     lost_share              lost_acknowledged / acknowledged (0 when nothing was acknowledged)
//     duplicated_values       values read at two or more positions
//     duplicated_share        duplicated_values / acknowledged
//     keys_written            distinct keys sent, summed over the runs
//     reordered_keys          keys read out of their send order
//     reordered_keys_share    reordered_keys / keys_written
//     ack_latency_ms_p50, ack_latency_ms_p99, ack_latency_ms_max
//                             over every acknowledged send of the cell's runs, in simulated
//                             ms (reports/percentile.h; 0 when none)
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "harness/acks_matrix.h"

namespace samsa::reports {

// `runs` holds every run of `matrix` (harness::acks_cell_runs), in any order: they are
// grouped by their cell indices. `command` regenerates the report.
nlohmann::json acks_matrix_report_json(const harness::AcksMatrix& matrix,
                                       const std::vector<harness::AcksRunResult>& runs,
                                       const std::string& command);

// The headline table (lost share, rows by fault mixes), then one table per fault mix.
std::string acks_matrix_report_markdown(const nlohmann::json& report);

// The same tables, a bar chart of the lost share and one of p99 latency per configuration,
// grouped by fault mix.
std::string acks_matrix_report_html(const nlohmann::json& report);

// Writes OUT_DIR/report.json, report.md and report.html (creating OUT_DIR); false with
// `error` set if a file cannot be written.
bool write_acks_matrix_report(const nlohmann::json& report, const std::string& out_dir,
                              std::string& error);

}  // namespace samsa::reports
