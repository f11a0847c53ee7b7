// The membership bookkeeping every fiber of a ConsumerCoordinator shares: time, coordinator
// discovery (FindCoordinator), generation resets, fencing and LeaveGroup.
#include <algorithm>

#include "cluster/client/consumer_coordinator_state.h"
#include "sim/log.h"

namespace samsa::cluster {
namespace {

// Bounds the discovery loop when the caller's deadline is far away; each round tries
// every bootstrap node once and then backs off.
constexpr int kMaxDiscoveryRounds = 10'000;

}  // namespace

std::optional<RebalanceProtocol> common_rebalance_protocol(
    const std::vector<std::shared_ptr<const ConsumerPartitionAssignor>>& assignors) {
  if (assignors.empty()) return std::nullopt;
  for (const RebalanceProtocol protocol : assignors.front()->supported_protocols()) {
    const bool everyone = std::all_of(assignors.begin(), assignors.end(), [&](const auto& a) {
      const std::vector<RebalanceProtocol> supported = a->supported_protocols();
      return std::find(supported.begin(), supported.end(), protocol) != supported.end();
    });
    if (everyone) return protocol;
  }
  return std::nullopt;
}

ConsumerCoordinator::State::State(sim::NodeEnv& env_in, sim::RpcEndpoint& rpc_in,
                                  ConsumerGroupConfig config_in, RebalanceProtocol protocol_in)
    : env(&env_in),
      rpc(&rpc_in),
      config(std::move(config_in)),
      protocol(protocol_in),
      last_poll(env_in.monotonic()),
      last_heartbeat_response(env_in.monotonic()) {}

sim::SimTime ConsumerCoordinator::State::now() const { return env->network().kernel().now(); }

sim::SimTime ConsumerCoordinator::State::after_ms(std::int64_t ms) const {
  return env->deadline_after(std::chrono::milliseconds(std::max<std::int64_t>(ms, 0)));
}

std::int64_t ConsumerCoordinator::State::ms_since(sim::SimTime monotonic_then) const {
  return sim::to_ms(env->monotonic() - monotonic_then);
}

void ConsumerCoordinator::State::backoff(sim::SimTime deadline) {
  const sim::SimTime until = std::min(after_ms(config.retry_backoff_ms), deadline);
  // determinism-ok: virtual time (the kernel's timer queue)
  if (until > now()) env->network().kernel().sleep_until(until);
}

CallResult ConsumerCoordinator::State::call(sim::NodeId to, sim::MessagePtr request,
                                            std::int64_t timeout_ms, sim::SimTime deadline) {
  const sim::SimTime end = std::min(after_ms(timeout_ms), deadline);
  if (end <= now()) return sim::Err(sim::RpcError::kTimeout);
  return rpc->call(to, std::move(request), end - now());
}

// Kafka's lookupCoordinator: FindCoordinator to the bootstrap nodes in turn, a backoff
// after each round where none answered. Only one fiber looks at a time; the others wait
// for its answer (each until its own deadline).
bool ConsumerCoordinator::State::ensure_coordinator(sim::SimTime deadline) {
  const std::vector<sim::NodeId>& nodes = config.bootstrap_nodes;
  for (int round = 0; round < kMaxDiscoveryRounds; ++round) {
    if (coordinator) return true;
    if (closed || fenced || now() >= deadline) return false;
    if (discovery && !discovery->ready()) {
      const std::shared_ptr<sim::Promise<bool>> other = discovery;  // kept alive while waiting
      other->wait_until(deadline);
      continue;
    }
    auto mine = std::make_shared<sim::Promise<bool>>();
    discovery = mine;
    for (std::size_t i = 0; i < nodes.size() && !coordinator && now() < deadline; ++i) {
      const sim::NodeId node = nodes[next_bootstrap % nodes.size()];
      auto request = std::make_shared<FindCoordinatorRequest>();
      request->key = config.group_id;
      ++stats.find_coordinator_requests;
      const CallResult answer = call(node, request, config.request_timeout_ms, deadline);
      const auto* response = response_as<FindCoordinatorResponse>(answer);
      if (response != nullptr && response->error == ErrorCode::kNone) {
        coordinator = response->node;
        SAMSA_LOG_INFO("consumer group {}: coordinator is broker {} on node {}", config.group_id,
                        response->node_id.value(), response->node.value());
      } else {
        next_bootstrap = (next_bootstrap + 1) % nodes.size();
      }
    }
    mine->set(coordinator.has_value());
    if (discovery == mine) discovery.reset();
    if (!coordinator) backoff(deadline);
  }
  return coordinator.has_value();
}

void ConsumerCoordinator::State::mark_coordinator_unknown(std::string_view why) {
  if (!coordinator) return;
  SAMSA_LOG_INFO("consumer group {}: forgets coordinator node {} ({})", config.group_id,
                  coordinator->value(), why);
  coordinator.reset();
}

// Kafka's resetStateAndGeneration: the member is no longer in its generation, so whatever
// it owns is lost (the next poll tells the listener), and it must join again.
void ConsumerCoordinator::State::reset_generation(bool reset_member_id, std::string_view why) {
  SAMSA_LOG_INFO("consumer group {} member {}: resets generation {} ({})", config.group_id,
                  generation.member_id, generation.generation_id, why);
  generation.generation_id = kNoGeneration;
  generation.protocol_name.clear();
  if (reset_member_id) generation.member_id.clear();
  member_state = MemberState::kUnjoined;
  rejoin_needed = true;
  ++membership_epoch;
}

void ConsumerCoordinator::State::request_rejoin(std::string_view why) {
  if (!rejoin_needed) {
    SAMSA_LOG_INFO("consumer group {} member {}: rejoin needed ({})", config.group_id,
                    generation.member_id, why);
  }
  rejoin_needed = true;
}

// FENCED_INSTANCE_ID (KIP-345): another consumer runs with this group.instance.id. Fatal:
// the member stops for good.
void ConsumerCoordinator::State::fence(std::string_view why) {
  SAMSA_LOG_WARN("consumer group {} instance {}: fenced ({})", config.group_id,
                 config.group_instance_id.value_or("-"), why);
  fenced = true;
  stats.fenced = true;
  reset_generation(true, why);
  wake.set();
}

void ConsumerCoordinator::State::leave_group(std::string_view why, sim::SimTime deadline) {
  // A static member never leaves by itself (KIP-345): its partitions wait for it to come
  // back until session.timeout.ms.
  const bool send = !config.group_instance_id && coordinator &&
                    member_state != MemberState::kUnjoined && !generation.member_id.empty();
  const std::string member_id = generation.member_id;
  const sim::NodeId to = coordinator.value_or(sim::NodeId::invalid());
  // Reset first: the LeaveGroup waits, and the member is out of the group from now on.
  reset_generation(true, why);
  if (!send) return;
  auto request = std::make_shared<LeaveGroupRequest>();
  request->group_id = config.group_id;
  request->members.push_back(LeavingMember{member_id, std::nullopt});
  ++stats.leaves;
  SAMSA_LOG_INFO("consumer group {} member {}: LeaveGroup ({})", config.group_id, member_id, why);
  const CallResult answer = call(to, request, config.request_timeout_ms, deadline);
  if (response_as<LeaveGroupResponse>(answer) == nullptr) {
    mark_coordinator_unknown("LeaveGroup was not answered");
  }
}

void ConsumerCoordinator::State::start_call(bool is_join, sim::MessagePtr request,
                                            std::int64_t timeout_ms) {
  SAMSA_ASSERT(!in_flight, "at most one JoinGroup or SyncGroup in flight");
  auto answer = std::make_shared<sim::Promise<CallResult>>();
  in_flight = InFlight{is_join, membership_epoch, answer};
  if (!coordinator) {
    // Another fiber (a commit, the heartbeat) forgot the coordinator while this one was
    // preparing the call (the leader's assignment, the listener): the call fails at once,
    // as an unanswered one would, and the member finds the coordinator and rejoins.
    answer->set(CallResult(sim::Err(sim::RpcError::kTimeout)));
    return;
  }
  const sim::Duration timeout = after_ms(timeout_ms) - now();
  // The fiber touches only the endpoint and the promise, never this State.
  env->spawn(is_join ? "consumer-join-group" : "consumer-sync-group",
             [endpoint = rpc, to = *coordinator, request = std::move(request), timeout, answer] {
               answer->set(endpoint->call(to, request, timeout));
             });
}

}  // namespace samsa::cluster
