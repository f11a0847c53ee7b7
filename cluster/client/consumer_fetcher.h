// ConsumerFetcher: the fetching half of KafkaConsumer (Kafka's Fetcher, OffsetFetcher and
// the metadata refresh of its NetworkClient), as fibers on the consumer's node. poll()
// drives it in rounds: update_fetch_positions() (leader changes -> KIP-320 validation by
// OffsetsForLeaderEpoch, resets by ListOffsets), send_fetches() (one Fetch per leader
// node), collect() (the buffered answers, as records and errors), await_progress().
// Answers arrive on their own fibers and are buffered until collected.
//
// Invariants: 1. at most one Fetch per broker node in flight, and one metadata request;
// 2. a partition is fetched only while fetchable (FETCHING, unpaused) with no fetched
// data waiting, at its position, under its position's leader epoch (KIP-320); 3. data is
// returned only while its partition is still assigned, FETCHING and at the offset it was
// fetched from (a seek, reset, revocation or leader change in between discards it), and
// a position only moves past records returned; 4. at most one reset or validation
// request per partition is in flight (next_allowed_retry holds the next back); 5. every
// call ends within request.timeout.ms.
//
// Lifetime: fibers keep the fetcher alive through shared_ptr; env and the endpoint must
// outlive every fiber (true when the node's main fiber owns them), or die by a crash.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cluster/broker/messages.h"
#include "cluster/bugs.h"
#include "cluster/client/consumer_config.h"
#include "cluster/client/consumer_record.h"
#include "cluster/client/producer_metadata.h"
#include "cluster/client/subscription_state.h"
#include "sim/node_env.h"
#include "sim/rpc.h"
#include "sim/sync.h"

namespace samsa::cluster {

struct ConsumerStats {
  std::uint64_t fetches = 0;  // Fetch requests sent
  std::uint64_t records = 0;  // records returned by poll()
  std::uint64_t resets = 0;   // positions set by ListOffsets (auto.offset.reset, seek_to_*)
  std::uint64_t validations = 0;           // OffsetsForLeaderEpoch answers applied (KIP-320)
  std::uint64_t truncations_detected = 0;  // validations that found the log truncated
  std::uint64_t commits = 0;               // commit calls made (sync, async, auto)
  std::uint64_t metadata_requests = 0;
};

// Records fetched for one partition, waiting for poll() (Kafka's CompletedFetch).
struct CompletedFetch {
  TopicPartition tp;
  Offset fetch_offset;                  // the position it was fetched at
  std::vector<ConsumerRecord> records;  // at or above fetch_offset, control batches skipped
  std::size_t returned = 0;             // records already handed out
  // The offset after the last batch (its last offset + 1, even if that record was
  // compacted away or the batch was a control batch) and that batch's leader epoch.
  Offset next_fetch_offset;
  LeaderEpoch last_epoch = kNoLeaderEpoch;
  // The position the partition must be at for the rest to be returned.
  Offset expected_position() const {
    return returned == 0 ? fetch_offset : records[returned - 1].offset + 1;
  }
};

// Parses the batches of one fetched partition. Returns nullopt when the first batch does
// not decode (corrupt); a later bad batch only ends the data early.
std::optional<CompletedFetch> parse_completed_fetch(const TopicPartition& tp, Offset fetch_offset,
                                                    const Bytes& batches);

class ConsumerFetcher : public std::enable_shared_from_this<ConsumerFetcher> {
 public:
  ConsumerFetcher(sim::NodeEnv& env, sim::RpcEndpoint& rpc, const ConsumerConfig& config,
                  std::vector<sim::NodeId> bootstrap_nodes, Bugs bugs,
                  std::shared_ptr<SubscriptionState> subscriptions);
  ConsumerFetcher(const ConsumerFetcher&) = delete;
  ConsumerFetcher& operator=(const ConsumerFetcher&) = delete;

  // --- The poll loop's steps (from a fiber on the consumer's node) ---------------------
  // Starts a round: answers arriving from now on end the next await_progress().
  void begin_round() { wake_.reset(); }
  // Leader epochs from metadata: validation (or, with Bug::kResetToLatestOnLeaderChange,
  // a reset to the log end); then ListOffsets and OffsetsForLeaderEpoch requests for the
  // partitions that wait for them; a metadata refresh when due.
  void update_fetch_positions();
  // INITIALIZING partitions (no committed offset) go to AWAIT_RESET by auto.offset.reset;
  // under `none` they are reported as kNoOffsetForPartition.
  void reset_initializing_positions();
  void send_fetches();
  // Up to `max_records` buffered records (advancing positions) and the errors found
  // since the last call, for partitions still assigned.
  PollResult collect(std::size_t max_records);
  // Waits until an answer arrived since begin_round() or until `deadline`.
  void await_progress(sim::SimTime deadline) { wake_.wait_until(deadline); }

  // --- Metadata ------------------------------------------------------------------------
  void add_topics(const std::vector<std::string>& topics);
  // Refreshes metadata now and waits for the answer (until `deadline`); whether it came.
  bool await_metadata(sim::SimTime deadline);
  // The leader epoch metadata names for `tp`, or none.
  LeaderEpoch leader_epoch(const TopicPartition& tp) const;
  // An epoch of `tp` learned elsewhere (a committed offset's): metadata older than it is
  // stale, and no position is validated against its leader (KIP-320).
  void update_last_seen_epoch(const TopicPartition& tp, LeaderEpoch epoch) {
    metadata_.update_last_seen_epoch_if_newer(tp, epoch);
  }
  // The partition count of each known topic among `topics` (the coordinator's
  // PartitionCounts).
  std::map<std::string, std::int32_t> partition_counts(const std::vector<std::string>& topics) const;

  ConsumerStats& stats() { return stats_; }
  const ConsumerStats& stats() const { return stats_; }
  std::size_t fetches_in_flight() const { return fetch_in_flight_.size(); }

 private:
  sim::SimTime now() const { return env_.monotonic(); }
  sim::Duration backoff() const { return std::chrono::milliseconds(config_.retry_backoff_ms); }
  sim::Duration request_timeout() const {
    return std::chrono::milliseconds(config_.request_timeout_ms);
  }
  bool has_buffered(const TopicPartition& tp) const;
  // Whether `error` still describes the partition: an error found at a position the
  // partition has left since (a seek, a reset, a revocation) is stale, as stale data is.
  bool error_is_current(const TopicPartition& tp, const PartitionPollError& error) const;
  // Drops buffered data that can never be returned (invariant 3); keeps paused data.
  void discard_stale_buffered();
  void fetch_from(sim::NodeId node, std::shared_ptr<FetchRequest> request);
  void on_fetched(const FetchPartition& sent, const FetchedPartition& got, sim::NodeId node);
  void maybe_refresh_metadata();
  void refresh_metadata();
  // consumer_offsets.cpp: resets and KIP-320 validation.
  void send_list_offsets(const TopicPartition& tp);
  void on_list_offsets(const TopicPartition& tp, OffsetResetStrategy strategy,
                       LeaderEpoch leader_epoch, const ListOffsetsResponse* response);
  void send_validation(const TopicPartition& tp);
  void on_validation(const TopicPartition& tp, const FetchPosition& requested,
                     const OffsetsForLeaderEpochResponse* response);
  // A request for `tp` failed: metadata is refreshed, the next one waits retry.backoff.ms
  // if the partition is still in `state`.
  void retry_later(const TopicPartition& tp, FetchState state);

  sim::NodeEnv& env_;
  sim::RpcEndpoint& rpc_;
  ConsumerConfig config_;
  Bugs bugs_;
  std::shared_ptr<SubscriptionState> subscriptions_;
  ProducerMetadata metadata_;
  bool metadata_in_flight_ = false;
  sim::SimTime metadata_retry_after_{};
  std::set<sim::NodeId> fetch_in_flight_;
  std::map<sim::NodeId, sim::SimTime> node_retry_after_;  // after a failed fetch
  std::deque<CompletedFetch> completed_;  // in arrival order, at most one per partition
  std::map<TopicPartition, PartitionPollError> errors_;
  sim::Event wake_;
  ConsumerStats stats_;
};

}  // namespace samsa::cluster
