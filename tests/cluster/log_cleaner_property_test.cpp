// Properties of the log cleaner under random keyed workloads with deletes: random cleans at
// random high watermarks and times, some cut short by a crash or a power loss. After every
// pass (and every reopen) the log holds, for every key, its latest record below the end
// (a tombstone may go only once its delete horizon passed), kept records keep their
// offsets, values and order, and nothing at or above the end changes.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "cluster/log/log_cleaner.h"
#include "cluster/log/partition_log.h"
#include "tests/cluster/log_testing.h"

namespace samsa::cluster {
namespace {

using log_test::check_cleaned;
using log_test::keyed_batch;
using log_test::KeyedRecord;
using log_test::LogRig;
using log_test::read_records;

enum class OpKind { kAppend, kClean, kCleanCrash, kCleanPowerLoss, kCount };

struct Op {
  OpKind kind = OpKind::kAppend;
  int key = 0;      // append: first key (of 6)
  int records = 1;  // append: 1..3 records
  bool tombstone = false;
  int hw_percent = 100;   // clean: HW as a share of the LEO
  int advance_ms = 0;     // clean: how far the clock moves first
  std::uint64_t cut = 0;  // clean cut short: after this many simulation events
};

void showValue(const Op& op, std::ostream& os) {
  static constexpr const char* kNames[] = {"append", "clean", "clean-crash", "clean-power-loss"};
  os << kNames[static_cast<int>(op.kind)] << "(k" << op.key << " x" << op.records
     << (op.tombstone ? " tombstone" : "") << " hw" << op.hw_percent << "% +" << op.advance_ms
     << "ms cut " << op.cut << ")";
}

rc::Gen<Op> gen_op() {
  return rc::gen::build<Op>(
      rc::gen::set(&Op::kind, rc::gen::weightedElement<OpKind>({{8, OpKind::kAppend},
                                                                {2, OpKind::kClean},
                                                                {1, OpKind::kCleanCrash},
                                                                {1, OpKind::kCleanPowerLoss}})),
      rc::gen::set(&Op::key, rc::gen::inRange(0, 6)),
      rc::gen::set(&Op::records, rc::gen::inRange(1, 4)),
      rc::gen::set(&Op::tombstone, rc::gen::weightedElement<bool>({{4, false}, {1, true}})),
      rc::gen::set(&Op::hw_percent, rc::gen::inRange(30, 101)),
      rc::gen::set(&Op::advance_ms, rc::gen::inRange(0, 4000)),
      rc::gen::set(&Op::cut, rc::gen::inRange<std::uint64_t>(0, 200)));
}

LogConfig property_config() {
  LogConfig config = log_test::small_config();
  config.segment_bytes = 250;
  config.cleanup_policy = CleanupPolicy::kCompact;
  config.min_cleanable_dirty_ratio = 0.0;
  config.delete_retention_ms = 3000;
  config.retention_ms = -1;
  return config;
}

// Checks a finished pass against the records before it.
void check_pass(const CleanPass& pass, const std::vector<Record>& before,
                const std::vector<Record>& after, Offset hw) {
  RC_ASSERT(pass.end_offset <= hw);
  RC_ASSERT(pass.end_offset <= pass.active_segment_base);
  RC_ASSERT(check_cleaned(before, after, pass.end_offset) == "");
  // The pass reports exactly the records below its end, as they were.
  std::vector<Record> reported;
  for (const CleanedRecord& r : pass.records) {
    reported.push_back(Record{r.offset, r.timestamp_ms, r.key, r.value});
  }
  std::vector<Record> below_end;
  for (const Record& r : before) {
    if (r.offset < pass.end_offset) below_end.push_back(r);
  }
  RC_ASSERT(reported == below_end);
  // The latest tombstone of a key goes only after its horizon; one kept has a horizon
  // still ahead.
  std::map<Bytes, Offset> latest;
  for (const Record& r : below_end) {
    if (r.key) latest[*r.key] = r.offset;
  }
  for (const CleanedRecord& r : pass.records) {
    if (!r.key || r.value || latest.at(*r.key) != r.offset) continue;
    if (r.kept) {
      RC_ASSERT(r.delete_horizon_ms > pass.now_ms);
    } else {
      RC_ASSERT(r.delete_horizon_ms >= 0 && r.delete_horizon_ms <= pass.now_ms);
    }
  }
}

RC_GTEST_PROP(LogCleanerProperty, EveryLatestValueSurvivesCleansCrashesAndPowerLosses, ()) {
  const auto op_count = *rc::gen::inRange<std::size_t>(10, 60);
  const auto ops = *rc::gen::container<std::vector<Op>>(op_count, gen_op());
  const auto seed = *rc::gen::inRange<std::uint64_t>(1, 1000);
  LogRig r(seed, 1.0, property_config());
  std::int64_t now_ms = 10'000;
  int next_value = 0;
  int passes = 0;
  int tombstones_dropped = 0;
  int cut_short = 0;
  for (const Op& op : ops) {
    if (op.kind == OpKind::kAppend) {
      std::vector<KeyedRecord> records;
      for (int i = 0; i < op.records; ++i) {
        const bool tombstone = op.tombstone && i == 0;
        records.push_back({fmt::format("k{}", (op.key + i) % 6),
                           tombstone ? std::nullopt
                                     : std::optional<std::string>(fmt::format("v{}", next_value))});
        ++next_value;
      }
      bool ok = false;
      r.with_log([&](PartitionLog& l) {
        ok = l.append_as_leader(keyed_batch(records, now_ms), LeaderEpoch(0)).ok();
      });
      RC_ASSERT(ok);
      continue;
    }
    now_ms += op.advance_ms;
    r.flush();  // a power loss mid-clean then loses nothing appended
    std::vector<Record> before;
    Offset hw;
    Offset leo;
    r.with_log([&](PartitionLog& l) {
      before = read_records(l);
      hw = Offset(l.log_end_offset().value() * op.hw_percent / 100);
      leo = l.log_end_offset();
    });
    std::optional<CleanPass> pass;
    std::optional<LogError> error;
    const auto step = [&](sim::NodeEnv&) {
      auto result = r.log->clean(hw, now_ms, CleanerOptions{});
      if (result.ok()) {
        pass = result.value();
      } else {
        error = result.error();
      }
    };
    bool finished = true;
    if (op.kind == OpKind::kClean) {
      r.rig.run(step);
    } else {
      finished = r.rig.run_for_events(step, op.cut);
      if (op.kind == OpKind::kCleanCrash) {
        r.crash();
      } else {
        r.power_loss();
      }
    }
    // (RapidCheck's exceptions lose their message inside a fiber: assert outside.)
    if (error) RC_FAIL(fmt::format("clean failed: {}", log_error_name(*error)));
    std::vector<Record> after;
    Offset leo_after;
    Offset checkpoint_after;
    r.with_log([&](PartitionLog& l) {
      after = read_records(l);
      leo_after = l.log_end_offset();
      checkpoint_after = l.cleaner_checkpoint();
    });
    RC_ASSERT(leo_after == leo);
    RC_ASSERT(checkpoint_after <= leo_after);
    if (finished && pass) {
      ++passes;
      for (const CleanedRecord& cr : pass->records)
        tombstones_dropped += cr.key && !cr.value && !cr.kept;
      check_pass(*pass, before, after, hw);
    } else {
      cut_short += !finished;
      // Cut short: the old segments or the new ones, never a mix that loses a record.
      RC_ASSERT(check_cleaned(before, after, hw) == "");
    }
  }
  RC_TAG(passes > 0 ? "cleaned" : "never cleaned", cut_short > 0 ? "cut short" : "never cut",
         tombstones_dropped > 0 ? "tombstones dropped" : "no tombstone dropped");
}

}  // namespace
}  // namespace samsa::cluster
