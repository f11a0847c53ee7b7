// `samsa explore` and `samsa replay`: failure files, summaries independent of --jobs,
// shards that partition the seeds, replays that reproduce the trace hash.
#include <gtest/gtest.h>

#include <set>

#include "tests/cli/cli_testing.h"

namespace samsa::cli::testing {
namespace {

constexpr int kSeeds = 6;  // seeds 1..6 hold kFailingSeed

std::vector<std::string> explore_args(const std::vector<std::string>& more) {
  std::vector<std::string> args{"explore", fixture(kRandom), "--seeds", std::to_string(kSeeds),
                                "--bug",   kFailingBug};
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

nlohmann::json explore_json(const std::vector<std::string>& more, int expected_exit) {
  std::vector<std::string> args = explore_args(more);
  args.push_back("--json");
  const Invocation r = samsa(args);
  EXPECT_EQ(r.exit_code, expected_exit) << describe(r);
  const nlohmann::json j = parse_json(r.out);
  EXPECT_TRUE(j.is_object()) << r.out;
  return j;
}

std::set<std::uint64_t> seeds_of(const nlohmann::json& list) {
  return list.get<std::set<std::uint64_t>>();
}

TEST(ExploreCommand, writesAFailureFilePerFailingSeedAndASummary) {
  const fs::path out = scratch_dir() / "out";
  const nlohmann::json j = explore_json({"--jobs", "2", "--out", out.string()}, 1);
  for (const char* key : {"scenario", "seeds", "passed", "failed", "failing_seeds", "events",
                          "wall_ms", "seeds_per_second", "failures_by_property", "interrupted"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_EQ(j["seeds"], kSeeds);
  EXPECT_EQ(j["passed"].get<int>() + j["failed"].get<int>(), kSeeds);
  EXPECT_TRUE(seeds_of(j["failing_seeds"]).contains(kFailingSeed));
  EXPECT_FALSE(j["interrupted"].get<bool>());
  EXPECT_TRUE(fs::is_regular_file(out / "summary.json"));
  for (std::uint64_t seed : seeds_of(j["failing_seeds"])) {
    const nlohmann::json f =
        parse_json(read_file(out / "failures" / (std::to_string(seed) + ".json")));
    ASSERT_TRUE(f.is_object()) << seed;
    for (const char* key : {"scenario", "scenario_text", "seed", "bugs", "violations", "trace_hash",
                            "plan", "replay", "run"}) {
      EXPECT_TRUE(f.contains(key)) << key;
    }
    EXPECT_EQ(f["seed"], seed);
    EXPECT_EQ(f["replay"],
              "samsa replay " + (out / "failures" / (std::to_string(seed) + ".json")).string());
  }
}

TEST(ExploreCommand, oneJobAndTwoJobsFindTheSameFailingSeedsCountsAndTraceHashes) {
  const fs::path dir = scratch_dir();
  const nlohmann::json one = explore_json({"--jobs", "1", "--out", (dir / "one").string()}, 1);
  const nlohmann::json two = explore_json({"--jobs", "2", "--out", (dir / "two").string()}, 1);
  for (const char* key :
       {"seeds", "passed", "failed", "failing_seeds", "events", "failures_by_property"}) {
    EXPECT_EQ(one[key], two[key]) << key;
  }
  // Per seed, in seed order: verdict, trace hash, events and fault kinds.
  const nlohmann::json runs_one = parse_json(read_file(dir / "one" / "summary.json"))["runs"];
  const nlohmann::json runs_two = parse_json(read_file(dir / "two" / "summary.json"))["runs"];
  EXPECT_EQ(runs_one.size(), static_cast<std::size_t>(kSeeds));
  EXPECT_EQ(runs_one, runs_two);
}

TEST(ExploreCommand, twoShardsTogetherRunExactlyTheUnshardedSeeds) {
  const fs::path dir = scratch_dir();
  auto run_seeds = [&](const std::string& name, const std::vector<std::string>& more) {
    std::vector<std::string> args = explore_args(more);
    args.insert(args.end(), {"--jobs", "2", "--out", (dir / name).string()});
    const Invocation r = samsa(args);
    EXPECT_NE(r.exit_code, 2) << describe(r);
    std::multiset<std::uint64_t> seeds;
    const nlohmann::json summary = parse_json(read_file(dir / name / "summary.json"));
    for (const nlohmann::json& run : summary["runs"]) {
      seeds.insert(run["seed"].get<std::uint64_t>());
    }
    return seeds;
  };
  const auto all = run_seeds("all", {});
  const auto even = run_seeds("even", {"--shard", "0/2"});
  const auto odd = run_seeds("odd", {"--shard", "1/2"});
  std::multiset<std::uint64_t> both = even;
  both.insert(odd.begin(), odd.end());
  EXPECT_EQ(both, all);
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kSeeds));
  for (std::uint64_t s : even) EXPECT_EQ(s % 2, 0u);
}

TEST(ExploreCommand, exitsTwoForAShardIndexNotBelowTheShardCount) {
  for (const char* shard : {"2/2", "1/0", "x/2", "1"}) {
    const Invocation r = samsa({"explore", fixture(kRandom), "--seeds", "2", "--shard", shard});
    EXPECT_EQ(r.exit_code, 2) << shard << "\n" << describe(r);
    EXPECT_NE(r.err.find("--shard"), std::string::npos) << r.err;
  }
}

TEST(ExploreCommand, exitsZeroWhenEverySeedPasses) {
  const Invocation r =
      samsa({"explore", fixture(kRandom), "--seeds", "2", "--start-seed", "100", "--jobs", "2"});
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_NE(r.out.find("passed     2"), std::string::npos) << r.out;
}

TEST(ExploreCommand, failFastStopsStartingSeedsAfterTheFirstFailure) {
  const Invocation r = samsa({"explore", fixture(kRandom), "--seeds", "20", "--start-seed",
                              std::to_string(kFailingSeed), "--bug", kFailingBug, "--jobs", "1",
                              "--fail-fast", "--json"});
  ASSERT_EQ(r.exit_code, 1) << describe(r);
  const nlohmann::json j = parse_json(r.out);
  EXPECT_EQ(j["seeds"], 1);
  EXPECT_TRUE(j["interrupted"].get<bool>());
  EXPECT_EQ(j["stopped_by"], "fail-fast");
}

// The --time budget and Ctrl-C stop new seeds from starting; what ran is still summed up.
TEST(ExploreCommand, aTimeBudgetStopsStartingSeedsAndTheSummaryIsStillWritten) {
  const fs::path out = scratch_dir() / "out";
  const Invocation r = samsa({"explore", fixture(kRandom), "--seeds", "100000", "--jobs", "2",
                              "--time", "0.3", "--out", out.string(), "--json"});
  ASSERT_NE(r.exit_code, 2) << describe(r);
  const nlohmann::json j = parse_json(read_file(out / "summary.json"));
  EXPECT_TRUE(j["interrupted"].get<bool>());
  EXPECT_EQ(j["stopped_by"], "time");
  EXPECT_LT(j["seeds"].get<int>(), 100000);
  EXPECT_EQ(j["runs"].size(), j["seeds"].get<std::size_t>());
  EXPECT_EQ(r.exit_code, j["failed"].get<int>() > 0 ? 1 : 0);
}

// One SIGINT, as a terminal's Ctrl-C sends: without --foreground, timeout signals the
// child and then its whole process group, and a second Ctrl-C ends samsa at once (by
// design), so the test would race.
TEST(ExploreCommand, ctrlCStopsStartingSeedsLetsRunningOnesFinishAndWritesTheSummary) {
  const fs::path out = scratch_dir() / "out";
  const Invocation r = samsa({"explore", fixture(kRandom), "--seeds", "100000", "--jobs", "2",
                              "--bug", kFailingBug, "--out", out.string()},
                             "timeout --foreground --preserve-status -s INT 1");
  EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 1) << describe(r);
  const nlohmann::json j = parse_json(read_file(out / "summary.json"));
  ASSERT_TRUE(j.is_object()) << describe(r);
  EXPECT_TRUE(j["interrupted"].get<bool>());
  EXPECT_EQ(j["stopped_by"], "interrupt");
  EXPECT_LT(j["seeds"].get<int>(), 100000);
  EXPECT_EQ(r.exit_code, j["failed"].get<int>() > 0 ? 1 : 0);
}

TEST(ReplayCommand, aSavedFailureReproducesItsTraceHashAndExitsOne) {
  const fs::path out = scratch_dir() / "out";
  samsa(explore_args({"--jobs", "2", "--out", out.string()}));
  const fs::path file = out / "failures" / (std::to_string(kFailingSeed) + ".json");
  const nlohmann::json saved = parse_json(read_file(file));
  ASSERT_TRUE(saved.is_object());
  const Invocation r = samsa({"replay", file.string(), "--json"});
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  const nlohmann::json j = parse_json(r.out);
  EXPECT_EQ(j["trace_hash"], saved["trace_hash"]);
  EXPECT_EQ(j["verdict"], "fail");
  EXPECT_TRUE(j["deterministic"].get<bool>());
}

TEST(ReplayCommand, aDifferentTraceHashIsReportedAsADeterminismViolation) {
  const fs::path out = scratch_dir() / "out";
  samsa(explore_args({"--jobs", "2", "--out", out.string()}));
  const fs::path file = out / "failures" / (std::to_string(kFailingSeed) + ".json");
  nlohmann::json saved = parse_json(read_file(file));
  ASSERT_TRUE(saved.is_object());
  saved["trace_hash"] = "0000000000000000";
  std::ofstream(file) << saved.dump();
  const Invocation r = samsa({"replay", file.string()});
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_NE(r.err.find("determinism violation"), std::string::npos) << r.err;
}

TEST(ReplayCommand, exitsTwoNamingTheFileAndTheMissingField) {
  const fs::path file = scratch_dir() / "broken.json";
  std::ofstream(file)
      << R"({"scenario": "x.toml", "scenario_text": "", "bugs": [], "violations": [], "trace_hash": "0"})";
  const Invocation r = samsa({"replay", file.string()});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_NE(r.err.find(file.string()), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("\"seed\""), std::string::npos) << r.err;
  EXPECT_EQ(samsa({"replay", (scratch_dir() / "missing.json").string()}).exit_code, 2);
}

}  // namespace
}  // namespace samsa::cli::testing
