#include "cluster/client/producer_outcome.h"

namespace samsa::cluster {

std::string_view send_outcome_name(SendOutcome outcome) {
  switch (outcome) {
    case SendOutcome::kAcknowledged:
      return "acknowledged";
    case SendOutcome::kFailed:
      return "failed";
    case SendOutcome::kIndeterminate:
      return "indeterminate";
  }
  return "unknown";
}

std::string_view send_failure_name(SendFailure failure) {
  switch (failure) {
    case SendFailure::kNone:
      return "none";
    case SendFailure::kBrokerError:
      return "broker-error";
    case SendFailure::kRetriesExhausted:
      return "retries-exhausted";
    case SendFailure::kDeliveryTimeout:
      return "delivery-timeout";
    case SendFailure::kBufferExhausted:
      return "buffer-exhausted";
    case SendFailure::kMetadataTimeout:
      return "metadata-timeout";
    case SendFailure::kClosed:
      return "closed";
  }
  return "unknown";
}

AttemptFate classify_response(ErrorCode error, std::int16_t acks) {
  switch (error) {
    case ErrorCode::kNone:
      return AttemptFate::kAppended;
    // Answered after the append: the leader waited for the high watermark and gave up.
    case ErrorCode::kRequestTimedOut:
    case ErrorCode::kNotEnoughReplicasAfterAppend:
      return AttemptFate::kRetriableMaybeAppended;
    // With acks=all a leader that lost leadership (or its log) while waiting for the
    // high watermark answers these after it appended; with acks 0/1 they come before.
    case ErrorCode::kNotLeaderOrFollower:
    case ErrorCode::kKafkaStorageError:
      return acks == -1 ? AttemptFate::kRetriableMaybeAppended
                        : AttemptFate::kRetriableNotAppended;
    case ErrorCode::kUnknownServerError:
      return AttemptFate::kFatalMaybeAppended;
    default:
      break;
  }
  return cluster::is_retriable(error) ? AttemptFate::kRetriableNotAppended
                                      : AttemptFate::kFatalNotAppended;
}

AttemptFate classify_rpc_error(sim::RpcError error) {
  // A refused connection never delivered the request; a timeout may have.
  return error == sim::RpcError::kNodeDown ? AttemptFate::kRetriableNotAppended
                                           : AttemptFate::kRetriableMaybeAppended;
}

bool is_retriable(AttemptFate fate) {
  return fate == AttemptFate::kRetriableNotAppended ||
         fate == AttemptFate::kRetriableMaybeAppended;
}

bool may_be_appended(AttemptFate fate) {
  return fate == AttemptFate::kRetriableMaybeAppended ||
         fate == AttemptFate::kFatalMaybeAppended || fate == AttemptFate::kAppended;
}

bool needs_metadata_refresh(ErrorCode error) {
  switch (error) {
    case ErrorCode::kNotLeaderOrFollower:
    case ErrorCode::kUnknownTopicOrPartition:
    case ErrorCode::kLeaderNotAvailable:
    case ErrorCode::kFencedLeaderEpoch:
    case ErrorCode::kUnknownLeaderEpoch:
    case ErrorCode::kKafkaStorageError:
    case ErrorCode::kRequestTimedOut:
      return true;
    default:
      return false;
  }
}

SendOutcome give_up_outcome(bool maybe_appended) {
  return maybe_appended ? SendOutcome::kIndeterminate : SendOutcome::kFailed;
}

}  // namespace samsa::cluster
