// Test rig for the simulated disk: a kernel with one node and its Disk, and helpers
// that run each disk call in a fiber of that node and return its result. Shared by
// disk_test.cpp and disk_model_test.cpp.
#pragma once

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "sim/disk.h"
#include "sim/kernel.h"

namespace samsa::sim {

// Lets GoogleTest print error codes by name.
inline void PrintTo(IoError error, std::ostream* os) { *os << io_error_name(error); }

namespace testing {


inline Bytes bytes(std::string_view text) {
  return Bytes(text.begin(), text.end());
}
inline std::string text(const Bytes& b) {
  return std::string(b.begin(), b.end());
}
inline std::string text(const std::optional<Bytes>& b) {
  return b ? text(*b) : "<none>";
}

template <class R>
inline std::optional<IoError> error_of(const R& result) {
  return result.ok() ? std::nullopt : std::optional<IoError>(result.error());
}

inline DiskConfig without_jitter() {
  DiskConfig config;
  config.latency_jitter = 0.0;
  return config;
}

// One node with one disk. Each I/O helper runs the op in a fresh fiber of the node and
// runs the kernel until it is idle, so virtual time moves by the op's latency.
struct Rig {
  explicit Rig(std::uint64_t seed, DiskConfig config = {})
      : kernel(seed),
        node(kernel.add_node("n")),
        disk(kernel, node, Rng::stream(seed, "disk"), config) {
    kernel.bring_up(node);
  }

  template <class F>
  auto call(F op) -> decltype(op()) {
    std::optional<decltype(op())> out;
    kernel.spawn(node, "op", [&] { out.emplace(op()); });
    if (kernel.run() != RunOutcome::kQuiescent || !out) {
      throw std::runtime_error("a disk op did not complete: " + kernel.failure());
    }
    return std::move(*out);
  }
  Status<IoError> create(const std::string& p) {
    return call([&] { return disk.create(p); });
  }
  Status<IoError> write(const std::string& p, std::uint64_t offset, std::string_view data) {
    return call([&] { return disk.write(p, offset, bytes(data)); });
  }
  Result<std::uint64_t, IoError> append(const std::string& p, std::string_view data) {
    return call([&] { return disk.append(p, bytes(data)); });
  }
  Result<Bytes, IoError> read(const std::string& p, std::uint64_t offset, std::uint64_t length) {
    return call([&] { return disk.read(p, offset, length); });
  }
  Result<std::uint64_t, IoError> size(const std::string& p) {
    return call([&] { return disk.size(p); });
  }
  Status<IoError> truncate(const std::string& p, std::uint64_t n) {
    return call([&] { return disk.truncate(p, n); });
  }
  Status<IoError> rename(const std::string& from, const std::string& to) {
    return call([&] { return disk.rename(from, to); });
  }
  Status<IoError> remove(const std::string& p) {
    return call([&] { return disk.remove(p); });
  }
  Status<IoError> fsync(const std::string& p) {
    return call([&] { return disk.fsync(p); });
  }
  Status<IoError> fsync_dir(const std::string& d) {
    return call([&] { return disk.fsync_dir(d); });
  }

  // A file with `data` whose content and name are both durable.
  void durable_file(const std::string& p, std::string_view data) {
    if (!create(p).ok() || !write(p, 0, data).ok() || !fsync(p).ok() ||
        !fsync_dir(p.substr(0, p.rfind('/'))).ok()) {
      throw std::runtime_error("could not set up " + p);
    }
  }
  void crash() {
    kernel.crash(node);
    kernel.run();
    kernel.bring_up(node);
  }
  void power_cycle() {
    kernel.crash(node);
    kernel.run();
    disk.power_loss();
    kernel.bring_up(node);
  }

  Kernel kernel;
  NodeId node;
  Disk disk;
};


}  // namespace testing
}  // namespace samsa::sim
