// GroupRun: a KRaft cluster with one topic, producer and consumer-group drivers recording
// one History, and the group checkers over it — the rig of the consumer-group end-to-end
// tests (consumer_group_test.cpp) and properties (consumer_group_property_test.cpp).
#pragma once

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>

#include "cluster/group/offsets_records.h"
#include "harness/consumer_driver.h"
#include "harness/kraft_cluster.h"
#include "harness/producer_driver.h"
#include "properties/consumption_checks.h"
#include "properties/group_checks.h"
#include "sim/log.h"

namespace samsa::harness::testing {

using namespace std::chrono_literals;
using properties::OpKind;
using properties::OpStatus;

inline const std::string kTopic = "events";
inline const std::string kGroup = "group-0";

inline cluster::ConsumerConfig group_consumer_config() {
  return fast_consumer_config();
}

inline ClusterSpec spec_with(cluster::Bugs bugs) {
  ClusterSpec spec = fast_failover_spec();
  spec.broker.bugs = bugs;
  return spec;
}

inline cluster::Bugs bugs_of(cluster::Bug bug) {
  cluster::Bugs bugs;
  bugs.enable(bug);
  return bugs;
}

inline std::set<std::string> properties_of(const std::vector<properties::Violation>& violations) {
  std::set<std::string> names;
  for (const properties::Violation& v : violations) names.insert(v.property);
  return names;
}

class GroupRun {
 public:
  explicit GroupRun(std::uint64_t seed, int partitions = 6, cluster::Bugs broker_bugs = {})
      : sim_(sim::SimulationConfig{
            .seed = seed, .network = {}, .disk = {}, .buggify = {}, .trace_path = {}}),
        cluster_(sim_, spec_with(broker_bugs)) {
    if (const char* level = std::getenv("SAMSA_TEST_LOG")) sim::set_log_level(std::string(level));
    setup_ok_ = cluster_.setup_topic(kTopic, partitions, 3) == cluster::ErrorCode::kNone;
  }

  void add_producer(std::int64_t sends, sim::Duration interval = 10ms) {
    ProducerDriverSpec spec;
    spec.name = fmt::format("producer-{}", producers_.size());
    spec.topic = kTopic;
    spec.keys = 12;
    spec.sends = sends;
    spec.send_interval = interval;
    spec.config.enable_idempotence = true;
    spec.config.request_timeout_ms = 1'000;
    spec.config.delivery_timeout_ms = 30'000;
    producers_.push_back(
        std::make_unique<ProducerDriver>(sim_, cluster_.broker_nodes(), spec, history_));
    producers_.back()->start();
  }

  ConsumerDriver& add_consumer(CommitMode commit = CommitMode::kSync,
                               std::vector<std::string> assignors = {"range"},
                               cluster::Bugs bugs = {}, sim::Duration processing_time = 5ms) {
    ConsumerDriverSpec spec;
    spec.name = fmt::format("consumer-{}", consumers_.size());
    spec.group = kGroup;
    spec.topics = {kTopic};
    spec.config = group_consumer_config();
    spec.config.partition_assignment_strategy = std::move(assignors);
    spec.commit = commit;
    spec.bugs = bugs;
    spec.processing_time = processing_time;
    consumers_.push_back(
        std::make_unique<ConsumerDriver>(sim_, cluster_.broker_nodes(), spec, history_));
    consumers_.back()->start();
    return *consumers_.back();
  }

  bool run_until(const std::function<bool()>& done, sim::Duration limit) {
    return harness::run_until(sim_, done, limit);
  }
  void run_for(sim::Duration d) {
    run_until([] { return false; }, d);
  }

  bool producers_done() const {
    for (const auto& p : producers_) {
      if (!p->done()) return false;
    }
    return true;
  }

  // Acknowledged values no consumer of the group has read yet.
  std::set<std::string> unread() const {
    std::set<std::string> acked;
    for (const properties::Op& op : history_->ops()) {
      if (op.kind == OpKind::kSend && op.status == OpStatus::kOk) acked.insert(*op.value);
    }
    for (const properties::Op& op : history_->ops()) {
      for (const properties::ReadRecord& r : op.records) {
        if (r.value) acked.erase(*r.value);
      }
    }
    return acked;
  }

  // Runs until the producers are done and the group has read every acknowledged value.
  bool drain(sim::Duration limit) {
    return run_until([&] { return producers_done() && unread().empty(); }, limit);
  }

  // Closes the history and runs every group checker over it.
  std::vector<properties::Violation> check() {
    history_->close(sim_.now());
    std::vector<properties::Violation> all;
    for (auto checker : {&properties::check_group_exclusivity, &properties::check_commit_fencing,
                         &properties::check_committed_offsets_monotonic,
                         &properties::check_committed_offsets_within_bounds,
                         &properties::check_nonmonotonic_poll}) {
      for (properties::Violation& v : checker(*history_)) all.push_back(std::move(v));
    }
    for (properties::Violation& v : properties::check_rebalance_no_skip(*history_, {})) {
      all.push_back(std::move(v));
    }
    for (properties::Violation& v : properties::check_poll_skip(*history_, {})) {
      all.push_back(std::move(v));
    }
    return all;
  }

  // The generations in which each consumer was assigned something, for assertions.
  std::set<std::int32_t> generations() const {
    std::set<std::int32_t> seen;
    for (const properties::Op& op : history_->ops()) {
      if (op.kind == OpKind::kAssign) seen.insert(op.generation);
    }
    return seen;
  }

  std::uint64_t count(OpKind kind, OpStatus status) const {
    std::uint64_t n = 0;
    for (const properties::Op& op : history_->ops()) n += op.kind == kind && op.status == status;
    return n;
  }

  // The broker that coordinates kGroup now: the leader of its offsets-topic partition.
  cluster::BrokerId coordinator() const {
    const cluster::TopicPartition tp{
        std::string(cluster::kOffsetsTopic),
        cluster::partition_for_group(
            kGroup, fast_failover_spec().broker.group.offsets_topic_num_partitions)};
    const cluster::PartitionState* state = cluster_.partition(tp);
    return state == nullptr ? cluster::kNoLeader : state->leader;
  }

  // Every operation but polls and sends, one per line (SAMSA_TEST_HISTORY=1 when debugging).
  void print_history() const {
    for (const properties::Op& op : history_->ops()) {
      if (op.kind != OpKind::kPoll && op.kind != OpKind::kSend) {
        std::printf("%s\n", history_->describe(op).c_str());
      }
    }
  }

  std::string describe(const std::vector<properties::Violation>& violations) const {
    std::string text;
    for (const properties::Violation& v : violations) text += v.property + ": " + v.detail + "\n";
    return text;
  }

  sim::Simulation sim_;
  KRaftCluster cluster_;
  bool setup_ok_ = false;
  std::shared_ptr<properties::History> history_ = std::make_shared<properties::History>();
  std::vector<std::unique_ptr<ProducerDriver>> producers_;
  std::vector<std::unique_ptr<ConsumerDriver>> consumers_;
};

}  // namespace samsa::harness::testing
