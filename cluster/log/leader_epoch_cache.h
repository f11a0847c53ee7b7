// LeaderEpochCache: a replica's persisted map of leader epoch -> first offset written in
// that epoch (KIP-101, KIP-279), after Kafka's LeaderEpochFileCache. The partition log
// assigns an entry when a batch of a new epoch is appended; a leader answers
// OffsetsForLeaderEpoch with end_offset_for; truncation of the log truncates it too. Every
// change is written through to a CheckpointFile ("leader-epoch-checkpoint") before the
// call returns.
//
// Invariants:
//   1. Entries are strictly increasing in epoch and in start offset; every epoch and start
//      offset is >= 0.
//   2. The checkpoint file holds exactly the entries after every successful call.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cluster/log/checkpoint_file.h"
#include "cluster/types.h"
#include "sim/disk.h"
#include "sim/result.h"

namespace samsa::cluster {

// OffsetsForLeaderEpoch's "unknown" answer (UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET).
inline constexpr LeaderEpoch kUndefinedEpoch{-1};
inline constexpr Offset kUndefinedEpochOffset{-1};

struct EpochEntry {
  LeaderEpoch epoch;
  Offset start_offset;
  bool operator==(const EpochEntry&) const = default;
};

struct EpochEndOffset {
  LeaderEpoch epoch;
  Offset end_offset;
  bool operator==(const EpochEndOffset&) const = default;
};

class LeaderEpochCache {
 public:
  static constexpr const char* kFileName = "leader-epoch-checkpoint";

  // Reads the checkpoint at `path` (an empty cache if there is none). A file that breaks
  // the format or invariant 1 is kMalformed.
  static sim::Result<LeaderEpochCache, CheckpointError> load(sim::Disk& disk, std::string path);

  // Records that `epoch` starts at `start_offset` (both >= 0), as today's Kafka
  // LeaderEpochFileCache.assign does: nothing changes when `epoch` is the latest epoch and
  // `start_offset` is not below its start (later batches of the current epoch); otherwise
  // every entry at the end whose epoch >= `epoch` or whose start offset >= `start_offset`
  // is removed (it would break invariant 1 — e.g. an epoch assigned on becoming leader at
  // an offset where another leader's data now lies) and the new entry is appended. So the
  // cache always describes the log as last written. (Kafka before 2.x ignored such an
  // entry instead, which left the cache naming an epoch the log no longer holds.)
  sim::Status<CheckpointError> assign(LeaderEpoch epoch, Offset start_offset);

  std::optional<LeaderEpoch> latest_epoch() const;
  std::optional<EpochEntry> latest_entry() const;
  const std::vector<EpochEntry>& entries() const { return entries_; }
  // The epoch whose range holds `offset` (the last entry starting at or below it).
  std::optional<LeaderEpoch> epoch_for_offset(Offset offset) const;

  // OffsetsForLeaderEpoch (KIP-101, KIP-279), as Kafka's endOffsetFor:
  //   - requested undefined (-1), or above every known epoch: (-1, -1);
  //   - requested == latest epoch: (requested, log_end_offset);
  //   - otherwise the end offset is the start of the first epoch above `requested`, and
  //     the epoch is the largest known epoch <= requested — for an epoch this replica
  //     never saw, the one before it (KIP-279) — or `requested` itself when it lies below
  //     every known epoch (the history was deleted by retention; the follower truncates
  //     to the first known epoch's start).
  EpochEndOffset end_offset_for(LeaderEpoch requested, Offset log_end_offset) const;

  // Removes every entry whose start offset is >= `end_offset` (the log was truncated
  // there, or recovered to it).
  sim::Status<CheckpointError> truncate_from_end(Offset end_offset);
  // The log start moved to `start_offset`: entries wholly below it are removed, and the
  // epoch holding it now starts there (exclusive, as Kafka's truncateFromStart).
  sim::Status<CheckpointError> truncate_from_start(Offset start_offset);
  // Removes every entry (the log was truncated fully).
  sim::Status<CheckpointError> clear();

 private:
  LeaderEpochCache(CheckpointFile file, std::vector<EpochEntry> entries);
  sim::Status<CheckpointError> persist();
  void check_invariants() const;

  CheckpointFile file_;
  std::vector<EpochEntry> entries_;
};

}  // namespace samsa::cluster
