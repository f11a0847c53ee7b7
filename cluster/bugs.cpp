#include "cluster/bugs.h"

namespace samsa::cluster {

const std::vector<BugInfo>& all_bugs() {
  static const std::vector<BugInfo> bugs = {
      {Bug::kTruncateToHighWatermark, "truncate-to-high-watermark",
       "a follower truncates to its own high watermark instead of by leader epoch (KIP-101)"},
      {Bug::kEpochLookupWithoutEpoch, "epoch-lookup-without-epoch",
       "OffsetsForLeaderEpoch answers with the end offset only, mishandling unseen epochs "
       "(KIP-279)"},
      {Bug::kIsrExpandWithoutEpochStartCheck, "isr-expand-without-epoch-start",
       "the ISR grows on a stale high watermark without the epoch start offset check (KAFKA-7128)"},
      {Bug::kHighWatermarkBeforeTruncation, "high-watermark-before-truncation",
       "a former leader applies the high watermark before truncating (KAFKA-14704)"},
      {Bug::kAcksAllOnLeaderAppend, "acks-all-on-leader-append",
       "acks=all is acknowledged after the leader's own append"},
      {Bug::kRaftVoteWithoutLogCheck, "raft-vote-without-log-check",
       "a Raft voter grants its vote without the log up-to-date check (Raft 5.4.1)"},
      {Bug::kElectOutsideIsr, "elect-outside-isr",
       "the controller elects a replica outside the ISR without unclean election enabled"},
      {Bug::kFencedBrokerJoinsIsr, "fenced-broker-joins-isr",
       "the controller lets a fenced or shutting-down broker back into the ISR (KIP-841)"},
      {Bug::kCommitFromStaleGeneration, "commit-from-stale-generation",
       "the group coordinator accepts offset commits from a stale generation"},
      {Bug::kEagerOwnerKeepsFetching, "eager-owner-keeps-fetching",
       "an eager rebalance lets the old owner keep fetching after it rejoined (two owners)"},
      {Bug::kResetToLatestOnLeaderChange, "reset-to-latest-on-leader-change",
       "a consumer resets to the log end on a leader change instead of validating its position "
       "(KIP-320)"},
      {Bug::kCleanerPastHighWatermark, "cleaner-past-high-watermark",
       "the log cleaner compacts past the high watermark, up to the active segment (KAFKA-13194)"},
      {Bug::kEarlyTombstoneRemoval, "early-tombstone-removal",
       "tombstones are dropped before delete.retention.ms, timed from the wrong moment "
       "(KAFKA-4529)"},
      {Bug::kRetentionByFirstTimestamp, "retention-by-first-timestamp",
       "time retention deletes a segment by its first timestamp though it holds younger records"},
      {Bug::kCleanerKeepsFirstValue, "cleaner-keeps-first-value",
       "the log cleaner keeps the first value of each key instead of the latest"},
  };
  return bugs;
}

const BugInfo* find_bug(std::string_view name) {
  for (const BugInfo& info : all_bugs()) {
    if (info.name == name) return &info;
  }
  return nullptr;
}

}  // namespace samsa::cluster
