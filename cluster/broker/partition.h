// One replica of one partition on this broker: its PartitionLog, its role (leader,
// follower, or none), the leader's replica state (HW, ISR, acks=all checks) while it
// leads, and the idempotent producers' state. The ReplicaManager routes requests and
// metadata to it; the Fetcher feeds it the leader's answers while it follows.
//
// Invariants:
//   1. high watermark <= log end offset, on leader and follower alike.
//   2. On the leader the high watermark never decreases within one leadership.
//   3. A fiber waiting for acks=all ends exactly once: answered, timed out, or failed
//      with NOT_LEADER_OR_FOLLOWER when leadership is lost.
//   4. At most one AlterPartition is in flight (LeaderReplicaState enforces it).
//   5. Log operations and role changes never interleave: each public entry point that
//      touches them holds the partition's sim::Mutex (disk calls are scheduling points).
//   6. Once offline (its log failed to open, or failed an I/O: Kafka's offline log dir)
//      a replica has no role and no log calls, answers every request with
//      KAFKA_STORAGE_ERROR, ignores metadata, and stays so until the process restarts.
#pragma once

#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "cluster/broker/broker.h"
#include "cluster/broker/controller_channel.h"
#include "cluster/broker/leader_replica_state.h"
#include "cluster/broker/messages.h"
#include "cluster/log/log_config.h"
#include "cluster/metadata/metadata.h"
#include "sim/node_env.h"
#include "sim/rpc.h"
#include "sim/sync.h"

namespace samsa::cluster {

class PartitionLog;

// What every partition of a broker shares.
struct BrokerContext {
  sim::NodeEnv& env;
  sim::RpcEndpoint& rpc;
  const BrokerConfig& config;
  const MetadataImage& image;
  ControllerChannel& controller;  // AlterPartition goes to the active controller
  sim::ChangeSignal changed;
};

struct AppendOutcome {
  ErrorCode error = ErrorCode::kNone;
  Offset base_offset{-1};
  Offset last_offset{-1};
  LeaderEpoch epoch{kNoLeaderEpoch};  // the leadership it was appended under
  bool appended = false;  // in the log: appended now, or earlier (an idempotent duplicate)
};

class Partition {
 public:
  // A null `log` (it failed to open) makes the replica offline from the start.
  Partition(BrokerContext& ctx, TopicPartition tp, std::unique_ptr<PartitionLog> log);
  ~Partition();

  const TopicPartition& tp() const { return tp_; }
  ReplicaRole role() const { return role_; }
  LeaderEpoch leader_epoch() const { return state_.leader_epoch; }
  BrokerId leader() const { return state_.leader; }
  bool offline() const { return offline_; }
  Offset high_watermark() const { return high_watermark_; }
  Offset log_end_offset() const;
  const LeaderReplicaState* leader_state() const { return leader_ ? &*leader_ : nullptr; }

  // --- Metadata: become leader / follower / stop, or an ISR change -------------------
  void apply_state(const PartitionState& state);

  // --- Leader side ----------------------------------------------------------------------
  // NOT_LEADER_OR_FOLLOWER unless leading; FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH
  // when `current` (not -1) is older / newer than ours (KIP-320).
  ErrorCode check_leader_epoch(LeaderEpoch current, bool leader_required) const;
  AppendOutcome append_records(const ProduceRequest& request);
  // The delay queue: waits until acks=all can be answered for `appended`.
  ErrorCode await_acks_all(const AppendOutcome& appended, sim::SimTime deadline);
  // One partition of a Fetch, for a consumer (replica_id -1) or a follower. A consumer
  // may be served by a follower (up to its HW) when `follower_may_serve` (KIP-392).
  FetchedPartition read(const FetchPartition& request, BrokerId replica_id,
                        bool follower_may_serve);
  ListOffsetsResponse list_offsets(const ListOffsetsRequest& request);
  // OffsetsForLeaderEpoch (KIP-101/KIP-279): the end offset of `epoch` in this log.
  EpochEndOffset end_offset_for(LeaderEpoch epoch) const;
  // The group coordinator's load of an offsets-topic partition this broker leads: whole
  // batches from `from` (nullopt: the log start offset) up to the log END offset (Kafka's
  // GroupMetadataManager loads to the log end: a new leader never truncates, so what it
  // holds becomes committed), at most `max_bytes`. NOT_LEADER_OR_FOLLOWER unless leading
  // in `epoch`;
  // OFFSET_OUT_OF_RANGE when `from` is outside [log start, log end]; KAFKA_STORAGE_ERROR.
  struct LocalRead {
    Bytes batches;
    Offset log_start_offset{0};
    Offset log_end_offset{0};
  };
  sim::Result<LocalRead, ErrorCode> read_as_leader_to_log_end(LeaderEpoch epoch,
                                                              std::optional<Offset> from,
                                                              std::int32_t max_bytes);

  // --- Follower side (partition_follower.cpp), called by the fetcher ----------------------
  FetchPartition next_fetch() const;
  // Applies the leader's answer to a fetch built by next_fetch(). Returns false when the
  // fetcher should back off (an error).
  bool on_fetch_response(const FetchPartition& sent, const FetchedPartition& got);

  // --- Retention and compaction (partition_cleanup.cpp), by the broker's log manager ---
  // One retention check of this replica's log (log_retention.h), by the broker's clock.
  void run_retention();
  // One log cleaner pass when the topic compacts and the log is due (log_cleaner.h).
  void run_cleaner();

  // Writes the HW to "replication-offset-checkpoint" if it moved (the broker's periodic
  // replica.high.watermark.checkpoint.interval.ms task).
  void checkpoint_high_watermark();
  // A clean shutdown (Kafka's LogManager.shutdown): checkpoints the HW and flushes the log
  // with a producer-state snapshot, so the next start recovers without scanning.
  void flush_for_shutdown();

 private:
  void become_leader(const PartitionState& state);
  void become_follower(const PartitionState& state);
  void stop();
  void update_isr(const PartitionState& state);
  // ISR maintenance (partition_isr.cpp).
  void run_isr_checks(std::uint64_t generation);
  void maybe_expand_isr(BrokerId follower);
  void send_alter_partition(std::vector<BrokerId> new_isr);
  void request_alter_partition();
  void on_alter_response(std::uint64_t generation, const std::optional<sim::MessagePtr>& answer);
  bool eligible_for_isr(BrokerId broker) const;

  AppendOutcome append_to_log(const Bytes& batch, AppendOutcome out);
  void fill_offsets(FetchedPartition& out) const;
  void truncate_on_divergence(const EpochEndOffset& diverging);
  bool expose_high_watermark_first(const FetchPartition& sent, const FetchedPartition& got);

  // Log helpers shared by leader and follower paths (partition_follower.cpp).
  // nullopt when the read failed with an I/O error (the replica is offline then).
  std::optional<Bytes> read_range(Offset from, Offset limit, std::int32_t max_bytes);
  void set_follower_high_watermark(Offset leader_high_watermark);
  // Takes the leader state's HW (asserting it only moves up) and wakes waiters.
  void sync_leader_high_watermark();
  void truncate_to(Offset offset);
  void follow_log_start_offset(Offset leader_log_start);
  // A log call failed with `error`: on an I/O error the replica goes offline (invariant
  // 6). Returns whether it is offline.
  bool went_offline(LogError error, std::string_view during);
  // Takes the replica offline: no role, no leader state, every waiter woken.
  void go_offline(std::string_view during);
  std::int64_t now_ms() const;
  // Tells the config's replica_observer the replica's state if it changed since last told.
  void observe();
  // Observes when the scope ends normally; not while a crash unwinds the fiber (the
  // partition may already be gone with the process).
  struct ObserveOnExit {
    Partition& partition;
    int exceptions = std::uncaught_exceptions();
    ~ObserveOnExit() {
      if (std::uncaught_exceptions() == exceptions) partition.observe();
    }
  };

  BrokerContext& ctx_;
  TopicPartition tp_;
  std::unique_ptr<PartitionLog> log_;
  ReplicaRole role_ = ReplicaRole::kNone;
  PartitionState state_;  // the latest state learned from metadata or AlterPartition
  std::optional<LeaderReplicaState> leader_;
  bool offline_ = false;
  Offset high_watermark_{0};
  Offset checkpointed_high_watermark_{0};
  sim::Mutex log_mutex_;  // held by every public operation that touches the log or role
  std::optional<ReplicaObservation> observed_;  // what observe() last reported
  std::uint64_t generation_ = 0;  // bumped on every role change; fibers of an old one stop
};

}  // namespace samsa::cluster
