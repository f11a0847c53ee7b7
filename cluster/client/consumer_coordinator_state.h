// ConsumerCoordinator::State: everything about the group membership that more than one
// fiber touches — poll()'s fiber (the consumer's), the heartbeat fiber and commit_async
// fibers — shared through shared_ptr so a crash that unwinds the coordinator's owner first
// never leaves a fiber reading a destroyed object. Internal to consumer_coordinator*.cpp.
//
// Invariants: 1. every change of `generation` bumps membership_epoch, so an answer to a
// request sent before it is recognised as stale and dropped (Kafka's generationUnchanged);
// a reset (Kafka's resetStateAndGeneration) also leaves the member kUnjoined with
// rejoin_needed; 2. at most one JoinGroup or SyncGroup
// is in flight (`in_flight`); 3. nothing here calls the rebalance listener (only poll(),
// unsubscribe() and close() do, on the consumer's fiber).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/client/consumer_coordinator.h"

namespace samsa::cluster {

// Kafka's AbstractCoordinator.MemberState.
enum class MemberState : std::uint8_t {
  kUnjoined,             // not in a generation (first join, or after a reset or a leave)
  kPreparingRebalance,   // JoinGroup sent, not answered yet
  kCompletingRebalance,  // JoinGroup answered, SyncGroup sent
  kStable,               // SyncGroup answered: the assignment is current
};

using CallResult = sim::Result<sim::MessagePtr, sim::RpcError>;

// The response of type R in `answer`, or null when the call failed (timed out, refused)
// or was answered with something else.
template <class R>
const R* response_as(const CallResult& answer) {
  return answer.ok() ? dynamic_cast<const R*>(answer.value().get()) : nullptr;
}

struct ConsumerCoordinator::State {
  State(sim::NodeEnv& env, sim::RpcEndpoint& rpc, ConsumerGroupConfig config,
        RebalanceProtocol protocol);

  // --- Time (consumer_coordinator_state.cpp) -----------------------------------------
  sim::SimTime now() const;                           // the kernel's time line
  sim::SimTime after_ms(std::int64_t ms) const;       // now + ms by this node's clock
  std::int64_t ms_since(sim::SimTime monotonic_then) const;  // by the monotonic clock
  // Sleeps retry.backoff.ms, or less if `deadline` comes first.
  void backoff(sim::SimTime deadline);

  // --- Coordinator and membership (consumer_coordinator_state.cpp) ---------------------
  // A call bounded by request.timeout.ms-like `timeout_ms` and by `deadline`.
  CallResult call(sim::NodeId to, sim::MessagePtr request, std::int64_t timeout_ms,
                  sim::SimTime deadline);
  // Finds the coordinator if it is unknown; false if `deadline` passed first.
  bool ensure_coordinator(sim::SimTime deadline);
  void mark_coordinator_unknown(std::string_view why);
  void reset_generation(bool reset_member_id, std::string_view why);
  void request_rejoin(std::string_view why);
  void fence(std::string_view why);
  // Kafka's maybeLeaveGroup: LeaveGroup for a dynamic member in the group, then a reset.
  void leave_group(std::string_view why, sim::SimTime deadline);
  // JoinGroup or SyncGroup from a fiber of its own, so that it outlives poll()'s deadline.
  void start_call(bool is_join, sim::MessagePtr request, std::int64_t timeout_ms);
  bool in_generation() const {
    return member_state == MemberState::kCompletingRebalance ||
           member_state == MemberState::kStable;
  }
  bool generation_reset() const {
    return generation.generation_id == kNoGeneration || generation.member_id.empty();
  }

  // --- Heartbeat (consumer_coordinator_heartbeat.cpp) ----------------------------------
  void heartbeat_loop();
  // One heartbeat and its answer; false when the next should come after a backoff.
  bool send_heartbeat();

  // --- Offsets (consumer_coordinator_offsets.cpp) --------------------------------------
  // `maybe_applied` (if given) is set when some attempt may have been written although the
  // call ends in an error (it went unanswered, or the coordinator lost its write).
  ErrorCode commit_offsets(const std::map<TopicPartition, OffsetAndEpoch>& offsets,
                           sim::SimTime deadline,
                           std::map<TopicPartition, ErrorCode>* partition_errors,
                           bool* maybe_applied = nullptr);
  sim::Result<std::map<TopicPartition, OffsetAndEpoch>, ErrorCode> fetch_offsets(
      const std::vector<TopicPartition>& partitions, sim::SimTime deadline);

  sim::NodeEnv* env;
  sim::RpcEndpoint* rpc;  // the node's endpoint: outlives every fiber, or dies by a crash
  const ConsumerGroupConfig config;
  const RebalanceProtocol protocol;

  MemberState member_state = MemberState::kUnjoined;
  GroupGeneration generation;  // what requests carry (Kafka's AbstractCoordinator.generation)
  std::uint64_t membership_epoch = 0;  // bumped by every change of generation (invariant 1)
  bool rejoin_needed = true;
  bool needs_join_prepare = true;  // the listener has not been told of this rebalance yet
  bool fenced = false;
  bool closed = false;
  std::vector<std::string> subscription;  // sorted, no duplicates
  std::vector<TopicPartition> assignment;  // sorted
  std::optional<GroupGeneration> assigned_generation;  // where `assignment` came from

  std::optional<sim::NodeId> coordinator;
  std::size_t next_bootstrap = 0;  // FindCoordinator goes to the bootstrap nodes in turn
  std::shared_ptr<sim::Promise<bool>> discovery;  // a lookup in progress, if any

  sim::SimTime last_poll;                // monotonic
  sim::SimTime last_heartbeat_response;  // monotonic

  struct InFlight {
    bool is_join;
    std::uint64_t membership_epoch;
    std::shared_ptr<sim::Promise<CallResult>> answer;
  };
  std::optional<InFlight> in_flight;

  sim::Event wake;  // wakes the heartbeat fiber early (close)
  ConsumerCoordinatorStats stats;
};

// The rebalance protocol of the configured assignors: the first in the first assignor's
// order of preference that every assignor supports (none: the assignors cannot agree).
std::optional<RebalanceProtocol> common_rebalance_protocol(
    const std::vector<std::shared_ptr<const ConsumerPartitionAssignor>>& assignors);

}  // namespace samsa::cluster
