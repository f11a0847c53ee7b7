// Historical defects in brokers, Raft, the controller, group coordinators and clients that can be
// switched back on, each at the point in the code where the real fix lives, so users can watch the
// harness catch them. Off by default.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace samsa::cluster {

enum class Bug {
  // KIP-101: a follower truncates to its own high watermark instead of asking the leader
  // for the end offset of its epoch.
  kTruncateToHighWatermark,
  // KIP-279: OffsetsForLeaderEpoch answers with the end offset only and mishandles an
  // epoch the follower never saw.
  kEpochLookupWithoutEpoch,
  // KAFKA-7128: the ISR is expanded on a follower that reached a stale high watermark,
  // without checking that it reached the start offset of the leader's current epoch.
  kIsrExpandWithoutEpochStartCheck,
  // KAFKA-14704: a former leader applies the high watermark before truncating.
  kHighWatermarkBeforeTruncation,
  // acks=all acknowledged on the leader's own append.
  kAcksAllOnLeaderAppend,
  // Raft (KIP-595 / Raft §5.4.1): a voter grants its vote without checking that the
  // candidate's log is at least as up to date as its own.
  kRaftVoteWithoutLogCheck,
  // The controller elects a replica outside the ISR although unclean leader election is
  // disabled.
  kElectOutsideIsr,
  // KIP-841: the controller accepts an AlterPartition that brings a fenced broker (or one
  // in controlled shutdown) back into the ISR.
  kFencedBrokerJoinsIsr,
  // The group coordinator accepts an OffsetCommit from a stale generation — even from a
  // member it has already removed — instead of answering ILLEGAL_GENERATION /
  // UNKNOWN_MEMBER_ID, so a member that lost its partitions (a zombie) moves their offsets.
  kCommitFromStaleGeneration,
  // An eager rebalance lets a consumer keep fetching its old partitions after it rejoined,
  // until the new assignment arrives: two members own a partition at once.
  kEagerOwnerKeepsFetching,
  // A consumer that sees a leader change resets its position to the log end instead of
  // validating it by leader epoch (KIP-320), skipping records.
  kResetToLatestOnLeaderChange,
  // KAFKA-13194: the log cleaner cleans up to the active segment without bounding its
  // dirty section by the high watermark, so it compacts records not yet committed.
  kCleanerPastHighWatermark,
  // KAFKA-4529: a tombstone's delete horizon is measured from the wrong time (here: the
  // tombstone's own timestamp instead of when the cleaner first passed it), so the cleaner
  // drops it before delete.retention.ms has passed for readers.
  kEarlyTombstoneRemoval,
  // Time retention judges a segment by its first record's timestamp instead of its largest,
  // deleting a segment that still holds records younger than retention.ms.
  kRetentionByFirstTimestamp,
  // The cleaner's offset map keeps the first offset of each key instead of the latest, so
  // compaction keeps a key's oldest value and removes its newest.
  kCleanerKeepsFirstValue,
};

struct BugInfo {
  Bug bug;
  std::string_view name;  // the --bug switch
  std::string_view description;
};

const std::vector<BugInfo>& all_bugs();
// The bug named `name`, if there is one.
const BugInfo* find_bug(std::string_view name);

class Bugs {
 public:
  Bugs() = default;
  void enable(Bug bug) { enabled_.insert(bug); }
  bool on(Bug bug) const { return enabled_.contains(bug); }
  bool any() const { return !enabled_.empty(); }

 private:
  std::set<Bug> enabled_;
};

}  // namespace samsa::cluster
