// KafkaProducer: samsa's producer client (Kafka's KafkaProducer + RecordAccumulator +
// Sender), running as fibers on one node. send() picks a partition (partitioner.h),
// appends the record to the partition's open batch (record_accumulator.h) and returns a
// promise; a sender fiber drains ready batches to the partitions' leaders (at most
// max.in.flight.requests.per.connection per broker), retries retriable errors after
// retry.backoff.ms, refreshes metadata (producer_metadata.h), and settles every promise
// with one of three outcomes (producer_outcome.h). Used by end-to-end tests and
// workloads: the node's main fiber owns the sim::RpcEndpoint and serves it.
//
// Invariants: 1. every promise send() returns is set exactly once, with acknowledged,
// failed or indeterminate; 2. an acknowledged acks=1/all record carries the offset the
// leader returned for it (base offset + its index in the batch); 3. a batch is sent at
// most 1 + retries times and never after delivery.timeout.ms; 4. records buffered never
// pass buffer.memory (send fails with kBufferExhausted instead of queueing); 5. without
// idempotence a retried batch goes back to the head of its queue while later batches may
// already be in flight, so retries may reorder and duplicate records, as in Kafka; 6.
// with enable.idempotence nothing is sent before InitProducerId answered, every batch
// carries (producer id, epoch, sequence) from producer_idempotence.h, and a retried
// batch is resent with the same ones (the broker's duplicate check makes it land once)
// unless a KIP-360 epoch bump rewrote its partition's batches in flight from sequence 0
// in their old order; a retried batch leaves only when it is its partition's oldest batch
// in flight, so idempotent sends keep their order per partition across failovers, and at
// most max.in.flight batches of a partition leave after its oldest unsettled one, so every
// retry is within the broker's five-batch duplicate window.
//
// Lifetime: fibers keep the producer alive through shared_ptr; env and the endpoint must
// outlive every fiber (true when the node's main fiber owns them), or die by a crash.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cluster/client/partitioner.h"
#include "cluster/client/producer_config.h"
#include "cluster/client/producer_idempotence.h"
#include "cluster/client/producer_metadata.h"
#include "cluster/client/producer_outcome.h"
#include "cluster/client/record_accumulator.h"
#include "sim/node_env.h"
#include "sim/rpc.h"
#include "sim/sync.h"

namespace samsa::cluster {

struct ProducerStats {
  std::uint64_t produce_requests = 0;  // sent, acks=0 included
  std::uint64_t retries = 0;           // batches put back for another attempt
  std::uint64_t metadata_requests = 0;
  std::uint64_t acknowledged = 0;  // records
  std::uint64_t failed = 0;
  std::uint64_t indeterminate = 0;
  std::uint64_t init_producer_id_requests = 0;
};

struct ProducerOptions {
  ProducerConfig config;
  std::vector<sim::NodeId> bootstrap_nodes;  // bootstrap.servers
  // max.block.ms: how long send() waits for an unknown topic's metadata.
  std::int64_t max_block_ms = 60'000;
  // partitioner.class; null: the default (murmur2 keys, KIP-794 sticky).
  std::shared_ptr<Partitioner> partitioner;
};

class KafkaProducer : public std::enable_shared_from_this<KafkaProducer> {
 public:
  // From a fiber on env's node: validates the config and starts the sender fiber.
  static sim::Result<std::shared_ptr<KafkaProducer>, ConfigError> create(sim::NodeEnv& env,
                                                                         sim::RpcEndpoint& rpc,
                                                                         ProducerOptions options);
  KafkaProducer(const KafkaProducer&) = delete;
  KafkaProducer& operator=(const KafkaProducer&) = delete;

  // From a fiber on the producer's node. Waits (up to max.block.ms) only when the
  // topic's partitions are not known yet; otherwise returns at once.
  SendPromise send(const std::string& topic, std::optional<Bytes> key, std::optional<Bytes> value);
  // The same to a partition chosen by the caller.
  SendPromise send_to(const TopicPartition& tp, std::optional<Bytes> key,
                      std::optional<Bytes> value);
  // Makes every record sent so far ready to go without waiting for linger.ms.
  void flush();
  // From a fiber: flushes and waits up to `timeout` for every send to settle, then ends
  // the sender and fails what is left (kClosed; indeterminate if it may be appended).
  void close(sim::Duration timeout);

  const ProducerStats& stats() const { return stats_; }
  const ProducerConfig& config() const { return config_; }
  std::size_t in_flight_requests() const;
  std::size_t buffered_bytes() const { return accumulator_.buffered_bytes(); }
  const IdempotenceState& idempotence() const { return idempotence_; }

  KafkaProducer(sim::NodeEnv& env, sim::RpcEndpoint& rpc, ProducerOptions options);

 private:
  sim::SimTime now() const { return env_.monotonic(); }
  // producer_sender.cpp: the Sender.
  void sender_loop();
  void send_ready_batches();
  void send_fire_and_forget(const BatchPtr& batch, sim::NodeId node);
  void send_batch(const BatchPtr& batch, sim::NodeId node);
  void on_attempt(const BatchPtr& batch, AttemptFate fate, ErrorCode error, Offset base_offset);
  void complete(const ProducerBatch& batch, SendOutcome outcome, SendFailure failure,
                ErrorCode error, Offset base_offset);
  void expire_batches();
  void refresh_metadata();
  void init_producer_id();
  bool settled() const;

  sim::NodeEnv& env_;
  sim::RpcEndpoint& rpc_;
  ProducerConfig config_;
  std::int64_t max_block_ms_;
  std::shared_ptr<Partitioner> partitioner_;
  RecordAccumulator accumulator_;
  ProducerMetadata metadata_;
  std::map<sim::NodeId, std::size_t> in_flight_;  // produce requests awaiting answers
  bool metadata_in_flight_ = false;
  sim::SimTime metadata_retry_after_{};
  IdempotenceState idempotence_;
  bool init_producer_id_in_flight_ = false;
  sim::SimTime init_producer_id_retry_after_{};
  bool closed_ = false;
  sim::Event wake_;  // set when the sender has something new to look at
  ProducerStats stats_;
};

}  // namespace samsa::cluster
