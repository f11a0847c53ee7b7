#include "cluster/controller/election.h"

#include <algorithm>

#include "sim/assert.h"

namespace samsa::cluster::controller {
namespace {

bool contains(const std::vector<BrokerId>& set, BrokerId id) {
  return std::find(set.begin(), set.end(), id) != set.end();
}

// The first replica in assignment order that is eligible and, when `isr` is given, in it.
BrokerId first_eligible(const std::vector<BrokerId>& replicas, const std::vector<BrokerId>* isr,
                        const BrokerEligibility& eligibility) {
  for (BrokerId r : replicas) {
    if ((isr == nullptr || contains(*isr, r)) && eligibility.eligible(r)) return r;
  }
  return kNoLeader;
}

}  // namespace

std::string_view election_kind_name(ElectionKind kind) {
  switch (kind) {
    case ElectionKind::kKept:
      return "kept";
    case ElectionKind::kClean:
      return "clean";
    case ElectionKind::kUnclean:
      return "unclean";
    case ElectionKind::kOutsideIsr:
      return "outside-isr";
    case ElectionKind::kLeaderless:
      return "leaderless";
  }
  return "unknown";
}

ElectionResult elect_leader(const PartitionState& partition,
                            const std::vector<BrokerId>& target_isr,
                            const BrokerEligibility& eligibility,
                            bool unclean_leader_election_enable, const Bugs& bugs) {
  SAMSA_ASSERT(!target_isr.empty(), "an election needs a non-empty ISR (KRaft never empties it)");
  const BrokerId current = partition.leader;
  if (current != kNoLeader && contains(target_isr, current) && eligibility.eligible(current)) {
    return ElectionResult{current, target_isr, ElectionKind::kKept};
  }
  if (const BrokerId clean = first_eligible(partition.replicas, &target_isr, eligibility);
      clean != kNoLeader) {
    return ElectionResult{clean, target_isr, ElectionKind::kClean};
  }
  const BrokerId any = first_eligible(partition.replicas, nullptr, eligibility);
  if (any != kNoLeader && unclean_leader_election_enable) {
    return ElectionResult{any, {any}, ElectionKind::kUnclean};
  }
  if (any != kNoLeader && bugs.on(Bug::kElectOutsideIsr)) {
    // The bug: an unclean election without the config and without resetting the ISR.
    return ElectionResult{any, target_isr, ElectionKind::kOutsideIsr};
  }
  return ElectionResult{kNoLeader, target_isr, ElectionKind::kLeaderless};
}

}  // namespace samsa::cluster::controller
