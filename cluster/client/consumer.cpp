// KafkaConsumer's public face: creation, assign/subscribe, poll(), positions and seeks,
// pause/resume, commits and close. Group mode (the coordinator, its listener, committed
// offsets, auto-commit) is in consumer_group.cpp; fetching in consumer_fetcher.cpp.
#include "cluster/client/consumer.h"

#include <algorithm>

#include "sim/log.h"

namespace samsa::cluster {
namespace {

// Bounds the rounds of one poll(): each round waits for an answer or retry.backoff.ms,
// so a poll of any sane timeout ends long before.
constexpr int kMaxPollRounds = 100'000;

std::vector<TopicPartition> sorted_unique(std::vector<TopicPartition> partitions) {
  std::sort(partitions.begin(), partitions.end());
  partitions.erase(std::unique(partitions.begin(), partitions.end()), partitions.end());
  return partitions;
}

}  // namespace

sim::Result<std::shared_ptr<KafkaConsumer>, ConsumerConfigError> KafkaConsumer::create(
    sim::NodeEnv& env, sim::RpcEndpoint& rpc, ConsumerOptions options) {
  if (auto valid = validate(options.config); !valid.ok()) return sim::Err(valid.error());
  if (options.bootstrap_nodes.empty()) return sim::Err(ConsumerConfigError::kNoBootstrapServers);
  auto consumer = std::make_shared<KafkaConsumer>(env, rpc, std::move(options));
  if (consumer->config_.group_id) consumer->create_coordinator();
  return consumer;
}

KafkaConsumer::KafkaConsumer(sim::NodeEnv& env, sim::RpcEndpoint& rpc, ConsumerOptions options)
    : env_(env),
      rpc_(rpc),
      config_(std::move(options.config)),
      bugs_(std::move(options.bugs)),
      bootstrap_nodes_(std::move(options.bootstrap_nodes)),
      user_listener_(options.listener),
      commit_observer_(options.commit_observer),
      subscriptions_(std::make_shared<SubscriptionState>(config_.auto_offset_reset)),
      fetcher_(std::make_shared<ConsumerFetcher>(env, rpc, config_, bootstrap_nodes_, bugs_,
                                                 subscriptions_)),
      next_auto_commit_(env.monotonic() + std::chrono::milliseconds(config_.auto_commit_interval_ms)) {}

KafkaConsumer::~KafkaConsumer() = default;

sim::SimTime KafkaConsumer::deadline_at(sim::SimTime end) const {
  const sim::SimTime current = now();
  return env_.deadline_after(end > current ? end - current : sim::Duration::zero());
}

FetchPosition KafkaConsumer::position_at(const TopicPartition& tp, Offset offset,
                                         LeaderEpoch offset_epoch) const {
  return FetchPosition{offset, offset_epoch, fetcher_->leader_epoch(tp)};
}

ErrorCode KafkaConsumer::assign(const std::vector<TopicPartition>& partitions) {
  SAMSA_ASSERT(!closed_, "the consumer is closed");
  if (subscriptions_->mode() == SubscriptionState::Mode::kSubscribed) {
    return ErrorCode::kInvalidRequest;
  }
  const std::vector<TopicPartition> wanted = sorted_unique(partitions);
  std::vector<std::string> topics;
  for (const TopicPartition& tp : wanted) topics.push_back(tp.topic);
  fetcher_->add_topics(topics);
  maybe_auto_commit();  // Kafka commits what was consumed before the assignment changes
  subscriptions_->assign_from_user(wanted);
  return ErrorCode::kNone;
}

ErrorCode KafkaConsumer::subscribe(const std::vector<std::string>& topics,
                                   ConsumerRebalanceListener* listener) {
  SAMSA_ASSERT(!closed_, "the consumer is closed");
  if (!coordinator_) return ErrorCode::kInvalidGroupId;
  if (subscriptions_->mode() == SubscriptionState::Mode::kUserAssigned) {
    return ErrorCode::kInvalidRequest;
  }
  if (topics.empty()) {
    unsubscribe();
    return ErrorCode::kNone;
  }
  if (listener != nullptr) user_listener_ = listener;
  fetcher_->add_topics(topics);
  subscriptions_->subscribe(topics);
  coordinator_->subscribe(topics);  // a change rejoins at the next poll
  return ErrorCode::kNone;
}

void KafkaConsumer::unsubscribe() {
  SAMSA_ASSERT(!closed_, "the consumer is closed");
  if (coordinator_ && subscriptions_->mode() == SubscriptionState::Mode::kSubscribed) {
    coordinator_->unsubscribe(env_.deadline_after(api_timeout()));  // revokes via the listener
  }
  subscriptions_->unsubscribe();
}

PollResult KafkaConsumer::poll(sim::Duration timeout) {
  SAMSA_ASSERT(!closed_, "the consumer is closed");
  SAMSA_ASSERT(subscriptions_->mode() != SubscriptionState::Mode::kNone,
               "the consumer is not subscribed to any topics or assigned any partitions");
  const auto self = shared_from_this();  // a crash may unwind the owner's fiber first
  const sim::SimTime end = now() + timeout;
  maybe_auto_commit();
  for (int round = 0; round < kMaxPollRounds; ++round) {
    fetcher_->begin_round();
    update_assignment_metadata(end);
    PollResult result = fetcher_->collect(static_cast<std::size_t>(config_.max_poll_records));
    // Kafka sends the next fetches before returning, so that they are in flight while
    // the caller processes what it got.
    fetcher_->send_fetches();
    if (!result.empty() || now() >= end) return result;
    const sim::SimTime retry_at = now() + std::chrono::milliseconds(config_.retry_backoff_ms);
    fetcher_->await_progress(deadline_at(std::min(end, retry_at)));
  }
  SAMSA_LOG_WARN("consumer poll ended after {} rounds without records", kMaxPollRounds);
  return {};
}

void KafkaConsumer::update_assignment_metadata(sim::SimTime end) {
  if (coordinator_ && subscriptions_->mode() == SubscriptionState::Mode::kSubscribed) {
    const std::vector<std::string> topics(subscriptions_->subscription().begin(),
                                          subscriptions_->subscription().end());
    // A leader assigns only the topics it knows: learn them before joining.
    if (fetcher_->partition_counts(topics).size() < topics.size()) {
      const sim::SimTime wait_end =
          std::min(end, now() + std::chrono::milliseconds(config_.request_timeout_ms));
      fetcher_->await_metadata(deadline_at(wait_end));
    }
    // Whether or not the group is stable, partitions still owned keep being fetched
    // (KIP-429: a cooperative member owns them through the rebalance).
    coordinator_->poll(deadline_at(end));
    SAMSA_ASSERT(coordinator_->assignment() == subscriptions_->assigned_partitions(),
                 "the coordinator changes the assignment only through the listener");
  }
  update_fetch_positions(end);
}

void KafkaConsumer::update_fetch_positions(sim::SimTime end) {
  // Without a group.id there is nothing committed: auto.offset.reset decides at once.
  const bool committed_known = !coordinator_ || refresh_committed_offsets(deadline_at(end));
  if (committed_known) fetcher_->reset_initializing_positions();
  fetcher_->update_fetch_positions();
}

std::optional<Offset> KafkaConsumer::position(const TopicPartition& tp, sim::Duration timeout) {
  SAMSA_ASSERT(!closed_, "the consumer is closed");
  const auto self = shared_from_this();
  const sim::SimTime end = now() + timeout;
  // Bounded like poll(): each round waits for an answer or a backoff.
  for (int round = 0; round < kMaxPollRounds && subscriptions_->is_assigned(tp); ++round) {
    if (subscriptions_->fetch_state(tp) == FetchState::kFetching) {
      return subscriptions_->position(tp)->offset;
    }
    if (now() >= end) break;
    fetcher_->begin_round();
    update_fetch_positions(end);
    if (subscriptions_->is_assigned(tp) && subscriptions_->fetch_state(tp) == FetchState::kFetching) {
      continue;
    }
    const sim::SimTime retry_at = now() + std::chrono::milliseconds(config_.retry_backoff_ms);
    fetcher_->await_progress(deadline_at(std::min(end, retry_at)));
  }
  return std::nullopt;
}

ErrorCode KafkaConsumer::seek(const TopicPartition& tp, Offset offset) {
  if (!subscriptions_->is_assigned(tp) || offset < Offset(0)) return ErrorCode::kInvalidRequest;
  SAMSA_LOG_DEBUG("consumer: seeking {} to offset {}", to_string(tp), offset);
  subscriptions_->seek_unvalidated(tp, position_at(tp, offset, kNoLeaderEpoch));
  return ErrorCode::kNone;
}

void KafkaConsumer::seek_to_beginning(const std::vector<TopicPartition>& partitions) {
  for (const TopicPartition& tp : partitions) {
    if (subscriptions_->is_assigned(tp)) {
      subscriptions_->request_offset_reset(tp, OffsetResetStrategy::kEarliest);
    }
  }
}

void KafkaConsumer::seek_to_end(const std::vector<TopicPartition>& partitions) {
  for (const TopicPartition& tp : partitions) {
    if (subscriptions_->is_assigned(tp)) {
      subscriptions_->request_offset_reset(tp, OffsetResetStrategy::kLatest);
    }
  }
}

void KafkaConsumer::pause(const std::vector<TopicPartition>& partitions) {
  for (const TopicPartition& tp : partitions) {
    if (subscriptions_->is_assigned(tp)) subscriptions_->pause(tp);
  }
}

void KafkaConsumer::resume(const std::vector<TopicPartition>& partitions) {
  for (const TopicPartition& tp : partitions) {
    if (subscriptions_->is_assigned(tp)) subscriptions_->resume(tp);
  }
}

std::vector<TopicPartition> KafkaConsumer::paused() const {
  std::vector<TopicPartition> out;
  for (const TopicPartition& tp : subscriptions_->assigned_partitions()) {
    if (subscriptions_->is_paused(tp)) out.push_back(tp);
  }
  return out;
}

std::map<TopicPartition, OffsetAndEpoch> KafkaConsumer::consumed_offsets() const {
  std::map<TopicPartition, OffsetAndEpoch> offsets;
  for (const auto& [tp, position] : subscriptions_->all_consumed()) {
    offsets.emplace(tp, OffsetAndEpoch{position.offset, position.offset_epoch});
  }
  return offsets;
}

sim::Result<std::map<TopicPartition, OffsetAndEpoch>, ErrorCode> KafkaConsumer::committed(
    const std::vector<TopicPartition>& partitions, sim::Duration timeout) {
  if (!coordinator_) return sim::Err(ErrorCode::kInvalidGroupId);
  const auto self = shared_from_this();
  return coordinator_->fetch_committed(sorted_unique(partitions), env_.deadline_after(timeout));
}

ErrorCode KafkaConsumer::commit_sync() { return commit_sync(consumed_offsets()); }

ErrorCode KafkaConsumer::commit_sync(const std::map<TopicPartition, OffsetAndEpoch>& offsets) {
  if (!coordinator_) return ErrorCode::kInvalidGroupId;
  if (offsets.empty()) return ErrorCode::kNone;  // Kafka: nothing to send
  const auto self = shared_from_this();
  return send_commit_sync(offsets, env_.deadline_after(api_timeout()));
}

ErrorCode KafkaConsumer::send_commit_sync(const std::map<TopicPartition, OffsetAndEpoch>& offsets,
                                          sim::SimTime deadline) {
  ++fetcher_->stats().commits;
  std::function<void(ErrorCode, bool)> observed;
  if (commit_observer_) observed = commit_observer_(offsets, coordinator_->commit_generation());
  bool maybe_applied = false;
  const ErrorCode error = coordinator_->commit_sync(offsets, deadline, nullptr, &maybe_applied);
  if (observed) observed(error, maybe_applied);
  return error;
}

void KafkaConsumer::send_commit_async(std::map<TopicPartition, OffsetAndEpoch> offsets,
                                      std::function<void(ErrorCode)> done) {
  ++fetcher_->stats().commits;
  std::function<void(ErrorCode, bool)> observed;
  if (commit_observer_) observed = commit_observer_(offsets, coordinator_->commit_generation());
  coordinator_->commit_async(std::move(offsets), [observed = std::move(observed), done = std::move(done)](
                                                     ErrorCode error, bool maybe_applied) {
    if (observed) observed(error, maybe_applied);
    if (done) done(error);
  });
}

void KafkaConsumer::commit_async(std::function<void(ErrorCode)> done) {
  if (!coordinator_) {
    if (done) done(ErrorCode::kInvalidGroupId);
    return;
  }
  std::map<TopicPartition, OffsetAndEpoch> offsets = consumed_offsets();
  if (offsets.empty()) {
    if (done) done(ErrorCode::kNone);
    return;
  }
  send_commit_async(std::move(offsets), std::move(done));
}

void KafkaConsumer::close(sim::Duration timeout) {
  if (closed_) return;
  const auto self = shared_from_this();
  const sim::SimTime deadline = env_.deadline_after(timeout);
  if (coordinator_) {
    if (config_.auto_commit_enabled()) {
      const std::map<TopicPartition, OffsetAndEpoch> offsets = consumed_offsets();
      if (!offsets.empty()) {
        const ErrorCode error = send_commit_sync(offsets, deadline);
        if (error != ErrorCode::kNone) {
          SAMSA_LOG_WARN("consumer: auto-commit on close failed: {}", error_name(error));
        }
      }
    }
    closing_ = true;  // the listener must not commit again while the coordinator leaves
    coordinator_->close(deadline);
  }
  closed_ = true;
  subscriptions_->unsubscribe();
}

std::optional<GroupGeneration> KafkaConsumer::generation() const {
  return coordinator_ ? coordinator_->generation() : std::nullopt;
}

}  // namespace samsa::cluster
