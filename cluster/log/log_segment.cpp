#include "cluster/log/log_segment.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <utility>
#include <vector>

#include "cluster/log/byte_utils.h"
#include "sim/assert.h"

namespace samsa::cluster {

using sim::Err;

namespace {

constexpr std::size_t kStemDigits = 20;
constexpr std::string_view kLogSuffix = ".log";

std::size_t max_entries(const LogConfig& config, std::size_t entry_bytes) {
  return std::max<std::size_t>(1,
                               static_cast<std::size_t>(config.segment_index_bytes) / entry_bytes);
}

BatchHeader header_of(const BatchView& view) {
  return BatchHeader{view.base_offset(), view.last_offset(), view.max_timestamp(),
                     view.size_bytes()};
}

}  // namespace

// Reads a segment file through one cached window, so that walking batch headers costs one
// disk read per window rather than one per batch.
class SegmentReader {
 public:
  SegmentReader(sim::Disk& disk, const std::string& path, std::uint64_t file_size,
                std::uint64_t window_bytes)
      : disk_(disk), path_(path), file_size_(file_size), window_bytes_(window_bytes) {}

  // The bytes [pos, pos + length), which must lie within the file.
  sim::Result<std::span<const std::uint8_t>, LogError> bytes(std::uint64_t pos,
                                                             std::uint64_t length) {
    SAMSA_ASSERT(pos <= file_size_ && length <= file_size_ - pos, "read past the segment's end");
    if (pos < window_pos_ || pos + length > window_pos_ + window_.size()) {
      const std::uint64_t want = std::min(std::max(length, window_bytes_), file_size_ - pos);
      auto read = disk_.read(path_, pos, want);
      if (!read) return Err{LogError::kIo};
      if (read.value().size() < length) return Err{LogError::kCorrupt};  // shorter than its size
      window_ = std::move(read.value());
      window_pos_ = pos;
    }
    return std::span<const std::uint8_t>(window_).subspan(pos - window_pos_, length);
  }

  // The header of the batch at `pos`; kCorrupt if it does not fit in the file.
  sim::Result<BatchHeader, LogError> header(std::uint64_t pos) {
    if (file_size_ - pos < kBatchHeaderBytes) return Err{LogError::kCorrupt};
    auto span = bytes(pos, kBatchHeaderBytes);
    if (!span) return Err{span.error()};
    const auto h = span.value();
    const auto length = load_be<std::int32_t>(h, batch_field::kBatchLength);
    const auto last_delta = load_be<std::int32_t>(h, batch_field::kLastOffsetDelta);
    const auto base = load_be<std::int64_t>(h, batch_field::kBaseOffset);
    const std::uint64_t size = kBatchLogOverheadBytes + static_cast<std::uint64_t>(length);
    if (length < static_cast<std::int32_t>(kBatchHeaderBytes - kBatchLogOverheadBytes) ||
        length > kMaxBatchLength || size > file_size_ - pos || last_delta < 0 || base < 0 ||
        base > std::numeric_limits<std::int64_t>::max() - last_delta) {
      return Err{LogError::kCorrupt};
    }
    return BatchHeader{Offset(base), Offset(base + last_delta),
                       load_be<std::int64_t>(h, batch_field::kMaxTimestamp), size};
  }

 private:
  sim::Disk& disk_;
  const std::string& path_;
  std::uint64_t file_size_;
  std::uint64_t window_bytes_;
  std::uint64_t window_pos_ = 0;
  sim::Bytes window_;
};

std::string LogSegment::file_stem(Offset base_offset) {
  SAMSA_ASSERT(base_offset >= Offset(0), "segment base offsets are non-negative");
  return fmt::format("{:020d}", base_offset.value());
}

std::optional<Offset> LogSegment::parse_log_file_name(std::string_view name) {
  if (name.size() != kStemDigits + kLogSuffix.size() || !name.ends_with(kLogSuffix)) {
    return std::nullopt;
  }
  std::int64_t value = 0;
  for (std::size_t i = 0; i < kStemDigits; ++i) {
    const char c = name[i];
    if (c < '0' || c > '9') return std::nullopt;
    if (value > (std::numeric_limits<std::int64_t>::max() - (c - '0')) / 10) return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return Offset(value);
}

LogSegment::LogSegment(sim::Disk& disk, const std::string& dir, Offset base_offset,
                       const LogConfig& config, std::int64_t now_wall_ms)
    : disk_(&disk),
      base_offset_(base_offset),
      config_(config),
      log_path_(dir + "/" + file_stem(base_offset) + std::string(kLogSuffix)),
      offset_index_(disk, dir + "/" + file_stem(base_offset) + OffsetIndexCodec::kSuffix,
                    base_offset, max_entries(config, OffsetIndexCodec::kEntryBytes)),
      time_index_(disk, dir + "/" + file_stem(base_offset) + TimeIndexCodec::kSuffix, base_offset,
                  max_entries(config, TimeIndexCodec::kEntryBytes)),
      created_wall_ms_(now_wall_ms),
      next_offset_(base_offset) {}

LogSegment::~LogSegment() = default;

sim::Result<std::unique_ptr<LogSegment>, LogError> LogSegment::create(sim::Disk& disk,
                                                                      const std::string& dir,
                                                                      Offset base_offset,
                                                                      const LogConfig& config,
                                                                      std::int64_t now_wall_ms) {
  std::unique_ptr<LogSegment> segment(new LogSegment(disk, dir, base_offset, config, now_wall_ms));
  const std::string& path = segment->log_path_;
  auto st = disk.exists(path) ? disk.truncate(path, 0) : disk.create(path);
  if (!st) return Err{LogError::kIo};
  if (!segment->offset_index_.rewrite({}) || !segment->time_index_.rewrite({})) {
    return Err{LogError::kIo};
  }
  segment->log_dirty_ = true;
  return segment;
}

std::unique_ptr<LogSegment> LogSegment::open(sim::Disk& disk, const std::string& dir,
                                             Offset base_offset, const LogConfig& config,
                                             std::int64_t now_wall_ms) {
  return std::unique_ptr<LogSegment>(new LogSegment(disk, dir, base_offset, config, now_wall_ms));
}

void LogSegment::reset_state() {
  size_ = 0;
  next_offset_ = base_offset_;
  max_timestamp_ = -1;
  offset_of_max_timestamp_ = base_offset_;
  last_indexed_timestamp_ = -1;
  rolling_timestamp_ms_.reset();
  bytes_since_last_index_entry_ = 0;
}

LogSegment::IndexUpdate LogSegment::note_batch(const BatchHeader& header, std::uint64_t position) {
  SAMSA_ASSERT(header.base_offset == next_offset_,
               fmt::format("{}: batch at {} does not continue the segment at {}", log_path_,
                           header.base_offset, next_offset_));
  SAMSA_ASSERT(position == size_, "batches are noted in file order");
  SAMSA_ASSERT(position <= std::numeric_limits<std::uint32_t>::max(),
               "segment positions fit the offset index");
  IndexUpdate update;
  if (!rolling_timestamp_ms_) rolling_timestamp_ms_ = header.max_timestamp_ms;
  if (header.max_timestamp_ms > max_timestamp_) {
    max_timestamp_ = header.max_timestamp_ms;
    offset_of_max_timestamp_ = header.base_offset;
  }
  // As Kafka: the batch that passes the interval gets the entry, pointing at itself.
  if (bytes_since_last_index_entry_ > static_cast<std::uint64_t>(config_.index_interval_bytes)) {
    update.offset_entry = OffsetPosition{header.base_offset, static_cast<std::uint32_t>(position)};
    if (max_timestamp_ > last_indexed_timestamp_) {
      update.time_entry = TimestampOffset{max_timestamp_, offset_of_max_timestamp_};
      last_indexed_timestamp_ = max_timestamp_;
    }
    bytes_since_last_index_entry_ = 0;
  }
  bytes_since_last_index_entry_ += header.size_bytes;
  size_ += header.size_bytes;
  next_offset_ = header.last_offset + 1;
  return update;
}

sim::Status<LogError> LogSegment::append(const BatchView& batch) {
  const std::uint64_t position = size_;
  auto written = disk_->append(log_path_, batch.bytes());
  if (!written) return Err{LogError::kIo};
  SAMSA_ASSERT(written.value() == position, fmt::format("{}: file size {} != tracked size {}",
                                                        log_path_, written.value(), position));
  log_dirty_ = true;
  const IndexUpdate update = note_batch(header_of(batch), position);
  if (update.offset_entry && !offset_index_.full() && !offset_index_.append(*update.offset_entry)) {
    return Err{LogError::kIo};
  }
  if (update.time_entry && !time_index_.full() && !time_index_.append(*update.time_entry)) {
    return Err{LogError::kIo};
  }
  return sim::Unit{};
}

sim::Result<std::uint64_t, LogError> LogSegment::recover() {
  auto file_size = disk_->size(log_path_);
  if (!file_size) return Err{LogError::kIo};
  auto bytes = disk_->read(log_path_, 0, file_size.value());
  if (!bytes) return Err{LogError::kIo};
  const ScanResult scan = scan_batches(bytes.value());
  reset_state();
  std::vector<OffsetPosition> offset_entries;
  std::vector<TimestampOffset> time_entries;
  for (const BatchView& view : scan.batches) {
    if (view.base_offset() != next_offset_) break;  // a gap or overlap ends the valid prefix
    const IndexUpdate update = note_batch(header_of(view), size_);
    // A smaller segment_index_bytes than when written leaves the index sparser, not wrong.
    if (update.offset_entry &&
        offset_entries.size() < max_entries(config_, OffsetIndexCodec::kEntryBytes)) {
      offset_entries.push_back(*update.offset_entry);
    }
    if (update.time_entry &&
        time_entries.size() < max_entries(config_, TimeIndexCodec::kEntryBytes)) {
      time_entries.push_back(*update.time_entry);
    }
  }
  const std::uint64_t truncated = file_size.value() - size_;
  if (truncated > 0 && !disk_->truncate(log_path_, size_)) return Err{LogError::kIo};
  // The process that wrote these bytes may have died before fsyncing them: what the page
  // cache shows is not known to be on the medium, so the next flush must sync it.
  log_dirty_ = true;
  if (!offset_index_.rewrite(std::move(offset_entries)) ||
      !time_index_.rewrite(std::move(time_entries))) {
    return Err{LogError::kIo};
  }
  if (time_index_.last()) last_indexed_timestamp_ = time_index_.last()->timestamp_ms;
  return truncated;
}

sim::Status<LogError> LogSegment::load_trusted(Offset offset_limit) {
  auto file_size = disk_->size(log_path_);
  if (!file_size) return Err{LogError::kIo};
  auto offsets = offset_index_.load(offset_limit, file_size.value());
  auto times = time_index_.load(offset_limit, file_size.value());
  if (!offsets || !times) {
    const bool io = (!offsets && offsets.error() == IndexLoadError::kIo) ||
                    (!times && times.error() == IndexLoadError::kIo);
    return Err{io ? LogError::kIo : LogError::kCorrupt};
  }
  reset_state();
  size_ = file_size.value();
  return load_tail();
}

// Sets next offset, largest timestamp, rolling timestamp and the index interval count
// from the indexes and the batches after the last offset index entry (Kafka's
// loadLargestTimestamp and readNextOffset).
sim::Status<LogError> LogSegment::load_tail() {
  const auto last_entry = offset_index_.last();
  const std::uint64_t tail_pos = last_entry ? last_entry->position : 0;
  const Offset tail_offset = last_entry ? last_entry->offset : base_offset_;
  if (tail_pos > size_) return Err{LogError::kCorrupt};
  auto bytes = disk_->read(log_path_, tail_pos, size_ - tail_pos);
  if (!bytes) return Err{LogError::kIo};
  if (bytes.value().size() != size_ - tail_pos) return Err{LogError::kCorrupt};
  const ScanResult scan = scan_batches(bytes.value());
  if (scan.stopped_by) return Err{LogError::kCorrupt};
  const std::uint64_t size = size_;
  max_timestamp_ = -1;
  offset_of_max_timestamp_ = base_offset_;
  if (const auto t = time_index_.last()) {
    max_timestamp_ = t->timestamp_ms;
    offset_of_max_timestamp_ = t->offset;
  }
  last_indexed_timestamp_ = max_timestamp_;
  rolling_timestamp_ms_.reset();
  if (tail_pos > 0) {
    SegmentReader reader(*disk_, log_path_, size, kBatchHeaderBytes);
    auto first = reader.header(0);
    if (!first) return Err{first.error()};
    rolling_timestamp_ms_ = first.value().max_timestamp_ms;
  }
  // Re-note the tail's batches from its first position (the index entry's batch).
  size_ = tail_pos;
  next_offset_ = tail_offset;
  bytes_since_last_index_entry_ = 0;
  for (const BatchView& view : scan.batches) {
    if (view.base_offset() != next_offset_) return Err{LogError::kCorrupt};
    (void)note_batch(header_of(view), size_);  // a sparser index than now is still correct
  }
  last_indexed_timestamp_ = time_index_.last() ? time_index_.last()->timestamp_ms : -1;
  SAMSA_ASSERT(size_ == size, "the tail scan covers the file");
  return sim::Unit{};
}

std::uint64_t LogSegment::chunk_bytes(std::int64_t extra) const {
  // One window covers the walk from an index entry (about index_interval_bytes) plus what
  // the caller wants to read after it.
  return 2 * static_cast<std::uint64_t>(config_.index_interval_bytes) + kBatchHeaderBytes +
         static_cast<std::uint64_t>(std::max<std::int64_t>(extra, 0));
}

sim::Result<std::optional<std::pair<std::uint64_t, BatchHeader>>, LogError> LogSegment::locate(
    SegmentReader& reader, Offset target) {
  using Found = std::optional<std::pair<std::uint64_t, BatchHeader>>;
  const auto entry = offset_index_.lookup(target.value());
  std::uint64_t pos = entry ? entry->position : 0;
  // Bounded: every step moves past at least one batch header.
  while (pos < size_) {
    auto header = reader.header(pos);
    if (!header) return Err{header.error()};
    if (header.value().last_offset >= target) return Found(std::pair(pos, header.value()));
    pos += header.value().size_bytes;
  }
  return Found();
}

sim::Result<sim::Bytes, LogError> LogSegment::read(Offset start, std::int64_t max_bytes,
                                                   Offset max_offset, bool min_one) {
  if (start >= next_offset_ || start >= max_offset) return sim::Bytes{};
  SegmentReader reader(*disk_, log_path_, size_, chunk_bytes(max_bytes));
  auto found = locate(reader, start);
  if (!found) return Err{found.error()};
  if (!found.value()) return sim::Bytes{};
  const std::uint64_t first = found.value()->first;
  std::uint64_t end = first;
  // Bounded: every step moves past at least one batch header.
  while (end < size_) {
    auto header = reader.header(end);
    if (!header) return Err{header.error()};
    const BatchHeader& h = header.value();
    if (h.last_offset >= max_offset) break;
    const bool fits = static_cast<std::int64_t>(end - first + h.size_bytes) <= max_bytes;
    if (!fits && !(min_one && end == first)) break;
    end += h.size_bytes;
  }
  auto span = reader.bytes(first, end - first);
  if (!span) return Err{span.error()};
  // Never hand out a batch that does not parse (latent corruption since it was written).
  const ScanResult scan = scan_batches(span.value());
  if (scan.stopped_by) return Err{LogError::kCorrupt};
  return sim::Bytes(span.value().begin(), span.value().end());
}

sim::Result<std::optional<Offset>, LogError> LogSegment::find_offset_by_timestamp(
    std::int64_t timestamp_ms, Offset min_offset) {
  if (max_timestamp_ < timestamp_ms || min_offset >= next_offset_) return std::optional<Offset>();
  // Every record before the batch that first reached the entry's timestamp is older.
  const auto entry = time_index_.lookup(timestamp_ms);
  const Offset start = std::max(entry ? entry->offset : base_offset_, min_offset);
  SegmentReader reader(*disk_, log_path_, size_, chunk_bytes(0));
  auto found = locate(reader, start);
  if (!found) return Err{found.error()};
  if (!found.value()) return std::optional<Offset>();
  // Bounded: every step moves past at least one batch.
  for (std::uint64_t pos = found.value()->first; pos < size_;) {
    auto header = reader.header(pos);
    if (!header) return Err{header.error()};
    if (header.value().max_timestamp_ms >= timestamp_ms) {
      auto span = reader.bytes(pos, header.value().size_bytes);
      if (!span) return Err{span.error()};
      auto view = BatchView::parse(span.value());
      if (!view) return Err{LogError::kCorrupt};
      for (const Record& record : view.value().records()) {
        if (record.offset >= start && record.timestamp_ms >= timestamp_ms) {
          return std::optional<Offset>(record.offset);
        }
      }
    }
    pos += header.value().size_bytes;
  }
  return std::optional<Offset>();
}

sim::Result<Offset, LogError> LogSegment::batch_base_offset(Offset offset) {
  SAMSA_ASSERT(offset >= base_offset_ && offset < next_offset_, "the offset lies in this segment");
  SegmentReader reader(*disk_, log_path_, size_, chunk_bytes(0));
  auto found = locate(reader, offset);
  if (!found) return Err{found.error()};
  SAMSA_ASSERT(found.value().has_value(), "an offset below next_offset lies in some batch");
  return found.value()->second.base_offset;
}

sim::Status<LogError> LogSegment::truncate_to(Offset offset) {
  if (offset >= next_offset_) return sim::Unit{};
  SegmentReader reader(*disk_, log_path_, size_, chunk_bytes(0));
  auto found = locate(reader, offset);
  if (!found) return Err{found.error()};
  SAMSA_ASSERT(found.value().has_value(), "an offset below next_offset lies in some batch");
  const auto [position, header] = *found.value();
  if (!disk_->truncate(log_path_, position)) return Err{LogError::kIo};
  log_dirty_ = true;
  if (!offset_index_.truncate_to(header.base_offset) ||
      !time_index_.truncate_to(header.base_offset)) {
    return Err{LogError::kIo};
  }
  size_ = position;
  if (auto st = load_tail(); !st) {
    if (st.error() != LogError::kCorrupt) return st;
    // What the truncation kept is corrupt (latent corruption): cut there as well.
    auto recovered = recover();
    if (!recovered) return Err{recovered.error()};
  }
  SAMSA_ASSERT(next_offset_ <= header.base_offset, "truncation ends at a batch boundary");
  return sim::Unit{};
}

sim::Status<LogError> LogSegment::flush() {
  if (log_dirty_) {
    if (!disk_->fsync(log_path_)) return Err{LogError::kIo};
    log_dirty_ = false;
  }
  if (!offset_index_.flush() || !time_index_.flush()) return Err{LogError::kIo};
  return sim::Unit{};
}

sim::Status<LogError> LogSegment::on_become_inactive() {
  if (max_timestamp_ <= last_indexed_timestamp_ || time_index_.full()) return sim::Unit{};
  if (!time_index_.append(TimestampOffset{max_timestamp_, offset_of_max_timestamp_})) {
    return Err{LogError::kIo};
  }
  last_indexed_timestamp_ = max_timestamp_;
  return sim::Unit{};
}

sim::Status<LogError> LogSegment::delete_files() {
  if (disk_->exists(log_path_) && !disk_->remove(log_path_)) return Err{LogError::kIo};
  if (!offset_index_.remove_file() || !time_index_.remove_file()) return Err{LogError::kIo};
  log_dirty_ = false;
  return sim::Unit{};
}

sim::Status<LogError> LogSegment::delete_index_files() {
  if (!offset_index_.remove_file() || !time_index_.remove_file()) return Err{LogError::kIo};
  return sim::Unit{};
}

bool LogSegment::should_roll(const BatchView& next, std::int64_t now_wall_ms) const {
  if (size_ == 0) return false;
  // Kafka's timeWaitedForRoll: record time when the first batch has a timestamp. Both
  // differences are taken only when positive, so they cannot overflow.
  const bool by_record_time = rolling_timestamp_ms_ && *rolling_timestamp_ms_ >= 0;
  const std::int64_t from = by_record_time ? *rolling_timestamp_ms_ : created_wall_ms_;
  const std::int64_t to = by_record_time ? next.max_timestamp() : now_wall_ms;
  const std::int64_t waited_ms = to > from && from >= 0 ? to - from : 0;
  return size_ + next.size_bytes() > static_cast<std::uint64_t>(config_.segment_bytes) ||
         waited_ms > config_.segment_ms || offset_index_.full() || time_index_.full() ||
         next.last_offset() - base_offset_ > std::numeric_limits<std::int32_t>::max();
}

SegmentInfo LogSegment::info() const {
  return SegmentInfo{base_offset_, next_offset_, size_, max_timestamp_,
                     rolling_timestamp_ms_.value_or(-1)};
}

}  // namespace samsa::cluster
