// The active KRaft controller's decisions (KIP-631, KIP-497, KIP-841), as pure logic: no
// fibers, network or disk. The integrator runs it inside the controller node on the Raft
// leader: each operation reads and updates a working MetadataImage (the committed records
// plus the ones this controller appended and are not yet committed — every generated
// record is replayed into it at once, as KRaft's QuorumController does) and returns the
// records to append to the metadata log, as one batch, with the response to send once the
// log is committed through next_offset() - 1. On failover a new ControllerLogic is built
// over the new leader's replayed image.
// Invariants (with Bug::kElectOutsideIsr and Bug::kFencedBrokerJoinsIsr off):
//   1. After every record the working image passes MetadataImage::validate(); records are
//      ordered so that every intermediate version does too (partition changes that move a
//      broker out come before the record that fences it, shuts it down or re-registers it).
//   2. Broker epochs strictly increase across registrations (last_broker_epoch + 1).
//   3. Every PartitionChangeRecord comes from a PartitionChangeBuilder (one election rule).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "cluster/broker/messages.h"
#include "cluster/controller/controller_config.h"
#include "cluster/controller/controller_messages.h"
#include "cluster/controller/election.h"
#include "cluster/controller/metadata_records.h"
#include "cluster/metadata/metadata.h"
#include "sim/random.h"
#include "sim/time.h"

namespace samsa::cluster::controller {

template <class Response>
struct ControllerResult {
  std::vector<MetadataRecord> records;  // to append, in order, as one batch
  Response response;
};

class ControllerLogic {
 public:
  // Becomes active over `image`, which holds the metadata log up to next_offset - 1
  // (default: image.version()). Every registered broker gets a fresh session at `now`.
  ControllerLogic(ControllerConfig config, MetadataImage image, sim::SimTime now);
  ControllerLogic(ControllerConfig config, MetadataImage image, std::int64_t next_offset,
                  sim::SimTime now);

  // The working image: committed plus appended-but-uncommitted records.
  const MetadataImage& image() const { return working_; }
  // The metadata log offset the next generated record takes. If the Raft layer appends
  // records of its own (a leader-change control record), move it on with
  // set_next_offset(raft log end offset) before the next operation.
  std::int64_t next_offset() const { return next_offset_; }
  void set_next_offset(std::int64_t offset);
  const ControllerConfig& config() const { return config_; }
  // When the broker's session last heard from it (registration, heartbeat, activation).
  std::optional<sim::SimTime> last_heartbeat(BrokerId broker) const;

  // A new broker epoch (last + 1) and a RegisterBrokerRecord (the broker starts fenced). A
  // new incarnation of a registered broker replaces the old registration, after moving the
  // broker out of every ISR and leadership (KRaft's handleBrokerUncleanShutdown); the same
  // incarnation again gets the current epoch and no record (an idempotent retry).
  ControllerResult<BrokerRegistrationResponse> register_broker(
      const BrokerRegistrationRequest& request, sim::SimTime now);

  // STALE_BROKER_EPOCH for an epoch that is not the registered one. Otherwise renews the
  // session and: want_shutdown -> controlled shutdown (leaderships moved away, out of every
  // ISR it can leave, then in_controlled_shutdown), should_shutdown once it leads nothing;
  // fenced, caught up (current_metadata_offset >= registration offset), not want_fence ->
  // unfenced, then leaders elected for the leaderless partitions it can lead;
  // unfenced and want_fence -> fenced.
  ControllerResult<BrokerHeartbeatResponse> heartbeat(const BrokerHeartbeatRequest& request,
                                                      sim::SimTime now);

  // Fences every unfenced broker whose last heartbeat is more than the session timeout
  // before `now`: out of every ISR (the last member stays), leaders re-elected, then the
  // fenced record. The response lists the fenced brokers by id.
  ControllerResult<std::vector<BrokerId>> fence_expired(sim::SimTime now);
  ControllerResult<std::vector<BrokerId>> fence_expired(sim::SimTime now,
                                                        std::int64_t broker_session_timeout_ms);

  // KIP-497 with KIP-841's eligibility check; on success the response carries the new
  // partition state.
  ControllerResult<AlterPartitionResponse> alter_partition(const AlterPartitionRequest& request);

  // Validates each topic, places its replicas round robin over the eligible brokers with
  // start index and shift drawn from `placement_rng` (two draws per topic while any broker
  // is eligible), and writes a TopicRecord and its PartitionRecords.
  ControllerResult<CreateTopicsResponse> create_topics(const CreateTopicsRequest& request,
                                                       sim::Rng& placement_rng);
  // KIP-730: the next kProducerIdBlockSize producer ids for a registered broker (its
  // current epoch, else STALE_BROKER_EPOCH), recorded by a ProducerIdsRecord so that no
  // id is handed out twice, across controller failovers too.
  static constexpr std::int32_t kProducerIdBlockSize = 1000;
  ControllerResult<AllocateProducerIdsResponse> allocate_producer_ids(
      const AllocateProducerIdsRequest& request);

 private:
  using Records = std::vector<MetadataRecord>;

  void append(Records& out, MetadataRecord record);
  void change_partition(Records& out, const PartitionState& partition,
                        const BrokerEligibility& eligibility,
                        std::optional<std::vector<BrokerId>> target_isr);
  void move_out(Records& out, BrokerId broker);
  void fence(Records& out, BrokerId broker);
  void begin_controlled_shutdown(Records& out, BrokerId broker);
  void unfence(Records& out, BrokerId broker);
  bool leads_any(BrokerId broker) const;
  bool unclean_enabled(const TopicPartition& tp) const;
  ErrorCode validate_alter(const AlterPartitionRequest& request) const;
  ErrorCode create_topic(Records& out, const CreatableTopic& topic, sim::Rng& placement_rng);
  void check_invariants() const;

  ControllerConfig config_;
  MetadataImage working_;
  std::int64_t next_offset_;
  std::map<BrokerId, sim::SimTime> last_heartbeat_;  // sessions: in memory, not replicated
};

}  // namespace samsa::cluster::controller
