#include "harness/runner.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "cluster/group/group_messages.h"
#include "harness/consumer_driver.h"
#include "harness/final_reader.h"
#include "harness/kraft_cluster.h"
#include "harness/nemesis.h"
#include "harness/producer_driver.h"
#include "harness/replica_inspector.h"
#include "harness/run_verdict.h"
#include "sim/log.h"
#include "sim/simulation.h"

namespace samsa::harness {

namespace {

using namespace std::chrono_literals;

// The run's topic as CreateTopics' configs would set it: the broker's log settings with
// the plan's retention and compaction (validate_plan has checked the names and ranges).
cluster::LogConfig topic_log_config(const properties::ClusterPlan& c, cluster::LogConfig log) {
  log.cleanup_policy = cluster::cleanup_policy_from_name(c.cleanup_policy).value();
  log.retention_ms = c.retention_ms;
  log.retention_bytes = c.retention_bytes;
  log.min_cleanable_dirty_ratio = c.min_cleanable_dirty_ratio;
  log.min_compaction_lag_ms = c.min_compaction_lag_ms;
  log.max_compaction_lag_ms = c.max_compaction_lag_ms;
  log.delete_retention_ms = c.delete_retention_ms;
  return log;
}

std::string_view trigger_name(cluster::CleanTrigger trigger) {
  switch (trigger) {
    case cluster::CleanTrigger::kDirtyRatio:
      return "dirty-ratio";
    case cluster::CleanTrigger::kMaxCompactionLag:
      return "max-compaction-lag";
    case cluster::CleanTrigger::kDeleteHorizon:
      return "delete-horizon";
  }
  return "?";
}

properties::CleanerSample cleaner_sample(sim::SimTime at, cluster::BrokerId broker,
                                         const cluster::TopicPartition& tp,
                                         const cluster::CleanPass& pass) {
  properties::CleanerSample out;
  out.at = at;
  out.broker = broker;
  out.tp = tp;
  out.now_ms = pass.now_ms;
  out.trigger = std::string(trigger_name(pass.trigger));
  out.log_start_offset = pass.log_start_offset;
  out.first_dirty_offset = pass.first_dirty_offset;
  out.end_offset = pass.end_offset;
  out.high_watermark = pass.high_watermark;
  out.active_segment_base = pass.active_segment_base;
  out.dirty_ratio = pass.dirty_ratio;
  out.bytes_before = pass.bytes_before;
  out.bytes_after = pass.bytes_after;
  out.oldest_dirty_timestamp_ms = pass.oldest_dirty_timestamp_ms;
  out.records.reserve(pass.records.size());
  for (const cluster::CleanedRecord& r : pass.records) {
    out.records.push_back({r.offset, r.timestamp_ms, properties::text_of(r.key),
                           properties::text_of(r.value), r.kept, r.delete_horizon_ms});
  }
  return out;
}
using properties::RunPlan;

constexpr sim::Duration kSetupLimit = 60s;
constexpr sim::Duration kInspectLimit = 60s;
constexpr sim::Duration kCloseTime = 2s;
constexpr sim::Duration kStep = 10ms;

cluster::Bugs bugs_of(const RunPlan& plan) {
  cluster::Bugs bugs;
  for (const std::string& name : plan.bugs) {
    const cluster::BugInfo* info = cluster::find_bug(name);
    SAMSA_ASSERT(info != nullptr, fmt::format("unknown bug {}: validate plans first", name));
    bugs.enable(info->bug);
  }
  return bugs;
}

// Drops the violations of properties the plan does not check (a scenario's `properties`);
// a failed assertion and a missed liveness bound always count.
void keep_only(const std::vector<std::string>& checked, RunResult& result) {
  std::erase_if(result.violations, [&](const properties::Violation& v) {
    return v.property != kInvariantProperty && v.property != kLivenessProperty &&
           std::find(checked.begin(), checked.end(), v.property) == checked.end();
  });
  result.pass = result.violations.empty();
}

// One run's state: the simulation, the cluster, the workload and what is recorded.
class Run {
 public:
  Run(const RunPlan& plan, const RunOptions& options)
      : plan_(plan),
        options_(options),
        bugs_(bugs_of(plan)),
        sim_(sim::SimulationConfig{.seed = options.seed,
                                   .network = plan.cluster.network,
                                   .disk = plan.cluster.disk,
                                   .buggify = {},
                                   .trace_path = options.trace_path}),
        cluster_(sim_, spec()) {
    observe_controllers();
  }

  RunResult execute();

 private:
  harness::ClusterSpec spec();
  void observe_controllers();
  void start_workload();
  // Runs until `done` or `limit` passed; false if it did not hold (or the run failed).
  bool advance(const std::function<bool()>& done, sim::Duration limit);
  bool failed() const {
    return outcome_ == sim::RunOutcome::kFailed || outcome_ == sim::RunOutcome::kEventLimit;
  }
  bool producers_done() const;
  // Every partition's current leader HW was reached by `next` (offset after the last read).
  std::vector<std::string> behind(
      const std::map<cluster::TopicPartition, cluster::Offset>& next) const;
  std::map<cluster::TopicPartition, cluster::Offset> group_positions() const;
  void liveness_phase();
  void end_workload();

  const RunPlan& plan_;
  const RunOptions& options_;
  cluster::Bugs bugs_;
  std::shared_ptr<properties::History> history_ = std::make_shared<properties::History>();
  std::shared_ptr<properties::Observations> observations_ =
      std::make_shared<properties::Observations>();
  LastHighWatermarks last_hw_;
  // Each replica's latest role, leader epoch and log end offset, as it reported them.
  struct ReplicaView {
    cluster::ReplicaRole role = cluster::ReplicaRole::kNone;
    cluster::LeaderEpoch leader_epoch{0};
    cluster::Offset log_end_offset{0};
  };
  std::map<std::pair<cluster::BrokerId, cluster::TopicPartition>, ReplicaView> last_view_;
  std::map<std::int64_t, std::size_t> metadata_index_;  // version -> observations_->metadata
  sim::Simulation sim_;
  KRaftCluster cluster_;
  std::vector<std::unique_ptr<ProducerDriver>> producers_;
  std::vector<std::unique_ptr<ConsumerDriver>> consumers_;
  std::unique_ptr<Nemesis> nemesis_;
  std::unique_ptr<FinalReader> reader_;
  std::vector<properties::Violation> liveness_;
  sim::RunOutcome outcome_ = sim::RunOutcome::kTimeLimit;
};

harness::ClusterSpec Run::spec() {
  ClusterSpec spec = fast_failover_spec(plan_.cluster.controllers, plan_.cluster.brokers);
  spec.broker.bugs = bugs_;
  spec.controller.controller.bugs = bugs_;
  spec.controller.raft.bugs = bugs_;
  spec.broker.replication.min_insync_replicas = plan_.cluster.min_insync_replicas;
  spec.broker.group.offsets_topic_replication_factor =
      static_cast<std::int16_t>(std::min(plan_.cluster.brokers, 3));
  if (plan_.cluster.flush_every_message) spec.broker.log.flush_messages = 1;
  spec.broker.log.segment_bytes = plan_.cluster.segment_bytes;
  spec.broker.log.segment_ms = plan_.cluster.segment_ms;
  spec.broker.topic_log_configs[kRunTopic] = topic_log_config(plan_.cluster, spec.broker.log);
  spec.broker.log_retention_check_interval_ms =
      static_cast<std::int32_t>(plan_.cluster.retention_check_interval_ms);
  spec.broker.log_cleaner_backoff_ms = static_cast<std::int32_t>(plan_.cluster.cleaner_backoff_ms);
  for (const std::string& topic : {std::string(kRunTopic), std::string(cluster::kOffsetsTopic)}) {
    observations_->topic_configs[topic] = cluster::log_config_for(spec.broker, topic);
  }
  observations_->retention_check_interval_ms = plan_.cluster.retention_check_interval_ms;
  observations_->cleaner_backoff_ms = plan_.cluster.cleaner_backoff_ms;
  spec.broker.retention_observer = [this](cluster::BrokerId broker,
                                          const cluster::TopicPartition& tp,
                                          const cluster::RetentionPass& pass) {
    observations_->retention.push_back({sim_.now(), broker, tp, pass});
  };
  spec.broker.cleaner_observer = [this](cluster::BrokerId broker, const cluster::TopicPartition& tp,
                                        const cluster::CleanPass& pass) {
    observations_->cleaner.push_back(cleaner_sample(sim_.now(), broker, tp, pass));
  };
  spec.broker.replica_observer = [this](const cluster::ReplicaObservation& o) {
    observations_->replicas.push_back(properties::ReplicaSample{
        sim_.now(), o.broker, o.tp, static_cast<properties::ReplicaRoleSeen>(o.role),
        o.leader_epoch, o.high_watermark, o.log_end_offset, o.isr, o.log_start_offset});
    last_hw_[{o.broker, o.tp}] = o.high_watermark;
    last_view_[{o.broker, o.tp}] = {o.role, o.leader_epoch, o.log_end_offset};
  };
  return spec;
}

// Each committed version once, as the first controller applied it; a later apply that
// differs is a divergence (Observations invariant 2).
void Run::observe_controllers() {
  cluster_.on_metadata([this](sim::NodeId node, const cluster::MetadataImage& image) {
    const auto [it, inserted] =
        metadata_index_.emplace(image.version(), observations_->metadata.size());
    if (inserted) {
      observations_->metadata.push_back({sim_.now(), node, image});
      return;
    }
    const properties::MetadataSample& first = observations_->metadata[it->second];
    if (!(first.image == image)) {
      observations_->metadata_divergence.push_back(
          {sim_.now(), image.version(), first.controller, node});
    }
  });
  cluster_.on_active_change([this](sim::NodeId node, bool active, cluster::LeaderEpoch epoch) {
    observations_->controllers.push_back({sim_.now(), node, epoch, active});
  });
}

bool Run::advance(const std::function<bool()>& done, sim::Duration limit) {
  const sim::SimTime end = sim_.now() + limit;
  while (true) {
    if (done()) return true;
    if (sim_.now() >= end) return false;
    outcome_ = sim_.run({std::min(end, sim_.now() + kStep), options_.max_events});
    if (failed()) return false;
  }
}

void Run::start_workload() {
  const properties::WorkloadPlan& w = plan_.workload;
  for (int i = 0; i < w.producers; ++i) {
    ProducerDriverSpec spec;
    spec.name = fmt::format("producer-{}", i);
    spec.topic = kRunTopic;
    spec.keys = w.keys;
    spec.sends = w.records_per_producer;
    spec.send_interval = w.send_interval;
    spec.tombstone_per_mille = w.tombstone_per_mille;
    spec.config.acks = static_cast<std::int16_t>(w.acks);
    spec.config.enable_idempotence = w.enable_idempotence;
    spec.config.max_in_flight_requests_per_connection = w.max_in_flight;
    spec.config.retries = w.retries;
    spec.config.linger_ms = w.linger_ms;
    spec.config.request_timeout_ms = 2'000;
    spec.config.delivery_timeout_ms = w.delivery_timeout_ms;
    spec.config.retry_backoff_ms = 50;
    spec.config.metadata_max_age_ms = 5'000;
    producers_.push_back(
        std::make_unique<ProducerDriver>(sim_, cluster_.broker_nodes(), spec, history_));
  }
  std::vector<sim::NodeId> consumer_nodes;
  for (int i = 0; i < w.consumers; ++i) {
    ConsumerDriverSpec spec;
    spec.name = fmt::format("consumer-{}", i);
    spec.group = "group-0";
    spec.topics = {kRunTopic};
    spec.config = fast_consumer_config();
    spec.config.partition_assignment_strategy = {w.assignor};
    spec.config.auto_offset_reset = w.auto_offset_reset == "latest"
                                        ? cluster::OffsetResetStrategy::kLatest
                                        : cluster::OffsetResetStrategy::kEarliest;
    spec.commit = w.commit == "auto"    ? CommitMode::kAuto
                  : w.commit == "async" ? CommitMode::kAsync
                                        : CommitMode::kSync;
    spec.processing_time = w.processing_time;
    spec.bugs = bugs_;
    consumers_.push_back(
        std::make_unique<ConsumerDriver>(sim_, cluster_.broker_nodes(), spec, history_));
  }
  for (auto& p : producers_) p->start();
  for (auto& c : consumers_) {
    c->start();
    consumer_nodes.push_back(c->node());
  }
  nemesis_ = std::make_unique<Nemesis>(cluster_, consumer_nodes, *observations_);
  nemesis_->start(plan_.faults);
}

bool Run::producers_done() const {
  return std::all_of(producers_.begin(), producers_.end(), [](const auto& p) { return p->done(); });
}

std::map<cluster::TopicPartition, cluster::Offset> Run::group_positions() const {
  std::map<cluster::TopicPartition, cluster::Offset> next;
  for (const properties::Op& op : history_->ops()) {
    if (op.kind != properties::OpKind::kPoll || op.group.empty()) continue;
    for (const properties::ReadRecord& r : op.records) {
      next[r.tp] = std::max(next[r.tp], r.offset + 1);
    }
  }
  return next;
}

std::vector<std::string> Run::behind(
    const std::map<cluster::TopicPartition, cluster::Offset>& next) const {
  std::vector<std::string> lagging;
  for (int p = 0; p < plan_.cluster.partitions; ++p) {
    const cluster::TopicPartition tp{kRunTopic, cluster::PartitionIndex(p)};
    const cluster::PartitionState* state = cluster_.partition(tp);
    if (state == nullptr || state->leader == cluster::kNoLeader) {
      lagging.push_back(fmt::format("{} has no leader", cluster::to_string(tp)));
      continue;
    }
    // Caught up once the leader's HW covers its whole log (every record it holds is
    // committed: a HW held back while the ISR was below min.insync.replicas has moved on,
    // KAFKA-15583) and the reader has read to it.
    const auto hw = last_hw_.find({state->leader, tp});
    const auto view = last_view_.find({state->leader, tp});
    // The metadata's leader must be leading, in the metadata's epoch: a leader that lost
    // power and restarted acts on nothing until it registers again, and its empty log is
    // no measure of what the partition holds.
    if (view == last_view_.end() || view->second.role != cluster::ReplicaRole::kLeader ||
        view->second.leader_epoch != state->leader_epoch) {
      lagging.push_back(fmt::format("{}: broker {} does not lead it yet in epoch {}",
                                    cluster::to_string(tp), state->leader, state->leader_epoch));
      continue;
    }
    const cluster::Offset target = hw == last_hw_.end() ? cluster::Offset(0) : hw->second;
    const cluster::Offset end = view->second.log_end_offset;
    const auto at = next.find(tp);
    const cluster::Offset reached = at == next.end() ? cluster::Offset(0) : at->second;
    if (reached < target || target < end) {
      lagging.push_back(
          fmt::format("{} read to {} of high watermark {}, log end offset {} (leader broker {})",
                      cluster::to_string(tp), reached, target, end, state->leader));
    }
  }
  return lagging;
}

void Run::liveness_phase() {
  const sim::Duration bound = plan_.liveness;
  auto missed = [&](std::string what) {
    liveness_.push_back(
        {std::string(kLivenessProperty),
         fmt::format("{} within the liveness bound of {} ms after healing at {} ms", what,
                     sim::to_ms(bound), sim::to_ms(observations_->safety_end - sim::kSimStart)),
         sim_.now()});
  };
  if (!advance([&] { return producers_done(); }, bound)) {
    if (failed()) return;
    std::int64_t unsettled = 0;
    for (const auto& p : producers_) unsettled += p->spec().sends - p->settled();
    missed(fmt::format("{} sends were not settled", unsettled));
  }
  if (!consumers_.empty() && !advance([&] { return behind(group_positions()).empty(); }, bound)) {
    if (failed()) return;
    const std::vector<std::string> lagging = behind(group_positions());
    missed(fmt::format("the group did not catch up: {}", fmt::join(lagging, "; ")));
  }
  std::vector<cluster::TopicPartition> partitions;
  for (int p = 0; p < plan_.cluster.partitions; ++p) {
    partitions.push_back({kRunTopic, cluster::PartitionIndex(p)});
  }
  reader_ = std::make_unique<FinalReader>(sim_, cluster_.broker_nodes(), partitions,
                                          fast_consumer_config(), history_);
  reader_->start();
  if (!advance([&] { return behind(reader_->positions()).empty(); }, bound)) {
    if (failed()) return;
    const std::vector<std::string> lagging = behind(reader_->positions());
    missed(fmt::format("the final reader did not catch up: {}", fmt::join(lagging, "; ")));
  }
}

void Run::end_workload() {
  for (auto& c : consumers_) c->stop();
  if (reader_) reader_->stop();
  advance([] { return false; }, kCloseTime);
}

RunResult Run::execute() {
  if (const char* level = std::getenv("SAMSA_LOG")) sim::set_log_level(level);
  RunResult result;
  result.seed = options_.seed;
  const cluster::ErrorCode setup =
      cluster_.setup_topic(kRunTopic, plan_.cluster.partitions, plan_.cluster.replication_factor,
                           plan_.cluster.unclean_leader_election_enable, kSetupLimit);
  if (setup == cluster::ErrorCode::kNone && !failed()) {
    start_workload();
    advance([] { return false; }, plan_.safety);
    if (!failed()) {
      nemesis_->heal_all();
      observations_->safety_end = sim_.now();
      liveness_phase();
    }
    if (!failed()) end_workload();
  } else if (!sim_.kernel().failed()) {
    liveness_.push_back({std::string(kLivenessProperty),
                         fmt::format("the topic could not be set up within {} ms: {}",
                                     sim::to_ms(kSetupLimit), cluster::error_name(setup)),
                         sim_.now()});
  }
  history_->close(sim_.now());
  observations_->liveness_end = sim_.now();
  RunVerdictInput input{plan_, *history_, *observations_, nemesis_.get(), "", 0, {}};
  if (sim_.kernel().failed() || outcome_ == sim::RunOutcome::kFailed) {
    input.failure = sim_.kernel().failure();
  } else if (outcome_ == sim::RunOutcome::kEventLimit) {
    input.event_limit = options_.max_events;
  } else if (options_.inspect_replicas) {
    observations_->final_logs = inspect_replica_logs(cluster_, last_hw_, kInspectLimit);
  }
  input.liveness = liveness_;
  result = judge(input);
  if (!plan_.properties.empty()) keep_only(plan_.properties, result);
  result.seed = options_.seed;
  result.trace_hash = sim_.trace_hash();
  result.events = sim_.kernel().events();
  result.sim_ms = sim::to_ms(sim_.now() - sim::kSimStart);
  result.outcome = input.failure.empty() ? std::string(sim::run_outcome_name(outcome_))
                                         : "failed: " + input.failure;
  result.history = history_;
  result.observations = observations_;
  return result;
}

}  // namespace

RunResult run_plan(const properties::RunPlan& plan, const RunOptions& options) {
  SAMSA_ASSERT(!properties::validate_plan(plan), "run_plan takes a valid plan");
  Run run(plan, options);
  return run.execute();
}

std::string describe_result(const RunResult& result) {
  std::string text = result.outcome + "\n";
  for (const properties::Violation& v : result.violations) {
    text += v.property + ": " + v.detail + "\n";
  }
  return text;
}

std::string hash_hex(std::uint64_t hash) {
  return fmt::format("{:016x}", hash);
}

}  // namespace samsa::harness
