// OffsetMap: the log cleaner's key -> offset map over a log's dirty section, after Kafka's
// SkimpyOffsetMap (log.cleaner.dedupe.buffer.size), but exact (an ordered map of whole
// keys, no hash collisions) and bounded by a number of keys. LogCleaner (log_cleaner.cpp)
// fills it in offset order and keeps a record only if it is the one the map names.
//
// Invariants:
//   1. size() <= max_keys(); put() of a new key into a full map changes nothing.
//   2. Offsets are put in increasing order; get(key) is the latest one put for the key —
//      or, with keep_first (the kCleanerKeepsFirstValue bug), the first.
#pragma once

#include <cstddef>
#include <map>
#include <optional>

#include "cluster/log/byte_utils.h"
#include "cluster/types.h"

namespace samsa::cluster {

class OffsetMap {
 public:
  explicit OffsetMap(std::size_t max_keys, bool keep_first = false);

  // Records that `key` occurs at `offset` (greater than any offset put before). False,
  // changing nothing, when `key` is new and the map is full.
  bool put(const Bytes& key, Offset offset);
  std::optional<Offset> get(const Bytes& key) const;
  // True if put() of `key` would succeed.
  bool fits(const Bytes& key) const { return entries_.contains(key) || !full(); }

  std::size_t size() const { return entries_.size(); }
  std::size_t max_keys() const { return max_keys_; }
  bool full() const { return entries_.size() >= max_keys_; }
  // The last offset put (nullopt while empty).
  std::optional<Offset> latest_offset() const { return latest_offset_; }

 private:
  std::size_t max_keys_;
  bool keep_first_;
  std::map<Bytes, Offset> entries_;  // ordered: deterministic
  std::optional<Offset> latest_offset_;
};

}  // namespace samsa::cluster
