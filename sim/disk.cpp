#include "sim/disk.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "sim/assert.h"

namespace samsa::sim {

namespace {

constexpr std::uint64_t kWholeOp = std::numeric_limits<std::uint64_t>::max();

// Non-empty, no leading or trailing '/', no empty segment.
bool valid_path(std::string_view path) {
  return !path.empty() && path.front() != '/' && path.back() != '/' &&
         path.find("//") == std::string_view::npos;
}

// The directory "" (the root) or a valid path.
bool valid_dir(std::string_view dir) {
  return dir.empty() || valid_path(dir);
}

// Calls f(name, rest, inode) for every name under dir at any depth, in name order; `rest`
// is the name without "dir/".
template <class F>
void for_each_under(const std::map<std::string, std::uint64_t>& names, const std::string& dir,
                    F&& f) {
  const std::string prefix = dir.empty() ? std::string() : dir + "/";
  for (auto it = names.lower_bound(prefix); it != names.end() && it->first.starts_with(prefix);
       ++it) {
    f(it->first, std::string_view(it->first).substr(prefix.size()), it->second);
  }
}

bool is_direct_child(std::string_view rest) {
  return rest.find('/') == std::string_view::npos;
}

std::uint64_t op_digest(std::string_view op, std::string_view path, std::uint64_t offset,
                        std::uint64_t length) {
  return mix64(fnv1a64(path, fnv1a64(op)) ^ mix64(offset ^ mix64(length)));
}

}  // namespace

std::string_view io_error_name(IoError error) {
  switch (error) {
    case IoError::kNotFound:
      return "not-found";
    case IoError::kExists:
      return "exists";
    case IoError::kDiskFull:
      return "disk-full";
    case IoError::kIoError:
      return "io-error";
    case IoError::kInvalidArgument:
      return "invalid-argument";
  }
  return "unknown";
}

Disk::Disk(Kernel& kernel, NodeId node, Rng rng, DiskConfig config)
    : kernel_(kernel),
      node_(node),
      latency_rng_(rng.fork("latency")),
      error_rng_(rng.fork("errors")),
      fault_rng_(rng.fork("faults")),
      config_(config),
      capacity_bytes_(config.capacity_bytes) {
  SAMSA_ASSERT(node.valid() && node.value() < kernel.node_count(), "a disk of an unknown node");
  SAMSA_ASSERT(config.latency_jitter >= 0.0 && config.latency_jitter <= 1.0,
               "latency_jitter must lie in [0, 1]");
  SAMSA_ASSERT(config.torn_write_probability >= 0.0 && config.torn_write_probability <= 1.0,
               "torn_write_probability must lie in [0, 1]");
}

// --- The shape of every I/O op --------------------------------------------------------------

template <class T, class Apply>
Result<T, IoError> Disk::io(const OpInfo& op, Duration base_latency, Apply&& apply) {
  kernel_.check_alive();
  SAMSA_ASSERT(
      kernel_.current_fiber() != nullptr && kernel_.current_node() == node_,
      fmt::format("disk I/O on {} from outside a fiber of that node", kernel_.node_name(node_)));
  // A crash during the sleep throws FiberKilled out of it: the op never happened.
  // determinism-ok: virtual-time latency drawn from the disk's seeded stream
  kernel_.sleep_for(latency(base_latency));
  // A fiber unwinding from a crash (an op issued by a destructor) does not block in the
  // sleep and must not act either.
  if (kernel_.current_is_killed()) return Err{IoError::kIoError};
  if (error_rng_.bernoulli(error_probability_)) {
    ++stats_.errors;
    record(op, IoError::kIoError);
    return Err{IoError::kIoError};
  }
  Result<T, IoError> result = apply();
  if (result.ok()) {
    record(op, std::nullopt);
  } else {
    if (result.error() == IoError::kDiskFull) ++stats_.errors;
    record(op, result.error());
  }
  return result;
}

void Disk::record(const OpInfo& op, std::optional<IoError> error) {
  const bool fault = error == IoError::kIoError || error == IoError::kDiskFull;
  std::uint64_t digest = op_digest(op.name, op.path, op.offset, op.length);
  if (error) digest ^= mix64(0x100 + static_cast<std::uint64_t>(*error));
  kernel_.trace().record(
      kernel_.now(), node_, fault ? EventKind::kDiskError : op.kind, digest, [&] {
        return fmt::format("{} {} @{} +{}{}{}", op.name, op.path, op.offset, op.length,
                           error ? " " : "", error ? io_error_name(*error) : "");
      });
}

void Disk::record_fault(std::string_view what, std::string_view path, std::uint64_t a,
                        std::uint64_t b) {
  kernel_.trace().record(kernel_.now(), node_, EventKind::kFault, op_digest(what, path, a, b),
                         [&] { return fmt::format("disk {} {} {} {}", what, path, a, b); });
}

Duration Disk::latency(Duration base) {
  double factor = latency_factor_;
  const double j = config_.latency_jitter;
  if (j > 0.0) factor *= latency_rng_.uniform_real(1.0 - j, 1.0 + j);
  return Duration{std::llround(static_cast<double>(base.count()) * factor)};
}

// --- I/O --------------------------------------------------------------------------------------

Status<IoError> Disk::create(const std::string& path) {
  return io<Unit>({EventKind::kDiskMeta, "create", path}, config_.metadata_latency,
                  [&]() -> Status<IoError> {
                    if (!valid_path(path)) return Err{IoError::kInvalidArgument};
                    if (current_names_.contains(path)) return Err{IoError::kExists};
                    const InodeId id = next_inode_++;
                    inodes_.emplace(id, Inode{});
                    bind(View::kCurrent, path, id);
                    return Unit{};
                  });
}

Status<IoError> Disk::write(const std::string& path, std::uint64_t offset,
                            std::span<const std::uint8_t> data) {
  return io<Unit>({EventKind::kDiskWrite, "write", path, offset, data.size()},
                  config_.write_latency, [&]() -> Status<IoError> {
                    Inode* inode = find(path);
                    if (inode == nullptr) return Err{IoError::kNotFound};
                    return write_at(*inode, offset, data);
                  });
}

Result<std::uint64_t, IoError> Disk::append(const std::string& path,
                                            std::span<const std::uint8_t> data) {
  return io<std::uint64_t>({EventKind::kDiskWrite, "append", path, 0, data.size()},
                           config_.write_latency, [&]() -> Result<std::uint64_t, IoError> {
                             Inode* inode = find(path);
                             if (inode == nullptr) return Err{IoError::kNotFound};
                             const std::uint64_t offset = inode->current.size();
                             Status<IoError> written = write_at(*inode, offset, data);
                             if (!written) return Err{written.error()};
                             return offset;
                           });
}

Result<Bytes, IoError> Disk::read(const std::string& path, std::uint64_t offset,
                                  std::uint64_t length) {
  return io<Bytes>({EventKind::kDiskRead, "read", path, offset, length}, config_.read_latency,
                   [&]() -> Result<Bytes, IoError> {
                     const Inode* inode = find(path);
                     if (inode == nullptr) return Err{IoError::kNotFound};
                     const Bytes& content = inode->current;
                     const std::uint64_t begin = std::min<std::uint64_t>(offset, content.size());
                     const std::uint64_t n = std::min(length, content.size() - begin);
                     ++stats_.reads;
                     stats_.bytes_read += n;
                     const auto first = content.begin() + static_cast<std::ptrdiff_t>(begin);
                     return Bytes(first, first + static_cast<std::ptrdiff_t>(n));
                   });
}

Result<std::uint64_t, IoError> Disk::size(const std::string& path) {
  return io<std::uint64_t>({EventKind::kDiskMeta, "size", path}, config_.read_latency,
                           [&]() -> Result<std::uint64_t, IoError> {
                             const Inode* inode = find(path);
                             if (inode == nullptr) return Err{IoError::kNotFound};
                             return std::uint64_t{inode->current.size()};
                           });
}

Status<IoError> Disk::truncate(const std::string& path, std::uint64_t new_size) {
  return io<Unit>({EventKind::kDiskMeta, "truncate", path, new_size}, config_.metadata_latency,
                  [&]() -> Status<IoError> {
                    Inode* inode = find(path);
                    if (inode == nullptr) return Err{IoError::kNotFound};
                    const std::uint64_t old_size = inode->current.size();
                    if (new_size > old_size && !fits(new_size - old_size)) {
                      return Err{IoError::kDiskFull};
                    }
                    PendingOp op{.is_truncate = true, .offset = new_size, .data = {}};
                    apply_op(inode->current, op, kWholeOp);
                    inode->unsynced.push_back(std::move(op));
                    used_bytes_ = used_bytes_ - old_size + new_size;
                    return Unit{};
                  });
}

Status<IoError> Disk::rename(const std::string& from, const std::string& to) {
  const std::string label = from + " -> " + to;
  return io<Unit>({EventKind::kDiskMeta, "rename", label}, config_.metadata_latency,
                  [&]() -> Status<IoError> {
                    if (!valid_path(from) || !valid_path(to)) {
                      return Err{IoError::kInvalidArgument};
                    }
                    const auto it = current_names_.find(from);
                    if (it == current_names_.end()) return Err{IoError::kNotFound};
                    if (from == to) return Unit{};
                    const InodeId id = it->second;
                    bind(View::kCurrent, to, id);  // first, so the inode is never unreferenced
                    unbind(View::kCurrent, from);
                    SAMSA_ASSERT(inodes_.at(id).current_refs == 1, "a file with two names");
                    return Unit{};
                  });
}

Status<IoError> Disk::remove(const std::string& path) {
  return io<Unit>({EventKind::kDiskMeta, "remove", path}, config_.metadata_latency,
                  [&]() -> Status<IoError> {
                    if (!current_names_.contains(path)) return Err{IoError::kNotFound};
                    unbind(View::kCurrent, path);
                    return Unit{};
                  });
}

Status<IoError> Disk::fsync(const std::string& path) {
  return io<Unit>({EventKind::kDiskFsync, "fsync", path}, config_.fsync_latency,
                  [&]() -> Status<IoError> {
                    Inode* inode = find(path);
                    if (inode == nullptr) return Err{IoError::kNotFound};
                    for (const PendingOp& op : inode->unsynced) {
                      apply_op(inode->durable, op, kWholeOp);
                    }
                    inode->unsynced.clear();
                    SAMSA_ASSERT(inode->durable.size() == inode->current.size(),
                                 "fsync left the durable size different from the current size");
                    ++stats_.fsyncs;
                    return Unit{};
                  });
}

Status<IoError> Disk::fsync_dir(const std::string& dir) {
  return io<Unit>({EventKind::kDiskMeta, "fsync_dir", dir}, config_.metadata_latency,
                  [&]() -> Status<IoError> {
                    if (!valid_dir(dir)) return Err{IoError::kInvalidArgument};
                    sync_dir_names(dir);
                    ++stats_.fsyncs;
                    return Unit{};
                  });
}

// --- Metadata reads -------------------------------------------------------------------------

bool Disk::exists(const std::string& path) const {
  return current_names_.contains(path);
}

std::vector<std::string> Disk::list(const std::string& dir) const {
  std::vector<std::string> names;
  for_each_under(current_names_, dir, [&](const std::string&, std::string_view rest, InodeId) {
    if (is_direct_child(rest)) names.emplace_back(rest);
  });
  return names;
}

std::vector<std::string> Disk::list_dirs(const std::string& dir) const {
  std::vector<std::string> dirs;
  for_each_under(current_names_, dir, [&](const std::string&, std::string_view rest, InodeId) {
    const std::size_t slash = rest.find('/');
    if (slash == std::string_view::npos) return;
    const std::string_view sub = rest.substr(0, slash);
    if (dirs.empty() || dirs.back() != sub) dirs.emplace_back(sub);
  });
  // Names under one subdirectory are contiguous, but "b-c/" sorts before "b/".
  std::sort(dirs.begin(), dirs.end());
  dirs.erase(std::unique(dirs.begin(), dirs.end()), dirs.end());
  return dirs;
}

std::optional<Bytes> Disk::peek(const std::string& path) const {
  const auto it = current_names_.find(path);
  if (it == current_names_.end()) return std::nullopt;
  return inodes_.at(it->second).current;
}

std::optional<Bytes> Disk::peek_durable(const std::string& path) const {
  const auto it = durable_names_.find(path);
  if (it == durable_names_.end()) return std::nullopt;
  return inodes_.at(it->second).durable;
}

std::size_t Disk::unsynced_ops(const std::string& path) const {
  const auto it = current_names_.find(path);
  return it == current_names_.end() ? 0 : inodes_.at(it->second).unsynced.size();
}

// --- Faults ---------------------------------------------------------------------------------

void Disk::power_loss() {
  SAMSA_ASSERT(!kernel_.is_up(node_), "power_loss while the node is up (crash it first)");
  current_names_ = durable_names_;
  for (auto& [id, inode] : inodes_) inode.current_refs = 0;
  for (const auto& [name, id] : current_names_) ++inodes_.at(id).current_refs;
  std::erase_if(inodes_, [](const auto& entry) { return entry.second.durable_refs == 0; });
  for (auto& [id, inode] : inodes_) lose_unsynced(inode);  // ascending id: a stable order
  recompute_used_bytes();
  ++stats_.power_losses;
  kernel_.trace().record(kernel_.now(), node_, EventKind::kPowerLoss, stats_.power_losses);
}

void Disk::lose_unsynced(Inode& inode) {
  if (inode.unsynced.empty()) {
    SAMSA_ASSERT(inode.current == inode.durable, "a file without unsynced ops differs from disk");
    return;
  }
  if (fault_rng_.bernoulli(config_.torn_write_probability)) {
    const std::uint64_t k = fault_rng_.below(inode.unsynced.size());
    for (std::uint64_t i = 0; i < k; ++i) apply_op(inode.durable, inode.unsynced[i], kWholeOp);
    const PendingOp& cut = inode.unsynced[k];
    if (!cut.is_truncate) apply_op(inode.durable, cut, fault_rng_.below(cut.data.size()));
    ++stats_.torn_writes;
  }
  inode.current = inode.durable;
  inode.unsynced.clear();
}

void Disk::corrupt(const std::string& path, std::uint64_t offset, std::uint64_t length) {
  auto named = current_names_.find(path);
  if (named == current_names_.end()) {
    named = durable_names_.find(path);
    if (named == durable_names_.end()) return;
  }
  Inode& inode = inodes_.at(named->second);
  const std::uint64_t extent = std::max(inode.current.size(), inode.durable.size());
  if (offset >= extent || length == 0) return;
  const std::uint64_t end = offset + std::min(length, extent - offset);
  Bytes mask(end - offset);
  for (std::uint8_t& m : mask) m = static_cast<std::uint8_t>(1u << fault_rng_.below(8));
  // Flips the bytes of [offset, end) that `bytes`, holding file offsets from `base`, has.
  const auto flip = [&](Bytes& bytes, std::uint64_t base) {
    const std::uint64_t lo = std::max(offset, base);
    const std::uint64_t hi = std::min(end, base + bytes.size());
    for (std::uint64_t x = lo; x < hi; ++x) bytes[x - base] ^= mask[x - offset];
  };
  flip(inode.durable, 0);
  Bytes replayed = inode.durable;
  for (PendingOp& op : inode.unsynced) {
    if (!op.is_truncate) flip(op.data, op.offset);
    apply_op(replayed, op, kWholeOp);
  }
  SAMSA_ASSERT(replayed.size() == inode.current.size(), "unsynced ops do not replay to the cache");
  inode.current = std::move(replayed);
  ++stats_.corruptions;
  record_fault("corrupt", path, offset, end - offset);
}

void Disk::set_capacity(std::uint64_t bytes) {
  capacity_bytes_ = bytes;
  record_fault("capacity", "", bytes, used_bytes_);
}

void Disk::set_latency_factor(double factor) {
  SAMSA_ASSERT(factor > 0.0, "a latency factor must be positive");
  latency_factor_ = factor;
  record_fault("latency-factor", "", static_cast<std::uint64_t>(std::llround(factor * 1e6)), 0);
}

void Disk::set_error_probability(double p) {
  SAMSA_ASSERT(p >= 0.0 && p <= 1.0, "an error probability must lie in [0, 1]");
  error_probability_ = p;
  record_fault("error-probability", "", static_cast<std::uint64_t>(std::llround(p * 1e6)), 0);
}

// --- Internals ------------------------------------------------------------------------------

Disk::Inode* Disk::find(const std::string& path) {
  const auto it = current_names_.find(path);
  return it == current_names_.end() ? nullptr : &inodes_.at(it->second);
}

bool Disk::fits(std::uint64_t growth) const {
  return growth == 0 || (used_bytes_ <= capacity_bytes_ && growth <= capacity_bytes_ - used_bytes_);
}

Status<IoError> Disk::write_at(Inode& inode, std::uint64_t offset,
                               std::span<const std::uint8_t> data) {
  if (data.empty()) return Unit{};
  if (offset > kWholeOp - data.size()) return Err{IoError::kInvalidArgument};
  const std::uint64_t old_size = inode.current.size();
  const std::uint64_t end = offset + data.size();
  const std::uint64_t growth = end > old_size ? end - old_size : 0;
  if (!fits(growth)) return Err{IoError::kDiskFull};
  PendingOp op{.is_truncate = false, .offset = offset, .data = Bytes(data.begin(), data.end())};
  apply_op(inode.current, op, kWholeOp);
  inode.unsynced.push_back(std::move(op));
  used_bytes_ += growth;  // the inode was found through the current map
  ++stats_.writes;
  stats_.bytes_written += data.size();
  return Unit{};
}

void Disk::apply_op(Bytes& content, const PendingOp& op, std::uint64_t write_prefix) {
  if (op.is_truncate) {
    content.resize(op.offset);
    return;
  }
  const std::uint64_t n = std::min<std::uint64_t>(write_prefix, op.data.size());
  if (n == 0) return;
  if (content.size() < op.offset + n) content.resize(op.offset + n);
  std::copy_n(op.data.begin(), n, content.begin() + static_cast<std::ptrdiff_t>(op.offset));
}

void Disk::bind(View view, const std::string& name, InodeId id) {
  NameMap& names = view == View::kCurrent ? current_names_ : durable_names_;
  const auto it = names.find(name);
  if (it != names.end()) {
    if (it->second == id) return;
    unbind(view, name);
  }
  names.emplace(name, id);
  Inode& inode = inodes_.at(id);
  if (view == View::kDurable) {
    ++inode.durable_refs;
  } else if (inode.current_refs++ == 0) {
    used_bytes_ += inode.current.size();
  }
}

void Disk::unbind(View view, const std::string& name) {
  NameMap& names = view == View::kCurrent ? current_names_ : durable_names_;
  const auto it = names.find(name);
  SAMSA_ASSERT(it != names.end(), fmt::format("unbind of '{}', which is not bound", name));
  const InodeId id = it->second;
  names.erase(it);
  Inode& inode = inodes_.at(id);
  std::uint32_t& refs = view == View::kCurrent ? inode.current_refs : inode.durable_refs;
  SAMSA_ASSERT(refs > 0, "an inode's reference count went negative");
  --refs;
  if (view == View::kCurrent && refs == 0) used_bytes_ -= inode.current.size();
  release_if_unreferenced(id);
}

void Disk::release_if_unreferenced(InodeId id) {
  const auto it = inodes_.find(id);
  if (it != inodes_.end() && it->second.current_refs == 0 && it->second.durable_refs == 0) {
    inodes_.erase(it);
  }
}

// Makes the current entries directly in dir durable (see the model in disk.h).
void Disk::sync_dir_names(const std::string& dir) {
  std::vector<std::string> gone;
  for_each_under(
      durable_names_, dir, [&](const std::string& name, std::string_view rest, InodeId id) {
        const auto cur = current_names_.find(name);
        if (is_direct_child(rest) && (cur == current_names_.end() || cur->second != id)) {
          gone.push_back(name);
        }
      });
  for (const std::string& name : gone) unbind(View::kDurable, name);
  std::vector<std::pair<std::string, InodeId>> added;
  for_each_under(current_names_, dir,
                 [&](const std::string& name, std::string_view rest, InodeId id) {
                   if (is_direct_child(rest) && !durable_names_.contains(name))
                     added.emplace_back(name, id);
                 });
  std::vector<InodeId> bound;
  for (const auto& [name, id] : added) {
    bind(View::kDurable, name, id);
    bound.push_back(id);
  }
  drop_stale_durable_names(bound);
}

// A file newly bound in the durable map by fsync_dir loses its other durable names: they
// are the sources of renames whose target directory was just synced.
void Disk::drop_stale_durable_names(std::vector<InodeId> bound) {
  if (bound.empty()) return;
  std::sort(bound.begin(), bound.end());
  std::vector<std::string> stale;
  for (const auto& [name, id] : durable_names_) {
    if (!std::binary_search(bound.begin(), bound.end(), id)) continue;
    const auto cur = current_names_.find(name);
    if (cur == current_names_.end() || cur->second != id) stale.push_back(name);
  }
  for (const std::string& name : stale) unbind(View::kDurable, name);
}

void Disk::recompute_used_bytes() {
  used_bytes_ = 0;
  for (const auto& [id, inode] : inodes_) {
    if (inode.current_refs > 0) used_bytes_ += inode.current.size();
  }
}

}  // namespace samsa::sim
