// A small fixed cluster workload for determinism checks and benchmarks: a KRaft cluster
// (3 controllers, 3 brokers), one topic of 3 partitions with replication factor 3, an
// acks=all producer on the admin node and a nemesis that crashes and restarts brokers and
// isolates controllers, all drawn from the seed. The determinism probe prints its trace
// hash so scripts/check-cross-build.sh compares whole-cluster runs across builds.
#pragma once

#include <cstdint>
#include <string>

#include "sim/time.h"

namespace samsa::harness {

struct ClusterWorkloadOptions {
  std::uint64_t seed = 1;
  sim::Duration duration = std::chrono::seconds(20);
};

struct ClusterWorkloadResult {
  std::uint64_t seed = 0;
  std::uint64_t trace_hash = 0;
  std::uint64_t events = 0;
  std::int64_t acknowledged = 0;  // acks=all produces answered without error
  std::int64_t faults = 0;
  std::string outcome;  // the kernel's run outcome, and the failure if any
};

ClusterWorkloadResult run_cluster_workload(const ClusterWorkloadOptions& options);

}  // namespace samsa::harness
