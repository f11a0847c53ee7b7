// Helpers shared by the controller tests: images built from records (so every test image
// is one the replay path can produce), and a ControllerRig that runs ControllerLogic and
// replays every record it emits through the codec into a follower image, as a broker
// would, checking after each operation that the follower equals the working image.
#pragma once

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "cluster/controller/controller_logic.h"
#include "cluster/controller/metadata_records.h"
#include "cluster/controller/metadata_replay.h"
#include "sim/random.h"

namespace samsa::cluster::controller {

// gtest prints records and images through these (found by argument-dependent lookup).
inline void PrintTo(const MetadataRecord& record, std::ostream* os) {
  *os << describe(record);
}

}  // namespace samsa::cluster::controller

namespace samsa::cluster {

inline void PrintTo(const MetadataImage& image, std::ostream* os) {
  *os << fmt::format("image v{} last_broker_epoch {}", image.version(), image.last_broker_epoch());
  for (const auto& [id, b] : image.brokers()) {
    *os << fmt::format("\n  broker {} node {} epoch {} fenced {} shutdown {} offset {} inc {}", id,
                       b.node, b.epoch, b.fenced, b.in_controlled_shutdown, b.registration_offset,
                       b.incarnation);
  }
  for (const auto& [name, t] : image.topics()) {
    *os << fmt::format("\n  topic {} unclean {}", name, t.unclean_leader_election_enable);
  }
  for (const auto& [where, p] : image.partitions()) {
    *os << "\n  " << to_string(where) << " replicas";
    for (BrokerId r : p.replicas) *os << " " << r.value();
    *os << " isr";
    for (BrokerId r : p.isr) *os << " " << r.value();
    *os << fmt::format(" leader {} leader_epoch {} partition_epoch {}", p.leader, p.leader_epoch,
                       p.partition_epoch);
  }
}

}  // namespace samsa::cluster

namespace samsa::cluster::controller::testing {

using namespace std::chrono_literals;

inline const BrokerId kB1{1};
inline const BrokerId kB2{2};
inline const BrokerId kB3{3};
inline const BrokerId kB4{4};

inline std::vector<BrokerId> ids(std::initializer_list<int> list) {
  std::vector<BrokerId> out;
  for (int i : list) out.emplace_back(i);
  return out;
}

inline TopicPartition tp(const std::string& topic, int partition) {
  return TopicPartition{topic, PartitionIndex(partition)};
}

// Builds an image by replaying records, one offset each.
class ImageBuilder {
 public:
  // Registers broker `id` (node = id, epoch = last + 1), then sets its flags.
  ImageBuilder& broker(int id, bool fenced = false, bool in_controlled_shutdown = false) {
    const BrokerEpoch epoch = image_.last_broker_epoch() + 1;
    add(RegisterBrokerRecord{BrokerId(id), sim::NodeId(static_cast<std::uint32_t>(id)), epoch,
                             static_cast<std::uint64_t>(id)});
    if (!fenced || in_controlled_shutdown) {
      add(BrokerRegistrationChangeRecord{
          BrokerId(id), epoch, fenced ? std::nullopt : std::optional<bool>(false),
          in_controlled_shutdown ? std::optional<bool>(true) : std::nullopt});
    }
    return *this;
  }
  ImageBuilder& topic(const std::string& name, bool unclean = false) {
    return add(TopicRecord{name, unclean});
  }
  ImageBuilder& partition(const TopicPartition& where, std::vector<BrokerId> replicas,
                          std::vector<BrokerId> isr, BrokerId leader) {
    return add(PartitionRecord{where, std::move(replicas), std::move(isr), leader, LeaderEpoch(0),
                               PartitionEpoch(0)});
  }
  ImageBuilder& add(const MetadataRecord& record) {
    replay_into(image_, record, image_.version() + 1);
    return *this;
  }
  const MetadataImage& image() const { return image_; }

 private:
  MetadataImage image_;
};

// ControllerLogic plus a follower image fed through encode/decode/replay.
class ControllerRig {
 public:
  explicit ControllerRig(int brokers = 3, ControllerConfig config = {})
      : logic_(config, MetadataImage{}, now_) {
    for (int i = 1; i <= brokers; ++i) start_broker(BrokerId(i));
  }

  ControllerLogic& logic() { return logic_; }
  const MetadataImage& image() const { return logic_.image(); }
  const PartitionState& state(const TopicPartition& where) const {
    return *logic_.image().partition(where);
  }
  const BrokerRegistration& broker(BrokerId id) const { return *logic_.image().broker(id); }
  sim::SimTime now() const { return now_; }
  void advance(sim::Duration d) { now_ += d; }
  std::size_t records_published() const { return published_.size(); }
  const std::vector<MetadataRecord>& published() const { return published_; }

  // Publishes an operation's records to the follower and returns its response.
  template <class Response>
  Response take(ControllerResult<Response> result) {
    for (const MetadataRecord& record : result.records) {
      const Bytes bytes = encode_record(record);
      auto decoded = decode_record(bytes);
      EXPECT_TRUE(decoded.ok());
      if (!decoded.ok()) continue;
      EXPECT_EQ(decoded.value(), record);
      replay_into(follower_, decoded.value(), follower_.version() + 1);
      published_.push_back(record);
    }
    EXPECT_EQ(follower_, logic_.image()) << "the follower replayed to another image";
    last_records_ = std::move(result.records);
    return std::move(result.response);
  }
  const std::vector<MetadataRecord>& last_records() const { return last_records_; }

  // A new process of broker `id`: registers with a new incarnation, then heartbeats once
  // caught up (so it ends unfenced unless something stops it).
  BrokerEpoch start_broker(BrokerId id) {
    const BrokerEpoch epoch = register_broker(id, ++last_incarnation_);
    heartbeat(id);
    return epoch;
  }
  BrokerEpoch register_broker(BrokerId id, std::uint64_t incarnation) {
    BrokerRegistrationRequest request;
    request.broker_id = id;
    request.node = sim::NodeId(static_cast<std::uint32_t>(id.value()));
    request.incarnation = incarnation;
    incarnation_[id] = incarnation;
    return take(logic_.register_broker(request, now_)).broker_epoch;
  }
  std::uint64_t incarnation(BrokerId id) const { return incarnation_.at(id); }

  struct Beat {
    std::optional<std::int64_t> offset;  // default: caught up with every record so far
    bool want_fence = false;
    bool want_shutdown = false;
    std::optional<BrokerEpoch> epoch;  // default: the registered one
  };
  BrokerHeartbeatResponse heartbeat(BrokerId id) { return heartbeat(id, Beat{}); }
  BrokerHeartbeatResponse heartbeat(BrokerId id, const Beat& beat) {
    BrokerHeartbeatRequest request;
    request.broker_id = id;
    const BrokerRegistration* b = image().broker(id);
    request.broker_epoch = beat.epoch.value_or(b != nullptr ? b->epoch : BrokerEpoch(-1));
    request.current_metadata_offset = beat.offset.value_or(logic_.next_offset() - 1);
    request.want_fence = beat.want_fence;
    request.want_shutdown = beat.want_shutdown;
    return take(logic_.heartbeat(request, now_));
  }

  // Lets `id`'s session expire while every other unfenced broker keeps heartbeating.
  std::vector<BrokerId> expire(BrokerId id) {
    advance(std::chrono::milliseconds(logic_.config().broker_session_timeout_ms) + 1ms);
    for (const auto& entry : image().brokers()) {
      if (entry.first != id && !entry.second.fenced) heartbeat(entry.first);
    }
    return take(logic_.fence_expired(now_));
  }

  CreateTopicsResponse create_topic(const std::string& name, int partitions, int rf,
                                    bool unclean = false) {
    CreateTopicsRequest request;
    request.topics.push_back(
        CreatableTopic{name, partitions, static_cast<std::int16_t>(rf), unclean});
    return take(logic_.create_topics(request, placement_rng_));
  }
  CreateTopicsResponse create_topics(const CreateTopicsRequest& request) {
    return take(logic_.create_topics(request, placement_rng_));
  }

  // An AlterPartition from the current leader, based on the current state.
  AlterPartitionRequest alter_request(const TopicPartition& where, std::vector<BrokerId> new_isr) {
    const PartitionState& p = state(where);
    AlterPartitionRequest request;
    request.broker_id = p.leader;
    const BrokerRegistration* b = image().broker(p.leader);
    request.broker_epoch = b != nullptr ? b->epoch : BrokerEpoch(-1);
    request.tp = where;
    request.leader_epoch = p.leader_epoch;
    request.partition_epoch = p.partition_epoch;
    request.new_isr = std::move(new_isr);
    return request;
  }
  AlterPartitionResponse alter(const AlterPartitionRequest& request) {
    return take(logic_.alter_partition(request));
  }

 private:
  sim::SimTime now_ = sim::kSimStart;
  ControllerLogic logic_;
  MetadataImage follower_;
  sim::Rng placement_rng_{42};
  std::uint64_t last_incarnation_ = 100;
  std::map<BrokerId, std::uint64_t> incarnation_;
  std::vector<MetadataRecord> published_;
  std::vector<MetadataRecord> last_records_;
};

}  // namespace samsa::cluster::controller::testing
