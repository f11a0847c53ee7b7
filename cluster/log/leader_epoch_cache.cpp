#include "cluster/log/leader_epoch_cache.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

#include "sim/assert.h"

namespace samsa::cluster {
namespace {

using sim::Err;

bool monotonic(const std::vector<EpochEntry>& entries) {
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (entries[i].epoch < LeaderEpoch(0) || entries[i].start_offset < Offset(0)) return false;
    if (i > 0 && (entries[i].epoch <= entries[i - 1].epoch ||
                  entries[i].start_offset <= entries[i - 1].start_offset)) {
      return false;
    }
  }
  return true;
}

}  // namespace

LeaderEpochCache::LeaderEpochCache(CheckpointFile file, std::vector<EpochEntry> entries)
    : file_(std::move(file)), entries_(std::move(entries)) {
  check_invariants();
}

sim::Result<LeaderEpochCache, CheckpointError> LeaderEpochCache::load(sim::Disk& disk,
                                                                      std::string path) {
  CheckpointFile file(disk, std::move(path), 2);
  auto read = file.read();
  if (!read && read.error().kind != CheckpointErrorKind::kNotFound) return Err{read.error()};
  std::vector<EpochEntry> entries;
  if (read) {
    for (const CheckpointEntry& e : read.value()) {
      if (e[0] < 0 || e[0] > INT32_MAX) {
        return Err{CheckpointError{CheckpointErrorKind::kMalformed,
                                   fmt::format("{}: epoch {} out of range", file.path(), e[0])}};
      }
      entries.push_back(EpochEntry{LeaderEpoch(static_cast<std::int32_t>(e[0])), Offset(e[1])});
    }
    if (!monotonic(entries)) {
      return Err{CheckpointError{
          CheckpointErrorKind::kMalformed,
          fmt::format("{}: entries are not strictly increasing in epoch and offset", file.path())}};
    }
  }
  return LeaderEpochCache(std::move(file), std::move(entries));
}

void LeaderEpochCache::check_invariants() const {
  SAMSA_ASSERT(monotonic(entries_),
               "leader epoch cache entries strictly increase in epoch and start offset");
}

sim::Status<CheckpointError> LeaderEpochCache::persist() {
  check_invariants();
  std::vector<CheckpointEntry> lines;
  lines.reserve(entries_.size());
  for (const EpochEntry& e : entries_) lines.push_back({e.epoch.value(), e.start_offset.value()});
  return file_.write(lines);
}

std::optional<LeaderEpoch> LeaderEpochCache::latest_epoch() const {
  if (entries_.empty()) return std::nullopt;
  return entries_.back().epoch;
}

std::optional<EpochEntry> LeaderEpochCache::latest_entry() const {
  if (entries_.empty()) return std::nullopt;
  return entries_.back();
}

std::optional<LeaderEpoch> LeaderEpochCache::epoch_for_offset(Offset offset) const {
  auto it = std::upper_bound(entries_.begin(), entries_.end(), offset,
                             [](Offset o, const EpochEntry& e) { return o < e.start_offset; });
  if (it == entries_.begin()) return std::nullopt;
  return std::prev(it)->epoch;
}

sim::Status<CheckpointError> LeaderEpochCache::assign(LeaderEpoch epoch, Offset start_offset) {
  SAMSA_ASSERT(epoch >= LeaderEpoch(0) && start_offset >= Offset(0),
               fmt::format("assign of an invalid epoch entry ({}, {})", epoch, start_offset));
  if (!entries_.empty() && entries_.back().epoch == epoch &&
      start_offset >= entries_.back().start_offset) {
    return sim::Unit{};
  }
  // Bounded by the number of entries.
  while (!entries_.empty() &&
         (entries_.back().epoch >= epoch || entries_.back().start_offset >= start_offset)) {
    entries_.pop_back();
  }
  entries_.push_back(EpochEntry{epoch, start_offset});
  return persist();
}

EpochEndOffset LeaderEpochCache::end_offset_for(LeaderEpoch requested,
                                                Offset log_end_offset) const {
  const EpochEndOffset unknown{kUndefinedEpoch, kUndefinedEpochOffset};
  if (requested == kUndefinedEpoch || entries_.empty()) return unknown;
  if (requested == entries_.back().epoch) return EpochEndOffset{requested, log_end_offset};
  // The first entry with an epoch above the requested one.
  auto higher = std::upper_bound(entries_.begin(), entries_.end(), requested,
                                 [](LeaderEpoch r, const EpochEntry& e) { return r < e.epoch; });
  if (higher == entries_.end()) return unknown;  // above every known epoch
  if (higher == entries_.begin()) return EpochEndOffset{requested, higher->start_offset};
  return EpochEndOffset{std::prev(higher)->epoch, higher->start_offset};
}

sim::Status<CheckpointError> LeaderEpochCache::truncate_from_end(Offset end_offset) {
  if (entries_.empty() || entries_.back().start_offset < end_offset) return sim::Unit{};
  while (!entries_.empty() && entries_.back().start_offset >= end_offset) entries_.pop_back();
  return persist();
}

sim::Status<CheckpointError> LeaderEpochCache::truncate_from_start(Offset start_offset) {
  // The entries starting at or below the new log start; the last of them holds it.
  auto above = std::upper_bound(entries_.begin(), entries_.end(), start_offset,
                                [](Offset o, const EpochEntry& e) { return o < e.start_offset; });
  if (above == entries_.begin()) return sim::Unit{};
  const LeaderEpoch holding = std::prev(above)->epoch;
  if (above - entries_.begin() == 1 && entries_.front().start_offset == start_offset) {
    return sim::Unit{};
  }
  entries_.erase(entries_.begin(), above);
  entries_.insert(entries_.begin(), EpochEntry{holding, start_offset});
  return persist();
}

sim::Status<CheckpointError> LeaderEpochCache::clear() {
  if (entries_.empty()) return sim::Unit{};
  entries_.clear();
  return persist();
}

}  // namespace samsa::cluster
