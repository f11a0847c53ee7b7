// Replica placement: Kafka's rack-unaware round robin, checked against the worked example
// in Kafka's AdminUtils, plus its error cases and spreading properties.
#include "cluster/controller/replica_placement.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <map>
#include <set>

#include "tests/cluster/controller/controller_testing.h"

namespace samsa::cluster::controller::testing {
namespace {

TEST(ReplicaPlacement, MatchesKafkasWorkedExampleForFiveBrokersTenPartitionsThreeReplicas) {
  // AdminUtils' comment (brokers 0..4, start index 0, shift 0): partitions 0-4 have first
  // replicas on brokers 0-4; the second replica sits one broker on for partitions 0-4 and
  // two brokers on for 5-9 (the shift grows every 5 partitions); the third one further.
  const auto placed = place_replicas(ids({4, 2, 0, 3, 1}), 10, 3, 0, 0);
  ASSERT_TRUE(placed.ok());
  const ReplicaAssignment expected = {
      ids({0, 1, 2}), ids({1, 2, 3}), ids({2, 3, 4}), ids({3, 4, 0}), ids({4, 0, 1}),
      ids({0, 2, 3}), ids({1, 3, 4}), ids({2, 4, 0}), ids({3, 0, 1}), ids({4, 1, 2}),
  };
  EXPECT_EQ(placed.value(), expected);
}

TEST(ReplicaPlacement, TheStartIndexRotatesTheFirstReplica) {
  const auto placed = place_replicas(ids({1, 2, 3}), 3, 1, 2, 0);
  ASSERT_TRUE(placed.ok());
  EXPECT_EQ(placed.value(), (ReplicaAssignment{ids({3}), ids({1}), ids({2})}));
}

TEST(ReplicaPlacement, DrawsBeyondTheBrokerCountAreTakenModuloIt) {
  EXPECT_EQ(place_replicas(ids({1, 2, 3}), 4, 2, 7, 5).value(),
            place_replicas(ids({1, 2, 3}), 4, 2, 1, 2).value());
}

TEST(ReplicaPlacement, AReplicationFactorAboveTheBrokerCountIsInvalid) {
  const auto placed = place_replicas(ids({1, 2}), 1, 3, 0, 0);
  ASSERT_FALSE(placed.ok());
  EXPECT_EQ(placed.error(), ErrorCode::kInvalidReplicationFactor);
  EXPECT_EQ(place_replicas({}, 1, 1, 0, 0).error(), ErrorCode::kInvalidReplicationFactor);
  EXPECT_EQ(place_replicas(ids({1}), 1, 0, 0, 0).error(), ErrorCode::kInvalidReplicationFactor);
}

TEST(ReplicaPlacement, FewerThanOnePartitionIsInvalid) {
  EXPECT_EQ(place_replicas(ids({1}), 0, 1, 0, 0).error(), ErrorCode::kInvalidPartitions);
  EXPECT_EQ(place_replicas(ids({1}), -3, 1, 0, 0).error(), ErrorCode::kInvalidPartitions);
  EXPECT_EQ(place_replicas(ids({1}), kMaxPartitionsPerTopic + 1, 1, 0, 0).error(),
            ErrorCode::kInvalidPartitions);
  // Kafka checks the partition count before the replication factor.
  EXPECT_EQ(place_replicas({}, 0, 5, 0, 0).error(), ErrorCode::kInvalidPartitions);
}

RC_GTEST_PROP(ReplicaPlacement, ReplicasAreDistinctAndLeadersSpreadEvenly, ()) {
  const int brokers = *rc::gen::inRange(1, 8);
  const int rf = *rc::gen::inRange(1, brokers + 1);
  const int rounds = *rc::gen::inRange(1, 5);
  std::vector<BrokerId> eligible;
  for (int i = 0; i < brokers; ++i) eligible.emplace_back(10 + 3 * i);
  const auto placed =
      place_replicas(eligible, brokers * rounds, rf, *rc::gen::arbitrary<std::uint64_t>(),
                     *rc::gen::arbitrary<std::uint64_t>());
  RC_ASSERT(placed.ok());
  std::map<BrokerId, int> leads;
  for (const std::vector<BrokerId>& replicas : placed.value()) {
    RC_ASSERT(replicas.size() == static_cast<std::size_t>(rf));
    RC_ASSERT(std::set<BrokerId>(replicas.begin(), replicas.end()).size() == replicas.size());
    ++leads[replicas.front()];
  }
  // brokers * rounds partitions: every broker leads exactly `rounds` of them.
  RC_ASSERT(leads.size() == static_cast<std::size_t>(brokers));
  for (const auto& entry : leads) RC_ASSERT(entry.second == rounds);
}

}  // namespace
}  // namespace samsa::cluster::controller::testing
