// Prints "<seed> <trace hash> <events> <outcome>" for each seed on the command line, for
// the kernel workload, then for a whole KRaft cluster under faults (cluster <seed> ...), then
// for the swarm plan the seed draws, run by the runner with its workload, nemesis and
// checkers (plan <seed> <hash> <events> <history digest> <verdict>), so scripts can compare
// trace hashes across processes and builds
// (scripts/check-cross-build.sh).
#include <cstdio>
#include <cstdlib>
#include <string>

#include "harness/cluster_workload.h"
#include "harness/kernel_workload.h"
#include "harness/runner.h"
#include "properties/plan_sample.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s SEED [SEED...]\n", argv[0]);
    return 2;
  }
  for (int i = 1; i < argc; ++i) {
    char* end = nullptr;
    const unsigned long long seed = std::strtoull(argv[i], &end, 10);
    if (end == argv[i] || *end != '\0') {
      std::fprintf(stderr, "not a seed: '%s'\n", argv[i]);
      return 2;
    }
    samsa::harness::KernelWorkloadOptions options;
    options.seed = seed;
    const auto result = samsa::harness::run_kernel_workload(options);
    std::printf("%llu %016llx %llu %s\n", seed, static_cast<unsigned long long>(result.trace_hash),
                static_cast<unsigned long long>(result.events), result.outcome.c_str());
    samsa::harness::ClusterWorkloadOptions cluster_options;
    cluster_options.seed = seed;
    const auto cluster = samsa::harness::run_cluster_workload(cluster_options);
    std::printf("cluster %llu %016llx %llu %s\n", seed,
                static_cast<unsigned long long>(cluster.trace_hash),
                static_cast<unsigned long long>(cluster.events), cluster.outcome.c_str());
    samsa::properties::PlanSpace space;
    space.base.workload.records_per_producer = 100;
    space.base.safety = std::chrono::seconds(8);
    space.kinds = samsa::properties::all_fault_kinds();
    const auto run = samsa::harness::run_plan(samsa::properties::plan_for_seed(space, seed),
                                              samsa::harness::RunOptions::seeded(seed));
    std::printf("plan %llu %016llx %llu %016llx %s\n", seed,
                static_cast<unsigned long long>(run.trace_hash),
                static_cast<unsigned long long>(run.events),
                static_cast<unsigned long long>(run.history_digest), run.pass ? "pass" : "fail");
  }
  return 0;
}
