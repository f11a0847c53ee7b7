#include "cluster/raft/quorum_state.h"

#include <fmt/format.h>

#include <limits>
#include <vector>

namespace samsa::cluster::raft {

namespace {

constexpr std::size_t kFields = 3;

std::int64_t encode_node(const std::optional<sim::NodeId>& node) {
  return node ? static_cast<std::int64_t>(node->value()) : -1;
}

// -1 is none; anything else must be a valid node id.
std::optional<std::optional<sim::NodeId>> decode_node(std::int64_t value) {
  if (value == -1) return std::optional<sim::NodeId>();
  if (value < 0 || value >= std::numeric_limits<std::uint32_t>::max()) return std::nullopt;
  return std::optional<sim::NodeId>(sim::NodeId(static_cast<std::uint32_t>(value)));
}

}  // namespace

QuorumStateFile::QuorumStateFile(sim::Disk& disk, const std::string& dir)
    : file_(disk, fmt::format("{}/{}", dir, kFileName), kFields) {}

sim::Result<ElectionState, CheckpointError> QuorumStateFile::read() const {
  auto entries = file_.read();
  if (!entries.ok()) {
    if (entries.error().kind == CheckpointErrorKind::kNotFound) return ElectionState{};
    return sim::Err(entries.error());
  }
  const auto& list = entries.value();
  const auto malformed = [&](std::string_view what) {
    return sim::Err(CheckpointError{CheckpointErrorKind::kMalformed,
                                    fmt::format("{}: {}", file_.path(), what)});
  };
  if (list.size() != 1) return malformed("expected exactly one entry");
  const CheckpointEntry& entry = list.front();
  const auto voted = decode_node(entry[1]);
  const auto leader = decode_node(entry[2]);
  if (entry[0] < 0 || entry[0] > std::numeric_limits<std::int32_t>::max()) {
    return malformed("epoch out of range");
  }
  if (!voted || !leader) return malformed("node id out of range");
  return ElectionState{LeaderEpoch(static_cast<std::int32_t>(entry[0])), *voted, *leader};
}

sim::Status<CheckpointError> QuorumStateFile::write(const ElectionState& state) {
  SAMSA_ASSERT(state.epoch >= LeaderEpoch(0), "a quorum epoch is never negative");
  const std::vector<CheckpointEntry> entries{
      {state.epoch.value(), encode_node(state.voted_for), encode_node(state.leader)}};
  return file_.write(entries);
}

}  // namespace samsa::cluster::raft
