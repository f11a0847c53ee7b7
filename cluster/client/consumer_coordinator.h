// ConsumerCoordinator: the consumer's side of the group protocol (Kafka's
// ConsumerCoordinator + AbstractCoordinator). It finds the group's coordinator
// (FindCoordinator, again after NOT_COORDINATOR or a timeout), joins and syncs the group
// (JoinGroup with KIP-394's MEMBER_ID_REQUIRED round, SyncGroup; as leader it runs the
// chosen assignor), heartbeats from a background fiber every heartbeat.interval.ms,
// rejoins when told REBALANCE_IN_PROGRESS, leaves on close or when poll() was not called
// for max.poll.interval.ms, and commits and fetches offsets. KafkaConsumer (consumer.h)
// owns one when group.id is set, and calls it from its poll() and commit calls; the
// coordinator calls back into the consumer through ConsumerRebalanceListener.
//
// Invariants: 1. the assignment is only ever replaced inside poll(), after the listener
// was told what was revoked (eager: everything before JoinGroup; cooperative, KIP-429:
// only the partitions that moved, after SyncGroup, followed by another rebalance); 2.
// generation() is the generation the current assignment came from, or none; 3. every
// OffsetCommit carries the current generation and member id (or kNoGeneration and an
// empty member id when the consumer is not in the group: manual assignment); 4. at most
// one JoinGroup or SyncGroup is in flight; 5. every wait is bounded by a deadline.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cluster/bugs.h"
#include "cluster/group/assignor.h"
#include "cluster/group/group_messages.h"
#include "sim/node_env.h"
#include "sim/rpc.h"
#include "sim/sync.h"

namespace samsa::cluster {

struct ConsumerGroupConfig {
  std::string group_id;
  std::optional<std::string> group_instance_id;  // group.instance.id (KIP-345)
  std::int32_t session_timeout_ms = 45'000;
  std::int32_t heartbeat_interval_ms = 3'000;
  std::int32_t max_poll_interval_ms = 300'000;  // also sent as the rebalance timeout
  std::int64_t retry_backoff_ms = 100;
  std::int64_t request_timeout_ms = 30'000;
  // partition.assignment.strategy, in order of preference; Kafka's default is
  // [range, cooperative-sticky]. The protocol (eager or cooperative) is the first that
  // every assignor listed supports.
  std::vector<std::shared_ptr<const ConsumerPartitionAssignor>> assignors;
  std::vector<sim::NodeId> bootstrap_nodes;  // where FindCoordinator goes
  Bugs bugs;
};

// Called inside KafkaConsumer::poll() (never from the heartbeat fiber).
class ConsumerRebalanceListener {
 public:
  virtual ~ConsumerRebalanceListener() = default;
  // Before the partitions are given up in a rebalance: the last moment to commit them.
  virtual void on_partitions_revoked(const std::vector<TopicPartition>& partitions) = 0;
  // After the new assignment arrived (cooperative: only the newly added partitions).
  virtual void on_partitions_assigned(const std::vector<TopicPartition>& partitions) = 0;
  // When the member was thrown out of the group (session expired, fenced): the partitions
  // may already belong to another member, so nothing may be committed for them.
  virtual void on_partitions_lost(const std::vector<TopicPartition>& partitions) = 0;
};

struct GroupGeneration {
  std::int32_t generation_id = kNoGeneration;
  std::string member_id;
  std::string protocol_name;
  bool operator==(const GroupGeneration&) const = default;
};

struct OffsetAndEpoch {
  Offset offset{-1};
  LeaderEpoch leader_epoch{kNoLeaderEpoch};
  bool operator==(const OffsetAndEpoch&) const = default;
};

struct ConsumerCoordinatorStats {
  std::uint64_t find_coordinator_requests = 0;
  std::uint64_t joins = 0;            // JoinGroup requests sent
  std::uint64_t rebalances = 0;       // generations completed (SyncGroup answered)
  std::uint64_t heartbeats = 0;
  std::uint64_t commits = 0;          // OffsetCommit requests sent
  std::uint64_t failed_commits = 0;   // answered with an error or not at all
  std::uint64_t leaves = 0;
  // FENCED_INSTANCE_ID (KIP-345): another member took this group.instance.id; fatal for
  // this member, whose poll() answers false from then on.
  bool fenced = false;
};

class ConsumerCoordinator : public std::enable_shared_from_this<ConsumerCoordinator> {
 public:
  // `partition_counts`: the consumer's metadata, asked when this member leads and must
  // assign (topic -> partition count of the topics it knows; unknown topics are absent).
  using PartitionCounts =
      std::function<std::map<std::string, std::int32_t>(const std::vector<std::string>& topics)>;

  // Every `deadline` below is a point on the simulation's time line, as
  // NodeEnv::deadline_after(d) gives it (what sim/sync.h's waits take).

  // From a fiber on env's node; starts the heartbeat fiber (idle until the member joins).
  static std::shared_ptr<ConsumerCoordinator> create(sim::NodeEnv& env, sim::RpcEndpoint& rpc,
                                                     ConsumerGroupConfig config,
                                                     PartitionCounts partition_counts,
                                                     ConsumerRebalanceListener& listener);
  ConsumerCoordinator(const ConsumerCoordinator&) = delete;
  ConsumerCoordinator& operator=(const ConsumerCoordinator&) = delete;

  // subscribe(): the topics to join with; a change triggers a rebalance at the next poll.
  void subscribe(std::vector<std::string> topics);
  // unsubscribe(): leaves the group (revoking everything through the listener).
  void unsubscribe(sim::SimTime deadline);
  // From KafkaConsumer::poll(): records the poll (max.poll.interval.ms), and, if the
  // member is subscribed and needs to (re)join, finds the coordinator and runs the
  // rebalance, until it is in a stable generation or `deadline` passes. Returns whether
  // the member holds a current assignment.
  bool poll(sim::SimTime deadline);
  // The partitions assigned to this member in the current generation (sorted).
  const std::vector<TopicPartition>& assignment() const;
  std::optional<GroupGeneration> generation() const;
  // The generation an OffsetCommit sent now would carry: the member's current generation
  // while it is stable in one (which, in a cooperative rebalance, may be newer than
  // generation()), else none (kNoGeneration: manual assignment, or no commit is sent).
  std::optional<GroupGeneration> commit_generation() const;
  // True between the moment the member learns a rebalance is needed and the end of it.
  bool rebalance_in_progress() const;

  // OffsetCommit with the current generation (invariant 3); waits for the answer until
  // `deadline`. Returns kNone or the first error (ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID,
  // REBALANCE_IN_PROGRESS, REQUEST_TIMED_OUT, ...); retriable coordinator errors are
  // retried inside the deadline. Per-partition errors are in `partition_errors` if given.
  // `maybe_applied`, if given, is set when an attempt may have been written although the
  // call ends in an error (an unanswered attempt, a coordinator that lost its write):
  // for histories, which must call such a commit indeterminate, not failed.
  ErrorCode commit_sync(const std::map<TopicPartition, OffsetAndEpoch>& offsets,
                        sim::SimTime deadline,
                        std::map<TopicPartition, ErrorCode>* partition_errors = nullptr,
                        bool* maybe_applied = nullptr);
  // The same from a new fiber; `done` (if set) is called with the result, once.
  void commit_async(std::map<TopicPartition, OffsetAndEpoch> offsets,
                    std::function<void(ErrorCode)> done);
  // The same, telling `done` also whether the commit may have been applied (as above).
  void commit_async(std::map<TopicPartition, OffsetAndEpoch> offsets,
                    std::function<void(ErrorCode, bool maybe_applied)> done);
  // OffsetFetch: the committed offsets of `partitions` (absent: nothing committed).
  sim::Result<std::map<TopicPartition, OffsetAndEpoch>, ErrorCode> fetch_committed(
      const std::vector<TopicPartition>& partitions, sim::SimTime deadline);

  // LeaveGroup (a dynamic member; a static member only stops heartbeating, KIP-345) and
  // stop the heartbeat fiber.
  void close(sim::SimTime deadline);

  // Kept in the shared State: the heartbeat fiber counts too.
  const ConsumerCoordinatorStats& stats() const;

  ConsumerCoordinator(sim::NodeEnv& env, sim::RpcEndpoint& rpc, ConsumerGroupConfig config,
                      PartitionCounts partition_counts, ConsumerRebalanceListener& listener);
  // Stops the heartbeat fiber (without a LeaveGroup: call close() for that).
  ~ConsumerCoordinator();

 private:
  struct State;  // defined in consumer_coordinator_state.h
  // consumer_coordinator_rebalance.cpp: the join/sync steps poll() drives.
  bool needs_rebalance() const;
  bool rebalance_step(sim::SimTime deadline);
  void prepare_join();
  void send_join_group();
  void on_join_group_answer(const sim::Result<sim::MessagePtr, sim::RpcError>& answer,
                            sim::SimTime deadline);
  std::optional<std::vector<SyncGroupAssignment>> perform_assignment(
      const JoinGroupResponse& response);
  void on_sync_group_answer(const sim::Result<sim::MessagePtr, sim::RpcError>& answer,
                            sim::SimTime deadline);
  void install_assignment(std::vector<TopicPartition> assigned);
  // Gives up every owned partition through the listener: lost (not committable) when the
  // generation was reset, revoked otherwise.
  void give_up_assignment();
  void lose_assignment_if_generation_reset();
  sim::NodeEnv& env_;
  sim::RpcEndpoint& rpc_;
  ConsumerGroupConfig config_;
  PartitionCounts partition_counts_;
  ConsumerRebalanceListener& listener_;
  std::shared_ptr<State> state_;
};

}  // namespace samsa::cluster
