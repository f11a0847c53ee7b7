// The cluster metadata brokers act on: topics (with their unclean.leader.election.enable
// config), partitions (replica assignment, leader, leader epoch, partition epoch, ISR) and
// broker registrations (node, broker epoch, fenced, in controlled shutdown, the offset of
// the registration record). The KRaft controller writes it as records to the metadata log
// (cluster/controller/metadata_records.h); replaying a record gives a MetadataDelta with
// version = the record's offset + 1, and brokers and controllers apply deltas in version
// order (cluster/controller/metadata_replay.h). Tests may also publish deltas directly.
//
// Invariants (checked by validate(); KRaft's, cited where they are subtle):
//   1. A partition's replicas are non-empty, distinct and registered brokers; its topic
//      has a topic entry.
//   2. The ISR is non-empty, distinct and a subset of the replicas (KRaft never empties
//      an ISR: the last member stays, see 5).
//   3. The leader, when there is one, is in the ISR.
//   4. The leader, when there is one, is a registered, unfenced broker.
//   5. A broker that is fenced or in controlled shutdown is in an ISR only as the sole
//      member of a partition without a leader (KRaft keeps the last ISR member rather than
//      empty the ISR; KIP-841 keeps ineligible brokers out otherwise). So neither leads:
//      the controller moves a broker's leaderships away before the record that fences it
//      or marks it in controlled shutdown (KRaft writes that flag first; we do not).
//   6. Leader and partition epochs are >= 0; every broker epoch is <= last_broker_epoch().
// Checked by apply() (SAMSA_ASSERT): leader epochs, partition epochs and a broker id's
// broker epoch never decrease across versions.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cluster/types.h"
#include "sim/ids.h"

namespace samsa::cluster {

struct TopicPartition {
  std::string topic;
  PartitionIndex partition;
  auto operator<=>(const TopicPartition&) const = default;
};
std::string to_string(const TopicPartition& tp);  // "orders-3"

inline constexpr BrokerId kNoLeader{-1};

struct PartitionState {
  TopicPartition tp;
  std::vector<BrokerId> replicas;  // assignment order: the preferred leader first
  std::vector<BrokerId> isr;
  BrokerId leader = kNoLeader;
  LeaderEpoch leader_epoch{0};
  PartitionEpoch partition_epoch{0};
  bool operator==(const PartitionState&) const = default;
};

struct BrokerRegistration {
  BrokerId id;
  sim::NodeId node;
  BrokerEpoch epoch{0};
  bool fenced = true;
  // KIP-631: set by a heartbeat with want_shutdown; the broker may lead nothing and join
  // no ISR until it registers again.
  bool in_controlled_shutdown = false;
  // The metadata log offset of the RegisterBrokerRecord (version - 1 of its delta). The
  // broker is caught up once its heartbeats report a metadata offset >= this.
  std::int64_t registration_offset = -1;
  // Which process start registered (new per start); a retry of the same incarnation
  // gets the same epoch back.
  std::uint64_t incarnation = 0;
  bool operator==(const BrokerRegistration&) const = default;
};

// A topic and the one topic config the controller acts on.
struct TopicState {
  std::string name;
  bool unclean_leader_election_enable = false;
  bool operator==(const TopicState&) const = default;
};

// One published change: the new state of every partition, broker and topic it touches.
struct MetadataDelta {
  std::int64_t version = 0;
  std::vector<PartitionState> partitions;
  std::vector<BrokerRegistration> brokers;
  std::vector<TopicState> topics{};
  // KIP-730: the first producer id not yet handed out, when this version moved it.
  std::optional<std::int64_t> next_producer_id{};
};

class MetadataImage {
 public:
  std::int64_t version() const { return version_; }
  // Applies a delta; returns false (and changes nothing) when its version is not newer.
  bool apply(const MetadataDelta& delta);
  const PartitionState* partition(const TopicPartition& tp) const;
  const BrokerRegistration* broker(BrokerId id) const;
  const TopicState* topic(const std::string& name) const;
  const std::map<TopicPartition, PartitionState>& partitions() const { return partitions_; }
  const std::map<BrokerId, BrokerRegistration>& brokers() const { return brokers_; }
  const std::map<std::string, TopicState>& topics() const { return topics_; }
  // The largest broker epoch ever registered: a new registration takes a larger one.
  BrokerEpoch last_broker_epoch() const { return last_broker_epoch_; }
  // KIP-730: producer ids below this were handed out in blocks; the next block starts here.
  std::int64_t next_producer_id() const { return next_producer_id_; }
  // KIP-841: registered, unfenced and not in controlled shutdown — may lead and join ISRs.
  bool is_eligible(BrokerId id) const;
  // The first violated invariant (numbered in the header comment), or nullopt.
  std::optional<std::string> validate() const;

  bool operator==(const MetadataImage&) const = default;

 private:
  std::optional<std::string> validate_partition(const PartitionState& p) const;

  std::int64_t version_ = 0;
  BrokerEpoch last_broker_epoch_{0};
  std::int64_t next_producer_id_ = 0;
  std::map<TopicPartition, PartitionState> partitions_;
  std::map<BrokerId, BrokerRegistration> brokers_;
  std::map<std::string, TopicState> topics_;
};

}  // namespace samsa::cluster
