// Every Raft message's digest covers every field (it is folded into the trace hash, so a
// field left out would let two different runs hash alike).
#include "cluster/raft/raft_messages.h"

#include <gtest/gtest.h>

#include "cluster/log/record_batch.h"

#include <functional>
#include <vector>

namespace samsa::cluster::raft {
namespace {

// Each mutation changes one field; every one must change the digest.
template <class M>
void expect_every_field_digested(const M& base, const std::vector<std::function<void(M&)>>& mutations) {
  for (std::size_t i = 0; i < mutations.size(); ++i) {
    M changed = base;
    mutations[i](changed);
    EXPECT_NE(changed.digest(), base.digest()) << base.kind() << " mutation " << i;
    EXPECT_FALSE(changed.describe().empty());
  }
}

TEST(RaftMessages, EveryFieldOfEveryMessageIsInItsDigest) {
  expect_every_field_digested<VoteRequest>(
      {}, {[](auto& m) { m.candidate_epoch = LeaderEpoch(1); },
           [](auto& m) { m.candidate = sim::NodeId(4); },
           [](auto& m) { m.last_offset_epoch = LeaderEpoch(2); },
           [](auto& m) { m.last_offset = Offset(3); }});
  expect_every_field_digested<VoteResponse>(
      {}, {[](auto& m) { m.error = ErrorCode::kFencedLeaderEpoch; },
           [](auto& m) { m.leader_epoch = LeaderEpoch(1); },
           [](auto& m) { m.leader = sim::NodeId(0); }, [](auto& m) { m.vote_granted = true; }});
  expect_every_field_digested<BeginQuorumEpochRequest>(
      {}, {[](auto& m) { m.leader_epoch = LeaderEpoch(1); }, [](auto& m) { m.leader = sim::NodeId(1); }});
  expect_every_field_digested<BeginQuorumEpochResponse>(
      {}, {[](auto& m) { m.error = ErrorCode::kInconsistentVoterSet; },
           [](auto& m) { m.leader_epoch = LeaderEpoch(1); }, [](auto& m) { m.leader = sim::NodeId(1); }});
  expect_every_field_digested<EndQuorumEpochRequest>(
      {}, {[](auto& m) { m.leader_epoch = LeaderEpoch(1); }, [](auto& m) { m.leader = sim::NodeId(1); },
           [](auto& m) { m.preferred_successors = {sim::NodeId(2)}; }});
  expect_every_field_digested<RaftFetchRequest>(
      {}, {[](auto& m) { m.replica = sim::NodeId(1); },
           [](auto& m) { m.current_leader_epoch = LeaderEpoch(1); },
           [](auto& m) { m.fetch_offset = Offset(1); },
           [](auto& m) { m.last_fetched_epoch = LeaderEpoch(1); }, [](auto& m) { m.max_wait_ms = 9; },
           [](auto& m) { m.max_bytes = 9; }});
  expect_every_field_digested<RaftFetchResponse>(
      {}, {[](auto& m) { m.error = ErrorCode::kNotLeaderOrFollower; },
           [](auto& m) { m.leader_epoch = LeaderEpoch(1); }, [](auto& m) { m.leader = sim::NodeId(1); },
           [](auto& m) { m.high_watermark = Offset(5); }, [](auto& m) { m.log_start_offset = Offset(5); },
           [](auto& m) { m.records = {1}; },
           [](auto& m) { m.diverging_epoch = EpochEndOffset{LeaderEpoch(0), Offset(0)}; },
           [](auto& m) { m.snapshot_id = SnapshotId{Offset(0), LeaderEpoch(0)}; }});
  expect_every_field_digested<FetchSnapshotRequest>(
      {}, {[](auto& m) { m.replica = sim::NodeId(1); },
           [](auto& m) { m.current_leader_epoch = LeaderEpoch(1); },
           [](auto& m) { m.snapshot_id.end_offset = Offset(1); },
           [](auto& m) { m.snapshot_id.epoch = LeaderEpoch(1); }});
  expect_every_field_digested<FetchSnapshotResponse>(
      {}, {[](auto& m) { m.error = ErrorCode::kSnapshotNotFound; },
           [](auto& m) { m.leader_epoch = LeaderEpoch(1); }, [](auto& m) { m.leader = sim::NodeId(1); },
           [](auto& m) { m.snapshot_id.end_offset = Offset(1); }, [](auto& m) { m.bytes = {1}; }});
}

TEST(RaftMessages, BeginAndEndQuorumEpochResponsesDigestDifferently) {
  EXPECT_NE(BeginQuorumEpochResponse{}.digest(), EndQuorumEpochResponse{}.digest());
}

// The leader-change record travels as a control batch (attributes bit 5, as Kafka's), which
// the CRC covers and the applier skips.
TEST(RaftMessages, AControlBatchCarriesAttributeBitFiveAndStaysValid) {
  const RecordInput record{5, Bytes{'k'}, Bytes{'v'}};
  const Bytes control = encode_control_batch(std::span(&record, 1));
  const auto parsed = BatchView::parse(control);
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(parsed.value().is_control());
  EXPECT_EQ(parsed.value().records().size(), 1u);
  const Bytes plain = encode_batch(std::span(&record, 1));
  ASSERT_TRUE(BatchView::parse(plain).ok());
  EXPECT_FALSE(BatchView::parse(plain).value().is_control());
}

}  // namespace
}  // namespace samsa::cluster::raft
