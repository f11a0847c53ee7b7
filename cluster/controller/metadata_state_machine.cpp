#include "cluster/controller/metadata_state_machine.h"

#include <fmt/format.h>

#include "cluster/controller/metadata_records.h"
#include "cluster/controller/metadata_replay.h"
#include "cluster/log/byte_utils.h"
#include "sim/assert.h"
#include "sim/log.h"

namespace samsa::cluster::controller {

namespace {
// A snapshot is its records back to back, each a varint length and the encoded record.
constexpr std::int32_t kMaxSnapshotRecords = 1 << 24;
}  // namespace

MetadataStateMachine::MetadataStateMachine(const MetadataImage& image, Publisher publish)
    : image_(image), staged_(image), publish_(std::move(publish)) {}

void MetadataStateMachine::apply(Offset offset, LeaderEpoch /*epoch*/,
                                 std::span<const std::uint8_t> value) {
  auto record = decode_record(value);
  SAMSA_ASSERT(record.ok(), fmt::format("committed metadata record at offset {} does not decode",
                                        offset.value()));
  const MetadataDelta delta = replay(staged_, record.value(), offset.value() + 1);
  SAMSA_ASSERT(staged_.apply(delta), "metadata versions increase with the log offset");
  merge(delta);
}

void MetadataStateMachine::on_commit_end(Offset applied_end_offset) {
  // Catching up (the leader's high watermark is further): keep merging.
  if (high_watermark_ && applied_end_offset < high_watermark_()) return;
  if (pending_version_ > image_.version()) publish_pending();
}

void MetadataStateMachine::merge(const MetadataDelta& delta) {
  for (const PartitionState& p : delta.partitions) pending_partitions_.insert_or_assign(p.tp, p);
  for (const BrokerRegistration& b : delta.brokers) pending_brokers_.insert_or_assign(b.id, b);
  for (const TopicState& t : delta.topics) pending_topics_.insert_or_assign(t.name, t);
  if (delta.next_producer_id) pending_next_producer_id_ = delta.next_producer_id;
  pending_version_ = delta.version;
}

void MetadataStateMachine::publish_now() {
  if (pending_version_ > image_.version()) publish_pending();
}

void MetadataStateMachine::publish_pending() {
  SAMSA_ASSERT(pending_version_ > image_.version(), "metadata is published in log order");
  MetadataDelta merged;
  merged.version = pending_version_;
  for (auto& entry : pending_partitions_) merged.partitions.push_back(std::move(entry.second));
  for (auto& entry : pending_brokers_) merged.brokers.push_back(std::move(entry.second));
  for (auto& entry : pending_topics_) merged.topics.push_back(std::move(entry.second));
  pending_partitions_.clear();
  pending_brokers_.clear();
  merged.next_producer_id = pending_next_producer_id_;
  pending_topics_.clear();
  pending_next_producer_id_.reset();
  publish_(merged);
  SAMSA_ASSERT(image_.version() == merged.version, "the publisher applies every delta");
  published_end_offset_ = Offset(merged.version);
}

sim::Bytes MetadataStateMachine::snapshot() const {
  sim::Bytes out;
  const std::vector<MetadataRecord> records = snapshot_records(staged_);
  append_varint(out, static_cast<std::int32_t>(records.size()));
  for (const MetadataRecord& record : records) {
    const sim::Bytes encoded = encode_record(record);
    append_varint(out, static_cast<std::int32_t>(encoded.size()));
    out.insert(out.end(), encoded.begin(), encoded.end());
  }
  return out;
}

void MetadataStateMachine::restore(Offset end_offset, std::span<const std::uint8_t> snapshot) {
  ByteReader reader(snapshot);
  const std::optional<std::int32_t> count = reader.read_varint();
  SAMSA_ASSERT(count && *count >= 0 && *count <= kMaxSnapshotRecords,
               "a metadata snapshot starts with its record count");
  std::vector<MetadataRecord> records;
  for (std::int32_t i = 0; i < *count; ++i) {
    const std::optional<std::int32_t> length = reader.read_varint();
    SAMSA_ASSERT(length && *length >= 0, "a snapshot record has a length");
    const auto bytes = reader.read_bytes(static_cast<std::size_t>(*length));
    SAMSA_ASSERT(bytes.has_value(), "a snapshot record lies inside the snapshot");
    auto record = decode_record(*bytes);
    SAMSA_ASSERT(record.ok(), "a snapshot record decodes (the snapshot's CRC passed)");
    records.push_back(std::move(record).value());
  }
  // The whole image, as one delta at the snapshot's version.
  const MetadataDelta whole = snapshot_delta(records, end_offset.value());
  staged_ = MetadataImage();
  SAMSA_ASSERT(staged_.apply(whole), "a fresh image takes any version");
  pending_partitions_.clear();
  pending_brokers_.clear();
  pending_topics_.clear();
  merge(whole);
  SAMSA_LOG_INFO("metadata restored from the snapshot at offset {}", end_offset.value());
  publish_pending();
}

void MetadataStateMachine::on_leader_change(std::optional<sim::NodeId> leader, LeaderEpoch epoch) {
  if (leader_listener_) leader_listener_(leader, epoch);
}

}  // namespace samsa::cluster::controller
