// KafkaConsumer's group mode (Kafka's ConsumerCoordinator as KafkaConsumer uses it): the
// ConsumerCoordinator it owns when group.id is set, the rebalance listener the
// coordinator calls (which commits, tells the user's listener, then changes what is
// fetched), committed offsets for newly assigned partitions, and auto-commit.
#include <algorithm>

#include "cluster/client/consumer.h"
#include "cluster/group/assignor.h"
#include "sim/log.h"

namespace samsa::cluster {

// What the coordinator calls, inside poll() / unsubscribe() / close() on the consumer's
// fiber; it wraps the user's listener (Kafka's ConsumerCoordinator.invokePartitions*).
class KafkaConsumer::RebalanceListener final : public ConsumerRebalanceListener {
 public:
  explicit RebalanceListener(KafkaConsumer& consumer) : consumer_(consumer) {}
  void on_partitions_revoked(const std::vector<TopicPartition>& partitions) override {
    consumer_.on_partitions_revoked(partitions);
  }
  void on_partitions_assigned(const std::vector<TopicPartition>& partitions) override {
    consumer_.on_partitions_assigned(partitions);
  }
  void on_partitions_lost(const std::vector<TopicPartition>& partitions) override {
    consumer_.on_partitions_lost(partitions);
  }

 private:
  KafkaConsumer& consumer_;
};

void KafkaConsumer::create_coordinator() {
  SAMSA_ASSERT(config_.group_id.has_value(), "group mode needs a group.id");
  ConsumerGroupConfig group;
  group.group_id = *config_.group_id;
  group.group_instance_id = config_.group_instance_id;
  group.session_timeout_ms = config_.session_timeout_ms;
  group.heartbeat_interval_ms = config_.heartbeat_interval_ms;
  group.max_poll_interval_ms = config_.max_poll_interval_ms;
  group.retry_backoff_ms = config_.retry_backoff_ms;
  group.request_timeout_ms = config_.request_timeout_ms;
  for (const std::string& name : config_.partition_assignment_strategy) {
    std::shared_ptr<const ConsumerPartitionAssignor> assignor = make_assignor(name);
    SAMSA_ASSERT(assignor != nullptr, "validate() accepted only known assignors");
    group.assignors.push_back(std::move(assignor));
  }
  group.bootstrap_nodes = bootstrap_nodes_;
  group.bugs = bugs_;
  listener_ = std::make_shared<RebalanceListener>(*this);
  // The fetcher's metadata answers the leader's question; holding the fetcher keeps it
  // valid for as long as the coordinator may ask.
  auto partition_counts = [fetcher = fetcher_](const std::vector<std::string>& topics) {
    return fetcher->partition_counts(topics);
  };
  coordinator_ = ConsumerCoordinator::create(env_, rpc_, std::move(group),
                                             std::move(partition_counts), *listener_);
}

void KafkaConsumer::maybe_auto_commit() {
  if (!coordinator_ || !config_.auto_commit_enabled() || now() < next_auto_commit_) return;
  next_auto_commit_ = now() + std::chrono::milliseconds(config_.auto_commit_interval_ms);
  commit_async([](ErrorCode error) {
    if (error != ErrorCode::kNone) {
      SAMSA_LOG_DEBUG("consumer: auto-commit failed: {}", error_name(error));
    }
  });
}

bool KafkaConsumer::refresh_committed_offsets(sim::SimTime deadline) {
  const std::vector<TopicPartition> initializing =
      subscriptions_->partitions_in(FetchState::kInitializing);
  if (initializing.empty()) return true;
  auto committed = coordinator_->fetch_committed(initializing, deadline);
  if (!committed.ok()) {
    SAMSA_LOG_DEBUG("consumer: fetching committed offsets failed: {}",
                    error_name(committed.error()));
    return false;
  }
  for (const auto& [tp, offset] : committed.value()) {
    // The assignment may have changed while the answer was awaited.
    if (!subscriptions_->is_assigned(tp) ||
        subscriptions_->fetch_state(tp) != FetchState::kInitializing || offset.offset < Offset(0)) {
      continue;
    }
    // KIP-320: a committed offset with its epoch is validated against the leader first —
    // a leader at least that new: older metadata is stale (ConsumerCoordinator's
    // refreshCommittedOffsets calls Metadata.updateLastSeenEpochIfNewer).
    fetcher_->update_last_seen_epoch(tp, offset.leader_epoch);
    subscriptions_->seek_unvalidated(tp, position_at(tp, offset.offset, offset.leader_epoch));
  }
  return true;  // what is still INITIALIZING has nothing committed: auto.offset.reset
}

void KafkaConsumer::remove_partitions(const std::vector<TopicPartition>& partitions) {
  if (subscriptions_->mode() != SubscriptionState::Mode::kSubscribed) return;  // dropped already
  std::vector<TopicPartition> kept;
  for (const TopicPartition& tp : subscriptions_->assigned_partitions()) {
    if (std::find(partitions.begin(), partitions.end(), tp) == partitions.end()) kept.push_back(tp);
  }
  // Their positions go with them: nothing more is fetched or returned for them.
  subscriptions_->assign_from_subscribed(kept);
}

void KafkaConsumer::on_partitions_revoked(const std::vector<TopicPartition>& partitions) {
  // Kafka's onJoinPrepare: with auto-commit, the positions are committed while this
  // member still owns them — the last moment it may (close() has just done so).
  if (config_.auto_commit_enabled() && !closing_) {
    const std::map<TopicPartition, OffsetAndEpoch> offsets = consumed_offsets();
    if (!offsets.empty()) {
      const ErrorCode error = send_commit_sync(offsets, env_.deadline_after(api_timeout()));
      if (error != ErrorCode::kNone) {
        SAMSA_LOG_WARN("consumer: commit before revoking {} partitions failed: {}",
                       partitions.size(), error_name(error));
      }
    }
  }
  if (user_listener_ != nullptr) user_listener_->on_partitions_revoked(partitions);
  remove_partitions(partitions);
}

void KafkaConsumer::on_partitions_assigned(const std::vector<TopicPartition>& partitions) {
  SAMSA_ASSERT(subscriptions_->mode() == SubscriptionState::Mode::kSubscribed,
               "partitions are assigned to a subscribed consumer");
  std::vector<TopicPartition> all = subscriptions_->assigned_partitions();
  all.insert(all.end(), partitions.begin(), partitions.end());
  std::sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end()), all.end());
  // Kafka's order: the assignment first (new partitions INITIALIZING), then the user's
  // listener, which may seek; committed offsets are looked up after it.
  subscriptions_->assign_from_subscribed(all);
  if (user_listener_ != nullptr) user_listener_->on_partitions_assigned(partitions);
}

void KafkaConsumer::on_partitions_lost(const std::vector<TopicPartition>& partitions) {
  // The partitions may belong to another member already: nothing is committed for them.
  if (user_listener_ != nullptr) user_listener_->on_partitions_lost(partitions);
  remove_partitions(partitions);
}

}  // namespace samsa::cluster
