// The leader's view of its partition's replicas: each follower's log end offset and when
// it was last caught up, the ISR (as committed by the controller, and the "maximal" ISR
// while an AlterPartition is in flight, KIP-497), the high watermark, and the checks
// acks=all produce requests depend on. Pure logic, no I/O: the partition feeds it fetches
// and appends and acts on what it answers.
//
// Invariants:
//   1. The high watermark never decreases, and never exceeds the leader's log end offset.
//   2. The leader is in the ISR; the ISR is a subset of the assigned replicas.
//   3. At most one AlterPartition is in flight; while it is, the maximal ISR (committed
//      plus proposed) governs the high watermark and acknowledgements.
//   4. The high watermark does not advance while the ISR is smaller than
//      min.insync.replicas (KAFKA-15583).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "cluster/bugs.h"
#include "cluster/errors.h"
#include "cluster/types.h"

namespace samsa::cluster {

struct ReplicationConfig {
  std::int64_t replica_lag_time_max_ms = 30'000;
  std::int32_t min_insync_replicas = 1;
};

struct FollowerState {
  Offset log_end_offset{-1};  // unknown until the follower fetches from this leader
  std::int64_t last_caught_up_ms = 0;
  std::int64_t last_fetch_ms = 0;
  Offset leader_end_offset_at_last_fetch{-1};
};

struct AckCheck {
  bool done = false;                 // the request can be answered now
  ErrorCode error = ErrorCode::kNone;
};

class LeaderReplicaState {
 public:
  LeaderReplicaState(BrokerId self, ReplicationConfig config, const Bugs* bugs);

  // Becoming the leader of `epoch`, whose first offset is `epoch_start_offset` (the
  // leader's log end offset when elected). Followers in the ISR count as caught up now,
  // so they are not dropped before they had a chance to fetch.
  void become_leader(LeaderEpoch epoch, Offset epoch_start_offset, std::vector<BrokerId> replicas,
                     std::vector<BrokerId> isr, Offset leader_log_end_offset,
                     Offset high_watermark, std::int64_t now_ms);

  // The leader appended: returns true if the high watermark advanced.
  bool on_leader_append(Offset leader_log_end_offset);
  // A follower fetched from `fetch_offset` (which is its log end offset) while the
  // leader's log end offset was `leader_log_end_offset`. Returns true if the high
  // watermark advanced.
  bool on_follower_fetch(BrokerId follower, Offset fetch_offset, Offset leader_log_end_offset,
                         std::int64_t now_ms);

  Offset high_watermark() const { return high_watermark_; }
  LeaderEpoch leader_epoch() const { return epoch_; }
  Offset epoch_start_offset() const { return epoch_start_offset_; }
  const std::vector<BrokerId>& replicas() const { return replicas_; }
  const std::vector<BrokerId>& isr() const { return isr_; }
  std::vector<BrokerId> maximal_isr() const;
  const FollowerState* follower(BrokerId broker) const;

  // --- ISR changes (sent to the controller as AlterPartition) -------------------------
  // ISR members (other than the leader) that have not caught up within
  // replica.lag.time.max.ms.
  std::vector<BrokerId> out_of_sync_replicas(Offset leader_log_end_offset,
                                             std::int64_t now_ms) const;
  // Whether `follower` may join the ISR: it reached the high watermark and the start of
  // the leader's epoch (KAFKA-7128), and the controller considers it eligible (not
  // fenced, not shutting down).
  bool may_join_isr(BrokerId follower, bool eligible) const;
  bool alter_pending() const { return pending_isr_.has_value(); }
  const std::optional<std::vector<BrokerId>>& pending_isr() const { return pending_isr_; }
  void begin_alter(std::vector<BrokerId> proposed_isr);
  // The controller committed `isr` (or the leader learned it from metadata).
  void complete_alter(std::vector<BrokerId> isr, Offset leader_log_end_offset);
  void abort_alter() { pending_isr_.reset(); }

  // --- acks=all ----------------------------------------------------------------------
  // Before appending: NOT_ENOUGH_REPLICAS when the ISR is below min.insync.replicas.
  ErrorCode check_before_append() const;
  // Whether a request whose last offset is `last_offset` can be answered, and how.
  AckCheck check_acks_all(Offset last_offset, Offset leader_log_end_offset) const;

 private:
  bool maybe_advance_high_watermark(Offset leader_log_end_offset);
  bool under_min_isr() const;
  bool in(const std::vector<BrokerId>& set, BrokerId broker) const;

  BrokerId self_;
  ReplicationConfig config_;
  const Bugs* bugs_;
  LeaderEpoch epoch_{kNoLeaderEpoch};
  Offset epoch_start_offset_{0};
  std::vector<BrokerId> replicas_;
  std::vector<BrokerId> isr_;
  std::optional<std::vector<BrokerId>> pending_isr_;
  std::map<BrokerId, FollowerState> followers_;
  Offset high_watermark_{0};
};

}  // namespace samsa::cluster
