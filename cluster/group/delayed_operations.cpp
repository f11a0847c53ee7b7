#include "cluster/group/delayed_operations.h"

#include <utility>

namespace samsa::cluster {

DelayedOperations::DelayedOperations(sim::NodeEnv env) : env_(env) {}

DelayedOperation DelayedOperations::take(State& state,
                                         std::map<DelayedOperationKey, Watched>::iterator it) {
  Watched watched = std::move(it->second);
  state.operations.erase(it);
  watched.done->set();
  return std::move(watched.op);
}

bool DelayedOperations::try_complete_else_watch(DelayedOperationKey key, sim::Duration timeout,
                                                DelayedOperation op) {
  cancel(key);
  if (op.try_complete && op.try_complete()) {
    if (op.on_complete) op.on_complete();
    return true;
  }
  const std::uint64_t id = state_->next_id++;
  auto done = std::make_shared<sim::Event>();
  state_->operations.emplace(key, Watched{id, std::move(op), done});
  const sim::SimTime deadline = env_.deadline_after(timeout);
  env_.spawn("group-delayed-op", [state = state_, key, id, done, deadline] {
    if (done->wait_until(deadline)) return;  // completed early, replaced or cancelled
    const auto it = state->operations.find(key);
    if (it == state->operations.end() || it->second.id != id) return;
    DelayedOperation expired = take(*state, it);
    if (expired.on_expiration) expired.on_expiration();
    if (expired.on_complete) expired.on_complete();
  });
  return false;
}

bool DelayedOperations::check_and_complete(const DelayedOperationKey& key) {
  const auto it = state_->operations.find(key);
  if (it == state_->operations.end()) return false;
  if (!it->second.op.try_complete || !it->second.op.try_complete()) return false;
  // try_complete does not touch the purgatory, so `it` is still valid.
  DelayedOperation completed = take(*state_, it);
  if (completed.on_complete) completed.on_complete();
  return true;
}

bool DelayedOperations::cancel(const DelayedOperationKey& key) {
  const auto it = state_->operations.find(key);
  if (it == state_->operations.end()) return false;
  take(*state_, it);
  return true;
}

void DelayedOperations::cancel_all() {
  while (!state_->operations.empty()) take(*state_, state_->operations.begin());
}

}  // namespace samsa::cluster
