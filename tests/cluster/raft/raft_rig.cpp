#include "tests/cluster/raft/raft_rig.h"

namespace samsa::cluster::raft::testing {

void RaftRig::node_main(std::size_t i) {
  const sim::NodeId id = nodes_[i].id;
  sim::NodeEnv env(sim_, id);
  sim::RpcEndpoint rpc(sim_.network(), id);
  auto machine = std::make_shared<RecordingMachine>(
      [this](Offset offset, const std::string& value) { on_apply(offset, value); });
  nodes_[i].machine = machine;
  RaftConfig config;
  config.voters = voters_;
  config.on_role_change = [this, i](RaftRole role, LeaderEpoch epoch, std::optional<sim::NodeId>) {
    on_role_change(i, role, epoch);
  };
  if (options_.tweak) options_.tweak(config);
  if (options_.node_tweak) options_.node_tweak(i, config);
  RaftReplica replica(env, rpc, config, *machine);
  // The pointer the rig reads is cleared when this frame unwinds (a crash).
  struct Registration {
    Node& node;
    ~Registration() { node.replica = nullptr; }
  } registration{nodes_[i]};
  nodes_[i].replica = &replica;
  const auto started = replica.start();
  SAMSA_ASSERT(started.ok(), fmt::format("{} cannot start: {}", env.name(),
                                         started.ok() ? "" : raft_error_name(started.error())));
  if (nodes_[i].voter && options_.writers) {
    env.spawn("writer", [this, i, &replica] { writer(i, replica); });
  }
  rpc.serve([&replica](const sim::Envelope& request) { replica.handle(request); });
}

// One append at a time while this node is the ready leader; bounded by the process's life.
void RaftRig::writer(std::size_t i, RaftReplica& replica) {
  sim::NodeEnv env(sim_, nodes_[i].id);
  for (;;) {
    env.sleep_for(options_.write_interval);
    if (!writes_on_ || !replica.is_ready_leader()) continue;
    const std::string value = fmt::format("v{}", next_value_++);
    const LeaderEpoch epoch = replica.epoch();
    auto appended = replica.append({sim::Bytes(value.begin(), value.end())});
    if (!appended.ok()) continue;
    appended_.push_back({value, appended.value(), epoch, nodes_[i].id, sim_.now()});
    if (replica.wait_committed(appended.value(), epoch, 5s).ok()) {
      committed_.push_back({value, appended.value(), epoch, nodes_[i].id, sim_.now()});
    }
  }
}

void RaftRig::on_role_change(std::size_t i, RaftRole role, LeaderEpoch epoch) {
  if (role == RaftRole::kLeader) leaders_[epoch].insert(nodes_[i].id);
}

void RaftRig::on_apply(Offset offset, const std::string& value) {
  const auto [it, inserted] = ever_applied_.emplace(offset, value);
  if (!inserted && it->second != value) {
    apply_conflicts_.push_back(
        fmt::format("offset {} applied as '{}' and as '{}'", offset, it->second, value));
  }
}

std::string RaftRig::check_single_leader() const {
  for (const auto& entry : leaders_) {
    if (entry.second.size() > 1) {
      return fmt::format("(a) {} leaders in epoch {}", entry.second.size(), entry.first);
    }
  }
  return "";
}

std::string RaftRig::check_log_matching() {
  std::vector<std::vector<LoggedRecord>> logs;
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    if (auto log = read_log(i)) logs.push_back(std::move(*log));
  }
  for (std::size_t a = 0; a < logs.size(); ++a) {
    for (std::size_t b = a + 1; b < logs.size(); ++b) {
      // The highest offset both hold with the same epoch: everything both hold up to it
      // must be identical.
      std::map<Offset, const LoggedRecord*> in_b;
      for (const LoggedRecord& r : logs[b]) in_b[r.offset] = &r;
      std::optional<Offset> match;
      for (const LoggedRecord& r : logs[a]) {
        const auto it = in_b.find(r.offset);
        if (it != in_b.end() && it->second->epoch == r.epoch) match = r.offset;
      }
      if (!match) continue;
      for (const LoggedRecord& r : logs[a]) {
        if (r.offset > *match) break;
        const auto it = in_b.find(r.offset);
        if (it != in_b.end() && !(*it->second == r)) {
          return fmt::format("(b) logs agree on epoch at offset {} but differ at offset {}", *match,
                             r.offset);
        }
      }
    }
  }
  return "";
}

std::string RaftRig::check_committed_survive() const {
  for (const Write& w : committed_) {
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
      const RecordingMachine* m = machine(i);
      if (m == nullptr || m->applied().empty() || m->applied().back().offset < w.offset) continue;
      const std::optional<std::string> got = m->value_at(w.offset);
      if (got != w.value) {
        return fmt::format("(c) committed '{}' at offset {} (epoch {}) is '{}' on node {}", w.value,
                           w.offset, w.epoch, got.value_or("<nothing>"), node(i));
      }
    }
  }
  return "";
}

std::string RaftRig::check_same_sequence() const {
  if (!apply_conflicts_.empty()) return "(d) " + apply_conflicts_.front();
  for (std::size_t a = 0; a < nodes_.size(); ++a) {
    for (std::size_t b = 0; b < nodes_.size(); ++b) {
      const auto& x = machine(a)->applied();
      const auto& y = machine(b)->applied();
      if (x.size() > y.size() || !std::equal(x.begin(), x.end(), y.begin())) {
        if (y.size() <= x.size() && std::equal(y.begin(), y.end(), x.begin())) continue;
        return fmt::format("(d) nodes {} and {} applied diverging sequences", node(a), node(b));
      }
    }
  }
  return "";
}

}  // namespace samsa::cluster::raft::testing
