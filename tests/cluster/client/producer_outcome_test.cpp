// Claims about how the producer classifies answers into the three outcomes, and about
// ProducerConfig validation.
#include "cluster/client/producer_outcome.h"

#include <gtest/gtest.h>

#include "cluster/client/producer_config.h"

namespace samsa::cluster {
namespace {

TEST(ProducerOutcome, ErrorsRejectedBeforeTheAppendAreRetriableAndProveNothingWasAppended) {
  for (ErrorCode code : {ErrorCode::kUnknownTopicOrPartition, ErrorCode::kLeaderNotAvailable,
                         ErrorCode::kFencedLeaderEpoch, ErrorCode::kNotEnoughReplicas}) {
    EXPECT_EQ(classify_response(code, -1), AttemptFate::kRetriableNotAppended)
        << error_name(code);
  }
}

TEST(ProducerOutcome, AnswersThatMayComeAfterTheAppendMarkTheBatchMaybeAppended) {
  EXPECT_EQ(classify_response(ErrorCode::kRequestTimedOut, -1),
            AttemptFate::kRetriableMaybeAppended);
  EXPECT_EQ(classify_response(ErrorCode::kNotEnoughReplicasAfterAppend, -1),
            AttemptFate::kRetriableMaybeAppended);
  // A leader that loses leadership while waiting for the high watermark answers this.
  EXPECT_EQ(classify_response(ErrorCode::kNotLeaderOrFollower, -1),
            AttemptFate::kRetriableMaybeAppended);
  EXPECT_EQ(classify_response(ErrorCode::kNotLeaderOrFollower, 1),
            AttemptFate::kRetriableNotAppended);
  EXPECT_EQ(classify_rpc_error(sim::RpcError::kTimeout), AttemptFate::kRetriableMaybeAppended);
  EXPECT_EQ(classify_rpc_error(sim::RpcError::kNodeDown), AttemptFate::kRetriableNotAppended);
}

TEST(ProducerOutcome, NonRetriableErrorsAreFatalAndSuccessIsAppended) {
  EXPECT_EQ(classify_response(ErrorCode::kNone, -1), AttemptFate::kAppended);
  EXPECT_EQ(classify_response(ErrorCode::kInvalidRecord, -1), AttemptFate::kFatalNotAppended);
  EXPECT_EQ(classify_response(ErrorCode::kOutOfOrderSequenceNumber, -1),
            AttemptFate::kFatalNotAppended);
  EXPECT_FALSE(is_retriable(AttemptFate::kFatalNotAppended));
  EXPECT_FALSE(is_retriable(AttemptFate::kFatalMaybeAppended));
}

TEST(ProducerOutcome, GivingUpIsIndeterminateExactlyWhenSomeAttemptMayHaveBeenAppended) {
  EXPECT_EQ(give_up_outcome(true), SendOutcome::kIndeterminate);
  EXPECT_EQ(give_up_outcome(false), SendOutcome::kFailed);
}

TEST(ProducerOutcome, LeaderMovesAndTimeoutsAskForAMetadataRefresh) {
  for (ErrorCode code : {ErrorCode::kNotLeaderOrFollower, ErrorCode::kUnknownTopicOrPartition,
                         ErrorCode::kLeaderNotAvailable, ErrorCode::kFencedLeaderEpoch,
                         ErrorCode::kRequestTimedOut}) {
    EXPECT_TRUE(needs_metadata_refresh(code)) << error_name(code);
  }
  EXPECT_FALSE(needs_metadata_refresh(ErrorCode::kNotEnoughReplicas));
  EXPECT_FALSE(needs_metadata_refresh(ErrorCode::kNone));
}

TEST(ProducerConfig, TheDefaultsAreValid) { EXPECT_TRUE(validate(ProducerConfig{}).ok()); }

TEST(ProducerConfig, IdempotenceWithAcksOtherThanAllIsAConfigurationError) {
  ProducerConfig config;
  config.enable_idempotence = true;
  config.acks = 1;
  auto result = validate(config);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error(), ConfigError::kIdempotenceRequiresAcksAll);
  config.acks = -1;
  EXPECT_TRUE(validate(config).ok());
}

TEST(ProducerConfig, IdempotenceWithMoreThanFiveInFlightIsAConfigurationError) {
  ProducerConfig config;
  config.enable_idempotence = true;
  config.max_in_flight_requests_per_connection = 6;
  auto result = validate(config);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error(), ConfigError::kIdempotenceRequiresMaxInFlightAtMost5);
}

TEST(ProducerConfig, BadAcksAndTooShortDeliveryTimeoutAreRejected) {
  ProducerConfig config;
  config.acks = 2;
  EXPECT_EQ(validate(config).error(), ConfigError::kInvalidAcks);
  config = ProducerConfig{};
  config.delivery_timeout_ms = config.request_timeout_ms;  // + linger.ms 5 > it
  EXPECT_EQ(validate(config).error(), ConfigError::kDeliveryTimeoutBelowLingerPlusRequestTimeout);
  config = ProducerConfig{};
  config.batch_size = 0;
  EXPECT_EQ(validate(config).error(), ConfigError::kNonPositiveSetting);
}

}  // namespace
}  // namespace samsa::cluster
