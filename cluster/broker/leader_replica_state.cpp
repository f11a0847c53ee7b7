#include "cluster/broker/leader_replica_state.h"

#include <fmt/format.h>

#include <algorithm>

#include "sim/assert.h"

namespace samsa::cluster {

LeaderReplicaState::LeaderReplicaState(BrokerId self, ReplicationConfig config, const Bugs* bugs)
    : self_(self), config_(config), bugs_(bugs) {}

bool LeaderReplicaState::in(const std::vector<BrokerId>& set, BrokerId broker) const {
  return std::find(set.begin(), set.end(), broker) != set.end();
}

void LeaderReplicaState::become_leader(LeaderEpoch epoch, Offset epoch_start_offset,
                                       std::vector<BrokerId> replicas, std::vector<BrokerId> isr,
                                       Offset leader_log_end_offset, Offset high_watermark,
                                       std::int64_t now_ms) {
  SAMSA_ASSERT(in(isr, self_), fmt::format("broker {} leads but is not in the ISR", self_));
  SAMSA_ASSERT(high_watermark <= leader_log_end_offset, "high watermark above the log end");
  epoch_ = epoch;
  epoch_start_offset_ = epoch_start_offset;
  replicas_ = std::move(replicas);
  isr_ = std::move(isr);
  pending_isr_.reset();
  high_watermark_ = high_watermark;
  followers_.clear();
  for (BrokerId replica : replicas_) {
    if (replica == self_) continue;
    FollowerState state;
    if (in(isr_, replica)) state.last_caught_up_ms = now_ms;
    followers_.emplace(replica, state);
  }
  maybe_advance_high_watermark(leader_log_end_offset);
}

std::vector<BrokerId> LeaderReplicaState::maximal_isr() const {
  std::vector<BrokerId> result = isr_;
  if (pending_isr_) {
    for (BrokerId b : *pending_isr_) {
      if (!in(result, b)) result.push_back(b);
    }
  }
  return result;
}

const FollowerState* LeaderReplicaState::follower(BrokerId broker) const {
  const auto it = followers_.find(broker);
  return it == followers_.end() ? nullptr : &it->second;
}

bool LeaderReplicaState::under_min_isr() const {
  return static_cast<std::int32_t>(maximal_isr().size()) < config_.min_insync_replicas;
}

bool LeaderReplicaState::maybe_advance_high_watermark(Offset leader_log_end_offset) {
  if (under_min_isr()) return false;  // KAFKA-15583
  Offset candidate = leader_log_end_offset;
  for (BrokerId member : maximal_isr()) {
    if (member == self_) continue;
    const auto it = followers_.find(member);
    const Offset follower_end = it == followers_.end() ? Offset(-1) : it->second.log_end_offset;
    candidate = std::min(candidate, follower_end);
  }
  if (candidate <= high_watermark_) return false;
  high_watermark_ = candidate;
  return true;
}

bool LeaderReplicaState::on_leader_append(Offset leader_log_end_offset) {
  return maybe_advance_high_watermark(leader_log_end_offset);
}

bool LeaderReplicaState::on_follower_fetch(BrokerId follower_id, Offset fetch_offset,
                                           Offset leader_log_end_offset, std::int64_t now_ms) {
  const auto it = followers_.find(follower_id);
  SAMSA_ASSERT(it != followers_.end(),
               fmt::format("fetch from broker {}, which is not a replica", follower_id));
  FollowerState& state = it->second;
  // Kafka's Replica.updateFetchState: caught up now if it reached the leader's end, or
  // caught up as of the previous fetch if it reached what the end was then.
  if (fetch_offset >= leader_log_end_offset) {
    state.last_caught_up_ms = std::max(state.last_caught_up_ms, now_ms);
  } else if (fetch_offset >= state.leader_end_offset_at_last_fetch) {
    state.last_caught_up_ms = std::max(state.last_caught_up_ms, state.last_fetch_ms);
  }
  state.log_end_offset = fetch_offset;
  state.leader_end_offset_at_last_fetch = leader_log_end_offset;
  state.last_fetch_ms = now_ms;
  return maybe_advance_high_watermark(leader_log_end_offset);
}

std::vector<BrokerId> LeaderReplicaState::out_of_sync_replicas(Offset leader_log_end_offset,
                                                               std::int64_t now_ms) const {
  std::vector<BrokerId> lagging;
  for (BrokerId member : isr_) {
    if (member == self_) continue;
    const FollowerState& state = followers_.at(member);
    const bool caught_up = state.log_end_offset == leader_log_end_offset ||
                           now_ms - state.last_caught_up_ms <= config_.replica_lag_time_max_ms;
    if (!caught_up) lagging.push_back(member);
  }
  return lagging;
}

bool LeaderReplicaState::may_join_isr(BrokerId follower_id, bool eligible) const {
  if (!eligible || in(maximal_isr(), follower_id)) return false;
  const FollowerState* state = follower(follower_id);
  if (state == nullptr || state->log_end_offset < high_watermark_) return false;
  // KAFKA-7128: reaching a high watermark left over from an earlier epoch is not enough;
  // the follower must hold the leader's current epoch from its start.
  if (bugs_ != nullptr && bugs_->on(Bug::kIsrExpandWithoutEpochStartCheck)) return true;
  return state->log_end_offset >= epoch_start_offset_;
}

void LeaderReplicaState::begin_alter(std::vector<BrokerId> proposed_isr) {
  SAMSA_ASSERT(!pending_isr_, "one AlterPartition in flight per partition");
  SAMSA_ASSERT(in(proposed_isr, self_), "a proposed ISR keeps its leader");
  pending_isr_ = std::move(proposed_isr);
}

void LeaderReplicaState::complete_alter(std::vector<BrokerId> isr, Offset leader_log_end_offset) {
  SAMSA_ASSERT(in(isr, self_), "a committed ISR keeps its leader");
  for (BrokerId b : isr) SAMSA_ASSERT(in(replicas_, b), "ISR member outside the replica set");
  isr_ = std::move(isr);
  pending_isr_.reset();
  maybe_advance_high_watermark(leader_log_end_offset);
}

ErrorCode LeaderReplicaState::check_before_append() const {
  return under_min_isr() ? ErrorCode::kNotEnoughReplicas : ErrorCode::kNone;
}

AckCheck LeaderReplicaState::check_acks_all(Offset last_offset,
                                            Offset leader_log_end_offset) const {
  if (bugs_ != nullptr && bugs_->on(Bug::kAcksAllOnLeaderAppend)) {
    return {leader_log_end_offset > last_offset, ErrorCode::kNone};
  }
  if (high_watermark_ <= last_offset) return {false, ErrorCode::kNone};
  return {true, under_min_isr() ? ErrorCode::kNotEnoughReplicasAfterAppend : ErrorCode::kNone};
}

}  // namespace samsa::cluster
