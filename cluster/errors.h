// Kafka's protocol error codes, with Kafka's numbers, so a Kafka user reads samsa's
// histories and reports without a glossary. Operating errors travel as values of this
// enum in responses; broken invariants are SAMSA_ASSERTs, never error codes.
#pragma once

#include <cstdint>
#include <string_view>

namespace samsa::cluster {

enum class ErrorCode : std::int16_t {
  kUnknownServerError = -1,
  kNone = 0,
  kOffsetOutOfRange = 1,
  kOffsetMetadataTooLarge = 12,
  kCoordinatorLoadInProgress = 14,
  kCorruptMessage = 2,
  kUnknownTopicOrPartition = 3,
  kLeaderNotAvailable = 5,
  kNotLeaderOrFollower = 6,
  kRequestTimedOut = 7,
  kBrokerNotAvailable = 8,
  kCoordinatorNotAvailable = 15,
  kNotCoordinator = 16,
  kNotEnoughReplicas = 19,
  kNotEnoughReplicasAfterAppend = 20,
  kInvalidTopicException = 17,
  kIllegalGeneration = 22,
  kInconsistentGroupProtocol = 23,
  kInvalidGroupId = 24,
  kUnknownMemberId = 25,
  kInvalidSessionTimeout = 26,
  kRebalanceInProgress = 27,
  kInvalidCommitOffsetSize = 28,
  kGroupIdNotFound = 69,
  kMemberIdRequired = 79,
  kGroupMaxSizeReached = 81,
  kFencedInstanceId = 82,
  kUnstableOffsetCommit = 88,
  kTopicAlreadyExists = 36,
  kInvalidPartitions = 37,
  kInvalidReplicationFactor = 38,
  kNotController = 41,
  kInvalidRequest = 42,
  kOutOfOrderSequenceNumber = 45,
  kDuplicateSequenceNumber = 46,
  kInvalidProducerEpoch = 47,
  kKafkaStorageError = 56,
  kUnknownProducerId = 59,
  kInconsistentVoterSet = 68,
  kFencedLeaderEpoch = 74,
  kUnknownLeaderEpoch = 75,
  kStaleBrokerEpoch = 77,
  kInvalidRecord = 87,
  kInvalidUpdateVersion = 95,
  kSnapshotNotFound = 98,
  kPositionOutOfRange = 99,
  kDuplicateBrokerRegistration = 101,
  kIneligibleReplica = 107,
};

// Kafka's name for the code, e.g. "NOT_ENOUGH_REPLICAS".
std::string_view error_name(ErrorCode code);

// Errors after which a client may retry the same request (Kafka's RetriableException).
bool is_retriable(ErrorCode code);

}  // namespace samsa::cluster
