#include "cluster/broker/broker.h"

#include <fmt/format.h>

#include <functional>
#include <memory>
#include <optional>

#include "cluster/broker/broker_lifecycle.h"
#include "cluster/broker/controller_channel.h"
#include "cluster/broker/coordinator_service.h"
#include "cluster/broker/messages.h"
#include "cluster/broker/producer_id_manager.h"
#include "cluster/broker/replica_manager.h"
#include "cluster/controller/metadata_state_machine.h"
#include "cluster/log/partition_log.h"
#include "cluster/raft/raft_replica.h"
#include "sim/log.h"
#include "sim/rpc.h"

namespace samsa::cluster {

std::optional<TopicPartition> parse_partition_dir(const std::string& name) {
  const std::size_t dash = name.rfind('-');
  if (dash == std::string::npos || dash == 0 || dash + 1 >= name.size()) return std::nullopt;
  std::int32_t index = 0;
  for (std::size_t i = dash + 1; i < name.size(); ++i) {
    if (name[i] < '0' || name[i] > '9' || index > 1'000'000) return std::nullopt;
    index = index * 10 + (name[i] - '0');
  }
  return TopicPartition{name.substr(0, dash), PartitionIndex(index)};
}

namespace {

// Opens (and so recovers) every partition log found under log.dirs.
void recover_logs(sim::NodeEnv& env, const BrokerConfig& config, ReplicaManager& replicas) {
  for (const std::string& name : env.disk().list_dirs(config.log_dirs)) {
    const std::optional<TopicPartition> tp = parse_partition_dir(name);
    if (!tp) continue;
    auto log = PartitionLog::open(env, fmt::format("{}/{}", config.log_dirs, name),
                                  log_config_for(config, tp->topic));
    if (!log.ok()) {
      // Kafka takes the log dir offline; here the partition stays offline (answering
      // KAFKA_STORAGE_ERROR) until the process restarts and recovery is tried again.
      SAMSA_LOG_WARN("broker {} cannot recover the log of {}: {}", config.broker_id, name,
                     log_error_name(log.error()));
      replicas.add_offline(*tp);
      continue;
    }
    replicas.add_recovered(*tp, std::move(log).value());
  }
}

// Answers one request (in its own fiber); nothing is sent for acks=0 produces.
void handle_request(ReplicaManager& replicas, const MetadataImage& image, sim::RpcEndpoint& rpc,
                    ProducerIdManager& producer_ids, CoordinatorService& groups,
                    const sim::Envelope& request) {
  const sim::Message* message = request.message.get();
  sim::MessagePtr response;
  if (const auto* produce = dynamic_cast<const ProduceRequest*>(message)) {
    response = replicas.produce(*produce);
  } else if (const auto* fetch = dynamic_cast<const FetchRequest*>(message)) {
    response = replicas.fetch(*fetch);
  } else if (const auto* list = dynamic_cast<const ListOffsetsRequest*>(message)) {
    response = replicas.list_offsets(*list);
  } else if (const auto* epoch = dynamic_cast<const OffsetsForLeaderEpochRequest*>(message)) {
    response = replicas.offsets_for_leader_epoch(*epoch);
  } else if (const auto* meta = dynamic_cast<const MetadataRequest*>(message)) {
    response = replicas.metadata(*meta, image);
  } else if (dynamic_cast<const InitProducerIdRequest*>(message) != nullptr) {
    response = std::make_shared<InitProducerIdResponse>(producer_ids.init_producer_id());
  } else if (sim::MessagePtr answer = groups.handle(*message)) {
    response = std::move(answer);
  } else {
    SAMSA_LOG_DEBUG("broker ignores a {} request", message->kind());
  }
  if (response != nullptr && request.correlation_id != 0) rpc.reply(request, std::move(response));
}

// Serves requests, one fiber each, bounded by max_in_flight_requests. `on_other` sees
// every request first and returns true when it took it (metadata, Raft).
void serve_requests(sim::NodeEnv& env, const BrokerConfig& config, sim::RpcEndpoint& rpc,
                    ReplicaManager& replicas, const MetadataImage& image,
                    ProducerIdManager& producer_ids, CoordinatorService& groups,
                    const std::function<bool(const sim::Envelope&)>& on_other) {
  // Shared with the handler fibers, which may unwind after this frame on a crash.
  auto in_flight = std::make_shared<std::size_t>(0);
  rpc.serve([&](const sim::Envelope& request) {
    if (on_other(request)) return;
    if (*in_flight >= config.max_in_flight_requests) {
      SAMSA_LOG_DEBUG("broker {} drops a {}: too many requests in flight", config.broker_id,
                      request.message->kind());
      return;
    }
    ++*in_flight;
    env.spawn(fmt::format("request-{}", request.message->kind()), [&, request, in_flight] {
      struct Done {
        std::shared_ptr<std::size_t> count;
        ~Done() { --*count; }
      } done{in_flight};
      handle_request(replicas, image, rpc, producer_ids, groups, request);
    });
  });
}

raft::RaftConfig metadata_log_config(const BrokerConfig& config) {
  raft::RaftConfig raft;
  raft.voters = config.controller_quorum_voters;
  raft.dir = config.metadata_log_dir;
  raft.fetch_timeout_ms = config.metadata_fetch_timeout_ms;
  raft.request_timeout_ms = config.request_timeout_ms;
  return raft;
}

}  // namespace

void run_broker(sim::NodeEnv& env, const BrokerConfig& config) {
  SAMSA_ASSERT(!config.controller_quorum_voters.empty(), "a broker needs controller.quorum.voters");
  sim::RpcEndpoint rpc(env.network(), env.id());
  MetadataImage image;
  ControllerChannel controller(env, rpc, config.controller_quorum_voters,
                               std::chrono::milliseconds(config.request_timeout_ms),
                               std::chrono::milliseconds(config.replica_fetch_backoff_ms));
  BrokerContext ctx{env, rpc, config, image, controller, {}};
  ReplicaManager replicas(ctx);
  // Group coordination follows this broker's leaderships of the offsets topic.
  CoordinatorService groups(ctx, replicas);
  replicas.set_role_listener([&groups](const TopicPartition& tp, ReplicaRole role,
                                       LeaderEpoch epoch) { groups.on_role(tp, role, epoch); });
  recover_logs(env, config, replicas);
  replicas.start_checkpointing();
  replicas.start_log_manager();
  SAMSA_LOG_DEBUG("broker {} up", config.broker_id);
  BrokerLifecycle* registered = nullptr;  // set once the lifecycle exists (KRaft mode)
  ProducerIdManager producer_ids(
      controller, config.broker_id,
      [&]() -> std::optional<BrokerEpoch> {
        return registered != nullptr ? registered->broker_epoch() : std::nullopt;
      },
      std::chrono::milliseconds(config.request_timeout_ms));

  if (config.metadata_source == MetadataSource::kPushedByTest) {
    serve_requests(
        env, config, rpc, replicas, image, producer_ids, groups, [&](const sim::Envelope& request) {
          const auto* update = dynamic_cast<const MetadataUpdate*>(request.message.get());
          if (update == nullptr) return false;
          replicas.apply_metadata(image, update->delta);  // in order, in the receive loop
          return true;
        });
    return;
  }
  // KIP-631: the metadata log, followed as an observer, drives every role change.
  // KIP-631: a starting broker acts on no partition state until the metadata holds its
  // registration for this process (Kafka's BrokerServer installs its metadata publishers
  // only after the initial catch-up). Leaderships replayed from before a restart — which
  // the controller moves away when the new incarnation registers — are never acted on: a
  // leader that lost power must not lead again in its old epoch with a shorter log.
  bool published = false;
  controller::MetadataStateMachine machine(image, [&](const MetadataDelta& delta) {
    if (published) return replicas.apply_metadata(image, delta);
    if (!image.apply(delta)) return;
    const BrokerRegistration* self = image.broker(config.broker_id);
    if (registered == nullptr || self == nullptr ||
        self->incarnation != registered->incarnation()) {
      return;
    }
    published = true;
    replicas.publish_image(image);
  });
  raft::RaftReplica metadata_log(env, rpc, metadata_log_config(config), machine);
  machine.set_high_watermark_source([&] { return metadata_log.leader_high_watermark(); });
  controller.set_hint_source([&] { return metadata_log.leader(); });
  const auto started = metadata_log.start();
  SAMSA_ASSERT(started.ok(), fmt::format("broker {} cannot open its metadata log: {}",
                                         config.broker_id, raft::raft_error_name(started.error())));
  BrokerLifecycle lifecycle(env, controller, config,
                            [&] { return machine.published_end_offset(); });
  lifecycle.start();
  registered = &lifecycle;
  serve_requests(
      env, config, rpc, replicas, image, producer_ids, groups, [&](const sim::Envelope& request) {
        if (metadata_log.handle(request)) return true;
        if (dynamic_cast<const ControlledShutdownRequest*>(request.message.get()) == nullptr) {
          return false;
        }
        lifecycle.begin_controlled_shutdown();
        env.spawn("controlled-shutdown",
                  [&, request, allowed = lifecycle.shutdown_allowed_event()] {
                    // Answered once the controller allows the stop (or never, if the process dies).
                    allowed->wait();
                    replicas.flush_for_shutdown();
                    rpc.reply(request, std::make_shared<ControlledShutdownResponse>());
                  });
        return true;
      });
}

}  // namespace samsa::cluster
