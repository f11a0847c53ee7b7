#include "cluster/broker/producer_id_manager.h"

#include "cluster/controller/controller_messages.h"
#include "sim/log.h"

namespace samsa::cluster {

InitProducerIdResponse ProducerIdManager::init_producer_id() {
  InitProducerIdResponse response;
  // While another fiber fetches a block this one answers COORDINATOR_NOT_AVAILABLE (the
  // client retries) rather than waiting on state a crash could free under it.
  if (next_ >= end_ && !fetching_) fetch_block();
  if (next_ >= end_) {
    response.error = ErrorCode::kCoordinatorNotAvailable;
    return response;
  }
  response.producer_id = ProducerId(next_++);
  response.producer_epoch = ProducerEpoch(0);
  return response;
}

bool ProducerIdManager::fetch_block() {
  const std::optional<BrokerEpoch> epoch = broker_epoch_();
  if (!epoch) return false;  // not registered yet
  fetching_ = true;
  auto request = std::make_shared<controller::AllocateProducerIdsRequest>();
  request->broker_id = broker_id_;
  request->broker_epoch = *epoch;
  const std::optional<sim::MessagePtr> answer = controller_.call(request, timeout_);
  fetching_ = false;
  if (!answer) return false;
  const auto* response =
      dynamic_cast<const controller::AllocateProducerIdsResponse*>(answer->get());
  if (response == nullptr || response->error != ErrorCode::kNone) return false;
  SAMSA_ASSERT(response->producer_id_start >= end_ && response->producer_id_len > 0,
               "a new producer id block starts past the previous one");
  next_ = response->producer_id_start;
  end_ = response->producer_id_start + response->producer_id_len;
  SAMSA_LOG_DEBUG("broker {} got producer ids [{}, {})", broker_id_, next_, end_);
  return true;
}

}  // namespace samsa::cluster
