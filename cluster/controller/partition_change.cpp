#include "cluster/controller/partition_change.h"

#include <algorithm>

namespace samsa::cluster::controller {

PartitionChangeBuilder::PartitionChangeBuilder(const PartitionState& partition,
                                               const BrokerEligibility& eligibility,
                                               bool unclean_leader_election_enable,
                                               const Bugs& bugs)
    : partition_(partition),
      eligibility_(eligibility),
      unclean_leader_election_enable_(unclean_leader_election_enable),
      bugs_(bugs),
      target_isr_(partition.isr) {}

PartitionChangeBuilder& PartitionChangeBuilder::set_target_isr(std::vector<BrokerId> isr) {
  target_isr_ = std::move(isr);
  return *this;
}

PartitionChangeBuilder& PartitionChangeBuilder::remove_from_isr(BrokerId broker) {
  std::vector<BrokerId> isr = partition_.isr;
  isr.erase(std::remove(isr.begin(), isr.end(), broker), isr.end());
  return set_target_isr(std::move(isr));
}

std::optional<PartitionChangeRecord> PartitionChangeBuilder::build() {
  // Invariant 1: KRaft keeps the last member rather than empty the ISR.
  const std::vector<BrokerId>& target = target_isr_.empty() ? partition_.isr : target_isr_;
  election_ =
      elect_leader(partition_, target, eligibility_, unclean_leader_election_enable_, bugs_);
  PartitionChangeRecord record{partition_.tp, std::nullopt, std::nullopt};
  if (election_.isr != partition_.isr) record.isr = election_.isr;
  if (election_.leader != partition_.leader) record.leader = election_.leader;
  if (!record.isr && !record.leader) return std::nullopt;
  return record;
}

}  // namespace samsa::cluster::controller
