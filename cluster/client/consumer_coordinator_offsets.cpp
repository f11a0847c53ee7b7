// OffsetCommit and OffsetFetch for a ConsumerCoordinator (Kafka's ConsumerCoordinator
// commitOffsetsSync / fetchCommittedOffsets): each retries the coordinator's retriable
// errors until the caller's deadline and hands every other error back as a value.
#include <algorithm>

#include "cluster/client/consumer_coordinator_state.h"
#include "sim/log.h"

namespace samsa::cluster {
namespace {

// Bounds the retry loops when the caller's deadline is far away; each attempt waits at
// least a round trip or a backoff.
constexpr int kMaxOffsetAttempts = 10'000;

// The first error of a commit: a group-level error is repeated in every partition.
ErrorCode first_error(const OffsetCommitResponse& response,
                      std::map<TopicPartition, ErrorCode>* partition_errors) {
  ErrorCode first = ErrorCode::kNone;
  for (const OffsetCommitPartitionResult& result : response.partitions) {
    if (partition_errors != nullptr) (*partition_errors)[result.tp] = result.error;
    if (first == ErrorCode::kNone) first = result.error;
  }
  return first;
}

}  // namespace

ErrorCode ConsumerCoordinator::State::commit_offsets(
    const std::map<TopicPartition, OffsetAndEpoch>& offsets, sim::SimTime deadline,
    std::map<TopicPartition, ErrorCode>* partition_errors, bool* maybe_applied) {
  if (offsets.empty()) return ErrorCode::kNone;
  if (closed || fenced) return ErrorCode::kCoordinatorNotAvailable;
  for (int attempt = 0; attempt < kMaxOffsetAttempts && now() < deadline; ++attempt) {
    // Kafka's generationIfStable: a subscribed member commits only from a stable
    // generation; a consumer with manual assignment commits outside any (invariant 3).
    const bool subscribed = !subscription.empty();
    if (subscribed && member_state != MemberState::kStable) {
      return member_state == MemberState::kUnjoined ? ErrorCode::kIllegalGeneration
                                                    : ErrorCode::kRebalanceInProgress;
    }
    if (!ensure_coordinator(deadline)) break;
    auto request = std::make_shared<OffsetCommitRequest>();
    request->group_id = config.group_id;
    if (subscribed) {
      request->generation_id = generation.generation_id;
      request->member_id = generation.member_id;
      request->group_instance_id = config.group_instance_id;
    }
    for (const auto& [tp, position] : offsets) {
      request->offsets.push_back(
          OffsetCommitPartition{tp, position.offset, position.leader_epoch, std::string()});
    }
    const std::uint64_t epoch = membership_epoch;
    ++stats.commits;
    const CallResult answer = call(*coordinator, request, config.request_timeout_ms, deadline);
    const auto* response = response_as<OffsetCommitResponse>(answer);
    const ErrorCode error = response == nullptr ? ErrorCode::kRequestTimedOut
                                                : first_error(*response, partition_errors);
    if (error == ErrorCode::kNone) return ErrorCode::kNone;
    ++stats.failed_commits;
    // The coordinator answers NOT_COORDINATOR / COORDINATOR_NOT_AVAILABLE when its write
    // to the offsets topic did not finish in time; an unanswered attempt may have landed.
    const bool may_have_landed = response == nullptr || error == ErrorCode::kNotCoordinator ||
                                 error == ErrorCode::kCoordinatorNotAvailable ||
                                 error == ErrorCode::kRequestTimedOut;
    if (may_have_landed && maybe_applied != nullptr) *maybe_applied = true;
    switch (error) {
      case ErrorCode::kCoordinatorLoadInProgress:
        break;
      case ErrorCode::kNotCoordinator:
      case ErrorCode::kCoordinatorNotAvailable:
      case ErrorCode::kRequestTimedOut:
        mark_coordinator_unknown(response == nullptr ? "OffsetCommit was not answered"
                                                     : error_name(error));
        break;
      case ErrorCode::kIllegalGeneration:
      case ErrorCode::kUnknownMemberId:
        // Kafka's CommitFailedException: the member is no longer in the generation it
        // committed from; its partitions are lost and it must rejoin.
        if (epoch == membership_epoch) {
          reset_generation(error == ErrorCode::kUnknownMemberId, "OffsetCommit was rejected");
        }
        return error;
      case ErrorCode::kRebalanceInProgress:
        request_rejoin("OffsetCommit: REBALANCE_IN_PROGRESS");
        return error;
      case ErrorCode::kFencedInstanceId:
        fence("OffsetCommit: FENCED_INSTANCE_ID");
        return error;
      default:
        return error;
    }
    backoff(deadline);
  }
  if (maybe_applied != nullptr) *maybe_applied = true;  // nothing proves the last try failed
  return ErrorCode::kRequestTimedOut;
}

sim::Result<std::map<TopicPartition, OffsetAndEpoch>, ErrorCode>
ConsumerCoordinator::State::fetch_offsets(const std::vector<TopicPartition>& partitions,
                                          sim::SimTime deadline) {
  if (closed || fenced) return sim::Err(ErrorCode::kCoordinatorNotAvailable);
  for (int attempt = 0; attempt < kMaxOffsetAttempts && now() < deadline; ++attempt) {
    if (!ensure_coordinator(deadline)) break;
    auto request = std::make_shared<OffsetFetchRequest>();
    request->group_id = config.group_id;
    request->partitions = partitions;
    request->require_stable = true;  // KIP-447
    const CallResult answer = call(*coordinator, request, config.request_timeout_ms, deadline);
    const auto* response = response_as<OffsetFetchResponse>(answer);
    if (response == nullptr) {
      mark_coordinator_unknown("OffsetFetch was not answered");
      continue;
    }
    ErrorCode error = response->error;
    std::map<TopicPartition, OffsetAndEpoch> committed;
    for (const OffsetFetchPartition& p : response->partitions) {
      if (error == ErrorCode::kNone) error = p.error;
      if (p.error == ErrorCode::kNone && p.committed_offset >= Offset(0)) {
        committed[p.tp] = OffsetAndEpoch{p.committed_offset, p.committed_leader_epoch};
      }
    }
    switch (error) {
      case ErrorCode::kNone:
        return committed;
      case ErrorCode::kUnstableOffsetCommit:  // a transaction's commit is pending (KIP-447)
      case ErrorCode::kCoordinatorLoadInProgress:
        break;
      case ErrorCode::kNotCoordinator:
      case ErrorCode::kCoordinatorNotAvailable:
      case ErrorCode::kRequestTimedOut:
        mark_coordinator_unknown(error_name(error));
        break;
      default:
        return sim::Err(error);
    }
    backoff(deadline);
  }
  return sim::Err(ErrorCode::kRequestTimedOut);
}

}  // namespace samsa::cluster
