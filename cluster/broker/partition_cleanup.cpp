// Retention and compaction of one partition replica (log_retention.h, log_cleaner.h), run
// by the broker's log manager (ReplicaManager::start_log_manager) on every replica it
// holds, leader, follower or neither — as Kafka's LogManager and LogCleaner run on every
// log. Both act under the partition's mutex, so no append, fetch or truncation interleaves
// with a segment deletion or a segment swap; both judge time by the broker's own wall
// clock (record timestamps are CreateTime), so a skewed broker deletes early or late.
#include <fmt/format.h>

#include "cluster/broker/partition.h"
#include "cluster/log/partition_log.h"
#include "sim/log.h"

namespace samsa::cluster {

void Partition::run_retention() {
  const sim::MutexLock lock(log_mutex_);
  if (offline_ || log_ == nullptr) return;
  const ObserveOnExit observe_on_exit{*this};
  const auto pass =
      log_->delete_old_segments(high_watermark_, ctx_.env.wall_ms(), ctx_.config.bugs);
  if (!pass.ok()) {
    if (!went_offline(pass.error(), "deleting old segments")) {
      go_offline(fmt::format("deleting old segments ({})", log_error_name(pass.error())));
    }
    return;
  }
  if (pass.value().deleted.empty()) return;
  SAMSA_LOG_DEBUG("{}: retention deleted {} segment(s), log start {} -> {}", to_string(tp_),
                  pass.value().deleted.size(), pass.value().log_start_before,
                  pass.value().log_start_after);
  if (ctx_.config.retention_observer) {
    ctx_.config.retention_observer(ctx_.config.broker_id, tp_, pass.value());
  }
}

void Partition::run_cleaner() {
  const sim::MutexLock lock(log_mutex_);
  if (offline_ || log_ == nullptr || !compacts(log_->config().cleanup_policy)) return;
  const ObserveOnExit observe_on_exit{*this};
  const CleanerOptions options{.dedupe_max_keys = ctx_.config.log_cleaner_dedupe_max_keys,
                               .bugs = &ctx_.config.bugs};
  const auto pass = log_->clean(high_watermark_, ctx_.env.wall_ms(), options);
  if (!pass.ok()) {
    if (!went_offline(pass.error(), "cleaning")) {
      go_offline(fmt::format("cleaning ({})", log_error_name(pass.error())));
    }
    return;
  }
  if (!pass.value()) return;
  SAMSA_LOG_DEBUG("{}: cleaned [{}, {}), {} -> {} bytes", to_string(tp_),
                  pass.value()->first_dirty_offset, pass.value()->end_offset,
                  pass.value()->bytes_before, pass.value()->bytes_after);
  if (ctx_.config.cleaner_observer) {
    ctx_.config.cleaner_observer(ctx_.config.broker_id, tp_, *pass.value());
  }
}

}  // namespace samsa::cluster
