#include "cluster/log/checkpoint_file.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <charconv>
#include <optional>
#include <utility>

#include "sim/assert.h"

namespace samsa::cluster {
namespace {

using sim::Err;
using sim::IoError;

CheckpointError io_failure(const std::string& path, std::string_view op, IoError error) {
  const auto kind =
      error == IoError::kNotFound ? CheckpointErrorKind::kNotFound : CheckpointErrorKind::kIo;
  return CheckpointError{kind,
                         fmt::format("{}: {} failed: {}", path, op, sim::io_error_name(error))};
}

CheckpointError malformed(std::string_view path, std::size_t line, std::string_view what) {
  return CheckpointError{CheckpointErrorKind::kMalformed,
                         fmt::format("{}: line {}: {}", path, line, what)};
}

// A whole token as a signed 64-bit integer (no sign '+', no spaces, no trailing bytes).
std::optional<std::int64_t> parse_int(std::string_view token) {
  std::int64_t value = 0;
  const char* end = token.data() + token.size();
  const auto [ptr, ec] = std::from_chars(token.data(), end, value);
  if (token.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

// Splits `text` into lines; every line, the last included, must end in '\n'.
std::optional<std::vector<std::string_view>> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    if (nl == std::string_view::npos) return std::nullopt;
    lines.push_back(text.substr(0, nl));
    text.remove_prefix(nl + 1);
  }
  return lines;
}

}  // namespace

std::string_view checkpoint_error_kind_name(CheckpointErrorKind kind) {
  switch (kind) {
    case CheckpointErrorKind::kNotFound:
      return "not-found";
    case CheckpointErrorKind::kIo:
      return "io";
    case CheckpointErrorKind::kMalformed:
      return "malformed";
  }
  return "?";
}

std::string parent_dir(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

CheckpointFile::CheckpointFile(sim::Disk& disk, std::string path, std::size_t fields_per_entry)
    : disk_(&disk), path_(std::move(path)), fields_per_entry_(fields_per_entry) {
  SAMSA_ASSERT(fields_per_entry_ > 0, "a checkpoint entry has at least one field");
  SAMSA_ASSERT(!path_.empty() && path_.back() != '/', "a checkpoint needs a file path");
}

std::string CheckpointFile::encode(std::span<const CheckpointEntry> entries) {
  std::string text = fmt::format("{}\n{}\n", kVersion, entries.size());
  for (const CheckpointEntry& entry : entries) {
    SAMSA_ASSERT(!entry.empty(), "a checkpoint entry has at least one field");
    text += fmt::format("{}\n", fmt::join(entry, " "));
  }
  return text;
}

sim::Result<std::vector<CheckpointEntry>, CheckpointError> CheckpointFile::decode(
    std::string_view text, std::size_t fields_per_entry, std::string_view path) {
  const auto lines = split_lines(text);
  if (!lines) return Err{malformed(path, 0, "the last line does not end in a newline")};
  if (lines->size() < 2) return Err{malformed(path, lines->size() + 1, "missing header line")};
  const auto version = parse_int((*lines)[0]);
  if (!version || *version != kVersion) {
    return Err{malformed(path, 1, fmt::format("unsupported version '{}'", (*lines)[0]))};
  }
  const auto count = parse_int((*lines)[1]);
  if (!count || *count < 0 || static_cast<std::uint64_t>(*count) != lines->size() - 2) {
    return Err{malformed(
        path, 2, fmt::format("count '{}' but {} entry lines", (*lines)[1], lines->size() - 2))};
  }
  std::vector<CheckpointEntry> entries;
  entries.reserve(lines->size() - 2);
  for (std::size_t i = 2; i < lines->size(); ++i) {
    const std::string_view line = (*lines)[i];
    CheckpointEntry entry;
    // Fields are separated by single spaces; an empty field (a leading, trailing or doubled
    // space) does not parse. Bounded: `start` moves past a space on every pass.
    for (std::size_t start = 0;;) {
      const std::size_t space = line.find(' ', start);
      const auto value = parse_int(line.substr(
          start, space == std::string_view::npos ? std::string_view::npos : space - start));
      if (!value) return Err{malformed(path, i + 1, fmt::format("bad entry '{}'", line))};
      entry.push_back(*value);
      if (space == std::string_view::npos) break;
      start = space + 1;
    }
    if (entry.size() != fields_per_entry) {
      return Err{malformed(
          path, i + 1, fmt::format("entry '{}' does not have {} fields", line, fields_per_entry))};
    }
    entries.push_back(std::move(entry));
  }
  return entries;
}

sim::Status<CheckpointError> CheckpointFile::write(std::span<const CheckpointEntry> entries) {
  for (const CheckpointEntry& entry : entries) {
    SAMSA_ASSERT(entry.size() == fields_per_entry_, "checkpoint entry of the wrong width");
  }
  const std::string text = encode(entries);
  SAMSA_ASSERT(text.size() <= kMaxFileBytes, "checkpoint too large");
  return write_file_atomically(*disk_, path_, text);
}

sim::Result<std::vector<CheckpointEntry>, CheckpointError> CheckpointFile::read() const {
  auto text = read_whole_file(*disk_, path_, kMaxFileBytes);
  if (!text) return Err{text.error()};
  return decode(text.value(), fields_per_entry_, path_);
}

sim::Status<CheckpointError> write_file_atomically(sim::Disk& disk, const std::string& path,
                                                   std::string_view text) {
  const std::string tmp = path + ".tmp";
  // A leftover from a write that a crash interrupted: never renamed, so never visible.
  if (disk.exists(tmp)) {
    if (auto st = disk.remove(tmp); !st) return Err{io_failure(tmp, "remove", st.error())};
  }
  if (auto st = disk.create(tmp); !st) return Err{io_failure(tmp, "create", st.error())};
  const auto* data = reinterpret_cast<const std::uint8_t*>(text.data());
  if (auto st = disk.write(tmp, 0, std::span(data, text.size())); !st) {
    return Err{io_failure(tmp, "write", st.error())};
  }
  // The data must be on the medium before the new name can be: otherwise a power loss
  // after the directory sync could leave <path> naming a torn or empty file.
  if (auto st = disk.fsync(tmp); !st) return Err{io_failure(tmp, "fsync", st.error())};
  if (auto st = disk.rename(tmp, path); !st) return Err{io_failure(path, "rename", st.error())};
  if (auto st = disk.fsync_dir(parent_dir(path)); !st) {
    return Err{io_failure(path, "fsync_dir", st.error())};
  }
  return sim::Unit{};
}

sim::Result<std::string, CheckpointError> read_whole_file(sim::Disk& disk, const std::string& path,
                                                          std::uint64_t max_bytes) {
  auto size = disk.size(path);
  if (!size) return Err{io_failure(path, "size", size.error())};
  if (size.value() > max_bytes) {
    return Err{malformed(path, 0, fmt::format("{} bytes is too large", size.value()))};
  }
  auto bytes = disk.read(path, 0, size.value());
  if (!bytes) return Err{io_failure(path, "read", bytes.error())};
  const sim::Bytes& b = bytes.value();
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

}  // namespace samsa::cluster
