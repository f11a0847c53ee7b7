// Claims about the History model: ids, completion rules, closing, digests and values.
#include "properties/history.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "sim/assert.h"

namespace samsa::properties {
namespace {

using namespace std::chrono_literals;

sim::SimTime at(std::int64_t ms) { return sim::SimTime{} + std::chrono::milliseconds(ms); }

TEST(History, IdsAreDenseInInvocationOrderAndCompletionKeepsThePayload) {
  History history;
  const std::uint64_t a = history.invoke("producer-0", OpKind::kSend, at(1));
  const std::uint64_t b = history.invoke("producer-0", OpKind::kSend, at(2));
  EXPECT_EQ(a, 0U);
  EXPECT_EQ(b, 1U);
  history.pending(b).value = "producer-0/k1/0";
  history.complete(b, OpStatus::kOk, at(5));
  EXPECT_EQ(history.op(b).status, OpStatus::kOk);
  EXPECT_EQ(history.op(b).value, "producer-0/k1/0");
  EXPECT_EQ(history.op(b).completed_at, at(5));
  EXPECT_EQ(history.op(a).status, OpStatus::kPending);
}

TEST(History, CloseTurnsEveryPendingOperationIntoInfoAndLeavesTheRest) {
  History history;
  const std::uint64_t ok = history.invoke("p", OpKind::kSend, at(1));
  const std::uint64_t open = history.invoke("p", OpKind::kSend, at(2));
  history.complete(ok, OpStatus::kFail, at(3));
  history.close(at(10));
  EXPECT_EQ(history.op(ok).status, OpStatus::kFail);
  EXPECT_EQ(history.op(open).status, OpStatus::kInfo);
  EXPECT_EQ(history.op(open).completed_at, at(10));
  EXPECT_EQ(history.op(open).detail, "still pending when the run ended");
  const HistoryCounts counts = history.counts();
  EXPECT_EQ(counts.by_kind.at(OpKind::kSend).at(OpStatus::kFail), 1U);
  EXPECT_EQ(counts.by_kind.at(OpKind::kSend).at(OpStatus::kInfo), 1U);
}

TEST(History, RecordedOperationsAreCompleteAtOnce) {
  History history;
  Op& poll = history.record("consumer-0", OpKind::kPoll, at(4));
  poll.records.push_back(ReadRecord{cluster::TopicPartition{"t", cluster::PartitionIndex(0)},
                                    cluster::Offset(3), cluster::LeaderEpoch(1), "k", "v"});
  EXPECT_EQ(history.op(0).status, OpStatus::kOk);
  EXPECT_EQ(history.counts().records_read, 1U);
  EXPECT_EQ(history.describe(history.op(0)), "#0 consumer-0 poll ok [4..4 ms] 1 records");
}

TEST(History, CompletingTwiceIsABrokenInvariant) {
  History history;
  const std::uint64_t id = history.invoke("p", OpKind::kCommit, at(1));
  history.complete(id, OpStatus::kOk, at(2));
  EXPECT_THROW(history.complete(id, OpStatus::kOk, at(3)), sim::InvariantViolation);
}

TEST(History, TheDigestChangesWithAnyFieldAndNotOtherwise) {
  const auto build = [](std::int64_t offset, const std::string& value) {
    History history;
    const std::uint64_t id = history.invoke("p", OpKind::kSend, at(1));
    history.pending(id).value = value;
    history.pending(id).offset = cluster::Offset(offset);
    history.complete(id, OpStatus::kOk, at(2));
    return history.digest();
  };
  EXPECT_EQ(build(1, "a"), build(1, "a"));
  EXPECT_NE(build(1, "a"), build(2, "a"));
  EXPECT_NE(build(1, "a"), build(1, "b"));
}

TEST(History, TheDigestCoversTheConsumerGroup) {
  const auto build = [](const std::string& group) {
    History history;
    history.record("consumer-0", OpKind::kAssign, at(1)).group = group;
    return history.digest();
  };
  EXPECT_EQ(build("g0"), build("g0"));
  EXPECT_NE(build("g0"), build("g1"));
  EXPECT_NE(build("g0"), build(""));
}

RC_GTEST_PROP(History, ValuesRoundTripThroughTheirParts, ()) {
  const auto process = *rc::gen::nonEmpty(rc::gen::container<std::string>(rc::gen::elementOf(
      std::string("abcdefghijklmnopqrstuvwxyz-0123456789"))));
  const auto key = *rc::gen::container<std::string>(rc::gen::elementOf(std::string("kxyz0123456789-")));
  const auto n = *rc::gen::arbitrary<std::uint64_t>();
  const auto parts = parse_value(make_value(process, key, n));
  RC_ASSERT(parts.has_value());
  RC_ASSERT(parts->process == process);
  RC_ASSERT(parts->key == key);
  RC_ASSERT(parts->n == n);
}

TEST(History, MalformedValuesDoNotParse) {
  EXPECT_FALSE(parse_value("").has_value());
  EXPECT_FALSE(parse_value("p/k").has_value());
  EXPECT_FALSE(parse_value("p/k/").has_value());
  EXPECT_FALSE(parse_value("p/k/1x").has_value());
  EXPECT_FALSE(parse_value("p/k/99999999999999999999999").has_value());
}

}  // namespace
}  // namespace samsa::properties
