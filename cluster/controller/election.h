// Partition leader election, after KRaft's PartitionChangeBuilder.electLeader (KIP-631,
// KIP-841): called by the PartitionChangeBuilder for every partition change.
//   1. Keep the current leader if it is in the ISR and eligible (registered, unfenced,
//      not in controlled shutdown).
//   2. Else the first replica in assignment order that is in the ISR and eligible.
//   3. Else, with unclean.leader.election.enable, the first eligible replica in assignment
//      order, and the ISR becomes just that replica (unclean: data loss is possible).
//   4. Else no leader (kNoLeader), the ISR unchanged.
// Bug::kElectOutsideIsr replaces 4 by "the first eligible replica, ISR unchanged": a
// leader outside the ISR, which MetadataImage::validate() reports (invariant 3).
#pragma once

#include <string_view>
#include <vector>

#include "cluster/bugs.h"
#include "cluster/metadata/metadata.h"

namespace samsa::cluster::controller {

// Who may lead or join an ISR: the image's eligible brokers, minus `excluded` — a broker
// the controller is about to fence, shut down or re-register, whose change record comes
// after the partition changes that move it out (so that every version stays valid).
class BrokerEligibility {
 public:
  explicit BrokerEligibility(const MetadataImage& image, BrokerId excluded = kNoLeader)
      : image_(image), excluded_(excluded) {}
  bool eligible(BrokerId id) const { return id != excluded_ && image_.is_eligible(id); }

 private:
  const MetadataImage& image_;
  BrokerId excluded_;
};

enum class ElectionKind {
  kKept,        // rule 1
  kClean,       // rule 2
  kUnclean,     // rule 3
  kOutsideIsr,  // Bug::kElectOutsideIsr
  kLeaderless,  // rule 4
};
std::string_view election_kind_name(ElectionKind kind);

struct ElectionResult {
  BrokerId leader = kNoLeader;
  std::vector<BrokerId> isr;  // the ISR after the election
  ElectionKind kind = ElectionKind::kLeaderless;
  bool unclean() const { return kind == ElectionKind::kUnclean; }
};

// Elects a leader for `partition` (its replicas and current leader) given the ISR it is
// about to have, `target_isr` (non-empty).
ElectionResult elect_leader(const PartitionState& partition,
                            const std::vector<BrokerId>& target_isr,
                            const BrokerEligibility& eligibility,
                            bool unclean_leader_election_enable, const Bugs& bugs);

}  // namespace samsa::cluster::controller
