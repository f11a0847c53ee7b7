// Prints "<seed> <trace hash> <events> <outcome>" for each seed on the command line, for
// the kernel workload and then for a whole KRaft cluster under faults (cluster <seed> ...),
// so scripts can compare trace hashes across processes and builds
// (scripts/check-cross-build.sh).
#include <cstdio>
#include <cstdlib>
#include <string>

#include "harness/cluster_workload.h"
#include "harness/kernel_workload.h"

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
  }
  return 0;
}
