#include "cluster/client/subscription_state.h"

#include "sim/assert.h"

namespace samsa::cluster {

std::string_view fetch_state_name(FetchState state) {
  switch (state) {
    case FetchState::kInitializing:
      return "INITIALIZING";
    case FetchState::kFetching:
      return "FETCHING";
    case FetchState::kAwaitReset:
      return "AWAIT_RESET";
    case FetchState::kAwaitValidation:
      return "AWAIT_VALIDATION";
  }
  return "UNKNOWN";
}

bool SubscriptionState::subscribe(const std::vector<std::string>& topics) {
  SAMSA_ASSERT(mode_ != Mode::kUserAssigned,
               "subscription to topics and manual assignment are mutually exclusive");
  mode_ = Mode::kSubscribed;
  std::set<std::string> wanted(topics.begin(), topics.end());
  const bool changed = wanted != topics_;
  topics_ = std::move(wanted);
  return changed;
}

void SubscriptionState::assign_from_subscribed(const std::vector<TopicPartition>& partitions) {
  // Partitions of a topic no longer subscribed may stay until the next rebalance moves
  // them, so their topics are not checked against the subscription.
  SAMSA_ASSERT(mode_ == Mode::kSubscribed, "the coordinator assigns only to a subscribed consumer");
  set_assignment(partitions);
}

void SubscriptionState::assign_from_user(const std::vector<TopicPartition>& partitions) {
  SAMSA_ASSERT(mode_ != Mode::kSubscribed,
               "subscription to topics and manual assignment are mutually exclusive");
  // Kafka: assign(empty) is unsubscribe().
  mode_ = partitions.empty() ? Mode::kNone : Mode::kUserAssigned;
  set_assignment(partitions);
}

void SubscriptionState::set_assignment(const std::vector<TopicPartition>& partitions) {
  std::map<TopicPartition, TopicPartitionState> next;
  for (const TopicPartition& tp : partitions) {
    auto kept = partitions_.find(tp);
    next.emplace(tp, kept == partitions_.end() ? TopicPartitionState{} : kept->second);
  }
  partitions_ = std::move(next);
}

void SubscriptionState::unsubscribe() {
  mode_ = Mode::kNone;
  topics_.clear();
  partitions_.clear();
}

std::vector<TopicPartition> SubscriptionState::assigned_partitions() const {
  std::vector<TopicPartition> out;
  out.reserve(partitions_.size());
  for (const auto& [tp, state] : partitions_) out.push_back(tp);
  return out;
}

SubscriptionState::TopicPartitionState& SubscriptionState::at(const TopicPartition& tp) {
  auto it = partitions_.find(tp);
  SAMSA_ASSERT(it != partitions_.end(), "no current assignment for partition " + to_string(tp));
  return it->second;
}

const SubscriptionState::TopicPartitionState& SubscriptionState::at(
    const TopicPartition& tp) const {
  auto it = partitions_.find(tp);
  SAMSA_ASSERT(it != partitions_.end(), "no current assignment for partition " + to_string(tp));
  return it->second;
}

bool SubscriptionState::is_fetchable(const TopicPartition& tp) const {
  auto it = partitions_.find(tp);
  return it != partitions_.end() && !it->second.paused && it->second.state == FetchState::kFetching;
}

void SubscriptionState::transition(TopicPartitionState& s, FetchState state,
                                   std::optional<FetchPosition> position) {
  const bool needs_position = state == FetchState::kFetching || state == FetchState::kAwaitValidation;
  SAMSA_ASSERT(needs_position == position.has_value(),
               "FETCHING and AWAIT_VALIDATION have a position, the others none (invariant 3)");
  SAMSA_ASSERT(!position || position->offset >= Offset(0), "a position is >= 0 (invariant 4)");
  s.state = state;
  s.position = position;
  if (state != FetchState::kAwaitReset) s.reset_strategy.reset();
  s.next_allowed_retry.reset();
}

void SubscriptionState::validate_position(TopicPartitionState& s, const FetchPosition& position) {
  // Without the epoch of the last record, or without a leader epoch to ask under, there
  // is nothing to validate (Kafka's validatePosition).
  const bool checkable = position.offset_epoch != kNoLeaderEpoch &&
                         position.current_leader_epoch != kNoLeaderEpoch;
  transition(s, checkable ? FetchState::kAwaitValidation : FetchState::kFetching, position);
}

void SubscriptionState::seek_validated(const TopicPartition& tp, const FetchPosition& position) {
  transition(at(tp), FetchState::kFetching, position);
}

void SubscriptionState::seek_unvalidated(const TopicPartition& tp, const FetchPosition& position) {
  validate_position(at(tp), position);
}

void SubscriptionState::advance(const TopicPartition& tp, const FetchPosition& position) {
  TopicPartitionState& s = at(tp);
  SAMSA_ASSERT(s.state == FetchState::kFetching, "records are returned only while FETCHING");
  SAMSA_ASSERT(s.position && position.offset >= s.position->offset,
               "fetched records move a position forward only (invariant 5)");
  s.position = position;
}

bool SubscriptionState::request_offset_reset(const TopicPartition& tp,
                                             std::optional<OffsetResetStrategy> strategy) {
  const OffsetResetStrategy chosen = strategy.value_or(default_reset_);
  if (chosen == OffsetResetStrategy::kNone) return false;
  TopicPartitionState& s = at(tp);
  transition(s, FetchState::kAwaitReset, std::nullopt);
  s.reset_strategy = chosen;
  return true;
}

bool SubscriptionState::maybe_seek_unvalidated(const TopicPartition& tp,
                                               const FetchPosition& position,
                                               OffsetResetStrategy requested) {
  auto it = partitions_.find(tp);
  if (it == partitions_.end() || it->second.state != FetchState::kAwaitReset ||
      it->second.reset_strategy != requested) {
    return false;  // unassigned, sought, or reset another way since the request
  }
  transition(it->second, FetchState::kFetching, position);
  return true;
}

bool SubscriptionState::leader_changed(const TopicPartition& tp, LeaderEpoch leader_epoch) const {
  const TopicPartitionState& s = at(tp);
  return s.position.has_value() && s.position->current_leader_epoch != kNoLeaderEpoch &&
         s.position->current_leader_epoch != leader_epoch;
}

bool SubscriptionState::maybe_validate_position_for_current_leader(const TopicPartition& tp,
                                                                   LeaderEpoch leader_epoch) {
  TopicPartitionState& s = at(tp);
  if (!s.position || leader_epoch == kNoLeaderEpoch) return false;  // INITIALIZING, AWAIT_RESET
  if (s.position->current_leader_epoch != leader_epoch) {
    FetchPosition moved = *s.position;
    moved.current_leader_epoch = leader_epoch;
    validate_position(s, moved);
  }
  return s.state == FetchState::kAwaitValidation;
}

ValidationOutcome SubscriptionState::maybe_complete_validation(const TopicPartition& tp,
                                                               const FetchPosition& requested,
                                                               const EpochEndOffset& answer) {
  auto it = partitions_.find(tp);
  if (it == partitions_.end() || it->second.state != FetchState::kAwaitValidation ||
      it->second.position != requested) {
    return ValidationOutcome::kStale;
  }
  TopicPartitionState& s = it->second;
  // The leader knows nothing at or before our epoch: where the logs diverge is unknown.
  if (answer.end_offset == kUndefinedEpochOffset || answer.epoch == kUndefinedEpoch) {
    if (!has_default_reset_policy()) return ValidationOutcome::kTruncatedNoReset;
    transition(s, FetchState::kAwaitReset, std::nullopt);
    s.reset_strategy = default_reset_;
    return ValidationOutcome::kTruncatedReset;
  }
  // The leader's log ends our epoch before our position: what we consumed from there on
  // was truncated. Kafka 3.x: "Truncation detected ... resetting offset to the first
  // offset known to diverge". (An answer for an older epoch than ours — the leader never
  // had our epoch — ends where our epoch began on the old leader, so at or below the
  // first record we read in it: below our position, and caught here too.)
  if (answer.end_offset < requested.offset) {
    if (!has_default_reset_policy()) return ValidationOutcome::kTruncatedNoReset;
    transition(s, FetchState::kFetching,
               FetchPosition{answer.end_offset, answer.epoch, requested.current_leader_epoch});
    return ValidationOutcome::kTruncatedSeek;
  }
  transition(s, FetchState::kFetching, requested);
  return ValidationOutcome::kValid;
}

std::vector<TopicPartition> SubscriptionState::partitions_in(FetchState state) const {
  std::vector<TopicPartition> out;
  for (const auto& [tp, s] : partitions_) {
    if (s.state == state) out.push_back(tp);
  }
  return out;
}

std::vector<TopicPartition> SubscriptionState::partitions_needing_request(FetchState state,
                                                                          sim::SimTime now) const {
  SAMSA_ASSERT(state == FetchState::kAwaitReset || state == FetchState::kAwaitValidation,
               "only resets and validations send requests");
  std::vector<TopicPartition> out;
  for (const auto& [tp, s] : partitions_) {
    if (s.state == state && (!s.next_allowed_retry || *s.next_allowed_retry <= now)) {
      out.push_back(tp);
    }
  }
  return out;
}

std::map<TopicPartition, FetchPosition> SubscriptionState::all_consumed() const {
  std::map<TopicPartition, FetchPosition> out;
  for (const auto& [tp, s] : partitions_) {
    if (s.state == FetchState::kFetching) out.emplace(tp, *s.position);
  }
  return out;
}

}  // namespace samsa::cluster
