#include "cluster/group/consumer_protocol.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <string>
#include <vector>

#include "cluster/log/byte_utils.h"

namespace samsa::cluster {
namespace {

TopicPartition tp(std::string topic, std::int32_t partition) {
  return TopicPartition{std::move(topic), PartitionIndex(partition)};
}

Subscription full_subscription() {
  Subscription s;
  s.topics = {"orders", "payments"};
  s.user_data = {0xDE, 0xAD};
  s.owned_partitions = {tp("orders", 0), tp("orders", 2), tp("payments", 1)};
  s.generation_id = 7;
  s.rack_id = "rack-a";
  return s;
}

void append_string(Bytes& out, const std::string& s) {
  append_be<std::int16_t>(out, static_cast<std::int16_t>(s.size()));
  out.insert(out.end(), s.begin(), s.end());
}

// Kafka's byte layout, written out field by field, for the tests that pin it.
Bytes subscription_v0(const std::vector<std::string>& topics, std::int32_t user_data_length) {
  Bytes out;
  append_be<std::int16_t>(out, 0);
  append_be<std::int32_t>(out, static_cast<std::int32_t>(topics.size()));
  for (const std::string& t : topics) append_string(out, t);
  append_be<std::int32_t>(out, user_data_length);
  for (std::int32_t i = 0; i < user_data_length; ++i) out.push_back(static_cast<std::uint8_t>(i));
  return out;
}

TEST(ConsumerProtocol, AFullSubscriptionRoundTrips) {
  const auto decoded = decode_subscription(encode_subscription(full_subscription()));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded.value(), full_subscription());
}

TEST(ConsumerProtocol, SubscriptionIsWrittenInKafkasV3Layout) {
  Subscription s;
  s.topics = {"t"};
  s.owned_partitions = {tp("t", 1), tp("t", 3)};
  s.generation_id = 2;
  // clang-format off
  const Bytes expected = {
      0, 3,                                 // version
      0, 0, 0, 1, 0, 1, 't',                // topics: ["t"]
      0, 0, 0, 0,                           // user_data: empty
      0, 0, 0, 1, 0, 1, 't',                // owned_partitions: one topic "t" ...
      0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 3,   // ... with partitions [1, 3]
      0, 0, 0, 2,                           // generation_id
      0xFF, 0xFF,                           // rack_id: null
  };
  // clang-format on
  EXPECT_EQ(encode_subscription(s), expected);
}

TEST(ConsumerProtocol, AVersionZeroSubscriptionDecodesWithDefaultsForLaterFields) {
  const auto decoded = decode_subscription(subscription_v0({"a", "b"}, 3));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded.value().topics, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(decoded.value().user_data, (Bytes{0, 1, 2}));
  EXPECT_TRUE(decoded.value().owned_partitions.empty());
  EXPECT_EQ(decoded.value().generation_id, -1);
  EXPECT_FALSE(decoded.value().rack_id.has_value());
}

TEST(ConsumerProtocol, NullUserDataReadsAsEmpty) {
  const auto decoded = decode_subscription(subscription_v0({"a"}, -1));
  ASSERT_TRUE(decoded.ok());
  EXPECT_TRUE(decoded.value().user_data.empty());
}

TEST(ConsumerProtocol, ANewerVersionIsReadAsTheNewestKnownIgnoringExtraFields) {
  Bytes bytes = encode_subscription(full_subscription());
  store_be<std::int16_t>(bytes, 0, 9);
  bytes.insert(bytes.end(), {1, 2, 3});
  const auto decoded = decode_subscription(bytes);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded.value(), full_subscription());
}

TEST(ConsumerProtocol, TrailingBytesAfterAKnownVersionAreRejected) {
  Bytes bytes = encode_subscription(full_subscription());
  bytes.push_back(0);
  EXPECT_FALSE(decode_subscription(bytes).ok());
  Bytes assignment = encode_assignment(Assignment{{tp("t", 0)}, {}});
  assignment.push_back(0);
  EXPECT_FALSE(decode_assignment(assignment).ok());
}

TEST(ConsumerProtocol, MalformedFieldsAreInconsistentGroupProtocol) {
  Bytes negative_version = subscription_v0({"a"}, 0);
  store_be<std::int16_t>(negative_version, 0, -1);
  Bytes negative_count = subscription_v0({}, 0);
  store_be<std::int32_t>(negative_count, 2, -5);
  Bytes huge_count = subscription_v0({}, 0);
  store_be<std::int32_t>(huge_count, 2, 0x7FFFFFFF);  // must not allocate 2^31 topics
  Bytes bad_user_data = subscription_v0({}, 0);
  store_be<std::int32_t>(bad_user_data, 6, -2);
  for (const Bytes& bytes : {negative_version, negative_count, huge_count, bad_user_data}) {
    const auto decoded = decode_subscription(bytes);
    ASSERT_FALSE(decoded.ok());
    EXPECT_EQ(decoded.error(), ErrorCode::kInconsistentGroupProtocol);
  }
}

TEST(ConsumerProtocol, ANegativePartitionIsRejected) {
  Bytes bytes = encode_assignment(Assignment{{tp("t", 5)}, {}});
  store_be<std::int32_t>(bytes, bytes.size() - 8, -1);  // the partition, before user_data
  EXPECT_FALSE(decode_assignment(bytes).ok());
}

TEST(ConsumerProtocol, AssignmentKeepsAnyPartitionOrderAndRepeatedTopics) {
  const Assignment a{{tp("b", 1), tp("a", 0), tp("b", 0), tp("b", 0)}, {9}};
  const auto decoded = decode_assignment(encode_assignment(a));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded.value(), a);
}

std::vector<TopicPartition> random_partitions() {
  const auto topics = *rc::gen::resize(
      16, rc::gen::container<std::vector<std::string>>(
              rc::gen::elementOf(std::vector<std::string>{"a", "orders", "", "x.y_z-1"})));
  std::vector<TopicPartition> out;
  for (const std::string& topic : topics) {
    out.push_back(tp(topic, *rc::gen::inRange(0, 1 << 30)));
  }
  return out;
}

Subscription random_subscription() {
  Subscription s;
  // Small sizes keep the every-truncation property fast; lengths are what it is about.
  s.topics = *rc::gen::resize(12, rc::gen::arbitrary<std::vector<std::string>>());
  s.user_data = *rc::gen::resize(24, rc::gen::arbitrary<Bytes>());
  s.owned_partitions = random_partitions();
  s.generation_id = *rc::gen::arbitrary<std::int32_t>();
  if (*rc::gen::arbitrary<bool>()) s.rack_id = *rc::gen::arbitrary<std::string>();
  return s;
}

RC_GTEST_PROP(ConsumerProtocol, DecodeOfEncodeIsIdentityForSubscriptions, ()) {
  const Subscription s = random_subscription();
  const auto decoded = decode_subscription(encode_subscription(s));
  RC_ASSERT(decoded.ok());
  RC_ASSERT(decoded.value() == s);
}

RC_GTEST_PROP(ConsumerProtocol, DecodeOfEncodeIsIdentityForAssignments, ()) {
  const Assignment a{random_partitions(), *rc::gen::arbitrary<Bytes>()};
  const auto decoded = decode_assignment(encode_assignment(a));
  RC_ASSERT(decoded.ok());
  RC_ASSERT(decoded.value() == a);
}

RC_GTEST_PROP(ConsumerProtocol, EveryTruncationOfAValidEncodingIsAnError, ()) {
  const Bytes subscription = encode_subscription(random_subscription());
  for (std::size_t n = 0; n < subscription.size(); ++n) {
    const auto decoded = decode_subscription(Bytes(subscription.begin(), subscription.begin() + n));
    RC_ASSERT(!decoded.ok());
    RC_ASSERT(decoded.error() == ErrorCode::kInconsistentGroupProtocol);
  }
  const Bytes assignment = encode_assignment(Assignment{random_partitions(), {1, 2}});
  for (std::size_t n = 0; n < assignment.size(); ++n) {
    RC_ASSERT(!decode_assignment(Bytes(assignment.begin(), assignment.begin() + n)).ok());
  }
}

// Random bytes come off the network: decoding never crashes, and whatever it accepts is
// a value that survives its own round trip.
RC_GTEST_PROP(ConsumerProtocol, RandomBytesDecodeToAnErrorOrAConsistentValue, (Bytes bytes)) {
  if (*rc::gen::arbitrary<bool>() && bytes.size() >= 2) {
    store_be<std::int16_t>(bytes, 0, *rc::gen::inRange<std::int16_t>(0, 4));  // a known version
  }
  const auto subscription = decode_subscription(bytes);
  if (subscription.ok()) {
    RC_ASSERT(decode_subscription(encode_subscription(subscription.value())).value() ==
              subscription.value());
  }
  const auto assignment = decode_assignment(bytes);
  if (assignment.ok()) {
    RC_ASSERT(decode_assignment(encode_assignment(assignment.value())).value() ==
              assignment.value());
  }
}

}  // namespace
}  // namespace samsa::cluster
