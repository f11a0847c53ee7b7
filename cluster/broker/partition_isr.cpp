// ISR maintenance of a leader partition (KIP-497): a fiber shrinks the ISR when followers
// fall behind replica.lag.time.max.ms; a follower's fetch may expand it. Both go to the
// controller as AlterPartition, one in flight per partition.
#include <fmt/format.h>

#include <algorithm>

#include "cluster/broker/partition.h"
#include "cluster/log/partition_log.h"
#include "sim/log.h"

namespace samsa::cluster {

void Partition::run_isr_checks(std::uint64_t generation) {
  const std::int64_t period_ms =
      std::max<std::int64_t>(1, ctx_.config.replication.replica_lag_time_max_ms / 2);
  for (;;) {  // ends when this leadership ends (or the process crashes)
    ctx_.env.sleep_for(std::chrono::milliseconds(period_ms));
    if (generation != generation_ || !leader_) return;
    if (leader_->alter_pending()) continue;
    const std::vector<BrokerId> lagging = leader_->out_of_sync_replicas(log_end_offset(), now_ms());
    if (lagging.empty()) continue;
    std::vector<BrokerId> new_isr;
    for (BrokerId b : leader_->isr()) {
      if (std::find(lagging.begin(), lagging.end(), b) == lagging.end()) new_isr.push_back(b);
    }
    SAMSA_LOG_DEBUG("{}: shrink the ISR, {} lagging", to_string(tp_), lagging.size());
    send_alter_partition(std::move(new_isr));
  }
}

bool Partition::eligible_for_isr(BrokerId broker) const {
  const BrokerRegistration* registration = ctx_.image.broker(broker);
  return registration != nullptr && !registration->fenced;
}

void Partition::maybe_expand_isr(BrokerId follower) {
  if (!leader_ || leader_->alter_pending()) return;
  if (!leader_->may_join_isr(follower, eligible_for_isr(follower))) return;
  std::vector<BrokerId> new_isr = leader_->isr();
  new_isr.push_back(follower);
  SAMSA_LOG_DEBUG("{}: expand the ISR with broker {}", to_string(tp_), follower);
  send_alter_partition(std::move(new_isr));
}

void Partition::send_alter_partition(std::vector<BrokerId> new_isr) {
  SAMSA_ASSERT(leader_.has_value(), "only a leader alters its ISR");
  leader_->begin_alter(std::move(new_isr));
  observe();
  ctx_.changed.notify();  // the maximal ISR governs acks now
  request_alter_partition();
}

// Asks the controller to commit the pending ISR.
void Partition::request_alter_partition() {
  SAMSA_ASSERT(leader_.has_value() && leader_->alter_pending(), "an ISR change is pending");
  auto request = std::make_shared<AlterPartitionRequest>();
  request->broker_id = ctx_.config.broker_id;
  const BrokerRegistration* self = ctx_.image.broker(ctx_.config.broker_id);
  request->broker_epoch = self != nullptr ? self->epoch : BrokerEpoch(-1);
  request->tp = tp_;
  request->leader_epoch = state_.leader_epoch;
  request->partition_epoch = state_.partition_epoch;
  request->new_isr = *leader_->pending_isr();
  const std::uint64_t generation = generation_;
  // The channel retries through controller failovers (NOT_CONTROLLER, timeouts) until
  // request.timeout.ms, as Kafka's AlterPartitionManager does.
  ctx_.env.spawn("alter-partition", [this, request, generation] {
    const auto answer =
        ctx_.controller.call(request, std::chrono::milliseconds(ctx_.config.request_timeout_ms));
    on_alter_response(generation, answer);
  });
}

namespace {

// Whether a refused AlterPartition was certainly not applied, so that the leader may fall
// back to the committed ISR. FENCED_LEADER_EPOCH and INVALID_UPDATE_VERSION say only that
// the partition changed — perhaps by this very proposal, committed on an earlier attempt
// whose answer was lost — so the leader keeps its maximal ISR until metadata tells it
// what was committed, as Kafka's Partition.handleAlterPartitionError does.
bool certainly_not_applied(ErrorCode error) {
  return error == ErrorCode::kIneligibleReplica || error == ErrorCode::kInvalidRequest ||
         error == ErrorCode::kStaleBrokerEpoch || error == ErrorCode::kUnknownTopicOrPartition;
}

}  // namespace

void Partition::on_alter_response(std::uint64_t generation,
                                  const std::optional<sim::MessagePtr>& answer) {
  const sim::MutexLock lock(log_mutex_);
  if (generation != generation_ || !leader_ || !leader_->alter_pending()) return;
  const auto* response =
      answer ? static_cast<const AlterPartitionResponse*>(answer->get()) : nullptr;
  if (response == nullptr) {
    // No controller answered, yet one may have committed it (KIP-497): the maximal ISR
    // stays in force and the proposal goes again — the bug this prevents let a leader cut
    // off from the controller fall back to an ISR of itself and acknowledge acks=all
    // writes the controller's choice of a new leader then discarded.
    SAMSA_LOG_DEBUG("{}: AlterPartition unanswered, asking again", to_string(tp_));
    request_alter_partition();
    return;
  }
  if (response->error != ErrorCode::kNone || !response->state) {
    SAMSA_LOG_DEBUG("{}: AlterPartition refused: {}", to_string(tp_), error_name(response->error));
    if (!certainly_not_applied(response->error)) return;  // metadata will settle it
    leader_->abort_alter();
    observe();
    ctx_.changed.notify();
    return;
  }
  update_isr(*response->state);
}

// A committed ISR for our leadership (from the AlterPartition answer or from metadata).
void Partition::update_isr(const PartitionState& state) {
  if (!leader_ || state.leader_epoch != state_.leader_epoch) return;
  if (state.partition_epoch <= state_.partition_epoch) return;
  state_ = state;
  leader_->complete_alter(state.isr, log_end_offset());
  observe();
  // A smaller ISR may let the high watermark advance at once (the minimum LEO over fewer
  // replicas): expose it now, not at the next append or fetch.
  sync_leader_high_watermark();
  ctx_.changed.notify();
}

}  // namespace samsa::cluster
