#include "cluster/broker/fetcher.h"

#include <fmt/format.h>

#include <memory>

#include "cluster/broker/messages.h"
#include "cluster/broker/partition.h"
#include "sim/log.h"

namespace samsa::cluster {

void FetcherManager::ensure_fetcher(BrokerId leader) {
  if (running_[leader]) return;
  running_[leader] = true;
  ctx_.env.spawn(fmt::format("fetcher-{}", leader), [this, leader] { run(leader); });
}

void FetcherManager::run(BrokerId leader) {
  const sim::Duration backoff = std::chrono::milliseconds(ctx_.config.replica_fetch_backoff_ms);
  // Bounded by the process's life: a crash unwinds this fiber (FiberKilled).
  for (;;) {
    const std::vector<Partition*> partitions = work_(leader);
    if (partitions.empty() || !fetch_once(leader, partitions)) ctx_.env.sleep_for(backoff);
  }
}

// One Fetch round trip to `leader` for `partitions`; false when the round failed and the
// fetcher should back off.
bool FetcherManager::fetch_once(BrokerId leader, const std::vector<Partition*>& partitions) {
  const BrokerRegistration* target = ctx_.image.broker(leader);
  if (target == nullptr) return false;
  auto request = std::make_shared<FetchRequest>();
  request->replica_id = ctx_.config.broker_id;
  const BrokerRegistration* self = ctx_.image.broker(ctx_.config.broker_id);
  request->replica_epoch = self != nullptr ? self->epoch : BrokerEpoch(-1);
  request->max_wait_ms = ctx_.config.replica_fetch_wait_max_ms;
  request->min_bytes = ctx_.config.replica_fetch_min_bytes;
  for (const Partition* p : partitions) request->partitions.push_back(p->next_fetch());
  const FetchRequest sent = *request;
  const sim::Duration timeout = std::chrono::milliseconds(ctx_.config.replica_fetch_wait_max_ms +
                                                          ctx_.config.request_timeout_ms);
  auto result = ctx_.rpc.call(target->node, std::move(request), timeout);
  if (!result.ok()) {
    SAMSA_LOG_DEBUG("fetch from broker {} failed: {}", leader, sim::rpc_error_name(result.error()));
    return false;
  }
  const auto& response = static_cast<const FetchResponse&>(*result.value());
  if (response.error != ErrorCode::kNone) return false;
  bool all_ok = true;
  for (std::size_t i = 0; i < sent.partitions.size() && i < response.partitions.size(); ++i) {
    const FetchPartition& asked = sent.partitions[i];
    const FetchedPartition& got = response.partitions[i];
    SAMSA_ASSERT(asked.tp == got.tp, "a fetch response lists partitions in request order");
    all_ok = partitions[i]->on_fetch_response(asked, got) && all_ok;
  }
  return all_ok;
}

}  // namespace samsa::cluster
