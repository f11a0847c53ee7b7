// MetadataStateMachine: what the metadata log feeds, on controllers and brokers alike
// (KRaft's MetadataLoader). It decodes each committed record, replays it against the
// image (metadata_records.h) and hands the resulting MetadataDelta to a publisher: the
// controller applies it to its committed image, a broker to its ReplicaManager (become
// leader / follower). While the replica catches up with the log (the record applied is
// below the leader's high watermark) the deltas are merged and published once, at the
// end, so a restarting broker never acts on a stale leadership in passing.
//
// Invariants: 1. deltas are published in log order with strictly increasing versions
// (metadata offset + 1); 2. a committed record that does not decode stops the run (the
// log's CRC passed, so it is a bug, not a disk fault); 3. a snapshot restore publishes the
// whole snapshot image as one delta.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "cluster/metadata/metadata.h"
#include "cluster/raft/state_machine.h"
#include "cluster/types.h"

namespace samsa::cluster::controller {

class MetadataStateMachine final : public raft::StateMachine {
 public:
  using Publisher = std::function<void(const MetadataDelta&)>;
  using HighWatermark = std::function<Offset()>;

  // `image` is the published image: the publisher must apply each delta to it.
  MetadataStateMachine(const MetadataImage& image, Publisher publish);
  // Where the leader's high watermark (as last heard) is read: below it the replica is
  // still catching up and deltas are merged, not published.
  void set_high_watermark_source(HighWatermark source) { high_watermark_ = std::move(source); }

  void apply(Offset offset, LeaderEpoch epoch, std::span<const std::uint8_t> value) override;
  sim::Bytes snapshot() const override;
  void restore(Offset end_offset, std::span<const std::uint8_t> snapshot) override;
  void on_commit_end(Offset applied_end_offset) override;
  void on_leader_change(std::optional<sim::NodeId> leader, LeaderEpoch epoch) override;

  // Called on every leader change (after the state machine's own bookkeeping).
  void set_leader_listener(std::function<void(std::optional<sim::NodeId>, LeaderEpoch)> listener) {
    leader_listener_ = std::move(listener);
  }
  // Publishes what is merged now, caught up or not (a new active controller needs the
  // committed image whole).
  void publish_now();
  // The offset after the last published record (a broker's "current metadata offset").
  Offset published_end_offset() const { return published_end_offset_; }

 private:
  void merge(const MetadataDelta& delta);
  void publish_pending();

  const MetadataImage& image_;
  MetadataImage staged_;  // image_ plus the merged, unpublished deltas
  bool staging_ = false;
  Publisher publish_;
  HighWatermark high_watermark_;
  std::map<TopicPartition, PartitionState> pending_partitions_;
  std::map<BrokerId, BrokerRegistration> pending_brokers_;
  std::map<std::string, TopicState> pending_topics_;
  std::optional<std::int64_t> pending_next_producer_id_;  // KIP-730
  std::int64_t pending_version_ = 0;
  Offset published_end_offset_{0};
  std::function<void(std::optional<sim::NodeId>, LeaderEpoch)> leader_listener_;
};

}  // namespace samsa::cluster::controller
