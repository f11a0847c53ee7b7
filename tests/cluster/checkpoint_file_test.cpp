#include "cluster/log/checkpoint_file.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "tests/cluster/log_testing.h"

namespace samsa::cluster {
namespace {

using log_test::NodeRig;

const std::string kPath = "logs/t-0/offsets";
const std::vector<CheckpointEntry> kOld{{1, 100}, {2, 200}};
const std::vector<CheckpointEntry> kNew{{1, 100}, {2, 150}, {4, 300}};

using CheckpointRead = sim::Result<std::vector<CheckpointEntry>, CheckpointError>;

CheckpointRead read_file(NodeRig& rig, std::size_t fields = 2) {
  std::optional<CheckpointRead> out;
  rig.run(
      [&](sim::NodeEnv& env) { out.emplace(CheckpointFile(env.disk(), kPath, fields).read()); });
  return std::move(*out);
}

void write_file(NodeRig& rig, const std::vector<CheckpointEntry>& entries) {
  rig.run([&](sim::NodeEnv& env) {
    auto st = CheckpointFile(env.disk(), kPath, 2).write(entries);
    ASSERT_TRUE(st.ok()) << st.error().detail;
  });
}

CheckpointRead decode(std::string_view text, std::size_t fields = 2) {
  return CheckpointFile::decode(text, fields, kPath);
}

TEST(CheckpointFile, WriteThenReadReturnsTheEntries) {
  NodeRig rig;
  write_file(rig, kOld);
  const auto read = read_file(rig);
  ASSERT_TRUE(read.ok()) << read.error().detail;
  EXPECT_EQ(read.value(), kOld);
}

TEST(CheckpointFile, ReadOfAMissingFileIsNotFound) {
  NodeRig rig;
  const auto read = read_file(rig);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().kind, CheckpointErrorKind::kNotFound);
}

TEST(CheckpointFile, EncodesAVersionLineACountLineAndOneLinePerEntry) {
  EXPECT_EQ(CheckpointFile::encode(kOld), "0\n2\n1 100\n2 200\n");
  EXPECT_EQ(CheckpointFile::encode({}), "0\n0\n");
  EXPECT_EQ(decode("0\n0\n").value(), std::vector<CheckpointEntry>{});
  EXPECT_EQ(decode("0\n1\n-1 7\n").value(), (std::vector<CheckpointEntry>{{-1, 7}}));
}

TEST(CheckpointFile, MalformedContentIsAnErrorThatNamesTheFile) {
  const std::vector<std::string> bad = {
      "",                                // no header
      "0\n",                             // no count
      "1\n0\n",                          // unknown version
      "0\n2\n1 100\n",                   // count says two, one entry
      "0\n1\n1 100\n2 200\n",            // count says one, two entries
      "0\n1\n1\n",                       // too few fields
      "0\n1\n1 2 3\n",                   // too many fields
      "0\n1\n1 x\n",                     // not a number
      "0\n1\n1  2\n",                    // an empty field
      "0\n1\n1 2 \n",                    // a trailing space
      "0\n1\n1 2",                       // no final newline
      "0\n-1\n",                         // negative count
      "0\n1\n1 99999999999999999999\n",  // overflows int64
  };
  for (const std::string& text : bad) {
    const auto read = decode(text);
    ASSERT_FALSE(read.ok()) << "accepted: " << text;
    EXPECT_EQ(read.error().kind, CheckpointErrorKind::kMalformed) << text;
    EXPECT_NE(read.error().detail.find(kPath), std::string::npos) << read.error().detail;
  }
}

TEST(CheckpointFile, AMalformedFileOnDiskIsAnErrorNotADefault) {
  NodeRig rig;
  write_file(rig, kOld);
  const auto read = read_file(rig, 3);  // the reader expects three fields per entry
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().kind, CheckpointErrorKind::kMalformed);
  EXPECT_NE(read.error().detail.find(kPath), std::string::npos);
}

TEST(CheckpointFile, ALeftoverTemporaryFileDoesNotBlockTheNextWrite) {
  NodeRig rig;
  rig.run([&](sim::NodeEnv& env) {
    ASSERT_TRUE(env.disk().create(kPath + ".tmp").ok());
    ASSERT_TRUE(env.disk().write(kPath + ".tmp", 0, sim::Bytes{'x', 'y'}).ok());
  });
  write_file(rig, kNew);
  EXPECT_EQ(read_file(rig).value(), kNew);
  EXPECT_FALSE(rig.disk().exists(kPath + ".tmp"));
}

TEST(CheckpointFile, AFailedDiskOperationLeavesTheOldContent) {
  NodeRig rig;
  write_file(rig, kOld);
  rig.disk().set_error_probability(1.0);
  rig.run([&](sim::NodeEnv& env) {
    auto st = CheckpointFile(env.disk(), kPath, 2).write(kNew);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().kind, CheckpointErrorKind::kIo);
  });
  rig.disk().set_error_probability(0.0);
  EXPECT_EQ(read_file(rig).value(), kOld);
}

// The heart of the contract: whatever moment a crash or power loss strikes during a
// rewrite (every prefix of its disk operations, with torn writes forced), a reader sees
// exactly the old entries or exactly the new ones — the new ones once write() returned.
void check_atomic_at_every_point(bool power_loss, double torn_write_probability) {
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    bool finished = false;
    for (std::uint64_t cut = 0; !finished; ++cut) {
      ASSERT_LT(cut, 100u) << "a checkpoint write takes a handful of events";
      NodeRig rig(seed, log_test::disk_config(torn_write_probability));
      write_file(rig, kOld);
      finished = rig.run_for_events(
          [&](sim::NodeEnv& env) { (void)CheckpointFile(env.disk(), kPath, 2).write(kNew); }, cut);
      if (power_loss) {
        rig.power_loss();
      } else {
        rig.crash();
      }
      const auto read = read_file(rig);
      ASSERT_TRUE(read.ok()) << "seed " << seed << " cut " << cut << ": " << read.error().detail;
      if (finished) {
        EXPECT_EQ(read.value(), kNew) << "seed " << seed << " cut " << cut;
      } else {
        EXPECT_TRUE(read.value() == kOld || read.value() == kNew)
            << "seed " << seed << " cut " << cut;
      }
    }
  }
}

TEST(CheckpointFile, RewriteIsAtomicUnderPowerLossAtAnyPoint) {
  check_atomic_at_every_point(true, 1.0);
  check_atomic_at_every_point(true, 0.5);
}

TEST(CheckpointFile, RewriteIsAtomicUnderACrashAtAnyPoint) {
  check_atomic_at_every_point(false, 1.0);
}

TEST(CheckpointFile, AFirstWriteInterruptedByPowerLossLeavesNoFileOrTheWholeFile) {
  for (std::uint64_t cut = 0; cut < 12; ++cut) {
    NodeRig rig(cut + 1, log_test::disk_config(1.0));
    const bool finished = rig.run_for_events(
        [&](sim::NodeEnv& env) { (void)CheckpointFile(env.disk(), kPath, 2).write(kNew); }, cut);
    rig.power_loss();
    const auto read = read_file(rig);
    if (read.ok()) {
      EXPECT_EQ(read.value(), kNew) << "cut " << cut;
    } else {
      EXPECT_FALSE(finished) << "cut " << cut;
      EXPECT_EQ(read.error().kind, CheckpointErrorKind::kNotFound) << read.error().detail;
    }
  }
}

}  // namespace
}  // namespace samsa::cluster
