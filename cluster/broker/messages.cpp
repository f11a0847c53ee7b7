#include "cluster/broker/messages.h"

#include <string_view>

#include "cluster/message_digest.h"

namespace samsa::cluster {

std::uint64_t digest_of(const PartitionState& s) {
  return Digest("PartitionState")
      .add(s.tp).add(s.replicas).add(s.isr).add(s.leader).add(s.leader_epoch).add(s.partition_epoch)
      .value();
}

std::uint64_t digest_of(const MetadataDelta& delta) {
  Digest d("MetadataDelta");
  d.add(static_cast<std::uint64_t>(delta.version));
  for (const PartitionState& p : delta.partitions) d.add(digest_of(p));
  for (const BrokerRegistration& b : delta.brokers) d.add(digest_of(b));
  for (const TopicState& t : delta.topics) {
    d.add(std::string_view(t.name)).add(t.unclean_leader_election_enable);
  }
  if (delta.next_producer_id) d.add(static_cast<std::uint64_t>(*delta.next_producer_id));
  return d.value();
}

std::uint64_t digest_of(const BrokerRegistration& b) {
  return Digest("BrokerRegistration")
      .add(b.id)
      .add(b.node)
      .add(b.epoch)
      .add(b.fenced)
      .add(b.in_controlled_shutdown)
      .add(static_cast<std::uint64_t>(b.registration_offset))
      .add(b.incarnation)
      .value();
}

std::uint64_t ProduceRequest::digest() const {
  return Digest(kind()).add(tp).add(static_cast<std::uint64_t>(acks))
      .add(static_cast<std::uint64_t>(timeout_ms)).add(batch).value();
}

std::uint64_t ProduceResponse::digest() const {
  return Digest(kind()).add(error).add(base_offset).add(log_start_offset).value();
}

std::uint64_t FetchRequest::digest() const {
  Digest d(kind());
  d.add(replica_id).add(replica_epoch).add(static_cast<std::uint64_t>(max_wait_ms))
      .add(static_cast<std::uint64_t>(min_bytes)).add(std::string_view(rack_id));
  for (const FetchPartition& p : partitions) {
    d.add(p.tp).add(p.fetch_offset).add(p.current_leader_epoch).add(p.last_fetched_epoch)
        .add(p.log_start_offset).add(static_cast<std::uint64_t>(p.max_bytes));
  }
  return d.value();
}

std::uint64_t FetchResponse::digest() const {
  Digest d(kind());
  d.add(error);
  for (const FetchedPartition& p : partitions) {
    d.add(p.tp).add(p.error).add(p.high_watermark).add(p.log_start_offset).add(p.log_end_offset);
    if (p.diverging_epoch) d.add(p.diverging_epoch->epoch).add(p.diverging_epoch->end_offset);
    d.add(p.records);
  }
  return d.value();
}

std::uint64_t ListOffsetsRequest::digest() const {
  return Digest(kind()).add(tp).add(static_cast<std::uint64_t>(timestamp))
      .add(current_leader_epoch).value();
}

std::uint64_t ListOffsetsResponse::digest() const {
  return Digest(kind()).add(error).add(offset).add(leader_epoch).value();
}

std::uint64_t OffsetsForLeaderEpochRequest::digest() const {
  return Digest(kind()).add(replica_id).add(tp).add(current_leader_epoch).add(leader_epoch).value();
}

std::uint64_t OffsetsForLeaderEpochResponse::digest() const {
  return Digest(kind()).add(error).add(end.epoch).add(end.end_offset).value();
}

std::uint64_t AlterPartitionRequest::digest() const {
  return Digest(kind()).add(broker_id).add(broker_epoch).add(tp).add(leader_epoch)
      .add(partition_epoch).add(new_isr).value();
}

std::uint64_t AlterPartitionResponse::digest() const {
  Digest d(kind());
  d.add(error);
  if (state) d.add(digest_of(*state));
  return d.value();
}

std::uint64_t ControlledShutdownRequest::digest() const { return Digest(kind()).value(); }
std::uint64_t ControlledShutdownResponse::digest() const {
  return Digest(kind()).add(error).value();
}

std::uint64_t MetadataUpdate::digest() const { return Digest(kind()).add(digest_of(delta)).value(); }

std::uint64_t MetadataRequest::digest() const {
  Digest d(kind());
  for (const std::string& t : topics) d.add(std::string_view(t));
  return d.value();
}

std::uint64_t MetadataResponse::digest() const {
  Digest d(kind());
  for (const BrokerRegistration& b : brokers) d.add(digest_of(b));
  for (const PartitionState& p : partitions) d.add(digest_of(p));
  return d.value();
}

std::uint64_t InitProducerIdRequest::digest() const {
  return Digest(kind())
      .add(static_cast<std::uint64_t>(static_cast<std::int64_t>(transaction_timeout_ms)))
      .value();
}

std::uint64_t InitProducerIdResponse::digest() const {
  return Digest(kind()).add(error).add(producer_id).add(producer_epoch).value();
}

}  // namespace samsa::cluster
