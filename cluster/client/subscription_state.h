// SubscriptionState: what a KafkaConsumer consumes (Kafka's SubscriptionState). Either a
// topic subscription (group mode: the ConsumerCoordinator hands out the partitions) or a
// user assignment, and per assigned partition its fetch position, fetch state, pause
// flag and pending reset. Pure (no fibers, no I/O, times passed in): the consumer and its
// fetcher drive it and read it to decide what to fetch, reset or validate.
//
// Fetch states (Kafka's FetchStates): INITIALIZING (no position yet: committed offset or
// auto.offset.reset decides), FETCHING (a valid position), AWAIT_RESET (ListOffsets by a
// reset strategy pending), AWAIT_VALIDATION (a position to check against the leader's
// epoch history before fetching, KIP-320).
//
// Invariants: 1. subscribe and assign exclude each other; 2. only assigned partitions
// have state, kept sorted; 3. FETCHING and AWAIT_VALIDATION have a position, INITIALIZING
// and AWAIT_RESET have none, AWAIT_RESET has a strategy that is not `none`; 4. every
// position's offset is >= 0; 5. fetched records only move a position forward.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/client/consumer_config.h"
#include "cluster/log/leader_epoch_cache.h"
#include "cluster/metadata/metadata.h"
#include "cluster/types.h"
#include "sim/time.h"

namespace samsa::cluster {

enum class FetchState : std::uint8_t { kInitializing, kFetching, kAwaitReset, kAwaitValidation };
std::string_view fetch_state_name(FetchState state);  // Kafka's: "INITIALIZING", ...

// Kafka's FetchPosition.
struct FetchPosition {
  Offset offset{0};
  // The leader epoch of the last record consumed (KIP-320); none after a seek or a reset,
  // until a record is consumed.
  LeaderEpoch offset_epoch = kNoLeaderEpoch;
  // The partition leader's epoch this position is fetched under (sent as Fetch's
  // current_leader_epoch); none until metadata names a leader.
  LeaderEpoch current_leader_epoch = kNoLeaderEpoch;
  bool operator==(const FetchPosition&) const = default;
};

// How an OffsetsForLeaderEpoch answer ended a validation (maybe_complete_validation).
enum class ValidationOutcome : std::uint8_t {
  kStale,             // not awaiting validation, or the position moved since: ignored
  kValid,             // the leader's log holds the position: fetching resumes
  kTruncatedSeek,     // truncation: the position went back to the divergent end offset
  kTruncatedReset,    // truncation, the leader knows nothing of the epoch: reset by policy
  kTruncatedNoReset,  // truncation under auto.offset.reset=none: the caller is told
};

class SubscriptionState {
 public:
  enum class Mode : std::uint8_t { kNone, kSubscribed, kUserAssigned };

  explicit SubscriptionState(OffsetResetStrategy default_reset) : default_reset_(default_reset) {}

  Mode mode() const { return mode_; }
  // Group mode. Returns whether the topic set changed. Asserts the mode (invariant 1).
  bool subscribe(const std::vector<std::string>& topics);
  const std::set<std::string>& subscription() const { return topics_; }
  // The assignment the coordinator gave (group mode) or the user chose (assign mode):
  // partitions kept keep their state, new ones start INITIALIZING.
  void assign_from_subscribed(const std::vector<TopicPartition>& partitions);
  void assign_from_user(const std::vector<TopicPartition>& partitions);
  // Drops the subscription and the assignment (mode back to kNone).
  void unsubscribe();

  std::vector<TopicPartition> assigned_partitions() const;  // sorted
  bool is_assigned(const TopicPartition& tp) const { return partitions_.contains(tp); }

  // --- One assigned partition (asserted) ---------------------------------------------
  FetchState fetch_state(const TopicPartition& tp) const { return at(tp).state; }
  std::optional<FetchPosition> position(const TopicPartition& tp) const { return at(tp).position; }
  // Assigned, not paused, FETCHING: its position may be fetched.
  bool is_fetchable(const TopicPartition& tp) const;
  bool is_paused(const TopicPartition& tp) const { return at(tp).paused; }
  void pause(const TopicPartition& tp) { at(tp).paused = true; }
  void resume(const TopicPartition& tp) { at(tp).paused = false; }

  // A position to fetch from at once (FETCHING).
  void seek_validated(const TopicPartition& tp, const FetchPosition& position);
  // A position that is checked first when it carries an offset epoch and a leader epoch
  // (AWAIT_VALIDATION; Kafka's seekUnvalidated), else FETCHING.
  void seek_unvalidated(const TopicPartition& tp, const FetchPosition& position);
  // After records up to position.offset - 1 were returned (FETCHING; only forward).
  void advance(const TopicPartition& tp, const FetchPosition& position);
  // AWAIT_RESET by `strategy` (the default when nullopt). With `none` the partition stays
  // as it is and false is returned: the caller reports it.
  bool request_offset_reset(const TopicPartition& tp,
                            std::optional<OffsetResetStrategy> strategy = std::nullopt);
  // The answer to a reset: seeks (FETCHING, no validation: no offset epoch) only if the
  // partition still awaits the reset `requested`. Returns whether it did.
  bool maybe_seek_unvalidated(const TopicPartition& tp, const FetchPosition& position,
                              OffsetResetStrategy requested);
  std::optional<OffsetResetStrategy> reset_strategy(const TopicPartition& tp) const {
    return at(tp).reset_strategy;
  }
  OffsetResetStrategy default_reset_strategy() const { return default_reset_; }
  bool has_default_reset_policy() const { return default_reset_ != OffsetResetStrategy::kNone; }

  // KIP-320: metadata names leader epoch `leader_epoch`. True when a position fetched
  // under another, known epoch would have to be revalidated (a leader change).
  bool leader_changed(const TopicPartition& tp, LeaderEpoch leader_epoch) const;
  // Kafka's maybeValidatePositionForCurrentLeader: a position under another leader epoch
  // takes the new one and goes to AWAIT_VALIDATION when it has an offset epoch (else on
  // FETCHING). Returns whether the partition awaits validation.
  bool maybe_validate_position_for_current_leader(const TopicPartition& tp, LeaderEpoch leader_epoch);
  // Kafka's maybeCompleteValidation: `answer` is the leader's end offset for the epoch of
  // `requested` (the position the OffsetsForLeaderEpoch was sent for).
  ValidationOutcome maybe_complete_validation(const TopicPartition& tp,
                                              const FetchPosition& requested,
                                              const EpochEndOffset& answer);

  // --- Selections, sorted --------------------------------------------------------------
  std::vector<TopicPartition> partitions_in(FetchState state) const;
  // AWAIT_RESET / AWAIT_VALIDATION partitions whose next request may go at `now`.
  std::vector<TopicPartition> partitions_needing_request(FetchState state, sim::SimTime now) const;
  // Holds back the partition's next reset or validation request until `when` (a request
  // in flight, or a backoff after a failure).
  void set_next_allowed_retry(const TopicPartition& tp, sim::SimTime when) {
    at(tp).next_allowed_retry = when;
  }
  // Every FETCHING partition's position: what earlier polls returned, to commit.
  std::map<TopicPartition, FetchPosition> all_consumed() const;

 private:
  struct TopicPartitionState {
    FetchState state = FetchState::kInitializing;
    std::optional<FetchPosition> position;
    bool paused = false;
    std::optional<OffsetResetStrategy> reset_strategy;
    std::optional<sim::SimTime> next_allowed_retry;
  };

  TopicPartitionState& at(const TopicPartition& tp);
  const TopicPartitionState& at(const TopicPartition& tp) const;
  void set_assignment(const std::vector<TopicPartition>& partitions);
  // Moves to `state` with `position` and clears what belongs to other states.
  static void transition(TopicPartitionState& s, FetchState state,
                         std::optional<FetchPosition> position);
  static void validate_position(TopicPartitionState& s, const FetchPosition& position);

  OffsetResetStrategy default_reset_;
  Mode mode_ = Mode::kNone;
  std::set<std::string> topics_;
  std::map<TopicPartition, TopicPartitionState> partitions_;
};

}  // namespace samsa::cluster
