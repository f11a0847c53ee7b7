// ConsumerCoordinator's public face: creation, subscription, poll(), close and the offset
// calls. The rebalance steps are in consumer_coordinator_rebalance.cpp, the heartbeat
// fiber in consumer_coordinator_heartbeat.cpp, commits and fetches in
// consumer_coordinator_offsets.cpp, the shared bookkeeping in consumer_coordinator_state.cpp.
#include "cluster/client/consumer_coordinator.h"

#include <algorithm>

#include "cluster/client/consumer_coordinator_state.h"
#include "sim/log.h"

namespace samsa::cluster {
namespace {

// Bounds the steps of one poll(): a rebalance takes a handful (MEMBER_ID_REQUIRED, join,
// sync), and every step either waits or ends the poll.
constexpr int kMaxRebalanceStepsPerPoll = 64;

RebalanceProtocol protocol_of(const ConsumerGroupConfig& config) {
  const std::optional<RebalanceProtocol> protocol = common_rebalance_protocol(config.assignors);
  SAMSA_ASSERT(protocol.has_value(),
               "partition.assignment.strategy lists assignors with a common rebalance protocol");
  return *protocol;
}

}  // namespace

std::shared_ptr<ConsumerCoordinator> ConsumerCoordinator::create(
    sim::NodeEnv& env, sim::RpcEndpoint& rpc, ConsumerGroupConfig config,
    PartitionCounts partition_counts, ConsumerRebalanceListener& listener) {
  SAMSA_ASSERT(!config.group_id.empty(), "a consumer group has a group.id");
  SAMSA_ASSERT(!config.bootstrap_nodes.empty(), "a consumer has bootstrap nodes");
  SAMSA_ASSERT(config.heartbeat_interval_ms > 0 && config.session_timeout_ms > 0 &&
                   config.max_poll_interval_ms > 0 && config.request_timeout_ms > 0 &&
                   config.retry_backoff_ms >= 0,
               "the consumer's group timeouts are positive");
  auto coordinator = std::make_shared<ConsumerCoordinator>(env, rpc, std::move(config),
                                                           std::move(partition_counts), listener);
  env.spawn("consumer-heartbeat", [state = coordinator->state_] { state->heartbeat_loop(); });
  return coordinator;
}

ConsumerCoordinator::ConsumerCoordinator(sim::NodeEnv& env, sim::RpcEndpoint& rpc,
                                         ConsumerGroupConfig config,
                                         PartitionCounts partition_counts,
                                         ConsumerRebalanceListener& listener)
    : env_(env),
      rpc_(rpc),
      config_(std::move(config)),
      partition_counts_(std::move(partition_counts)),
      listener_(listener),
      state_(std::make_shared<State>(env, rpc, config_, protocol_of(config_))) {}

// The heartbeat fiber sees `closed` at its next wake-up and ends; waking it here would
// need the kernel, which may already be gone when the last owner lets go.
ConsumerCoordinator::~ConsumerCoordinator() { state_->closed = true; }

void ConsumerCoordinator::subscribe(std::vector<std::string> topics) {
  std::sort(topics.begin(), topics.end());
  topics.erase(std::unique(topics.begin(), topics.end()), topics.end());
  State& s = *state_;
  if (topics.empty()) {  // Kafka: subscribing to nothing is unsubscribing
    unsubscribe(s.after_ms(config_.request_timeout_ms));
    return;
  }
  if (topics == s.subscription) return;
  s.subscription = std::move(topics);
  s.request_rejoin("the subscription changed");
}

// Kafka's onLeavePrepare + maybeLeaveGroup.
void ConsumerCoordinator::unsubscribe(sim::SimTime deadline) {
  State& s = *state_;
  give_up_assignment();
  s.subscription.clear();
  s.leave_group("the consumer unsubscribed", deadline);
  s.needs_join_prepare = true;
}

bool ConsumerCoordinator::poll(sim::SimTime deadline) {
  State& s = *state_;
  s.last_poll = env_.monotonic();
  // Listener calls happen here, never on the heartbeat fiber: tell it now what the
  // heartbeat fiber found lost since the last poll.
  lose_assignment_if_generation_reset();
  if (s.fenced || s.closed) return false;
  const std::uint64_t completed_before = s.stats.rebalances;
  // A generation completed in this poll ends it: a rejoin it asked for (KIP-429's second
  // round) happens at the next poll.
  for (int step = 0; step < kMaxRebalanceStepsPerPoll && needs_rebalance() &&
                     s.stats.rebalances == completed_before;
       ++step) {
    if (!rebalance_step(deadline)) break;
  }
  lose_assignment_if_generation_reset();
  return !s.fenced && !s.closed && s.assigned_generation.has_value();
}

const std::vector<TopicPartition>& ConsumerCoordinator::assignment() const {
  return state_->assignment;
}

std::optional<GroupGeneration> ConsumerCoordinator::generation() const {
  return state_->assigned_generation;
}

std::optional<GroupGeneration> ConsumerCoordinator::commit_generation() const {
  const State& s = *state_;
  if (s.subscription.empty() || s.member_state != MemberState::kStable) return std::nullopt;
  return s.generation;
}

bool ConsumerCoordinator::rebalance_in_progress() const { return needs_rebalance(); }

ErrorCode ConsumerCoordinator::commit_sync(
    const std::map<TopicPartition, OffsetAndEpoch>& offsets, sim::SimTime deadline,
    std::map<TopicPartition, ErrorCode>* partition_errors, bool* maybe_applied) {
  return state_->commit_offsets(offsets, deadline, partition_errors, maybe_applied);
}

void ConsumerCoordinator::commit_async(std::map<TopicPartition, OffsetAndEpoch> offsets,
                                       std::function<void(ErrorCode)> done) {
  commit_async(std::move(offsets), [done = std::move(done)](ErrorCode error, bool) {
    if (done) done(error);
  });
}

void ConsumerCoordinator::commit_async(std::map<TopicPartition, OffsetAndEpoch> offsets,
                                       std::function<void(ErrorCode, bool)> done) {
  // The fiber holds the State, not the coordinator: the consumer may be gone when it ends.
  env_.spawn("consumer-commit-async",
             [state = state_, offsets = std::move(offsets), done = std::move(done)] {
               bool maybe_applied = false;
               const ErrorCode error = state->commit_offsets(
                   offsets, state->after_ms(state->config.request_timeout_ms), nullptr,
                   &maybe_applied);
               if (done) done(error, maybe_applied);
             });
}

sim::Result<std::map<TopicPartition, OffsetAndEpoch>, ErrorCode>
ConsumerCoordinator::fetch_committed(const std::vector<TopicPartition>& partitions,
                                     sim::SimTime deadline) {
  return state_->fetch_offsets(partitions, deadline);
}

void ConsumerCoordinator::close(sim::SimTime deadline) {
  State& s = *state_;
  if (s.closed) return;
  give_up_assignment();
  s.subscription.clear();
  s.leave_group("the consumer is being closed", deadline);
  s.closed = true;
  s.wake.set();
}

const ConsumerCoordinatorStats& ConsumerCoordinator::stats() const { return state_->stats; }

}  // namespace samsa::cluster
