// End to end on the simulator: a Raft controller quorum and brokers that register,
// heartbeat, follow the metadata log and elect partition leaders (KIP-631). Each test
// states a claim about the whole cluster, with bounds in simulated time.
#include "harness/kraft_cluster.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <functional>

#include "cluster/log/record_batch.h"
#include "sim/log.h"

namespace samsa::harness {
namespace {

using namespace std::chrono_literals;
using cluster::BrokerId;
using cluster::ErrorCode;
using cluster::LeaderEpoch;
using cluster::PartitionState;
using cluster::TopicPartition;

const TopicPartition kTp{"orders", cluster::PartitionIndex(0)};

bool contains(const std::vector<BrokerId>& ids, BrokerId id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

class Fixture {
 public:
  explicit Fixture(std::uint64_t seed = 1, int controllers = 3, int brokers = 3,
                   const std::function<void(ClusterSpec&)>& tweak = {})
      : sim_(sim::SimulationConfig{
            .seed = seed, .network = {}, .disk = {}, .buggify = {}, .trace_path = {}}),
        cluster_(sim_, make_spec(controllers, brokers, tweak)) {
    if (const char* level = std::getenv("SAMSA_TEST_LOG")) sim::set_log_level(std::string(level));
  }

  static ClusterSpec make_spec(int controllers, int brokers,
                               const std::function<void(ClusterSpec&)>& tweak) {
    ClusterSpec spec = fast_failover_spec(controllers, brokers);
    if (tweak) tweak(spec);
    return spec;
  }

  // Runs until `done()` holds, in steps of 10 ms, for at most `limit` of simulated time.
  // Returns whether it held; a broken invariant fails the test.
  bool run_until(const std::function<bool()>& done, sim::Duration limit) {
    const bool held = harness::run_until(sim_, done, limit);
    EXPECT_EQ(sim_.kernel().failure(), "") << "the run failed";
    return held;
  }

  template <class Pending>
  void await(const Pending& pending, sim::Duration limit = 60s) {
    ASSERT_TRUE(run_until([&] { return pending->done; }, limit));
  }

  bool all_brokers_unfenced() const { return cluster_.all_brokers_unfenced(); }

  // Creates `tp`'s topic once every broker is unfenced, and waits for the leader.
  void create_topic(int partitions = 1, int replication_factor = 3, bool unclean = false) {
    ASSERT_TRUE(run_until([&] { return all_brokers_unfenced(); }, 30s));
    auto created = cluster_.create_topic(kTp.topic, partitions, replication_factor, unclean);
    await(created);
    ASSERT_TRUE(created->response.has_value());
    ASSERT_EQ(created->response->topics.size(), 1U);
    ASSERT_EQ(created->response->topics[0].error, ErrorCode::kNone);
    ASSERT_TRUE(run_until([&] { return leader_of(kTp) != cluster::kNoLeader; }, 10s));
  }

  BrokerId leader_of(const TopicPartition& tp) const {
    const PartitionState* state = cluster_.partition(tp);
    return state == nullptr ? cluster::kNoLeader : state->leader;
  }
  const PartitionState& state(const TopicPartition& tp) const {
    const PartitionState* s = cluster_.partition(tp);
    SAMSA_ASSERT(s != nullptr, "the partition exists");
    return *s;
  }

  // acks=all produce of one record to the partition's current leader.
  std::optional<cluster::ProduceResponse> produce(const std::string& value) {
    const BrokerId leader = leader_of(kTp);
    if (leader == cluster::kNoLeader) return std::nullopt;
    auto request = std::make_shared<cluster::ProduceRequest>();
    request->tp = kTp;
    request->acks = -1;
    request->timeout_ms = 3000;
    const std::vector<cluster::RecordInput> records = {
        {0, std::nullopt, cluster::Bytes(value.begin(), value.end())}};
    request->batch = cluster::encode_batch(records, cluster::BatchProducer{});
    auto pending =
        cluster_.call<cluster::ProduceResponse>(cluster_.broker_node(leader), request, 5s);
    run_until([&] { return pending->done; }, 10s);
    return pending->response;
  }
  // Produces until one acks=all produce succeeds (leaders move while the cluster settles).
  bool produce_acknowledged(const std::string& value, int attempts = 50) {
    for (int i = 0; i < attempts; ++i) {
      const auto response = produce(value);
      if (response && response->error == ErrorCode::kNone) return true;
      sim_.run_for(100ms);
    }
    return false;
  }

  sim::Simulation sim_;
  KRaftCluster cluster_;
};

TEST(KRaftCluster, AQuorumElectsAnActiveControllerAndEveryBrokerIsUnfencedOnceCaughtUp) {
  Fixture f;
  ASSERT_TRUE(f.run_until([&] { return f.cluster_.active_controller().has_value(); }, 10s));
  ASSERT_TRUE(f.run_until([&] { return f.all_brokers_unfenced(); }, 20s));
  const cluster::MetadataImage& image = *f.cluster_.latest_metadata();
  std::vector<cluster::BrokerEpoch> epochs;
  for (const auto& [id, registration] : image.brokers()) epochs.push_back(registration.epoch);
  std::sort(epochs.begin(), epochs.end());
  EXPECT_EQ(std::adjacent_find(epochs.begin(), epochs.end()), epochs.end())
      << "broker epochs are unique";
}

TEST(KRaftCluster, ACreatedTopicSpreadsLeadersRoundRobinWithTheFullIsr) {
  Fixture f;
  ASSERT_TRUE(f.run_until([&] { return f.all_brokers_unfenced(); }, 30s));
  auto created = f.cluster_.create_topic("orders", 6, 3);
  f.await(created);
  ASSERT_TRUE(created->response.has_value());
  EXPECT_EQ(created->response->topics.at(0).error, ErrorCode::kNone);
  ASSERT_TRUE(f.run_until(
      [&] {
        return f.cluster_.partition({"orders", cluster::PartitionIndex(5)});
      },
      5s));
  std::map<BrokerId, int> leaders;
  for (int p = 0; p < 6; ++p) {
    const PartitionState& s = f.state({"orders", cluster::PartitionIndex(p)});
    EXPECT_EQ(s.replicas.size(), 3U);
    EXPECT_EQ(s.isr.size(), 3U);
    EXPECT_EQ(s.leader, s.replicas.front());
    ++leaders[s.leader];
  }
  EXPECT_EQ(leaders.size(), 3U) << "every broker leads some partition";
  for (const auto& [id, count] : leaders) EXPECT_EQ(count, 2) << "broker " << id.value();
}

TEST(KRaftCluster, ASecondCreateOfTheSameTopicFailsWithTopicAlreadyExists) {
  Fixture f;
  f.create_topic();
  auto again = f.cluster_.create_topic(kTp.topic, 1, 3);
  f.await(again);
  ASSERT_TRUE(again->response.has_value());
  EXPECT_EQ(again->response->topics.at(0).error, ErrorCode::kTopicAlreadyExists);
}

TEST(KRaftCluster, AcksAllProduceSucceedsOnceTheTopicHasALeader) {
  Fixture f;
  f.create_topic();
  EXPECT_TRUE(f.produce_acknowledged("v1"));
}

TEST(KRaftCluster, KillingTheLeaderBrokerElectsANewLeaderFromTheIsrWithTheEpochBumped) {
  Fixture f;
  f.create_topic();
  ASSERT_TRUE(f.produce_acknowledged("before"));
  const PartitionState before = f.state(kTp);
  f.sim_.crash(f.cluster_.broker_node(before.leader));
  // Bound: the broker session timeout (3 s) plus a heartbeat round and the commit.
  ASSERT_TRUE(f.run_until(
      [&] {
        const BrokerId leader = f.leader_of(kTp);
        return leader != cluster::kNoLeader && leader != before.leader;
      },
      6s));
  const PartitionState after = f.state(kTp);
  EXPECT_TRUE(contains(before.isr, after.leader)) << "clean election picks from the ISR";
  EXPECT_GT(after.leader_epoch, before.leader_epoch);
  EXPECT_FALSE(contains(after.isr, before.leader)) << "the fenced broker left the ISR";
  EXPECT_TRUE(f.produce_acknowledged("after"));
}

TEST(KRaftCluster, AnIsolatedBrokerIsFencedAndDroppedFromTheIsrAndRejoinsAfterHealing) {
  Fixture f;
  f.create_topic();
  ASSERT_TRUE(f.produce_acknowledged("v1"));
  const PartitionState before = f.state(kTp);
  const BrokerId victim =
      before.replicas.back() == before.leader ? before.replicas.front() : before.replicas.back();
  f.sim_.network().isolate(f.cluster_.broker_node(victim));
  ASSERT_TRUE(f.run_until(
      [&] {
        const cluster::BrokerRegistration* b = f.cluster_.latest_metadata()->broker(victim);
        return b != nullptr && b->fenced && !contains(f.state(kTp).isr, victim);
      },
      8s));
  f.sim_.network().heal();
  ASSERT_TRUE(f.run_until(
      [&] {
        const cluster::BrokerRegistration* b = f.cluster_.latest_metadata()->broker(victim);
        return b != nullptr && !b->fenced && contains(f.state(kTp).isr, victim);
      },
      15s));
}

TEST(KRaftCluster, ARestartedBrokerRegistersWithANewerBrokerEpochAndRejoinsTheIsr) {
  Fixture f;
  f.create_topic();
  const BrokerId victim(3);
  const cluster::BrokerEpoch old_epoch = f.cluster_.latest_metadata()->broker(victim)->epoch;
  f.sim_.crash(f.cluster_.broker_node(victim));
  ASSERT_TRUE(f.run_until([&] { return !contains(f.state(kTp).isr, victim); }, 8s));
  f.sim_.restart(f.cluster_.broker_node(victim));
  ASSERT_TRUE(f.run_until(
      [&] {
        const cluster::BrokerRegistration* b = f.cluster_.latest_metadata()->broker(victim);
        return b->epoch > old_epoch && !b->fenced && contains(f.state(kTp).isr, victim);
      },
      15s));
}

TEST(KRaftCluster, ControllerFailoverKeepsTheMetadataAndANewActiveControllerServes) {
  Fixture f;
  f.create_topic();
  const sim::NodeId first = *f.cluster_.active_controller();
  const std::int64_t version = f.cluster_.latest_metadata()->version();
  f.sim_.crash(first);
  ASSERT_TRUE(f.run_until(
      [&] {
        const auto active = f.cluster_.active_controller();
        return active.has_value() && *active != first;
      },
      10s));
  const sim::NodeId second = *f.cluster_.active_controller();
  EXPECT_GE(f.cluster_.metadata_of(second).version(), version);
  ASSERT_NE(f.cluster_.metadata_of(second).partition(kTp), nullptr) << "the topic survived";
  auto created = f.cluster_.create_topic("payments", 2, 3);
  f.await(created);
  ASSERT_TRUE(created->response.has_value());
  EXPECT_EQ(created->response->topics.at(0).error, ErrorCode::kNone);
  EXPECT_TRUE(f.produce_acknowledged("after-failover"));
}

TEST(KRaftCluster, ControlledShutdownMovesLeadershipAwayBeforeTheBrokerStops) {
  Fixture f;
  f.create_topic();
  const BrokerId leader = f.leader_of(kTp);
  auto shutdown = f.cluster_.controlled_shutdown(leader, 20s);
  f.await(shutdown);
  ASSERT_TRUE(shutdown->response.has_value()) << "the controller allowed the stop";
  EXPECT_NE(f.leader_of(kTp), leader);
  EXPECT_FALSE(contains(f.state(kTp).isr, leader));
}

TEST(KRaftCluster, WithoutUncleanElectionAPartitionWhoseIsrIsGoneStaysLeaderless) {
  Fixture f(1, 3, 3, [](ClusterSpec& spec) { spec.broker.replication.min_insync_replicas = 1; });
  f.create_topic(1, 2, false);
  const PartitionState s = f.state(kTp);
  ASSERT_EQ(s.replicas.size(), 2U);
  // The follower falls out of the ISR, then the leader dies: no ISR member is alive.
  const BrokerId follower = s.replicas[0] == s.leader ? s.replicas[1] : s.replicas[0];
  f.sim_.crash(f.cluster_.broker_node(follower));
  ASSERT_TRUE(f.run_until([&] { return f.state(kTp).isr.size() == 1; }, 8s));
  f.sim_.crash(f.cluster_.broker_node(s.leader));
  f.sim_.restart(f.cluster_.broker_node(follower));
  f.run_until([] { return false; }, 10s);
  EXPECT_EQ(f.leader_of(kTp), cluster::kNoLeader);
}

TEST(KRaftCluster, WithUncleanElectionALiveOutOfSyncReplicaTakesOverWithTheIsrResetToIt) {
  Fixture f(1, 3, 3, [](ClusterSpec& spec) { spec.broker.replication.min_insync_replicas = 1; });
  f.create_topic(1, 2, true);
  const PartitionState s = f.state(kTp);
  const BrokerId follower = s.replicas[0] == s.leader ? s.replicas[1] : s.replicas[0];
  f.sim_.crash(f.cluster_.broker_node(follower));
  ASSERT_TRUE(f.run_until([&] { return f.state(kTp).isr.size() == 1; }, 8s));
  f.sim_.crash(f.cluster_.broker_node(s.leader));
  f.sim_.restart(f.cluster_.broker_node(follower));
  ASSERT_TRUE(f.run_until([&] { return f.leader_of(kTp) == follower; }, 15s));
  EXPECT_EQ(f.state(kTp).isr, std::vector<BrokerId>{follower});
}

TEST(KRaftCluster, TheSameSeedGivesTheSameTraceHash) {
  auto run = [](std::uint64_t seed) {
    Fixture f(seed);
    f.create_topic();
    f.produce_acknowledged("v");
    f.sim_.crash(f.cluster_.broker_node(f.leader_of(kTp)));
    f.run_until([] { return false; }, 5s);
    return f.sim_.trace_hash();
  };
  EXPECT_EQ(run(7), run(7));
  EXPECT_NE(run(7), run(8));
}

}  // namespace
}  // namespace samsa::harness
