// The retention and compaction section of the run report: on catalogue runs its counts add up
// to the run's measurements and its renderings hold the charts and tables; a run without
// retention limits or compaction has no section; on hand-built observations, keys are judged
// against their latest acknowledged send and tombstone lifetimes against delete.retention.ms.
#include "reports/retention_report.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "harness/runner.h"
#include "harness/scenario.h"
#include "properties/compaction_checks.h"
#include "reports/run_report.h"
#include "tests/reports/xml_testing.h"

namespace samsa::reports {
namespace {

using namespace std::chrono_literals;
using Json = nlohmann::json;
using testing::count;
using testing::well_formed;

std::string catalogue_path(const std::string& stem) {
  return (std::filesystem::path(SAMSA_CATALOGUE_DIR) / (stem + ".toml")).string();
}

harness::RunResult run_catalogue(const std::string& stem, std::uint64_t seed) {
  const auto scenario = harness::load_scenario(catalogue_path(stem));
  EXPECT_TRUE(scenario.ok()) << scenario.error().to_string();
  return harness::run_plan(harness::plan_for(scenario.value(), seed),
                           harness::RunOptions::seeded(seed));
}

// Each catalogue run once per test binary: they take seconds in Debug.
const harness::RunResult& lagging_consumer_run() {
  static const harness::RunResult result = run_catalogue("retention-lagging-consumer", 1);
  return result;
}
const harness::RunResult& compaction_run() {
  static const harness::RunResult result = run_catalogue("compaction-delete", 1);
  return result;
}

const Json& topic_of(const Json& section, const std::string& name) {
  for (const Json& topic : section["topics"]) {
    if (topic["topic"] == name) return topic;
  }
  static const Json kNone;
  ADD_FAILURE() << "no topic " << name << " in " << section.dump();
  return kNone;
}

std::int64_t sum_over_partitions(const Json& section,
                                 const std::function<std::int64_t(const Json&)>& of) {
  std::int64_t sum = 0;
  for (const Json& topic : section["topics"]) {
    for (const Json& p : topic["partitions"]) sum += of(p);
  }
  return sum;
}

std::int64_t measured(const harness::RunResult& result, const std::string& name) {
  const auto it = result.measurements.find(name);
  EXPECT_NE(it, result.measurements.end()) << name;
  return it == result.measurements.end() ? -1 : it->second;
}

nlohmann::json run_report_of(const harness::RunResult& result, const std::string& scenario) {
  const Json run = {{"seed", result.seed},
                    {"scenario", scenario},
                    {"verdict", result.pass ? "pass" : "fail"},
                    {"violations", Json::array()},
                    {"trace_hash", harness::hash_hex(result.trace_hash)},
                    {"events", result.events},
                    {"sim_ms", result.sim_ms},
                    {"stats", {{"acknowledged", result.stats.acknowledged}}}};
  return run_report_json(run, result);
}

TEST(RetentionReport, SegmentsDeletedByReasonAddUpToTheRunsMeasurements) {
  const harness::RunResult& result = lagging_consumer_run();
  ASSERT_TRUE(result.pass) << harness::describe_result(result);
  const Json section = retention_report_json(result);
  ASSERT_TRUE(section.is_object());
  for (const char* field : {"end_s", "retention_check_interval_ms", "cleaner_backoff_ms", "totals",
                            "topics", "violations"})
    EXPECT_TRUE(section.contains(field)) << field;
  const Json& events = topic_of(section, harness::kRunTopic);
  EXPECT_EQ(events["config"]["retention_ms"], 3000);
  EXPECT_EQ(events["config"]["retention_bytes"], 12288);
  ASSERT_EQ(events["partitions"].size(), 2u);
  for (const std::string reason : {"time", "size", "log-start"}) {
    std::string measurement = reason == "log-start" ? "log_start" : reason;
    EXPECT_EQ(sum_over_partitions(
                  section,
                  [&](const Json& p) {
                    return p["deleted"]["by_reason"][reason]["segments"].get<std::int64_t>();
                  }),
              measured(result, "retention_segments_deleted_" + measurement))
        << reason;
  }
  EXPECT_EQ(section["totals"]["segments_deleted"], measured(result, "retention_segments_deleted"));
  EXPECT_EQ(section["totals"]["bytes_deleted"], measured(result, "retention_bytes_reclaimed"));
  EXPECT_GT(section["totals"]["segments_deleted"].get<std::int64_t>(), 0);
  EXPECT_TRUE(section["violations"].empty());
}

TEST(RetentionReport, DeletionEventsListEverySegmentAndLogStartsOnlyRise) {
  const Json section = retention_report_json(lagging_consumer_run());
  for (const Json& p : topic_of(section, harness::kRunTopic)["partitions"]) {
    ASSERT_EQ(p["deletions_omitted"], 0) << "raise the cap or shorten the run";
    std::int64_t segments = 0, bytes = 0;
    for (const Json& e : p["deletions"]) {
      segments += static_cast<std::int64_t>(e["base_offsets"].size());
      bytes += e["bytes"].get<std::int64_t>();
    }
    EXPECT_EQ(segments, p["deleted"]["segments"]) << p["partition"];
    EXPECT_EQ(bytes, p["deleted"]["bytes"]) << p["partition"];
    EXPECT_GT(p["log_start"]["final"].get<std::int64_t>(), 0) << p["partition"];
    EXPECT_EQ(p["log_start"]["replicas"].size(), 3u) << p["partition"];
    for (const Json& replica : p["log_start"]["replicas"]) {
      for (std::size_t i = 1; i < replica["points"].size(); ++i)
        EXPECT_GT(replica["points"][i]["offset"], replica["points"][i - 1]["offset"]);
    }
    // retention.bytes also deletes here, so the time bound is not the whole story.
    ASSERT_TRUE(p["log_start"]["time_bound"].is_object());
    EXPECT_FALSE(p["log_start"]["time_bound"]["applies_alone"].get<bool>());
    EXPECT_TRUE(p["keys"].is_null());  // cleanup.policy=delete: nothing to compare
    EXPECT_TRUE(p["tombstones"].is_null());
  }
}

TEST(RetentionReport, CleanerCountsAndTombstoneLifetimesMatchTheRunsMeasurements) {
  const harness::RunResult& result = compaction_run();
  ASSERT_TRUE(result.pass) << harness::describe_result(result);
  const Json section = retention_report_json(result);
  ASSERT_TRUE(section.is_object());
  const Json& totals = section["totals"];
  EXPECT_EQ(totals["cleaner_passes"], measured(result, "cleaner_passes"));
  EXPECT_GT(totals["cleaner_passes"].get<std::int64_t>(), 0);
  EXPECT_EQ(totals["cleaner_records_removed"], measured(result, "cleaner_records_removed"));
  EXPECT_EQ(totals["cleaner_bytes_reclaimed"], measured(result, "cleaner_bytes_reclaimed"));
  EXPECT_EQ(totals["tombstones_removed"], measured(result, "tombstones_removed"));
  EXPECT_EQ(totals["segments_deleted"], measured(result, "retention_segments_deleted"));
  std::optional<std::int64_t> lifetime_min, lifetime_max;
  for (const Json& topic : section["topics"]) {
    for (const Json& p : topic["partitions"]) {
      const Json& lifetimes = p["tombstones"]["lifetimes"];
      if (lifetimes["count"] == 0) continue;
      lifetime_min = std::min(lifetime_min.value_or(INT64_MAX), lifetimes["min_ms"].get<int64_t>());
      lifetime_max = std::max(lifetime_max.value_or(INT64_MIN), lifetimes["max_ms"].get<int64_t>());
      EXPECT_EQ(p["tombstones"]["shorter_than_delete_retention"], 0) << p["partition"];
    }
  }
  const auto measured_min = result.measurements.find("tombstone_lifetime_ms_min");
  EXPECT_EQ(lifetime_min.has_value(), measured_min != result.measurements.end());
  if (lifetime_min) {
    EXPECT_EQ(*lifetime_min, measured_min->second);
    EXPECT_EQ(*lifetime_max, measured(result, "tombstone_lifetime_ms_max"));
  }
}

TEST(RetentionReport, APassingCompactedRunKeepsEveryExpectedKey) {
  const Json section = retention_report_json(compaction_run());
  for (const Json& p : topic_of(section, harness::kRunTopic)["partitions"]) {
    const Json& keys = p["keys"];
    ASSERT_TRUE(keys.is_object()) << p["partition"];
    EXPECT_GT(keys["expected"].get<std::int64_t>(), 0) << p["partition"];
    EXPECT_EQ(keys["missing"], 0) << keys.dump();
    EXPECT_EQ(keys["stale"], 0) << keys.dump();
    EXPECT_EQ(keys["kept"].get<std::int64_t>() + keys["newer"].get<std::int64_t>() +
                  keys["deleted"].get<std::int64_t>(),
              keys["expected"].get<std::int64_t>())
        << keys.dump();
    EXPECT_TRUE(keys["problems"].empty());
  }
}

TEST(RetentionReport, RunReportHtmlHoldsTheSectionWithItsChartsAndStaysWellFormed) {
  const Json report = run_report_of(lagging_consumer_run(), "retention-lagging-consumer.toml");
  ASSERT_TRUE(report.contains("retention"));
  const std::string html = run_report_html(report);
  std::string why;
  EXPECT_TRUE(well_formed(html, &why)) << why;
  EXPECT_NE(html.find("<h2>Retention and compaction</h2>"), std::string::npos);
  // The run report's four, the deletions bar chart, a log start chart per partition.
  EXPECT_EQ(count(html, "<svg "), 4u + 1u + 2u);
  EXPECT_NE(html.find("Log start offset of events-0"), std::string::npos);
  EXPECT_NE(html.find("Segments deleted by reason"), std::string::npos);
  EXPECT_NE(html.find("highest retention.ms alone allows"), std::string::npos);
  const std::string md = run_report_markdown(report);
  EXPECT_NE(md.find("## Retention and compaction"), std::string::npos);
  EXPECT_NE(md.find("| events-0 | "), std::string::npos);
}

TEST(RetentionReport, CompactionHtmlHasCleanerKeyAndTombstoneTables) {
  const Json report = run_report_of(compaction_run(), "compaction-delete.toml");
  const std::string html = run_report_html(report);
  std::string why;
  EXPECT_TRUE(well_formed(html, &why)) << why;
  EXPECT_NE(html.find("<h4>Cleaner passes ("), std::string::npos);
  EXPECT_NE(html.find("<h4>Keys kept versus expected"), std::string::npos);
  EXPECT_NE(html.find("<h4>Tombstone lifetimes"), std::string::npos);
  // The offsets topic's log start never moves: noted, not charted; events has the deletions
  // bar chart (compact,delete) and a log start chart per partition.
  EXPECT_NE(html.find("stayed 0 on every replica"), std::string::npos);
  EXPECT_EQ(count(html, "<svg "), 4u + 1u + 2u);
}

// The default scenario keeps Kafka's retention (7 days, no size limit) and compacts nothing
// but the offsets topic, which a run this short never gives the cleaner enough to do.
TEST(RetentionReport, ARunWithoutRetentionLimitsOrCompactionHasNoSection) {
  const harness::RunResult result = run_catalogue("default", 1);
  ASSERT_TRUE(result.observations);
  EXPECT_TRUE(result.observations->cleaner.empty());
  EXPECT_TRUE(result.observations->retention.empty());
  EXPECT_TRUE(retention_report_json(result).is_null());
  const Json report = run_report_of(result, "default.toml");
  EXPECT_FALSE(report.contains("retention"));
  EXPECT_EQ(run_report_markdown(report).find("Retention and compaction"), std::string::npos);
}

// --- Hand-built runs: the pieces with logic, on observations small enough to check by hand.

sim::SimTime at_ms(std::int64_t ms) {
  return sim::kSimStart + std::chrono::milliseconds(ms);
}

const cluster::TopicPartition kEvents0{harness::kRunTopic, cluster::PartitionIndex(0)};

cluster::LogConfig compacted_config() {
  cluster::LogConfig config;
  config.cleanup_policy = cluster::CleanupPolicy::kCompact;
  config.delete_retention_ms = 3000;
  return config;
}

properties::ReplicaRecord record(std::int64_t offset, const std::string& key,
                                 std::optional<std::string> value) {
  properties::ReplicaRecord r;
  r.offset = cluster::Offset(offset);
  r.key = key;
  r.value = std::move(value);
  return r;
}

void acknowledge(properties::History& history, std::int64_t offset, const std::string& key,
                 std::optional<std::string> value) {
  properties::Op& op = history.record("producer-1", properties::OpKind::kSend, at_ms(offset));
  op.tp = kEvents0;
  op.offset = cluster::Offset(offset);
  op.key = key;
  op.value = std::move(value);
}

// Keys a..e: a and b kept, c missing, d deleted by its tombstone, e left at an older value.
harness::RunResult keys_run() {
  auto history = std::make_shared<properties::History>();
  acknowledge(*history, 0, "a", "a1");
  acknowledge(*history, 1, "b", "b1");
  acknowledge(*history, 2, "c", "c1");
  acknowledge(*history, 3, "a", "a2");
  acknowledge(*history, 4, "d", "d1");
  acknowledge(*history, 5, "d", std::nullopt);
  acknowledge(*history, 6, "e", "e1");
  acknowledge(*history, 7, "e", "e2");
  auto observations = std::make_shared<properties::Observations>();
  observations->topic_configs[harness::kRunTopic] = compacted_config();
  properties::ReplicaLog log;
  log.broker = cluster::BrokerId(1);
  log.tp = kEvents0;
  log.log_end_offset = cluster::Offset(8);
  log.high_watermark = cluster::Offset(8);
  log.records = {record(1, "b", "b1"), record(3, "a", "a2"), record(6, "e", "e1")};
  observations->final_logs.push_back(log);
  observations->liveness_end = at_ms(10'000);
  harness::RunResult result;
  result.history = history;
  result.observations = observations;
  return result;
}

TEST(RetentionReportKeys, AKeyAbsentFromTheFinalLogIsMissingAndAnOlderValueIsStale) {
  const Json section = retention_report_json(keys_run());
  ASSERT_TRUE(section.is_object());
  const Json& keys = topic_of(section, harness::kRunTopic)["partitions"][0]["keys"];
  EXPECT_EQ(keys["broker"], 1);
  EXPECT_EQ(keys["distinct_in_log"], 3);
  EXPECT_EQ(keys["expected"], 5);
  EXPECT_EQ(keys["kept"], 2);     // a (its latest, offset 3) and b
  EXPECT_EQ(keys["deleted"], 1);  // d: its tombstone and every older value gone
  EXPECT_EQ(keys["missing"], 1);  // c
  EXPECT_EQ(keys["stale"], 1);    // e: e1 where e2 was acknowledged
  EXPECT_EQ(keys["newer"], 0);
  ASSERT_EQ(keys["problems"].size(), 2u);
  const Json& missing = keys["problems"][0];
  EXPECT_EQ(missing["key"], "c");
  EXPECT_EQ(missing["status"], "missing");
  EXPECT_EQ(missing["expected_offset"], 2);
  EXPECT_EQ(missing["expected_value"], "c1");
  EXPECT_TRUE(missing["found_offset"].is_null());
  const Json& stale = keys["problems"][1];
  EXPECT_EQ(stale["key"], "e");
  EXPECT_EQ(stale["expected_offset"], 7);
  EXPECT_EQ(stale["found_offset"], 6);
  EXPECT_EQ(stale["found_value"], "e1");
  EXPECT_NE(retention_report_markdown(section).find("key c: missing"), std::string::npos);
}

properties::CleanedRecordSeen seen(std::int64_t offset, const std::string& key,
                                   std::optional<std::string> value, bool kept) {
  properties::CleanedRecordSeen r;
  r.offset = cluster::Offset(offset);
  r.key = key;
  r.value = std::move(value);
  r.kept = kept;
  return r;
}

properties::CleanerSample pass(std::int64_t now_ms, std::int64_t end_offset,
                               std::vector<properties::CleanedRecordSeen> records) {
  properties::CleanerSample c;
  c.at = at_ms(now_ms);
  c.broker = cluster::BrokerId(1);
  c.tp = kEvents0;
  c.now_ms = now_ms;
  c.end_offset = cluster::Offset(end_offset);
  c.high_watermark = cluster::Offset(end_offset);
  c.active_segment_base = cluster::Offset(end_offset);
  c.records = std::move(records);
  return c;
}

// Tombstones at 2 (k), 5 (m), 7 (q, then a value of q at 8) and 9 (z), delete.retention.ms
// 3000: the pass at 1000 ms passes 2, 5 and 7; the one at 2000 ms removes 5 (1000 ms: too
// early); the one at 4500 ms removes 2 (3500 ms), 7 (superseded) and 9 (never passed).
harness::RunResult tombstones_run() {
  auto observations = std::make_shared<properties::Observations>();
  observations->topic_configs[harness::kRunTopic] = compacted_config();
  observations->cleaner.push_back(
      pass(1000, 9,
           {seen(2, "k", std::nullopt, true), seen(5, "m", std::nullopt, true),
            seen(7, "q", std::nullopt, true), seen(8, "q", "q1", true)}));
  observations->cleaner.push_back(
      pass(2000, 9,
           {seen(2, "k", std::nullopt, true), seen(5, "m", std::nullopt, false),
            seen(7, "q", std::nullopt, true), seen(8, "q", "q1", true)}));
  observations->cleaner.push_back(
      pass(4500, 10,
           {seen(2, "k", std::nullopt, false), seen(7, "q", std::nullopt, false),
            seen(8, "q", "q1", true), seen(9, "z", std::nullopt, false)}));
  properties::ReplicaLog log;
  log.broker = cluster::BrokerId(1);
  log.tp = kEvents0;
  log.records = {record(8, "q", "q1"), record(11, "y", std::nullopt)};
  observations->final_logs.push_back(log);
  observations->liveness_end = at_ms(10'000);
  harness::RunResult result;
  result.observations = observations;
  result.violations = properties::check_tombstone_kept(*observations);
  return result;
}

TEST(RetentionReportTombstones, LifetimesAreMeasuredFromTheFirstPassAndJudgedByDeleteRetention) {
  const harness::RunResult result = tombstones_run();
  const Json section = retention_report_json(result);
  ASSERT_TRUE(section.is_object());
  const Json& t = topic_of(section, harness::kRunTopic)["partitions"][0]["tombstones"];
  EXPECT_EQ(t["delete_retention_ms"], 3000);
  EXPECT_EQ(t["removed"], 4);
  EXPECT_EQ(t["superseded"], 1);
  EXPECT_EQ(t["never_passed"], 1);
  EXPECT_EQ(t["lifetimes"]["count"], 2);
  EXPECT_EQ(t["lifetimes"]["min_ms"], 1000);
  EXPECT_EQ(t["lifetimes"]["max_ms"], 3500);
  EXPECT_EQ(t["shorter_than_delete_retention"], 1);
  EXPECT_EQ(t["in_final_logs"], 1);
  // The same lifetimes as the compaction checker measures, and its violations listed.
  const properties::CheckResult checked =
      properties::check_compaction(properties::History(), *result.observations, {}, false);
  EXPECT_EQ(t["lifetimes"]["min_ms"], checked.measurements.at("tombstone_lifetime_ms_min"));
  EXPECT_EQ(t["lifetimes"]["max_ms"], checked.measurements.at("tombstone_lifetime_ms_max"));
  ASSERT_EQ(section["violations"].size(), 2u);  // m removed early, z never passed
  for (const Json& v : section["violations"]) EXPECT_EQ(v["property"], "tombstone-kept");
  const Json& cleaner = topic_of(section, harness::kRunTopic)["partitions"][0]["cleaner"];
  EXPECT_EQ(cleaner["passes"], 3);
  EXPECT_EQ(cleaner["records_removed"], 4);
  EXPECT_EQ(cleaner["runs"][2]["tombstones_removed"], 3);
  const std::string html = retention_report_html(section);
  std::string why;
  EXPECT_TRUE(well_formed("<div>" + html + "</div>", &why)) << why;
}

// A topic whose only limit is Kafka's default retention.ms (7 days) is out of scope in a run
// of seconds; a retention.ms within the run brings it in, with a time bound per closed
// segment; a cleaner pass over the offsets topic brings that in.
TEST(RetentionReportScope, OnlyTopicsWithLimitsThatCanActAreReported) {
  harness::RunResult result;
  auto observations = std::make_shared<properties::Observations>();
  observations->liveness_end = at_ms(30'000);
  observations->topic_configs[harness::kRunTopic] = cluster::LogConfig();
  observations->topic_configs["__consumer_offsets"] = compacted_config();
  result.observations = observations;
  EXPECT_TRUE(retention_report_json(result).is_null());

  cluster::LogConfig limited;
  limited.retention_ms = 1000;
  observations->topic_configs[harness::kRunTopic] = limited;
  properties::ReplicaLog log;
  log.tp = kEvents0;
  log.clock_ms = 30'000;  // the broker clock reads simulated time
  log.segments = {{cluster::Offset(0), cluster::Offset(10), 100, 500, 100},
                  {cluster::Offset(10), cluster::Offset(20), 100, 2500, 2000},
                  {cluster::Offset(20), cluster::Offset(25), 50, 2600, 2600}};  // active
  observations->final_logs = {log};
  const Json section = retention_report_json(result);
  ASSERT_TRUE(section.is_object());
  ASSERT_EQ(section["topics"].size(), 1u);  // not the offsets topic: no cleaner pass touched it
  const Json& bound = section["topics"][0]["partitions"][0]["log_start"]["time_bound"];
  EXPECT_TRUE(bound["applies_alone"].get<bool>());
  const Json expected = Json::parse(
      R"([{"t_s":0.0,"offset":0},{"t_s":1.501,"offset":10},{"t_s":3.501,"offset":20}])");
  EXPECT_EQ(bound["points"], expected);  // never into the active segment [20, 25)

  properties::CleanerSample offsets_pass = pass(5000, 0, {});
  offsets_pass.tp = {"__consumer_offsets", cluster::PartitionIndex(3)};
  observations->cleaner = {offsets_pass};
  properties::ReplicaLog untouched;  // a partition of it no pass touched: not listed
  untouched.tp = {"__consumer_offsets", cluster::PartitionIndex(1)};
  observations->final_logs.push_back(untouched);
  const Json touched = retention_report_json(result);
  ASSERT_EQ(touched["topics"].size(), 2u);
  EXPECT_EQ(touched["topics"][0]["topic"], "__consumer_offsets");
  ASSERT_EQ(touched["topics"][0]["partitions"].size(), 1u);
  EXPECT_EQ(touched["topics"][0]["partitions"][0]["partition"], "__consumer_offsets-3");
  EXPECT_EQ(touched["topics"][0]["partitions"][0]["cleaner"]["passes"], 1);
  EXPECT_TRUE(touched["topics"][0]["partitions"][0]["keys"].is_null());
}

}  // namespace
}  // namespace samsa::reports
