// PartitionLog: one replica's log of one partition — a directory ("<topic>-<partition>")
// of segments (log_segment.h), the leader-epoch cache, three offset checkpoints (recovery
// point, log start offset, high watermark) and the idempotent producers' state with its
// snapshots ("<offset>.snapshot") — after Kafka's UnifiedLog/LocalLog and its
// ProducerStateManager. The broker appends as leader or follower, reads for fetches,
// truncates on divergence and flushes by policy; open() recovers whatever a crash or a
// power loss left on disk.
//
// Invariants (checked with SAMSA_ASSERT after every change):
//   1. Segments are contiguous: each starts at the previous one's next offset; the last
//      one (the active segment) ends at the log end offset (LEO).
//   2. first segment's base <= log start offset <= LEO; recovery point <= LEO.
//   3. Every offset below the recovery point is durable: its batch, its segment's name
//      and the recovery-point checkpoint were fsynced.
//   4. The epoch cache names no epoch starting at or after the LEO once open() returns,
//      and every batch appended since carries the epoch the cache gives its base offset.
//   5. After any LogError::kIo the log is offline: every later call fails with kIo (the
//      memory and the disk may disagree) until the log is opened again.
//   6. producer_state() agrees with recording every batch from the log start to the LEO,
//      in order (ProducerStateManager::record), on every producer the log still holds; it
//      also remembers producers whose batches retention deleted (KIP-360), until a reopen
//      finds no snapshot above the log start and rebuilds from the log alone.
//   7. A snapshot named <s> is written only once every batch below s is durable, and
//      describes exactly those batches; none is named above the LEO once open() or a
//      truncation returns (so a snapshot never outlives the batches it describes).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "cluster/log/checkpoint_file.h"
#include "cluster/log/leader_epoch_cache.h"
#include "cluster/log/log_cleaner.h"
#include "cluster/log/log_config.h"
#include "cluster/log/log_retention.h"
#include "cluster/log/log_segment.h"
#include "cluster/log/producer_state.h"
#include "cluster/types.h"
#include "sim/node_env.h"
#include "sim/result.h"

namespace samsa::cluster {

class OffsetMap;

struct AppendInfo {
  Offset first_offset;
  Offset last_offset;
  std::int64_t max_timestamp = -1;
  std::int32_t record_count = 0;
};

struct ReadResult {
  sim::Bytes batches;  // whole batches, back to back
  Offset log_start_offset;
  Offset log_end_offset;
};

// How the producer state was last rebuilt (by open() or a truncation).
struct ProducerStateLoad {
  std::optional<Offset> snapshot;    // the snapshot it started from; none: the log start
  std::int64_t batches_scanned = 0;  // batches read after it
};

class PartitionLog {
 public:
  static constexpr const char* kRecoveryPointFile = "recovery-point-offset-checkpoint";
  static constexpr const char* kLogStartFile = "log-start-offset-checkpoint";
  static constexpr const char* kHighWatermarkFile = "replication-offset-checkpoint";
  static constexpr const char* kCleanerCheckpointFile = "cleaner-offset-checkpoint";
  static constexpr const char* kSnapshotSuffix = ".snapshot";
  // The log cleaner's swap protocol (log_cleaner.h): "<segment>.log.cleaned" while being
  // written, "<segment>.log.swap" once durable and ready to replace the segments it covers.
  static constexpr const char* kCleanedSuffix = ".cleaned";
  static constexpr const char* kSwapSuffix = ".swap";
  static constexpr std::size_t kSnapshotsRetained = 2;
  static constexpr std::uint64_t kMaxSnapshotBytes = 64 << 20;

  // Creates the log in `dir`, or recovers the one there (see "Recovery" in the .cpp):
  // segments below the recovery point are trusted, later ones validated batch by batch and
  // truncated at the first torn or corrupt batch; the producer state is loaded from the
  // newest valid snapshot at or below the recovered LEO plus the batches after it. Call
  // from a fiber of env's node; the log keeps a copy of env and must not outlive the
  // node's process.
  static sim::Result<std::unique_ptr<PartitionLog>, LogError> open(sim::NodeEnv& env,
                                                                   std::string dir,
                                                                   LogConfig config);
  ~PartitionLog();
  PartitionLog(const PartitionLog&) = delete;
  PartitionLog& operator=(const PartitionLog&) = delete;

  const std::string& dir() const { return dir_; }
  const LogConfig& config() const { return config_; }
  Offset log_start_offset() const { return log_start_offset_; }
  Offset log_end_offset() const;
  Offset recovery_point() const { return recovery_point_; }
  bool offline() const { return offline_; }

  // Assigns offsets from the LEO to one batch (stamp_batch) under `epoch` (>= the cache's
  // latest epoch) and appends it; the epoch cache learns (epoch, LEO) if the epoch is new.
  // kInvalidBatch unless `batch` is exactly one valid batch with at least one record.
  sim::Result<AppendInfo, LogError> append_as_leader(std::span<const std::uint8_t> batch,
                                                     LeaderEpoch epoch);
  // Appends batches a leader sent, offsets and epochs as they are: the first must start at
  // the LEO and each continue the previous one (else kNonMonotonicOffsets); each must
  // parse (kCorrupt on a CRC mismatch, kInvalidBatch otherwise) and carry an epoch >= 0.
  // Nothing is appended unless all of them pass.
  sim::Result<AppendInfo, LogError> append_as_follower(std::span<const std::uint8_t> batches);

  // Whole batches from the one holding `offset`, each wholly below `max_offset`, within
  // `max_bytes` but at least one (Kafka's minOneMessage), all from one segment.
  // kOffsetOutOfRange unless log start <= offset <= LEO; at the LEO the result is empty.
  sim::Result<ReadResult, LogError> read(Offset offset, std::int32_t max_bytes, Offset max_offset);

  // Drops every batch holding an offset >= `offset` (follower divergence); the LEO ends at
  // or below `offset` — at `offset` itself, with the log restarted empty there, when the
  // batch holding it begins below the log start. Durable before it returns, and ordered so that a
  // power loss midway leaves the log and the epoch cache consistent; snapshots above the
  // new LEO are deleted and the producer state reloaded (Kafka's truncateAndReload). Below
  // the log start it truncates fully (truncate_fully_and_start_at). At or above the LEO
  // only the epoch cache is truncated to the LEO, as Kafka's UnifiedLog.truncateTo does: it
  // may end with an epoch this replica assigned as leader but never wrote under.
  sim::Status<LogError> truncate_to(Offset offset);
  // Deletes every segment and starts empty at `offset`, which becomes the log start offset
  // (a follower behind the leader's log start; Kafka's truncateFullyAndStartAt).
  sim::Status<LogError> truncate_fully_and_start_at(Offset offset);
  // fsyncs every segment up to the LEO, syncs the directory, and advances and checkpoints
  // the recovery point.
  sim::Status<LogError> flush();
  // A clean flush, as at a clean shutdown (Kafka's UnifiedLog.close): flush(), then a
  // producer-state snapshot at the LEO, so the next open() reads no batch. (A segment
  // roll snapshots too; flushes by flush.messages / flush.ms and flush() do not.)
  sim::Status<LogError> clean_flush();

  const LeaderEpochCache& epoch_cache() const { return epoch_cache_; }
  // Direct changes to the cache bypass invariant 5 (a failed write leaves the log online);
  // the broker uses assign_epoch_start_offset and truncate_to instead.
  LeaderEpochCache& epoch_cache() { return epoch_cache_; }
  // Kafka's maybeAssignEpochStartOffset: a new leader records that `epoch` starts at
  // `start_offset` (its LEO). Through the log so that a disk error takes it offline.
  sim::Status<LogError> assign_epoch_start_offset(LeaderEpoch epoch, Offset start_offset);

  // --- Idempotent producers (KIP-98) ---------------------------------------------------
  const ProducerStateManager& producer_state() const { return producers_; }
  // The offsets of the snapshot files on disk, ascending (at most kSnapshotsRetained).
  const std::vector<Offset>& producer_snapshots() const { return snapshots_; }
  const ProducerStateLoad& last_producer_state_load() const { return last_load_; }
  // "<dir>/<20-digit offset>.snapshot".
  std::string producer_snapshot_path(Offset end_offset) const;

  // ListOffsets by timestamp: the first offset at or above the log start whose record's
  // timestamp is >= `timestamp_ms`, or nullopt when none is.
  sim::Result<std::optional<Offset>, LogError> offset_for_timestamp(std::int64_t timestamp_ms);

  // The high watermark as last checkpointed ("replication-offset-checkpoint"); on open,
  // clamped into [log start, LEO]. `hw` must be <= the LEO.
  sim::Status<LogError> checkpoint_high_watermark(Offset hw);
  Offset checkpointed_high_watermark() const { return high_watermark_; }

  // Moves the log start offset forward to `offset` (<= LEO; never backwards: a smaller one
  // is a no-op), durably ("log-start-offset-checkpoint"); the epoch cache follows.
  // Segments stay until retention deletes them.
  sim::Status<LogError> advance_log_start_offset(Offset offset);

  std::vector<SegmentInfo> segments() const;

  // --- Retention and compaction (log_retention.h, log_cleaner.h) -------------------------
  // One retention check: deletes the segments select_segments_to_delete picks for
  // (`high_watermark`, `now_ms` on the broker's clock), after durably advancing the log
  // start offset to the first segment kept (so a crash between leaves a log start above
  // the first segment's base, which the next check deletes as kLogStart).
  sim::Result<RetentionPass, LogError> delete_old_segments(Offset high_watermark,
                                                           std::int64_t now_ms, const Bugs& bugs);
  // One cleaner pass when the config compacts and the log is due (see log_cleaner.h);
  // nullopt when there is nothing worth cleaning.
  sim::Result<std::optional<CleanPass>, LogError> clean(Offset high_watermark, std::int64_t now_ms,
                                                        const CleanerOptions& options);
  // The first offset the cleaner has not cleaned ("cleaner-offset-checkpoint"), clamped to
  // [log start, LEO].
  Offset cleaner_checkpoint() const;

 private:
  PartitionLog(sim::NodeEnv env, std::string dir, LogConfig config, LeaderEpochCache cache);

  // Recovery (partition_log_recovery.cpp).
  sim::Status<LogError> recover();
  sim::Result<std::vector<Offset>, LogError> list_segments();
  sim::Status<LogError> load_segments(const std::vector<Offset>& bases, Offset recovery_point);
  sim::Status<LogError> delete_segment_files(Offset base_offset);
  // The cleaner's swap files (partition_log_recovery.cpp): deletes ".cleaned" files and
  // completes every ".swap" (deletes the segments it covers, renames it into place).
  sim::Status<LogError> complete_cleaner_swaps();
  // The log cleaner (log_cleaner.cpp).
  sim::Status<LogError> swap_in_cleaned(std::size_t first, std::size_t count,
                                        const sim::Bytes& content);
  sim::Status<LogError> write_cleaner_checkpoint(Offset offset);
  sim::Status<LogError> build_offset_map(Offset first_dirty, Offset& end, OffsetMap& map);
  sim::Status<LogError> rewrite_segments_below(Offset end, const OffsetMap& map,
                                               const CleanerOptions& options, CleanPass& pass,
                                               std::optional<std::int64_t>& earliest_horizon);
  // The earliest delete horizon of a batch below the cleaner checkpoint that still holds a
  // tombstone, rebuilt by reading the cleaned section (after open()).
  sim::Status<LogError> load_delete_horizons();
  sim::Result<sim::Bytes, LogError> read_segment(std::size_t index);
  // Producer state (partition_log_recovery.cpp): clears it and rebuilds it from the newest
  // valid snapshot at or below the LEO (deleting newer and invalid ones) and the batches
  // after it.
  sim::Status<LogError> load_producer_state();
  sim::Status<LogError> scan_producer_batches(Offset from);
  void record_producer_batch(const BatchView& batch);
  // Producer snapshots (partition_log.cpp).
  sim::Status<LogError> write_producer_snapshot();
  sim::Status<LogError> delete_producer_snapshot(Offset end_offset);
  sim::Status<LogError> delete_producer_snapshots_above(Offset end_offset);

  sim::Result<AppendInfo, LogError> append_validated(const std::vector<BatchView>& batches);
  sim::Status<LogError> roll();
  sim::Status<LogError> maybe_flush();
  sim::Status<LogError> sync_dir();
  sim::Status<LogError> write_offset_checkpoint(CheckpointFile& file, Offset offset);
  sim::Status<LogError> set_recovery_point(Offset offset);
  LogSegment& active_segment() { return *segments_.back(); }
  // The segment holding `offset`, which lies in [first segment's base, LEO).
  LogSegment& segment_holding(Offset offset);
  // Every error leaves through here: kIo takes the log offline (invariant 5).
  sim::Err<LogError> fail(LogError error);
  sim::Err<LogError> fail(const CheckpointError& error);
  void check_invariants() const;

  sim::NodeEnv env_;
  std::string dir_;
  LogConfig config_;
  LeaderEpochCache epoch_cache_;
  CheckpointFile recovery_point_file_;
  CheckpointFile log_start_file_;
  CheckpointFile high_watermark_file_;
  CheckpointFile cleaner_checkpoint_file_;

  std::vector<std::unique_ptr<LogSegment>> segments_;  // by base offset
  Offset log_start_offset_;
  Offset recovery_point_;
  Offset high_watermark_;
  bool dir_unsynced_ = false;  // names created or removed since the last fsync_dir
  sim::SimTime last_flush_;
  bool offline_ = false;

  // The cleaner's checkpoint as stored (nullopt: never written); read clamped.
  std::optional<Offset> cleaner_offset_;
  bool delete_horizons_known_ = false;
  std::optional<std::int64_t> earliest_delete_horizon_ms_;

  ProducerStateManager producers_;
  std::vector<Offset> snapshots_;  // snapshot files on disk, ascending
  ProducerStateLoad last_load_;
};

}  // namespace samsa::cluster
