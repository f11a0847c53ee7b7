// The applier: feeds committed records to the state machine in log order (KRaft's
// handleCommit), tells it about leader changes (for the leader, once its epoch is ready),
// and takes a snapshot every snapshot_interval_records, after which the log start follows.
#include <fmt/format.h>

#include "cluster/log/record_batch.h"
#include "cluster/raft/replica_core.h"
#include "sim/log.h"

namespace samsa::cluster::raft {

namespace {
constexpr sim::Duration kIdleWait = std::chrono::seconds(1);
constexpr int kMaxReadChunks = 1 << 20;
}  // namespace

// Bounded by the process's life: a crash unwinds it (FiberKilled).
void ReplicaCore::run_applier() {
  for (;;) {
    const std::shared_ptr<sim::Event> signal = changed_.current();
    if (!apply_pass()) signal->wait_until(env_.deadline_after(kIdleWait));
  }
}

// Applies what lies between the applied end and the HW (up to one read's worth); true
// when the applied end moved.
bool ReplicaCore::apply_pass() {
  const sim::MutexLock machine_lock(machine_mutex_);
  sim::Bytes batches;
  Offset high_watermark;
  {
    const sim::MutexLock lock(mutex_);
    high_watermark = high_watermark_;
    if (applied_end_ < high_watermark) {
      auto read = log_->read(applied_end_, kMaxFetchBytes, high_watermark);
      if (!read.ok()) {
        SAMSA_LOG_WARN("raft {}: applier cannot read at {}: {}", env_.name(), applied_end_,
                       log_error_name(read.error()));
        if (read.error() == LogError::kIo) on_log_error("an applier read", read.error());
        return false;
      }
      batches = std::move(read.value().batches);
    }
  }
  const Offset before = applied_end_;
  apply_batches(batches, high_watermark);
  const bool progressed = applied_end_ > before;
  if (progressed) machine_.on_commit_end(applied_end_);
  notify_leader_change();
  if (progressed) maybe_snapshot();
  return progressed;
}

void ReplicaCore::apply_batches(const sim::Bytes& batches, Offset high_watermark) {
  for (const BatchView& batch : scan_batches(batches).batches) {
    SAMSA_ASSERT(batch.base_offset() <= applied_end_, "the applier never skips a record");
    if (batch.last_offset() >= high_watermark) break;
    if (batch.last_offset() < applied_end_) continue;
    if (!batch.is_control()) {
      for (const Record& record : batch.records()) {
        if (record.offset < applied_end_) continue;
        static const sim::Bytes kEmpty;
        machine_.apply(record.offset, batch.leader_epoch(), record.value.value_or(kEmpty));
        ++records_since_snapshot_;
      }
    }
    applied_end_ = batch.last_offset() + 1;
    last_applied_epoch_ = batch.leader_epoch();
  }
}

// KRaft's handleLeaderChange: a leader announces itself only once its epoch is ready (its
// leader-change record applied, so every record before it too); others announce what
// they know, including "no leader".
void ReplicaCore::notify_leader_change() {
  std::optional<sim::NodeId> leader;
  if (role_ == RaftRole::kLeader) {
    if (applied_end_ <= epoch_start_offset_) return;
    if (!ready_) {
      SAMSA_LOG_INFO("raft {}: leader of epoch {} is ready at offset {}", env_.name(),
                     election_.epoch, applied_end_);
    }
    ready_ = true;
    leader = self_;
  } else {
    leader = this->leader();
  }
  const auto next = std::make_pair(leader, election_.epoch);
  if (notified_leader_ == next) return;
  notified_leader_ = next;
  machine_.on_leader_change(leader, election_.epoch);
}

// KIP-630: snapshot at the applied end, make it durable, then move the log start there.
void ReplicaCore::maybe_snapshot() {
  if (config_.snapshot_interval_records <= 0 ||
      records_since_snapshot_ < config_.snapshot_interval_records) {
    return;
  }
  const SnapshotId id{applied_end_, last_applied_epoch_};
  if (latest_snapshot_ && id.end_offset <= latest_snapshot_->end_offset) return;
  const Snapshot snapshot{id, machine_.snapshot()};
  if (auto written = snapshots_.write_file(id, SnapshotStore::encode(snapshot)); !written.ok()) {
    SAMSA_LOG_ERROR("raft {}: cannot write snapshot ({}, {}): {}", env_.name(), id.end_offset,
                    id.epoch, sim::io_error_name(written.error()));
    return;
  }
  {
    const sim::MutexLock lock(mutex_);
    latest_snapshot_ = id;
    records_since_snapshot_ = 0;
    if (auto advanced = log_->advance_log_start_offset(id.end_offset); !advanced.ok()) {
      on_log_error("moving the log start", advanced.error());
      return;
    }
  }
  SAMSA_LOG_DEBUG("raft {}: snapshot ({}, {}) taken", env_.name(), id.end_offset, id.epoch);
  if (auto removed = snapshots_.remove_older_than(id); !removed.ok()) {
    SAMSA_LOG_WARN("raft {}: cannot remove old snapshots", env_.name());
  }
}

sim::Result<std::vector<LoggedRecord>, RaftError> ReplicaCore::read_log() {
  const sim::MutexLock lock(mutex_);
  std::vector<LoggedRecord> out;
  Offset next = log_->log_start_offset();
  for (int chunk = 0; chunk < kMaxReadChunks && next < log_->log_end_offset(); ++chunk) {
    auto read = log_->read(next, kMaxFetchBytes, log_->log_end_offset());
    if (!read.ok()) return sim::Err(RaftError::kIo);
    const sim::Bytes& bytes = read.value().batches;
    const ScanResult scan = scan_batches(bytes);
    if (scan.batches.empty()) break;
    for (const BatchView& batch : scan.batches) {
      for (Record& record : batch.records()) {
        if (record.offset < next) continue;
        out.push_back(LoggedRecord{record.offset, batch.leader_epoch(), batch.is_control(),
                                   std::move(record.value).value_or(sim::Bytes{})});
      }
      next = batch.last_offset() + 1;
    }
  }
  return out;
}

}  // namespace samsa::cluster::raft
