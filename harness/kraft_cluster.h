// KRaftCluster: a whole cluster on one Simulation — a controller quorum (1, 3 or 5
// nodes running QuorumController), brokers (ids 1..n running run_broker) and an admin
// client node — built from a ClusterSpec. The harness, the scenario runner and the
// end-to-end tests drive it: create topics, ask for metadata, stop a broker cleanly, and
// inject faults through the Simulation. It observes (never steers) each controller's
// committed metadata through a hook, for checkers and tests.
//
// Invariants: node ids are fixed at construction (controllers first, then brokers, then
// the admin client), so the same spec and seed always give the same cluster.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cluster/broker/broker.h"
#include "cluster/broker/messages.h"
#include "cluster/controller/controller_messages.h"
#include "cluster/controller/quorum_controller.h"
#include "cluster/metadata/metadata.h"
#include "sim/rpc.h"
#include "sim/simulation.h"

namespace samsa::harness {

struct ClusterSpec {
  int controllers = 3;
  int brokers = 3;
  // Templates: ids, nodes and voters are filled in per node.
  cluster::BrokerConfig broker;
  cluster::controller::ControllerNodeConfig controller;
};

// A spec with short timeouts (lag 1 s, heartbeats every 500 ms, sessions of 3 s,
// min.insync.replicas 2; an offsets topic of 4 partitions, group sessions from 500 ms, an
// initial rebalance delay of 200 ms), so failovers complete within a few simulated
// seconds: for tests and fixed workloads.
ClusterSpec fast_failover_spec(int controllers = 3, int brokers = 3);

// Runs `sim` in steps of `step` until `done()` holds or `limit` of simulated time passed.
// Returns whether it held; stops early (false) when the run failed (sim.kernel().failure()).
bool run_until(sim::Simulation& sim, const std::function<bool()>& done, sim::Duration limit,
               sim::Duration step = std::chrono::milliseconds(10));

class KRaftCluster {
 public:
  // Adds the nodes to `sim` and starts every process.
  KRaftCluster(sim::Simulation& sim, ClusterSpec spec);
  // Ends every fiber of the simulation (they use this cluster's configs and hooks): the
  // simulation does not run again after the cluster is gone.
  ~KRaftCluster();
  KRaftCluster(const KRaftCluster&) = delete;
  KRaftCluster& operator=(const KRaftCluster&) = delete;

  sim::Simulation& sim() { return sim_; }
  const std::vector<sim::NodeId>& controller_nodes() const { return controller_nodes_; }
  const std::vector<sim::NodeId>& broker_nodes() const { return broker_nodes_; }
  sim::NodeId broker_node(cluster::BrokerId id) const;
  std::optional<cluster::BrokerId> broker_on(sim::NodeId node) const;
  sim::NodeId admin_node() const { return admin_; }
  cluster::BrokerConfig& broker_config(cluster::BrokerId id);

  // The up controller that most recently became active (highest epoch), if any.
  std::optional<sim::NodeId> active_controller() const;
  // The newest committed metadata any controller has applied (by version), or null.
  const cluster::MetadataImage* latest_metadata() const;
  const cluster::PartitionState* partition(const cluster::TopicPartition& tp) const;
  // Every broker of the spec is registered and unfenced in the newest committed metadata.
  bool all_brokers_unfenced() const;
  // Runs the simulation until every broker is unfenced, creates the topic, and runs until
  // each of its partitions has a leader and the brokers had `settle` to apply it. Returns
  // kNone, the controller's error, or REQUEST_TIMED_OUT when a step took over `limit`.
  cluster::ErrorCode setup_topic(const std::string& name, int partitions, int replication_factor,
                                 bool unclean_leader_election_enable = false,
                                 sim::Duration limit = std::chrono::seconds(60),
                                 sim::Duration settle = std::chrono::milliseconds(500));
  // The newest committed image of one controller node (empty before its first commit).
  const cluster::MetadataImage& metadata_of(sim::NodeId controller) const;
  // Called with (controller node, image) after every commit a controller applies.
  void on_metadata(std::function<void(sim::NodeId, const cluster::MetadataImage&)> hook) {
    hooks_.push_back(std::move(hook));
  }
  // Called with (controller node, active, Raft epoch) when a controller becomes or stops
  // being the active one.
  void on_active_change(std::function<void(sim::NodeId, bool, cluster::LeaderEpoch)> hook) {
    active_hooks_.push_back(std::move(hook));
  }

  // --- Admin calls: started from the admin node; the caller runs the simulation --------
  template <class Response>
  struct Pending {
    std::optional<Response> response;
    bool done = false;
  };
  std::shared_ptr<Pending<cluster::controller::CreateTopicsResponse>> create_topic(
      const std::string& name, int partitions, int replication_factor,
      bool unclean_leader_election_enable = false);
  std::shared_ptr<Pending<cluster::ControlledShutdownResponse>> controlled_shutdown(
      cluster::BrokerId id, sim::Duration timeout);
  // Any request from the admin node to `to`, answered into a Pending.
  template <class Response>
  std::shared_ptr<Pending<Response>> call(sim::NodeId to, sim::MessagePtr request,
                                          sim::Duration timeout);

 private:
  void start_controller(std::size_t index);
  void start_broker(std::size_t index);
  void admin_main();

  sim::Simulation& sim_;
  ClusterSpec spec_;
  std::vector<sim::NodeId> controller_nodes_;
  std::vector<sim::NodeId> broker_nodes_;
  std::vector<cluster::BrokerConfig> broker_configs_;
  std::vector<cluster::controller::ControllerNodeConfig> controller_configs_;
  std::map<sim::NodeId, cluster::MetadataImage> metadata_;     // by controller node
  std::map<sim::NodeId, cluster::LeaderEpoch> active_epochs_;  // controllers active now
  std::vector<std::function<void(sim::NodeId, const cluster::MetadataImage&)>> hooks_;
  std::vector<std::function<void(sim::NodeId, bool, cluster::LeaderEpoch)>> active_hooks_;
  sim::NodeId admin_;
  sim::RpcEndpoint* admin_rpc_ = nullptr;
};

template <class Response>
std::shared_ptr<KRaftCluster::Pending<Response>> KRaftCluster::call(sim::NodeId to,
                                                                    sim::MessagePtr request,
                                                                    sim::Duration timeout) {
  auto pending = std::make_shared<Pending<Response>>();
  sim_.kernel().spawn(admin_, "admin-call", [this, to, request, timeout, pending] {
    auto result = admin_rpc_->call(to, request, timeout);
    if (result.ok()) {
      if (const auto* r = dynamic_cast<const Response*>(result.value().get()))
        pending->response = *r;
    }
    pending->done = true;
  });
  return pending;
}

}  // namespace samsa::harness
