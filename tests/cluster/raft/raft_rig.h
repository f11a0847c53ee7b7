// RaftRig: a Raft quorum of 1, 3 or 5 voters plus observers on one sim::Simulation, for
// the tests of cluster/raft. Each node runs a RaftReplica over a RecordingMachine (the
// applied (offset, value) sequence; a snapshot is that sequence serialized) and a writer
// fiber that, while its replica is the ready leader, appends "v<n>" values one at a time
// and records which of them wait_committed() confirmed. The rig watches every role change
// (at most one leader per epoch) and every apply anywhere (one value per offset across all
// replicas and incarnations), and checks the rest of the properties at the end.
#pragma once

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cluster/log/byte_utils.h"
#include "cluster/raft/raft_replica.h"
#include "sim/log.h"
#include "sim/node_env.h"
#include "sim/rpc.h"
#include "sim/simulation.h"

namespace samsa::cluster::raft::testing {

using namespace std::chrono_literals;

struct Applied {
  Offset offset;
  std::string value;
  bool operator==(const Applied&) const = default;
};

// The test state machine: the whole applied sequence is its state.
class RecordingMachine final : public StateMachine {
 public:
  using OnApply = std::function<void(Offset, const std::string&)>;
  explicit RecordingMachine(OnApply on_apply) : on_apply_(std::move(on_apply)) {}

  void apply(Offset offset, LeaderEpoch, std::span<const std::uint8_t> value) override {
    SAMSA_ASSERT(applied_.empty() || offset > applied_.back().offset,
                 "records are applied in log order, once each");
    SAMSA_ASSERT(offset >= restored_end_, "nothing below the restored snapshot is applied");
    applied_.push_back({offset, std::string(value.begin(), value.end())});
    if (on_apply_) on_apply_(offset, applied_.back().value);
  }
  sim::Bytes snapshot() const override {
    sim::Bytes out;
    append_be<std::uint32_t>(out, static_cast<std::uint32_t>(applied_.size()));
    for (const Applied& a : applied_) {
      append_be<std::int64_t>(out, a.offset.value());
      append_be<std::uint32_t>(out, static_cast<std::uint32_t>(a.value.size()));
      out.insert(out.end(), a.value.begin(), a.value.end());
    }
    return out;
  }
  void restore(Offset end_offset, std::span<const std::uint8_t> snapshot) override {
    applied_.clear();
    std::size_t pos = 4;
    const auto count = load_be<std::uint32_t>(snapshot, 0);
    for (std::uint32_t i = 0; i < count; ++i) {
      const Offset offset(load_be<std::int64_t>(snapshot, pos));
      const auto size = load_be<std::uint32_t>(snapshot, pos + 8);
      pos += 12;
      applied_.push_back({offset, std::string(snapshot.begin() + static_cast<std::ptrdiff_t>(pos),
                                              snapshot.begin() + static_cast<std::ptrdiff_t>(pos + size))});
      pos += size;
    }
    SAMSA_ASSERT(pos == snapshot.size(), "a snapshot decodes exactly");
    SAMSA_ASSERT(applied_.empty() || applied_.back().offset < end_offset, "snapshot end");
    restored_end_ = end_offset;
    ++restores_;
  }
  void on_leader_change(std::optional<sim::NodeId> leader, LeaderEpoch epoch) override {
    leader_changes_.push_back({leader, epoch, applied_.size()});
  }

  const std::vector<Applied>& applied() const { return applied_; }
  int restores() const { return restores_; }
  struct LeaderChange {
    std::optional<sim::NodeId> leader;
    LeaderEpoch epoch;
    std::size_t applied_before;  // how many records had been applied when it was called
  };
  const std::vector<LeaderChange>& leader_changes() const { return leader_changes_; }
  std::optional<std::string> value_at(Offset offset) const {
    const auto it = std::lower_bound(applied_.begin(), applied_.end(), offset,
                                     [](const Applied& a, Offset o) { return a.offset < o; });
    if (it == applied_.end() || it->offset != offset) return std::nullopt;
    return it->value;
  }

 private:
  OnApply on_apply_;
  std::vector<Applied> applied_;
  Offset restored_end_{0};
  int restores_ = 0;
  std::vector<LeaderChange> leader_changes_;
};

struct RigOptions {
  int voters = 3;
  int observers = 0;
  std::uint64_t seed = 1;
  bool writers = true;  // writer fibers append while their node is the ready leader
  sim::Duration write_interval = 100ms;
  sim::NetworkConfig network = {};
  std::function<void(RaftConfig&)> tweak;
  std::function<void(std::size_t node, RaftConfig&)> node_tweak;  // after tweak
};

// An append the writer made, and whether wait_committed() confirmed it.
struct Write {
  std::string value;
  Offset offset;
  LeaderEpoch epoch;
  sim::NodeId leader;
  sim::SimTime at;
};

class RaftRig {
 public:
  explicit RaftRig(RigOptions options)
      : options_(std::move(options)),
        sim_(sim::SimulationConfig{.seed = options_.seed,
                                   .network = options_.network,
                                   .disk = {},
                                   .buggify = {},
                                   .trace_path = {}}) {
    if (const char* level = std::getenv("SAMSA_TEST_LOG")) {
      sim::set_log_level(std::string(level));
    } else {
      sim::set_log_level("warn");
    }
    const int total = options_.voters + options_.observers;
    for (int i = 0; i < total; ++i) {
      const bool voter = i < options_.voters;
      const std::string name = voter ? fmt::format("voter-{}", i) : fmt::format("observer-{}", i);
      nodes_.push_back(Node{sim_.add_node(name), voter, nullptr, nullptr});
      if (voter) voters_.push_back(nodes_.back().id);
    }
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
      sim_.start(nodes_[i].id, [this, i] { node_main(i); });
    }
    // A client on the harness node sends hand-made requests (call()).
    sim_.kernel().spawn(sim_.harness(), "client", [this] {
      sim::RpcEndpoint rpc(sim_.network(), sim_.harness());
      client_rpc_ = &rpc;
      rpc.serve([](const sim::Envelope&) {});
    });
  }

  sim::Simulation& sim() { return sim_; }
  std::size_t size() const { return nodes_.size(); }
  sim::NodeId node(std::size_t i) const { return nodes_.at(i).id; }
  const std::vector<sim::NodeId>& voters() const { return voters_; }
  bool is_up(std::size_t i) const { return sim_.is_up(nodes_.at(i).id); }
  // The replica of node i while its process runs (null while it is down).
  RaftReplica* replica(std::size_t i) const {
    return sim_.is_up(nodes_.at(i).id) ? nodes_.at(i).replica : nullptr;
  }
  // The state machine of node i's latest incarnation.
  const RecordingMachine* machine(std::size_t i) const { return nodes_.at(i).machine.get(); }
  std::optional<std::size_t> index_of(sim::NodeId id) const {
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
      if (nodes_[i].id == id) return i;
    }
    return std::nullopt;
  }

  // --- Faults -----------------------------------------------------------------------
  void crash(std::size_t i) { sim_.crash(node(i)); }
  void power_loss(std::size_t i) {
    if (sim_.is_up(node(i))) sim_.power_loss(node(i));
  }
  void restart(std::size_t i) {
    if (!sim_.is_up(node(i))) sim_.restart(node(i));
  }
  void isolate(std::size_t i) { sim_.network().isolate(node(i)); }
  // Splits the nodes in `side` from every other node (both directions).
  void partition(const std::vector<std::size_t>& side) {
    std::vector<sim::NodeId> a;
    std::vector<sim::NodeId> b;
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
      (std::find(side.begin(), side.end(), i) != side.end() ? a : b).push_back(node(i));
    }
    if (!a.empty() && !b.empty()) sim_.network().partition(a, b);
  }
  void heal() { sim_.network().heal(); }
  // Ends every fault: network healed and lossless, paused nodes resumed, down nodes up.
  void heal_all() {
    sim::NetworkConfig config = sim_.network().config();
    config.drop_probability = 0;
    config.duplicate_probability = 0;
    config.delay_probability = 0;
    sim_.network().set_config(config);
    heal();
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
      if (sim_.kernel().is_paused(node(i))) sim_.resume(node(i));
      restart(i);
    }
  }

  // --- Running ------------------------------------------------------------------------
  void run_for(sim::Duration d) {
    if (!failure_.empty()) return;
    const sim::RunOutcome outcome = sim_.run_for(d);
    if (outcome == sim::RunOutcome::kFailed) failure_ = sim_.kernel().failure();
  }
  // Runs until `done()` holds (checked every 10 ms) or `limit` passes; true if it held.
  bool run_until(const std::function<bool()>& done, sim::Duration limit) {
    const sim::SimTime end = sim_.now() + limit;
    while (failure_.empty() && sim_.now() < end) {
      if (done()) return true;
      run_for(10ms);
    }
    return failure_.empty() && done();
  }
  const std::string& failure() const { return failure_; }

  // The ready leader among the live nodes, if exactly one is.
  std::optional<std::size_t> ready_leader() const {
    std::optional<std::size_t> found;
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
      const RaftReplica* r = replica(i);
      if (r == nullptr || !r->is_ready_leader()) continue;
      if (found && replica(*found)->epoch() >= r->epoch()) continue;
      found = i;
    }
    return found;
  }
  bool wait_for_ready_leader(sim::Duration limit = 15s) {
    return run_until([this] { return ready_leader().has_value(); }, limit);
  }

  // Runs `fn` on a fresh fiber of node i (which must be up) and the simulation until it
  // returns; false if it did not within `limit`.
  bool run_on(std::size_t i, std::function<void(RaftReplica&)> fn, sim::Duration limit = 10s) {
    auto done = std::make_shared<bool>(false);
    sim_.kernel().spawn(node(i), "test", [this, i, fn, done] {
      fn(*nodes_[i].replica);
      *done = true;
    });
    return run_until([done] { return *done; }, limit);
  }
  std::optional<std::vector<LoggedRecord>> read_log(std::size_t i) {
    std::optional<std::vector<LoggedRecord>> out;
    if (replica(i) == nullptr) return out;
    run_on(i, [&out](RaftReplica& r) {
      auto log = r.read_log();
      if (log.ok()) out = std::move(log).value();
    });
    return out;
  }
  // Appends `value` on node i (its replica must be the ready leader) and waits for the
  // commit; the offset when it committed.
  std::optional<Offset> append_and_commit(std::size_t i, const std::string& value,
                                          sim::Duration limit = 10s) {
    std::optional<Offset> committed;
    run_on(i, [&](RaftReplica& r) {
      const LeaderEpoch epoch = r.epoch();
      auto appended = r.append({sim::Bytes(value.begin(), value.end())});
      if (!appended.ok()) return;
      if (r.wait_committed(appended.value(), epoch, limit).ok()) {
        committed = appended.value();
        committed_.push_back({value, appended.value(), epoch, node(i), sim_.now()});
      }
    }, limit + 1s);
    return committed;
  }

  // Sends `request` to node i from the harness node; the response, if one came in time.
  template <class Response>
  std::optional<Response> call(std::size_t i, sim::MessagePtr request, sim::Duration limit = 3s) {
    auto result = std::make_shared<std::optional<Response>>();
    auto done = std::make_shared<bool>(false);
    sim_.kernel().spawn(sim_.harness(), "client-call", [this, i, request, limit, result, done] {
      auto answer = client_rpc_->call(node(i), request, limit);
      if (answer.ok()) {
        if (const auto* r = dynamic_cast<const Response*>(answer.value().get())) *result = *r;
      }
      *done = true;
    });
    run_until([done] { return *done; }, limit + 1s);
    return *result;
  }

  void set_writes(bool on) { writes_on_ = on; }
  const std::vector<Write>& committed() const { return committed_; }
  const std::vector<Write>& appended() const { return appended_; }
  // Epochs with their leaders (every node that ever became leader in them).
  const std::map<LeaderEpoch, std::set<sim::NodeId>>& leaders() const { return leaders_; }

  // --- Checks (empty string: the property held) -----------------------------------------
  // (a) at most one leader per epoch.
  std::string check_single_leader() const;
  // (b) two logs holding the same (offset, epoch) agree on every record up to it.
  std::string check_log_matching();
  // (c) every confirmed commit is, at its offset, in every state machine that reached it.
  std::string check_committed_survive() const;
  // (d) the state machines' sequences are prefixes of one another, and no offset was ever
  // applied with two values anywhere.
  std::string check_same_sequence() const;
  std::string check_all() {
    for (std::string v : {failure_.empty() ? std::string() : "invariant: " + failure_,
                          check_single_leader(), check_same_sequence(), check_committed_survive(),
                          check_log_matching()}) {
      if (!v.empty()) return v;
    }
    return "";
  }

 private:
  struct Node {
    sim::NodeId id;
    bool voter;
    RaftReplica* replica;
    std::shared_ptr<RecordingMachine> machine;
  };

  void node_main(std::size_t i);
  void writer(std::size_t i, RaftReplica& replica);
  void on_role_change(std::size_t i, RaftRole role, LeaderEpoch epoch);
  void on_apply(Offset offset, const std::string& value);

  RigOptions options_;
  std::vector<Node> nodes_;
  std::vector<sim::NodeId> voters_;
  std::vector<Write> appended_;
  std::vector<Write> committed_;
  std::map<LeaderEpoch, std::set<sim::NodeId>> leaders_;
  std::map<Offset, std::string> ever_applied_;
  std::vector<std::string> apply_conflicts_;
  bool writes_on_ = true;
  sim::RpcEndpoint* client_rpc_ = nullptr;
  int next_value_ = 0;
  std::string failure_;

  // Last, so it is destroyed first: fibers unwind while the rig they use still lives.
  sim::Simulation sim_;
};

}  // namespace samsa::cluster::raft::testing
