#include "cluster/log/producer_state.h"

#include <fmt/format.h>

#include <charconv>
#include <sstream>

#include "cluster/log/crc32c.h"
#include "sim/assert.h"

namespace samsa::cluster {

Sequence next_sequence(Sequence s) {
  return s.value() == INT32_MAX ? Sequence(0) : Sequence(s.value() + 1);
}

Sequence last_sequence_of(Sequence first, std::int32_t record_count) {
  SAMSA_ASSERT(record_count > 0, "a batch holds at least one record");
  const std::int64_t last = static_cast<std::int64_t>(first.value()) + record_count - 1;
  return Sequence(static_cast<std::int32_t>(last > INT32_MAX ? last - INT32_MAX - 1 : last));
}

SequenceCheck ProducerStateManager::check(ProducerId id, ProducerEpoch epoch, Sequence first,
                                          Sequence last) const {
  SequenceCheck result;
  if (id == kNoProducerId) return result;  // not idempotent: always append
  const auto it = producers_.find(id);
  if (it == producers_.end()) {
    // A producer we know nothing of may only start at sequence 0.
    if (first != Sequence(0)) result.error = ErrorCode::kUnknownProducerId;
    return result;
  }
  const ProducerEntry& entry = it->second;
  if (epoch < entry.epoch) {
    result.error = ErrorCode::kInvalidProducerEpoch;
    return result;
  }
  if (epoch > entry.epoch) {
    // A bumped epoch starts its sequences afresh.
    if (first != Sequence(0)) result.error = ErrorCode::kOutOfOrderSequenceNumber;
    return result;
  }
  for (const ProducerBatch& batch : entry.batches) {
    if (batch.first_sequence == first && batch.last_sequence == last) {
      result.duplicate_of = batch;
      return result;
    }
  }
  SAMSA_ASSERT(!entry.batches.empty(), "a known producer has retained batches");
  if (first != next_sequence(entry.batches.back().last_sequence)) {
    result.error = ErrorCode::kOutOfOrderSequenceNumber;
  }
  return result;
}

void ProducerStateManager::record(ProducerId id, ProducerEpoch epoch, const ProducerBatch& batch) {
  if (id == kNoProducerId) return;
  auto [it, inserted] = producers_.try_emplace(id, ProducerEntry{epoch, {}});
  ProducerEntry& entry = it->second;
  SAMSA_ASSERT(epoch >= entry.epoch,
               fmt::format("producer {} epoch went back from {} to {}", id, entry.epoch, epoch));
  if (epoch > entry.epoch) {
    entry.epoch = epoch;
    entry.batches.clear();
  }
  if (!entry.batches.empty()) {
    SAMSA_ASSERT(batch.first_offset > entry.batches.back().last_offset,
                 fmt::format("producer {} batch at offset {} is not after offset {}", id,
                             batch.first_offset, entry.batches.back().last_offset));
  }
  entry.batches.push_back(batch);
  while (entry.batches.size() > kBatchesRetained) entry.batches.pop_front();
}

void ProducerStateManager::truncate_to(Offset offset) {
  for (auto it = producers_.begin(); it != producers_.end();) {
    auto& batches = it->second.batches;
    while (!batches.empty() && batches.back().last_offset >= offset) batches.pop_back();
    it = batches.empty() ? producers_.erase(it) : std::next(it);
  }
}

void ProducerStateManager::truncate_head(Offset log_start) {
  for (auto it = producers_.begin(); it != producers_.end();) {
    auto& batches = it->second.batches;
    while (!batches.empty() && batches.front().last_offset < log_start) batches.pop_front();
    it = batches.empty() ? producers_.erase(it) : std::next(it);
  }
}

const ProducerEntry* ProducerStateManager::find(ProducerId id) const {
  const auto it = producers_.find(id);
  return it == producers_.end() ? nullptr : &it->second;
}

// Format: "producer-state 1", then per batch one line
// "<producer id> <epoch> <first seq> <last seq> <first offset> <last offset> <max ts>".
std::string ProducerStateManager::serialize() const {
  std::string out = "producer-state 1\n";
  for (const auto& [id, entry] : producers_) {
    for (const ProducerBatch& b : entry.batches) {
      out += fmt::format("{} {} {} {} {} {} {}\n", id, entry.epoch, b.first_sequence,
                         b.last_sequence, b.first_offset, b.last_offset, b.max_timestamp_ms);
    }
  }
  return out;
}

std::optional<ProducerStateManager> ProducerStateManager::parse(const std::string& text,
                                                                std::string* error) {
  std::istringstream in(text);
  std::string line;
  if (!std::getline(in, line) || line != "producer-state 1") {
    if (error) *error = "line 1: expected 'producer-state 1'";
    return std::nullopt;
  }
  ProducerStateManager state;
  for (int number = 2; std::getline(in, line); ++number) {
    std::istringstream fields(line);
    std::int64_t id, first_offset, last_offset, ts;
    std::int32_t epoch, first_seq, last_seq;
    if (!(fields >> id >> epoch >> first_seq >> last_seq >> first_offset >> last_offset >> ts) ||
        epoch < INT16_MIN || epoch > INT16_MAX || last_offset < first_offset) {
      if (error) *error = fmt::format("line {}: malformed producer batch '{}'", number, line);
      return std::nullopt;
    }
    const auto* known = state.find(ProducerId(id));
    if (known != nullptr && (ProducerEpoch(static_cast<std::int16_t>(epoch)) < known->epoch ||
                             Offset(first_offset) <= known->batches.back().last_offset)) {
      if (error) *error = fmt::format("line {}: batches out of order for producer {}", number, id);
      return std::nullopt;
    }
    state.record(
        ProducerId(id), ProducerEpoch(static_cast<std::int16_t>(epoch)),
        {Sequence(first_seq), Sequence(last_seq), Offset(first_offset), Offset(last_offset), ts});
  }
  return state;
}

namespace {

constexpr std::string_view kSnapshotMagic = "producer-snapshot";
constexpr int kSnapshotVersion = 1;

std::uint32_t crc_of(std::string_view text) {
  return crc32c(std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

// The next space-separated token of `line` as an integer.
template <class Int>
std::optional<Int> next_int(std::string_view& line) {
  const std::size_t space = line.find(' ');
  const std::string_view token = line.substr(0, space);
  line.remove_prefix(space == std::string_view::npos ? line.size() : space + 1);
  Int value{};
  const auto [ptr, ec] = std::from_chars(token.data(), token.data() + token.size(), value);
  if (token.empty() || ec != std::errc() || ptr != token.data() + token.size()) return std::nullopt;
  return value;
}

}  // namespace

std::string ProducerStateManager::encode_snapshot(Offset end_offset) const {
  SAMSA_ASSERT(end_offset >= Offset(0), "a snapshot covers a non-negative log end offset");
  const std::string body = serialize();
  return fmt::format("{} {} {} {}\n{}", kSnapshotMagic, kSnapshotVersion, end_offset, crc_of(body),
                     body);
}

std::optional<ProducerStateManager> ProducerStateManager::decode_snapshot(
    std::string_view text, Offset expected_end_offset, std::string* error) {
  const auto fail = [error](std::string what) -> std::optional<ProducerStateManager> {
    if (error) *error = std::move(what);
    return std::nullopt;
  };
  const std::size_t newline = text.find('\n');
  if (newline == std::string_view::npos) return fail("no header line");
  std::string_view header = text.substr(0, newline);
  const std::string_view body = text.substr(newline + 1);
  if (!header.starts_with(kSnapshotMagic) || header.size() <= kSnapshotMagic.size() ||
      header[kSnapshotMagic.size()] != ' ') {
    return fail("not a producer snapshot");
  }
  header.remove_prefix(kSnapshotMagic.size() + 1);
  const auto version = next_int<int>(header);
  const auto end_offset = next_int<std::int64_t>(header);
  const auto crc = next_int<std::uint32_t>(header);
  if (!version || *version != kSnapshotVersion) return fail("unsupported version");
  if (!end_offset || !crc || !header.empty()) return fail("malformed header");
  if (Offset(*end_offset) != expected_end_offset) {
    return fail(fmt::format("covers offset {}, named {}", *end_offset, expected_end_offset));
  }
  if (crc_of(body) != *crc) return fail("CRC32C mismatch");
  std::string parse_error;
  auto state = parse(std::string(body), &parse_error);
  if (!state) return fail(parse_error);
  for (const auto& [id, entry] : state->producers()) {
    if (entry.batches.back().last_offset >= expected_end_offset) {
      return fail(fmt::format("producer {} has a batch past offset {}", id, expected_end_offset));
    }
  }
  return state;
}

}  // namespace samsa::cluster
