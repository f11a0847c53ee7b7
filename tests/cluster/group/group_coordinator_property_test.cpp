// A property of the group coordinator under random membership: up to five clients join,
// sync, heartbeat, leave, commit and fall silent in any order, with simulated time
// jumping past session and rebalance timeouts. Whatever happens: no two members hold an
// assignment with a common partition in one generation, generation ids only grow, and a
// commit is accepted only from a current member in the current generation (or, for a
// group without members, from a consumer outside group management).
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <map>
#include <set>
#include <sstream>

#include "cluster/group/group_coordinator.h"
#include "group_coordinator_testing.h"

namespace samsa::cluster::testing {
namespace {

const std::string kGroup = "g";
constexpr int kClients = 5;
constexpr int kTopicPartitions = 6;

// The test's leader assigns the partitions round-robin over the members it was given.
std::vector<SyncGroupAssignment> round_robin(const std::vector<JoinGroupMember>& members) {
  std::vector<SyncGroupAssignment> out;
  for (std::size_t m = 0; m < members.size(); ++m) {
    std::string text;
    for (std::size_t p = m; p < kTopicPartitions; p += members.size())
      text += std::to_string(p) + ",";
    out.push_back({members[m].member_id, bytes_of(text)});
  }
  return out;
}

std::set<int> partitions_of(const Bytes& assignment) {
  std::set<int> out;
  std::stringstream in(text_of(assignment));
  std::string item;
  while (std::getline(in, item, ',')) {
    if (!item.empty()) out.insert(std::stoi(item));
  }
  return out;
}

struct Client {
  std::string member_id;
  std::int32_t generation = kNoGeneration;
  std::vector<JoinGroupMember> members;  // when it leads
  std::string leader;
  std::optional<Pending<JoinGroupResponse>> join;
  std::optional<Pending<SyncGroupResponse>> sync;
  std::int32_t sync_generation = kNoGeneration;
  std::int32_t highest_generation = kNoGeneration;
  void forget() {
    member_id.clear();
    generation = kNoGeneration;
    members.clear();
  }
};

class Model {
 public:
  explicit Model(CoordinatorRig& rig) : rig_(rig) {}

  void join(Client& c) {
    if (c.join) return;
    c.join =
        c.member_id.empty() ? rig_.join_new(kGroup) : rig_.join(join_request(kGroup, c.member_id));
  }
  // `generations_back` > 0: a SyncGroup for an older generation (a retry that arrives late).
  void sync(Client& c, std::int32_t generations_back) {
    if (c.sync || c.member_id.empty() || c.generation < 0) return;
    const Joined me{c.member_id, c.generation - generations_back, c.leader, c.members};
    c.sync_generation = me.generation;
    c.sync = rig_.sync(
        kGroup, me, me.is_leader() ? round_robin(c.members) : std::vector<SyncGroupAssignment>{});
  }
  void heartbeat(Client& c) {
    if (c.member_id.empty()) return;
    if (rig_.heartbeat(kGroup, c.member_id, c.generation).error == ErrorCode::kUnknownMemberId)
      c.forget();
  }
  void leave(Client& c) {
    if (c.member_id.empty()) return;
    rig_.leave(kGroup, {LeavingMember{c.member_id, std::nullopt}});
    c.forget();
  }
  // A commit is accepted only from a member of the current generation, outside
  // CompletingRebalance, or without member and generation while the group is Empty.
  void commit(const std::string& member_id, std::int32_t generation) {
    const GroupMetadata* before = rig_.group(kGroup);
    const bool group_known = before != nullptr;
    const GroupState state = group_known ? before->state() : GroupState::kEmpty;
    const bool member = group_known && before->has(member_id);
    const std::int32_t current = group_known ? before->generation_id() : kNoGeneration;
    const OffsetCommitResponse r =
        rig_.commit(kGroup, member_id, generation, {"t", PartitionIndex(0)}, Offset(1));
    RC_ASSERT(r.partitions.size() == 1u);
    if (r.partitions[0].error != ErrorCode::kNone) return;
    if (member_id.empty() && generation < 0) {  // outside group management
      RC_ASSERT(state == GroupState::kEmpty);
    } else {
      RC_ASSERT(member);
      RC_ASSERT(generation == current);
      RC_ASSERT(state == GroupState::kStable || state == GroupState::kPreparingRebalance);
    }
  }

  // Collects what the clients' calls returned and checks the properties.
  void observe(std::vector<Client>& clients) {
    for (Client& c : clients) {
      if (c.join && c.join->done()) {
        const JoinGroupResponse r = c.join->get();
        c.join.reset();
        if (r.error == ErrorCode::kNone) {
          RC_ASSERT(r.generation_id >= c.highest_generation);
          c.highest_generation = r.generation_id;
          c.member_id = r.member_id;
          c.generation = r.generation_id;
          c.leader = r.leader;
          c.members = r.members;
        } else if (r.error == ErrorCode::kUnknownMemberId) {
          c.forget();
        }
      }
      if (c.sync && c.sync->done()) {
        const SyncGroupResponse r = c.sync->get();
        c.sync.reset();
        if (r.error == ErrorCode::kNone)
          record_assignment(c.sync_generation, c.member_id, partitions_of(r.assignment));
      }
    }
    if (const GroupMetadata* group = rig_.group(kGroup)) {
      RC_ASSERT(group->generation_id() >= highest_group_generation_);
      highest_group_generation_ = group->generation_id();
    }
  }

 private:
  void record_assignment(std::int32_t generation, const std::string& member_id,
                         const std::set<int>& partitions) {
    auto& holders = assignments_[generation];
    for (const auto& [other, owned] : holders) {
      if (other == member_id) continue;
      for (int p : partitions) RC_ASSERT(!owned.contains(p));
    }
    holders[member_id] = partitions;
  }

  CoordinatorRig& rig_;
  std::int32_t highest_group_generation_ = 0;
  std::map<std::int32_t, std::map<std::string, std::set<int>>>
      assignments_;  // generation -> member -> partitions
};

enum class Step {
  kJoin,
  kSync,
  kHeartbeat,
  kLeave,
  kCommit,
  kManualCommit,
  kTimePasses,
  kAllHeartbeat
};

RC_GTEST_PROP(GroupCoordinatorProperty,
              RandomMembershipNeverOverlapsAssignmentsRewindsGenerationsOrAcceptsAStaleCommit, ()) {
  GroupCoordinatorConfig config = test_config();
  config.group_initial_rebalance_delay_ms = 300;  // so that most runs get past the first rebalance
  CoordinatorRig rig(config);
  rig.elect();
  Model model(rig);
  std::vector<Client> clients(kClients);
  const int steps = *rc::gen::inRange(10, 60);
  for (int step = 0; step < steps; ++step) {
    Client& c = clients[static_cast<std::size_t>(*rc::gen::inRange(0, kClients))];
    const Step kind = *rc::gen::weightedElement<Step>({{4, Step::kJoin},
                                                       {4, Step::kSync},
                                                       {2, Step::kHeartbeat},
                                                       {1, Step::kLeave},
                                                       {2, Step::kCommit},
                                                       {1, Step::kManualCommit},
                                                       {2, Step::kTimePasses},
                                                       {1, Step::kAllHeartbeat}});
    switch (kind) {
      case Step::kJoin:
        model.join(c);
        break;
      case Step::kSync:
        model.sync(c, *rc::gen::weightedElement<std::int32_t>({{4, 0}, {1, 1}}));
        break;
      case Step::kHeartbeat:
        model.heartbeat(c);
        break;
      case Step::kLeave:
        model.leave(c);
        break;
      case Step::kCommit:  // maybe with the generation before the last it heard of (an old async
                           // commit)
        model.commit(c.member_id, c.generation - *rc::gen::inRange(0, 2));
        break;
      case Step::kManualCommit:
        model.commit("", kNoGeneration);
        break;
      case Step::kTimePasses:  // sessions, initial delays and rebalance timeouts expire
        rig.run(std::chrono::milliseconds(*rc::gen::element(100, 500, 4'000, 12'000, 31'000)));
        break;
      case Step::kAllHeartbeat:
        for (Client& any : clients) model.heartbeat(any);
        break;
    }
    rig.run(50ms);
    RC_ASSERT(rig.sim().kernel().failure().empty());
    model.observe(clients);
  }
}

}  // namespace
}  // namespace samsa::cluster::testing
