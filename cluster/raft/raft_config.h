// RaftConfig: the settings of one replica of the Raft metadata quorum (KIP-595), named
// after KRaft's controller.quorum.* configs. The controller node and the broker's metadata
// follower build one per process incarnation and hand it to RaftReplica (raft_replica.h).
// Invariants the replica checks at construction: 1. the voter set is non-empty and names
// no node twice; 2. every timeout is positive (fetch_max_wait_ms and the backoff may be 0).
// A Fetch call waits fetch_max_wait_ms + request_timeout_ms, so a long poll never outlives
// its own call.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "cluster/bugs.h"
#include "cluster/log/log_config.h"
#include "cluster/raft/raft_types.h"
#include "cluster/types.h"
#include "sim/ids.h"

namespace samsa::cluster::raft {

struct RaftConfig {
  // controller.quorum.voters: the static voter set (1, 3 or 5 nodes). A replica whose node
  // is not in it is an observer: it never votes or campaigns, it only fetches.
  std::vector<sim::NodeId> voters;
  std::string dir = "metadata-log";  // on the node's simulated disk
  // controller.quorum.election.timeout.ms: randomized per election in [t, 2t).
  std::int32_t election_timeout_ms = 1000;
  // controller.quorum.fetch.timeout.ms: a follower that has not fetched successfully from
  // the leader this long becomes a candidate; a leader that has not been fetched from by a
  // majority of voters this long resigns (check quorum).
  std::int32_t fetch_timeout_ms = 2000;
  // controller.quorum.election.backoff.max.ms: the cap of a candidate's randomized,
  // exponentially growing backoff after a lost election.
  std::int32_t election_backoff_max_ms = 1000;
  // How long a Fetch at the leader's end offset waits for new data or a new HW.
  std::int32_t fetch_max_wait_ms = 500;
  std::int32_t request_timeout_ms = 2000;
  // Take a snapshot every N applied records (0 = never); the log start follows it.
  std::int64_t snapshot_interval_records = 1000;
  LogConfig log;  // the metadata log's segments
  Bugs bugs;      // Bug::kRaftVoteWithoutLogCheck
  // Observation only (tests, the harness): called after every role change, once the new
  // state is durable, with the new role, epoch and known leader. Must not call back into
  // the replica.
  std::function<void(RaftRole, LeaderEpoch, std::optional<sim::NodeId>)> on_role_change;
};

}  // namespace samsa::cluster::raft
