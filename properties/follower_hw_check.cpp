// monotonic-hw on followers; the rule and why it holds are in replica_checks.h.
#include <fmt/format.h>

#include <map>
#include <set>
#include <tuple>

#include "properties/observed_violation.h"
#include "properties/replica_checks.h"

namespace samsa::properties {

namespace {}  // namespace

std::vector<Violation> check_follower_hw(const Observations& observations) {
  using Replica = std::pair<cluster::BrokerId, cluster::TopicPartition>;
  // The highest HW each replica showed while following the epoch it follows now.
  std::map<Replica, const ReplicaSample*> highest;
  std::set<std::tuple<cluster::BrokerId, cluster::TopicPartition, cluster::LeaderEpoch>> reported;
  std::vector<Violation> violations;
  for (const ReplicaSample& s : observations.replicas) {
    const Replica replica{s.broker, s.tp};
    const ReplicaSample*& best = highest[replica];
    if (s.role != ReplicaRoleSeen::kFollower ||
        (best != nullptr && best->leader_epoch != s.leader_epoch)) {
      best = s.role == ReplicaRoleSeen::kFollower ? &s : nullptr;
      continue;
    }
    if (best != nullptr && s.log_end_offset < best->high_watermark &&
        reported.insert({s.broker, s.tp, s.leader_epoch}).second) {
      const std::string fault = observations.fault_before(s.at);
      violations.push_back(Violation{
          std::string(kMonotonicHw),
          fmt::format("{}: broker {}, following epoch {}, exposed high watermark {} at {} ms, "
                      "then truncated its log to {} at {} ms: it had exposed a high watermark "
                      "over records it then removed{}{}",
                      cluster::to_string(s.tp), s.broker, s.leader_epoch, best->high_watermark,
                      ms_of(best->at), s.log_end_offset, ms_of(s.at),
                      fault.empty() ? "" : "; after ", fault),
          s.at});
    }
    if (best == nullptr || s.high_watermark >= best->high_watermark) best = &s;
  }
  return violations;
}

}  // namespace samsa::properties
