// All partition replicas of one broker: applies the controller's metadata deltas (become
// leader / become follower / stop, KIP-631 style reconciliation), routes Produce, Fetch,
// ListOffsets and OffsetsForLeaderEpoch to the partitions, and runs the long-poll wait of
// Fetch. Called from the broker's request fibers. Invariants: a Partition object, once
// created, lives as long as the broker process (request fibers may hold it across waits);
// metadata is applied in version order only.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <vector>

#include "cluster/broker/fetcher.h"
#include "cluster/broker/messages.h"
#include "cluster/broker/partition.h"

namespace samsa::cluster {

class ReplicaManager {
 public:
  explicit ReplicaManager(BrokerContext& ctx);
  // Starts the periodic HW checkpoint (replica.high.watermark.checkpoint.interval.ms).
  void start_checkpointing();
  // Starts the log manager's periodic tasks on every replica held here: retention every
  // log.retention.check.interval.ms, the cleaner every log.cleaner.backoff.ms (when
  // log.cleaner.enable), each over the partitions in order.
  void start_log_manager();
  // Flushes every online partition cleanly (a controlled shutdown's last step).
  void flush_for_shutdown();

  // Recovery: a log found on disk, with no role until metadata names one.
  void add_recovered(const TopicPartition& tp, std::unique_ptr<PartitionLog> log);
  // Recovery: a log found on disk that failed to open (a disk error): the partition is
  // offline — KAFKA_STORAGE_ERROR to every request, metadata ignored — until the process
  // restarts (Kafka's offline log dir).
  void add_offline(const TopicPartition& tp);
  // The partitions whose replica here is offline, in order (what a broker heartbeat
  // reports as its offline log dirs, KIP-858).
  std::vector<TopicPartition> offline_partitions() const;
  // Applies a MetadataUpdate from the controller (ignored unless newer than the image).
  void apply_metadata(MetadataImage& image, const MetadataDelta& delta);
  // Acts on every partition of `image` at once: the first publish after start-up, once the
  // image holds this process's own registration (broker.cpp).
  void publish_image(const MetadataImage& image);
  // Told, after each metadata change of a partition hosted here, its role and leader epoch
  // (the group coordinator follows the offsets topic's leaderships this way). Called from
  // the fiber that applies metadata, in metadata order.
  using RoleListener = std::function<void(const TopicPartition&, ReplicaRole, LeaderEpoch)>;
  void set_role_listener(RoleListener listener) { role_listener_ = std::move(listener); }

  // Handlers: each returns the response, or null when none is sent (acks=0).
  std::shared_ptr<ProduceResponse> produce(const ProduceRequest& request);
  std::shared_ptr<FetchResponse> fetch(const FetchRequest& request);
  std::shared_ptr<ListOffsetsResponse> list_offsets(const ListOffsetsRequest& request);
  std::shared_ptr<OffsetsForLeaderEpochResponse> offsets_for_leader_epoch(
      const OffsetsForLeaderEpochRequest& request);
  std::shared_ptr<MetadataResponse> metadata(const MetadataRequest& request,
                                             const MetadataImage& image);

  Partition* find(const TopicPartition& tp);
  // Partitions this broker follows whose leader is `leader` (the fetcher's work list).
  std::vector<Partition*> followed_from(BrokerId leader);

 private:
  void apply_partition_state(const PartitionState& state);
  Partition& get_or_create(const TopicPartition& tp);
  std::vector<FetchedPartition> read_all(const FetchRequest& request);

  BrokerContext& ctx_;
  void for_each_partition(const std::function<void(Partition&)>& visit);

  std::map<TopicPartition, std::unique_ptr<Partition>> partitions_;
  FetcherManager fetchers_;
  RoleListener role_listener_;
};

}  // namespace samsa::cluster
