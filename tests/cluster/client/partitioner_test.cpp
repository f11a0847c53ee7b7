#include "cluster/client/partitioner.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <map>
#include <set>
#include <string>

namespace samsa::cluster {
namespace {

Bytes bytes_of(const std::string& s) {
  return Bytes(s.begin(), s.end());
}

// Computed by Kafka's own Utils.murmur2 (Java, verbatim) on the UTF-8 bytes of each key;
// the first six are also the vectors of Kafka's UtilsTest.testMurmur2.
struct Vector {
  std::string key;
  std::int32_t hash;
  std::int32_t partition_of_3;
  std::int32_t partition_of_12;
};
const Vector kVectors[] = {
    {"21", -973932308, 0, 0},
    {"foobar", -790332482, 0, 6},
    {"a-little-bit-long-string", -985981536, 2, 8},
    {"a-little-bit-longer-string", -1486304829, 2, 11},
    {"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971, 2, 5},
    {"abc", 479470107, 0, 3},
    {"", 275646681, 0, 9},
    {"a", -1563381124, 1, 4},
    {"ab", 316155434, 2, 2},
    {"abcd", -1323649548, 2, 8},
    {"key-0", 29210041, 1, 1},
    {"key-1", 193331640, 0, 0},
    {"key-42", -187086521, 0, 3},
    {"user-1234", -1663159204, 1, 4},
};

TEST(Murmur2, MatchesKafkasImplementationOnItsTestVectors) {
  for (const Vector& v : kVectors) {
    EXPECT_EQ(murmur2(bytes_of(v.key)), v.hash) << v.key;
  }
}

TEST(Murmur2, MatchesKafkaOnBytesWithTheHighBitSet) {
  const Bytes data = {0xff, 0x80, 0x00, 0x7f, 0xc3};  // Java bytes are signed: masked with 0xff
  EXPECT_EQ(murmur2(data), -725586902);
  EXPECT_EQ(partition_for_key(data, 12), PartitionIndex(6));
}

TEST(DefaultPartitioner, AKeyedRecordGoesWhereKafkasDefaultPartitionerSendsIt) {
  sim::Rng rng(1);
  DefaultPartitioner partitioner(rng, 16384);
  for (const Vector& v : kVectors) {
    const std::optional<Bytes> key = bytes_of(v.key);
    EXPECT_EQ(partitioner.partition("t", key, 10, {3, {}}), PartitionIndex(v.partition_of_3))
        << v.key;
    EXPECT_EQ(partitioner.partition("t", key, 10, {12, {}}), PartitionIndex(v.partition_of_12))
        << v.key;
  }
}

TEST(DefaultPartitioner, ToPositiveClearsTheSignBitRatherThanNegating) {
  EXPECT_EQ(to_positive(-1), 0x7fffffff);
  EXPECT_EQ(to_positive(std::numeric_limits<std::int32_t>::min()), 0);
}

TEST(DefaultPartitioner, NullKeysStickToOnePartitionUntilBatchSizeBytesWentThere) {
  sim::Rng rng(3);
  DefaultPartitioner partitioner(rng, 100);
  const TopicPartitions topic{6, {}};
  const PartitionIndex first = partitioner.partition("t", std::nullopt, 30, topic);
  EXPECT_EQ(partitioner.partition("t", std::nullopt, 30, topic), first);
  EXPECT_EQ(partitioner.partition("t", std::nullopt, 30, topic), first);
  EXPECT_EQ(partitioner.partition("t", std::nullopt, 30, topic), first);  // 120 bytes now
  EXPECT_NE(partitioner.partition("t", std::nullopt, 30, topic), first) << "switched";
}

TEST(DefaultPartitioner, NullKeysGoOnlyToPartitionsThatHaveALeader) {
  sim::Rng rng(5);
  DefaultPartitioner partitioner(rng, 1);  // switch on every record
  const TopicPartitions topic{6, {PartitionIndex(1), PartitionIndex(4)}};
  std::set<PartitionIndex> seen;
  for (int i = 0; i < 50; ++i) seen.insert(partitioner.partition("t", std::nullopt, 10, topic));
  EXPECT_EQ(seen, (std::set<PartitionIndex>{PartitionIndex(1), PartitionIndex(4)}));
}

TEST(RoundRobinPartitioner, CyclesThroughAvailablePartitionsIgnoringKeys) {
  RoundRobinPartitioner partitioner;
  const TopicPartitions topic{4, {PartitionIndex(0), PartitionIndex(2), PartitionIndex(3)}};
  const std::optional<Bytes> key = bytes_of("same");
  std::vector<PartitionIndex> got;
  for (int i = 0; i < 6; ++i) got.push_back(partitioner.partition("t", key, 1, topic));
  const std::vector<PartitionIndex> want = {PartitionIndex(0), PartitionIndex(2),
                                            PartitionIndex(3), PartitionIndex(0),
                                            PartitionIndex(2), PartitionIndex(3)};
  EXPECT_EQ(got, want);
}

TEST(FunctionPartitioner, UsesTheUsersFunction) {
  FunctionPartitioner partitioner(
      "last", [](const std::string&, const std::optional<Bytes>&, const TopicPartitions& t) {
        return PartitionIndex(t.count - 1);
      });
  EXPECT_EQ(partitioner.partition("t", std::nullopt, 1, {5, {}}), PartitionIndex(4));
  EXPECT_EQ(partitioner.name(), "last");
}

RC_GTEST_PROP(DefaultPartitioner, EveryAnswerIsAPartitionOfTheTopic,
              (const std::vector<std::uint8_t>& key, bool keyed, std::uint8_t count_seed)) {
  const std::int32_t count = 1 + count_seed % 64;
  sim::Rng rng(count_seed);
  DefaultPartitioner partitioner(rng, 64);
  const std::optional<Bytes> k = keyed ? std::optional<Bytes>(key) : std::nullopt;
  for (int i = 0; i < 10; ++i) {
    const PartitionIndex p = partitioner.partition("t", k, key.size() + 8, {count, {}});
    RC_ASSERT(p.value() >= 0);
    RC_ASSERT(p.value() < count);
  }
}

}  // namespace
}  // namespace samsa::cluster
