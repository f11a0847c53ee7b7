#include "cluster/group/group_messages.h"

#include <gtest/gtest.h>

namespace samsa::cluster {
namespace {

JoinGroupRequest sample_join() {
  JoinGroupRequest join;
  join.group_id = "g";
  join.member_id = "m-1";
  join.protocols = {{"range", {1, 2}}, {"cooperative-sticky", {3}}};
  return join;
}

TEST(GroupMessages, EveryJoinGroupFieldChangesTheDigest) {
  const std::uint64_t base = sample_join().digest();
  JoinGroupRequest j = sample_join();
  j.group_instance_id = "i";
  EXPECT_NE(j.digest(), base);
  j = sample_join();
  j.protocols[1].metadata = {4};
  EXPECT_NE(j.digest(), base);
  j = sample_join();
  j.session_timeout_ms += 1;
  EXPECT_NE(j.digest(), base);
  j = sample_join();
  j.rebalance_timeout_ms += 1;
  EXPECT_NE(j.digest(), base);
  EXPECT_EQ(sample_join().digest(), base);
}

TEST(GroupMessages, OffsetCommitDigestCoversOffsetsAndEpochs) {
  OffsetCommitRequest a;
  a.group_id = "g";
  a.generation_id = 3;
  a.member_id = "m";
  a.offsets = {{TopicPartition{"t", PartitionIndex(0)}, Offset(10), LeaderEpoch(2), ""}};
  OffsetCommitRequest b = a;
  b.offsets[0].committed_offset = Offset(11);
  OffsetCommitRequest c = a;
  c.offsets[0].committed_leader_epoch = LeaderEpoch(3);
  OffsetCommitRequest d = a;
  d.generation_id = 4;
  EXPECT_NE(a.digest(), b.digest());
  EXPECT_NE(a.digest(), c.digest());
  EXPECT_NE(a.digest(), d.digest());
}

TEST(GroupMessages, DescribeNamesTheGroupAndGeneration) {
  SyncGroupRequest sync;
  sync.group_id = "orders";
  sync.generation_id = 7;
  sync.member_id = "m-2";
  EXPECT_EQ(sync.describe(), "SyncGroup group=orders generation=7 member=m-2 assignments=0");
}

}  // namespace
}  // namespace samsa::cluster
