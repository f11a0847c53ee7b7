#include "cluster/controller/quorum_controller.h"

#include <fmt/format.h>

#include "cluster/broker/messages.h"
#include "cluster/controller/controller_messages.h"
#include "sim/log.h"

namespace samsa::cluster::controller {

void run_controller(sim::NodeEnv& env, const ControllerNodeConfig& config) {
  sim::RpcEndpoint rpc(env.network(), env.id());
  QuorumController controller(env, rpc, config);
  controller.run();
}

QuorumController::QuorumController(sim::NodeEnv& env, sim::RpcEndpoint& rpc,
                                   const ControllerNodeConfig& config)
    : env_(env),
      rpc_(rpc),
      config_(config),
      machine_(committed_,
               [this](const MetadataDelta& delta) {
                 committed_.apply(delta);
                 if (config_.on_commit) config_.on_commit(committed_);
               }),
      raft_(env, rpc, config.raft, machine_),
      events_(std::make_shared<sim::Channel<Event>>(config.max_queued_events)) {
  machine_.set_high_watermark_source([this] { return raft_.leader_high_watermark(); });
  // Leadership moves are picked up by the event loop; a wake-up event makes it look now.
  machine_.set_leader_listener([this](std::optional<sim::NodeId>, LeaderEpoch) {
    events_->try_push(Event{true, {}});
  });
}

void QuorumController::run() {
  const auto started = raft_.start();
  SAMSA_ASSERT(started.ok(), fmt::format("controller {} cannot open its metadata log: {}",
                                         env_.name(), raft::raft_error_name(started.error())));
  env_.spawn("controller-events", [this, events = events_] { event_loop(*events); });
  env_.spawn("controller-sessions", [this] {
    for (;;) {  // for the process's life
      env_.sleep_for(std::chrono::milliseconds(config_.session_check_interval_ms));
      events_->try_push(Event{true, {}});
    }
  });
  rpc_.serve([this](const sim::Envelope& request) {
    if (raft_.handle(request)) return;
    if (!events_->try_push(Event{false, request})) {
      SAMSA_LOG_DEBUG("controller drops a {}: the queue is full", request.message->kind());
    }
  });
}

void QuorumController::event_loop(sim::Channel<Event>& events) {
  for (;;) {  // for the process's life; pop() waits
    std::optional<Event> event = events.pop();
    if (!event) return;
    sync_leadership();
    if (event->tick) {
      tick();
    } else {
      handle(event->request);
    }
  }
}

// Becomes the active controller when Raft says this node is the ready leader of a new
// epoch (every earlier record applied), and stops being it when Raft says otherwise.
void QuorumController::sync_leadership() {
  const bool leads = raft_.is_ready_leader();
  if (logic_ && (!leads || raft_.epoch() != active_epoch_)) deactivate();
  if (!logic_ && leads) {
    machine_.publish_now();  // the committed image holds every record of earlier epochs
    active_epoch_ = raft_.epoch();
    logic_.emplace(config_.controller, committed_, raft_.log_end_offset().value(),
                   env_.monotonic());
    SAMSA_LOG_INFO("controller {} is active in epoch {} at metadata version {}", env_.name(),
                   active_epoch_, committed_.version());
    if (config_.on_active_change) config_.on_active_change(true, active_epoch_);
  }
}

void QuorumController::deactivate() {
  SAMSA_LOG_INFO("controller {} is no longer active (epoch {})", env_.name(), active_epoch_);
  if (config_.on_active_change) config_.on_active_change(false, active_epoch_);
  logic_.reset();
  active_epoch_ = LeaderEpoch(-1);
}

void QuorumController::tick() {
  if (!logic_) return;
  logic_->set_next_offset(raft_.log_end_offset().value());
  auto result = logic_->fence_expired(env_.monotonic());
  if (!result.records.empty()) reply_after_commit(std::move(result.records), {}, nullptr);
}

void QuorumController::handle(const sim::Envelope& request) {
  const sim::Message& message = *request.message;
  if (!logic_) {
    rpc_.reply(request, not_controller(message));
    return;
  }
  const sim::SimTime now = env_.monotonic();
  // Raft's own control records (a leader change) move the log on between operations.
  logic_->set_next_offset(raft_.log_end_offset().value());
  if (const auto* reg = dynamic_cast<const BrokerRegistrationRequest*>(&message)) {
    auto result = logic_->register_broker(*reg, now);
    reply_after_commit(std::move(result.records), request,
                       std::make_shared<BrokerRegistrationResponse>(std::move(result.response)));
  } else if (const auto* beat = dynamic_cast<const BrokerHeartbeatRequest*>(&message)) {
    auto result = logic_->heartbeat(*beat, now);
    reply_after_commit(std::move(result.records), request,
                       std::make_shared<BrokerHeartbeatResponse>(std::move(result.response)));
  } else if (const auto* alter = dynamic_cast<const AlterPartitionRequest*>(&message)) {
    auto result = logic_->alter_partition(*alter);
    reply_after_commit(std::move(result.records), request,
                       std::make_shared<AlterPartitionResponse>(std::move(result.response)));
  } else if (const auto* create = dynamic_cast<const CreateTopicsRequest*>(&message)) {
    auto result = logic_->create_topics(*create, env_.rng());
    reply_after_commit(std::move(result.records), request,
                       std::make_shared<CreateTopicsResponse>(std::move(result.response)));
  } else if (const auto* ids = dynamic_cast<const AllocateProducerIdsRequest*>(&message)) {
    auto result = logic_->allocate_producer_ids(*ids);
    reply_after_commit(std::move(result.records), request,
                       std::make_shared<AllocateProducerIdsResponse>(std::move(result.response)));
  } else {
    SAMSA_LOG_DEBUG("controller ignores a {} request", message.kind());
  }
}

void QuorumController::reply_after_commit(std::vector<MetadataRecord> records,
                                          const sim::Envelope& request, sim::MessagePtr response) {
  const bool answers = response != nullptr && request.correlation_id != 0;
  // An answer may rest on records this controller appended earlier and that are not yet
  // committed (an unfenced broker, a new epoch): it waits for the log's end either way.
  Offset last = raft_.log_end_offset() - 1;
  if (!records.empty()) {
    std::vector<sim::Bytes> values;
    values.reserve(records.size());
    for (const MetadataRecord& record : records) values.push_back(encode_record(record));
    const auto appended = raft_.append(std::move(values));
    if (!appended.ok()) {
      // Not the leader any more: the working image holds records that will never commit.
      SAMSA_LOG_INFO("controller {} cannot append: {}", env_.name(),
                     raft::raft_error_name(appended.error()));
      deactivate();
      if (answers) rpc_.reply(request, not_controller(*request.message));
      return;
    }
    last = appended.value();
  }
  if (!answers) return;
  if (raft_.high_watermark() > last) {
    rpc_.reply(request, std::move(response));
    return;
  }
  sim::MessagePtr failure = not_controller(*request.message);
  const LeaderEpoch epoch = active_epoch_;
  env_.spawn("controller-reply", [this, request, response, failure, last, epoch] {
    const auto committed =
        raft_.wait_committed(last, epoch, std::chrono::milliseconds(config_.commit_timeout_ms));
    rpc_.reply(request, committed.ok() ? response : failure);
  });
}

std::optional<sim::NodeId> QuorumController::leader_hint() const {
  const std::optional<sim::NodeId> leader = raft_.leader();
  if (leader && *leader == env_.id()) return std::nullopt;  // we lead but are not ready
  return leader;
}

sim::MessagePtr QuorumController::not_controller(const sim::Message& request) const {
  if (dynamic_cast<const BrokerRegistrationRequest*>(&request) != nullptr) {
    return std::make_shared<BrokerRegistrationResponse>(
        BrokerRegistrationResponse::not_controller(leader_hint()));
  }
  if (dynamic_cast<const BrokerHeartbeatRequest*>(&request) != nullptr) {
    return std::make_shared<BrokerHeartbeatResponse>(
        BrokerHeartbeatResponse::not_controller(leader_hint()));
  }
  if (const auto* create = dynamic_cast<const CreateTopicsRequest*>(&request)) {
    return std::make_shared<CreateTopicsResponse>(
        CreateTopicsResponse::not_controller(*create, leader_hint()));
  }
  if (dynamic_cast<const AllocateProducerIdsRequest*>(&request) != nullptr) {
    return std::make_shared<AllocateProducerIdsResponse>(
        AllocateProducerIdsResponse::not_controller(leader_hint()));
  }
  auto r = std::make_shared<AlterPartitionResponse>();
  r->error = ErrorCode::kNotController;
  return r;
}

}  // namespace samsa::cluster::controller
