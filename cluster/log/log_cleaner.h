// The log cleaner (cleanup.policy=compact or compact,delete), after Kafka's LogCleaner and
// LogCleanerManager: it picks a log once its dirty section is worth cleaning
// (min.cleanable.dirty.ratio, or max.compaction.lag.ms passed, or a tombstone's delete
// horizon passed), builds a key -> latest offset map over the dirty section, and rewrites
// every segment below the end of that section keeping the latest record of each key.
// PartitionLog::clean runs one pass; the broker calls it every log.cleaner.backoff.ms.
//
// Rules (each an assertion or a property in properties/):
//   1. The cleanable section ends at min(active segment base, high watermark, first
//      segment younger than min.compaction.lag.ms), at a segment boundary; nothing at or
//      above it changes.
//   2. Offsets, order, timestamps, keys and values of kept records never change (a batch
//      given a delete horizon has its record timestamp deltas rebased, KIP-534); a batch
//      whose records all go stays as an empty batch covering its offsets, so batches stay
//      contiguous. A record goes only when a later record of its key lies below the end,
//      or it is a tombstone past its delete horizon (first passed + delete.retention.ms,
//      KIP-534, kept in the batch: record_batch.h kDeleteHorizonAttribute).
//   3. Crash-safe: new segments are written as ".cleaned", renamed ".swap", then swapped in;
//      open() deletes ".cleaned" files and completes ".swap" ones, so a crash or power loss
//      leaves the old segments or the new ones, never a mix that loses a record.
//   4. The cleaner's progress (the first dirty offset) is checkpointed
//      ("cleaner-offset-checkpoint") after the swap is durable.
//
// Choices (log_cleaner.cpp): a pass flushes the log first when the recovery point lies
// below its end, so rewritten segments are always trusted-and-durable ones; the swap file
// carries only the ".log" bytes — the replaced segment's indexes are deleted before the
// rename and rebuilt after it (recovery validates a segment whose index is missing);
// cleaned segments are merged while their cleaned size fits segment.bytes; a tombstone's
// delete horizon is set on its batch by the first pass that keeps it, and the tombstone is
// never dropped by that same pass.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "cluster/bugs.h"
#include "cluster/log/log_config.h"
#include "cluster/log/record_batch.h"
#include "cluster/types.h"

namespace samsa::cluster {

struct CleanerOptions {
  // log.cleaner.dedupe.buffer.size, counted in keys: a pass whose dirty section holds more
  // keys cleans only up to the segment where the map filled.
  std::size_t dedupe_max_keys = 100'000;
  const Bugs* bugs = nullptr;  // the bug switches (kCleanerPastHighWatermark, ...); may be null
};

// One record the pass read below its end, before cleaning, and what became of it.
struct CleanedRecord {
  Offset offset;
  std::int64_t timestamp_ms = 0;
  std::optional<Bytes> key;
  std::optional<Bytes> value;  // nullopt: a tombstone
  bool kept = true;
  // A tombstone's delete horizon after this pass (-1: none yet / not a tombstone).
  std::int64_t delete_horizon_ms = -1;
  bool operator==(const CleanedRecord&) const = default;
};

// Why a log was picked.
enum class CleanTrigger : std::uint8_t { kDirtyRatio, kMaxCompactionLag, kDeleteHorizon };

// One cleaner pass over one replica's log.
struct CleanPass {
  std::int64_t now_ms = 0;  // the broker's clock
  CleanTrigger trigger = CleanTrigger::kDirtyRatio;
  Offset log_start_offset;
  Offset first_dirty_offset;  // the checkpoint before the pass
  // The first offset not rewritten: the checkpoint after (a pass triggered only by a
  // delete horizon may end below the checkpoint, which then stays).
  Offset end_offset;
  Offset high_watermark;
  Offset active_segment_base;
  double dirty_ratio = 0;
  std::uint64_t bytes_before = 0;  // of the segments rewritten
  std::uint64_t bytes_after = 0;
  std::int64_t oldest_dirty_timestamp_ms = -1;  // cleaner lag: now - this
  std::vector<CleanedRecord> records;           // every record in [log start, end), in order
};

}  // namespace samsa::cluster
