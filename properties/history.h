// History: what the clients of one run did, Jepsen-style — every operation (a send, a
// poll, a commit, an assignment change) with the process that did it, when it was invoked
// and completed in simulated time, and how it ended: ok, fail (definitely did not happen)
// or info (indeterminate: it may or may not have taken effect). The workload drivers
// (harness/) append to it while the simulation runs; the checkers read it afterwards.
// Values are unique per run ("<process>/<key>/<n>"), so a value read names its send.
//
// Invariants: 1. operation ids are dense, in the order operations were recorded (a poll is
// recorded when it returns, with its earlier invocation time); 2. an operation is
// completed at most once, at or after its invocation, and never reopened; 3. an operation
// still pending when the run ends is indeterminate (close() turns it into info).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/errors.h"
#include "cluster/log/byte_utils.h"
#include "cluster/metadata/metadata.h"
#include "cluster/types.h"
#include "sim/time.h"

namespace samsa::properties {

enum class OpKind : std::uint8_t {
  kSend,    // a producer's send of one record
  kPoll,    // a consumer's poll: the records it returned
  kCommit,  // a consumer's offset commit
  kAssign,  // partitions given to a consumer (a rebalance or assign())
  kRevoke,  // partitions a consumer gave up in a rebalance
  kLose,    // partitions a consumer lost (thrown out of its group)
};
std::string_view op_kind_name(OpKind kind);

// Jepsen's :ok / :fail / :info.
enum class OpStatus : std::uint8_t { kPending, kOk, kFail, kInfo };
std::string_view op_status_name(OpStatus status);

struct ReadRecord {
  cluster::TopicPartition tp;
  cluster::Offset offset{-1};
  cluster::LeaderEpoch leader_epoch{cluster::kNoLeaderEpoch};
  std::optional<std::string> key;
  std::optional<std::string> value;  // nullopt: a tombstone
  bool operator==(const ReadRecord&) const = default;
};

struct Op {
  std::uint64_t id = 0;
  std::string process;  // "producer-1", "consumer-g0-2"
  // The consumer group of a consumer's operation (its group.id); empty for producers. The
  // group checkers key on it rather than parse process names.
  std::string group;
  OpKind kind = OpKind::kSend;
  OpStatus status = OpStatus::kPending;
  sim::SimTime invoked_at{};
  sim::SimTime completed_at{};
  cluster::ErrorCode error = cluster::ErrorCode::kNone;
  std::string detail;  // why it failed or is indeterminate, in words

  // kSend: what was sent, and where it landed when acknowledged (offset -1 with acks=0).
  std::optional<std::string> key;
  std::optional<std::string> value;
  cluster::TopicPartition tp;  // kSend: the partition (index -1 if none was chosen)
  cluster::Offset offset{-1};
  // kPoll: the records returned, in the order returned.
  std::vector<ReadRecord> records;
  // kCommit: the offsets committed (next offset to read, per partition).
  std::map<cluster::TopicPartition, cluster::Offset> offsets;
  // kAssign / kRevoke / kLose: the partitions; the group generation they belong to.
  std::vector<cluster::TopicPartition> partitions;
  std::int32_t generation = -1;
};

struct HistoryCounts {
  std::map<OpKind, std::map<OpStatus, std::uint64_t>> by_kind;
  std::uint64_t records_read = 0;
};

class History {
 public:
  // Starts an operation; returns its id (invariant 1).
  std::uint64_t invoke(std::string process, OpKind kind, sim::SimTime now);
  // The pending operation `id`, to fill in its payload before completing it.
  Op& pending(std::uint64_t id);
  // Ends an operation (invariant 2).
  void complete(std::uint64_t id, OpStatus status, sim::SimTime now);
  // An operation that is invoked and completed at once (a poll's result, an assignment).
  Op& record(std::string process, OpKind kind, sim::SimTime now);
  // The run is over: every pending operation becomes info (invariant 3).
  void close(sim::SimTime now);

  const std::vector<Op>& ops() const { return ops_; }
  const Op& op(std::uint64_t id) const;
  HistoryCounts counts() const;
  // A 64-bit digest of every operation, for determinism tests (same run, same digest).
  std::uint64_t digest() const;
  // One line per operation, for failure reports and debugging.
  std::string describe(const Op& op) const;

 private:
  std::vector<Op> ops_;
};

// A record's key or value as the history holds it: its bytes as text (nullopt stays
// nullopt: no key, or a tombstone).
std::optional<std::string> text_of(const std::optional<cluster::Bytes>& bytes);

// The unique value of the n-th send of `key` by `process`, and its parts back.
std::string make_value(std::string_view process, std::string_view key, std::uint64_t n);
struct ValueParts {
  std::string process;
  std::string key;
  std::uint64_t n = 0;
};
std::optional<ValueParts> parse_value(std::string_view value);

}  // namespace samsa::properties
