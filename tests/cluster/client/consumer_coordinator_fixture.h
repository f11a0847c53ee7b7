// Test rig for ConsumerCoordinator (cluster/client/consumer_coordinator.h): a simulation
// with a consumer node and a scripted fake group coordinator node. The fake answers the
// group protocol from a small model the test controls (which member leads, what a
// follower is assigned, errors to answer first) and records every request it receives;
// the listener records every call in order. Used by consumer_coordinator_test.cpp and
// consumer_coordinator_offsets_test.cpp.
#pragma once

#include <gtest/gtest.h>

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "cluster/client/consumer_coordinator.h"
#include "cluster/group/consumer_protocol.h"
#include "sim/node_env.h"
#include "sim/rpc.h"
#include "sim/simulation.h"

namespace samsa::cluster::testing {

using namespace std::chrono_literals;

inline TopicPartition tp(const std::string& topic, int partition) {
  return TopicPartition{topic, PartitionIndex(partition)};
}

// Gives partition p of every topic to the (p % n)-th subscribed member in member id order,
// and remembers what it was asked.
class ModuloAssignor final : public ConsumerPartitionAssignor {
 public:
  ModuloAssignor(std::string name, RebalanceProtocol protocol)
      : name_(std::move(name)), protocol_(protocol) {}
  std::string_view name() const override { return name_; }
  std::vector<RebalanceProtocol> supported_protocols() const override { return {protocol_}; }
  GroupAssignment assign(const std::map<std::string, std::int32_t>& partitions_per_topic,
                         const std::vector<MemberSubscription>& members) const override;
  Bytes subscription_user_data(const std::vector<TopicPartition>& owned,
                               std::int32_t generation) const override {
    return Bytes{static_cast<std::uint8_t>(owned.size()), static_cast<std::uint8_t>(generation)};
  }

  mutable int calls = 0;
  mutable std::vector<MemberSubscription> last_members;
  mutable std::map<std::string, std::int32_t> last_partition_counts;

 private:
  std::string name_;
  RebalanceProtocol protocol_;
};

class RecordingListener final : public ConsumerRebalanceListener {
 public:
  struct Call {
    std::string what;  // "revoked", "assigned", "lost"
    std::vector<TopicPartition> partitions;
    bool operator==(const Call&) const = default;
  };
  void on_partitions_revoked(const std::vector<TopicPartition>& partitions) override {
    calls.push_back({"revoked", partitions});
    if (on_revoked) on_revoked(partitions);
  }
  void on_partitions_assigned(const std::vector<TopicPartition>& partitions) override {
    calls.push_back({"assigned", partitions});
  }
  void on_partitions_lost(const std::vector<TopicPartition>& partitions) override {
    calls.push_back({"lost", partitions});
  }
  std::vector<Call> calls;
  std::function<void(const std::vector<TopicPartition>&)> on_revoked;
};

// "revoked[orders-0 orders-1]", for gtest's messages.
inline void PrintTo(const RecordingListener::Call& call, std::ostream* os) {
  *os << call.what << "[";
  for (std::size_t i = 0; i < call.partitions.size(); ++i) {
    *os << (i == 0 ? "" : " ") << to_string(call.partitions[i]);
  }
  *os << "]";
}

// The scripted coordinator's model and what it received.
struct FakeGroupCoordinator {
  // Errors answered, in order, before the model's own answer.
  std::deque<ErrorCode> join_errors, sync_errors, heartbeat_errors, commit_errors, fetch_errors;
  bool require_member_id = true;  // KIP-394's first round for an empty member id
  bool answer_heartbeats = true;
  bool consumer_leads = true;
  std::string chosen_protocol;                 // empty: the first the member offers
  std::vector<JoinGroupMember> other_members;  // what the leader hears besides itself
  // What SyncGroup gives a follower, one entry per generation (the last one repeats).
  std::deque<std::vector<TopicPartition>> follower_assignments;
  sim::Duration join_delay{0};               // how long a JoinGroup is held
  std::function<void()> on_join;             // called as a JoinGroup arrives
  std::map<TopicPartition, OffsetFetchPartition> committed;

  std::int32_t generation = 0;
  std::vector<std::string> kinds;  // every request's kind, in arrival order
  std::vector<std::shared_ptr<const JoinGroupRequest>> joins;
  std::vector<std::shared_ptr<const SyncGroupRequest>> syncs;
  std::vector<std::shared_ptr<const HeartbeatRequest>> heartbeats;
  std::vector<std::shared_ptr<const LeaveGroupRequest>> leaves;
  std::vector<std::shared_ptr<const OffsetCommitRequest>> commits;
  std::vector<std::shared_ptr<const OffsetFetchRequest>> fetches;
  int find_coordinator_requests = 0;

  // The answer to `request`, or null for none (a heartbeat that is not answered).
  sim::MessagePtr answer(const sim::MessagePtr& request, sim::NodeId self);
};

class CoordinatorRig {
 public:
  CoordinatorRig();
  ~CoordinatorRig();

  // A config for the fake: short timeouts, one eager ModuloAssignor.
  ConsumerGroupConfig config(RebalanceProtocol protocol = RebalanceProtocol::kEager) const;
  // Starts the consumer node's process, which creates the coordinator.
  void start_consumer(ConsumerGroupConfig config);
  // Runs `body` on a fiber of the consumer node until it returns (within `limit`).
  void on_consumer(const std::function<void()>& body, sim::Duration limit = 120s);
  // Lets simulated time pass on the consumer's node (from a fiber of it).
  void sleep_for(sim::Duration d);
  sim::SimTime deadline_after(sim::Duration d);
  // The Subscription a JoinGroup carried for its first protocol.
  static Subscription subscription_of(const JoinGroupRequest& join);

  FakeGroupCoordinator fake;
  RecordingListener listener;
  std::map<std::string, std::int32_t> partition_counts{{"orders", 4}, {"payments", 2}};
  std::vector<std::vector<std::string>> partition_count_queries;
  std::shared_ptr<ConsumerCoordinator> coordinator;
  sim::Simulation sim;
  sim::NodeId coordinator_node;
  sim::NodeId consumer_node;
};

}  // namespace samsa::cluster::testing
