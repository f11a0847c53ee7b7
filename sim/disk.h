// The simulated disk of one node: files addressed by path, a page cache that survives a
// process crash, and a medium that keeps only what was synced — the shape of LevelDB's
// fault-injection Env. Code under test calls the I/O methods from fibers of its node; the
// nemesis calls the fault methods; checkers peek at either view.
//
// Invariants:
//   1. For every file, replaying its unsynced ops in order onto its durable content gives
//      exactly its current content (a corruption flips the same bytes in all of them).
//   2. An I/O op takes effect at the end of its latency or not at all: a crash during the
//      latency, an injected error or a full disk leave the disk unchanged.
//   3. A power loss keeps every fsynced byte of every durably named file; what was not
//      synced survives at most as an in-order prefix of the unsynced ops, only its last
//      surviving write possibly torn.
//   4. Every random choice (latency, injected errors, torn writes, corrupted bits) comes
//      from the Rng given at construction; nothing is keyed by address or iterated from
//      an unordered container, so one seed gives one history.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sim/ids.h"
#include "sim/kernel.h"
#include "sim/random.h"
#include "sim/result.h"
#include "sim/time.h"
#include "sim/trace.h"

namespace samsa::sim {

// The model, precisely.
//
// Names. A path is '/'-separated, non-empty, with no empty segment ("logs/t-0/0.log");
// its directory is everything before the last '/' ("" for none). Directories are
// implicit: there is no mkdir, a directory exists while a file lies in it, and a name
// that is a file may also be a directory prefix (not checked). Two maps bind names to
// inodes: the current map (what I/O sees) and the durable map (what a power loss reverts
// to). create, rename and remove change the current map at once. fsync_dir(dir) makes
// the current entries directly in dir durable: durable names in dir that are gone or
// rebound are dropped, current names in dir are added, and a file bound that way loses
// any other durable name (the source of a rename into dir). So a rename is durable once
// its target's directory is synced, and reverts on power loss until then. A file never
// has two current names (no hard links). Inodes are freed when neither map names them.
//
// Data. Each inode has its current content (the page cache, what reads see), its
// durable content (the medium at the last fsync) and the ordered list of unsynced ops,
// write(offset, bytes) and truncate(size), since then. fsync(path) replays the unsynced
// ops onto the durable content (cost proportional to the unsynced bytes, not the file)
// and clears the list. A zero-length write changes nothing and is not recorded (as
// pwrite); every successful truncate is recorded, even one to the current size.
//
// Crash (kill -9 of the process): the disk is untouched; the page cache survives.
//
// power_loss(): the current map becomes the durable map (inodes only the current map
// named are freed). Then, for each remaining inode in ascending inode id: if it has n > 0
// unsynced ops, with probability torn_write_probability a prefix survives — the first k
// whole ops, k uniform in [0, n-1], then, if op k (0-based) is a write, its first p bytes,
// p uniform in [0, len) — otherwise all n are lost. The result becomes both current and
// durable content and the list is cleared. (All n ops never survive whole.)
//
// Capacity. used_bytes() is the sum of current sizes of the inodes the current map
// names; inodes only the durable map still names (removed, not yet dir-synced) hold no
// space. An op that would grow used_bytes() past the capacity (a write or append
// extending a file, a truncate growing one) fails with kDiskFull and changes nothing;
// overwrites in place and shrinking still succeed when the disk is over capacity.
//
// Errors. With the error probability set, each I/O op (after its latency, before any
// other check) fails with kIoError and changes nothing. A failed fsync leaves the data
// unsynced, still in the page cache (no fsyncgate-style page dropping).
//
// Latency. Each op sleeps the calling fiber for base * uniform(1-j, 1+j) * factor, the
// jitter drawn from the disk's Rng (no draw when j == 0). Bases: reads and size() take
// read_latency, write/append write_latency, fsync fsync_latency, and create, rename,
// remove, truncate and fsync_dir metadata_latency. exists(), list(), list_dirs() and the
// peek methods are free and callable from anywhere.
//
// Corruption. corrupt(path, offset, length) flips one random bit in every byte of the
// range that the medium or the page cache holds: in the durable content and in the data
// of every unsynced write covering the byte, so invariant 1 holds and reads, fsyncs and
// power losses all see the flipped bits. Zeros that an unsynced extension (a write past
// the end, a growing truncate) put in the page cache are holes, not on the medium, and
// stay zero.

using Bytes = std::vector<std::uint8_t>;

enum class IoError : std::uint8_t { kNotFound, kExists, kDiskFull, kIoError, kInvalidArgument };
std::string_view io_error_name(IoError error);

struct DiskConfig {
  Duration read_latency = 50us;
  Duration write_latency = 20us;
  Duration fsync_latency = 2ms;
  Duration metadata_latency = 100us;    // create, rename, remove, truncate, fsync_dir
  double latency_jitter = 0.5;          // each op takes latency * uniform(1-j, 1+j), j in [0, 1]
  double torn_write_probability = 0.5;  // per file with unsynced ops, at power loss
  std::uint64_t capacity_bytes = 1ull << 32;
  bool operator==(const DiskConfig&) const = default;
};

struct DiskStats {
  std::uint64_t reads = 0;          // successful read() calls
  std::uint64_t writes = 0;         // successful non-empty write() and append() calls
  std::uint64_t fsyncs = 0;         // successful fsync() and fsync_dir() calls
  std::uint64_t bytes_written = 0;  // by write() and append()
  std::uint64_t bytes_read = 0;     // returned by read()
  std::uint64_t power_losses = 0;
  std::uint64_t torn_writes = 0;  // files whose unsynced ops survived a power loss in part
  std::uint64_t corruptions = 0;  // corrupt() calls that hit a file
  std::uint64_t errors = 0;       // injected kIoError and kDiskFull results
};

class Disk {
 public:
  Disk(Kernel& kernel, NodeId node, Rng rng, DiskConfig config = {});
  Disk(const Disk&) = delete;
  Disk& operator=(const Disk&) = delete;

  NodeId node() const { return node_; }
  const DiskConfig& config() const { return config_; }

  // --- I/O, from a fiber of node() ------------------------------------------------------
  // Each call: check_alive(), sleep for the op's latency, then apply the op (or fail) and
  // record a trace event. FiberKilled propagates if the node crashes meanwhile; an op
  // issued while the fiber unwinds from a crash (from a destructor) fails with kIoError.
  Status<IoError> create(const std::string& path);  // new empty file; kExists if present
  // Extends the file with zeros when offset > size.
  Status<IoError> write(const std::string& path, std::uint64_t offset,
                        std::span<const std::uint8_t> data);
  // Writes at the end; returns the offset written at.
  Result<std::uint64_t, IoError> append(const std::string& path,
                                        std::span<const std::uint8_t> data);
  // Short (possibly empty) read at the end of the file.
  Result<Bytes, IoError> read(const std::string& path, std::uint64_t offset, std::uint64_t length);
  Result<std::uint64_t, IoError> size(const std::string& path);
  Status<IoError> truncate(const std::string& path, std::uint64_t size);   // grows with zeros
  Status<IoError> rename(const std::string& from, const std::string& to);  // replaces `to`
  Status<IoError> remove(const std::string& path);
  Status<IoError> fsync(const std::string& path);     // the file's data and size durable
  Status<IoError> fsync_dir(const std::string& dir);  // names directly in dir durable

  // --- Metadata reads: no latency, callable from anywhere (current view) --------------
  bool exists(const std::string& path) const;
  // Names of the files directly in dir, sorted.
  std::vector<std::string> list(const std::string& dir) const;
  // Names of the subdirectories directly in dir that hold a file at any depth, sorted.
  std::vector<std::string> list_dirs(const std::string& dir) const;

  // --- Faults: by the nemesis or harness, never by code under test --------------------
  // See the model above. Call only while node() is down.
  void power_loss();
  // A latent corruption; does nothing if no current or durable name is `path`.
  void corrupt(const std::string& path, std::uint64_t offset, std::uint64_t length);
  void set_capacity(std::uint64_t bytes);
  void set_latency_factor(double factor);  // > 0; 1.0 is normal
  void set_error_probability(double p);    // in [0, 1]

  std::uint64_t used_bytes() const { return used_bytes_; }
  std::uint64_t capacity_bytes() const { return capacity_bytes_; }
  const DiskStats& stats() const { return stats_; }

  // --- For tests and checkers ---------------------------------------------------------
  // The current (page-cache) content under the current name.
  std::optional<Bytes> peek(const std::string& path) const;
  // The durable content under the durable name: what a power loss without a torn write
  // would leave at `path`.
  std::optional<Bytes> peek_durable(const std::string& path) const;
  // Unsynced ops of the file currently named `path` (0 if there is none).
  std::size_t unsynced_ops(const std::string& path) const;

 private:
  using InodeId = std::uint64_t;
  using NameMap = std::map<std::string, InodeId>;
  enum class View : std::uint8_t { kCurrent, kDurable };

  // An unsynced change to a file's data, kept until fsync or power loss.
  struct PendingOp {
    bool is_truncate = false;
    std::uint64_t offset = 0;  // a write's position; a truncate's new size
    Bytes data;                // a write's bytes (never empty)
  };
  struct Inode {
    Bytes current;
    Bytes durable;
    std::vector<PendingOp> unsynced;
    std::uint32_t current_refs = 0;
    std::uint32_t durable_refs = 0;
  };
  // What a trace event says about an op.
  struct OpInfo {
    EventKind kind;
    std::string_view name;
    std::string_view path;
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
  };

  template <class T, class Apply>
  Result<T, IoError> io(const OpInfo& op, Duration base_latency, Apply&& apply);
  void record(const OpInfo& op, std::optional<IoError> error);
  void record_fault(std::string_view what, std::string_view path, std::uint64_t a, std::uint64_t b);
  Duration latency(Duration base);

  Inode* find(const std::string& path);
  bool fits(std::uint64_t growth) const;
  Status<IoError> write_at(Inode& inode, std::uint64_t offset, std::span<const std::uint8_t> data);
  void bind(View view, const std::string& name, InodeId id);
  void unbind(View view, const std::string& name);
  void release_if_unreferenced(InodeId id);
  void sync_dir_names(const std::string& dir);
  void drop_stale_durable_names(std::vector<InodeId> bound);
  void lose_unsynced(Inode& inode);
  void recompute_used_bytes();
  static void apply_op(Bytes& content, const PendingOp& op, std::uint64_t write_prefix);

  Kernel& kernel_;
  NodeId node_;
  Rng latency_rng_;
  Rng error_rng_;
  Rng fault_rng_;  // power-loss outcomes and corrupted bits
  DiskConfig config_;
  std::uint64_t capacity_bytes_;
  double latency_factor_ = 1.0;
  double error_probability_ = 0.0;

  std::map<InodeId, Inode> inodes_;
  InodeId next_inode_ = 1;
  NameMap current_names_;
  NameMap durable_names_;
  std::uint64_t used_bytes_ = 0;
  DiskStats stats_;
};

}  // namespace samsa::sim
