// The partition log's central property: whatever random history of appends, epoch
// changes, flushes, truncations, log start moves, crashes and power losses (also in the
// middle of an append or a truncation) it lives through, the log recovers to a valid
// prefix of what was written that keeps everything flushed and everything a crash left in
// the page cache, with an epoch cache that describes it.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <optional>
#include <ostream>
#include <vector>

#include "cluster/log/partition_log.h"
#include "tests/cluster/log_testing.h"

namespace samsa::cluster {
namespace {

using log_test::BatchSummary;
using log_test::is_prefix;
using log_test::LogRig;
using log_test::make_batch;
using log_test::small_config;

// --- The property: random histories ---

enum class OpKind : std::uint8_t {
  kAppend,    // a batch of 1 + arg % 4 records
  kNewEpoch,  // later appends under the next leader epoch
  kFlush,
  kCrash,
  kPowerLoss,
  kTruncate,                  // to arg per mille of the LEO (below the log start: fully)
  kAdvanceLogStart,           // arg per mille of the way from the log start to the LEO
  kPowerLossWhileAppending,   // after arg % 80 events of appending three batches
  kPowerLossWhileTruncating,  // after arg % 40 events of a truncation to arg/2 per mille
};

struct Op {
  OpKind kind = OpKind::kAppend;
  int arg = 0;  // in [0, 1000)
};

void showValue(const Op& op, std::ostream& os) {
  static constexpr const char* kNames[] = {"append",
                                           "new-epoch",
                                           "flush",
                                           "crash",
                                           "power-loss",
                                           "truncate",
                                           "advance-log-start",
                                           "power-loss-appending",
                                           "power-loss-truncating"};
  os << kNames[static_cast<int>(op.kind)] << "(" << op.arg << ")";
}

rc::Gen<Op> gen_op() {
  return rc::gen::build<Op>(rc::gen::set(&Op::kind, rc::gen::weightedElement<OpKind>({
                                                        {12, OpKind::kAppend},
                                                        {1, OpKind::kNewEpoch},
                                                        {2, OpKind::kFlush},
                                                        {1, OpKind::kCrash},
                                                        {2, OpKind::kPowerLoss},
                                                        {1, OpKind::kTruncate},
                                                        {1, OpKind::kAdvanceLogStart},
                                                        {1, OpKind::kPowerLossWhileAppending},
                                                        {1, OpKind::kPowerLossWhileTruncating},
                                                    })),
                            rc::gen::set(&Op::arg, rc::gen::inRange(0, 1000)));
}

// Replays ops against the log and against a model: the batches the page cache holds from
// the one holding the log start (`model_`), how many of them a power loss cannot take
// (`durable_`), the log start and the LEO.
class HistoryCheck {
 public:
  HistoryCheck(std::uint64_t seed, double torn_write_probability, LogConfig config)
      : r_(seed, torn_write_probability, config) {}

  void apply(const Op& op) {
    switch (op.kind) {
      case OpKind::kAppend:
        return append(1 + op.arg % 4);
      case OpKind::kNewEpoch:
        epoch_ = epoch_ + 1;
        return;
      case OpKind::kFlush:
        r_.flush();
        durable_ = model_.size();
        return;
      case OpKind::kCrash:
        r_.crash();
        RC_ASSERT(r_.contents() == model_);  // everything the page cache held, exactly
        check_offsets_and_epochs();
        return;
      case OpKind::kPowerLoss:
        return power_loss();
      case OpKind::kTruncate:
        return truncate(truncation_target(op.arg));
      case OpKind::kAdvanceLogStart:
        return advance_log_start(op.arg);
      case OpKind::kPowerLossWhileAppending:
        return power_loss_while_appending(static_cast<std::uint64_t>(op.arg % 80));
      case OpKind::kPowerLossWhileTruncating:
        return power_loss_while_truncating(truncation_target(op.arg / 2),
                                           static_cast<std::uint64_t>(op.arg % 40));
    }
  }

  void power_loss() { power_loss_keeping(model_, durable_); }

 private:
  // A power loss; afterwards the log must be a prefix of `possible`, at least `at_least`
  // batches long. What survived is on the medium: all of it counts as durable.
  void power_loss_keeping(const std::vector<BatchSummary>& possible, std::size_t at_least) {
    r_.power_loss();
    const auto after = r_.contents();  // read_all: every batch valid, offsets contiguous
    RC_ASSERT(is_prefix(after, possible));
    RC_ASSERT(after.size() >= at_least);  // nothing flushed is lost
    model_ = after;
    durable_ = model_.size();
    r_.with_log([&](PartitionLog& l) {
      log_start_ = l.log_start_offset();
      leo_ = l.log_end_offset();
    });
    check_offsets_and_epochs();
  }

  void append(int records) {
    const std::int64_t id = r_.next_id;
    r_.next_id += records;
    std::optional<AppendInfo> info;
    r_.with_log([&](PartitionLog& l) {
      auto appended = l.append_as_leader(make_batch(id, records), epoch_);
      if (appended.ok()) info = appended.value();
    });
    RC_ASSERT(info.has_value());
    RC_ASSERT(info->first_offset == leo_);
    RC_ASSERT(info->last_offset == leo_ + (records - 1));
    model_.push_back(summary(leo_, id, records));
    leo_ = info->last_offset + 1;
  }

  BatchSummary summary(Offset base, std::int64_t first_id, int records) const {
    BatchSummary b{base, base + (records - 1), epoch_, {}};
    for (int i = 0; i < records; ++i) {
      b.values.push_back(fmt::format("r{}", first_id + i));
      b.values.back().resize(16, '.');
    }
    return b;
  }

  Offset truncation_target(int per_mille) const { return Offset(leo_.value() * per_mille / 1000); }

  // How many batches of the model truncate_to(target) keeps (all when target >= LEO).
  std::size_t kept_by_truncation(Offset target) const {
    if (target >= leo_) return model_.size();
    std::size_t kept = 0;
    while (kept < model_.size() && model_[kept].last_offset < target) ++kept;
    // The batch holding the target begins below the log start: the log restarts empty.
    if (kept < model_.size() && model_[kept].base_offset < log_start_) return 0;
    return kept;
  }

  void truncate(Offset target) {
    if (target >= leo_) return;
    const std::size_t kept = target < log_start_ ? 0 : kept_by_truncation(target);
    r_.with_log([&](PartitionLog& l) { SAMSA_ASSERT(l.truncate_to(target).ok(), "truncation"); });
    if (kept == 0 &&
        (target < log_start_ || model_.empty() || model_[0].base_offset < log_start_)) {
      leo_ = target;
      log_start_ = target;
    } else {
      leo_ = kept == model_.size() ? leo_ : model_[kept].base_offset;
    }
    model_.resize(kept);
    durable_ = std::min(durable_, kept);
    check_offsets_and_epochs();
  }

  void advance_log_start(int per_mille) {
    const Offset target = log_start_ + (leo_ - log_start_) * per_mille / 1000;
    r_.with_log(
        [&](PartitionLog& l) { SAMSA_ASSERT(l.advance_log_start_offset(target).ok(), "advance"); });
    if (target <= log_start_) return;
    log_start_ = target;
    std::size_t removed = 0;
    while (removed < model_.size() && model_[removed].last_offset < target) ++removed;
    model_.erase(model_.begin(), model_.begin() + static_cast<std::ptrdiff_t>(removed));
    durable_ = durable_ > removed ? durable_ - removed : 0;
  }

  void power_loss_while_appending(std::uint64_t events) {
    r_.with_log([](PartitionLog&) {});  // open (and recover) first
    std::vector<BatchSummary> possible = model_;
    std::vector<std::int64_t> first_ids;
    for (int i = 0; i < 3; ++i) {
      first_ids.push_back(r_.next_id);
      possible.push_back(summary(leo_ + 2 * i, r_.next_id, 2));
      r_.next_id += 2;
    }
    r_.rig.run_for_events(
        [&](sim::NodeEnv&) {
          for (std::int64_t id : first_ids) {
            if (!r_.log->append_as_leader(make_batch(id, 2), epoch_).ok()) return;
          }
        },
        events);
    power_loss_keeping(possible, durable_);
  }

  void power_loss_while_truncating(Offset target, std::uint64_t events) {
    r_.with_log([](PartitionLog&) {});
    const std::size_t kept = target < log_start_ ? 0 : kept_by_truncation(target);
    r_.rig.run_for_events([&](sim::NodeEnv&) { (void)r_.log->truncate_to(target); }, events);
    const std::vector<BatchSummary> before = model_;
    power_loss_keeping(before, std::min(durable_, kept));
  }

  // The log agrees with the model's offsets, and its epoch cache with its batches.
  void check_offsets_and_epochs() {
    Offset log_start;
    Offset leo;
    bool epochs_match = true;
    r_.with_log([&](PartitionLog& l) {
      log_start = l.log_start_offset();
      leo = l.log_end_offset();
      for (const BatchSummary& b : model_) {
        // The cache starts at the log start, which may lie inside the first batch.
        const Offset first = std::max(b.base_offset, log_start);
        epochs_match = epochs_match && l.epoch_cache().epoch_for_offset(first) == b.epoch;
      }
      const auto latest = l.epoch_cache().latest_entry();
      epochs_match = epochs_match && (!latest || latest->start_offset < l.log_end_offset());
    });
    RC_ASSERT(log_start == log_start_);
    RC_ASSERT(leo == leo_);
    RC_ASSERT(epochs_match);
  }

  LogRig r_;
  std::vector<BatchSummary> model_;
  std::size_t durable_ = 0;
  Offset log_start_{0};
  Offset leo_{0};
  LeaderEpoch epoch_{0};
};

RC_GTEST_PROP(PartitionLogRecovery,
              RandomHistoriesRecoverToAValidPrefixKeepingAllFlushedAndAllCrashSurvivingData, ()) {
  const auto seed = *rc::gen::inRange<std::uint64_t>(1, 1u << 30);
  const auto torn = *rc::gen::element(0.0, 0.5, 1.0);
  const auto ops = *rc::gen::container<std::vector<Op>>(gen_op());
  LogConfig config = small_config();
  config.segment_bytes = 600;
  config.index_interval_bytes = 100;
  HistoryCheck check(seed, torn, config);
  for (const Op& op : ops) check.apply(op);
  check.power_loss();
}

}  // namespace
}  // namespace samsa::cluster
