// What became of a produced record, and how the producer decides it. A send ends in
// exactly one of three outcomes (the distinction a checker of a Kafka history needs):
// acknowledged (the leader answered with its offset; acks=0 acknowledges on sending, with
// offset -1, as Kafka does), definitely failed (no attempt can have been appended), or
// indeterminate (an attempt may have reached the log and the producer gave up). Called by
// the sender (producer_sender.cpp) after every attempt; pure, so unit-tested directly.
//
// Invariants: 1. an answer that may come after the leader appended (REQUEST_TIMED_OUT,
// NOT_ENOUGH_REPLICAS_AFTER_APPEND, and for acks=all NOT_LEADER_OR_FOLLOWER and
// KAFKA_STORAGE_ERROR, which a leader sends when it loses leadership or its log while
// waiting for the high watermark) or an RPC timeout marks the batch maybe-appended for
// good; 2. a failure of a maybe-appended batch is indeterminate, never definite.
#pragma once

#include <cstdint>
#include <string_view>

#include "cluster/errors.h"
#include "cluster/metadata/metadata.h"
#include "cluster/types.h"
#include "sim/rpc.h"

namespace samsa::cluster {

enum class SendOutcome : std::uint8_t { kAcknowledged, kFailed, kIndeterminate };
std::string_view send_outcome_name(SendOutcome outcome);

// Why a send did not end acknowledged (kNone when it did).
enum class SendFailure : std::uint8_t {
  kNone,
  kBrokerError,       // a non-retriable error code from the leader (`error`)
  kRetriesExhausted,  // `retries` attempts ended in retriable errors (last one in `error`)
  kDeliveryTimeout,   // delivery.timeout.ms passed before an acknowledgement
  kBufferExhausted,   // buffer.memory is full: the record was never queued
  kMetadataTimeout,   // the topic's partitions stayed unknown for max.block.ms
  kClosed,            // the producer was closed before the record was sent
};
std::string_view send_failure_name(SendFailure failure);

struct SendResult {
  SendOutcome outcome = SendOutcome::kFailed;
  TopicPartition tp;  // partition -1 when no partition was chosen
  Offset offset{-1};  // acknowledged with acks 1/all: the record's offset
  SendFailure failure = SendFailure::kNone;
  ErrorCode error = ErrorCode::kNone;  // the last error code a broker returned
};

// What one attempt's answer says about the batch it carried.
enum class AttemptFate : std::uint8_t {
  kAppended,             // acknowledged
  kRetriableNotAppended, // retriable, and proves this attempt was not appended
  kRetriableMaybeAppended,
  kFatalNotAppended,     // non-retriable, rejected before the append
  kFatalMaybeAppended,   // non-retriable, and the leader may have appended
};
AttemptFate classify_response(ErrorCode error, std::int16_t acks);
AttemptFate classify_rpc_error(sim::RpcError error);

bool is_retriable(AttemptFate fate);
bool may_be_appended(AttemptFate fate);
// Whether the producer should refresh its metadata after this answer (the leader moved,
// is unknown, or did not answer).
bool needs_metadata_refresh(ErrorCode error);

// The outcome of a batch the producer gives up on: indeterminate when any attempt may
// have been appended, failed otherwise.
SendOutcome give_up_outcome(bool maybe_appended);

}  // namespace samsa::cluster
