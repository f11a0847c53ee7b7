#include "sim/disk.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>
#include <rapidcheck/state.h>

#include <map>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace samsa::sim {

// Lets GoogleTest print error codes by name.
[[maybe_unused]] static void PrintTo(IoError error, std::ostream* os) {
  *os << io_error_name(error);
}

namespace {

Bytes bytes(std::string_view text) {
  return Bytes(text.begin(), text.end());
}
std::string text(const Bytes& b) {
  return std::string(b.begin(), b.end());
}
std::string text(const std::optional<Bytes>& b) {
  return b ? text(*b) : "<none>";
}

template <class R>
std::optional<IoError> error_of(const R& result) {
  return result.ok() ? std::nullopt : std::optional<IoError>(result.error());
}

DiskConfig without_jitter() {
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

// --- Plain file operations ----------------------------------------------------------------

TEST(Disk, ReadReturnsWhatWasWritten) {
  Rig rig(1);
  ASSERT_TRUE(rig.create("d/f").ok());
  ASSERT_TRUE(rig.write("d/f", 0, "hello").ok());
  ASSERT_TRUE(rig.write("d/f", 1, "EL").ok());
  const auto r = rig.read("d/f", 0, 5);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(text(r.value()), "hELlo");
  EXPECT_EQ(rig.disk.stats().bytes_read, 5u);
  EXPECT_EQ(rig.disk.stats().bytes_written, 7u);
}

TEST(Disk, WritePastTheEndFillsTheGapWithZeros) {
  Rig rig(1);
  ASSERT_TRUE(rig.create("f").ok());
  ASSERT_TRUE(rig.write("f", 3, "x").ok());
  EXPECT_EQ(rig.disk.peek("f"), (Bytes{0, 0, 0, 'x'}));
  EXPECT_EQ(rig.disk.used_bytes(), 4u);
}

TEST(Disk, AppendReturnsTheOffsetItWroteAt) {
  Rig rig(1);
  ASSERT_TRUE(rig.create("f").ok());
  EXPECT_EQ(rig.append("f", "ab").value(), 0u);
  EXPECT_EQ(rig.append("f", "cde").value(), 2u);
  EXPECT_EQ(rig.size("f").value(), 5u);
  EXPECT_EQ(text(rig.disk.peek("f")), "abcde");
}

TEST(Disk, ReadNearTheEndIsShortAndPastTheEndIsEmpty) {
  Rig rig(1);
  ASSERT_TRUE(rig.create("f").ok());
  ASSERT_TRUE(rig.write("f", 0, "abc").ok());
  EXPECT_EQ(text(rig.read("f", 1, 10).value()), "bc");
  EXPECT_EQ(text(rig.read("f", 3, 2).value()), "");
  EXPECT_EQ(text(rig.read("f", 10, 1).value()), "");
}

TEST(Disk, TruncateShrinksAndGrowsWithZeros) {
  Rig rig(1);
  ASSERT_TRUE(rig.create("f").ok());
  ASSERT_TRUE(rig.write("f", 0, "abcdef").ok());
  ASSERT_TRUE(rig.truncate("f", 2).ok());
  EXPECT_EQ(text(rig.disk.peek("f")), "ab");
  ASSERT_TRUE(rig.truncate("f", 4).ok());
  EXPECT_EQ(rig.disk.peek("f"), (Bytes{'a', 'b', 0, 0}));
  EXPECT_EQ(rig.disk.used_bytes(), 4u);
}

TEST(Disk, RenameReplacesTheTarget) {
  Rig rig(1);
  ASSERT_TRUE(rig.create("d/a").ok());
  ASSERT_TRUE(rig.write("d/a", 0, "old").ok());
  ASSERT_TRUE(rig.create("d/b").ok());
  ASSERT_TRUE(rig.write("d/b", 0, "newer").ok());
  ASSERT_TRUE(rig.rename("d/b", "d/a").ok());
  EXPECT_EQ(text(rig.disk.peek("d/a")), "newer");
  EXPECT_FALSE(rig.disk.exists("d/b"));
  EXPECT_EQ(rig.disk.used_bytes(), 5u);  // the replaced file's space is free
}

TEST(Disk, RemovedFileIsGoneAndFreesItsSpace) {
  Rig rig(1);
  ASSERT_TRUE(rig.create("f").ok());
  ASSERT_TRUE(rig.write("f", 0, "abc").ok());
  ASSERT_TRUE(rig.remove("f").ok());
  EXPECT_FALSE(rig.disk.exists("f"));
  EXPECT_EQ(error_of(rig.read("f", 0, 1)), IoError::kNotFound);
  EXPECT_EQ(error_of(rig.remove("f")), IoError::kNotFound);
  EXPECT_EQ(rig.disk.used_bytes(), 0u);
}

TEST(Disk, ListGivesTheFilesDirectlyInADirectorySorted) {
  Rig rig(1);
  for (const char* p : {"d/b", "d/a", "d/sub/c", "d-x/y", "e/x", "top"})
    ASSERT_TRUE(rig.create(p).ok());
  EXPECT_EQ(rig.disk.list("d"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(rig.disk.list(""), (std::vector<std::string>{"top"}));
  EXPECT_EQ(rig.disk.list("nowhere"), (std::vector<std::string>{}));
  EXPECT_EQ(rig.disk.list_dirs(""), (std::vector<std::string>{"d", "d-x", "e"}));
  EXPECT_EQ(rig.disk.list_dirs("d"), (std::vector<std::string>{"sub"}));
}

TEST(Disk, MissingFilesAreNotFoundDuplicatesExistAndBadPathsAreInvalid) {
  Rig rig(1);
  ASSERT_TRUE(rig.create("f").ok());
  EXPECT_EQ(error_of(rig.create("f")), IoError::kExists);
  EXPECT_EQ(error_of(rig.write("g", 0, "x")), IoError::kNotFound);
  EXPECT_EQ(error_of(rig.append("g", "x")), IoError::kNotFound);
  EXPECT_EQ(error_of(rig.size("g")), IoError::kNotFound);
  EXPECT_EQ(error_of(rig.truncate("g", 0)), IoError::kNotFound);
  EXPECT_EQ(error_of(rig.fsync("g")), IoError::kNotFound);
  EXPECT_EQ(error_of(rig.rename("g", "h")), IoError::kNotFound);
  for (const char* bad : {"", "/a", "a/", "a//b"}) {
    EXPECT_EQ(error_of(rig.create(bad)), IoError::kInvalidArgument) << bad;
  }
  EXPECT_EQ(error_of(rig.fsync_dir("a//b")), IoError::kInvalidArgument);
  EXPECT_TRUE(rig.fsync_dir("").ok());
  EXPECT_EQ(rig.disk.stats().errors, 0u);  // logical errors are not faults
}

TEST(Disk, FullDiskFailsGrowthAndChangesNothing) {
  DiskConfig config;
  config.capacity_bytes = 10;
  Rig rig(1, config);
  ASSERT_TRUE(rig.create("f").ok());
  ASSERT_TRUE(rig.write("f", 0, "12345678").ok());
  EXPECT_EQ(error_of(rig.append("f", "abc")), IoError::kDiskFull);
  EXPECT_EQ(error_of(rig.write("f", 9, "ab")), IoError::kDiskFull);
  EXPECT_EQ(error_of(rig.truncate("f", 11)), IoError::kDiskFull);
  EXPECT_EQ(text(rig.disk.peek("f")), "12345678");
  EXPECT_EQ(rig.disk.unsynced_ops("f"), 1u);
  EXPECT_EQ(rig.disk.used_bytes(), 8u);
  EXPECT_EQ(rig.disk.stats().errors, 3u);
  rig.disk.set_capacity(4);  // below what is used: no growth, but overwrites still work
  EXPECT_TRUE(rig.write("f", 0, "AB").ok());
  EXPECT_EQ(error_of(rig.append("f", "x")), IoError::kDiskFull);
  EXPECT_TRUE(rig.truncate("f", 3).ok());
  EXPECT_EQ(text(rig.disk.peek("f")), "AB3");
}

TEST(Disk, InjectedErrorsFailOpsAndChangeNothing) {
  Rig rig(1);
  ASSERT_TRUE(rig.create("d/f").ok());
  ASSERT_TRUE(rig.write("d/f", 0, "abc").ok());
  rig.disk.set_error_probability(1.0);
  EXPECT_EQ(error_of(rig.write("d/f", 0, "xyz")), IoError::kIoError);
  EXPECT_EQ(error_of(rig.fsync("d/f")), IoError::kIoError);
  EXPECT_EQ(error_of(rig.rename("d/f", "d/g")), IoError::kIoError);
  EXPECT_EQ(error_of(rig.read("d/f", 0, 3)), IoError::kIoError);
  EXPECT_EQ(text(rig.disk.peek("d/f")), "abc");
  EXPECT_EQ(rig.disk.unsynced_ops("d/f"), 1u);  // the failed fsync synced nothing
  EXPECT_FALSE(rig.disk.peek_durable("d/f").has_value());
  EXPECT_EQ(rig.disk.stats().errors, 4u);
  rig.disk.set_error_probability(0.0);
  EXPECT_TRUE(rig.fsync("d/f").ok());
}

TEST(Disk, LatencyAdvancesVirtualTimeAndFsyncIsSlowerThanWrite) {
  Rig rig(1, without_jitter());
  ASSERT_TRUE(rig.create("f").ok());
  EXPECT_EQ(rig.kernel.now(), kSimStart + 100us);
  ASSERT_TRUE(rig.write("f", 0, "x").ok());
  EXPECT_EQ(rig.kernel.now(), kSimStart + 120us);
  ASSERT_TRUE(rig.fsync("f").ok());
  EXPECT_EQ(rig.kernel.now(), kSimStart + 2120us);
  ASSERT_TRUE(rig.read("f", 0, 1).ok());
  EXPECT_EQ(rig.kernel.now(), kSimStart + 2170us);
  rig.disk.set_latency_factor(3.0);
  ASSERT_TRUE(rig.write("f", 0, "y").ok());
  EXPECT_EQ(rig.kernel.now(), kSimStart + 2230us);
}

TEST(Disk, JitteredLatencyStaysWithinItsBounds) {
  Rig rig(7);  // jitter 0.5: a 20us write takes 10us to 30us
  ASSERT_TRUE(rig.create("f").ok());
  std::vector<Duration> took;
  for (int i = 0; i < 50; ++i) {
    const SimTime before = rig.kernel.now();
    ASSERT_TRUE(rig.write("f", 0, "x").ok());
    took.push_back(rig.kernel.now() - before);
    EXPECT_GE(took.back(), 10us);
    EXPECT_LE(took.back(), 30us);
  }
  EXPECT_NE(*std::min_element(took.begin(), took.end()),
            *std::max_element(took.begin(), took.end()));
}

TEST(Disk, CorruptionFlipsBytesInTheCacheTheMediumAndUnsyncedWrites) {
  Rig rig(3);
  rig.durable_file("d/f", "aaaaaaaa");
  ASSERT_TRUE(rig.write("d/f", 4, "bbbbbb").ok());  // unsynced, covers bytes 4..9
  rig.disk.corrupt("d/f", 2, 6);
  const Bytes now = *rig.disk.peek("d/f");
  const std::string before = "aaaabbbbbb";
  for (std::size_t i = 0; i < before.size(); ++i) {
    EXPECT_EQ(now[i] != static_cast<std::uint8_t>(before[i]), i >= 2 && i < 8) << i;
  }
  EXPECT_EQ(text(rig.read("d/f", 0, 10).value()), text(now));
  const Bytes medium = *rig.disk.peek_durable("d/f");
  EXPECT_EQ(text(medium).substr(0, 2), "aa");
  EXPECT_NE(text(medium).substr(2, 6), "aaaaaa");
  ASSERT_TRUE(rig.fsync("d/f").ok());  // the flipped unsynced bytes reach the medium as read
  EXPECT_EQ(rig.disk.peek_durable("d/f"), now);
  EXPECT_EQ(rig.disk.stats().corruptions, 1u);
}

TEST(Disk, ProcessCrashKeepsUnsyncedData) {
  Rig rig(1);
  ASSERT_TRUE(rig.create("d/f").ok());
  ASSERT_TRUE(rig.write("d/f", 0, "unsynced").ok());
  rig.crash();
  EXPECT_EQ(text(rig.read("d/f", 0, 100).value()), "unsynced");
  EXPECT_EQ(rig.disk.unsynced_ops("d/f"), 1u);
}

TEST(Disk, AnOpInterruptedByACrashNeverHappens) {
  Rig rig(1, without_jitter());
  ASSERT_TRUE(rig.create("f").ok());
  bool returned = false;
  rig.kernel.spawn(rig.node, "writer", [&] {
    (void)rig.disk.write("f", 0, bytes("lost"));
    returned = true;
  });
  rig.kernel.run_for(10us);  // half-way through the write's 20us
  rig.crash();
  rig.kernel.run();
  EXPECT_FALSE(returned);
  EXPECT_EQ(text(rig.disk.peek("f")), "");
  EXPECT_EQ(rig.disk.stats().writes, 0u);
}

// --- Power loss and directory sync --------------------------------------------------------

TEST(DiskPowerLoss, FsyncedDataSurvivesPowerLoss) {
  DiskConfig config;
  config.torn_write_probability = 1.0;  // the unsynced tail is always cut somewhere
  const std::string all = "synced;lost-1;lost-2;";
  for (std::uint64_t seed = 0; seed < 30; ++seed) {
    Rig rig(seed, config);
    rig.durable_file("d/f", "synced;");
    ASSERT_TRUE(rig.append("d/f", "lost-1;").ok());
    ASSERT_TRUE(rig.append("d/f", "lost-2;").ok());
    rig.power_cycle();
    const std::string after = text(rig.disk.peek("d/f"));
    EXPECT_TRUE(after.starts_with("synced;")) << after;
    EXPECT_TRUE(all.starts_with(after)) << after;
    EXPECT_LT(after.size(), all.size()) << after;
    EXPECT_EQ(rig.disk.peek_durable("d/f"), rig.disk.peek("d/f"));
    EXPECT_EQ(rig.disk.unsynced_ops("d/f"), 0u);
  }
}

TEST(DiskPowerLoss, UnsyncedWritesAreLostWholeWhenNothingTears) {
  DiskConfig config;
  config.torn_write_probability = 0.0;
  Rig rig(1, config);
  rig.durable_file("d/f", "synced");
  ASSERT_TRUE(rig.append("d/f", "-lost").ok());
  rig.power_cycle();
  EXPECT_EQ(text(rig.read("d/f", 0, 100).value()), "synced");
  EXPECT_EQ(rig.disk.stats().power_losses, 1u);
  EXPECT_EQ(rig.disk.stats().torn_writes, 0u);
}

TEST(DiskPowerLoss, CreateWithoutDirSyncVanishes) {
  Rig rig(1);
  ASSERT_TRUE(rig.create("d/f").ok());
  ASSERT_TRUE(rig.write("d/f", 0, "data").ok());
  ASSERT_TRUE(rig.fsync("d/f").ok());  // the data is durable, the name is not
  rig.power_cycle();
  EXPECT_FALSE(rig.disk.exists("d/f"));
  EXPECT_EQ(rig.disk.used_bytes(), 0u);
}

TEST(DiskPowerLoss, RenameWithoutDirSyncRevertsToTheOldNameAndContent) {
  Rig rig(1);
  rig.durable_file("d/f", "old");
  ASSERT_TRUE(rig.create("d/f.tmp").ok());
  ASSERT_TRUE(rig.write("d/f.tmp", 0, "new").ok());
  ASSERT_TRUE(rig.fsync("d/f.tmp").ok());
  ASSERT_TRUE(rig.rename("d/f.tmp", "d/f").ok());
  rig.power_cycle();
  EXPECT_EQ(text(rig.disk.peek("d/f")), "old");
  EXPECT_FALSE(rig.disk.exists("d/f.tmp"));  // its create was never dir-synced either
}

TEST(DiskPowerLoss, RenameWithDirSyncSurvives) {
  Rig rig(1);
  rig.durable_file("d/f", "old");
  ASSERT_TRUE(rig.create("d/f.tmp").ok());
  ASSERT_TRUE(rig.write("d/f.tmp", 0, "new").ok());
  ASSERT_TRUE(rig.fsync("d/f.tmp").ok());
  ASSERT_TRUE(rig.rename("d/f.tmp", "d/f").ok());
  ASSERT_TRUE(rig.fsync_dir("d").ok());
  rig.power_cycle();
  EXPECT_EQ(text(rig.disk.peek("d/f")), "new");
  EXPECT_EQ(rig.disk.list("d"), (std::vector<std::string>{"f"}));
}

TEST(DiskPowerLoss, RenameAcrossDirectoriesIsDurableOnceTheTargetDirectoryIsSynced) {
  Rig rig(1);
  rig.durable_file("x/f", "data");
  ASSERT_TRUE(rig.rename("x/f", "y/f").ok());
  ASSERT_TRUE(rig.fsync_dir("y").ok());
  rig.power_cycle();
  EXPECT_EQ(text(rig.disk.peek("y/f")), "data");
  EXPECT_FALSE(rig.disk.exists("x/f"));  // the rename is durable as a whole

  rig.durable_file("x/g", "more");
  ASSERT_TRUE(rig.rename("x/g", "y/g").ok());
  ASSERT_TRUE(rig.fsync_dir("x").ok());  // only the source's directory
  rig.power_cycle();
  EXPECT_FALSE(rig.disk.exists("x/g"));
  EXPECT_FALSE(rig.disk.exists("y/g"));
}

TEST(DiskPowerLoss, RemoveWithoutDirSyncComesBack) {
  Rig rig(1);
  rig.durable_file("d/f", "back");
  ASSERT_TRUE(rig.remove("d/f").ok());
  EXPECT_EQ(rig.disk.used_bytes(), 0u);
  rig.power_cycle();
  EXPECT_EQ(text(rig.disk.peek("d/f")), "back");
  EXPECT_EQ(rig.disk.used_bytes(), 4u);
  ASSERT_TRUE(rig.remove("d/f").ok());
  ASSERT_TRUE(rig.fsync_dir("d").ok());
  rig.power_cycle();
  EXPECT_FALSE(rig.disk.exists("d/f"));
}

RC_GTEST_PROP(DiskPowerLoss, AtomicReplaceLeavesTheOldOrTheNewFileNeverAMix, ()) {
  const auto seed = *rc::gen::arbitrary<std::uint64_t>();
  const Duration crash_at{*rc::gen::inRange<std::int64_t>(0, 4'000'000)};
  DiskConfig config;
  config.torn_write_probability = *rc::gen::element(0.0, 0.5, 1.0);
  Rig rig(seed, config);
  const std::string old_content = "old contents, version 1";
  const std::string new_content = "NEW CONTENTS, VERSION 2, LONGER";
  rig.durable_file("d/f", old_content);
  bool replaced = false;
  rig.kernel.spawn(rig.node, "replace", [&] {
    Disk& disk = rig.disk;
    if (!disk.create("d/f.tmp").ok() || !disk.write("d/f.tmp", 0, bytes(new_content)).ok() ||
        !disk.fsync("d/f.tmp").ok() || !disk.rename("d/f.tmp", "d/f").ok() ||
        !disk.fsync_dir("d").ok()) {
      return;
    }
    replaced = true;
  });
  rig.kernel.run_for(crash_at);
  rig.power_cycle();
  const std::string after = text(rig.disk.peek("d/f"));
  RC_ASSERT(after == old_content || after == new_content);
  if (replaced) RC_ASSERT(after == new_content);
}

// --- Random op sequences against a reference model ---------------------------------------
//
// The model keeps, per file, its durable content and its unsynced ops, and two name
// maps. Power-loss outcomes are random, so the model lives beside the disk in the Sut:
// a power loss checks the disk's outcome against every outcome the contract allows,
// then adopts it. (RapidCheck's own model is therefore empty.)

struct ModelOp {
  bool is_truncate;
  std::uint64_t offset;  // or the new size
  Bytes data;
};

void apply(Bytes& content, const ModelOp& op) {
  if (op.is_truncate) {
    content.resize(op.offset);
  } else if (!op.data.empty()) {
    if (content.size() < op.offset + op.data.size()) content.resize(op.offset + op.data.size());
    std::copy(op.data.begin(), op.data.end(),
              content.begin() + static_cast<std::ptrdiff_t>(op.offset));
  }
}

struct ModelFile {
  Bytes durable;
  std::vector<ModelOp> unsynced;
  Bytes current() const {
    Bytes content = durable;
    for (const ModelOp& op : unsynced) apply(content, op);
    return content;
  }
  // Durable content plus the first k whole ops (k < n), plus a strict prefix of op k if
  // it is a write.
  std::vector<Bytes> power_loss_outcomes() const {
    std::vector<Bytes> outcomes{durable};
    Bytes base = durable;
    for (const ModelOp& op : unsynced) {
      outcomes.push_back(base);
      for (std::size_t p = 1; !op.is_truncate && p < op.data.size(); ++p) {
        Bytes torn = base;
        apply(torn, {false, op.offset,
                     Bytes(op.data.begin(), op.data.begin() + static_cast<std::ptrdiff_t>(p))});
        outcomes.push_back(torn);
      }
      apply(base, op);
    }
    return outcomes;
  }
};

struct FsModel {
  std::map<int, ModelFile> files;
  int next_file = 0;
  std::map<std::string, int> current;
  std::map<std::string, int> durable;

  ModelFile* find(const std::string& name) {
    const auto it = current.find(name);
    return it == current.end() ? nullptr : &files[it->second];
  }
  static bool in_dir(const std::string& name, const std::string& dir) {
    return name.rfind('/') == dir.size() && name.starts_with(dir);
  }
  void fsync_dir(const std::string& dir) {
    std::erase_if(durable, [&](const auto& e) { return in_dir(e.first, dir); });
    for (const auto& entry : current) {
      if (!in_dir(entry.first, dir)) continue;
      // The file's other durable name is the source of a rename into dir.
      std::erase_if(durable, [&](const auto& e) { return e.second == entry.second; });
      durable[entry.first] = entry.second;
    }
  }
};

const std::vector<std::string> kNames = {"a/x", "a/y", "b/z"};

struct Sut {
  explicit Sut(std::uint64_t seed) : rig(seed) {}
  // Both views of every name match the model.
  void check() const {
    for (const std::string& name : kNames) {
      const auto cur = model.current.find(name);
      const auto dur = model.durable.find(name);
      const std::optional<Bytes> want_current =
          cur == model.current.end() ? std::nullopt
                                     : std::optional(model.files.at(cur->second).current());
      const std::optional<Bytes> want_durable =
          dur == model.durable.end() ? std::nullopt
                                     : std::optional(model.files.at(dur->second).durable);
      RC_ASSERT(rig.disk.peek(name) == want_current);
      RC_ASSERT(rig.disk.peek_durable(name) == want_durable);
    }
  }
  Rig rig;
  FsModel model;
};

struct NoModel {};
using Command = rc::state::Command<NoModel, Sut>;

std::string any_name() {
  return *rc::gen::elementOf(kNames);
}
Bytes any_data() {
  return *rc::gen::container<Bytes>(*rc::gen::inRange<std::size_t>(0, 9),
                                    rc::gen::arbitrary<std::uint8_t>());
}

struct Create : Command {
  std::string name = any_name();
  void run(const NoModel&, Sut& s) const override {
    const auto r = s.rig.create(name);
    RC_ASSERT(error_of(r) ==
              (s.model.current.contains(name) ? std::optional(IoError::kExists) : std::nullopt));
    if (r.ok()) {
      s.model.files[s.model.next_file] = ModelFile{};
      s.model.current[name] = s.model.next_file++;
    }
    s.check();
  }
  void show(std::ostream& os) const override { os << "create " << name; }
};

struct Write : Command {
  std::string name = any_name();
  std::uint64_t offset = *rc::gen::inRange<std::uint64_t>(0, 24);
  Bytes data = any_data();
  bool append = *rc::gen::arbitrary<bool>();
  void run(const NoModel&, Sut& s) const override {
    ModelFile* file = s.model.find(name);
    const std::uint64_t at = append && file ? file->current().size() : offset;
    if (append) {
      const auto r = s.rig.call([&] { return s.rig.disk.append(name, data); });
      RC_ASSERT(r.ok() == (file != nullptr));
      if (r.ok()) RC_ASSERT(r.value() == at);
    } else {
      RC_ASSERT(s.rig.call([&] { return s.rig.disk.write(name, offset, data); }).ok() ==
                (file != nullptr));
    }
    if (file && !data.empty()) file->unsynced.push_back({false, at, data});
    s.check();
  }
  void show(std::ostream& os) const override {
    os << (append ? "append " : "write ") << name << " @" << offset << " +" << data.size();
  }
};

struct Truncate : Command {
  std::string name = any_name();
  std::uint64_t size = *rc::gen::inRange<std::uint64_t>(0, 24);
  void run(const NoModel&, Sut& s) const override {
    ModelFile* file = s.model.find(name);
    RC_ASSERT(s.rig.truncate(name, size).ok() == (file != nullptr));
    if (file) file->unsynced.push_back({true, size, {}});
    s.check();
  }
  void show(std::ostream& os) const override { os << "truncate " << name << " " << size; }
};

struct Read : Command {
  std::string name = any_name();
  std::uint64_t offset = *rc::gen::inRange<std::uint64_t>(0, 30);
  std::uint64_t length = *rc::gen::inRange<std::uint64_t>(0, 30);
  void run(const NoModel&, Sut& s) const override {
    ModelFile* file = s.model.find(name);
    const auto r = s.rig.read(name, offset, length);
    RC_ASSERT(r.ok() == (file != nullptr));
    if (!file) return;
    const Bytes content = file->current();
    const std::size_t begin = std::min<std::size_t>(offset, content.size());
    const std::size_t end = std::min<std::size_t>(begin + length, content.size());
    RC_ASSERT(r.value() == Bytes(content.begin() + static_cast<std::ptrdiff_t>(begin),
                                 content.begin() + static_cast<std::ptrdiff_t>(end)));
  }
  void show(std::ostream& os) const override {
    os << "read " << name << " @" << offset << " +" << length;
  }
};

struct Fsync : Command {
  std::string name = any_name();
  void run(const NoModel&, Sut& s) const override {
    ModelFile* file = s.model.find(name);
    RC_ASSERT(s.rig.fsync(name).ok() == (file != nullptr));
    if (file) *file = ModelFile{file->current(), {}};
    s.check();
  }
  void show(std::ostream& os) const override { os << "fsync " << name; }
};

struct Rename : Command {
  std::string from = any_name();
  std::string to = any_name();
  void run(const NoModel&, Sut& s) const override {
    const bool present = s.model.current.contains(from);
    RC_ASSERT(s.rig.rename(from, to).ok() == present);
    if (present && from != to) {
      s.model.current[to] = s.model.current[from];
      s.model.current.erase(from);
    }
    s.check();
  }
  void show(std::ostream& os) const override { os << "rename " << from << " " << to; }
};

struct Remove : Command {
  std::string name = any_name();
  void run(const NoModel&, Sut& s) const override {
    RC_ASSERT(s.rig.remove(name).ok() == (s.model.current.erase(name) == 1));
    s.check();
  }
  void show(std::ostream& os) const override { os << "remove " << name; }
};

struct FsyncDir : Command {
  std::string dir = *rc::gen::element<std::string>("a", "b");
  void run(const NoModel&, Sut& s) const override {
    RC_ASSERT(s.rig.fsync_dir(dir).ok());
    s.model.fsync_dir(dir);
    s.check();
  }
  void show(std::ostream& os) const override { os << "fsync_dir " << dir; }
};

// kill -9, possibly in the middle of a write: the page cache is untouched.
struct Crash : Command {
  std::string name = any_name();
  bool mid_write = *rc::gen::arbitrary<bool>();
  void run(const NoModel&, Sut& s) const override {
    if (mid_write) {
      s.rig.kernel.spawn(s.rig.node, "writer",
                         [&] { (void)s.rig.disk.append(name, bytes("never")); });
      s.rig.kernel.run_for(5us);  // a write takes at least 10us
    }
    s.rig.crash();
    s.check();
  }
  void show(std::ostream& os) const override {
    os << "crash" << (mid_write ? " mid-write " + name : "");
  }
};

struct PowerLoss : Command {
  void run(const NoModel&, Sut& s) const override {
    s.rig.power_cycle();
    FsModel& m = s.model;
    for (const auto& [name, id] : m.durable) {
      const std::optional<Bytes> actual = s.rig.disk.peek(name);
      RC_ASSERT(actual.has_value());
      const std::vector<Bytes> allowed = m.files[id].power_loss_outcomes();
      RC_ASSERT(std::find(allowed.begin(), allowed.end(), *actual) != allowed.end());
      m.files[id] = ModelFile{*actual, {}};
    }
    m.current = m.durable;
    s.check();
  }
  void show(std::ostream& os) const override { os << "power_loss"; }
};

RC_GTEST_PROP(DiskModel, RandomOpsCrashesAndPowerLossesMatchTheModel, ()) {
  Sut sut(*rc::gen::arbitrary<std::uint64_t>());
  // Sequences up to three times RapidCheck's default size, weighted towards writes on files
  // that exist, so most power losses find unsynced ops to tear.
  const auto commands = *rc::gen::scale(
      3.0, rc::state::gen::commands(
               NoModel{},
               rc::state::gen::execOneOfWithArgs<Create, Create, Create, Write, Write, Write, Write,
                                                 Write, Truncate, Read, Fsync, Fsync, Rename,
                                                 Remove, FsyncDir, FsyncDir, Crash, PowerLoss>()));
  rc::state::runAll(commands, NoModel{}, sut);
  // Shows how many cases reached the interesting part: a power loss that tore a file.
  const DiskStats& stats = sut.rig.disk.stats();
  RC_TAG(stats.power_losses == 0 ? "no power loss" : stats.torn_writes == 0 ? "untorn" : "torn");
}

// --- Determinism ------------------------------------------------------------------------------

struct ScriptOutcome {
  std::uint64_t trace_hash;
  std::map<std::string, Bytes> contents;
};

// Writers appending and sometimes syncing, cut off by power losses at odd moments.
ScriptOutcome run_script(std::uint64_t seed) {
  Rig rig(seed);
  for (int round = 0; round < 4; ++round) {
    rig.kernel.spawn(rig.node, "writer", [&, round] {
      for (int i = 0; i < 20; ++i) {
        const std::string path = fmt::format("d/f{}", i % 3);
        if (!rig.disk.exists(path)) (void)rig.disk.create(path);
        (void)rig.disk.append(path, bytes(fmt::format("r{}i{};", round, i)));
        if (i % 7 == 3) (void)rig.disk.fsync(path);
        if (i % 9 == 4) (void)rig.disk.fsync_dir("d");
      }
    });
    rig.kernel.run_for(1ms * (round + 2));
    rig.disk.corrupt("d/f1", 2, 3);
    rig.power_cycle();
  }
  ScriptOutcome out{rig.kernel.trace().hash(), {}};
  for (const std::string& name : rig.disk.list("d"))
    out.contents[name] = *rig.disk.peek("d/" + name);
  return out;
}

TEST(DiskDeterminism, TheSameSeedGivesTheSameTraceAndContents) {
  const ScriptOutcome first = run_script(42);
  const ScriptOutcome second = run_script(42);
  EXPECT_EQ(first.trace_hash, second.trace_hash);
  EXPECT_EQ(first.contents, second.contents);
  EXPECT_FALSE(first.contents.empty());
}

TEST(DiskDeterminism, ADifferentSeedGivesADifferentTrace) {
  EXPECT_NE(run_script(42).trace_hash, run_script(43).trace_hash);
}

}  // namespace
}  // namespace samsa::sim
