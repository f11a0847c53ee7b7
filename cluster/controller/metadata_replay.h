// Replaying metadata records into a MetadataImage (KIP-631): every controller and broker
// turns each committed record, in log order, into the MetadataDelta it causes and applies
// that delta (MetadataImage::apply; a broker hands it to ReplicaManager::apply_metadata).
// The active controller replays the records it generates into its working image the same
// way, so the working image and every replica's image are the same function of the log.
//
// Invariants:
//   1. replay(image, r, v) lists the full new state of every partition, broker and topic r
//      touches, at version v (= the record's metadata log offset + 1), and nothing else.
//   2. A record that contradicts the image (an unknown partition, a broker epoch that is
//      not the registered one, a topic created twice, a broker epoch that is not new) is a
//      controller bug: SAMSA_ASSERT, never silently skipped.
//   3. snapshot_records(image) replayed from empty rebuilds image's brokers, topics and
//      partitions exactly, except registration offsets (see snapshot_delta).
#pragma once

#include <cstdint>
#include <vector>

#include "cluster/controller/metadata_records.h"
#include "cluster/metadata/metadata.h"

namespace samsa::cluster::controller {

// The change `record` makes to `image` when it sits at metadata log offset version - 1.
// version must be greater than image.version().
MetadataDelta replay(const MetadataImage& image, const MetadataRecord& record,
                     std::int64_t version);

// replay + apply, for code that holds the image itself (the controller's working image).
void replay_into(MetadataImage& image, const MetadataRecord& record, std::int64_t version);

// Records that rebuild `image` from an empty image (a KRaft snapshot is records too), in a
// deterministic order: RegisterBrokerRecords by broker epoch, then the
// BrokerRegistrationChangeRecords of brokers not in the registration's default state
// (fenced, not shutting down) by broker id, then each topic by name followed by its
// PartitionRecords by partition index, then a ProducerIdsRecord (broker 0, epoch 0) when
// any producer id was handed out (KIP-730).
std::vector<MetadataRecord> snapshot_records(const MetadataImage& image);

// The delta that installs a snapshot covering the metadata log up to offset version - 1:
// every broker, topic and partition the records rebuild, at `version`. As KRaft replays a
// snapshot's records at the snapshot's offset, every registration_offset is version - 1
// (a broker that loaded the snapshot is caught up with every registration in it).
// Apply it to an empty image (or hand it to ReplicaManager::apply_metadata).
MetadataDelta snapshot_delta(const std::vector<MetadataRecord>& records, std::int64_t version);

}  // namespace samsa::cluster::controller
