// A compact way for the checker tests to write a History by hand: one line per operation,
// times in ms, values named by their offset ("producer-0/k/<offset>") so that a send and
// the reads of it agree. Used by the group, consumption, measurement and checker tests.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "properties/checker.h"
#include "properties/history.h"

namespace samsa::properties::testing {

inline sim::SimTime at_ms(std::int64_t ms) {
  return sim::SimTime{} + std::chrono::milliseconds(ms);
}
inline cluster::TopicPartition tp(std::int32_t partition) {
  return cluster::TopicPartition{"orders", cluster::PartitionIndex(partition)};
}
inline std::string value_at(std::int64_t offset) {
  return make_value("producer-0", "k", offset);
}

class HistoryScript {
 public:
  History history;

  // An ok send of value_at(offset) that landed at `offset` of `partition`.
  HistoryScript& send(std::int64_t time_ms, std::int32_t partition, std::int64_t offset) {
    const std::uint64_t id = history.invoke("producer-0", OpKind::kSend, at_ms(time_ms));
    Op& op = history.pending(id);
    op.key = "k";
    op.value = value_at(offset);
    op.tp = tp(partition);
    op.offset = cluster::Offset(offset);
    history.complete(id, OpStatus::kOk, at_ms(time_ms));
    return *this;
  }
  HistoryScript& sends(std::int32_t partition, std::int64_t first, std::int64_t last) {
    for (std::int64_t offset = first; offset <= last; ++offset) send(1, partition, offset);
    return *this;
  }
  HistoryScript& assign(const std::string& process, std::int64_t time_ms, std::int32_t generation,
                        const std::vector<std::int32_t>& partitions,
                        const std::string& group = "g0") {
    return change(process, OpKind::kAssign, time_ms, generation, partitions, group);
  }
  HistoryScript& revoke(const std::string& process, std::int64_t time_ms, std::int32_t generation,
                        const std::vector<std::int32_t>& partitions,
                        const std::string& group = "g0") {
    return change(process, OpKind::kRevoke, time_ms, generation, partitions, group);
  }
  HistoryScript& lose(const std::string& process, std::int64_t time_ms, std::int32_t generation,
                      const std::vector<std::int32_t>& partitions,
                      const std::string& group = "g0") {
    return change(process, OpKind::kLose, time_ms, generation, partitions, group);
  }
  // A poll that returned records of `partition` at the given offsets, in that order.
  HistoryScript& poll(const std::string& process, std::int64_t time_ms, std::int32_t partition,
                      const std::vector<std::int64_t>& offsets, const std::string& group = "g0") {
    Op& op = history.record(process, OpKind::kPoll, at_ms(time_ms));
    op.group = group;
    for (const std::int64_t offset : offsets) {
      op.records.push_back(ReadRecord{tp(partition), cluster::Offset(offset),
                                      cluster::LeaderEpoch(0), "k", value_at(offset)});
    }
    return *this;
  }
  HistoryScript& poll_range(const std::string& process, std::int64_t time_ms,
                            std::int32_t partition, std::int64_t first, std::int64_t last,
                            const std::string& group = "g0") {
    std::vector<std::int64_t> offsets;
    for (std::int64_t offset = first; offset <= last; ++offset) offsets.push_back(offset);
    return poll(process, time_ms, partition, offsets, group);
  }
  HistoryScript& commit(const std::string& process, std::int64_t invoked_ms,
                        std::int64_t completed_ms, std::int32_t generation, std::int32_t partition,
                        std::int64_t offset, OpStatus status = OpStatus::kOk,
                        cluster::ErrorCode error = cluster::ErrorCode::kNone,
                        const std::string& group = "g0") {
    const std::uint64_t id = history.invoke(process, OpKind::kCommit, at_ms(invoked_ms));
    Op& op = history.pending(id);
    op.group = group;
    op.generation = generation;
    op.offsets[tp(partition)] = cluster::Offset(offset);
    op.error = error;
    history.complete(id, status, at_ms(completed_ms));
    return *this;
  }

 private:
  HistoryScript& change(const std::string& process, OpKind kind, std::int64_t time_ms,
                        std::int32_t generation, const std::vector<std::int32_t>& partitions,
                        const std::string& group) {
    Op& op = history.record(process, kind, at_ms(time_ms));
    op.group = group;
    op.generation = generation;
    for (const std::int32_t partition : partitions) op.partitions.push_back(tp(partition));
    return *this;
  }
};

// The property names of `violations`, in order: to assert exactly which were reported.
inline std::vector<std::string> properties_of(const std::vector<Violation>& violations) {
  std::vector<std::string> names;
  for (const Violation& v : violations) names.push_back(v.property);
  return names;
}

// EXPECT_TRUE(contains(detail, "...")) prints the whole detail when the fragment is missing.
inline ::testing::AssertionResult contains(const std::string& text, const std::string& fragment) {
  if (text.find(fragment) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "\"" << text << "\" does not contain \"" << fragment << "\"";
}

}  // namespace samsa::properties::testing
