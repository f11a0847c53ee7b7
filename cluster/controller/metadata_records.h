// The records of the KRaft metadata log (KIP-631), with KRaft's names: the active
// controller appends them to the Raft log as bytes, and every controller and broker
// replays the committed ones in log order (metadata_replay.h). A record is a change, not
// a state: PartitionChangeRecord carries only the fields that change, and replaying it
// bumps the partition epoch always and the leader epoch when the leader field is present.
//
// Wire format: [type byte][version byte][fields]. Integers are zigzag varints/varlongs
// (cluster/log/byte_utils.h), a string or list is a varint count then its items, a bool
// or an optional's presence is one byte 0 or 1.
// Invariants:
//   1. decode_record(encode_record(r)) == r for every record that passes is_well_formed.
//   2. decode_record never reads outside its span: truncated, trailing or garbage input
//      is a RecordDecodeError value.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "cluster/log/byte_utils.h"
#include "cluster/metadata/metadata.h"
#include "cluster/types.h"
#include "sim/ids.h"
#include "sim/result.h"

namespace samsa::cluster::controller {

// A broker (re)registers: a new broker epoch; replay leaves it fenced and not in
// controlled shutdown until a BrokerRegistrationChangeRecord says otherwise.
struct RegisterBrokerRecord {
  BrokerId broker_id;
  sim::NodeId node;
  BrokerEpoch broker_epoch;
  std::uint64_t incarnation = 0;  // KRaft's incarnationId: new per process start
  bool operator==(const RegisterBrokerRecord&) const = default;
};

struct BrokerRegistrationChangeRecord {
  BrokerId broker_id;
  BrokerEpoch broker_epoch;  // the registration this change applies to
  std::optional<bool> fenced;
  std::optional<bool> in_controlled_shutdown;
  bool operator==(const BrokerRegistrationChangeRecord&) const = default;
};

struct TopicRecord {
  std::string name;
  bool unclean_leader_election_enable = false;  // the topic config
  bool operator==(const TopicRecord&) const = default;
};

// A new partition, in full (also how a snapshot carries a partition).
struct PartitionRecord {
  TopicPartition tp;
  std::vector<BrokerId> replicas;
  std::vector<BrokerId> isr;
  BrokerId leader = kNoLeader;
  LeaderEpoch leader_epoch{0};
  PartitionEpoch partition_epoch{0};
  bool operator==(const PartitionRecord&) const = default;
};

struct PartitionChangeRecord {
  TopicPartition tp;
  std::optional<std::vector<BrokerId>> isr;
  std::optional<BrokerId> leader;  // kNoLeader: the partition loses its leader
  bool operator==(const PartitionChangeRecord&) const = default;
};

// KIP-730: the active controller handed producer ids [next_producer_id - block, next) to a
// broker; replay moves the image's next_producer_id to next_producer_id.
struct ProducerIdsRecord {
  BrokerId broker_id;
  BrokerEpoch broker_epoch;
  std::int64_t next_producer_id = 0;
  bool operator==(const ProducerIdsRecord&) const = default;
};
using MetadataRecord = std::variant<RegisterBrokerRecord, BrokerRegistrationChangeRecord,
                                    TopicRecord, PartitionRecord, PartitionChangeRecord,
                                    ProducerIdsRecord>;

enum class RecordDecodeError {
  kTruncated,           // the input ends inside the record
  kUnknownType,         // the leading type byte names no record
  kUnsupportedVersion,  // a version this build does not read
  kInvalidField,        // a field out of its range (negative id, bool not 0/1, oversize list)
  kTrailingBytes,       // bytes left after the record
};
std::string_view record_decode_error_name(RecordDecodeError error);

// Bounds the codec enforces (and is_well_formed checks before encoding).
inline constexpr std::size_t kMaxRecordStringBytes = 32'767;  // Kafka's int16 string limit
inline constexpr std::size_t kMaxRecordBrokerList = 1'024;

// True when every field is in the range the codec accepts: ids >= 0 (a leader may be
// kNoLeader), epochs >= 0, strings and lists within the bounds above.
bool is_well_formed(const MetadataRecord& record);

// Asserts is_well_formed (the controller never writes a record it could not read back).
Bytes encode_record(const MetadataRecord& record);
sim::Result<MetadataRecord, RecordDecodeError> decode_record(std::span<const std::uint8_t> bytes);

// One line for logs and traces, e.g. "PartitionChange(orders-0 isr=[1,2] leader=2)".
std::string describe(const MetadataRecord& record);

}  // namespace samsa::cluster::controller
