#include "sim/disk.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "tests/sim/disk_rig.h"

namespace samsa::sim {
namespace {

using namespace testing;

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
