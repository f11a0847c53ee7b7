#include "cluster/raft/snapshot_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <limits>

#include "cluster/log/byte_utils.h"
#include "cluster/log/crc32c.h"

namespace samsa::cluster::raft {

namespace {

constexpr std::uint32_t kMagic = 0x52534e50;  // "RSNP"
constexpr std::size_t kHeaderBytes = 4 + 8 + 4 + 4;
constexpr std::size_t kCrcBytes = 4;
constexpr std::string_view kSuffix = ".checkpoint";
constexpr std::string_view kTempSuffix = ".tmp";

std::optional<std::int64_t> parse_int(std::string_view text) {
  std::int64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

// "<end_offset>-<epoch>.checkpoint" -> the id; nullopt for any other name.
std::optional<SnapshotId> parse_name(std::string_view name) {
  if (name.size() <= kSuffix.size() || !name.ends_with(kSuffix)) return std::nullopt;
  name.remove_suffix(kSuffix.size());
  const std::size_t dash = name.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  const auto end = parse_int(name.substr(0, dash));
  const auto epoch = parse_int(name.substr(dash + 1));
  if (!end || !epoch || *end < 0 || *epoch < 0 || *epoch > std::numeric_limits<std::int32_t>::max()) {
    return std::nullopt;
  }
  return SnapshotId{Offset(*end), LeaderEpoch(static_cast<std::int32_t>(*epoch))};
}

}  // namespace

SnapshotStore::SnapshotStore(sim::Disk& disk, const std::string& dir)
    : disk_(disk), dir_(fmt::format("{}/snapshots", dir)) {}

std::string SnapshotStore::path_of(SnapshotId id) const {
  return fmt::format("{}/{}-{}{}", dir_, id.end_offset, id.epoch, kSuffix);
}

sim::Bytes SnapshotStore::encode(const Snapshot& snapshot) {
  SAMSA_ASSERT(snapshot.payload.size() <= kMaxPayloadBytes, "snapshot payload too large");
  sim::Bytes out;
  out.reserve(kHeaderBytes + snapshot.payload.size() + kCrcBytes);
  append_be<std::uint32_t>(out, kMagic);
  append_be<std::int64_t>(out, snapshot.id.end_offset.value());
  append_be<std::int32_t>(out, snapshot.id.epoch.value());
  append_be<std::uint32_t>(out, static_cast<std::uint32_t>(snapshot.payload.size()));
  out.insert(out.end(), snapshot.payload.begin(), snapshot.payload.end());
  append_be<std::uint32_t>(out, crc32c(out));
  return out;
}

std::optional<Snapshot> SnapshotStore::decode(std::span<const std::uint8_t> file,
                                              std::optional<SnapshotId> expected) {
  if (file.size() < kHeaderBytes + kCrcBytes) return std::nullopt;
  if (load_be<std::uint32_t>(file, 0) != kMagic) return std::nullopt;
  const auto length = load_be<std::uint32_t>(file, 16);
  if (length > kMaxPayloadBytes || file.size() != kHeaderBytes + length + kCrcBytes) {
    return std::nullopt;
  }
  const auto body = file.first(kHeaderBytes + length);
  if (load_be<std::uint32_t>(file, body.size()) != crc32c(body)) return std::nullopt;
  const Snapshot snapshot{
      SnapshotId{Offset(load_be<std::int64_t>(file, 4)), LeaderEpoch(load_be<std::int32_t>(file, 12))},
      sim::Bytes(body.begin() + kHeaderBytes, body.end())};
  if (snapshot.id.end_offset < Offset(0) || snapshot.id.epoch < LeaderEpoch(0)) return std::nullopt;
  if (expected && snapshot.id != *expected) return std::nullopt;
  return snapshot;
}

sim::Status<sim::IoError> SnapshotStore::write_file(SnapshotId id,
                                                    std::span<const std::uint8_t> file) {
  const std::string path = path_of(id);
  const std::string tmp = path + std::string(kTempSuffix);
  if (disk_.exists(tmp)) {
    if (auto st = disk_.remove(tmp); !st) return st;
  }
  if (auto st = disk_.create(tmp); !st) return st;
  if (auto st = disk_.write(tmp, 0, file); !st) return st;
  if (auto st = disk_.fsync(tmp); !st) return st;
  if (auto st = disk_.rename(tmp, path); !st) return st;
  return disk_.fsync_dir(dir_);
}

sim::Result<sim::Bytes, sim::IoError> SnapshotStore::read_file(SnapshotId id) {
  const std::string path = path_of(id);
  if (!disk_.exists(path)) return sim::Err(sim::IoError::kNotFound);
  return disk_.read(path, 0, kHeaderBytes + kMaxPayloadBytes + kCrcBytes);
}

std::vector<SnapshotId> SnapshotStore::list() const {
  std::vector<SnapshotId> ids;
  for (const std::string& name : disk_.list(dir_)) {
    if (ids.size() >= kMaxSnapshotFiles) break;
    if (const auto id = parse_name(name)) ids.push_back(*id);
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

sim::Result<std::optional<Snapshot>, sim::IoError> SnapshotStore::load_newest() {
  for (const std::string& name : disk_.list(dir_)) {
    if (!name.ends_with(kTempSuffix)) continue;
    if (auto st = disk_.remove(fmt::format("{}/{}", dir_, name)); !st) return sim::Err(st.error());
  }
  const std::vector<SnapshotId> ids = list();
  for (auto it = ids.rbegin(); it != ids.rend(); ++it) {
    auto file = read_file(*it);
    if (!file.ok()) return sim::Err(file.error());
    if (auto snapshot = decode(file.value(), *it)) return std::optional<Snapshot>(std::move(*snapshot));
  }
  return std::optional<Snapshot>();
}

sim::Status<sim::IoError> SnapshotStore::remove_older_than(SnapshotId keep) {
  bool removed = false;
  for (const SnapshotId& id : list()) {
    if (id >= keep) break;
    if (auto st = disk_.remove(path_of(id)); !st) return st;
    removed = true;
  }
  if (!removed) return sim::Unit{};
  return disk_.fsync_dir(dir_);
}

}  // namespace samsa::cluster::raft
