#include "harness/producer_driver.h"

#include <fmt/format.h>

#include "sim/node_env.h"
#include "sim/rpc.h"

namespace samsa::harness {
namespace {

cluster::Bytes bytes_of(const std::string& s) {
  return cluster::Bytes(s.begin(), s.end());
}

properties::OpStatus status_of(cluster::SendOutcome outcome) {
  switch (outcome) {
    case cluster::SendOutcome::kAcknowledged:
      return properties::OpStatus::kOk;
    case cluster::SendOutcome::kFailed:
      return properties::OpStatus::kFail;
    case cluster::SendOutcome::kIndeterminate:
      return properties::OpStatus::kInfo;
  }
  return properties::OpStatus::kInfo;
}

}  // namespace

ProducerDriver::ProducerDriver(sim::Simulation& sim, std::vector<sim::NodeId> bootstrap_nodes,
                               ProducerDriverSpec spec,
                               std::shared_ptr<properties::History> history)
    : sim_(sim),
      bootstrap_(std::move(bootstrap_nodes)),
      spec_(std::move(spec)),
      history_(std::move(history)) {
  SAMSA_ASSERT(history_ != nullptr, "a driver records into a history");
  SAMSA_ASSERT(spec_.keys >= 0 && spec_.sends >= 0, "counts are not negative");
  state_->rng = sim_.stream(fmt::format("workload/{}", spec_.name));
}

void ProducerDriver::start() {
  node_ = sim_.add_node(spec_.name);
  sim_.start(node_, [this] { main(); });
}

bool ProducerDriver::done() const {
  return state_->sent == spec_.sends && state_->settled == spec_.sends;
}

void ProducerDriver::main() {
  sim::NodeEnv env(sim_, node_);
  sim::RpcEndpoint rpc(env.network(), env.id());
  cluster::ProducerOptions options;
  options.config = spec_.config;
  options.bootstrap_nodes = bootstrap_;
  auto created = cluster::KafkaProducer::create(env, rpc, options);
  SAMSA_ASSERT(created.ok(),
               fmt::format("{}: the producer config was validated before the run", spec_.name));
  std::shared_ptr<cluster::KafkaProducer> producer = created.value();
  env.spawn("sends", [this, producer] { send_loop(*producer); });
  rpc.serve([](const sim::Envelope&) {});  // a client answers no requests
}

void ProducerDriver::send_loop(cluster::KafkaProducer& producer) {
  sim::NodeEnv env(sim_, node_);
  const std::shared_ptr<State> state = state_;
  const std::shared_ptr<properties::History> history = history_;
  while (state->sent < spec_.sends) {
    std::optional<std::string> key;
    std::string key_text = "null";
    if (spec_.keys > 0) {
      key_text = fmt::format("k{}", state->rng.below(static_cast<std::uint64_t>(spec_.keys)));
      key = key_text;
    }
    // Drawn only when tombstones are on, so that plans without them keep their stream.
    const bool tombstone =
        key && spec_.tombstone_per_mille > 0 &&
        state->rng.below(1000) < static_cast<std::uint64_t>(spec_.tombstone_per_mille);
    std::optional<std::string> value;
    if (!tombstone)
      value = properties::make_value(spec_.name, key_text, state->next_per_key[key_text]++);
    const std::uint64_t id = history->invoke(spec_.name, properties::OpKind::kSend, sim_.now());
    properties::Op& op = history->pending(id);
    op.key = key;
    op.value = value;
    op.tp = cluster::TopicPartition{spec_.topic, cluster::PartitionIndex(-1)};
    ++state->sent;
    cluster::SendPromise promise =
        producer.send(spec_.topic, key ? std::optional(bytes_of(*key)) : std::nullopt,
                      value ? std::optional(bytes_of(*value)) : std::nullopt);
    env.spawn("send-outcome", [this, promise, id, state, history] {
      const cluster::SendResult result = promise->wait();
      properties::Op& settled = history->pending(id);
      settled.tp = result.tp;
      settled.offset = result.offset;
      settled.error = result.error;
      if (result.failure != cluster::SendFailure::kNone) {
        settled.detail = std::string(cluster::send_failure_name(result.failure));
      }
      history->complete(id, status_of(result.outcome), sim_.now());
      ++state->settled;
    });
    if (spec_.send_interval > sim::Duration::zero()) env.sleep_for(spec_.send_interval);
  }
}

}  // namespace samsa::harness
