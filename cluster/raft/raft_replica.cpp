#include "cluster/raft/raft_replica.h"

#include "cluster/raft/replica_core.h"

namespace samsa::cluster::raft {

std::string_view raft_role_name(RaftRole role) {
  switch (role) {
    case RaftRole::kUnattached:
      return "unattached";
    case RaftRole::kVoted:
      return "voted";
    case RaftRole::kCandidate:
      return "candidate";
    case RaftRole::kLeader:
      return "leader";
    case RaftRole::kFollower:
      return "follower";
    case RaftRole::kResigned:
      return "resigned";
    case RaftRole::kObserver:
      return "observer";
  }
  return "?";
}

std::string_view raft_error_name(RaftError error) {
  switch (error) {
    case RaftError::kNotLeader:
      return "not-leader";
    case RaftError::kTimeout:
      return "timeout";
    case RaftError::kLeadershipLost:
      return "leadership-lost";
    case RaftError::kIo:
      return "io";
  }
  return "?";
}

RaftReplica::RaftReplica(sim::NodeEnv& env, sim::RpcEndpoint& rpc, RaftConfig config,
                         StateMachine& machine)
    : core_(std::make_shared<ReplicaCore>(env, rpc, std::move(config), machine)) {}

RaftReplica::~RaftReplica() = default;

// The blocking calls hold a reference to the core on the calling fiber's stack: if the
// node crashes meanwhile, the main frame (and this object) may be gone before that fiber
// unwinds through the core's frames.
sim::Status<RaftError> RaftReplica::start() {
  const std::shared_ptr<ReplicaCore> core = core_;
  return core->start();
}
bool RaftReplica::handle(const sim::Envelope& request) { return core_->handle(request); }
sim::Result<Offset, RaftError> RaftReplica::append(std::vector<sim::Bytes> values) {
  const std::shared_ptr<ReplicaCore> core = core_;
  return core->append(std::move(values));
}
sim::Status<RaftError> RaftReplica::wait_committed(Offset offset, LeaderEpoch epoch,
                                                   sim::Duration timeout) {
  const std::shared_ptr<ReplicaCore> core = core_;
  return core->wait_committed(offset, epoch, timeout);
}
void RaftReplica::resign() {
  const std::shared_ptr<ReplicaCore> core = core_;
  core->resign();
}
RaftRole RaftReplica::role() const { return core_->role(); }
LeaderEpoch RaftReplica::epoch() const { return core_->epoch(); }
std::optional<sim::NodeId> RaftReplica::leader() const { return core_->leader(); }
bool RaftReplica::is_ready_leader() const { return core_->is_ready_leader(); }
Offset RaftReplica::high_watermark() const { return core_->high_watermark(); }
Offset RaftReplica::leader_high_watermark() const { return core_->leader_high_watermark(); }
Offset RaftReplica::log_end_offset() const { return core_->log_end_offset(); }
Offset RaftReplica::log_start_offset() const { return core_->log_start_offset(); }
Offset RaftReplica::applied_end_offset() const { return core_->applied_end_offset(); }
std::optional<SnapshotId> RaftReplica::latest_snapshot() const { return core_->latest_snapshot(); }
sim::Result<std::vector<LoggedRecord>, RaftError> RaftReplica::read_log() {
  const std::shared_ptr<ReplicaCore> core = core_;
  return core->read_log();
}

}  // namespace samsa::cluster::raft
