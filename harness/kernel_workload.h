// The kernel workload: a demonstration of the simulator with no Kafka in it, and the
// workload the determinism tests run. Five nodes each run a server answering pings, a
// client pinging its peers, and a writer appending records to a file on its disk and
// fsyncing now and then; a nemesis on the harness node crashes, power-cycles, pauses and
// partitions them and jumps their clocks, then heals everything.
//
// It checks one property, the disk's promise: bytes a node fsynced (in a file whose name
// was made durable by fsync_dir) are still there when it restarts, whatever power
// losses came between. Everything derives from the seed, so two runs of one seed agree
// on every event — in one process, in two processes, and in every build.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace samsa::harness {

struct KernelWorkloadOptions {
  std::uint64_t seed = 1;
  std::string trace_path;  // when set, the full trace goes there
  // A deliberate defect, to show the check can fail: the writer reports bytes as durable
  // after write() alone, without fsync.
  bool bug_count_unsynced_as_durable = false;
};

struct KernelWorkloadResult {
  std::uint64_t seed = 0;
  std::uint64_t trace_hash = 0;
  std::uint64_t events = 0;
  std::int64_t sim_ms = 0;
  std::string outcome;  // the kernel's run outcome, and the failure if any
  std::vector<std::string> violations;
  std::uint64_t messages_sent = 0;
  std::uint64_t messages_delivered = 0;
  std::uint64_t messages_dropped = 0;
  std::uint64_t disk_writes = 0;
  std::uint64_t fsyncs = 0;
  std::uint64_t crashes = 0;
  std::uint64_t power_losses = 0;
  std::uint64_t pauses = 0;
  std::uint64_t partitions = 0;
  std::uint64_t clock_jumps = 0;
  std::uint64_t restarts_checked = 0;
  std::uint64_t rpc_ok = 0;
  std::uint64_t rpc_timeouts = 0;
  bool passed() const { return violations.empty(); }
};

KernelWorkloadResult run_kernel_workload(const KernelWorkloadOptions& options);

}  // namespace samsa::harness
