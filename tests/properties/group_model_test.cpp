// A property of all the group and consumption checkers together: the histories a correct
// consumer group produces pass every one of them. A small model of a group (three
// consumers, two partitions, eager or cooperative rebalances, commits that succeed, fail or
// end indeterminate) writes random histories; check_history() must find nothing in them,
// and must find the one exclusivity break the model can be told to make.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "properties/group_checks.h"
#include "tests/properties/history_script.h"

namespace samsa::properties {
namespace {

using testing::HistoryScript;

constexpr std::int32_t kPartitions = 2;
constexpr std::int64_t kLogEndOffset = 20;  // each partition holds offsets 0..19
const std::vector<std::string> kConsumers{"consumer-g0-a", "consumer-g0-b", "consumer-g0-c"};

class GroupModel {
 public:
  explicit GroupModel(bool cooperative) : cooperative_(cooperative) {
    for (std::int32_t p = 0; p < kPartitions; ++p) script_.sends(p, 0, kLogEndOffset - 1);
  }

  // The owner of `p` reads up to `count` records from its position.
  void poll(std::int32_t p, std::int64_t count) {
    if (!owner_.contains(p)) return;
    const std::int64_t last = std::min(position_[p] + count, kLogEndOffset) - 1;
    if (last < position_[p]) return;
    script_.poll_range(owner_[p], tick(), p, position_[p], last);
    position_[p] = last + 1;
  }

  // The owner of `p` commits its position; `landed` decides an indeterminate commit.
  void commit(std::int32_t p, OpStatus status, bool landed) {
    if (!owner_.contains(p)) return;
    const std::int64_t invoked_ms = tick();
    const auto error = status == OpStatus::kFail ? cluster::ErrorCode::kRebalanceInProgress
                                                 : cluster::ErrorCode::kNone;
    script_.commit(owner_[p], invoked_ms, tick(), generation_, p, position_[p], status, error);
    if (status == OpStatus::kOk || (status == OpStatus::kInfo && landed))
      committed_[p] = position_[p];
  }

  // The group rebalances to `members` (a non-empty subset of kConsumers, by index bits).
  // With `late_revoke`, an eager member that keeps its membership gives up its partitions
  // only after the new assignment: the exclusivity break.
  void rebalance(unsigned member_bits, bool late_revoke) {
    std::vector<std::string> members;
    for (std::size_t i = 0; i < kConsumers.size(); ++i) {
      if (member_bits & (1U << i)) members.push_back(kConsumers[i]);
    }
    std::map<std::int32_t, std::string> target;  // round robin over the members
    for (std::int32_t p = 0; p < kPartitions; ++p) target[p] = members[p % members.size()];
    if (cooperative_) {
      cooperative_rebalance(members, target);
    } else {
      eager_rebalance(members, target, late_revoke);
    }
    members_ = members;
  }

  bool late_revoke_broke_exclusivity() const { return late_revoke_broke_exclusivity_; }
  const History& history() const { return script_.history; }

 private:
  std::int64_t tick() { return now_ms_ += 1; }

  std::vector<std::int32_t> owned_by(const std::string& process) const {
    std::vector<std::int32_t> owned;
    for (const auto& [p, owner] : owner_) {
      if (owner == process) owned.push_back(p);
    }
    return owned;
  }

  void take(const std::string& process, std::int32_t p) {
    owner_[p] = process;
    position_[p] = committed_.contains(p) ? committed_[p] : 0;
  }

  void eager_rebalance(const std::vector<std::string>& members,
                       const std::map<std::int32_t, std::string>& target, bool late_revoke) {
    std::map<std::string, std::vector<std::int32_t>> late;
    for (const std::string& m : members_) {
      const bool stays = std::find(members.begin(), members.end(), m) != members.end();
      std::vector<std::int32_t> on_time;
      for (const std::int32_t p : owned_by(m)) {
        // The first staying member that loses a partition gives it up late.
        const bool late_one =
            late_revoke && stays && target.at(p) != m && (late.empty() || late.contains(m));
        (late_one ? late[m] : on_time).push_back(p);
      }
      late_revoke_broke_exclusivity_ |= late.contains(m);
      script_.revoke(m, tick(), generation_, on_time);
    }
    owner_.clear();
    ++generation_;
    for (const std::string& m : members) {
      std::vector<std::int32_t> assigned;
      for (const auto& [p, to] : target) {
        if (to == m) assigned.push_back(p);
      }
      script_.assign(m, tick(), generation_, assigned);
      for (const std::int32_t p : assigned) take(m, p);
    }
    for (const auto& [m, partitions] : late) script_.revoke(m, tick(), generation_ - 1, partitions);
  }

  // KIP-429: round one hands out only free partitions and owners revoke what moves; round
  // two (only when something moved) hands the moved partitions to their new owners.
  void cooperative_rebalance(const std::vector<std::string>& members,
                             const std::map<std::int32_t, std::string>& target) {
    for (const std::string& m : members_) {  // leaving members give everything up first
      if (std::find(members.begin(), members.end(), m) != members.end()) continue;
      script_.revoke(m, tick(), generation_, owned_by(m));
      for (const std::int32_t p : owned_by(m)) owner_.erase(p);
    }
    bool moved = true;
    for (int round = 0; round < 2 && moved; ++round) {
      ++generation_;
      moved = false;
      const std::map<std::int32_t, std::string> owned_at_join = owner_;  // what JoinGroup reported
      for (const std::string& m : members) {
        std::vector<std::int32_t> added;
        std::vector<std::int32_t> revoked;
        for (const auto& [p, to] : target) {
          const auto owned = owned_at_join.find(p);
          if (to == m && owned == owned_at_join.end()) added.push_back(p);
          if (to != m && owned != owned_at_join.end() && owned->second == m) revoked.push_back(p);
        }
        if (!revoked.empty()) script_.revoke(m, tick(), generation_, revoked);
        for (const std::int32_t p : revoked) owner_.erase(p);
        moved |= !revoked.empty();
        script_.assign(m, tick(), generation_, added);
        for (const std::int32_t p : added) take(m, p);
      }
    }
  }

  bool cooperative_;
  HistoryScript script_;
  std::int64_t now_ms_ = 100;
  std::int32_t generation_ = 0;
  std::vector<std::string> members_;
  std::map<std::int32_t, std::string> owner_;
  std::map<std::int32_t, std::int64_t> position_;
  std::map<std::int32_t, std::int64_t> committed_;
  bool late_revoke_broke_exclusivity_ = false;
};

// Runs a random workload of polls, commits and rebalances (at most 40 steps).
void run_random_workload(GroupModel& model, bool late_revoke_allowed) {
  model.rebalance(*rc::gen::inRange(1U, 8U), false);
  const int steps = *rc::gen::inRange(0, 40);
  for (int step = 0; step < steps; ++step) {
    const std::int32_t p = *rc::gen::inRange(0, kPartitions);
    switch (*rc::gen::inRange(0, 4)) {
      case 0:
      case 1:
        model.poll(p, *rc::gen::inRange(0, 5));
        break;
      case 2:
        model.commit(p, *rc::gen::element(OpStatus::kOk, OpStatus::kFail, OpStatus::kInfo),
                     *rc::gen::arbitrary<bool>());
        break;
      default:
        model.rebalance(*rc::gen::inRange(1U, 8U), late_revoke_allowed);
        break;
    }
  }
}

RC_GTEST_PROP(GroupModel, HistoriesOfACorrectGroupPassEveryChecker, ()) {
  GroupModel model(*rc::gen::arbitrary<bool>());
  run_random_workload(model, false);
  const CheckResult result = check_history(model.history());
  for (const Violation& v : result.violations) RC_LOG() << v.property << ": " << v.detail << "\n";
  RC_ASSERT(result.violations.empty());
}

RC_GTEST_PROP(GroupModel, AnEagerMemberThatRevokesAfterTheNewAssignmentIsReported, ()) {
  GroupModel model(false);
  run_random_workload(model, true);
  const std::vector<Violation> violations = check_group_exclusivity(model.history());
  RC_TAG(model.late_revoke_broke_exclusivity());
  RC_ASSERT(!violations.empty() == model.late_revoke_broke_exclusivity());
}

}  // namespace
}  // namespace samsa::properties
