// The JSON reports match their documentation (docs/report-json.md): each report the real
// binary writes holds exactly the fields its table lists, of the listed types, and every
// field listed as `always` — so a field added without a line in the docs, or a documented
// field that went away, fails here. The tables are read from the Markdown itself.
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "tests/cli/cli_testing.h"

namespace samsa::cli {
namespace {

using namespace testing;
using Json = nlohmann::json;

struct Field {
  std::string type;  // string, integer, number, boolean, array, object, map
  bool nullable = false;
  bool always = false;
};
using Fields = std::map<std::string, Field>;

// The table after `<!-- fields: NAME -->` in docs/report-json.md.
Fields documented(const std::string& name) {
  const std::string doc = read_file(SAMSA_REPORT_JSON_DOC);
  const std::string marker = "<!-- fields: " + name + " -->";
  std::size_t at = doc.find(marker);
  EXPECT_NE(at, std::string::npos) << marker;
  Fields fields;
  if (at == std::string::npos) return fields;
  static const std::regex row(R"(^\| `([^`]+)` \| (\w+)( or null)? \| ([^|]+) \|)");
  std::istringstream lines(doc.substr(at + marker.size()));
  std::string line;
  bool in_table = false;
  while (std::getline(lines, line)) {
    if (line.empty()) {
      if (in_table) break;
      continue;
    }
    in_table = true;
    std::smatch m;
    if (std::regex_search(line, m, row)) fields[m[1]] = {m[2], m[3].matched, m[4] == "always"};
  }
  return fields;
}

bool has_type(const Json& value, const std::string& type) {
  if (type == "string") return value.is_string();
  if (type == "integer") return value.is_number_integer();
  if (type == "number") return value.is_number();
  if (type == "boolean") return value.is_boolean();
  if (type == "array") return value.is_array();
  if (type == "object" || type == "map") return value.is_object();
  return false;
}

// Every path in `value` under `path` ("" at the top), not descending into maps.
void walk(const Json& value, const std::string& path, const Fields& fields,
          std::map<std::string, std::string>& seen) {
  if (!path.empty()) seen.emplace(path, value.type_name());
  const auto field = fields.find(path);
  if (field != fields.end() && field->second.type == "map") return;
  if (value.is_object()) {
    for (const auto& item : value.items())
      walk(item.value(), path.empty() ? item.key() : path + "." + item.key(), fields, seen);
  } else if (value.is_array()) {
    for (const Json& element : value) walk(element, path + "[]", fields, seen);
  }
}

// Checks `report` against the table `name`; `present` lists the paths the test made sure
// the report exercises (optional ones and elements of arrays that may be empty).
void expect_documented(const Json& report, const std::string& name,
                       const std::set<std::string>& present = {}) {
  const Fields fields = documented(name);
  ASSERT_FALSE(fields.empty()) << "no table for " << name;
  std::map<std::string, std::string> seen;
  walk(report, "", fields, seen);
  for (const auto& [path, type] : seen) {
    const auto field = fields.find(path);
    if (field == fields.end()) {
      ADD_FAILURE() << name << ": " << path << " (" << type << ") is not in docs/report-json.md";
    }
  }
  // Types, on every occurrence.
  std::function<void(const Json&, const std::string&)> check = [&](const Json& v,
                                                                   const std::string& path) {
    const auto field = fields.find(path);
    if (field != fields.end()) {
      if (v.is_null() && field->second.nullable) return;
      EXPECT_TRUE(has_type(v, field->second.type))
          << name << ": " << path << " is " << v.type_name() << ", documented "
          << field->second.type;
      if (field->second.type == "map") return;
    }
    if (v.is_object()) {
      for (const auto& item : v.items())
        check(item.value(), path.empty() ? item.key() : path + "." + item.key());
    } else if (v.is_array()) {
      for (const Json& e : v) check(e, path + "[]");
    }
  };
  check(report, "");
  for (const auto& [path, field] : fields) {
    const bool inside_array = path.find("[]") != std::string::npos;
    if ((field.always && !inside_array) || present.contains(path)) {
      EXPECT_TRUE(seen.contains(path)) << name << ": documented " << path << " is missing";
    }
  }
}

TEST(ReportJsonDoc, aFailingRunReportHoldsExactlyTheDocumentedFields) {
  const fs::path dir = scratch_dir();
  const Invocation r = samsa({"run", fixture(kRandom), "--seed", std::to_string(kFailingSeed),
                              "--bug", kFailingBug, "--report", (dir / "r").string()});
  ASSERT_EQ(r.exit_code, 1) << describe(r);
  const Json report = parse_json(read_file(dir / "r" / "report.json"));
  expect_documented(report, "run",
                    {"bugs[]", "violations[]", "violations[].property", "violations[].detail",
                     "violations[].at_ms", "timeline.lanes[].spans[].from_s", "isr[].min",
                     "throughput[].ack_latency_ms_p99"});
}

TEST(ReportJsonDoc, anExplorationReportHoldsExactlyTheDocumentedFields) {
  const fs::path dir = scratch_dir();
  const Invocation r = samsa({"explore", fixture(kRandom), "--seeds", std::to_string(kFailingSeed),
                              "--jobs", "1", "--bug", kFailingBug, "--out", (dir / "out").string(),
                              "--report", (dir / "r").string()});
  ASSERT_EQ(r.exit_code, 1) << describe(r);
  const Json report = parse_json(read_file(dir / "r" / "report.json"));
  expect_documented(report, "exploration",
                    {"by_property[].seeds[]", "fault_kinds[].failure_rate_with",
                     "failures[].replay", "failures[].first_violation"});
}

// The retention section of a compacted run (cleaner passes, keys, tombstones) and of a run
// with time and size retention (deletions, the time bound), each against its own table.
TEST(ReportJsonDoc, theRetentionSectionHoldsExactlyTheDocumentedFields) {
  const fs::path dir = scratch_dir();
  const std::pair<const char*, const char*> runs[] = {
      {"compaction-delete", "retention.topics[].partitions[].cleaner.runs[].trigger"},
      {"retention-lagging-consumer", "retention.topics[].partitions[].deletions[].reason"}};
  for (const auto& [scenario, exercised] : runs) {
    const std::string out = (dir / scenario).string();
    const Invocation r = samsa({"run", std::string(SAMSA_CATALOGUE_DIR) + "/" + scenario + ".toml",
                                "--seed", "1", "--report", out});
    ASSERT_EQ(r.exit_code, 0) << describe(r);
    Json report = parse_json(read_file(fs::path(out) / "report.json"));
    ASSERT_TRUE(report.contains("retention")) << scenario;
    const Json section = {{"retention", report["retention"]}};
    report.erase("retention");
    expect_documented(report, "run");
    expect_documented(section, "retention", {exercised});
  }
}

TEST(ReportJsonDoc, theAcknowledgementMatrixHoldsExactlyTheDocumentedFields) {
  const fs::path dir = scratch_dir();
  const Invocation r =
      samsa({"report", "--acks-matrix", "--seeds", "1", "--rows", "acks-1,all-isr2", "--faults",
             "crash", "--out", (dir / "a").string()});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  expect_documented(parse_json(read_file(dir / "a" / "report.json")), "acks-matrix",
                    {"cells[].ack_latency_ms_p99", "rows[].flush_every_message"});
}

// The checker itself: a field the docs do not list, and a listed one of another type.
TEST(ReportJsonDoc, anUndocumentedOrMistypedFieldIsReported) {
  Json report = {{"kind", "exploration"}, {"seeds", "three"}, {"surprise", 1}};
  ::testing::TestPartResultArray failures;
  {
    ::testing::ScopedFakeTestPartResultReporter reporter(
        ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &failures);
    expect_documented(report, "exploration");
  }
  std::string all;
  for (int i = 0; i < failures.size(); ++i) all += failures.GetTestPartResult(i).message();
  EXPECT_NE(all.find("surprise (number) is not in docs/report-json.md"), std::string::npos) << all;
  EXPECT_NE(all.find("seeds is string, documented integer"), std::string::npos) << all;
  EXPECT_NE(all.find("documented passed is missing"), std::string::npos) << all;
}

}  // namespace
}  // namespace samsa::cli
