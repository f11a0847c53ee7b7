// QuorumController: one controller node of the KRaft quorum (KIP-631), after Kafka's
// QuorumController. A Raft replica (cluster/raft) holds the metadata log; the committed
// records build the committed image (MetadataStateMachine). While this node is the ready
// Raft leader it is the active controller: one event-loop fiber takes broker requests
// (BrokerRegistration, BrokerHeartbeat, AlterPartition, CreateTopics) and its own timer
// ticks (broker session expiry) one at a time, asks ControllerLogic (controller_logic.h)
// for the records and the answer, appends the records and answers once they are
// committed.
//
// Invariants:
//   1. Records are appended in the order the logic produced them, from one fiber, so the
//      working image (committed image + this controller's appends) replays like the log.
//   2. A request is answered only after every record it produced is committed; if the
//      leadership is lost first, it is answered NOT_CONTROLLER.
//   3. On losing leadership the working image is dropped; the next activation rebuilds it
//      from the committed image (uncommitted records may never commit).
//   4. At most max_queued_events requests wait in the queue (more are dropped, as a full
//      socket would).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "cluster/controller/controller_config.h"
#include "cluster/controller/controller_logic.h"
#include "cluster/controller/metadata_records.h"
#include "cluster/controller/metadata_state_machine.h"
#include "cluster/metadata/metadata.h"
#include "cluster/raft/raft_replica.h"
#include "sim/node_env.h"
#include "sim/rpc.h"
#include "sim/sync.h"

namespace samsa::cluster::controller {

struct ControllerNodeConfig {
  raft::RaftConfig raft;
  ControllerConfig controller;
  std::int32_t session_check_interval_ms = 500;  // how often expired sessions are fenced
  std::int32_t commit_timeout_ms = 5000;         // an answer waits this long for its commit
  std::size_t max_queued_events = 1024;
  // Observation only (the harness's white-box view): called after every commit applied to
  // the committed image. Must not steer the node.
  std::function<void(const MetadataImage&)> on_commit;
  // Observation only: called when this node becomes (true) or stops being the active
  // controller, with the Raft epoch.
  std::function<void(bool, LeaderEpoch)> on_active_change;
};

// The node's main: never returns while the node is up (FiberKilled unwinds it on crash).
void run_controller(sim::NodeEnv& env, const ControllerNodeConfig& config);

class QuorumController {
 public:
  QuorumController(sim::NodeEnv& env, sim::RpcEndpoint& rpc, const ControllerNodeConfig& config);
  QuorumController(const QuorumController&) = delete;
  QuorumController& operator=(const QuorumController&) = delete;

  // From the node's main fiber: starts Raft and the event loop, then serves requests.
  void run();

  const MetadataImage& committed_image() const { return committed_; }
  bool active() const { return logic_.has_value(); }

 private:
  struct Event {
    bool tick = false;  // a session check; otherwise a request
    sim::Envelope request;
  };

  void event_loop(sim::Channel<Event>& events);
  void sync_leadership();
  void deactivate();
  void handle(const sim::Envelope& request);
  void tick();
  // Appends `records` and, once they are committed, sends `response` (NOT_CONTROLLER if
  // they do not commit). With no records the answer goes out at once; with no response
  // (a timer's records) nothing is sent.
  void reply_after_commit(std::vector<MetadataRecord> records, const sim::Envelope& request,
                          sim::MessagePtr response);
  sim::MessagePtr not_controller(const sim::Message& request) const;
  std::optional<sim::NodeId> leader_hint() const;

  sim::NodeEnv& env_;
  sim::RpcEndpoint& rpc_;
  const ControllerNodeConfig& config_;
  MetadataImage committed_;
  MetadataStateMachine machine_;
  raft::RaftReplica raft_;
  // Shared with the event-loop fiber, which may unwind (on a crash) after this object.
  std::shared_ptr<sim::Channel<Event>> events_;
  // Active-controller state (present only while this node leads): the logic owns the
  // working image (committed + this controller's uncommitted records).
  std::optional<ControllerLogic> logic_;
  LeaderEpoch active_epoch_{-1};
};

}  // namespace samsa::cluster::controller
