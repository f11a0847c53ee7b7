// Broker lifecycle: registration, heartbeats, fencing, controlled shutdown (KIP-631), and
// the record plumbing every operation shares. Partition operations (AlterPartition,
// CreateTopics) are in controller_partitions.cpp.
#include "cluster/controller/controller_logic.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

#include "cluster/controller/metadata_replay.h"
#include "cluster/controller/partition_change.h"
#include "sim/assert.h"

namespace samsa::cluster::controller {

ControllerLogic::ControllerLogic(ControllerConfig config, MetadataImage image, sim::SimTime now)
    : ControllerLogic(std::move(config), std::move(image), /*next_offset=*/-1, now) {}

ControllerLogic::ControllerLogic(ControllerConfig config, MetadataImage image,
                                 std::int64_t next_offset, sim::SimTime now)
    : config_(std::move(config)), working_(std::move(image)), next_offset_(next_offset) {
  if (next_offset_ < 0) next_offset_ = working_.version();
  SAMSA_ASSERT(next_offset_ >= working_.version(),
               fmt::format("the next offset {} is inside the image (version {})", next_offset_,
                           working_.version()));
  // A session starts when the controller becomes active.
  for (const auto& entry : working_.brokers()) last_heartbeat_[entry.first] = now;
  check_invariants();
}

void ControllerLogic::set_next_offset(std::int64_t offset) {
  SAMSA_ASSERT(offset >= next_offset_,
               fmt::format("set_next_offset({}) moves back from {}", offset, next_offset_));
  next_offset_ = offset;
}

std::optional<sim::SimTime> ControllerLogic::last_heartbeat(BrokerId broker) const {
  const auto it = last_heartbeat_.find(broker);
  if (it == last_heartbeat_.end()) return std::nullopt;
  return it->second;
}

// --- Record plumbing ---

void ControllerLogic::append(Records& out, MetadataRecord record) {
  replay_into(working_, record, next_offset_ + 1);
  ++next_offset_;
  out.push_back(std::move(record));
}

void ControllerLogic::change_partition(Records& out, const PartitionState& partition,
                                       const BrokerEligibility& eligibility,
                                       std::optional<std::vector<BrokerId>> target_isr) {
  PartitionChangeBuilder builder(partition, eligibility, unclean_enabled(partition.tp),
                                 config_.bugs);
  if (target_isr) builder.set_target_isr(std::move(*target_isr));
  if (auto change = builder.build()) append(out, std::move(*change));
}

bool ControllerLogic::unclean_enabled(const TopicPartition& tp) const {
  const TopicState* topic = working_.topic(tp.topic);
  SAMSA_ASSERT(topic != nullptr, fmt::format("{} has no topic entry", to_string(tp)));
  return topic->unclean_leader_election_enable;
}

bool ControllerLogic::leads_any(BrokerId broker) const {
  return std::any_of(working_.partitions().begin(), working_.partitions().end(),
                     [broker](const auto& entry) { return entry.second.leader == broker; });
}

void ControllerLogic::check_invariants() const {
  if (config_.bugs.on(Bug::kElectOutsideIsr) || config_.bugs.on(Bug::kFencedBrokerJoinsIsr)) {
    return;  // the point of those bugs is an image the checkers flag
  }
  const auto violation = working_.validate();
  SAMSA_ASSERT(!violation, fmt::format("controller working image: {}", violation.value_or("")));
}

// --- Moving a broker out (fencing, controlled shutdown, re-registration) ---

// KRaft's generateLeaderAndIsrUpdates(brokerToRemove): every partition the broker is in
// the ISR of (or leads) loses it from the ISR, unless it is the last member, and gets a
// leader elected without it.
void ControllerLogic::move_out(Records& out, BrokerId broker) {
  std::vector<TopicPartition> touched;
  for (const auto& [tp, p] : working_.partitions()) {
    if (p.leader == broker || std::find(p.isr.begin(), p.isr.end(), broker) != p.isr.end()) {
      touched.push_back(tp);
    }
  }
  const BrokerEligibility without(working_, broker);
  for (const TopicPartition& tp : touched) {
    const PartitionState partition = *working_.partition(tp);
    std::vector<BrokerId> isr = partition.isr;
    isr.erase(std::remove(isr.begin(), isr.end(), broker), isr.end());
    change_partition(out, partition, without, std::move(isr));
  }
}

void ControllerLogic::fence(Records& out, BrokerId broker) {
  move_out(out, broker);
  const BrokerRegistration& b = *working_.broker(broker);
  append(out, BrokerRegistrationChangeRecord{broker, b.epoch, true, std::nullopt});
}

void ControllerLogic::begin_controlled_shutdown(Records& out, BrokerId broker) {
  move_out(out, broker);
  const BrokerRegistration& b = *working_.broker(broker);
  append(out, BrokerRegistrationChangeRecord{broker, b.epoch, std::nullopt, true});
}

// KRaft's handleBrokerUnfenced: the broker may lead again, so every leaderless partition
// it is a replica of gets an election.
void ControllerLogic::unfence(Records& out, BrokerId broker) {
  const BrokerRegistration& b = *working_.broker(broker);
  append(out, BrokerRegistrationChangeRecord{broker, b.epoch, false, std::nullopt});
  std::vector<TopicPartition> leaderless;
  for (const auto& [tp, p] : working_.partitions()) {
    if (p.leader == kNoLeader &&
        std::find(p.replicas.begin(), p.replicas.end(), broker) != p.replicas.end()) {
      leaderless.push_back(tp);
    }
  }
  const BrokerEligibility eligibility(working_);
  for (const TopicPartition& tp : leaderless) {
    change_partition(out, *working_.partition(tp), eligibility, std::nullopt);
  }
}

// --- Operations ---

ControllerResult<BrokerRegistrationResponse> ControllerLogic::register_broker(
    const BrokerRegistrationRequest& request, sim::SimTime now) {
  ControllerResult<BrokerRegistrationResponse> result;
  if (request.broker_id < BrokerId(0)) {
    result.response.error = ErrorCode::kInvalidRequest;
    return result;
  }
  last_heartbeat_[request.broker_id] = now;
  const BrokerRegistration* existing = working_.broker(request.broker_id);
  if (existing != nullptr && existing->incarnation == request.incarnation) {
    result.response.broker_epoch = existing->epoch;  // a retry: the same registration
    return result;
  }
  if (existing != nullptr) move_out(result.records, request.broker_id);
  const BrokerEpoch epoch = working_.last_broker_epoch() + 1;
  append(result.records,
         RegisterBrokerRecord{request.broker_id, request.node, epoch, request.incarnation});
  result.response.broker_epoch = epoch;
  check_invariants();
  return result;
}

ControllerResult<BrokerHeartbeatResponse> ControllerLogic::heartbeat(
    const BrokerHeartbeatRequest& request, sim::SimTime now) {
  ControllerResult<BrokerHeartbeatResponse> result;
  const BrokerId id = request.broker_id;
  const BrokerRegistration* before = working_.broker(id);
  if (before == nullptr || before->epoch != request.broker_epoch) {
    result.response.error = ErrorCode::kStaleBrokerEpoch;
    return result;
  }
  last_heartbeat_[id] = now;
  const bool caught_up = request.current_metadata_offset >= before->registration_offset;
  if (request.want_shutdown) {
    if (!before->fenced && !before->in_controlled_shutdown) {
      begin_controlled_shutdown(result.records, id);
    }
  } else if (before->fenced) {
    if (caught_up && !request.want_fence && !before->in_controlled_shutdown) {
      unfence(result.records, id);
    }
  } else if (request.want_fence) {
    fence(result.records, id);
  }
  const BrokerRegistration& after = *working_.broker(id);
  result.response.is_caught_up = caught_up;
  result.response.is_fenced = after.fenced;
  // A fenced broker may stop at once (KRaft's SHUTDOWN_NOW); one in controlled shutdown
  // once it leads nothing.
  result.response.should_shutdown =
      request.want_shutdown && (after.fenced || after.in_controlled_shutdown) && !leads_any(id);
  check_invariants();
  return result;
}

ControllerResult<std::vector<BrokerId>> ControllerLogic::fence_expired(sim::SimTime now) {
  return fence_expired(now, config_.broker_session_timeout_ms);
}

ControllerResult<std::vector<BrokerId>> ControllerLogic::fence_expired(
    sim::SimTime now, std::int64_t broker_session_timeout_ms) {
  ControllerResult<std::vector<BrokerId>> result;
  const sim::Duration timeout = std::chrono::milliseconds(broker_session_timeout_ms);
  std::vector<BrokerId> expired;
  for (const auto& [id, b] : working_.brokers()) {
    if (b.fenced) continue;
    const auto session = last_heartbeat_.find(id);
    SAMSA_ASSERT(session != last_heartbeat_.end(), fmt::format("broker {} has no session", id));
    if (now - session->second > timeout) expired.push_back(id);
  }
  for (BrokerId id : expired) fence(result.records, id);
  result.response = std::move(expired);
  check_invariants();
  return result;
}

ControllerResult<AllocateProducerIdsResponse> ControllerLogic::allocate_producer_ids(
    const AllocateProducerIdsRequest& request) {
  ControllerResult<AllocateProducerIdsResponse> result;
  const BrokerRegistration* broker = working_.broker(request.broker_id);
  if (broker == nullptr || broker->epoch != request.broker_epoch) {
    result.response.error = ErrorCode::kStaleBrokerEpoch;
    return result;
  }
  const std::int64_t start = working_.next_producer_id();
  append(result.records, ProducerIdsRecord{request.broker_id, request.broker_epoch,
                                           start + kProducerIdBlockSize});
  result.response.producer_id_start = start;
  result.response.producer_id_len = kProducerIdBlockSize;
  return result;
}

}  // namespace samsa::cluster::controller
