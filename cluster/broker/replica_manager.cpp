#include "cluster/broker/replica_manager.h"

#include <fmt/format.h>

#include <algorithm>

#include "cluster/group/group_messages.h"
#include "cluster/log/partition_log.h"
#include "sim/log.h"

namespace samsa::cluster {

namespace {
// Bound on long-poll rounds of one Fetch (each round waits for a change or the deadline).
constexpr int kMaxLongPollRounds = 10'000;

bool is_replica(const PartitionState& state, BrokerId broker) {
  return std::find(state.replicas.begin(), state.replicas.end(), broker) != state.replicas.end();
}
}  // namespace

LogConfig log_config_for(const BrokerConfig& config, const std::string& topic) {
  if (const auto it = config.topic_log_configs.find(topic); it != config.topic_log_configs.end()) {
    return it->second;
  }
  LogConfig log = config.log;
  // Kafka creates the offsets topic with cleanup.policy=compact; its other settings
  // (offsets.topic.segment.bytes) are the broker's here.
  if (topic == kOffsetsTopic) log.cleanup_policy = CleanupPolicy::kCompact;
  return log;
}

ReplicaManager::ReplicaManager(BrokerContext& ctx)
    : ctx_(ctx), fetchers_(ctx, [this](BrokerId leader) { return followed_from(leader); }) {}

void ReplicaManager::start_checkpointing() {
  ctx_.env.spawn("hw-checkpoint", [this] {
    const auto interval = std::chrono::milliseconds(
        std::max(1, ctx_.config.replica_high_watermark_checkpoint_interval_ms));
    for (;;) {  // for the process's life
      ctx_.env.sleep_for(interval);
      for (auto& [tp, partition] : partitions_) partition->checkpoint_high_watermark();
    }
  });
}

void ReplicaManager::start_log_manager() {
  ctx_.env.spawn("log-retention", [this] {
    const auto interval =
        std::chrono::milliseconds(std::max(1, ctx_.config.log_retention_check_interval_ms));
    for (;;) {  // for the process's life
      ctx_.env.sleep_for(interval);
      for_each_partition([](Partition& partition) { partition.run_retention(); });
    }
  });
  if (!ctx_.config.log_cleaner_enable) return;
  ctx_.env.spawn("log-cleaner", [this] {
    const auto backoff = std::chrono::milliseconds(std::max(1, ctx_.config.log_cleaner_backoff_ms));
    for (;;) {  // for the process's life
      ctx_.env.sleep_for(backoff);
      for_each_partition([](Partition& partition) { partition.run_cleaner(); });
    }
  });
}

// Visits the partitions in order; each visit may block (disk calls), and partitions are
// only ever added, so iterate by key rather than by a possibly stale iterator.
void ReplicaManager::for_each_partition(const std::function<void(Partition&)>& visit) {
  std::vector<TopicPartition> keys;
  keys.reserve(partitions_.size());
  for (const auto& entry : partitions_) keys.push_back(entry.first);
  for (const TopicPartition& tp : keys) {
    if (Partition* partition = find(tp)) visit(*partition);
  }
}

void ReplicaManager::flush_for_shutdown() {
  for (auto& entry : partitions_) entry.second->flush_for_shutdown();
}

void ReplicaManager::add_recovered(const TopicPartition& tp, std::unique_ptr<PartitionLog> log) {
  SAMSA_ASSERT(!partitions_.contains(tp), "one log per partition");
  SAMSA_ASSERT(log != nullptr, "a recovered partition has a log (else add_offline)");
  partitions_.emplace(tp, std::make_unique<Partition>(ctx_, tp, std::move(log)));
}

void ReplicaManager::add_offline(const TopicPartition& tp) {
  SAMSA_ASSERT(!partitions_.contains(tp), "one log per partition");
  partitions_.emplace(tp, std::make_unique<Partition>(ctx_, tp, nullptr));
}

std::vector<TopicPartition> ReplicaManager::offline_partitions() const {
  std::vector<TopicPartition> offline;
  for (const auto& [tp, partition] : partitions_) {
    if (partition->offline()) offline.push_back(tp);
  }
  return offline;
}

Partition* ReplicaManager::find(const TopicPartition& tp) {
  const auto it = partitions_.find(tp);
  return it == partitions_.end() ? nullptr : it->second.get();
}

Partition& ReplicaManager::get_or_create(const TopicPartition& tp) {
  if (Partition* existing = find(tp)) return *existing;
  const std::string dir = fmt::format("{}/{}", ctx_.config.log_dirs, to_string(tp));
  auto log = PartitionLog::open(ctx_.env, dir, log_config_for(ctx_.config, tp.topic));
  std::unique_ptr<PartitionLog> opened;
  if (log.ok()) {
    opened = std::move(log).value();
  } else {
    // A disk error (or a corrupt checkpoint) while creating the log: the partition is
    // offline here, as a replica in a failed log dir is in Kafka, not the end of the run.
    SAMSA_LOG_WARN("broker {} cannot create the log of {}: {}", ctx_.config.broker_id,
                   to_string(tp), log_error_name(log.error()));
  }
  auto [it, inserted] =
      partitions_.emplace(tp, std::make_unique<Partition>(ctx_, tp, std::move(opened)));
  return *it->second;
}

void ReplicaManager::apply_metadata(MetadataImage& image, const MetadataDelta& delta) {
  if (!image.apply(delta)) return;
  for (const PartitionState& state : delta.partitions) apply_partition_state(state);
}

void ReplicaManager::publish_image(const MetadataImage& image) {
  for (const auto& [tp, state] : image.partitions()) apply_partition_state(state);
}

void ReplicaManager::apply_partition_state(const PartitionState& state) {
  const bool replica = is_replica(state, ctx_.config.broker_id);
  if (!replica && find(state.tp) == nullptr) return;
  Partition& partition = get_or_create(state.tp);
  partition.apply_state(state);
  if (partition.role() == ReplicaRole::kFollower) fetchers_.ensure_fetcher(state.leader);
  if (role_listener_) role_listener_(state.tp, partition.role(), partition.leader_epoch());
}

std::vector<Partition*> ReplicaManager::followed_from(BrokerId leader) {
  std::vector<Partition*> result;
  for (auto& [tp, partition] : partitions_) {
    if (partition->role() == ReplicaRole::kFollower && partition->leader() == leader) {
      result.push_back(partition.get());
    }
  }
  return result;
}

std::shared_ptr<ProduceResponse> ReplicaManager::produce(const ProduceRequest& request) {
  auto response = std::make_shared<ProduceResponse>();
  Partition* partition = find(request.tp);
  AppendOutcome appended;
  appended.error = ErrorCode::kUnknownTopicOrPartition;  // this broker hosts no replica
  if (partition != nullptr) appended = partition->append_records(request);
  if (request.acks == 0) return nullptr;  // fire and forget: no response at all
  response->error = appended.error;
  response->base_offset = appended.base_offset;
  if (appended.error == ErrorCode::kNone && appended.appended && request.acks == -1) {
    const sim::SimTime deadline =
        ctx_.env.deadline_after(std::chrono::milliseconds(std::max(0, request.timeout_ms)));
    response->error = partition->await_acks_all(appended, deadline);
  }
  return response;
}

std::vector<FetchedPartition> ReplicaManager::read_all(const FetchRequest& request) {
  std::vector<FetchedPartition> result;
  for (const FetchPartition& asked : request.partitions) {
    Partition* partition = find(asked.tp);
    if (partition == nullptr) {
      FetchedPartition missing;
      missing.tp = asked.tp;
      missing.error = ErrorCode::kUnknownTopicOrPartition;
      result.push_back(std::move(missing));
      continue;
    }
    result.push_back(partition->read(asked, request.replica_id, !request.rack_id.empty()));
  }
  return result;
}

// Long polling (Kafka's DelayedFetch): answer at once when min_bytes are there or a
// partition has an error or a divergence; otherwise wait for any change on this broker
// until the request's own max_wait_ms (a consumer's fetch.max.wait.ms, a follower's
// replica.fetch.wait.max.ms — Kafka's broker takes it as sent), then answer with whatever
// there is. The one broker-side bound is a safety cap samsa adds so that every wait ends:
// request.timeout.ms, past which the client has given up on the call anyway.
std::shared_ptr<FetchResponse> ReplicaManager::fetch(const FetchRequest& request) {
  auto response = std::make_shared<FetchResponse>();
  const std::int32_t safety_cap_ms = std::max(0, ctx_.config.request_timeout_ms);
  const std::int32_t wait_ms = std::clamp(request.max_wait_ms, 0, safety_cap_ms);
  const sim::SimTime deadline = ctx_.env.deadline_after(std::chrono::milliseconds(wait_ms));
  for (int round = 0; round < kMaxLongPollRounds; ++round) {
    const std::shared_ptr<sim::Event> signal = ctx_.changed.current();
    response->partitions = read_all(request);
    std::size_t bytes = 0;
    bool urgent = false;
    for (const FetchedPartition& p : response->partitions) {
      bytes += p.records.size();
      urgent = urgent || p.error != ErrorCode::kNone || p.diverging_epoch.has_value();
    }
    if (urgent || bytes >= static_cast<std::size_t>(std::max(1, request.min_bytes))) break;
    if (!signal->wait_until(deadline)) break;
  }
  return response;
}

std::shared_ptr<ListOffsetsResponse> ReplicaManager::list_offsets(
    const ListOffsetsRequest& request) {
  Partition* partition = find(request.tp);
  if (partition == nullptr) {
    auto response = std::make_shared<ListOffsetsResponse>();
    response->error = ErrorCode::kUnknownTopicOrPartition;
    return response;
  }
  return std::make_shared<ListOffsetsResponse>(partition->list_offsets(request));
}

std::shared_ptr<OffsetsForLeaderEpochResponse> ReplicaManager::offsets_for_leader_epoch(
    const OffsetsForLeaderEpochRequest& request) {
  auto response = std::make_shared<OffsetsForLeaderEpochResponse>();
  Partition* partition = find(request.tp);
  response->error = partition == nullptr
                        ? ErrorCode::kUnknownTopicOrPartition
                        : partition->check_leader_epoch(request.current_leader_epoch, true);
  if (response->error == ErrorCode::kNone)
    response->end = partition->end_offset_for(request.leader_epoch);
  return response;
}

std::shared_ptr<MetadataResponse> ReplicaManager::metadata(const MetadataRequest& request,
                                                           const MetadataImage& image) {
  auto response = std::make_shared<MetadataResponse>();
  for (const auto& [id, broker] : image.brokers()) response->brokers.push_back(broker);
  for (const auto& [tp, state] : image.partitions()) {
    const bool wanted =
        request.topics.empty() ||
        std::find(request.topics.begin(), request.topics.end(), tp.topic) != request.topics.end();
    if (wanted) response->partitions.push_back(state);
  }
  return response;
}

}  // namespace samsa::cluster
