#include "tests/cluster/client/consumer_coordinator_fixture.h"

#include <algorithm>
#include <cstdlib>

#include "sim/log.h"

namespace samsa::cluster::testing {

GroupAssignment ModuloAssignor::assign(
    const std::map<std::string, std::int32_t>& partitions_per_topic,
    const std::vector<MemberSubscription>& members) const {
  ++calls;
  last_members = members;
  last_partition_counts = partitions_per_topic;
  GroupAssignment out;
  for (const MemberSubscription& m : members) out[m.member_id];
  for (const auto& [topic, count] : partitions_per_topic) {
    std::vector<std::string> subscribed;  // in member id order
    for (const auto& [id, unused] : out) {
      const auto member = std::find_if(members.begin(), members.end(),
                                       [&id = id](const auto& m) { return m.member_id == id; });
      const std::vector<std::string>& topics = member->subscription.topics;
      if (std::find(topics.begin(), topics.end(), topic) != topics.end()) subscribed.push_back(id);
    }
    for (int p = 0; p < count && !subscribed.empty(); ++p) {
      out[subscribed[static_cast<std::size_t>(p) % subscribed.size()]].partitions.push_back(
          tp(topic, p));
    }
  }
  for (auto& [id, assignment] : out) {
    std::sort(assignment.partitions.begin(), assignment.partitions.end());
  }
  return out;
}

namespace {

ErrorCode pop(std::deque<ErrorCode>& errors) {
  if (errors.empty()) return ErrorCode::kNone;
  const ErrorCode e = errors.front();
  errors.pop_front();
  return e;
}

template <class R>
std::shared_ptr<const R> as(const sim::MessagePtr& m) {
  return std::dynamic_pointer_cast<const R>(m);
}

constexpr std::string_view kMemberId = "member-1";

}  // namespace

sim::MessagePtr FakeGroupCoordinator::answer(const sim::MessagePtr& request, sim::NodeId self) {
  kinds.emplace_back(request->kind());
  if (as<FindCoordinatorRequest>(request)) {
    ++find_coordinator_requests;
    auto r = std::make_shared<FindCoordinatorResponse>();
    r->node_id = BrokerId(0);
    r->node = self;
    return r;
  }
  if (auto join = as<JoinGroupRequest>(request)) {
    joins.push_back(join);
    if (on_join) on_join();
    auto r = std::make_shared<JoinGroupResponse>();
    r->error = pop(join_errors);
    r->member_id = join->member_id.empty() ? std::string(kMemberId) : join->member_id;
    if (r->error == ErrorCode::kNone && join->member_id.empty() && require_member_id) {
      r->error = ErrorCode::kMemberIdRequired;
    }
    if (r->error != ErrorCode::kNone) return r;
    r->generation_id = ++generation;
    r->protocol_name = chosen_protocol.empty() ? join->protocols.at(0).name : chosen_protocol;
    r->leader = consumer_leads ? r->member_id : "member-0-leader";
    if (consumer_leads) {
      for (const JoinGroupProtocol& p : join->protocols) {
        if (p.name == r->protocol_name) {
          r->members.push_back({r->member_id, join->group_instance_id, p.metadata});
        }
      }
      r->members.insert(r->members.end(), other_members.begin(), other_members.end());
    }
    return r;
  }
  if (auto sync = as<SyncGroupRequest>(request)) {
    syncs.push_back(sync);
    auto r = std::make_shared<SyncGroupResponse>();
    r->error = pop(sync_errors);
    if (r->error != ErrorCode::kNone) return r;
    for (const SyncGroupAssignment& a : sync->assignments) {
      if (a.member_id == sync->member_id) r->assignment = a.assignment;
    }
    if (sync->assignments.empty() && !follower_assignments.empty()) {
      r->assignment = encode_assignment(Assignment{follower_assignments.front(), {}});
      if (follower_assignments.size() > 1) follower_assignments.pop_front();
    }
    return r;
  }
  if (auto heartbeat = as<HeartbeatRequest>(request)) {
    heartbeats.push_back(heartbeat);
    if (!answer_heartbeats) return nullptr;
    auto r = std::make_shared<HeartbeatResponse>();
    r->error = pop(heartbeat_errors);
    return r;
  }
  if (auto leave = as<LeaveGroupRequest>(request)) {
    leaves.push_back(leave);
    auto r = std::make_shared<LeaveGroupResponse>();
    r->member_errors.assign(leave->members.size(), ErrorCode::kNone);
    return r;
  }
  if (auto commit = as<OffsetCommitRequest>(request)) {
    commits.push_back(commit);
    const ErrorCode error = pop(commit_errors);
    auto r = std::make_shared<OffsetCommitResponse>();
    for (const OffsetCommitPartition& p : commit->offsets) {
      r->partitions.push_back({p.tp, error});
      if (error == ErrorCode::kNone) {
        committed[p.tp] = OffsetFetchPartition{p.tp, p.committed_offset,
                                               p.committed_leader_epoch, p.metadata,
                                               ErrorCode::kNone};
      }
    }
    return r;
  }
  if (auto fetch = as<OffsetFetchRequest>(request)) {
    fetches.push_back(fetch);
    const ErrorCode error = pop(fetch_errors);
    auto r = std::make_shared<OffsetFetchResponse>();
    for (const TopicPartition& p : fetch->partitions) {
      OffsetFetchPartition answer{p, Offset(-1), kNoLeaderEpoch, "", error};
      if (auto it = committed.find(p); it != committed.end() && error == ErrorCode::kNone) {
        answer = it->second;
      }
      r->partitions.push_back(answer);
    }
    return r;
  }
  ADD_FAILURE() << "the fake coordinator got an unexpected " << request->kind();
  return nullptr;
}

CoordinatorRig::CoordinatorRig()
    : sim(sim::SimulationConfig{
          .seed = 7, .network = {}, .disk = {}, .buggify = {}, .trace_path = {}}) {
  if (const char* level = std::getenv("SAMSA_TEST_LOG")) sim::set_log_level(std::string(level));
  coordinator_node = sim.add_node("coordinator");
  consumer_node = sim.add_node("consumer");
  sim.start(coordinator_node, [this] {
    sim::NodeEnv env(sim, coordinator_node);
    sim::RpcEndpoint rpc(env.network(), env.id());
    rpc.serve([&](const sim::Envelope& envelope) {
      sim::MessagePtr response = fake.answer(envelope.message, env.id());
      if (!response) return;
      const sim::Duration delay =
          as<JoinGroupRequest>(envelope.message) ? fake.join_delay : sim::Duration::zero();
      if (delay == sim::Duration::zero()) {
        rpc.reply(envelope, response);
        return;
      }
      env.spawn("held-join", [&env, &rpc, envelope, response, delay] {
        env.sleep_for(delay);
        rpc.reply(envelope, response);
      });
    });
  });
}

CoordinatorRig::~CoordinatorRig() {
  EXPECT_EQ(sim.kernel().failure(), "") << "the run failed";
}

ConsumerGroupConfig CoordinatorRig::config(RebalanceProtocol protocol) const {
  ConsumerGroupConfig c;
  c.group_id = "readers";
  c.session_timeout_ms = 10'000;
  c.heartbeat_interval_ms = 1'000;
  c.max_poll_interval_ms = 20'000;
  c.retry_backoff_ms = 100;
  c.request_timeout_ms = 5'000;
  c.assignors = {std::make_shared<ModuloAssignor>("modulo", protocol)};
  c.bootstrap_nodes = {coordinator_node};
  return c;
}

void CoordinatorRig::start_consumer(ConsumerGroupConfig config) {
  sim.start(consumer_node, [this, config] {
    sim::NodeEnv env(sim, consumer_node);
    sim::RpcEndpoint rpc(env.network(), env.id());
    coordinator = ConsumerCoordinator::create(
        env, rpc, config,
        [this](const std::vector<std::string>& topics) {
          partition_count_queries.push_back(topics);
          std::map<std::string, std::int32_t> out;
          for (const std::string& t : topics) {
            if (auto it = partition_counts.find(t); it != partition_counts.end()) out.insert(*it);
          }
          return out;
        },
        listener);
    rpc.serve([](const sim::Envelope&) {});
  });
  sim.run_for(1ms);
  ASSERT_NE(coordinator, nullptr);
}

void CoordinatorRig::on_consumer(const std::function<void()>& body, sim::Duration limit) {
  auto done = std::make_shared<bool>(false);
  sim.kernel().spawn(consumer_node, "test-driver", [body, done] {
    body();
    *done = true;
  });
  const sim::SimTime end = sim.now() + limit;
  while (!*done && sim.now() < end && !sim.kernel().failed()) sim.run_for(10ms);
  ASSERT_EQ(sim.kernel().failure(), "");
  ASSERT_TRUE(*done) << "the consumer's steps did not finish in simulated time";
}

void CoordinatorRig::sleep_for(sim::Duration d) { sim::NodeEnv(sim, consumer_node).sleep_for(d); }

sim::SimTime CoordinatorRig::deadline_after(sim::Duration d) {
  return sim::NodeEnv(sim, consumer_node).deadline_after(d);
}

Subscription CoordinatorRig::subscription_of(const JoinGroupRequest& join) {
  auto decoded = decode_subscription(join.protocols.at(0).metadata);
  EXPECT_TRUE(decoded.ok());
  return decoded.ok() ? decoded.value() : Subscription{};
}

}  // namespace samsa::cluster::testing
