// ProducerIdManager: how a broker answers InitProducerId (KIP-98) with ids unique across
// the cluster and across restarts, after Kafka's RPCProducerIdManager (KIP-730): it hands
// out ids from a block the active controller allocated to this broker (AllocateProducerIds,
// recorded in the metadata log), and asks for the next block when one runs out. run_broker
// owns one and answers InitProducerId from a request fiber.
//
// Invariants: 1. an id is handed out at most once per process (the block's cursor only
// moves forward); 2. blocks come only from the controller, whose ProducerIdsRecord moves
// next_producer_id past the block before the answer is sent, so a restarted broker (or
// another broker) never receives an overlapping block; 3. at most one allocation request
// is in flight (other callers wait for it, bounded by the request timeout).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>

#include "cluster/broker/controller_channel.h"
#include "cluster/broker/messages.h"

namespace samsa::cluster {

class ProducerIdManager {
 public:
  ProducerIdManager(ControllerChannel& controller, BrokerId broker_id,
                    std::function<std::optional<BrokerEpoch>()> broker_epoch,
                    sim::Duration timeout)
      : controller_(controller),
        broker_id_(broker_id),
        broker_epoch_(std::move(broker_epoch)),
        timeout_(timeout) {}

  // From a fiber: the answer to one InitProducerId (a new id with epoch 0), or
  // COORDINATOR_NOT_AVAILABLE when no block could be had before the timeout.
  InitProducerIdResponse init_producer_id();

 private:
  bool fetch_block();

  ControllerChannel& controller_;
  BrokerId broker_id_;
  std::function<std::optional<BrokerEpoch>()> broker_epoch_;
  sim::Duration timeout_;
  std::int64_t next_ = 0;  // the block [next_, end_) still to hand out
  std::int64_t end_ = 0;
  bool fetching_ = false;
};

}  // namespace samsa::cluster
