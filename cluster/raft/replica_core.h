// ReplicaCore: the state and logic behind RaftReplica (raft_replica.h), shared by the
// replica's fibers through a shared_ptr so that a crash may unwind them in any order.
// The code is split by protocol step: replica_core.cpp (recovery, role transitions, the
// timer fiber), replica_election.cpp (Vote, BeginQuorumEpoch, EndQuorumEpoch),
// replica_leader.cpp (serving Fetch and FetchSnapshot, the high watermark, appends),
// replica_follower.cpp (the fetcher: divergence, snapshot install), replica_apply.cpp (the
// applier: state machine, leader readiness, snapshots).
//
// Concurrency: fibers switch only at waits, and disk and network calls wait. mutex_ guards
// every sequence of steps that touches the log or the election state across a disk call;
// it is never held across a network call. machine_mutex_ (always taken before mutex_)
// serializes the state machine's callbacks with snapshot installs. generation_ moves on
// every role change: a fiber working for an older role stops when it sees it moved.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "cluster/log/partition_log.h"
#include "cluster/raft/quorum_state.h"
#include "cluster/raft/raft_config.h"
#include "cluster/raft/raft_messages.h"
#include "cluster/raft/raft_replica.h"
#include "cluster/raft/snapshot_store.h"
#include "cluster/raft/state_machine.h"
#include "sim/node_env.h"
#include "sim/rpc.h"
#include "sim/sync.h"

namespace samsa::cluster::raft {

class ReplicaCore : public std::enable_shared_from_this<ReplicaCore> {
 public:
  static constexpr std::size_t kMaxInFlightRequests = 256;
  static constexpr std::int32_t kMaxFetchBytes = 1 << 20;
  static constexpr sim::Duration kRetryBackoff = std::chrono::milliseconds(50);

  ReplicaCore(sim::NodeEnv env, sim::RpcEndpoint& rpc, RaftConfig config, StateMachine& machine);

  sim::Status<RaftError> start();
  bool handle(const sim::Envelope& request);
  sim::Result<Offset, RaftError> append(std::vector<sim::Bytes> values);
  sim::Status<RaftError> wait_committed(Offset offset, LeaderEpoch epoch, sim::Duration timeout);
  void resign();
  sim::Result<std::vector<LoggedRecord>, RaftError> read_log();

  RaftRole role() const { return role_; }
  LeaderEpoch epoch() const { return election_.epoch; }
  std::optional<sim::NodeId> leader() const;
  bool is_ready_leader() const { return role_ == RaftRole::kLeader && ready_; }
  Offset high_watermark() const { return high_watermark_; }
  Offset leader_high_watermark() const { return leader_high_watermark_; }
  Offset log_end_offset() const { return log_ ? log_->log_end_offset() : Offset(0); }
  Offset log_start_offset() const { return log_ ? log_->log_start_offset() : Offset(0); }
  Offset applied_end_offset() const { return applied_end_; }
  std::optional<SnapshotId> latest_snapshot() const { return latest_snapshot_; }

 private:
  struct VoterProgress {
    Offset end_offset{-1};     // acknowledged (durable) end offset; -1 unknown
    sim::SimTime last_fetch;   // node-monotonic time of its last Fetch in this epoch
    bool fetched = false;      // it fetched in this epoch (BeginQuorumEpoch can stop)
  };
  // What the fetcher does after a response.
  enum class FetchOutcome : std::uint8_t { kAgain, kBackoff, kFetchSnapshot };

  // --- replica_core.cpp: recovery, transitions, timers ---------------------------------
  sim::Status<RaftError> recover_snapshot();
  void choose_initial_role();
  bool persist(const ElectionState& next);
  void set_role(RaftRole role);
  void become_unattached(LeaderEpoch epoch);
  void become_voted(sim::NodeId candidate);
  void become_candidate();
  void become_leader();
  void become_follower(LeaderEpoch epoch, sim::NodeId leader);
  void become_resigned();
  // Learns (epoch, leader) from any message; true when this replica's state moved on.
  bool observe_leader(LeaderEpoch epoch, std::optional<sim::NodeId> leader);
  void run_timers();
  sim::SimTime poll_timers();
  sim::Duration random_election_timeout();
  EpochOffset last_epoch_offset() const;
  bool is_voter(sim::NodeId node) const;
  std::size_t majority() const { return config_.voters.size() / 2 + 1; }
  sim::SimTime now() const { return env_.monotonic(); }
  void on_log_error(std::string_view what, LogError error);
  sim::MessagePtr dispatch(const sim::Envelope& request);

  // --- replica_election.cpp -----------------------------------------------------------
  sim::MessagePtr handle_vote(const VoteRequest& request);
  sim::MessagePtr handle_begin_quorum_epoch(const BeginQuorumEpochRequest& request);
  sim::MessagePtr handle_end_quorum_epoch(const EndQuorumEpochRequest& request);
  void request_vote(std::uint64_t generation, sim::NodeId voter);
  void on_vote_response(sim::NodeId voter, const VoteResponse& response);
  void send_begin_quorum_epoch(std::uint64_t generation, sim::NodeId voter);
  void send_end_quorum_epoch(std::uint64_t generation, sim::NodeId voter,
                             std::vector<sim::NodeId> successors);
  void start_backoff();
  template <class Response>
  std::shared_ptr<Response> quorum_response(ErrorCode error) const;

  // --- replica_leader.cpp ---------------------------------------------------------------
  sim::MessagePtr handle_fetch(const RaftFetchRequest& request);
  std::shared_ptr<RaftFetchResponse> answer_fetch(const RaftFetchRequest& request, bool may_wait);
  sim::MessagePtr handle_fetch_snapshot(const FetchSnapshotRequest& request);
  ErrorCode check_leader_request(LeaderEpoch current_leader_epoch) const;
  void start_leader_epoch();
  void maybe_advance_high_watermark();
  bool check_quorum_expired(sim::SimTime now) const;
  std::vector<sim::NodeId> preferred_successors() const;

  // --- replica_follower.cpp ---------------------------------------------------------------
  void run_fetcher();
  std::optional<sim::NodeId> fetch_target();
  sim::MessagePtr call_unless_role_changes(sim::NodeId target,
                                           std::shared_ptr<RaftFetchRequest> request,
                                           std::uint64_t generation);
  std::shared_ptr<RaftFetchRequest> build_fetch() const;
  FetchOutcome on_fetch_response(std::uint64_t generation, sim::NodeId from,
                                 const RaftFetchRequest& sent, const RaftFetchResponse& got,
                                 std::optional<SnapshotId>* snapshot);
  void truncate_on_divergence(const EpochEndOffset& diverging);
  bool append_fetched(const sim::Bytes& records);
  bool fetch_snapshot(std::uint64_t generation, sim::NodeId from, SnapshotId id);
  void install_snapshot(std::uint64_t generation, const Snapshot& snapshot,
                        std::span<const std::uint8_t> file);

  // --- replica_apply.cpp ---------------------------------------------------------------
  void run_applier();
  bool apply_pass();
  void apply_batches(const sim::Bytes& batches, Offset high_watermark);
  void notify_leader_change();
  void maybe_snapshot();

  sim::NodeEnv env_;
  sim::RpcEndpoint& rpc_;
  RaftConfig config_;
  StateMachine& machine_;
  sim::NodeId self_;
  bool self_is_voter_ = false;
  bool started_ = false;
  std::unique_ptr<PartitionLog> log_;
  QuorumStateFile quorum_file_;
  SnapshotStore snapshots_;
  std::optional<SnapshotId> latest_snapshot_;

  // Election state: election_ is exactly what quorum-state holds.
  ElectionState election_;
  RaftRole role_ = RaftRole::kUnattached;
  std::uint64_t generation_ = 0;
  sim::SimTime election_deadline_;  // unattached, voted, candidate, resigned
  sim::SimTime fetch_deadline_;     // follower, observer with a known leader
  std::optional<sim::SimTime> backoff_deadline_;  // a candidate that lost
  std::int32_t election_retries_ = 0;
  std::set<sim::NodeId> votes_granted_;
  std::set<sim::NodeId> votes_rejected_;
  std::size_t next_voter_index_ = 0;  // an observer without a leader tries voters in turn

  // Leader state.
  Offset epoch_start_offset_{0};
  std::map<sim::NodeId, VoterProgress> progress_;
  bool ready_ = false;

  // Offsets.
  Offset high_watermark_{0};
  Offset leader_high_watermark_{0};
  Offset flushed_end_{0};  // every record below is fsynced
  Offset applied_end_{0};
  LeaderEpoch last_applied_epoch_{0};
  std::int64_t records_since_snapshot_ = 0;
  std::optional<std::pair<std::optional<sim::NodeId>, LeaderEpoch>> notified_leader_;

  sim::ChangeSignal changed_;
  sim::Mutex mutex_;
  sim::Mutex machine_mutex_;
  std::size_t in_flight_requests_ = 0;
};

// Every response carries the responder's epoch and the leader it knows.
template <class Response>
std::shared_ptr<Response> ReplicaCore::quorum_response(ErrorCode error) const {
  auto response = std::make_shared<Response>();
  response->error = error;
  response->leader_epoch = election_.epoch;
  response->leader = leader();
  return response;
}

}  // namespace samsa::cluster::raft
