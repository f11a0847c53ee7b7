#include "cluster/log/offset_map.h"

#include <fmt/format.h>

#include "sim/assert.h"

namespace samsa::cluster {

OffsetMap::OffsetMap(std::size_t max_keys, bool keep_first)
    : max_keys_(max_keys), keep_first_(keep_first) {}

bool OffsetMap::put(const Bytes& key, Offset offset) {
  SAMSA_ASSERT(!latest_offset_ || *latest_offset_ < offset,
               fmt::format("offset map fed offset {} after {}", offset,
                           latest_offset_.value_or(Offset(-1))));
  const auto it = entries_.find(key);
  if (it == entries_.end()) {
    if (full()) return false;
    entries_.emplace(key, offset);
  } else if (!keep_first_) {
    it->second = offset;
  }
  latest_offset_ = offset;
  SAMSA_ASSERT(entries_.size() <= max_keys_, "the offset map stays within its bound");
  return true;
}

std::optional<Offset> OffsetMap::get(const Bytes& key) const {
  const auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  return it->second;
}

}  // namespace samsa::cluster
