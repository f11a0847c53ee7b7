// Fetching, buffering and returning records (Kafka's Fetcher and FetchCollector), and the
// consumer's metadata refresh. Resets and validation are in consumer_offsets.cpp.
#include "cluster/client/consumer_fetcher.h"

#include <algorithm>

#include "sim/log.h"

namespace samsa::cluster {

std::optional<CompletedFetch> parse_completed_fetch(const TopicPartition& tp, Offset fetch_offset,
                                                    const Bytes& batches) {
  const ScanResult scan = scan_batches(batches);
  if (scan.batches.empty() && !batches.empty()) return std::nullopt;
  CompletedFetch fetch{.tp = tp,
                       .fetch_offset = fetch_offset,
                       .records = {},
                       .returned = 0,
                       .next_fetch_offset = fetch_offset,
                       .last_epoch = kNoLeaderEpoch};
  for (const BatchView& batch : scan.batches) {
    if (batch.last_offset() < fetch_offset) continue;  // wholly below the position
    // Control batches are the log's own (never the user's), but the position moves past
    // them, as it does past records compacted away (Kafka's nextFetchedRecord).
    if (!batch.is_control()) {
      for (Record& record : batch.records()) {
        if (record.offset < fetch_offset) continue;  // a batch may start below the position
        fetch.records.push_back(ConsumerRecord{.tp = tp,
                                               .offset = record.offset,
                                               .leader_epoch = batch.leader_epoch(),
                                               .timestamp_ms = record.timestamp_ms,
                                               .key = std::move(record.key),
                                               .value = std::move(record.value)});
      }
    }
    fetch.next_fetch_offset = batch.last_offset() + 1;
    fetch.last_epoch = batch.leader_epoch();
  }
  return fetch;
}

ConsumerFetcher::ConsumerFetcher(sim::NodeEnv& env, sim::RpcEndpoint& rpc,
                                 const ConsumerConfig& config,
                                 std::vector<sim::NodeId> bootstrap_nodes, Bugs bugs,
                                 std::shared_ptr<SubscriptionState> subscriptions)
    : env_(env),
      rpc_(rpc),
      config_(config),
      bugs_(std::move(bugs)),
      subscriptions_(std::move(subscriptions)),
      metadata_(std::move(bootstrap_nodes), std::chrono::milliseconds(config.metadata_max_age_ms)) {
  SAMSA_ASSERT(subscriptions_ != nullptr, "a fetcher serves a subscription");
}

// --- Fetching -------------------------------------------------------------------------

bool ConsumerFetcher::has_buffered(const TopicPartition& tp) const {
  return std::any_of(completed_.begin(), completed_.end(),
                     [&](const CompletedFetch& f) { return f.tp == tp; });
}

void ConsumerFetcher::send_fetches() {
  const sim::SimTime current = now();
  std::map<sim::NodeId, std::vector<FetchPartition>> by_node;
  for (const TopicPartition& tp : subscriptions_->assigned_partitions()) {
    if (!subscriptions_->is_fetchable(tp) || has_buffered(tp)) continue;
    const std::optional<sim::NodeId> node = metadata_.leader_node(tp);
    if (!node) {
      metadata_.request_update();
      continue;
    }
    const auto backoff_until = node_retry_after_.find(*node);
    if (fetch_in_flight_.contains(*node) ||
        (backoff_until != node_retry_after_.end() && backoff_until->second > current)) {
      continue;
    }
    const FetchPosition position = *subscriptions_->position(tp);
    by_node[*node].push_back(FetchPartition{.tp = tp,
                                            .fetch_offset = position.offset,
                                            .current_leader_epoch = position.current_leader_epoch,
                                            .last_fetched_epoch = kNoLeaderEpoch,
                                            .log_start_offset = Offset(-1),
                                            .max_bytes = config_.max_partition_fetch_bytes});
  }
  for (auto& [node, partitions] : by_node) {
    auto request = std::make_shared<FetchRequest>();
    request->replica_id = BrokerId(-1);  // a consumer: read up to the high watermark
    request->max_wait_ms = config_.fetch_max_wait_ms;
    request->min_bytes = config_.fetch_min_bytes;
    request->rack_id = config_.client_rack;
    request->partitions = std::move(partitions);
    fetch_in_flight_.insert(node);
    env_.spawn("consumer-fetch", [self = shared_from_this(), n = node, request] {
      self->fetch_from(n, request);
    });
  }
}

void ConsumerFetcher::fetch_from(sim::NodeId node, std::shared_ptr<FetchRequest> request) {
  ++stats_.fetches;
  auto result = rpc_.call(node, request, request_timeout());
  SAMSA_ASSERT(fetch_in_flight_.contains(node), "an answered fetch was in flight");
  fetch_in_flight_.erase(node);
  const auto* response =
      result.ok() ? dynamic_cast<const FetchResponse*>(result.value().get()) : nullptr;
  if (response == nullptr || response->error != ErrorCode::kNone) {
    SAMSA_LOG_DEBUG("consumer fetch from node {} failed: {}", node.value(),
                    result.ok() ? "bad response" : sim::rpc_error_name(result.error()));
    metadata_.request_update();
    node_retry_after_[node] = now() + backoff();
  } else {
    for (const FetchedPartition& got : response->partitions) {
      const auto sent = std::find_if(request->partitions.begin(), request->partitions.end(),
                                     [&](const FetchPartition& p) { return p.tp == got.tp; });
      if (sent != request->partitions.end()) on_fetched(*sent, got, node);
    }
  }
  wake_.set();
}

void ConsumerFetcher::on_fetched(const FetchPartition& sent, const FetchedPartition& got,
                                 sim::NodeId node) {
  const TopicPartition& tp = sent.tp;
  // Invariant 3: an answer for a position the partition no longer has is stale.
  if (!subscriptions_->is_fetchable(tp) ||
      subscriptions_->position(tp)->offset != sent.fetch_offset) {
    return;
  }
  switch (got.error) {
    case ErrorCode::kNone: {
      std::optional<CompletedFetch> fetched = parse_completed_fetch(tp, sent.fetch_offset, got.records);
      if (!fetched) {
        errors_[tp] = PartitionPollError{.kind = PollError::kCorruptRecord,
                                         .error = ErrorCode::kCorruptMessage,
                                         .offset = sent.fetch_offset,
                                         .divergent_offset = std::nullopt};
      } else if (!fetched->records.empty() || fetched->next_fetch_offset > sent.fetch_offset) {
        completed_.push_back(std::move(*fetched));
      }
      return;
    }
    case ErrorCode::kOffsetOutOfRange:
      if (subscriptions_->request_offset_reset(tp)) {
        SAMSA_LOG_INFO("consumer: fetch position {} is out of range for partition {}, resetting "
                       "offset ({})",
                       sent.fetch_offset, to_string(tp),
                       offset_reset_name(subscriptions_->default_reset_strategy()));
      } else {
        errors_[tp] = PartitionPollError{.kind = PollError::kOffsetOutOfRange,
                                         .error = ErrorCode::kOffsetOutOfRange,
                                         .offset = sent.fetch_offset,
                                         .divergent_offset = std::nullopt};
      }
      return;
    default:
      // NOT_LEADER_OR_FOLLOWER, FENCED_LEADER_EPOCH (our metadata is behind),
      // UNKNOWN_LEADER_EPOCH (the broker's is), KAFKA_STORAGE_ERROR,
      // UNKNOWN_TOPIC_OR_PARTITION and the rest: learn the leader again, then retry.
      SAMSA_LOG_DEBUG("consumer fetch of {} at {} from node {}: {}", to_string(tp),
                      sent.fetch_offset, node.value(), error_name(got.error));
      metadata_.request_update();
      node_retry_after_[node] = now() + backoff();
      return;
  }
}

void ConsumerFetcher::discard_stale_buffered() {
  std::erase_if(completed_, [&](const CompletedFetch& f) {
    if (!subscriptions_->is_assigned(f.tp)) return true;
    if (subscriptions_->is_paused(f.tp)) return false;  // kept for resume(), as Kafka does
    return !subscriptions_->is_fetchable(f.tp) ||
           subscriptions_->position(f.tp)->offset != f.expected_position();
  });
}

bool ConsumerFetcher::error_is_current(const TopicPartition& tp,
                                       const PartitionPollError& error) const {
  if (!subscriptions_->is_assigned(tp)) return false;
  const FetchState state = subscriptions_->fetch_state(tp);
  const std::optional<FetchPosition> position = subscriptions_->position(tp);
  switch (error.kind) {
    case PollError::kNoOffsetForPartition:
      return state == FetchState::kInitializing;
    case PollError::kLogTruncation:
      return state == FetchState::kAwaitValidation && position->offset == error.offset;
    case PollError::kOffsetOutOfRange:
    case PollError::kCorruptRecord:
      return state == FetchState::kFetching && position->offset == error.offset;
  }
  return false;
}

PollResult ConsumerFetcher::collect(std::size_t max_records) {
  PollResult out;
  for (auto& [tp, error] : errors_) {
    if (error_is_current(tp, error)) out.errors.emplace(tp, error);
  }
  errors_.clear();
  discard_stale_buffered();
  for (auto it = completed_.begin(); it != completed_.end() && out.records.size() < max_records;) {
    CompletedFetch& fetch = *it;
    if (subscriptions_->is_paused(fetch.tp)) {
      ++it;
      continue;
    }
    const std::size_t take =
        std::min(max_records - out.records.size(), fetch.records.size() - fetch.returned);
    FetchPosition position = *subscriptions_->position(fetch.tp);
    for (std::size_t i = 0; i < take; ++i) {
      ConsumerRecord& record = fetch.records[fetch.returned++];
      position.offset = record.offset + 1;
      position.offset_epoch = record.leader_epoch;  // KIP-320: the epoch of the last record
      metadata_.update_last_seen_epoch_if_newer(fetch.tp, record.leader_epoch);
      out.records.push_back(std::move(record));
    }
    const bool drained = fetch.returned == fetch.records.size();
    if (drained && fetch.next_fetch_offset > position.offset) {
      position.offset = fetch.next_fetch_offset;
      position.offset_epoch = fetch.last_epoch;
    }
    if (position != *subscriptions_->position(fetch.tp)) subscriptions_->advance(fetch.tp, position);
    it = drained ? completed_.erase(it) : std::next(it);
  }
  stats_.records += out.records.size();
  return out;
}

// --- Metadata -------------------------------------------------------------------------

void ConsumerFetcher::add_topics(const std::vector<std::string>& topics) {
  for (const std::string& topic : topics) metadata_.add_topic(topic);
}

LeaderEpoch ConsumerFetcher::leader_epoch(const TopicPartition& tp) const {
  const PartitionState* state = metadata_.partition(tp);
  return state == nullptr || state->leader == kNoLeader ? kNoLeaderEpoch : state->leader_epoch;
}

std::map<std::string, std::int32_t> ConsumerFetcher::partition_counts(
    const std::vector<std::string>& topics) const {
  std::map<std::string, std::int32_t> counts;
  for (const std::string& topic : topics) {
    if (const std::optional<TopicPartitions> info = metadata_.topic(topic)) counts[topic] = info->count;
  }
  return counts;
}

void ConsumerFetcher::maybe_refresh_metadata() {
  const sim::SimTime current = now();
  if (metadata_in_flight_ || !metadata_.needs_update(current) || current < metadata_retry_after_) {
    return;
  }
  metadata_in_flight_ = true;
  env_.spawn("consumer-metadata", [self = shared_from_this()] { self->refresh_metadata(); });
}

void ConsumerFetcher::refresh_metadata() {
  auto request = std::make_shared<MetadataRequest>();
  request->topics.assign(metadata_.topics().begin(), metadata_.topics().end());
  const sim::NodeId node = metadata_.next_metadata_node();
  ++stats_.metadata_requests;
  auto result = rpc_.call(node, request, request_timeout());
  const auto* response =
      result.ok() ? dynamic_cast<const MetadataResponse*>(result.value().get()) : nullptr;
  if (response != nullptr) metadata_.update(*response, now());
  // Kafka's metadata refresh backoff: at most one refresh per retry.backoff.ms, answered
  // or not, so a topic that does not exist yet is not asked for in a tight loop.
  metadata_retry_after_ = now() + backoff();
  metadata_in_flight_ = false;
  wake_.set();
}

bool ConsumerFetcher::await_metadata(sim::SimTime deadline) {
  const std::uint64_t before = metadata_.updates();
  metadata_.request_update();
  // Bounded: each round waits for an answer, a backoff, or the deadline.
  for (int round = 0; round < 10'000 && metadata_.updates() == before; ++round) {
    begin_round();
    maybe_refresh_metadata();
    const sim::SimTime retry_at = env_.deadline_after(backoff());
    if (!wake_.wait_until(std::min(deadline, retry_at)) && retry_at >= deadline) break;
  }
  return metadata_.updates() != before;
}

}  // namespace samsa::cluster
