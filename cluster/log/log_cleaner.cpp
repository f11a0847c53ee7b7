// PartitionLog::clean: one pass of the log cleaner (log_cleaner.h), after Kafka's
// LogCleanerManager (which log, which range) and Cleaner (offset map, rewrite, swap).
//
// A pass: (1) bound the cleanable section and decide whether it is due; (2) flush, so the
// rewritten range lies below the recovery point; (3) build the offset map over the dirty
// section [first dirty, end), lowering end to a segment boundary if the map fills; (4)
// rewrite every segment below end, grouped while their total size stays within
// segment.bytes (Kafka's groupSegmentsBySize), and swap each group in crash-safely; (5)
// checkpoint end.
#include "cluster/log/log_cleaner.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <set>

#include "cluster/log/offset_map.h"
#include "cluster/log/partition_log.h"
#include "sim/assert.h"
#include "sim/log.h"

namespace samsa::cluster {

using sim::Err;

namespace {

bool bug_on(const CleanerOptions& options, Bug bug) {
  return options.bugs != nullptr && options.bugs->on(bug);
}

std::int64_t saturating_add(std::int64_t a, std::int64_t b) {
  std::int64_t sum = 0;
  if (__builtin_add_overflow(a, b, &sum)) {
    return b > 0 ? std::numeric_limits<std::int64_t>::max()
                 : std::numeric_limits<std::int64_t>::min();
  }
  return sum;
}

// The largest segment boundary (a base offset) at or below `offset`.
Offset round_down_to_segment(std::span<const SegmentInfo> segments, Offset offset) {
  Offset boundary = segments.front().base_offset;
  for (const SegmentInfo& s : segments) {
    if (s.base_offset > offset) break;
    boundary = s.base_offset;
  }
  return boundary;
}

// One batch after the cleaner: its new bytes, and what became of each record.
struct CleanedBatch {
  Bytes bytes;
  std::vector<CleanedRecord> records;
  // The batch's delete horizon, if it still holds a tombstone.
  std::optional<std::int64_t> retained_tombstone_horizon_ms;
};

// Kafka's Cleaner.shouldRetainRecord plus KIP-534's delete horizon for one batch.
CleanedBatch clean_batch(const BatchView& batch, const OffsetMap& map, std::int64_t now_ms,
                         const LogConfig& config, const CleanerOptions& options) {
  CleanedBatch out;
  const std::vector<Record> records = batch.records();
  std::vector<bool> keep(records.size(), true);
  const std::optional<std::int64_t> existing = batch.delete_horizon_ms();
  std::optional<std::int64_t> horizon = existing;
  bool fresh_horizon = false;
  if (!batch.is_control()) {
    // The latest record of a key is the one the map names; every other goes. (Equality,
    // not >=: within the rewritten range no record of a key lies past its latest.)
    std::optional<std::int64_t> first_tombstone_ms;
    for (std::size_t i = 0; i < records.size(); ++i) {
      const Record& r = records[i];
      if (!r.key) continue;
      const auto latest = map.get(*r.key);
      keep[i] = !latest || *latest == r.offset;
      if (keep[i] && r.tombstone() && !first_tombstone_ms) first_tombstone_ms = r.timestamp_ms;
    }
    if (!horizon && first_tombstone_ms) {
      // KIP-534: the horizon starts when the cleaner first passes the tombstone. The bug
      // (KAFKA-4529-like) measures it from the tombstone's own timestamp instead.
      const std::int64_t from_ms =
          bug_on(options, Bug::kEarlyTombstoneRemoval) ? *first_tombstone_ms : now_ms;
      horizon = saturating_add(from_ms, config.delete_retention_ms);
      fresh_horizon = true;
    }
    // A tombstone goes once its horizon has passed — never in the pass that set it, unless
    // the bug lets a horizon already in the past apply at once.
    const bool horizon_passed = horizon && *horizon <= now_ms &&
                                (!fresh_horizon || bug_on(options, Bug::kEarlyTombstoneRemoval));
    for (std::size_t i = 0; i < records.size(); ++i) {
      if (keep[i] && records[i].tombstone() && records[i].key && horizon_passed) keep[i] = false;
    }
  }
  bool any_removed = false;
  for (std::size_t i = 0; i < records.size(); ++i) {
    const Record& r = records[i];
    any_removed = any_removed || !keep[i];
    if (keep[i] && r.tombstone() && r.key) out.retained_tombstone_horizon_ms = horizon;
    out.records.push_back(CleanedRecord{r.offset, r.timestamp_ms, r.key, r.value, keep[i],
                                        r.tombstone() && horizon ? *horizon : -1});
  }
  std::size_t index = 0;
  const auto keep_fn = [&](const Record&) { return keep[index++]; };
  if (!any_removed && !fresh_horizon) {
    out.bytes.assign(batch.bytes().begin(), batch.bytes().end());
  } else if (horizon) {
    out.bytes = filter_batch_with_delete_horizon(batch, keep_fn, *horizon);
  } else {
    out.bytes = filter_batch(batch, keep_fn);
  }
  SAMSA_ASSERT(index == 0 || index == records.size(), "the filter saw every record once");
  return out;
}

// What decides a pass (Kafka's LogCleanerManager.cleanableOffsets and the dirty ratio).
struct CleanPlan {
  Offset first_dirty;
  Offset end;  // a segment boundary; dirty section [first_dirty, end) when end > first_dirty
  double dirty_ratio = 0;
  std::int64_t oldest_dirty_timestamp_ms = -1;
};

CleanPlan plan_clean(std::span<const SegmentInfo> segments, Offset first_dirty,
                     Offset high_watermark, std::int64_t now_ms, const LogConfig& config,
                     const CleanerOptions& options) {
  CleanPlan plan;
  plan.first_dirty = first_dirty;
  const Offset active_base = segments.back().base_offset;
  Offset bound = active_base;
  // KAFKA-13194: without the HW bound the cleaner compacts records not yet committed.
  if (!bug_on(options, Bug::kCleanerPastHighWatermark)) bound = std::min(bound, high_watermark);
  for (std::size_t i = 0; i + 1 < segments.size(); ++i) {
    const SegmentInfo& s = segments[i];
    if (s.next_offset <= first_dirty) continue;
    if (s.first_timestamp_ms >= 0) {
      plan.oldest_dirty_timestamp_ms =
          plan.oldest_dirty_timestamp_ms < 0
              ? s.first_timestamp_ms
              : std::min(plan.oldest_dirty_timestamp_ms, s.first_timestamp_ms);
    }
    if (config.min_compaction_lag_ms > 0 &&
        s.largest_timestamp_ms > now_ms - config.min_compaction_lag_ms) {
      bound = std::min(bound, s.base_offset);
      break;
    }
  }
  plan.end = round_down_to_segment(segments, bound);
  std::uint64_t cleaned_bytes = 0;
  std::uint64_t dirty_bytes = 0;
  for (const SegmentInfo& s : segments) {
    if (s.base_offset >= plan.end) break;
    (s.next_offset <= first_dirty ? cleaned_bytes : dirty_bytes) += s.size_bytes;
  }
  if (plan.end > first_dirty && cleaned_bytes + dirty_bytes > 0) {
    plan.dirty_ratio =
        static_cast<double>(dirty_bytes) / static_cast<double>(cleaned_bytes + dirty_bytes);
  }
  return plan;
}

}  // namespace

Offset PartitionLog::cleaner_checkpoint() const {
  return std::clamp(cleaner_offset_.value_or(log_start_offset_), log_start_offset_,
                    log_end_offset());
}

sim::Status<LogError> PartitionLog::write_cleaner_checkpoint(Offset offset) {
  if (auto st = write_offset_checkpoint(cleaner_checkpoint_file_, offset); !st) return st;
  cleaner_offset_ = offset;
  return sim::Unit{};
}

sim::Result<sim::Bytes, LogError> PartitionLog::read_segment(std::size_t index) {
  LogSegment& segment = *segments_[index];
  auto bytes = segment.read(segment.base_offset(), static_cast<std::int64_t>(segment.size_bytes()),
                            segment.next_offset(), true);
  if (!bytes) return fail(bytes.error());
  return bytes;
}

sim::Status<LogError> PartitionLog::load_delete_horizons() {
  earliest_delete_horizon_ms_.reset();
  const Offset cleaned_end = cleaner_checkpoint();
  for (std::size_t i = 0; i < segments_.size(); ++i) {
    if (segments_[i]->base_offset() >= cleaned_end) break;
    auto bytes = read_segment(i);
    if (!bytes) return Err{bytes.error()};
    for (const BatchView& batch : scan_batches(bytes.value()).batches) {
      const auto horizon = batch.delete_horizon_ms();
      if (!horizon || batch.last_offset() >= cleaned_end) continue;
      const auto records = batch.records();
      if (std::none_of(records.begin(), records.end(),
                       [](const Record& r) { return r.key && r.tombstone(); })) {
        continue;
      }
      earliest_delete_horizon_ms_ =
          std::min(earliest_delete_horizon_ms_.value_or(*horizon), *horizon);
    }
  }
  delete_horizons_known_ = true;
  return sim::Unit{};
}

// The .cleaned/.swap protocol (log_cleaner.h rule 3) for segments_[first, first + count).
sim::Status<LogError> PartitionLog::swap_in_cleaned(std::size_t first, std::size_t count,
                                                    const sim::Bytes& content) {
  sim::Disk& disk = env_.disk();
  const Offset base = segments_[first]->base_offset();
  const Offset end = segments_[first + count - 1]->next_offset();
  const std::string& log_path = segments_[first]->log_path();
  const std::string cleaned_path = log_path + kCleanedSuffix;
  const std::string swap_path = log_path + kSwapSuffix;
  if (disk.exists(cleaned_path) && !disk.remove(cleaned_path)) return fail(LogError::kIo);
  if (!disk.create(cleaned_path)) return fail(LogError::kIo);
  if (!disk.append(cleaned_path, content) || !disk.fsync(cleaned_path)) {
    return fail(LogError::kIo);
  }
  if (!disk.rename(cleaned_path, swap_path)) return fail(LogError::kIo);
  dir_unsynced_ = true;
  if (auto st = sync_dir(); !st) return st;
  // From here recovery completes the swap: the old segments may go.
  for (std::size_t i = first + 1; i < first + count; ++i) {
    if (auto st = segments_[i]->delete_files(); !st) return fail(st.error());
  }
  if (auto st = segments_[first]->delete_index_files(); !st) return fail(st.error());
  if (!disk.rename(swap_path, log_path)) return fail(LogError::kIo);
  dir_unsynced_ = true;
  if (auto st = sync_dir(); !st) return st;
  // The indexes are rebuilt from the new bytes; until they are durable, a missing or torn
  // index only makes recovery validate the segment instead of trusting it.
  auto segment = LogSegment::open(disk, dir_, base, config_, env_.wall_ms());
  auto truncated = segment->recover();
  if (!truncated) return fail(truncated.error());
  SAMSA_ASSERT(truncated.value() == 0 && segment->next_offset() == end,
               fmt::format("{}: cleaned segment {} reads back whole to {}", dir_, base, end));
  if (auto st = segment->on_become_inactive(); !st) return fail(st.error());
  if (auto st = segment->flush(); !st) return fail(st.error());
  dir_unsynced_ = true;
  const auto at = segments_.begin() + static_cast<std::ptrdiff_t>(first);
  segments_.erase(at, at + static_cast<std::ptrdiff_t>(count));
  segments_.insert(segments_.begin() + static_cast<std::ptrdiff_t>(first), std::move(segment));
  check_invariants();
  return sim::Unit{};
}

// The offset map over the dirty section [first_dirty, end), a whole segment at a time;
// lowers `end` to the segment where the map would overflow (to first_dirty if even the
// first dirty segment does not fit).
sim::Status<LogError> PartitionLog::build_offset_map(Offset first_dirty, Offset& end,
                                                     OffsetMap& map) {
  for (std::size_t i = 0; i < segments_.size(); ++i) {
    if (segments_[i]->base_offset() >= end) break;
    if (segments_[i]->next_offset() <= first_dirty) continue;
    auto bytes = read_segment(i);
    if (!bytes) return Err{bytes.error()};
    std::vector<Record> keyed;
    std::set<Bytes> new_keys;
    for (const BatchView& batch : scan_batches(bytes.value()).batches) {
      if (batch.is_control()) continue;
      for (Record& r : batch.records()) {
        if (!r.key || r.offset < first_dirty) continue;
        if (!map.get(*r.key)) new_keys.insert(*r.key);
        keyed.push_back(std::move(r));
      }
    }
    if (map.size() + new_keys.size() > map.max_keys()) {
      end = std::max(segments_[i]->base_offset(), first_dirty);
      break;
    }
    for (const Record& r : keyed) {
      const bool put = map.put(*r.key, r.offset);
      SAMSA_ASSERT(put, "the map has room for a segment that fits");
    }
  }
  return sim::Unit{};
}

// Cleans every segment below `end` (a segment boundary), then swaps them in, in groups
// whose cleaned size stays within segment.bytes (Kafka's groupSegmentsBySize, measured
// after cleaning). Fills pass.records and the byte counts.
sim::Status<LogError> PartitionLog::rewrite_segments_below(
    Offset end, const OffsetMap& map, const CleanerOptions& options, CleanPass& pass,
    std::optional<std::int64_t>& earliest_horizon) {
  const std::int64_t now_ms = pass.now_ms;
  std::vector<sim::Bytes> cleaned_segments;
  for (std::size_t i = 0; i < segments_.size() && segments_[i]->base_offset() < end; ++i) {
    auto bytes = read_segment(i);
    if (!bytes) return Err{bytes.error()};
    pass.bytes_before += bytes.value().size();
    sim::Bytes content;
    for (const BatchView& batch : scan_batches(bytes.value()).batches) {
      CleanedBatch cleaned = clean_batch(batch, map, now_ms, config_, options);
      content.insert(content.end(), cleaned.bytes.begin(), cleaned.bytes.end());
      for (CleanedRecord& r : cleaned.records) {
        if (r.offset >= log_start_offset_) pass.records.push_back(std::move(r));
      }
      if (const auto horizon = cleaned.retained_tombstone_horizon_ms) {
        earliest_horizon = std::min(earliest_horizon.value_or(*horizon), *horizon);
      }
    }
    pass.bytes_after += content.size();
    cleaned_segments.push_back(std::move(content));
  }
  std::size_t first = 0;  // the index in segments_ of the next group
  for (std::size_t at = 0; at < cleaned_segments.size();) {
    std::size_t count = 1;
    sim::Bytes group = std::move(cleaned_segments[at]);
    while (at + count < cleaned_segments.size()) {
      const sim::Bytes& next = cleaned_segments[at + count];
      const LogSegment& next_segment = *segments_[first + count];
      const bool fits =
          group.size() + next.size() <= static_cast<std::uint64_t>(config_.segment_bytes) &&
          next_segment.next_offset() - segments_[first]->base_offset() <=
              std::numeric_limits<std::int32_t>::max();
      if (!fits) break;
      group.insert(group.end(), next.begin(), next.end());
      ++count;
    }
    if (auto st = swap_in_cleaned(first, count, group); !st) return st;
    at += count;
    ++first;
  }
  return sim::Unit{};
}

sim::Result<std::optional<CleanPass>, LogError> PartitionLog::clean(Offset high_watermark,
                                                                    std::int64_t now_ms,
                                                                    const CleanerOptions& options) {
  if (offline_) return Err{LogError::kIo};
  if (!compacts(config_.cleanup_policy)) return std::optional<CleanPass>();
  if (!delete_horizons_known_) {
    if (auto st = load_delete_horizons(); !st) return Err{st.error()};
  }
  const Offset hw = std::min(high_watermark, log_end_offset());
  const std::vector<SegmentInfo> infos = segments();
  CleanPlan plan = plan_clean(infos, cleaner_checkpoint(), hw, now_ms, config_, options);
  const bool max_lag_due = plan.oldest_dirty_timestamp_ms >= 0 &&
                           now_ms - plan.oldest_dirty_timestamp_ms > config_.max_compaction_lag_ms;
  const bool horizon_due = earliest_delete_horizon_ms_ && *earliest_delete_horizon_ms_ <= now_ms;
  CleanPass pass;
  pass.now_ms = now_ms;
  pass.log_start_offset = log_start_offset_;
  pass.first_dirty_offset = plan.first_dirty;
  pass.high_watermark = high_watermark;
  pass.active_segment_base = infos.back().base_offset;
  pass.dirty_ratio = plan.dirty_ratio;
  pass.oldest_dirty_timestamp_ms = plan.oldest_dirty_timestamp_ms;
  const bool has_dirty = plan.end > plan.first_dirty;
  if (has_dirty && plan.dirty_ratio >= config_.min_cleanable_dirty_ratio) {
    pass.trigger = CleanTrigger::kDirtyRatio;
  } else if (has_dirty && max_lag_due) {
    pass.trigger = CleanTrigger::kMaxCompactionLag;
  } else if (horizon_due) {
    pass.trigger = CleanTrigger::kDeleteHorizon;
  } else {
    return std::optional<CleanPass>();
  }
  // The rewritten range becomes durable first, so it lies below the recovery point.
  if (recovery_point_ < plan.end) {
    if (auto st = flush(); !st) return Err{st.error()};
  }

  OffsetMap map(options.dedupe_max_keys, bug_on(options, Bug::kCleanerKeepsFirstValue));
  if (has_dirty) {
    if (auto st = build_offset_map(plan.first_dirty, plan.end, map); !st) return Err{st.error()};
  }
  // Without a dirty section the pass only rewrites the cleaned one (for tombstones).
  Offset end = plan.end;
  if (end <= plan.first_dirty) {
    if (!horizon_due) return std::optional<CleanPass>();
    end = round_down_to_segment(
        infos, std::min(plan.first_dirty, std::max(plan.end, infos.front().base_offset)));
  }
  if (end <= segments_.front()->base_offset()) return std::optional<CleanPass>();
  pass.end_offset = end;

  std::optional<std::int64_t> earliest_horizon;
  if (auto st = rewrite_segments_below(end, map, options, pass, earliest_horizon); !st) {
    return Err{st.error()};
  }
  const Offset checkpoint = std::max(plan.first_dirty, end);
  if (auto st = write_cleaner_checkpoint(checkpoint); !st) return Err{st.error()};
  // The pass rewrote the whole cleaned section unless it ended below the checkpoint.
  earliest_delete_horizon_ms_ = earliest_horizon;
  delete_horizons_known_ = end >= checkpoint;
  check_invariants();
  return std::optional<CleanPass>(std::move(pass));
}

}  // namespace samsa::cluster
