// `samsa report --acks-matrix`: a tiny matrix (two configurations, one fault mix, one seed)
// writes report.json, report.md and report.html and prints the table; the files are the
// same bytes for one job and two; bad usage exits 2 with a message naming the mistake.
#include <gtest/gtest.h>

#include "tests/cli/cli_testing.h"

namespace samsa::cli::testing {
namespace {

const std::vector<std::string> kTiny = {
    "report", "--acks-matrix", "--seeds",         "1",        "--start-seed",
    "3",      "--rows",        "acks-1,all-isr2", "--faults", "crash"};

std::vector<std::string> tiny_with(const std::vector<std::string>& more) {
  std::vector<std::string> args = kTiny;
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

TEST(AcksMatrixCommand, writesTheThreeFilesAndPrintsTheTable) {
  const fs::path out = scratch_dir() / "matrix";
  const Invocation r = samsa(tiny_with({"--jobs", "2", "--out", out.string()}));
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  for (const char* name : {"report.json", "report.md", "report.html"}) {
    EXPECT_TRUE(fs::is_regular_file(out / name)) << name;
  }
  const nlohmann::json report = parse_json(read_file(out / "report.json"));
  ASSERT_TRUE(report.is_object());
  EXPECT_EQ(report["kind"], "acks-matrix");
  EXPECT_EQ(report["seeds"], nlohmann::json::array({3}));
  ASSERT_EQ(report["cells"].size(), 2u);
  EXPECT_EQ(report["cells"][0]["row"], "acks-1");
  EXPECT_EQ(report["cells"][1]["row"], "all-isr2");
  EXPECT_EQ(report["cells"][1]["runs"], 1);
  EXPECT_GT(report["cells"][1]["acknowledged"].get<std::int64_t>(), 0);
  EXPECT_EQ(report["command"],
            "samsa report --acks-matrix --seeds 1 --start-seed 3 --rows acks-1,all-isr2 "
            "--faults crash");
  EXPECT_NE(r.out.find("| acks=all min.insync.replicas=2 |"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find((out / "report.html").string()), std::string::npos) << r.out;
}

TEST(AcksMatrixCommand, writesTheSameBytesForOneJobAndTwo) {
  const fs::path dir = scratch_dir();
  const fs::path one = dir / "one";
  const fs::path two = dir / "two";
  ASSERT_EQ(samsa(tiny_with({"--jobs", "1", "--out", one.string()})).exit_code, 0);
  ASSERT_EQ(samsa(tiny_with({"--jobs", "2", "--out", two.string()})).exit_code, 0);
  for (const char* name : {"report.json", "report.md", "report.html"}) {
    EXPECT_EQ(read_file(one / name), read_file(two / name)) << name;
  }
}

TEST(AcksMatrixCommand, exitsTwoOnBadUsageWithAMessage) {
  const fs::path dir = scratch_dir();
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"report", "--acks-matrix", dir.string()}, "give no explore directory"},
      {{"report", "--acks-matrix", "--seeds", "0"}, "--seeds must be at least 1"},
      {{"report", "--acks-matrix", "--rows", "acks-2"}, "unknown row \"acks-2\""},
      {{"report", "--acks-matrix", "--faults", "meteor"}, "unknown fault mix \"meteor\""},
      {{"report"}, "give an explore output directory, or --acks-matrix"},
      {{"report", "--seeds", "3"}, "--acks-matrix"},
  };
  for (const Case& c : cases) {
    const Invocation r = samsa(c.args);
    EXPECT_EQ(r.exit_code, 2) << describe(r);
    EXPECT_NE(r.err.find(c.message), std::string::npos) << describe(r);
  }
}

}  // namespace
}  // namespace samsa::cli::testing
