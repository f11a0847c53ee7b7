// Producer-state snapshots of the partition log (Kafka's "<offset>.snapshot" files): the
// state open() loads from the newest valid snapshot plus the batches after it equals the
// state a full scan of the log gives, whatever crashes, power losses (also mid-append and
// mid-truncation), truncations, log start moves and damaged snapshots came before; a
// truncation below a snapshot deletes it; a corrupt or missing one is passed over. Also
// measures what snapshots save when a long log is opened.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <array>
#include <iostream>
#include <optional>
#include <ostream>
#include <vector>

#include "cluster/log/partition_log.h"
#include "tests/cluster/log_testing.h"

namespace samsa::cluster {
namespace {

using log_test::LogRig;
using log_test::small_config;

constexpr int kProducers = 3;

// The oracle: every batch from the log start to the LEO recorded in order, read without
// the log's own producer-state code.
ProducerStateManager full_scan(PartitionLog& log) {
  ProducerStateManager state;
  Offset next = log.log_start_offset();
  // Bounded: every read returns at least one batch.
  while (next < log.log_end_offset()) {
    auto read = log.read(next, 1 << 16, log.log_end_offset());
    if (!read) throw std::runtime_error("oracle read failed");
    const ScanResult scan = scan_batches(read.value().batches);
    if (scan.batches.empty()) throw std::runtime_error("oracle read returned nothing");
    for (const BatchView& b : scan.batches) {
      if (b.producer_id() == kNoProducerId) continue;
      state.record(b.producer_id(), b.producer_epoch(),
                   {b.base_sequence(), b.last_sequence(), b.base_offset(), b.last_offset(),
                    b.max_timestamp()});
    }
    next = scan.batches.back().last_offset() + 1;
  }
  state.truncate_head(log.log_start_offset());
  return state;
}

// "" when `live` agrees with `scan` (full_scan of the same log) as invariant 6 of
// partition_log.h says: each producer the scan finds has the scan's epoch and, at or above
// the log start, the scan's batches; a producer the scan does not find has only batches
// below the log start (retention deleted them and the state remembers it, KIP-360).
std::string agrees_with_the_log(const ProducerStateManager& live, const ProducerStateManager& scan,
                                Offset log_start) {
  for (const auto& [id, expected] : scan.producers()) {
    const ProducerEntry* entry = live.find(id);
    if (entry == nullptr) return fmt::format("producer {} is in the log but not the state", id);
    ProducerEntry held = *entry;
    std::erase_if(held.batches, [&](const ProducerBatch& b) { return b.last_offset < log_start; });
    if (held != expected) return fmt::format("producer {} differs from the log", id);
  }
  for (const auto& [id, entry] : live.producers()) {
    if (scan.find(id) != nullptr) continue;
    for (const ProducerBatch& b : entry.batches) {
      if (b.last_offset >= log_start)
        return fmt::format("producer {} holds offset {}, which the log lacks", id, b.last_offset);
    }
  }
  return "";
}

// Producers 0..kProducers-1 with their epochs and next sequences; index kProducers
// writes without idempotence.
class Producers {
 public:
  sim::Bytes next_batch(int producer, int records, std::int64_t timestamp_ms) {
    std::vector<RecordInput> inputs;
    for (int i = 0; i < records; ++i) {
      const std::string v = fmt::format("p{}-{}", producer, i);
      inputs.push_back({timestamp_ms, std::nullopt, sim::Bytes(v.begin(), v.end())});
    }
    if (producer >= kProducers) return encode_batch(inputs);
    auto& p = state_[static_cast<std::size_t>(producer)];
    const BatchProducer id{ProducerId(100 + producer), p.epoch, p.next_sequence};
    p.next_sequence = Sequence(p.next_sequence.value() + records);
    return encode_batch(inputs, id);
  }
  void bump_epoch(int producer) {
    auto& p = state_[static_cast<std::size_t>(producer)];
    p.epoch = ProducerEpoch(static_cast<std::int16_t>(p.epoch.value() + 1));
    p.next_sequence = Sequence(0);
  }

 private:
  struct One {
    ProducerEpoch epoch{0};
    Sequence next_sequence{0};
  };
  std::array<One, kProducers> state_{};
};

enum class OpKind : std::uint8_t {
  kAppend,  // producer arg % 4 (3: not idempotent), 1 + arg % 3 records
  kBumpProducerEpoch,
  kNewLeaderEpoch,
  kFlush,
  kCleanFlush,
  kCrash,
  kPowerLoss,
  kTruncate,                  // to arg per mille of the LEO
  kAdvanceLogStart,           // arg per mille of the way to the LEO
  kPowerLossWhileAppending,   // after arg % 120 events of appending four batches
  kPowerLossWhileTruncating,  // after arg % 40 events of a truncation
  kCorruptNewestSnapshot,     // then a crash
  kDeleteNewestSnapshot,      // then a crash
};

struct Op {
  OpKind kind = OpKind::kAppend;
  int arg = 0;
};

void showValue(const Op& op, std::ostream& os) {
  static constexpr const char* kNames[] = {"append",
                                           "bump-producer-epoch",
                                           "new-leader-epoch",
                                           "flush",
                                           "clean-flush",
                                           "crash",
                                           "power-loss",
                                           "truncate",
                                           "advance-log-start",
                                           "power-loss-appending",
                                           "power-loss-truncating",
                                           "corrupt-snapshot",
                                           "delete-snapshot"};
  os << kNames[static_cast<int>(op.kind)] << "(" << op.arg << ")";
}

rc::Gen<Op> gen_op() {
  return rc::gen::build<Op>(rc::gen::set(&Op::kind, rc::gen::weightedElement<OpKind>({
                                                        {16, OpKind::kAppend},
                                                        {1, OpKind::kBumpProducerEpoch},
                                                        {1, OpKind::kNewLeaderEpoch},
                                                        {1, OpKind::kFlush},
                                                        {1, OpKind::kCleanFlush},
                                                        {2, OpKind::kCrash},
                                                        {2, OpKind::kPowerLoss},
                                                        {2, OpKind::kTruncate},
                                                        {1, OpKind::kAdvanceLogStart},
                                                        {1, OpKind::kPowerLossWhileAppending},
                                                        {1, OpKind::kPowerLossWhileTruncating},
                                                        {1, OpKind::kCorruptNewestSnapshot},
                                                        {1, OpKind::kDeleteNewestSnapshot},
                                                    })),
                            rc::gen::set(&Op::arg, rc::gen::inRange(0, 1000)));
}

class SnapshotHistory {
 public:
  SnapshotHistory(std::uint64_t seed, double torn, LogConfig config) : r_(seed, torn, config) {}

  void apply(const Op& op) {
    bool ok = true;
    switch (op.kind) {
      case OpKind::kAppend:
        r_.with_log([&](PartitionLog& l) { ok = append(l, op.arg); });
        break;
      case OpKind::kBumpProducerEpoch:
        producers_.bump_epoch(op.arg % kProducers);
        break;
      case OpKind::kNewLeaderEpoch:
        epoch_ = epoch_ + 1;
        break;
      case OpKind::kFlush:
        r_.with_log([&](PartitionLog& l) { ok = l.flush().ok(); });
        break;
      case OpKind::kCleanFlush:
        r_.with_log([&](PartitionLog& l) { ok = l.clean_flush().ok(); });
        break;
      case OpKind::kCrash:
        r_.crash();
        break;
      case OpKind::kPowerLoss:
        r_.power_loss();
        break;
      case OpKind::kTruncate:
        r_.with_log([&](PartitionLog& l) { ok = l.truncate_to(target(l, op.arg)).ok(); });
        break;
      case OpKind::kAdvanceLogStart:
        r_.with_log([&](PartitionLog& l) {
          const Offset to =
              l.log_start_offset() + (l.log_end_offset() - l.log_start_offset()) * op.arg / 1000;
          ok = l.advance_log_start_offset(to).ok();
        });
        break;
      case OpKind::kPowerLossWhileAppending:
        power_loss_while(static_cast<std::uint64_t>(op.arg % 120), [&](PartitionLog& l) {
          for (int i = 0; i < 4 && append(l, op.arg + i); ++i) {
          }
        });
        break;
      case OpKind::kPowerLossWhileTruncating:
        power_loss_while(static_cast<std::uint64_t>(op.arg % 40),
                         [&](PartitionLog& l) { (void)l.truncate_to(target(l, op.arg / 2)); });
        break;
      case OpKind::kCorruptNewestSnapshot:
      case OpKind::kDeleteNewestSnapshot:
        damage_newest_snapshot(op.kind == OpKind::kDeleteNewestSnapshot);
        break;
    }
    RC_ASSERT(ok);
    check();
  }

  // The live state (after appends, truncations and log start moves) and the state a
  // reopen loads both agree with the full scan (agrees_with_the_log).
  // (Assertions run outside the node's fibers: RapidCheck's failures are not exceptions a
  // simulated fiber may throw.)
  void check() {
    std::string disagreement;
    std::vector<Offset> snapshots;
    Offset leo;
    r_.with_log([&](PartitionLog& l) {
      disagreement = agrees_with_the_log(l.producer_state(), full_scan(l), l.log_start_offset());
      snapshots = l.producer_snapshots();
      leo = l.log_end_offset();
      if (l.last_producer_state_load().snapshot) ++loads_from_snapshot_;
    });
    RC_ASSERT(disagreement == "");
    RC_ASSERT(snapshots.size() <= PartitionLog::kSnapshotsRetained);
    for (Offset s : snapshots) RC_ASSERT(s <= leo);
  }
  int loads_from_snapshot() const { return loads_from_snapshot_; }

 private:
  bool append(PartitionLog& l, int arg) {
    const sim::Bytes batch = producers_.next_batch(arg % (kProducers + 1), 1 + arg % 3, 1000);
    return l.append_as_leader(batch, epoch_).ok();
  }

  static Offset target(PartitionLog& l, int per_mille) {
    return Offset(l.log_end_offset().value() * per_mille / 1000);
  }

  void power_loss_while(std::uint64_t events, const std::function<void(PartitionLog&)>& body) {
    r_.with_log([](PartitionLog&) {});  // open (and recover) first
    r_.rig.run_for_events([&](sim::NodeEnv&) { body(*r_.log); }, events);
    r_.power_loss();
  }

  void damage_newest_snapshot(bool remove) {
    std::optional<std::string> path;
    r_.with_log([&](PartitionLog& l) {
      if (!l.producer_snapshots().empty()) {
        path = l.producer_snapshot_path(l.producer_snapshots().back());
      }
    });
    r_.crash();
    if (!path) return;
    if (remove) {
      bool removed = false;
      r_.rig.run([&](sim::NodeEnv& env) { removed = env.disk().remove(*path).ok(); });
      RC_ASSERT(removed);
      r_.crash();
    } else {
      r_.rig.disk().corrupt(*path, 0, 1 << 20);
    }
  }

  LogRig r_;
  Producers producers_;
  LeaderEpoch epoch_{0};
  int loads_from_snapshot_ = 0;
};

RC_GTEST_PROP(ProducerSnapshot, TheStateAfterOpenAndAfterEveryChangeEqualsAFullScanOfTheLog, ()) {
  const auto seed = *rc::gen::inRange<std::uint64_t>(1, 1u << 30);
  const auto torn = *rc::gen::element(0.0, 0.5, 1.0);
  const auto ops = *rc::gen::container<std::vector<Op>>(gen_op());
  LogConfig config = small_config();
  config.segment_bytes = 500;
  config.index_interval_bytes = 100;
  SnapshotHistory history(seed, torn, config);
  for (const Op& op : ops) history.apply(op);
  RC_CLASSIFY(history.loads_from_snapshot() > 0, "loaded from a snapshot");
}

// --- Scripted cases ---

LogConfig rolling_config() {
  LogConfig config = small_config();
  config.segment_bytes = 500;
  return config;
}

void append_idempotent(LogRig& r, Producers& producers, int batches) {
  r.with_log([&](PartitionLog& l) {
    for (int i = 0; i < batches; ++i) {
      ASSERT_TRUE(
          l.append_as_leader(producers.next_batch(i % kProducers, 2, 1000), LeaderEpoch(0)).ok());
    }
  });
}

TEST(ProducerSnapshot, EachRollSnapshotsAtTheNewSegmentBaseAndOnlyTheLastTwoAreKept) {
  LogRig r(1, 0.5, rolling_config());
  Producers producers;
  append_idempotent(r, producers, 40);
  r.with_log([&](PartitionLog& l) {
    const auto segments = l.segments();
    ASSERT_GE(segments.size(), 4u);
    const std::vector<Offset> expected{segments[segments.size() - 2].base_offset,
                                       segments.back().base_offset};
    EXPECT_EQ(l.producer_snapshots(), expected);
    for (const SegmentInfo& s : segments) {
      const bool kept =
          std::find(expected.begin(), expected.end(), s.base_offset) != expected.end();
      EXPECT_EQ(r.rig.disk().exists(l.producer_snapshot_path(s.base_offset)), kept)
          << s.base_offset.value();
    }
  });
}

// KAFKA-7190 / KIP-360: a producer whose every batch retention deleted is still known, so
// the retry of its last batch is answered as a duplicate, not UNKNOWN_PRODUCER_ID (which a
// producer answers by rewriting the batch under a new epoch: written twice). A reopen keeps
// it too while a snapshot above the log start describes it.
TEST(ProducerSnapshot, MovingTheLogStartPastAProducersBatchesKeepsItsState) {
  LogRig r(1, 0.5, rolling_config());
  Producers producers;
  Offset last_of_producer_0;
  r.with_log([&](PartitionLog& l) {
    for (int i = 0; i < 3; ++i) {
      ASSERT_TRUE(l.append_as_leader(producers.next_batch(0, 2, 1000), LeaderEpoch(0)).ok());
    }
    last_of_producer_0 = l.log_end_offset() - 1;
    for (int i = 0; i < 30; ++i) {
      ASSERT_TRUE(l.append_as_leader(producers.next_batch(1, 2, 1000), LeaderEpoch(0)).ok());
    }
    ASSERT_TRUE(l.advance_log_start_offset(last_of_producer_0 + 1).ok());
  });
  const auto expect_known = [&](PartitionLog& l) {
    const ProducerEntry* entry = l.producer_state().find(ProducerId(100));
    ASSERT_NE(entry, nullptr);
    EXPECT_EQ(entry->batches.back().last_offset, last_of_producer_0);
    const SequenceCheck retry =
        l.producer_state().check(ProducerId(100), ProducerEpoch(0), Sequence(4), Sequence(5));
    EXPECT_EQ(retry.error, ErrorCode::kNone);
    ASSERT_TRUE(retry.duplicate_of.has_value());
    EXPECT_EQ(retry.duplicate_of->last_offset, last_of_producer_0);
  };
  r.with_log(expect_known);
  r.crash();
  r.with_log([&](PartitionLog& l) {
    ASSERT_TRUE(l.last_producer_state_load().snapshot.has_value());
    EXPECT_GT(*l.last_producer_state_load().snapshot, l.log_start_offset());
    expect_known(l);
    EXPECT_EQ(full_scan(l).find(ProducerId(100)), nullptr);  // the log alone forgot it
  });
}

TEST(ProducerSnapshot, ACleanFlushSnapshotsAtTheLogEndSoOpenReadsNoBatch) {
  LogRig r(1, 0.5, rolling_config());
  Producers producers;
  append_idempotent(r, producers, 13);
  r.with_log([](PartitionLog& l) { ASSERT_TRUE(l.clean_flush().ok()); });
  r.power_loss();
  r.with_log([](PartitionLog& l) {
    ASSERT_EQ(l.last_producer_state_load().snapshot, std::optional<Offset>(l.log_end_offset()));
    EXPECT_EQ(l.last_producer_state_load().batches_scanned, 0);
    EXPECT_EQ(l.producer_state(), full_scan(l));
    EXPECT_EQ(l.producer_state().producer_count(), 3u);
  });
}

TEST(ProducerSnapshot, ATruncationBelowASnapshotDeletesItDurably) {
  LogRig r(1, 0.5, rolling_config());
  Producers producers;
  append_idempotent(r, producers, 40);
  Offset newest;
  Offset target;
  r.with_log([&](PartitionLog& l) {
    newest = l.producer_snapshots().back();
    target = newest - 3;
    ASSERT_TRUE(l.truncate_to(target).ok());
    EXPECT_LE(l.log_end_offset(), target);
    ASSERT_FALSE(l.producer_snapshots().empty());
    EXPECT_LT(l.producer_snapshots().back(), newest);
    EXPECT_FALSE(r.rig.disk().exists(l.producer_snapshot_path(newest)));
    EXPECT_EQ(l.producer_state(), full_scan(l));
  });
  r.power_loss();  // the deletion does not come back
  r.with_log([&](PartitionLog& l) {
    EXPECT_FALSE(r.rig.disk().exists(l.producer_snapshot_path(newest)));
    EXPECT_EQ(l.producer_state(), full_scan(l));
  });
}

TEST(ProducerSnapshot, ACorruptSnapshotIsIgnoredAndDeletedAndTheOlderOneUsed) {
  LogRig r(1, 0.5, rolling_config());
  Producers producers;
  append_idempotent(r, producers, 40);
  std::vector<Offset> snapshots;
  r.with_log([&](PartitionLog& l) { snapshots = l.producer_snapshots(); });
  ASSERT_EQ(snapshots.size(), 2u);
  r.crash();
  std::string newest_path;
  r.with_log([&](PartitionLog& l) { newest_path = l.producer_snapshot_path(snapshots[1]); });
  r.crash();
  r.rig.disk().corrupt(newest_path, 30, 1);  // one bit of the body: only the CRC tells
  r.with_log([&](PartitionLog& l) {
    EXPECT_EQ(l.last_producer_state_load().snapshot, std::optional<Offset>(snapshots[0]));
    EXPECT_EQ(l.producer_state(), full_scan(l));
    EXPECT_EQ(l.producer_snapshots(), std::vector<Offset>{snapshots[0]});
  });
  EXPECT_FALSE(r.rig.disk().exists(newest_path));
}

TEST(ProducerSnapshot, WithoutAnySnapshotOpenScansTheWholeLog) {
  LogRig r(1, 0.5, rolling_config());
  Producers producers;
  append_idempotent(r, producers, 40);
  std::vector<std::string> paths;
  r.with_log([&](PartitionLog& l) {
    for (Offset s : l.producer_snapshots()) paths.push_back(l.producer_snapshot_path(s));
  });
  r.crash();
  r.rig.run([&](sim::NodeEnv& env) {
    for (const auto& p : paths) ASSERT_TRUE(env.disk().remove(p).ok());
  });
  r.crash();
  r.with_log([](PartitionLog& l) {
    EXPECT_FALSE(l.last_producer_state_load().snapshot.has_value());
    EXPECT_EQ(l.last_producer_state_load().batches_scanned, 40);
    EXPECT_EQ(l.producer_state(), full_scan(l));
  });
}

// What one open costs, in disk reads, bytes read and simulated time.
struct OpenCost {
  std::uint64_t reads = 0;
  std::uint64_t bytes_read = 0;
  std::uint64_t events = 0;
  sim::Duration time{};
  std::int64_t batches_scanned = 0;
};

OpenCost measure_open(LogRig& r) {
  r.crash();
  const sim::DiskStats before = r.rig.disk().stats();
  const sim::SimTime start = r.rig.simulation().now();
  const std::uint64_t events = r.rig.simulation().kernel().events();
  OpenCost cost;
  r.with_log([&](PartitionLog& l) {
    cost.batches_scanned = l.last_producer_state_load().batches_scanned;
  });
  cost.reads = r.rig.disk().stats().reads - before.reads;
  cost.bytes_read = r.rig.disk().stats().bytes_read - before.bytes_read;
  cost.events = r.rig.simulation().kernel().events() - events;
  cost.time = r.rig.simulation().now() - start;
  return cost;
}

std::string describe(const OpenCost& c) {
  return fmt::format("{} reads, {} bytes read, {} events, {} simulated, {} batches scanned",
                     c.reads, c.bytes_read, c.events, sim::format_duration(c.time),
                     c.batches_scanned);
}

// A long log (4,000 batches of idempotent producers, 16 KiB segments) reopened after a
// crash: from the snapshot at the last roll, and with the snapshots deleted.
TEST(ProducerSnapshot, OpeningALongLogFromASnapshotReadsOnlyTheActiveSegment) {
  LogConfig config;
  config.segment_bytes = 16 << 10;
  LogRig r(1, 0.5, config);
  Producers producers;
  for (int round = 0; round < 40; ++round) {
    r.with_log([&](PartitionLog& l) {
      for (int i = 0; i < 100; ++i) {
        ASSERT_TRUE(
            l.append_as_leader(producers.next_batch(i % kProducers, 5, 1000), LeaderEpoch(0)).ok());
      }
    });
  }
  const OpenCost with_snapshot = measure_open(r);
  std::vector<std::string> paths;
  std::size_t segments = 0;
  r.with_log([&](PartitionLog& l) {
    segments = l.segments().size();
    for (Offset s : l.producer_snapshots()) paths.push_back(l.producer_snapshot_path(s));
  });
  r.crash();
  r.rig.run([&](sim::NodeEnv& env) {
    for (const auto& p : paths) ASSERT_TRUE(env.disk().remove(p).ok());
  });
  const OpenCost full = measure_open(r);
  std::cout << fmt::format(
      "[ measured ] open of 4000 batches in {} segments\n"
      "[ measured ]   from a snapshot: {}\n"
      "[ measured ]   full scan:       {}\n",
      segments, describe(with_snapshot), describe(full));
  EXPECT_EQ(full.batches_scanned, 4000);
  EXPECT_LT(with_snapshot.batches_scanned * 5, full.batches_scanned);
  EXPECT_LT(with_snapshot.bytes_read * 3, full.bytes_read);
}

}  // namespace
}  // namespace samsa::cluster
