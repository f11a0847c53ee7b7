// Test rig for the group coordinator: a Simulation with one broker node running a
// GroupCoordinator over an in-memory offsets topic, and clients as fibers on the harness
// node that call the coordinator's handlers directly (as the broker's request fibers do).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "cluster/bugs.h"
#include "cluster/group/group_coordinator.h"
#include "cluster/group/offsets_records.h"
#include "cluster/group/offsets_topic_log.h"
#include "sim/kernel.h"
#include "sim/node_env.h"
#include "sim/simulation.h"

namespace samsa::cluster::testing {

using namespace std::chrono_literals;

// The offsets topic in memory: records per partition, and the epoch each partition's
// leader holds. Appends can be told to fail (with or without writing) and to take time;
// reads can take time (to watch a load in progress).
class InMemoryOffsetsLog final : public OffsetsTopicLog {
 public:
  void lead(PartitionIndex partition, LeaderEpoch epoch) { epochs_[partition] = epoch; }
  // The next `count` appends fail with `error`; `written` says whether they still land in
  // the log (REQUEST_TIMED_OUT after the leader's append) or not (NOT_ENOUGH_REPLICAS).
  void fail_appends(ErrorCode error, int count, bool written = false) {
    fail_error_ = error;
    fail_count_ = count;
    fail_written_ = written;
  }
  void set_append_delay(sim::Duration delay) { append_delay_ = delay; }
  void set_read_delay(sim::Duration delay) { read_delay_ = delay; }
  const std::vector<Record>& records(PartitionIndex partition) { return records_[partition]; }
  int appends() const { return appends_; }

  ErrorCode append(PartitionIndex partition, LeaderEpoch leader_epoch,
                   std::vector<RecordInput> records,
                   std::chrono::milliseconds /*timeout*/) override {
    ++appends_;
    if (epochs_[partition] != leader_epoch) return ErrorCode::kNotCoordinator;
    const bool fail = fail_count_ > 0;
    if (fail) --fail_count_;
    if (!fail || fail_written_) {
      for (RecordInput& r : records) {
        auto& log = records_[partition];
        log.push_back(Record{Offset(static_cast<std::int64_t>(log.size())), r.timestamp_ms,
                             std::move(r.key), std::move(r.value)});
      }
    }
    if (append_delay_ > sim::Duration::zero()) sim::Kernel::get().sleep_for(append_delay_);
    return fail ? fail_error_ : ErrorCode::kNone;
  }

  sim::Result<std::vector<Record>, ErrorCode> read_all(PartitionIndex partition,
                                                       LeaderEpoch leader_epoch) override {
    if (read_delay_ > sim::Duration::zero()) sim::Kernel::get().sleep_for(read_delay_);
    if (epochs_[partition] != leader_epoch) return sim::Err(ErrorCode::kNotCoordinator);
    return records_[partition];
  }

 private:
  std::map<PartitionIndex, LeaderEpoch> epochs_;
  std::map<PartitionIndex, std::vector<Record>> records_;
  ErrorCode fail_error_ = ErrorCode::kNone;
  int fail_count_ = 0;
  bool fail_written_ = false;
  sim::Duration append_delay_{0};
  sim::Duration read_delay_{0};
  int appends_ = 0;
};

// A handler call running in a client fiber; done() once it returned.
template <class T>
class Pending {
 public:
  Pending() : result_(std::make_shared<std::optional<T>>()) {}
  bool done() const { return result_->has_value(); }
  const T& get() const {
    EXPECT_TRUE(done()) << "the call has not returned";
    return **result_;
  }
  std::shared_ptr<std::optional<T>> slot() const { return result_; }

 private:
  std::shared_ptr<std::optional<T>> result_;
};

inline Bytes bytes_of(const std::string& s) {
  return Bytes(s.begin(), s.end());
}
inline std::string text_of(const Bytes& b) {
  return std::string(b.begin(), b.end());
}

inline GroupCoordinatorConfig test_config() {
  GroupCoordinatorConfig config;
  config.offsets_topic_num_partitions = 1;
  config.group_min_session_timeout_ms = 1'000;
  config.group_max_session_timeout_ms = 60'000;
  config.group_initial_rebalance_delay_ms = 3'000;
  config.group_max_size = 10;
  return config;
}

inline constexpr std::int32_t kSessionTimeoutMs = 10'000;
inline constexpr std::int32_t kRebalanceTimeoutMs = 30'000;

inline JoinGroupRequest join_request(const std::string& group, const std::string& member_id,
                                     std::optional<std::string> instance = std::nullopt,
                                     const std::string& protocol = "range") {
  JoinGroupRequest r;
  r.group_id = group;
  r.member_id = member_id;
  r.group_instance_id = std::move(instance);
  r.session_timeout_ms = kSessionTimeoutMs;
  r.rebalance_timeout_ms = kRebalanceTimeoutMs;
  r.protocols = {JoinGroupProtocol{protocol, bytes_of("subscription")}};
  return r;
}

// What a client knows after JoinGroup.
struct Joined {
  std::string member_id;
  std::int32_t generation = kNoGeneration;
  std::string leader;
  std::vector<JoinGroupMember> members;  // the leader's only
  bool is_leader() const { return leader == member_id; }
};

class CoordinatorRig {
 public:
  explicit CoordinatorRig(GroupCoordinatorConfig config = test_config(), Bugs bugs = {})
      : config_(config), bugs_(std::move(bugs)) {
    sim_.start(broker_, [] {});
    sim_.run_for(1ms);
    coordinator_ = std::make_unique<GroupCoordinator>(env_, config_, log_, bugs_);
  }
  ~CoordinatorRig() { coordinator_.reset(); }

  GroupCoordinator& coordinator() { return *coordinator_; }
  InMemoryOffsetsLog& log() { return log_; }
  sim::Simulation& sim() { return sim_; }
  const GroupMetadata* group(const std::string& id) const { return coordinator_->group(id); }

  // The broker leads `partition` in `epoch` and its coordinator finished loading it.
  void elect(PartitionIndex partition = PartitionIndex(0), LeaderEpoch epoch = LeaderEpoch(1)) {
    log_.lead(partition, epoch);
    coordinator_->on_elected(partition, epoch);
    run(1ms);
  }
  // A failover: a fresh coordinator over the same records, elected in a newer epoch.
  void fail_over(LeaderEpoch epoch) {
    coordinator_->on_resigned(PartitionIndex(0), epoch - 1);
    coordinator_ = std::make_unique<GroupCoordinator>(env_, config_, log_, bugs_);
    elect(PartitionIndex(0), epoch);
  }

  void run(sim::Duration d) {
    sim_.run_for(d);
    ASSERT_EQ(sim_.kernel().failure(), "") << "the run failed";
  }

  template <class F>
  auto start(F call) -> Pending<decltype(call(std::declval<GroupCoordinator&>()))> {
    Pending<decltype(call(std::declval<GroupCoordinator&>()))> pending;
    sim::NodeEnv client(sim_, sim_.harness());
    client.spawn("client",
                 [this, slot = pending.slot(), call] { slot->emplace(call(*coordinator_)); });
    return pending;
  }
  // A call that must answer without waiting for anything else.
  template <class F>
  auto call(F f) {
    auto pending = start(f);
    run(1ms);
    EXPECT_TRUE(pending.done()) << "the call blocked";
    using Result = std::decay_t<decltype(pending.get())>;
    return pending.done() ? pending.get() : Result{};
  }

  // Joins as a new dynamic member: the KIP-394 round, then the real JoinGroup.
  Pending<JoinGroupResponse> join_new(const std::string& group,
                                      const std::string& protocol = "range") {
    return start([group, protocol](GroupCoordinator& c) {
      JoinGroupResponse first =
          c.join_group(join_request(group, "", std::nullopt, protocol), "client");
      if (first.error != ErrorCode::kMemberIdRequired) return first;
      return c.join_group(join_request(group, first.member_id, std::nullopt, protocol), "client");
    });
  }
  Pending<JoinGroupResponse> join(const JoinGroupRequest& request) {
    return start([request](GroupCoordinator& c) { return c.join_group(request, "client"); });
  }
  Pending<SyncGroupResponse> sync(const std::string& group, const Joined& member,
                                  std::vector<SyncGroupAssignment> assignments = {},
                                  std::optional<std::string> instance = std::nullopt) {
    SyncGroupRequest r;
    r.group_id = group;
    r.generation_id = member.generation;
    r.member_id = member.member_id;
    r.group_instance_id = std::move(instance);
    r.assignments = std::move(assignments);
    return start([r](GroupCoordinator& c) { return c.sync_group(r); });
  }
  HeartbeatResponse heartbeat(const std::string& group, const std::string& member_id,
                              std::int32_t generation,
                              std::optional<std::string> instance = std::nullopt) {
    HeartbeatRequest r;
    r.group_id = group;
    r.member_id = member_id;
    r.generation_id = generation;
    r.group_instance_id = std::move(instance);
    return call([r](GroupCoordinator& c) { return c.heartbeat(r); });
  }
  LeaveGroupResponse leave(const std::string& group, std::vector<LeavingMember> members) {
    LeaveGroupRequest r;
    r.group_id = group;
    r.members = std::move(members);
    return call([r](GroupCoordinator& c) { return c.leave_group(r); });
  }
  OffsetCommitResponse commit(const std::string& group, const std::string& member_id,
                              std::int32_t generation, const TopicPartition& tp, Offset offset,
                              std::optional<std::string> instance = std::nullopt) {
    auto pending = start_commit(group, member_id, generation, tp, offset, std::move(instance));
    run(1ms);
    EXPECT_TRUE(pending.done()) << "the commit blocked";
    return pending.done() ? pending.get() : OffsetCommitResponse{};
  }
  Pending<OffsetCommitResponse> start_commit(const std::string& group, const std::string& member_id,
                                             std::int32_t generation, const TopicPartition& tp,
                                             Offset offset,
                                             std::optional<std::string> instance = std::nullopt) {
    OffsetCommitRequest r;
    r.group_id = group;
    r.member_id = member_id;
    r.generation_id = generation;
    r.group_instance_id = std::move(instance);
    r.offsets = {OffsetCommitPartition{tp, offset, LeaderEpoch(0), "meta"}};
    return start([r](GroupCoordinator& c) { return c.offset_commit(r); });
  }
  OffsetFetchResponse fetch(const std::string& group, std::vector<TopicPartition> partitions = {},
                            bool require_stable = true) {
    OffsetFetchRequest r;
    r.group_id = group;
    r.partitions = std::move(partitions);
    r.require_stable = require_stable;
    return call([r](GroupCoordinator& c) { return c.offset_fetch(r); });
  }

  // How long the first rebalance of members joining together takes: Kafka's
  // InitialDelayedJoin waits a second group.initial.rebalance.delay.ms when members
  // arrived during the first.
  sim::Duration first_rebalance_time() const {
    return 2 * std::chrono::milliseconds(config_.group_initial_rebalance_delay_ms) + 100ms;
  }
  // n dynamic members join, the leader assigns "<member id>" to each, everyone syncs:
  // the group is Stable in a new generation. Returns the members in member-id order.
  std::vector<Joined> form_group(const std::string& group, int n);
  // Every member syncs; the leader assigns each member "assigned-to-<member id>".
  void sync_all(const std::string& group, const std::vector<Joined>& members);

 private:
  InMemoryOffsetsLog log_;  // declared first: it outlives the simulation's fibers
  sim::Simulation sim_{
      sim::SimulationConfig{.seed = 1, .network = {}, .disk = {}, .buggify = {}, .trace_path = {}}};
  sim::NodeId broker_ = sim_.add_node("broker");
  sim::NodeEnv env_{sim_, broker_};
  GroupCoordinatorConfig config_;
  Bugs bugs_;
  std::unique_ptr<GroupCoordinator> coordinator_;
};

inline Joined joined_from(const JoinGroupResponse& r) {
  EXPECT_EQ(r.error, ErrorCode::kNone) << error_name(r.error);
  return Joined{r.member_id, r.generation_id, r.leader, r.members};
}

inline std::vector<SyncGroupAssignment> assign_each_its_id(
    const std::vector<JoinGroupMember>& members) {
  std::vector<SyncGroupAssignment> out;
  for (const JoinGroupMember& m : members)
    out.push_back({m.member_id, bytes_of("assigned-to-" + m.member_id)});
  return out;
}

inline void CoordinatorRig::sync_all(const std::string& group, const std::vector<Joined>& members) {
  std::vector<Pending<SyncGroupResponse>> syncs;
  for (const Joined& m : members) {
    syncs.push_back(
        sync(group, m,
             m.is_leader() ? assign_each_its_id(m.members) : std::vector<SyncGroupAssignment>{}));
  }
  run(10ms);
  for (std::size_t i = 0; i < members.size(); ++i) {
    ASSERT_TRUE(syncs[i].done());
    EXPECT_EQ(syncs[i].get().error, ErrorCode::kNone) << error_name(syncs[i].get().error);
    EXPECT_EQ(text_of(syncs[i].get().assignment), "assigned-to-" + members[i].member_id);
  }
}

inline std::vector<Joined> CoordinatorRig::form_group(const std::string& group, int n) {
  std::vector<Pending<JoinGroupResponse>> joins;
  for (int i = 0; i < n; ++i) joins.push_back(join_new(group));
  run(first_rebalance_time());
  std::vector<Joined> members;
  for (const auto& j : joins) {
    EXPECT_TRUE(j.done());
    if (j.done()) members.push_back(joined_from(j.get()));
  }
  std::sort(members.begin(), members.end(),
            [](const Joined& a, const Joined& b) { return a.member_id < b.member_id; });
  sync_all(group, members);
  return members;
}

}  // namespace samsa::cluster::testing
