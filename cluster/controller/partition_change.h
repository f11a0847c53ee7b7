// PartitionChangeBuilder, after KRaft's: the one place a partition's ISR and leader
// change. Callers (fencing, controlled shutdown, unfencing, AlterPartition, broker
// re-registration) set the ISR they want; build() runs the election (election.h) on it and
// yields the PartitionChangeRecord that takes the partition there, or nothing when nothing
// changes.
// Invariants:
//   1. The ISR never becomes empty: an empty target keeps the current ISR, so a broker
//      removed as the last member stays in it and the partition loses its leader (KRaft).
//   2. The record's isr field is present iff the ISR changes, its leader field iff the
//      leader changes (replay then bumps the leader epoch); no field, no record.
#pragma once

#include <optional>
#include <vector>

#include "cluster/bugs.h"
#include "cluster/controller/election.h"
#include "cluster/controller/metadata_records.h"
#include "cluster/metadata/metadata.h"

namespace samsa::cluster::controller {

class PartitionChangeBuilder {
 public:
  PartitionChangeBuilder(const PartitionState& partition, const BrokerEligibility& eligibility,
                         bool unclean_leader_election_enable, const Bugs& bugs);

  // The ISR to aim for (default: the current one).
  PartitionChangeBuilder& set_target_isr(std::vector<BrokerId> isr);
  // Aims for the current ISR without `broker` (KRaft's Replicas.copyWithout).
  PartitionChangeBuilder& remove_from_isr(BrokerId broker);

  std::optional<PartitionChangeRecord> build();
  // The election build() ran.
  const ElectionResult& election() const { return election_; }

 private:
  PartitionState partition_;
  const BrokerEligibility& eligibility_;
  bool unclean_leader_election_enable_;
  const Bugs& bugs_;
  std::vector<BrokerId> target_isr_;
  ElectionResult election_;
};

}  // namespace samsa::cluster::controller
