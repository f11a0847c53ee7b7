#include "cluster/log/offset_index.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <utility>

#include "cluster/log/byte_utils.h"
#include "sim/assert.h"

namespace samsa::cluster {
namespace {

using sim::Err;
using sim::IoError;

std::int32_t relative(Offset offset, Offset base) {
  const std::int64_t delta = offset - base;
  SAMSA_ASSERT(delta >= 0 && delta <= std::numeric_limits<std::int32_t>::max(),
               fmt::format("offset {} is not within a segment based at {}", offset, base));
  return static_cast<std::int32_t>(delta);
}

}  // namespace

void OffsetIndexCodec::encode(const Entry& e, Offset base, sim::Bytes& out) {
  append_be<std::int32_t>(out, relative(e.offset, base));
  append_be<std::uint32_t>(out, e.position);
}

OffsetIndexCodec::Entry OffsetIndexCodec::decode(std::span<const std::uint8_t> bytes, Offset base) {
  return Entry{base + load_be<std::int32_t>(bytes, 0), load_be<std::uint32_t>(bytes, 4)};
}

void TimeIndexCodec::encode(const Entry& e, Offset base, sim::Bytes& out) {
  append_be<std::int64_t>(out, e.timestamp_ms);
  append_be<std::int32_t>(out, relative(e.offset, base));
}

TimeIndexCodec::Entry TimeIndexCodec::decode(std::span<const std::uint8_t> bytes, Offset base) {
  return Entry{load_be<std::int64_t>(bytes, 0), base + load_be<std::int32_t>(bytes, 8)};
}

template <class Codec>
IndexFile<Codec>::IndexFile(sim::Disk& disk, std::string path, Offset base_offset,
                            std::size_t max_entries)
    : disk_(&disk), path_(std::move(path)), base_offset_(base_offset), max_entries_(max_entries) {
  SAMSA_ASSERT(max_entries_ > 0, "an index holds at least one entry");
}

template <class Codec>
std::optional<typename Codec::Entry> IndexFile<Codec>::last() const {
  if (entries_.empty()) return std::nullopt;
  return entries_.back();
}

template <class Codec>
std::optional<typename Codec::Entry> IndexFile<Codec>::lookup(std::int64_t key) const {
  auto above = std::upper_bound(entries_.begin(), entries_.end(), key,
                                [](std::int64_t k, const Entry& e) { return k < Codec::key(e); });
  if (above == entries_.begin()) return std::nullopt;
  return *std::prev(above);
}

template <class Codec>
void IndexFile<Codec>::check_next(const Entry& entry) const {
  SAMSA_ASSERT(Codec::offset(entry) >= base_offset_, "index entry below the segment's base");
  if (entries_.empty()) return;
  SAMSA_ASSERT(Codec::key(entry) > Codec::key(entries_.back()) &&
                   Codec::offset(entry) > Codec::offset(entries_.back()),
               fmt::format("{}: index entries must strictly increase", path_));
}

template <class Codec>
sim::Status<IndexLoadError> IndexFile<Codec>::load(Offset offset_limit,
                                                   std::uint64_t position_limit) {
  entries_.clear();
  dirty_ = false;
  auto size = disk_->size(path_);
  if (!size) {
    return Err{size.error() == IoError::kNotFound ? IndexLoadError::kMissing : IndexLoadError::kIo};
  }
  if (size.value() % Codec::kEntryBytes != 0 || size.value() / Codec::kEntryBytes > max_entries_) {
    return Err{IndexLoadError::kInvalid};
  }
  auto bytes = disk_->read(path_, 0, size.value());
  if (!bytes) return Err{IndexLoadError::kIo};
  if (bytes.value().size() != size.value()) return Err{IndexLoadError::kInvalid};
  const std::span<const std::uint8_t> all(bytes.value());
  std::vector<Entry> entries;
  for (std::size_t pos = 0; pos < all.size(); pos += Codec::kEntryBytes) {
    const Entry e = Codec::decode(all.subspan(pos, Codec::kEntryBytes), base_offset_);
    const bool increasing = entries.empty() || (Codec::key(e) > Codec::key(entries.back()) &&
                                                Codec::offset(e) > Codec::offset(entries.back()));
    if (Codec::offset(e) < base_offset_ || Codec::offset(e) >= offset_limit || !increasing ||
        !Codec::position_below(e, position_limit)) {
      return Err{IndexLoadError::kInvalid};
    }
    entries.push_back(e);
  }
  entries_ = std::move(entries);
  return sim::Unit{};
}

template <class Codec>
sim::Status<IoError> IndexFile<Codec>::append(const Entry& entry) {
  SAMSA_ASSERT(!full(), fmt::format("{}: append to a full index", path_));
  check_next(entry);
  Bytes bytes;
  Codec::encode(entry, base_offset_, bytes);
  if (auto st = disk_->append(path_, bytes); !st) return Err{st.error()};
  entries_.push_back(entry);
  dirty_ = true;
  return sim::Unit{};
}

template <class Codec>
sim::Status<IoError> IndexFile<Codec>::truncate_to(Offset offset) {
  auto first_dropped =
      std::lower_bound(entries_.begin(), entries_.end(), offset,
                       [](const Entry& e, Offset o) { return Codec::offset(e) < o; });
  if (first_dropped == entries_.end()) return sim::Unit{};
  const auto kept = static_cast<std::size_t>(first_dropped - entries_.begin());
  if (auto st = disk_->truncate(path_, kept * Codec::kEntryBytes); !st) return Err{st.error()};
  entries_.resize(kept);
  dirty_ = true;
  return sim::Unit{};
}

template <class Codec>
sim::Status<IoError> IndexFile<Codec>::rewrite(std::vector<Entry> entries) {
  SAMSA_ASSERT(entries.size() <= max_entries_, fmt::format("{}: too many entries", path_));
  Bytes bytes;
  bytes.reserve(entries.size() * Codec::kEntryBytes);
  entries_.clear();
  for (const Entry& e : entries) {
    check_next(e);
    entries_.push_back(e);
    Codec::encode(e, base_offset_, bytes);
  }
  auto st = disk_->exists(path_) ? disk_->truncate(path_, 0) : disk_->create(path_);
  if (!st) return Err{st.error()};
  dirty_ = true;
  if (bytes.empty()) return sim::Unit{};
  return disk_->write(path_, 0, bytes);
}

template <class Codec>
sim::Status<IoError> IndexFile<Codec>::flush() {
  if (!dirty_) return sim::Unit{};
  if (auto st = disk_->fsync(path_); !st) return Err{st.error()};
  dirty_ = false;
  return sim::Unit{};
}

template <class Codec>
sim::Status<IoError> IndexFile<Codec>::remove_file() {
  entries_.clear();
  dirty_ = false;
  if (!disk_->exists(path_)) return sim::Unit{};
  return disk_->remove(path_);
}

template class IndexFile<OffsetIndexCodec>;
template class IndexFile<TimeIndexCodec>;

}  // namespace samsa::cluster
