// LogSegment: one file of a partition log, "<20-digit base offset>.log", holding whole
// record batches, plus its sparse offset and time indexes (offset_index.h) — after Kafka's
// LogSegment. PartitionLog (partition_log.h) appends to its last (active) segment, reads
// whole batches from any, truncates them, and on open either trusts a segment below the
// recovery point (load_trusted) or validates it batch by batch (recover).
//
// Invariants (once create, load_trusted or recover has returned):
//   1. The file holds batches whose offsets are contiguous from base_offset() to
//      next_offset() - 1, and nothing else; size_bytes() is the file's size.
//   2. Every index entry names the base offset and position of a batch in the file.
//   3. largest_timestamp_ms() is the largest max_timestamp of its batches (-1 when empty).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "cluster/log/log_config.h"
#include "cluster/log/offset_index.h"
#include "cluster/log/record_batch.h"
#include "cluster/types.h"
#include "sim/disk.h"
#include "sim/result.h"

namespace samsa::cluster {

// The fixed header fields of a stored batch, read without checking its CRC (to walk a
// segment); BatchView::parse validates a batch before it is handed out.
struct BatchHeader {
  Offset base_offset;
  Offset last_offset;
  std::int64_t max_timestamp_ms = 0;
  std::uint64_t size_bytes = 0;
};

class SegmentReader;

class LogSegment {
 public:
  // "00000000000000000042" for base offset 42.
  static std::string file_stem(Offset base_offset);
  // The base offset of a segment file name ("<stem>.log"), or nullopt for another name.
  static std::optional<Offset> parse_log_file_name(std::string_view name);

  // A new, empty segment: creates (or empties) its log and index files. The new names
  // are not durable until the caller syncs the directory.
  static sim::Result<std::unique_ptr<LogSegment>, LogError> create(sim::Disk& disk,
                                                                   const std::string& dir,
                                                                   Offset base_offset,
                                                                   const LogConfig& config,
                                                                   std::int64_t now_wall_ms);
  // An existing segment, not read yet: call load_trusted() or recover() before anything else.
  static std::unique_ptr<LogSegment> open(sim::Disk& disk, const std::string& dir,
                                          Offset base_offset, const LogConfig& config,
                                          std::int64_t now_wall_ms);

  ~LogSegment();
  LogSegment(const LogSegment&) = delete;
  LogSegment& operator=(const LogSegment&) = delete;

  // For a segment wholly below the recovery point (flushed): loads the indexes, and reads
  // only the batches after the last offset index entry to learn next_offset() and the
  // largest timestamp. A missing or insane index, or a tail that does not parse, is
  // kCorrupt: the caller then runs recover(). `offset_limit` bounds its offsets (the next
  // segment's base).
  sim::Status<LogError> load_trusted(Offset offset_limit);
  // Reads the whole file, keeps the longest prefix of valid batches (CRC, contiguous
  // offsets from the base), truncates the file after it, and rebuilds both indexes.
  // Returns the number of bytes truncated.
  sim::Result<std::uint64_t, LogError> recover();

  // Appends one valid batch whose base offset is next_offset().
  sim::Status<LogError> append(const BatchView& batch);
  // Whole batches, from the one holding `start`, each wholly below `max_offset`, while
  // their total stays within `max_bytes` — but the first one regardless of max_bytes when
  // `min_one` (Kafka's minOneMessage). Every batch returned has been validated.
  sim::Result<sim::Bytes, LogError> read(Offset start, std::int64_t max_bytes, Offset max_offset,
                                         bool min_one);
  // The offset of the first record at or above `min_offset` with timestamp >=
  // `timestamp_ms`, if this segment holds one (Kafka's findOffsetByTimestamp).
  sim::Result<std::optional<Offset>, LogError> find_offset_by_timestamp(std::int64_t timestamp_ms,
                                                                        Offset min_offset);
  // The base offset of the batch holding `offset` (which must be below next_offset()).
  sim::Result<Offset, LogError> batch_base_offset(Offset offset);
  // Drops every batch holding an offset >= `offset` (so next_offset() may end below
  // `offset` when it falls inside a batch, or further down if what is kept turns out to
  // be corrupt).
  sim::Status<LogError> truncate_to(Offset offset);
  // fsyncs the log file and the indexes, each only if written since its last flush.
  sim::Status<LogError> flush();
  // The segment stops being the active one: a final time index entry for its largest
  // timestamp (Kafka's onBecomeInactiveSegment).
  sim::Status<LogError> on_become_inactive();
  // Removes the three files (their absence is durable once the caller syncs the directory).
  sim::Status<LogError> delete_files();
  // Removes only the two index files (the log cleaner, before it renames a cleaned log file
  // over this one's: the indexes would point into the old bytes).
  sim::Status<LogError> delete_index_files();

  // Kafka's roll conditions for appending `next` to this segment: it would pass
  // segment_bytes; the time between this segment's first batch's timestamp and `next`'s
  // max timestamp exceeds segment_ms (without timestamps: the segment's age by the wall
  // clock); an index is full; or `next`'s offsets do not fit a relative offset. An empty
  // segment never rolls.
  bool should_roll(const BatchView& next, std::int64_t now_wall_ms) const;

  Offset base_offset() const { return base_offset_; }
  Offset next_offset() const { return next_offset_; }
  std::uint64_t size_bytes() const { return size_; }
  std::int64_t largest_timestamp_ms() const { return max_timestamp_; }
  bool unflushed() const { return log_dirty_ || offset_index_.dirty() || time_index_.dirty(); }
  SegmentInfo info() const;
  const OffsetIndex& offset_index() const { return offset_index_; }
  const TimeIndex& time_index() const { return time_index_; }
  const std::string& log_path() const { return log_path_; }

 private:
  // What appending one batch adds to the indexes (Kafka's LogSegment.append bookkeeping).
  struct IndexUpdate {
    std::optional<OffsetPosition> offset_entry;
    std::optional<TimestampOffset> time_entry;
  };
  LogSegment(sim::Disk& disk, const std::string& dir, Offset base_offset, const LogConfig& config,
             std::int64_t now_wall_ms);

  void reset_state();
  IndexUpdate note_batch(const BatchHeader& header, std::uint64_t position);
  sim::Status<LogError> load_tail();
  // The position and header of the first batch whose last offset is >= `target`.
  sim::Result<std::optional<std::pair<std::uint64_t, BatchHeader>>, LogError> locate(
      SegmentReader& reader, Offset target);
  std::uint64_t chunk_bytes(std::int64_t extra) const;

  sim::Disk* disk_;
  Offset base_offset_;
  LogConfig config_;
  std::string log_path_;
  OffsetIndex offset_index_;
  TimeIndex time_index_;
  std::int64_t created_wall_ms_;

  std::uint64_t size_ = 0;
  Offset next_offset_;
  std::int64_t max_timestamp_ = -1;
  Offset offset_of_max_timestamp_;
  std::int64_t last_indexed_timestamp_ = -1;
  std::optional<std::int64_t> rolling_timestamp_ms_;  // the first batch's max timestamp
  std::uint64_t bytes_since_last_index_entry_ = 0;
  bool log_dirty_ = false;
};

}  // namespace samsa::cluster
