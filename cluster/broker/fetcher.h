// The follower side of replication: one fetcher fiber per source broker (the leader of
// some partitions this broker follows), after Kafka's ReplicaFetcherThread. Each round it
// asks its ReplicaManager which partitions follow that leader, sends one Fetch with
// replica_id = this broker (long-polling replica.fetch.wait.max.ms) and hands each
// partition its answer; errors back off replica.fetch.backoff.ms. Invariant: at most one
// fetcher fiber per source broker, and at most one Fetch in flight per fetcher.
#pragma once

#include <functional>
#include <map>
#include <vector>

#include "cluster/types.h"

namespace samsa::cluster {

class Partition;
struct BrokerContext;

class FetcherManager {
 public:
  using WorkList = std::function<std::vector<Partition*>(BrokerId leader)>;
  FetcherManager(BrokerContext& ctx, WorkList work) : ctx_(ctx), work_(std::move(work)) {}

  // Makes sure a fetcher runs for `leader` (it idles while it has nothing to fetch).
  void ensure_fetcher(BrokerId leader);

 private:
  void run(BrokerId leader);
  bool fetch_once(BrokerId leader, const std::vector<Partition*>& partitions);

  BrokerContext& ctx_;
  WorkList work_;
  std::map<BrokerId, bool> running_;  // by source broker
};

}  // namespace samsa::cluster
