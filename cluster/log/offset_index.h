// A segment's sparse indexes, after Kafka's OffsetIndex and TimeIndex: the offset index
// maps an offset to the file position of the batch that starts there (an entry every
// index_interval_bytes), the time index maps a new largest timestamp to the offset of the
// batch that first reached it. Each lives in memory and in a file next to the segment
// ("<base>.index", "<base>.timeindex"), written without fsync until the segment flushes.
// The files are a cache: recovery rebuilds them from the log when they are missing or fail
// the sanity check on load.
//
// Invariants:
//   1. Entries are strictly increasing in key (offset, or timestamp) and in offset; every
//      offset lies in [base offset, base offset + INT32_MAX].
//   2. The file holds the entries in order, kEntryBytes each, once the last write returned.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "cluster/types.h"
#include "sim/disk.h"
#include "sim/result.h"

namespace samsa::cluster {

struct OffsetPosition {
  Offset offset;               // a batch's base offset
  std::uint32_t position = 0;  // where the batch starts in the segment file
  bool operator==(const OffsetPosition&) const = default;
};

struct TimestampOffset {
  std::int64_t timestamp_ms = 0;  // the segment's largest timestamp so far
  Offset offset;                  // base offset of the batch that first reached it
  bool operator==(const TimestampOffset&) const = default;
};

// Entry layouts (big-endian): offset index = relative offset int32 | position int32 (8
// bytes, as Kafka's); time index = timestamp int64 | relative offset int32 (12 bytes).
struct OffsetIndexCodec {
  using Entry = OffsetPosition;
  static constexpr std::size_t kEntryBytes = 8;
  static constexpr const char* kSuffix = ".index";
  static std::int64_t key(const Entry& e) { return e.offset.value(); }
  static Offset offset(const Entry& e) { return e.offset; }
  static bool position_below(const Entry& e, std::uint64_t limit) { return e.position < limit; }
  static void encode(const Entry& e, Offset base, sim::Bytes& out);
  static Entry decode(std::span<const std::uint8_t> bytes, Offset base);
};

struct TimeIndexCodec {
  using Entry = TimestampOffset;
  static constexpr std::size_t kEntryBytes = 12;
  static constexpr const char* kSuffix = ".timeindex";
  static std::int64_t key(const Entry& e) { return e.timestamp_ms; }
  static Offset offset(const Entry& e) { return e.offset; }
  static bool position_below(const Entry&, std::uint64_t) { return true; }
  static void encode(const Entry& e, Offset base, sim::Bytes& out);
  static Entry decode(std::span<const std::uint8_t> bytes, Offset base);
};

enum class IndexLoadError : std::uint8_t { kMissing, kInvalid, kIo };

template <class Codec>
class IndexFile {
 public:
  using Entry = typename Codec::Entry;

  IndexFile(sim::Disk& disk, std::string path, Offset base_offset, std::size_t max_entries);

  const std::string& path() const { return path_; }
  std::size_t size() const { return entries_.size(); }
  bool full() const { return entries_.size() >= max_entries_; }
  bool dirty() const { return dirty_; }
  std::optional<Entry> last() const;
  const std::vector<Entry>& entries() const { return entries_; }

  // The entry with the largest key <= `key`, if any (Kafka's lookup).
  std::optional<Entry> lookup(std::int64_t key) const;

  // Reads the file; kMissing without one, kInvalid when it breaks invariant 1 or names an
  // offset >= `offset_limit` or (offset index) a position >= `position_limit`.
  sim::Status<IndexLoadError> load(Offset offset_limit, std::uint64_t position_limit);
  // Appends one entry (keys and offsets above the last one; the index must not be full).
  sim::Status<sim::IoError> append(const Entry& entry);
  // Drops every entry whose offset is >= `offset`.
  sim::Status<sim::IoError> truncate_to(Offset offset);
  // Replaces the file's content (creating it if needed) with `entries`.
  sim::Status<sim::IoError> rewrite(std::vector<Entry> entries);
  // fsyncs the file if anything was written since the last flush.
  sim::Status<sim::IoError> flush();
  sim::Status<sim::IoError> remove_file();

 private:
  void check_next(const Entry& entry) const;

  sim::Disk* disk_;
  std::string path_;
  Offset base_offset_;
  std::size_t max_entries_;
  std::vector<Entry> entries_;
  bool dirty_ = false;
};

using OffsetIndex = IndexFile<OffsetIndexCodec>;
using TimeIndex = IndexFile<TimeIndexCodec>;

extern template class IndexFile<OffsetIndexCodec>;
extern template class IndexFile<TimeIndexCodec>;

}  // namespace samsa::cluster
