#include "harness/consumer_driver.h"

#include <fmt/format.h>

#include "sim/node_env.h"
#include "sim/rpc.h"

namespace samsa::harness {
namespace {

// The coordinator refused the commit before writing it (generation and member fencing).
// Every other error may come after the write reached the offsets topic (a timeout,
// COORDINATOR_NOT_AVAILABLE for a write that did not reach the high watermark in time,
// NOT_COORDINATOR for a leadership lost while waiting): the commit is indeterminate.
bool commit_refused(cluster::ErrorCode error) {
  switch (error) {
    case cluster::ErrorCode::kIllegalGeneration:
    case cluster::ErrorCode::kUnknownMemberId:
    case cluster::ErrorCode::kRebalanceInProgress:
    case cluster::ErrorCode::kFencedInstanceId:
    case cluster::ErrorCode::kInvalidGroupId:
    case cluster::ErrorCode::kInvalidCommitOffsetSize:
    case cluster::ErrorCode::kOffsetMetadataTooLarge:
      return true;
    default:
      return false;
  }
}

}  // namespace

void record_poll_result(properties::History& history, const std::string& process,
                        const std::string& group, const cluster::PollResult& result,
                        sim::SimTime invoked_at, sim::SimTime now) {
  const std::uint64_t id = history.invoke(process, properties::OpKind::kPoll, invoked_at);
  properties::Op& op = history.pending(id);
  op.group = group;
  for (const cluster::ConsumerRecord& r : result.records) {
    op.records.push_back(properties::ReadRecord{
        r.tp, r.offset, r.leader_epoch, properties::text_of(r.key), properties::text_of(r.value)});
  }
  if (!result.errors.empty()) {
    const auto& [tp, error] = *result.errors.begin();
    op.error = error.error;
    op.detail = fmt::format("{} on {} at {}", cluster::poll_error_name(error.kind),
                            cluster::to_string(tp), error.offset);
  }
  history.complete(id, properties::OpStatus::kOk, now);
}

cluster::ConsumerConfig fast_consumer_config() {
  cluster::ConsumerConfig config;
  config.auto_offset_reset = cluster::OffsetResetStrategy::kEarliest;
  config.session_timeout_ms = 2'000;
  config.heartbeat_interval_ms = 300;
  config.max_poll_interval_ms = 5'000;
  config.request_timeout_ms = 2'000;
  config.fetch_max_wait_ms = 200;
  config.default_api_timeout_ms = 5'000;
  config.retry_backoff_ms = 50;
  config.auto_commit_interval_ms = 500;
  config.metadata_max_age_ms = 5'000;
  return config;
}

std::string_view commit_mode_name(CommitMode mode) {
  switch (mode) {
    case CommitMode::kSync:
      return "sync";
    case CommitMode::kAsync:
      return "async";
    case CommitMode::kAuto:
      return "auto";
  }
  return "?";
}

// Records what the consumer's rebalance listener hears, with the generation the consumer
// is in when it hears it.
class ConsumerDriver::Listener final : public cluster::ConsumerRebalanceListener {
 public:
  Listener(ConsumerDriver& driver) : driver_(driver) {}
  void on_partitions_revoked(const std::vector<cluster::TopicPartition>& partitions) override {
    record(properties::OpKind::kRevoke, partitions);
  }
  void on_partitions_assigned(const std::vector<cluster::TopicPartition>& partitions) override {
    record(properties::OpKind::kAssign, partitions);
  }
  void on_partitions_lost(const std::vector<cluster::TopicPartition>& partitions) override {
    record(properties::OpKind::kLose, partitions);
  }

 private:
  void record(properties::OpKind kind, const std::vector<cluster::TopicPartition>& partitions) {
    properties::Op& op = driver_.history_->record(driver_.spec_.name, kind, driver_.sim_.now());
    op.group = driver_.spec_.group;
    op.partitions = partitions;
    const cluster::KafkaConsumer* consumer = driver_.state_->consumer.get();
    const auto generation = consumer != nullptr ? consumer->generation() : std::nullopt;
    op.generation = generation ? generation->generation_id : cluster::kNoGeneration;
    State& state = *driver_.state_;
    for (const cluster::TopicPartition& tp : partitions) {
      if (kind == properties::OpKind::kAssign) {
        state.owned.insert(tp);
      } else {
        state.owned.erase(tp);
      }
    }
    if (kind == properties::OpKind::kAssign) state.owned_generation = op.generation;
  }
  ConsumerDriver& driver_;
};

ConsumerDriver::ConsumerDriver(sim::Simulation& sim, std::vector<sim::NodeId> bootstrap_nodes,
                               ConsumerDriverSpec spec,
                               std::shared_ptr<properties::History> history)
    : sim_(sim),
      bootstrap_(std::move(bootstrap_nodes)),
      spec_(std::move(spec)),
      history_(std::move(history)) {
  SAMSA_ASSERT(history_ != nullptr, "a driver records into a history");
  SAMSA_ASSERT(!spec_.topics.empty(), "a consumer subscribes to some topic");
  spec_.config.group_id = spec_.group;
  spec_.config.enable_auto_commit = spec_.commit == CommitMode::kAuto;
}

void ConsumerDriver::start() {
  node_ = sim_.add_node(spec_.name);
  sim_.start(node_, [this] { main(); });
}

void ConsumerDriver::main() {
  sim::NodeEnv env(sim_, node_);
  if (!state_->owned.empty()) {  // a restart: the crashed consumer's partitions are lost
    properties::Op& op = history_->record(spec_.name, properties::OpKind::kLose, sim_.now());
    op.group = spec_.group;
    op.partitions.assign(state_->owned.begin(), state_->owned.end());
    op.generation = state_->owned_generation;
    op.detail = "the process crashed";
    state_->owned.clear();
  }
  state_->processing = false;
  sim::RpcEndpoint rpc(env.network(), env.id());
  // Shared with the poll fiber: the consumer keeps a raw pointer to it.
  auto listener = std::make_shared<Listener>(*this);
  cluster::ConsumerOptions options;
  options.config = spec_.config;
  options.bootstrap_nodes = bootstrap_;
  options.bugs = spec_.bugs;
  options.listener = listener.get();
  options.commit_observer = [this](const auto& offsets, const auto& generation) {
    return record_commit(offsets, generation);
  };
  auto created = cluster::KafkaConsumer::create(env, rpc, options);
  SAMSA_ASSERT(created.ok(),
               fmt::format("{}: the consumer config was validated before the run", spec_.name));
  state_->consumer = created.value();
  const cluster::ErrorCode subscribed = state_->consumer->subscribe(spec_.topics, listener.get());
  SAMSA_ASSERT(subscribed == cluster::ErrorCode::kNone, "a group consumer may subscribe");
  env.spawn("polls", [this, consumer = state_->consumer, listener, state = state_] {
    poll_loop(*consumer);
    state->consumer.reset();
  });
  rpc.serve([](const sim::Envelope&) {});  // a client answers no requests
}

void ConsumerDriver::poll_loop(cluster::KafkaConsumer& consumer) {
  sim::NodeEnv env(sim_, node_);
  const std::shared_ptr<State> state = state_;
  while (!state->stop_requested) {
    const sim::SimTime invoked_at = sim_.now();
    const cluster::PollResult result = consumer.poll(spec_.poll_timeout);
    if (result.empty()) continue;
    record_poll(result, invoked_at);
    if (result.records.empty()) continue;
    state->processing = true;
    if (spec_.processing_time > sim::Duration::zero()) env.sleep_for(spec_.processing_time);
    state->processing = false;
    if (spec_.commit != CommitMode::kAuto) commit(consumer, result);
  }
  consumer.close(std::chrono::seconds(5));
  state->stopped = true;
}

void ConsumerDriver::record_poll(const cluster::PollResult& result, sim::SimTime invoked_at) {
  record_poll_result(*history_, spec_.name, spec_.group, result, invoked_at, sim_.now());
  state_->records += result.records.size();
}

void ConsumerDriver::commit(cluster::KafkaConsumer& consumer, const cluster::PollResult& result) {
  if (spec_.commit == CommitMode::kSync) {
    std::map<cluster::TopicPartition, cluster::OffsetAndEpoch> offsets;
    for (const cluster::ConsumerRecord& r : result.records) {
      offsets[r.tp] = cluster::OffsetAndEpoch{r.offset + 1, r.leader_epoch};
    }
    (void)consumer.commit_sync(offsets);  // the observer records it
  } else {
    consumer.commit_async();  // the positions of every assigned partition
  }
}

// Every commit the consumer sends (the driver's, auto-commits, those before a revocation
// and at close) becomes a commit operation: invoked now, completed with its outcome.
std::function<void(cluster::ErrorCode, bool)> ConsumerDriver::record_commit(
    const std::map<cluster::TopicPartition, cluster::OffsetAndEpoch>& offsets,
    const std::optional<cluster::GroupGeneration>& generation) {
  const std::uint64_t id = history_->invoke(spec_.name, properties::OpKind::kCommit, sim_.now());
  properties::Op& op = history_->pending(id);
  op.group = spec_.group;
  for (const auto& [tp, at] : offsets) op.offsets[tp] = at.offset;
  op.generation = generation ? generation->generation_id : cluster::kNoGeneration;
  return [history = history_, id, &sim = sim_](cluster::ErrorCode error, bool maybe_applied) {
    properties::Op& settled = history->pending(id);
    settled.error = error;
    // Refused is definite only when no earlier attempt of the commit may have landed.
    const properties::OpStatus status =
        error == cluster::ErrorCode::kNone        ? properties::OpStatus::kOk
        : commit_refused(error) && !maybe_applied ? properties::OpStatus::kFail
                                                  : properties::OpStatus::kInfo;
    if (maybe_applied && error != cluster::ErrorCode::kNone) {
      settled.detail = "an earlier attempt may have been written";
    }
    history->complete(id, status, sim.now());
  };
}

}  // namespace samsa::harness
