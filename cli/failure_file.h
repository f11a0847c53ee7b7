// Failure files: what `samsa explore --out DIR` writes for each failing seed, as
// DIR/failures/<seed>.json, and what `samsa replay` and `samsa shrink` read. A file is
// self-contained: it carries the scenario file's full text, so it replays after the
// catalogue changed. Fields: scenario (as the user named it), scenario_text, seed, bugs
// (the --bug switches added to the scenario's own), violations [{property, detail,
// at_ms}], trace_hash (16 hex digits), plan (describe_plan), replay and run (the commands
// that reproduce it).
//
// Invariant: read_failure_file(write_failure_file(r)) == r for every field it reads; a
// file with a missing or mistyped field is an error naming the file and the field.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "properties/checker.h"
#include "sim/result.h"

namespace samsa::cli {

struct FailureRecord {
  std::string scenario;
  std::string scenario_text;
  std::uint64_t seed = 0;
  std::vector<std::string> bugs;
  std::vector<properties::Violation> violations;
  std::string trace_hash;
  std::string plan;
};

// DIR/failures/<seed>.json
std::string failure_path(const std::string& out_dir, std::uint64_t seed);

nlohmann::json failure_json(const FailureRecord& record, const std::string& path);

// Writes the record to `path` (creating its directory); false with `error` set if not.
bool write_failure_file(const FailureRecord& record, const std::string& path, std::string& error);

// Reads `path`; the error says "<path>: <what is wrong>".
sim::Result<FailureRecord, std::string> read_failure_file(const std::string& path);

}  // namespace samsa::cli
