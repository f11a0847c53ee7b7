#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <set>
#include <string>

#include "sim/log.h"
#include "harness/kernel_workload.h"

namespace samsa::harness {
namespace {

std::string run_probe(const std::string& seeds) {
  const std::string command = std::string(SAMSA_DETERMINISM_PROBE) + " " + seeds;
  std::FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return "popen failed";
  std::string output;
  char buffer[256];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) output += buffer;
  pclose(pipe);
  return output;
}

KernelWorkloadResult run(std::uint64_t seed, const std::string& trace_path = "") {
  KernelWorkloadOptions options;
  options.seed = seed;
  options.trace_path = trace_path;
  return run_kernel_workload(options);
}

TEST(Determinism, TheWorkloadExercisesEveryPartOfTheKernel) {
  const KernelWorkloadResult result = run(7);
  EXPECT_EQ(result.outcome, "time-limit");
  EXPECT_TRUE(result.passed()) << result.violations.front();
  EXPECT_GT(result.messages_delivered, 100u);
  EXPECT_GT(result.rpc_ok, 100u);
  EXPECT_GT(result.disk_writes, 100u);
  EXPECT_GT(result.crashes + result.power_losses, 0u);
  EXPECT_GT(result.events, 10'000u);
}

TEST(Determinism, TheDurabilityCheckCatchesBytesCountedAsDurableWithoutFsync) {
  // Across a handful of seeds some power loss must drop bytes the buggy writer counted.
  int caught = 0;
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    KernelWorkloadOptions options;
    options.seed = seed;
    options.bug_count_unsynced_as_durable = true;
    const KernelWorkloadResult result = run_kernel_workload(options);
    for (const std::string& v : result.violations) {
      EXPECT_EQ(v.rfind("fsync-durability:", 0), 0u) << v;
      ++caught;
    }
  }
  EXPECT_GT(caught, 0);
}

TEST(Determinism, TheDurabilityCheckHoldsOverManySeedsWithoutTheBug) {
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    const KernelWorkloadResult result = run(seed);
    EXPECT_TRUE(result.passed()) << "seed " << seed << ": " << result.violations.front();
    EXPECT_GT(result.restarts_checked, 0u) << "seed " << seed;
  }
}

TEST(Determinism, SameSeedGivesTheSameTraceHashTwiceInOneProcess) {
  for (std::uint64_t seed : {1u, 2u, 99u}) {
    const KernelWorkloadResult first = run(seed);
    const KernelWorkloadResult second = run(seed);
    EXPECT_EQ(first.trace_hash, second.trace_hash) << "seed " << seed;
    EXPECT_EQ(first.events, second.events) << "seed " << seed;
  }
}

TEST(Determinism, SameSeedGivesTheSameTraceHashInTwoProcesses) {
  const std::string first = run_probe("5 6");
  const std::string second = run_probe("5 6");
  EXPECT_FALSE(first.empty());
  EXPECT_EQ(first, second);
  // And the same as in this process.
  const KernelWorkloadResult here = run(5);
  char expected[64];
  std::snprintf(expected, sizeof expected, "5 %016llx",
                static_cast<unsigned long long>(here.trace_hash));
  EXPECT_EQ(first.rfind(expected, 0), 0u) << first;
}

TEST(Determinism, DifferentSeedsGiveDifferentTraceHashes) {
  std::set<std::uint64_t> hashes;
  for (std::uint64_t seed = 100; seed < 110; ++seed) {
    hashes.insert(run(seed).trace_hash);
  }
  EXPECT_EQ(hashes.size(), 10u);
}

TEST(Determinism, WritingATraceFileDoesNotChangeTheHashAndWritesOneLinePerEvent) {
  const std::string path = ::testing::TempDir() + "/determinism_trace.txt";
  const KernelWorkloadResult plain = run(11);
  const KernelWorkloadResult traced = run(11, path);
  EXPECT_EQ(plain.trace_hash, traced.trace_hash);
  std::ifstream in(path);
  std::string line;
  std::uint64_t lines = 0;
  while (std::getline(in, line)) ++lines;
  EXPECT_EQ(lines, traced.events);
}

TEST(Determinism, LogLevelDoesNotChangeTheHash) {
  sim::set_log_level(spdlog::level::off);
  const KernelWorkloadResult quiet = run(12);
  sim::set_log_file(::testing::TempDir() + "/determinism_log.txt");
  sim::set_log_level(spdlog::level::trace);
  const KernelWorkloadResult chatty = run(12);
  sim::set_log_level(spdlog::level::warn);
  sim::set_log_file("");
  EXPECT_EQ(quiet.trace_hash, chatty.trace_hash);
}

}  // namespace
}  // namespace samsa::harness
