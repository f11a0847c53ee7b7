// Where a partition's position comes from when it is not simply "after the last record":
// auto.offset.reset through ListOffsets, and KIP-320 validation through
// OffsetsForLeaderEpoch after the partition's leader changed (Kafka's OffsetFetcher and
// SubscriptionState.maybeValidatePositionForCurrentLeader).
#include "cluster/client/consumer_fetcher.h"

#include "sim/log.h"

namespace samsa::cluster {

void ConsumerFetcher::update_fetch_positions() {
  for (const TopicPartition& tp : subscriptions_->assigned_partitions()) {
    const PartitionState* state = metadata_.partition(tp);
    if (state == nullptr || state->leader == kNoLeader) {
      metadata_.request_update();
      continue;
    }
    if (bugs_.on(Bug::kResetToLatestOnLeaderChange) &&
        subscriptions_->leader_changed(tp, state->leader_epoch)) {
      // The historical skip (before KIP-320): a consumer that lost its leader jumped to
      // the new leader's log end, passing over every record it had not read yet.
      SAMSA_LOG_INFO("consumer: leader of {} changed to epoch {}, resetting to the log end",
                     to_string(tp), state->leader_epoch);
      subscriptions_->request_offset_reset(tp, OffsetResetStrategy::kLatest);
      continue;
    }
    subscriptions_->maybe_validate_position_for_current_leader(tp, state->leader_epoch);
  }
  const sim::SimTime current = now();
  for (const TopicPartition& tp :
       subscriptions_->partitions_needing_request(FetchState::kAwaitReset, current)) {
    send_list_offsets(tp);
  }
  for (const TopicPartition& tp :
       subscriptions_->partitions_needing_request(FetchState::kAwaitValidation, current)) {
    send_validation(tp);
  }
  maybe_refresh_metadata();
}

void ConsumerFetcher::reset_initializing_positions() {
  for (const TopicPartition& tp : subscriptions_->partitions_in(FetchState::kInitializing)) {
    if (!subscriptions_->request_offset_reset(tp)) {
      // Kafka's NoOffsetForPartitionException: auto.offset.reset=none and no committed
      // offset. The partition waits for a seek.
      errors_[tp] = PartitionPollError{.kind = PollError::kNoOffsetForPartition,
                                       .error = ErrorCode::kOffsetOutOfRange,
                                       .offset = kNoOffset,
                                       .divergent_offset = std::nullopt};
    }
  }
}

void ConsumerFetcher::retry_later(const TopicPartition& tp, FetchState state) {
  metadata_.request_update();
  if (subscriptions_->is_assigned(tp) && subscriptions_->fetch_state(tp) == state) {
    subscriptions_->set_next_allowed_retry(tp, now() + backoff());
  }
}

// --- Resets (auto.offset.reset, seek_to_beginning / seek_to_end) ------------------------

void ConsumerFetcher::send_list_offsets(const TopicPartition& tp) {
  const std::optional<sim::NodeId> node = metadata_.leader_node(tp);
  const PartitionState* state = metadata_.partition(tp);
  if (!node || state == nullptr) {
    metadata_.request_update();
    return;
  }
  const OffsetResetStrategy strategy = *subscriptions_->reset_strategy(tp);
  auto request = std::make_shared<ListOffsetsRequest>();
  request->tp = tp;
  request->timestamp =
      strategy == OffsetResetStrategy::kEarliest ? kEarliestTimestamp : kLatestTimestamp;
  request->current_leader_epoch = state->leader_epoch;
  subscriptions_->set_next_allowed_retry(tp, now() + request_timeout());  // in flight
  env_.spawn("consumer-list-offsets", [self = shared_from_this(), n = *node, request, strategy] {
    auto result = self->rpc_.call(n, request, self->request_timeout());
    const auto* response =
        result.ok() ? dynamic_cast<const ListOffsetsResponse*>(result.value().get()) : nullptr;
    self->on_list_offsets(request->tp, strategy, request->current_leader_epoch, response);
    self->wake_.set();
  });
}

void ConsumerFetcher::on_list_offsets(const TopicPartition& tp, OffsetResetStrategy strategy,
                                      LeaderEpoch leader_epoch,
                                      const ListOffsetsResponse* response) {
  if (response == nullptr || response->error != ErrorCode::kNone ||
      response->offset < Offset(0)) {
    retry_later(tp, FetchState::kAwaitReset);
    return;
  }
  // No offset epoch: nothing to validate until a record is consumed (Kafka does the same).
  const FetchPosition position{response->offset, kNoLeaderEpoch, leader_epoch};
  if (subscriptions_->maybe_seek_unvalidated(tp, position, strategy)) {
    ++stats_.resets;
    SAMSA_LOG_DEBUG("consumer: reset {} to offset {} ({})", to_string(tp), response->offset,
                    offset_reset_name(strategy));
  }
}

// --- KIP-320 validation ---------------------------------------------------------------

void ConsumerFetcher::send_validation(const TopicPartition& tp) {
  const std::optional<sim::NodeId> node = metadata_.leader_node(tp);
  if (!node) {
    metadata_.request_update();
    return;
  }
  const FetchPosition position = *subscriptions_->position(tp);
  auto request = std::make_shared<OffsetsForLeaderEpochRequest>();
  request->replica_id = BrokerId(-1);
  request->tp = tp;
  request->current_leader_epoch = position.current_leader_epoch;
  request->leader_epoch = position.offset_epoch;
  subscriptions_->set_next_allowed_retry(tp, now() + request_timeout());  // in flight
  env_.spawn("consumer-validate", [self = shared_from_this(), n = *node, request, position] {
    auto result = self->rpc_.call(n, request, self->request_timeout());
    const auto* response =
        result.ok() ? dynamic_cast<const OffsetsForLeaderEpochResponse*>(result.value().get())
                    : nullptr;
    self->on_validation(request->tp, position, response);
    self->wake_.set();
  });
}

void ConsumerFetcher::on_validation(const TopicPartition& tp, const FetchPosition& requested,
                                    const OffsetsForLeaderEpochResponse* response) {
  if (response == nullptr || response->error != ErrorCode::kNone) {
    // FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH: one side has not learned the new
    // leader yet; NOT_LEADER_OR_FOLLOWER: it moved again. Refresh and ask again.
    if (subscriptions_->is_assigned(tp) && subscriptions_->position(tp) == requested) {
      retry_later(tp, FetchState::kAwaitValidation);
    }
    return;
  }
  const ValidationOutcome outcome =
      subscriptions_->maybe_complete_validation(tp, requested, response->end);
  if (outcome == ValidationOutcome::kStale) return;
  ++stats_.validations;
  if (outcome == ValidationOutcome::kValid) return;
  ++stats_.truncations_detected;
  const bool known = response->end.end_offset != kUndefinedEpochOffset &&
                     response->end.epoch != kUndefinedEpoch;
  SAMSA_LOG_INFO("consumer: truncation detected for partition {} at offset {} (epoch {}); the "
                 "leader's epoch {} ends at {}{}",
                 to_string(tp), requested.offset, requested.offset_epoch, response->end.epoch,
                 response->end.end_offset,
                 outcome == ValidationOutcome::kTruncatedSeek
                     ? ", resetting offset to the first offset known to diverge"
                 : outcome == ValidationOutcome::kTruncatedReset ? ", resetting offset"
                                                                 : ", but no reset policy is set");
  if (outcome == ValidationOutcome::kTruncatedNoReset) {
    // Kafka's LogTruncationException. The partition keeps awaiting validation, asked
    // again after request.timeout.ms, until the caller seeks.
    errors_[tp] = PartitionPollError{
        .kind = PollError::kLogTruncation,
        .error = ErrorCode::kOffsetOutOfRange,
        .offset = requested.offset,
        .divergent_offset = known ? std::optional<EpochEndOffset>(response->end) : std::nullopt};
  }
}

}  // namespace samsa::cluster
