// KafkaConsumer: samsa's consumer client (Kafka's KafkaConsumer), running as fibers on one
// node. The caller either assign()s partitions or subscribe()s to topics (group mode,
// with a ConsumerCoordinator when group.id is set), then calls poll(), which runs the
// group protocol, sets positions (committed offsets, auto.offset.reset, KIP-320
// validation), fetches from the partition leaders (consumer_fetcher.h) and returns
// records and per-partition errors. Used by end-to-end tests and workloads: the node's
// main fiber owns the sim::RpcEndpoint and serves it.
//
// Invariants: 1. poll() returns at most max.poll.records records, per partition in offset
// order starting at the partition's position, and only for partitions assigned when it
// returns; 2. a position moves only past records poll() returned, by seek/reset, or back
// to a divergent offset after truncation; 3. commits carry positions (what earlier polls
// returned), never records not yet returned; 4. revoked partitions are committed (with
// auto-commit) before the user's listener hears of it, lost ones never, and neither is
// fetched once revoked; 5. every call is bounded by its timeout.
//
// Lifetime: fibers keep the consumer's parts alive through shared_ptr; env and the
// endpoint must outlive every fiber (true when the node's main fiber owns them), or die by
// a crash. Every method is called from fibers on the consumer's node, one at a time
// (listener callbacks may call back in, as in Kafka).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cluster/bugs.h"
#include "cluster/client/consumer_config.h"
#include "cluster/client/consumer_coordinator.h"
#include "cluster/client/consumer_fetcher.h"
#include "cluster/client/consumer_record.h"
#include "cluster/client/subscription_state.h"
#include "sim/node_env.h"
#include "sim/rpc.h"

namespace samsa::cluster {

// Sees every OffsetCommit the consumer sends — the caller's, and its own (auto-commit,
// before a revocation, at close) — with the generation it carries, when it is sent; the
// callback it returns (may be null) is told the outcome once. Workloads record commits
// into their history through it.
using CommitObserver = std::function<std::function<void(ErrorCode, bool maybe_applied)>(
    const std::map<TopicPartition, OffsetAndEpoch>& offsets,
    const std::optional<GroupGeneration>& generation)>;

struct ConsumerOptions {
  ConsumerConfig config;
  std::vector<sim::NodeId> bootstrap_nodes;  // bootstrap.servers
  Bugs bugs;
  // The user's rebalance listener for subscribe() (may be null); subscribe(topics,
  // listener) replaces it. Must outlive the consumer.
  ConsumerRebalanceListener* listener = nullptr;
  CommitObserver commit_observer;  // may be empty
};

class KafkaConsumer : public std::enable_shared_from_this<KafkaConsumer> {
 public:
  // From a fiber on env's node: validates the config; with a group.id, creates the
  // ConsumerCoordinator (which starts its heartbeat fiber).
  static sim::Result<std::shared_ptr<KafkaConsumer>, ConsumerConfigError> create(
      sim::NodeEnv& env, sim::RpcEndpoint& rpc, ConsumerOptions options);
  KafkaConsumer(const KafkaConsumer&) = delete;
  KafkaConsumer& operator=(const KafkaConsumer&) = delete;

  // Manual assignment; positions of partitions kept stay. kInvalidRequest while
  // subscribed (Kafka's IllegalStateException). assign({}) is unsubscribe().
  ErrorCode assign(const std::vector<TopicPartition>& partitions);
  // Group mode: kInvalidGroupId without a group.id, kInvalidRequest while partitions are
  // assigned manually. An empty list is unsubscribe().
  ErrorCode subscribe(const std::vector<std::string>& topics,
                      ConsumerRebalanceListener* listener = nullptr);
  // Leaves the group (revoking through the listener) and drops every partition.
  void unsubscribe();

  // Waits up to `timeout` for records or errors; returns at once when some are ready.
  PollResult poll(sim::Duration timeout);

  // The offset of the next record to be returned, resolving it (committed offset, reset,
  // validation) if needed, for up to `timeout`; nullopt if not assigned or not resolved.
  std::optional<Offset> position(const TopicPartition& tp, sim::Duration timeout);
  // The next poll() fetches from `offset` (no validation: the offset carries no epoch).
  // kInvalidRequest if `tp` is not assigned or `offset` is negative.
  ErrorCode seek(const TopicPartition& tp, Offset offset);
  // Lazily, at the next poll(): the log start / the high watermark (ListOffsets).
  void seek_to_beginning(const std::vector<TopicPartition>& partitions);
  void seek_to_end(const std::vector<TopicPartition>& partitions);
  // Paused partitions are not fetched, and poll() returns none of their records (data
  // already fetched is kept for resume()). Partitions not assigned are ignored.
  void pause(const std::vector<TopicPartition>& partitions);
  void resume(const std::vector<TopicPartition>& partitions);
  std::vector<TopicPartition> paused() const;

  // OffsetFetch. kInvalidGroupId without a group.id.
  sim::Result<std::map<TopicPartition, OffsetAndEpoch>, ErrorCode> committed(
      const std::vector<TopicPartition>& partitions, sim::Duration timeout);
  // Commits the positions of every assigned partition (what earlier polls returned),
  // waiting up to default.api.timeout.ms. kInvalidGroupId without a group.id.
  ErrorCode commit_sync();
  ErrorCode commit_sync(const std::map<TopicPartition, OffsetAndEpoch>& offsets);
  // The same without waiting; `done` (if set) is called once with the result.
  void commit_async(std::function<void(ErrorCode)> done = nullptr);

  // Auto-commits (synchronously, with enable.auto.commit), then leaves the group; after
  // close() the consumer must not be used.
  void close(sim::Duration timeout);

  std::vector<TopicPartition> assignment() const { return subscriptions_->assigned_partitions(); }
  std::optional<GroupGeneration> generation() const;
  ConsumerStats stats() const { return fetcher_->stats(); }
  const ConsumerConfig& config() const { return config_; }
  const SubscriptionState& subscriptions() const { return *subscriptions_; }
  // The coordinator in group mode (group.id set), for tests and workloads; else null.
  const ConsumerCoordinator* coordinator() const { return coordinator_.get(); }

  KafkaConsumer(sim::NodeEnv& env, sim::RpcEndpoint& rpc, ConsumerOptions options);
  ~KafkaConsumer();

 private:
  class RebalanceListener;  // consumer_group.cpp

  sim::SimTime now() const { return env_.monotonic(); }
  sim::Duration api_timeout() const {
    return std::chrono::milliseconds(config_.default_api_timeout_ms);
  }
  // One round of poll()'s work before collecting: the group (subscribe mode), then
  // update_fetch_positions().
  void update_assignment_metadata(sim::SimTime end);
  // Committed offsets (with a group.id), auto.offset.reset, validation (Kafka's
  // updateFetchPositions).
  void update_fetch_positions(sim::SimTime end);
  sim::SimTime deadline_at(sim::SimTime end) const;
  FetchPosition position_at(const TopicPartition& tp, Offset offset, LeaderEpoch offset_epoch) const;
  std::map<TopicPartition, OffsetAndEpoch> consumed_offsets() const;

  // consumer_group.cpp: group mode.
  void create_coordinator();
  // Commits the current positions when auto.commit.interval.ms has passed.
  void maybe_auto_commit();
  // INITIALIZING partitions: their committed offsets (OffsetFetch), if any. Returns false
  // if the lookup did not finish by `deadline` (they stay INITIALIZING).
  bool refresh_committed_offsets(sim::SimTime deadline);
  void on_partitions_revoked(const std::vector<TopicPartition>& partitions);
  void on_partitions_assigned(const std::vector<TopicPartition>& partitions);
  void on_partitions_lost(const std::vector<TopicPartition>& partitions);
  void remove_partitions(const std::vector<TopicPartition>& partitions);
  // Every commit goes through these two (so the observer sees each one).
  ErrorCode send_commit_sync(const std::map<TopicPartition, OffsetAndEpoch>& offsets,
                             sim::SimTime deadline);
  void send_commit_async(std::map<TopicPartition, OffsetAndEpoch> offsets,
                         std::function<void(ErrorCode)> done);

  sim::NodeEnv& env_;
  sim::RpcEndpoint& rpc_;
  ConsumerConfig config_;
  Bugs bugs_;
  std::vector<sim::NodeId> bootstrap_nodes_;
  ConsumerRebalanceListener* user_listener_;
  CommitObserver commit_observer_;
  std::shared_ptr<SubscriptionState> subscriptions_;
  std::shared_ptr<ConsumerFetcher> fetcher_;
  std::shared_ptr<RebalanceListener> listener_;  // what the coordinator calls
  std::shared_ptr<ConsumerCoordinator> coordinator_;
  sim::SimTime next_auto_commit_{};
  bool closing_ = false;  // close() committed already: the listener does not again
  bool closed_ = false;
};

}  // namespace samsa::cluster
