// Helpers shared by the partition log tests (checkpoint file, epoch cache, segment,
// partition log, recovery): a one-node simulation that runs test steps in the node's
// fibers, with crash and power loss between steps; batches whose records name themselves;
// a reader that walks a whole log and checks what every valid log must be; and a rig that
// keeps one partition log open across steps.
#pragma once

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "cluster/log/checkpoint_file.h"
#include "cluster/log/log_config.h"
#include "cluster/log/partition_log.h"
#include "cluster/log/record_batch.h"
#include "sim/node_env.h"
#include "sim/simulation.h"

namespace samsa::cluster {

// Lets GoogleTest print error codes by name.
inline void PrintTo(LogError error, std::ostream* os) {
  *os << log_error_name(error);
}
inline void PrintTo(CheckpointErrorKind kind, std::ostream* os) {
  *os << checkpoint_error_kind_name(kind);
}

namespace log_test {

using Step = std::function<void(sim::NodeEnv&)>;

inline sim::DiskConfig disk_config(double torn_write_probability = 0.5) {
  sim::DiskConfig config;
  config.latency_jitter = 0.0;
  config.torn_write_probability = torn_write_probability;
  return config;
}

inline sim::SimulationConfig simulation_config(std::uint64_t seed, sim::DiskConfig disk) {
  return sim::SimulationConfig{
      .seed = seed, .network = {}, .disk = disk, .buggify = {}, .trace_path = {}};
}

// One broker node ("b1"). run() executes a step in a fiber of the node — restarting the
// node's process first if a crash or power loss took it down — and runs the simulation
// until the step is done. Test code keeps state across steps in its own variables and must
// drop objects of a crashed process (a PartitionLog, say) without calling them.
class NodeRig {
 public:
  explicit NodeRig(std::uint64_t seed = 1, sim::DiskConfig disk = disk_config())
      : sim_(simulation_config(seed, disk)), node_(sim_.add_node("b1")) {}

  // Runs `step` to its end; throws if it does not finish (with the run's failure).
  void run(const Step& step) {
    bool done = false;
    launch(step, &done);
    const sim::RunOutcome outcome = sim_.run();
    if (outcome != sim::RunOutcome::kQuiescent || !done) {
      throw std::runtime_error(fmt::format(
          "step did not finish ({}): {}", sim::run_outcome_name(outcome), sim_.kernel().failure()));
    }
  }
  // Runs `step` for at most `max_events` more simulation events; true if it finished.
  bool run_for_events(const Step& step, std::uint64_t max_events) {
    bool done = false;
    launch(step, &done);
    sim::RunLimits limits;
    limits.max_events = sim_.kernel().events() + max_events;
    const sim::RunOutcome outcome = sim_.run(limits);
    if (outcome == sim::RunOutcome::kFailed) throw std::runtime_error(sim_.kernel().failure());
    return done;
  }
  // Both let the killed fibers unwind before returning, so the test may then free what
  // their frames still point to.
  void crash() {
    sim_.crash(node_);
    settle();
  }
  void power_loss() {
    sim_.power_loss(node_);
    settle();
  }
  sim::Disk& disk() { return sim_.disk(node_); }
  sim::Simulation& simulation() { return sim_; }
  sim::NodeId node() const { return node_; }

 private:
  void settle() {
    if (sim_.run() == sim::RunOutcome::kFailed) throw std::runtime_error(sim_.kernel().failure());
  }
  void launch(const Step& step, bool* done) {
    pending_ = [step, done](sim::NodeEnv& env) {
      step(env);
      *done = true;
    };
    auto main = [this] {
      if (!pending_) return;
      Step current = std::move(pending_);
      pending_ = nullptr;
      sim::NodeEnv env(sim_, node_);
      current(env);
    };
    if (!started_) {
      started_ = true;
      sim_.start(node_, main);
    } else if (!sim_.is_up(node_)) {
      sim_.restart(node_);
    } else {
      sim_.kernel().spawn(node_, "step", main);
    }
  }

  sim::Simulation sim_;
  sim::NodeId node_;
  Step pending_;
  bool started_ = false;
};

// A batch of `count` records whose values are "r<first_id>", "r<first_id + 1>", ...,
// padded to `value_bytes`, all with timestamp `timestamp_ms`.
inline sim::Bytes make_batch(std::int64_t first_id, int count, std::int64_t timestamp_ms = 1000,
                             std::size_t value_bytes = 16, Offset base = Offset(0),
                             LeaderEpoch epoch = kNoLeaderEpoch) {
  std::vector<RecordInput> records;
  for (int i = 0; i < count; ++i) {
    std::string value = fmt::format("r{}", first_id + i);
    if (value.size() < value_bytes) value.resize(value_bytes, '.');
    records.push_back(
        RecordInput{timestamp_ms, std::nullopt, sim::Bytes(value.begin(), value.end())});
  }
  return encode_batch(records, BatchProducer{}, base, epoch);
}

// What a test compares of a stored batch.
struct BatchSummary {
  Offset base_offset;
  Offset last_offset;
  LeaderEpoch epoch;
  std::vector<std::string> values;
  bool operator==(const BatchSummary&) const = default;
};

inline std::ostream& operator<<(std::ostream& os, const BatchSummary& b) {
  return os << "[" << b.base_offset.value() << ".." << b.last_offset.value() << " e"
            << b.epoch.value() << " " << (b.values.empty() ? "" : b.values.front()) << "]";
}

inline std::vector<BatchSummary> summarize(std::span<const std::uint8_t> bytes) {
  const ScanResult scan = scan_batches(bytes);
  if (scan.stopped_by) throw std::runtime_error("read returned bytes that do not parse");
  std::vector<BatchSummary> out;
  for (const BatchView& view : scan.batches) {
    BatchSummary summary{view.base_offset(), view.last_offset(), view.leader_epoch(), {}};
    for (const Record& r : view.records()) {
      summary.values.emplace_back(r.value->begin(), r.value->end());
    }
    out.push_back(std::move(summary));
  }
  return out;
}

// Every batch from the log start to the LEO, read through PartitionLog::read (so through
// the indexes). Throws unless the batches are valid and their offsets contiguous from the
// batch holding the log start to the LEO — what every log must be after any history.
inline std::vector<BatchSummary> read_all(PartitionLog& log, std::int32_t max_bytes = 300) {
  std::vector<BatchSummary> all;
  Offset next = log.log_start_offset();
  // Bounded: every read returns at least one batch, so `next` grows.
  while (next < log.log_end_offset()) {
    auto read = log.read(next, max_bytes, log.log_end_offset());
    if (!read)
      throw std::runtime_error(
          fmt::format("read at {} failed: {}", next, log_error_name(read.error())));
    const auto batches = summarize(read.value().batches);
    if (batches.empty()) throw std::runtime_error(fmt::format("empty read at {}", next));
    for (const BatchSummary& b : batches) {
      const bool first = all.empty();
      if ((first && (b.base_offset > next || b.last_offset < next)) ||
          (!first && b.base_offset != all.back().last_offset + 1)) {
        throw std::runtime_error(
            fmt::format("batch at {} does not continue the log at {}", b.base_offset, next));
      }
      all.push_back(b);
    }
    next = all.back().last_offset + 1;
  }
  if (next != log.log_end_offset()) throw std::runtime_error("the batches overrun the LEO");
  return all;
}

inline LogConfig small_config() {
  LogConfig config;
  config.segment_bytes = 1024;
  config.index_interval_bytes = 128;
  return config;
}

inline std::unique_ptr<PartitionLog> open_log(sim::NodeEnv& env, const LogConfig& config,
                                              const std::string& dir = "logs/t-0") {
  auto log = PartitionLog::open(env, dir, config);
  if (!log) throw std::runtime_error(fmt::format("open failed: {}", log_error_name(log.error())));
  return std::move(log).value();
}

// A node with one partition log ("logs/t-0") that tests drive step by step across
// crashes and power losses.
struct LogRig {
  explicit LogRig(std::uint64_t seed = 1, double torn_write_probability = 0.5,
                  LogConfig log_config = small_config())
      : rig(seed, log_test::disk_config(torn_write_probability)), config(log_config) {}

  // Runs `body` with the log open (opening, and so recovering, it first if needed).
  void with_log(const std::function<void(PartitionLog&)>& body) {
    rig.run([&](sim::NodeEnv& env) {
      if (!log) log = open_log(env, config);
      body(*log);
    });
  }
  std::vector<BatchSummary> contents() {
    std::vector<BatchSummary> out;
    with_log([&](PartitionLog& l) { out = read_all(l); });
    return out;
  }
  void append(int batches, LeaderEpoch epoch = LeaderEpoch(0)) {
    with_log([&](PartitionLog& l) {
      for (int i = 0; i < batches; ++i) {
        ASSERT_TRUE(l.append_as_leader(make_batch(next_id, 2), epoch).ok());
        next_id += 2;
      }
    });
  }
  void flush() {
    with_log([](PartitionLog& l) { ASSERT_TRUE(l.flush().ok()); });
  }
  // The process dies; the PartitionLog of that incarnation is dropped unused.
  void crash() {
    rig.crash();
    log.reset();
  }
  void power_loss() {
    rig.power_loss();
    log.reset();
  }

  NodeRig rig;
  LogConfig config;
  std::unique_ptr<PartitionLog> log;
  std::int64_t next_id = 0;
};

inline bool is_prefix(const std::vector<BatchSummary>& prefix,
                      const std::vector<BatchSummary>& of) {
  return prefix.size() <= of.size() && std::equal(prefix.begin(), prefix.end(), of.begin());
}

// One record of a keyed workload (retention and cleaner tests): key and value as text,
// nullopt key for a keyless record, nullopt value for a tombstone.
struct KeyedRecord {
  std::optional<std::string> key;
  std::optional<std::string> value;
};

inline std::optional<sim::Bytes> text_bytes(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  return sim::Bytes(text->begin(), text->end());
}

inline sim::Bytes keyed_batch(const std::vector<KeyedRecord>& records,
                              std::int64_t timestamp_ms = 1000) {
  std::vector<RecordInput> inputs;
  for (const KeyedRecord& r : records) {
    inputs.push_back(RecordInput{timestamp_ms, text_bytes(r.key), text_bytes(r.value)});
  }
  return encode_batch(inputs);
}

inline std::optional<std::string> bytes_text(const std::optional<Bytes>& bytes) {
  if (!bytes) return std::nullopt;
  return std::string(bytes->begin(), bytes->end());
}

// Every record from the log start to the LEO, through PartitionLog::read, scan_batches and
// BatchView::records (as the harness's replica inspector reads); throws unless batches are
// valid and contiguous from the batch holding the log start to the LEO. Empty batches and
// batches whose records skip offsets are accepted.
inline std::vector<Record> read_records(PartitionLog& log, std::int32_t max_bytes = 300) {
  std::vector<Record> records;
  Offset next = log.log_start_offset();
  std::optional<Offset> previous_last;
  // Bounded: every read returns at least one batch, so `next` grows.
  while (next < log.log_end_offset()) {
    auto read = log.read(next, max_bytes, log.log_end_offset());
    if (!read) {
      throw std::runtime_error(
          fmt::format("read at {} failed: {}", next, log_error_name(read.error())));
    }
    const ScanResult scan = scan_batches(read.value().batches);
    if (scan.stopped_by || scan.batches.empty()) {
      throw std::runtime_error(fmt::format("bad read at {}", next));
    }
    for (const BatchView& batch : scan.batches) {
      if ((!previous_last && (batch.base_offset() > next || batch.last_offset() < next)) ||
          (previous_last && batch.base_offset() != *previous_last + 1)) {
        throw std::runtime_error(
            fmt::format("batch at {} does not continue the log at {}", batch.base_offset(), next));
      }
      previous_last = batch.last_offset();
      for (Record& r : batch.records()) {
        if (r.offset >= log.log_start_offset()) records.push_back(std::move(r));
      }
    }
    next = *previous_last + 1;
  }
  if (next != log.log_end_offset()) throw std::runtime_error("the batches overrun the LEO");
  return records;
}

// What one cleaner pass may do to a log's records (log_cleaner.h rules 1 and 2), given the
// records before and after it and the pass's end: nothing at or above the end changes;
// below it, the records kept are a subsequence of those before, unchanged; the latest
// record of every key below the end is kept,
// unless it is a tombstone (which may go once its horizon passed); keyless records stay.
// Returns a description of the first breach, or "" when there is none.
inline std::string check_cleaned(const std::vector<Record>& before,
                                 const std::vector<Record>& after, Offset end) {
  std::size_t j = 0;
  std::map<Bytes, Offset> latest;
  for (const Record& r : before) {
    if (r.key && r.offset < end) latest[*r.key] = r.offset;
  }
  for (const Record& r : before) {
    const bool present = j < after.size() && after[j] == r;
    if (j < after.size() && !present && after[j].offset == r.offset) {
      return fmt::format("record at {} changed", r.offset);
    }
    if (present) {
      ++j;
      continue;
    }
    if (r.offset >= end)
      return fmt::format("record at {} (at or above end {}) gone", r.offset, end);
    if (!r.key) return fmt::format("keyless record at {} gone", r.offset);
    const Offset last = latest.at(*r.key);
    if (last == r.offset && !r.tombstone()) {
      return fmt::format("latest value of a key at {} gone", r.offset);
    }
  }
  if (j != after.size()) return fmt::format("record at {} appeared", after[j].offset);
  return "";
}

}  // namespace log_test
}  // namespace samsa::cluster
