// Idempotent producer state of one partition (KIP-98): for each producer id, its current
// epoch and the sequence and offset ranges of its last five batches. The leader checks
// every batch of an idempotent producer here before appending it: a retry of one of
// those five batches is answered with the original offsets instead of being appended
// twice; a gap in sequence numbers is OUT_OF_ORDER_SEQUENCE_NUMBER; an older producer
// epoch is fenced (INVALID_PRODUCER_EPOCH). The partition log (partition_log.h) keeps
// one, as Kafka's UnifiedLog keeps its ProducerStateManager: every batch appended, by a
// leader or a follower, is recorded, so a new leader answers retries as the old did; it
// is saved in snapshot files ("<offset>.snapshot", encode_snapshot below) and rebuilt on
// open from the newest snapshot plus the batches after it.
//
// Invariants:
//   1. Per producer, the retained batches have strictly increasing offsets and each
//      batch's first sequence follows the previous batch's last (modulo 2^31).
//   2. At most kBatchesRetained batches are kept per producer.
//   3. A producer's epoch never decreases.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "cluster/errors.h"
#include "cluster/types.h"

namespace samsa::cluster {

struct ProducerBatch {
  Sequence first_sequence;
  Sequence last_sequence;
  Offset first_offset;
  Offset last_offset;
  std::int64_t max_timestamp_ms = 0;
  auto operator<=>(const ProducerBatch&) const = default;
};

struct ProducerEntry {
  ProducerEpoch epoch;
  std::deque<ProducerBatch> batches;  // oldest first
  bool operator==(const ProducerEntry&) const = default;
};

// What the leader should do with an incoming idempotent batch.
struct SequenceCheck {
  ErrorCode error = ErrorCode::kNone;
  // Set when the batch is a retry of a retained batch: answer with these offsets.
  std::optional<ProducerBatch> duplicate_of;
  bool should_append() const { return error == ErrorCode::kNone && !duplicate_of; }
};

// The sequence number after `s` (sequences wrap from INT32_MAX to 0, as in Kafka).
Sequence next_sequence(Sequence s);
// The last sequence of a batch of `record_count` records starting at `first`.
Sequence last_sequence_of(Sequence first, std::int32_t record_count);

class ProducerStateManager {
 public:
  static constexpr std::size_t kBatchesRetained = 5;

  // Checks a batch of producer (id, epoch) with sequences [first, last].
  SequenceCheck check(ProducerId id, ProducerEpoch epoch, Sequence first, Sequence last) const;
  // Records an appended batch (leader after append; follower and recovery per batch in
  // log order). A newer epoch replaces the producer's retained batches.
  void record(ProducerId id, ProducerEpoch epoch, const ProducerBatch& batch);
  // Forgets every batch at or above `offset` (the log was truncated there); producers left
  // without batches are forgotten.
  void truncate_to(Offset offset);
  // Forgets every batch wholly below `log_start` (the log no longer holds it), and the
  // producers left without batches — so the state equals a rebuild from the log start.
  void truncate_head(Offset log_start);
  void clear() { producers_.clear(); }

  const ProducerEntry* find(ProducerId id) const;
  std::size_t producer_count() const { return producers_.size(); }
  const std::map<ProducerId, ProducerEntry>& producers() const { return producers_; }

  // A text snapshot ("producer-state" checkpoint) and its parser; parse errors name the
  // line.
  std::string serialize() const;
  static std::optional<ProducerStateManager> parse(const std::string& text, std::string* error);

  // A snapshot file's content: the line "producer-snapshot 1 <end offset> <crc32c>", then
  // serialize()'s text, which the CRC32C covers. `end_offset` is the log end offset the
  // state describes (the batches below it).
  std::string encode_snapshot(Offset end_offset) const;
  // The state a snapshot holds, or nullopt (with the reason in `error`) when its header,
  // CRC, end offset (it must be `expected_end_offset`) or body is wrong.
  static std::optional<ProducerStateManager> decode_snapshot(std::string_view text,
                                                             Offset expected_end_offset,
                                                             std::string* error);

  bool operator==(const ProducerStateManager&) const = default;

 private:
  std::map<ProducerId, ProducerEntry> producers_;  // ordered: deterministic iteration
};

}  // namespace samsa::cluster
