#include "cluster/controller/controller_messages.h"

#include <fmt/format.h>

#include "cluster/message_digest.h"

namespace samsa::cluster::controller {
namespace {

std::string hint_text(const std::optional<sim::NodeId>& hint) {
  return hint ? fmt::format(" leader_hint={}", *hint) : std::string();
}

}  // namespace

BrokerRegistrationResponse BrokerRegistrationResponse::not_controller(
    std::optional<sim::NodeId> leader_hint) {
  BrokerRegistrationResponse response;
  response.error = ErrorCode::kNotController;
  response.leader_hint = leader_hint;
  return response;
}

BrokerHeartbeatResponse BrokerHeartbeatResponse::not_controller(
    std::optional<sim::NodeId> leader_hint) {
  BrokerHeartbeatResponse response;
  response.error = ErrorCode::kNotController;
  response.leader_hint = leader_hint;
  return response;
}

CreateTopicsResponse CreateTopicsResponse::not_controller(const CreateTopicsRequest& request,
                                                          std::optional<sim::NodeId> leader_hint) {
  CreateTopicsResponse response;
  for (const CreatableTopic& t : request.topics) {
    response.topics.push_back(CreatableTopicResult{t.name, ErrorCode::kNotController});
  }
  response.leader_hint = leader_hint;
  return response;
}

std::uint64_t BrokerRegistrationRequest::digest() const {
  return Digest(kind()).add(broker_id).add(std::uint64_t{node.value()}).add(incarnation).value();
}

std::string BrokerRegistrationRequest::describe() const {
  return fmt::format("BrokerRegistration(broker={} node={} incarnation={})", broker_id, node,
                     incarnation);
}

std::uint64_t BrokerRegistrationResponse::digest() const {
  return Digest(kind()).add(error).add(broker_epoch).add(leader_hint).value();
}

std::string BrokerRegistrationResponse::describe() const {
  return fmt::format("BrokerRegistrationResponse({} broker_epoch={}{})", error_name(error),
                     broker_epoch, hint_text(leader_hint));
}

std::uint64_t BrokerHeartbeatRequest::digest() const {
  return Digest(kind())
      .add(broker_id)
      .add(broker_epoch)
      .add(static_cast<std::uint64_t>(current_metadata_offset))
      .add(want_fence)
      .add(want_shutdown)
      .value();
}

std::string BrokerHeartbeatRequest::describe() const {
  return fmt::format("BrokerHeartbeat(broker={} epoch={} offset={} want_fence={} want_shutdown={})",
                     broker_id, broker_epoch, current_metadata_offset, want_fence, want_shutdown);
}

std::uint64_t BrokerHeartbeatResponse::digest() const {
  return Digest(kind())
      .add(error)
      .add(is_caught_up)
      .add(is_fenced)
      .add(should_shutdown)
      .add(leader_hint)
      .value();
}

std::string BrokerHeartbeatResponse::describe() const {
  return fmt::format("BrokerHeartbeatResponse({} caught_up={} fenced={} should_shutdown={}{})",
                     error_name(error), is_caught_up, is_fenced, should_shutdown,
                     hint_text(leader_hint));
}

std::uint64_t CreateTopicsRequest::digest() const {
  Digest d(kind());
  d.add(std::uint64_t{topics.size()});
  for (const CreatableTopic& t : topics) {
    d.add(std::string_view(t.name))
        .add(static_cast<std::uint64_t>(t.num_partitions))
        .add(static_cast<std::uint64_t>(t.replication_factor))
        .add(t.unclean_leader_election_enable);
  }
  return d.value();
}

std::string CreateTopicsRequest::describe() const {
  std::string text = "CreateTopics(";
  for (std::size_t i = 0; i < topics.size(); ++i) {
    const CreatableTopic& t = topics[i];
    text += fmt::format("{}{} partitions={} rf={} unclean={}", i == 0 ? "" : ", ", t.name,
                        t.num_partitions, t.replication_factor, t.unclean_leader_election_enable);
  }
  return text + ")";
}

std::uint64_t CreateTopicsResponse::digest() const {
  Digest d(kind());
  d.add(std::uint64_t{topics.size()});
  for (const CreatableTopicResult& t : topics) d.add(std::string_view(t.name)).add(t.error);
  return d.add(leader_hint).value();
}

std::string CreateTopicsResponse::describe() const {
  std::string text = "CreateTopicsResponse(";
  for (std::size_t i = 0; i < topics.size(); ++i) {
    text += fmt::format("{}{} {}", i == 0 ? "" : ", ", topics[i].name, error_name(topics[i].error));
  }
  return text + hint_text(leader_hint) + ")";
}

AllocateProducerIdsResponse AllocateProducerIdsResponse::not_controller(
    std::optional<sim::NodeId> leader_hint) {
  AllocateProducerIdsResponse response;
  response.error = ErrorCode::kNotController;
  response.leader_hint = leader_hint;
  return response;
}

std::uint64_t AllocateProducerIdsRequest::digest() const {
  return Digest(kind()).add(broker_id).add(broker_epoch).value();
}

std::uint64_t AllocateProducerIdsResponse::digest() const {
  return Digest(kind())
      .add(error)
      .add(static_cast<std::uint64_t>(producer_id_start))
      .add(static_cast<std::uint64_t>(static_cast<std::int64_t>(producer_id_len)))
      .add(leader_hint)
      .value();
}

}  // namespace samsa::cluster::controller
