// The run's trace. Every scheduled event (a timer firing, a fiber resuming, a message
// sent, delivered or dropped, a disk operation, a fault) is folded into a 64-bit trace
// hash: (time, node, kind, payload digest). Two runs of one scenario and seed must end
// with the same hash, in any process and build; a mismatch is a determinism bug.
// Optionally every event is also written as one line of text to a trace file. Logging
// is separate and never feeds the hash.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "sim/ids.h"
#include "sim/random.h"
#include "sim/time.h"

namespace samsa::sim {

enum class EventKind : std::uint8_t {
  kSpawn,
  kResume,
  kWake,      // a fiber's deadline or sleep timer fired
  kCallback,  // a kernel timer callback (network delivery, fault action)
  kSend,
  kDeliver,
  kDrop,
  kDuplicate,
  kDiskRead,
  kDiskWrite,
  kDiskFsync,
  kDiskMeta,   // create, rename, remove, truncate, fsync of a directory
  kDiskError,  // an injected or capacity error
  kCrash,
  kRestart,
  kPause,
  kResumeNode,
  kPowerLoss,
  kFault,     // a nemesis action on the network, disk or clock
  kClock,     // a clock jump or drift change
  kBuggify,   // a fault point fired
  kFailure,   // an invariant broke
  kNote,      // free-form, recorded by code under test
};

std::string_view event_kind_name(EventKind kind);

class Trace {
 public:
  Trace() = default;
  ~Trace();
  Trace(const Trace&) = delete;
  Trace& operator=(const Trace&) = delete;

  // Start writing one line per event to `path` (truncates it). Returns false on error.
  bool open_file(const std::string& path);
  bool writing() const { return file_ != nullptr; }

  // Fold an event into the hash; `describe` is called only when a file is open.
  template <class Describe>
  void record(SimTime t, NodeId node, EventKind kind, std::uint64_t digest, Describe&& describe) {
    fold(t, node, kind, digest);
    if (file_ != nullptr && !frozen_) write_line(t, node, kind, digest, describe());
  }
  void record(SimTime t, NodeId node, EventKind kind, std::uint64_t digest) {
    fold(t, node, kind, digest);
    if (file_ != nullptr && !frozen_) write_line(t, node, kind, digest, {});
  }

  // Names used in trace lines; the kernel registers each node's name here.
  void set_node_name(NodeId node, std::string name);

  // Ignores every later event (the run is over; its teardown is not part of it).
  void freeze() { frozen_ = true; }

  std::uint64_t hash() const { return hash_; }
  std::uint64_t events() const { return events_; }
  // 16 lower-case hex digits.
  std::string hash_hex() const;

 private:
  void fold(SimTime t, NodeId node, EventKind kind, std::uint64_t digest) {
    if (frozen_) return;
    std::uint64_t x = static_cast<std::uint64_t>(t.time_since_epoch().count());
    x ^= mix64((static_cast<std::uint64_t>(node.value()) << 8) | static_cast<std::uint8_t>(kind));
    x ^= mix64(digest + 0x632be59bd9b4e019ULL);
    hash_ = mix64(hash_ ^ x) + 0x9e3779b97f4a7c15ULL * ++events_;
  }
  void write_line(SimTime t, NodeId node, EventKind kind, std::uint64_t digest,
                  const std::string& detail);

  std::uint64_t hash_ = 0x736173736100ULL;  // "samsa"
  std::uint64_t events_ = 0;
  std::FILE* file_ = nullptr;
  bool frozen_ = false;
  std::vector<std::string> node_names_;
};

}  // namespace samsa::sim
