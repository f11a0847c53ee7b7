// The replica's durable files: the quorum-state file (quorum_state.h) and snapshots
// (snapshot_store.h), under crashes, power loss, torn and corrupt files.
#include <gtest/gtest.h>

#include <functional>

#include "cluster/raft/quorum_state.h"
#include "cluster/raft/raft_messages.h"
#include "cluster/raft/snapshot_store.h"
#include "sim/node_env.h"
#include "sim/simulation.h"

namespace samsa::cluster::raft {
namespace {

using namespace std::chrono_literals;

class RaftStorage : public ::testing::Test {
 protected:
  RaftStorage()
      : sim_(sim::SimulationConfig{.seed = 3, .network = {}, .disk = {}, .buggify = {}, .trace_path = {}}),
        node_(sim_.add_node("n")) {
    sim_.start(node_, [] {});
    sim_.run_for(1ms);
  }
  // Runs `body` on a fiber of the node until it returns.
  void on_node(std::function<void(sim::Disk&)> body) {
    bool done = false;
    sim_.kernel().spawn(node_, "test", [&] {
      body(sim_.disk(node_));
      done = true;
    });
    sim_.run_for(10s);
    ASSERT_TRUE(done);
  }
  sim::Disk& disk() { return sim_.disk(node_); }
  void power_cycle() {
    sim_.power_loss(node_);
    sim_.restart(node_);
    sim_.run_for(1ms);
  }

  sim::Simulation sim_;
  sim::NodeId node_;
};

TEST_F(RaftStorage, QuorumStateStartsAtEpochZeroAndRoundTripsThroughAPowerLoss) {
  on_node([](sim::Disk& d) {
    QuorumStateFile file(d, "meta");
    EXPECT_EQ(file.read().value(), ElectionState{});
    ASSERT_TRUE(file.write(ElectionState{LeaderEpoch(7), sim::NodeId(2), sim::NodeId(2)}).ok());
  });
  power_cycle();
  on_node([](sim::Disk& d) {
    const auto state = QuorumStateFile(d, "meta").read();
    ASSERT_TRUE(state.ok());
    EXPECT_EQ(state.value(), (ElectionState{LeaderEpoch(7), sim::NodeId(2), sim::NodeId(2)}));
  });
}

TEST_F(RaftStorage, AMalformedQuorumStateIsAnErrorNotADefault) {
  on_node([](sim::Disk& d) {
    ASSERT_TRUE(d.create("meta/quorum-state").ok());
    const std::string text = "0\n1\n-5 1 1\n";
    ASSERT_TRUE(d.write("meta/quorum-state", 0,
                        std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()))
                    .ok());
    const auto state = QuorumStateFile(d, "meta").read();
    ASSERT_FALSE(state.ok());
    EXPECT_EQ(state.error().kind, CheckpointErrorKind::kMalformed);
  });
}

TEST_F(RaftStorage, ASnapshotRoundTripsAndAnyFlippedByteIsDetected) {
  const Snapshot snapshot{SnapshotId{Offset(42), LeaderEpoch(3)}, sim::Bytes{1, 2, 3, 4, 5}};
  const sim::Bytes file = SnapshotStore::encode(snapshot);
  const auto decoded = SnapshotStore::decode(file, snapshot.id);
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->payload, snapshot.payload);
  EXPECT_EQ(decoded->id, snapshot.id);
  EXPECT_FALSE(SnapshotStore::decode(file, SnapshotId{Offset(42), LeaderEpoch(4)}).has_value());
  for (std::size_t i = 0; i < file.size(); ++i) {
    sim::Bytes bad = file;
    bad[i] ^= 0x10;
    EXPECT_FALSE(SnapshotStore::decode(bad, std::nullopt).has_value()) << "byte " << i;
  }
  EXPECT_FALSE(SnapshotStore::decode(std::span(file).first(file.size() - 1), std::nullopt));
}

TEST_F(RaftStorage, TheNewestValidSnapshotIsLoadedAndATornNewerOneIsSkipped) {
  const Snapshot older{SnapshotId{Offset(10), LeaderEpoch(1)}, sim::Bytes{7}};
  const Snapshot newer{SnapshotId{Offset(20), LeaderEpoch(2)}, sim::Bytes{8, 9}};
  on_node([&](sim::Disk& d) {
    SnapshotStore store(d, "meta");
    ASSERT_TRUE(store.write_file(older.id, SnapshotStore::encode(older)).ok());
    ASSERT_TRUE(store.write_file(newer.id, SnapshotStore::encode(newer)).ok());
    const auto loaded = store.load_newest();
    ASSERT_TRUE(loaded.ok() && loaded.value().has_value());
    EXPECT_EQ(loaded.value()->id, newer.id);
  });
  disk().corrupt("meta/snapshots/20-2.checkpoint", 3, 1);
  on_node([&](sim::Disk& d) {
    SnapshotStore store(d, "meta");
    const auto loaded = store.load_newest();
    ASSERT_TRUE(loaded.ok() && loaded.value().has_value());
    EXPECT_EQ(loaded.value()->id, older.id);
    EXPECT_EQ(loaded.value()->payload, older.payload);
    ASSERT_TRUE(store.remove_older_than(newer.id).ok());
    EXPECT_EQ(store.list(), std::vector<SnapshotId>{newer.id});
  });
}

TEST_F(RaftStorage, ASnapshotWriteIsAllOrNothingAcrossAPowerLoss) {
  const Snapshot snapshot{SnapshotId{Offset(30), LeaderEpoch(2)}, sim::Bytes(4096, 0xab)};
  bool written = false;
  // A power loss while the write is in flight leaves no snapshot or a whole one.
  sim_.kernel().spawn(node_, "writer", [&] {
    SnapshotStore store(sim_.disk(node_), "meta");
    written = store.write_file(snapshot.id, SnapshotStore::encode(snapshot)).ok();
  });
  sim_.run_for(1500us);  // inside the write: the temp file's fsync has not finished
  ASSERT_FALSE(written);
  power_cycle();
  on_node([&](sim::Disk& d) {
    const auto loaded = SnapshotStore(d, "meta").load_newest();
    ASSERT_TRUE(loaded.ok());
    EXPECT_FALSE(loaded.value().has_value());
    EXPECT_TRUE(d.list("meta/snapshots").empty());  // the temp file was removed
  });
}

}  // namespace
}  // namespace samsa::cluster::raft
