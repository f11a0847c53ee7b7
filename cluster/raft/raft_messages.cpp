#include "cluster/raft/raft_messages.h"

#include <fmt/format.h>

#include <string_view>

#include "cluster/message_digest.h"

namespace samsa::cluster::raft {

namespace {

Digest& add(Digest& d, const SnapshotId& id) { return d.add(id.end_offset).add(id.epoch); }

std::string node_text(const std::optional<sim::NodeId>& node) {
  return node ? fmt::format("{}", *node) : std::string("none");
}

}  // namespace

std::uint64_t VoteRequest::digest() const {
  return Digest(kind()).add(candidate_epoch).add(candidate).add(last_offset_epoch)
      .add(last_offset).value();
}
std::string VoteRequest::describe() const {
  return fmt::format("Vote(epoch={} candidate={} last=({}, {}))", candidate_epoch, candidate,
                     last_offset_epoch, last_offset);
}

std::uint64_t VoteResponse::digest() const {
  return Digest(kind()).add(error).add(leader_epoch).add(leader).add(vote_granted).value();
}
std::string VoteResponse::describe() const {
  return fmt::format("VoteResponse(error={} epoch={} leader={} granted={})", error_name(error),
                     leader_epoch, node_text(leader), vote_granted);
}

std::uint64_t BeginQuorumEpochRequest::digest() const {
  return Digest(kind()).add(leader_epoch).add(leader).value();
}
std::string BeginQuorumEpochRequest::describe() const {
  return fmt::format("BeginQuorumEpoch(epoch={} leader={})", leader_epoch, leader);
}

std::uint64_t QuorumEpochResponse::digest() const {
  return Digest(kind()).add(error).add(leader_epoch).add(leader).value();
}
std::string QuorumEpochResponse::describe() const {
  return fmt::format("{}(error={} epoch={} leader={})", kind(), error_name(error), leader_epoch,
                     node_text(leader));
}

std::uint64_t EndQuorumEpochRequest::digest() const {
  Digest d(kind());
  d.add(leader_epoch).add(leader).add(preferred_successors.size());
  for (sim::NodeId node : preferred_successors) d.add(node);
  return d.value();
}
std::string EndQuorumEpochRequest::describe() const {
  std::string successors;
  for (sim::NodeId node : preferred_successors) successors += fmt::format(" {}", node);
  return fmt::format("EndQuorumEpoch(epoch={} leader={} successors=[{} ])", leader_epoch, leader,
                     successors);
}

std::uint64_t RaftFetchRequest::digest() const {
  return Digest(kind()).add(replica).add(current_leader_epoch).add(fetch_offset)
      .add(last_fetched_epoch).add(static_cast<std::uint64_t>(max_wait_ms))
      .add(static_cast<std::uint64_t>(max_bytes)).value();
}
std::string RaftFetchRequest::describe() const {
  return fmt::format("RaftFetch(replica={} epoch={} offset={} last_epoch={} wait={}ms)", replica,
                     current_leader_epoch, fetch_offset, last_fetched_epoch, max_wait_ms);
}

std::uint64_t RaftFetchResponse::digest() const {
  Digest d(kind());
  d.add(error).add(leader_epoch).add(leader).add(high_watermark).add(log_start_offset)
      .add(records);
  d.add(diverging_epoch.has_value());
  if (diverging_epoch) d.add(diverging_epoch->epoch).add(diverging_epoch->end_offset);
  d.add(snapshot_id.has_value());
  if (snapshot_id) add(d, *snapshot_id);
  return d.value();
}
std::string RaftFetchResponse::describe() const {
  std::string extra;
  if (diverging_epoch) {
    extra += fmt::format(" diverging=({}, {})", diverging_epoch->epoch, diverging_epoch->end_offset);
  }
  if (snapshot_id) {
    extra += fmt::format(" snapshot=({}, {})", snapshot_id->end_offset, snapshot_id->epoch);
  }
  return fmt::format("RaftFetchResponse(error={} epoch={} leader={} hw={} start={} bytes={}{})",
                     error_name(error), leader_epoch, node_text(leader), high_watermark,
                     log_start_offset, records.size(), extra);
}

std::uint64_t FetchSnapshotRequest::digest() const {
  Digest d(kind());
  d.add(replica).add(current_leader_epoch);
  return add(d, snapshot_id).value();
}
std::string FetchSnapshotRequest::describe() const {
  return fmt::format("FetchSnapshot(replica={} epoch={} snapshot=({}, {}))", replica,
                     current_leader_epoch, snapshot_id.end_offset, snapshot_id.epoch);
}

std::uint64_t FetchSnapshotResponse::digest() const {
  Digest d(kind());
  d.add(error).add(leader_epoch).add(leader);
  return add(d, snapshot_id).add(bytes).value();
}
std::string FetchSnapshotResponse::describe() const {
  return fmt::format("FetchSnapshotResponse(error={} epoch={} leader={} snapshot=({}, {}) bytes={})",
                     error_name(error), leader_epoch, node_text(leader), snapshot_id.end_offset,
                     snapshot_id.epoch, bytes.size());
}

}  // namespace samsa::cluster::raft
