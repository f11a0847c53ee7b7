// CheckpointFile: a small text file replaced atomically, after Kafka's CheckpointFile —
// write "<path>.tmp", fsync it, rename it over <path>, fsync the directory — so that after
// any crash or power loss a reader sees the old content or the new one, never a mix. The
// leader-epoch cache and the partition log's offset checkpoints are stored this way.
// Format: a version line ("0"), a count line, then `count` entry lines of whitespace-free
// signed integers separated by single spaces, every line ending in '\n'. A file that breaks
// the format is an error naming the file, never a silent default.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sim/disk.h"
#include "sim/result.h"

namespace samsa::cluster {

enum class CheckpointErrorKind : std::uint8_t {
  kNotFound,   // no file at the path (never written, or its first write not yet durable)
  kIo,         // the disk refused an operation
  kMalformed,  // the content breaks the format (detail says where)
};
std::string_view checkpoint_error_kind_name(CheckpointErrorKind kind);

struct CheckpointError {
  CheckpointErrorKind kind;
  std::string detail;  // names the file and what is wrong with it
};

// One line of a checkpoint: a fixed number of integers.
using CheckpointEntry = std::vector<std::int64_t>;

class CheckpointFile {
 public:
  static constexpr std::int64_t kVersion = 0;
  static constexpr std::uint64_t kMaxFileBytes = 1 << 20;  // far above any real checkpoint

  // Every entry of this file has `fields_per_entry` integers (at least one).
  CheckpointFile(sim::Disk& disk, std::string path, std::size_t fields_per_entry);

  const std::string& path() const { return path_; }

  // Replaces the file's content with `entries`; on success the new content is durable.
  // Call from a fiber of the disk's node.
  sim::Status<CheckpointError> write(std::span<const CheckpointEntry> entries);
  // The entries as last written, kNotFound if there is no file, kMalformed if it breaks
  // the format.
  sim::Result<std::vector<CheckpointEntry>, CheckpointError> read() const;

  // The encoding and decoding alone (no I/O), for the tests of the format.
  static std::string encode(std::span<const CheckpointEntry> entries);
  static sim::Result<std::vector<CheckpointEntry>, CheckpointError> decode(
      std::string_view text, std::size_t fields_per_entry, std::string_view path);

 private:
  sim::Disk* disk_;
  std::string path_;
  std::size_t fields_per_entry_;
};

// The directory part of a path ("" for a bare name), as sim::Disk understands it.
std::string parent_dir(const std::string& path);

// Replaces the file at `path` with `text` so that after any crash or power loss a reader
// sees the old content or the new one (the protocol above: "<path>.tmp", fsync, rename,
// fsync of the directory). CheckpointFile and the producer-state snapshots use it. Call
// from a fiber of the disk's node.
sim::Status<CheckpointError> write_file_atomically(sim::Disk& disk, const std::string& path,
                                                   std::string_view text);
// The whole content of the file at `path`: kNotFound without one, kMalformed when it is
// larger than `max_bytes`.
sim::Result<std::string, CheckpointError> read_whole_file(sim::Disk& disk, const std::string& path,
                                                          std::uint64_t max_bytes);

}  // namespace samsa::cluster
