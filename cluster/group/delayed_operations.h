// DelayedOperations: Kafka's purgatory (DelayedOperationPurgatory) reduced to what the
// group coordinator needs: at most one operation per key (GroupJoinKey, GroupSyncKey,
// MemberKey), each with Kafka's try_complete / on_complete / on_expiration, and a timer
// that is a fiber sleeping on the node's clock until the deadline or until the operation
// completes early or is replaced. Called from the coordinator's fibers.
// Invariants:
//   1. An operation runs on_complete at most once, and only after it left the purgatory
//      (so on_complete may watch a new operation under the same key).
//   2. A replaced or cancelled operation never runs anything.
//   3. At most one timer fiber is live per key: a replaced operation's fiber wakes at once
//      and ends.
// Lifetime: the fibers share the purgatory's state through a shared_ptr; operations hold
// only weak references to their owner.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "sim/node_env.h"
#include "sim/sync.h"

namespace samsa::cluster {

struct DelayedOperationKey {
  enum class Kind : std::uint8_t {
    kJoin,    // a group's rebalance (DelayedJoin, InitialDelayedJoin)
    kSync,    // members that must still send SyncGroup (DelayedSync)
    kMember,  // a member's session, or a pending member's wait (DelayedHeartbeat)
  };
  Kind kind;
  std::string group_id;
  std::string member_id;  // kMember only
  auto operator<=>(const DelayedOperationKey&) const = default;
};

struct DelayedOperation {
  std::function<bool()> try_complete;   // may be empty: completes only by expiring
  std::function<void()> on_complete;    // may be empty
  std::function<void()> on_expiration;  // may be empty; runs before on_complete
};

class DelayedOperations {
 public:
  explicit DelayedOperations(sim::NodeEnv env);

  // Kafka's tryCompleteElseWatch: completes `op` at once if it can, else watches it under
  // `key` (replacing what was there) until `timeout` passes. True when completed at once.
  bool try_complete_else_watch(DelayedOperationKey key, sim::Duration timeout, DelayedOperation op);
  // Kafka's checkAndComplete: completes the operation under `key` if it can now.
  bool check_and_complete(const DelayedOperationKey& key);
  // Drops the operation under `key` without running it; false if there was none.
  bool cancel(const DelayedOperationKey& key);
  void cancel_all();
  bool watched(const DelayedOperationKey& key) const { return state_->operations.contains(key); }
  std::size_t size() const { return state_->operations.size(); }

 private:
  struct Watched {
    std::uint64_t id = 0;
    DelayedOperation op;
    std::shared_ptr<sim::Event> done;  // set when it leaves the purgatory early
  };
  struct State {
    std::map<DelayedOperationKey, Watched> operations;
    std::uint64_t next_id = 1;
  };

  // Removes the operation under `key` and wakes its timer; returns it.
  static DelayedOperation take(State& state, std::map<DelayedOperationKey, Watched>::iterator it);

  sim::NodeEnv env_;
  std::shared_ptr<State> state_ = std::make_shared<State>();
};

}  // namespace samsa::cluster
