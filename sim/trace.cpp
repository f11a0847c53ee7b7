#include "sim/trace.h"

#include <fmt/format.h>

namespace samsa::sim {

std::string_view event_kind_name(EventKind kind) {
  switch (kind) {
    case EventKind::kSpawn: return "spawn";
    case EventKind::kResume: return "resume";
    case EventKind::kWake: return "wake";
    case EventKind::kCallback: return "callback";
    case EventKind::kSend: return "send";
    case EventKind::kDeliver: return "deliver";
    case EventKind::kDrop: return "drop";
    case EventKind::kDuplicate: return "duplicate";
    case EventKind::kDiskRead: return "disk-read";
    case EventKind::kDiskWrite: return "disk-write";
    case EventKind::kDiskFsync: return "disk-fsync";
    case EventKind::kDiskMeta: return "disk-meta";
    case EventKind::kDiskError: return "disk-error";
    case EventKind::kCrash: return "crash";
    case EventKind::kRestart: return "restart";
    case EventKind::kPause: return "pause";
    case EventKind::kResumeNode: return "resume-node";
    case EventKind::kPowerLoss: return "power-loss";
    case EventKind::kFault: return "fault";
    case EventKind::kClock: return "clock";
    case EventKind::kBuggify: return "buggify";
    case EventKind::kFailure: return "failure";
    case EventKind::kNote: return "note";
  }
  return "unknown";
}

Trace::~Trace() {
  if (file_ != nullptr) std::fclose(file_);
}

bool Trace::open_file(const std::string& path) {
  if (file_ != nullptr) std::fclose(file_);
  file_ = std::fopen(path.c_str(), "w");
  return file_ != nullptr;
}

void Trace::set_node_name(NodeId node, std::string name) {
  if (node_names_.size() <= node.value()) node_names_.resize(node.value() + 1);
  node_names_[node.value()] = std::move(name);
}

std::string Trace::hash_hex() const { return fmt::format("{:016x}", hash_); }

void Trace::write_line(SimTime t, NodeId node, EventKind kind, std::uint64_t digest,
                       const std::string& detail) {
  std::string_view name = "-";
  if (node.valid() && node.value() < node_names_.size()) name = node_names_[node.value()];
  const std::string line =
      fmt::format("{} {} {} {} {:016x} {:016x}{}{}\n", events_, format_time(t), name,
                  event_kind_name(kind), digest, hash_, detail.empty() ? "" : " ", detail);
  std::fwrite(line.data(), 1, line.size(), file_);
}

}  // namespace samsa::sim
