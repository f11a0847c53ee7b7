#include "harness/kraft_cluster.h"

#include <fmt/format.h>

#include <algorithm>

#include "cluster/broker/controller_channel.h"
#include "sim/node_env.h"

namespace samsa::harness {

using cluster::BrokerId;

ClusterSpec fast_failover_spec(int controllers, int brokers) {
  ClusterSpec spec;
  spec.controllers = controllers;
  spec.brokers = brokers;
  spec.broker.replication.replica_lag_time_max_ms = 1000;
  spec.broker.replication.min_insync_replicas = 2;
  spec.broker.request_timeout_ms = 2000;
  spec.broker.broker_heartbeat_interval_ms = 500;
  spec.controller.controller.broker_session_timeout_ms = 3000;
  // A small offsets topic and short group timers, so rebalances and coordinator
  // failovers complete within a few simulated seconds.
  spec.broker.group.offsets_topic_num_partitions = 4;
  spec.broker.group.offsets_topic_replication_factor =
      static_cast<std::int16_t>(std::min(brokers, 3));
  spec.broker.group.offsets_commit_timeout_ms = 2000;
  spec.broker.group.group_min_session_timeout_ms = 500;
  spec.broker.group.group_initial_rebalance_delay_ms = 200;
  return spec;
}

bool run_until(sim::Simulation& sim, const std::function<bool()>& done, sim::Duration limit,
               sim::Duration step) {
  const sim::SimTime end = sim.now() + limit;
  while (sim.now() < end) {
    if (done()) return true;
    if (sim.run_for(step) == sim::RunOutcome::kFailed) return false;
  }
  return done();
}

KRaftCluster::KRaftCluster(sim::Simulation& sim, ClusterSpec spec)
    : sim_(sim), spec_(std::move(spec)) {
  SAMSA_ASSERT(spec_.controllers >= 1 && spec_.brokers >= 1, "a cluster needs both roles");
  for (int i = 0; i < spec_.controllers; ++i) {
    controller_nodes_.push_back(sim_.add_node(fmt::format("controller-{}", i + 1)));
  }
  for (int i = 0; i < spec_.brokers; ++i) {
    broker_nodes_.push_back(sim_.add_node(fmt::format("broker-{}", i + 1)));
  }
  admin_ = sim_.add_node("admin");
  for (std::size_t i = 0; i < controller_nodes_.size(); ++i) {
    cluster::controller::ControllerNodeConfig config = spec_.controller;
    config.raft.voters = controller_nodes_;
    const sim::NodeId node = controller_nodes_[i];
    config.on_commit = [this, node](const cluster::MetadataImage& image) {
      metadata_[node] = image;
      for (const auto& hook : hooks_) hook(node, image);
    };
    config.on_active_change = [this, node](bool active, cluster::LeaderEpoch epoch) {
      if (active) {
        active_epochs_[node] = epoch;
      } else {
        active_epochs_.erase(node);
      }
      for (const auto& hook : active_hooks_) hook(node, active, epoch);
    };
    controller_configs_.push_back(std::move(config));
  }
  for (std::size_t i = 0; i < broker_nodes_.size(); ++i) {
    cluster::BrokerConfig config = spec_.broker;
    config.broker_id = BrokerId(static_cast<std::int32_t>(i + 1));
    config.controller_quorum_voters = controller_nodes_;
    config.metadata_source = cluster::MetadataSource::kQuorum;
    broker_configs_.push_back(std::move(config));
  }
  for (std::size_t i = 0; i < controller_nodes_.size(); ++i) start_controller(i);
  for (std::size_t i = 0; i < broker_nodes_.size(); ++i) start_broker(i);
  sim_.start(admin_, [this] { admin_main(); });
}

KRaftCluster::~KRaftCluster() {
  sim_.kernel().shutdown();
}

void KRaftCluster::start_controller(std::size_t index) {
  sim_.start(controller_nodes_[index], [this, index] {
    active_epochs_.erase(controller_nodes_[index]);  // a new process is not active (yet)
    sim::NodeEnv env(sim_, controller_nodes_[index]);
    cluster::controller::run_controller(env, controller_configs_[index]);
  });
}

void KRaftCluster::start_broker(std::size_t index) {
  sim_.start(broker_nodes_[index], [this, index] {
    sim::NodeEnv env(sim_, broker_nodes_[index]);
    cluster::run_broker(env, broker_configs_[index]);
  });
}

void KRaftCluster::admin_main() {
  sim::RpcEndpoint rpc(sim_.network(), admin_);
  admin_rpc_ = &rpc;
  rpc.serve([](const sim::Envelope&) {});
}

sim::NodeId KRaftCluster::broker_node(BrokerId id) const {
  return broker_nodes_.at(static_cast<std::size_t>(id.value() - 1));
}

std::optional<BrokerId> KRaftCluster::broker_on(sim::NodeId node) const {
  for (std::size_t i = 0; i < broker_nodes_.size(); ++i) {
    if (broker_nodes_[i] == node) return BrokerId(static_cast<std::int32_t>(i + 1));
  }
  return std::nullopt;
}

cluster::BrokerConfig& KRaftCluster::broker_config(BrokerId id) {
  return broker_configs_.at(static_cast<std::size_t>(id.value() - 1));
}

std::optional<sim::NodeId> KRaftCluster::active_controller() const {
  std::optional<sim::NodeId> best;
  cluster::LeaderEpoch best_epoch{-1};
  for (const auto& [node, epoch] : active_epochs_) {
    if (sim_.is_up(node) && epoch > best_epoch) {
      best = node;
      best_epoch = epoch;
    }
  }
  return best;
}

const cluster::MetadataImage* KRaftCluster::latest_metadata() const {
  const cluster::MetadataImage* latest = nullptr;
  for (const auto& entry : metadata_) {
    if (latest == nullptr || entry.second.version() > latest->version()) latest = &entry.second;
  }
  return latest;
}

const cluster::PartitionState* KRaftCluster::partition(const cluster::TopicPartition& tp) const {
  const cluster::MetadataImage* image = latest_metadata();
  return image == nullptr ? nullptr : image->partition(tp);
}

bool KRaftCluster::all_brokers_unfenced() const {
  const cluster::MetadataImage* image = latest_metadata();
  if (image == nullptr || image->brokers().size() != broker_nodes_.size()) return false;
  return std::all_of(image->brokers().begin(), image->brokers().end(),
                     [](const auto& entry) { return !entry.second.fenced; });
}

cluster::ErrorCode KRaftCluster::setup_topic(const std::string& name, int partitions,
                                             int replication_factor,
                                             bool unclean_leader_election_enable,
                                             sim::Duration limit, sim::Duration settle) {
  if (!run_until(
          sim_, [&] { return all_brokers_unfenced(); }, limit)) {
    return cluster::ErrorCode::kRequestTimedOut;
  }
  auto created = create_topic(name, partitions, replication_factor, unclean_leader_election_enable);
  if (!run_until(
          sim_, [&] { return created->done; }, limit) ||
      !created->response || created->response->topics.empty()) {
    return cluster::ErrorCode::kRequestTimedOut;
  }
  if (created->response->topics[0].error != cluster::ErrorCode::kNone) {
    return created->response->topics[0].error;
  }
  const auto all_led = [&] {
    for (int p = 0; p < partitions; ++p) {
      const cluster::PartitionState* state =
          partition(cluster::TopicPartition{name, cluster::PartitionIndex(p)});
      if (state == nullptr || state->leader == cluster::kNoLeader) return false;
    }
    return true;
  };
  if (!run_until(sim_, all_led, limit)) return cluster::ErrorCode::kRequestTimedOut;
  // The controller committed the leaders; the brokers apply them a little later.
  run_until(
      sim_, [] { return false; }, settle);
  return cluster::ErrorCode::kNone;
}

const cluster::MetadataImage& KRaftCluster::metadata_of(sim::NodeId controller) const {
  static const cluster::MetadataImage kEmpty;
  const auto it = metadata_.find(controller);
  return it == metadata_.end() ? kEmpty : it->second;
}

std::shared_ptr<KRaftCluster::Pending<cluster::controller::CreateTopicsResponse>>
KRaftCluster::create_topic(const std::string& name, int partitions, int replication_factor,
                           bool unclean_leader_election_enable) {
  auto request = std::make_shared<cluster::controller::CreateTopicsRequest>();
  cluster::controller::CreatableTopic topic;
  topic.name = name;
  topic.num_partitions = partitions;
  topic.replication_factor = static_cast<std::int16_t>(replication_factor);
  topic.unclean_leader_election_enable = unclean_leader_election_enable;
  request->topics.push_back(topic);
  auto pending = std::make_shared<Pending<cluster::controller::CreateTopicsResponse>>();
  sim_.kernel().spawn(admin_, "create-topic", [this, request, pending] {
    sim::NodeEnv env(sim_, admin_);
    cluster::ControllerChannel channel(env, *admin_rpc_, controller_nodes_, std::chrono::seconds(1),
                                       std::chrono::milliseconds(100));
    const auto answer = channel.call(request, std::chrono::seconds(30));
    if (answer)
      pending->response = static_cast<const cluster::controller::CreateTopicsResponse&>(**answer);
    pending->done = true;
  });
  return pending;
}

std::shared_ptr<KRaftCluster::Pending<cluster::ControlledShutdownResponse>>
KRaftCluster::controlled_shutdown(BrokerId id, sim::Duration timeout) {
  return call<cluster::ControlledShutdownResponse>(
      broker_node(id), std::make_shared<cluster::ControlledShutdownRequest>(), timeout);
}

}  // namespace samsa::harness
