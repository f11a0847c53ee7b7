// SnapshotStore: the replica's snapshots of its state machine (KIP-630), one file per
// snapshot in "<dir>/snapshots/<end_offset>-<epoch>.checkpoint". RaftReplica writes one
// every snapshot_interval_records applied records and before installing one fetched from
// the leader; it loads the newest valid one on start and serves them to FetchSnapshot.
// File format (big-endian): magic "RSNP" (4) | end_offset int64 | epoch int32 |
// payload_length uint32 | payload | crc32c uint32 of every byte before it.
// Invariants: 1. a file is visible under its final name only once all of it is durable
// (temp file, fsync, rename, fsync of the directory); 2. load_newest() returns only a
// snapshot whose CRC matches and whose content names the same id as its file name.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "cluster/raft/raft_types.h"
#include "sim/disk.h"
#include "sim/result.h"

namespace samsa::cluster::raft {

struct Snapshot {
  SnapshotId id;
  sim::Bytes payload;  // what StateMachine::snapshot() returned
};

class SnapshotStore {
 public:
  static constexpr std::uint32_t kMaxPayloadBytes = 64u << 20;
  static constexpr std::size_t kMaxSnapshotFiles = 1024;  // bound on a directory scan

  SnapshotStore(sim::Disk& disk, const std::string& dir);

  // The whole file for `snapshot` (what write_file() stores and FetchSnapshot carries).
  static sim::Bytes encode(const Snapshot& snapshot);
  // Parses and checks a whole file; nullopt when it is torn, corrupt or not `expected`.
  static std::optional<Snapshot> decode(std::span<const std::uint8_t> file,
                                        std::optional<SnapshotId> expected);

  // Writes `file` (an encode() result, already checked) durably under its id's name.
  sim::Status<sim::IoError> write_file(SnapshotId id, std::span<const std::uint8_t> file);
  // The whole file of snapshot `id`, kNotFound if there is none.
  sim::Result<sim::Bytes, sim::IoError> read_file(SnapshotId id);
  // The newest snapshot that is valid, or nullopt; removes leftover temp files.
  sim::Result<std::optional<Snapshot>, sim::IoError> load_newest();
  // Removes every snapshot older than `keep` (after the log start moved to keep's end).
  sim::Status<sim::IoError> remove_older_than(SnapshotId keep);

  // Ids of the snapshot files present, oldest first.
  std::vector<SnapshotId> list() const;
  std::string path_of(SnapshotId id) const;

 private:
  sim::Disk& disk_;
  std::string dir_;
};

}  // namespace samsa::cluster::raft
