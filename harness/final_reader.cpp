#include "harness/final_reader.h"

#include <fmt/format.h>

#include "harness/consumer_driver.h"
#include "sim/node_env.h"
#include "sim/rpc.h"

namespace samsa::harness {

FinalReader::FinalReader(sim::Simulation& sim, std::vector<sim::NodeId> bootstrap_nodes,
                         std::vector<cluster::TopicPartition> partitions,
                         cluster::ConsumerConfig config,
                         std::shared_ptr<properties::History> history)
    : sim_(sim),
      bootstrap_(std::move(bootstrap_nodes)),
      partitions_(std::move(partitions)),
      config_(std::move(config)),
      history_(std::move(history)) {
  config_.group_id.reset();
  config_.enable_auto_commit = false;
  config_.auto_offset_reset = cluster::OffsetResetStrategy::kEarliest;
}

void FinalReader::start() {
  node_ = sim_.add_node(kProcess);
  sim_.start(node_, [this] { main(); });
}

void FinalReader::main() {
  sim::NodeEnv env(sim_, node_);
  sim::RpcEndpoint rpc(env.network(), env.id());
  cluster::ConsumerOptions options;
  options.config = config_;
  options.bootstrap_nodes = bootstrap_;
  auto created = cluster::KafkaConsumer::create(env, rpc, options);
  SAMSA_ASSERT(created.ok(), "the reader's config is valid");
  std::shared_ptr<cluster::KafkaConsumer> consumer = created.value();
  SAMSA_ASSERT(consumer->assign(partitions_) == cluster::ErrorCode::kNone, "the reader assigns");
  consumer->seek_to_beginning(partitions_);
  env.spawn("reads", [this, consumer, state = state_] {
    while (!state->stop_requested) {
      const sim::SimTime invoked_at = sim_.now();
      const cluster::PollResult result = consumer->poll(std::chrono::milliseconds(200));
      if (!result.empty()) {
        record_poll_result(*history_, kProcess, "", result, invoked_at, sim_.now());
      }
      for (const cluster::TopicPartition& tp : partitions_) {
        if (auto position = consumer->position(tp, sim::Duration::zero())) {
          state->positions[tp] = *position;
        }
      }
    }
    consumer->close(std::chrono::seconds(1));
  });
  rpc.serve([](const sim::Envelope&) {});
}

}  // namespace samsa::harness
