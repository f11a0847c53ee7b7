// Kafka's primitive encodings (org.apache.kafka.common.utils.ByteUtils): big-endian
// fixed-width integers, and zigzag varints (at most 5 bytes) and varlongs (at most 10
// bytes) as in protobuf. Used by the record batch codec (record_batch.h). Writers append to
// a Bytes buffer; ByteReader never reads past its span and reports a short or malformed
// input as nullopt, never as a value.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <type_traits>
#include <vector>

#include "sim/assert.h"

namespace samsa::cluster {

using Bytes = std::vector<std::uint8_t>;  // the same type as sim::Bytes (sim/disk.h)

// --- Fixed width, big-endian ---

// Reads a T at bytes[pos, pos + sizeof(T)); the range must lie inside `bytes`.
template <std::integral T>
T load_be(std::span<const std::uint8_t> bytes, std::size_t pos) {
  SAMSA_ASSERT(pos <= bytes.size() && bytes.size() - pos >= sizeof(T), "load_be out of bounds");
  std::make_unsigned_t<T> v = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i) {
    v = static_cast<std::make_unsigned_t<T>>((v << 8) | bytes[pos + i]);
  }
  return static_cast<T>(v);
}

// Writes `value` at bytes[pos, pos + sizeof(T)); the range must lie inside `bytes`.
template <std::integral T>
void store_be(std::span<std::uint8_t> bytes, std::size_t pos, T value) {
  SAMSA_ASSERT(pos <= bytes.size() && bytes.size() - pos >= sizeof(T), "store_be out of bounds");
  auto v = static_cast<std::make_unsigned_t<T>>(value);
  for (std::size_t i = sizeof(T); i-- > 0;) {
    bytes[pos + i] = static_cast<std::uint8_t>(v & 0xFFu);
    v = static_cast<std::make_unsigned_t<T>>(v >> 8);
  }
}

template <std::integral T>
void append_be(Bytes& out, T value) {
  out.resize(out.size() + sizeof(T));
  store_be<T>(out, out.size() - sizeof(T), value);
}

// --- Zigzag varints ---

// Zigzag maps small magnitudes of either sign to small unsigned numbers:
// 0 -> 0, -1 -> 1, 1 -> 2, -2 -> 3, ..., INT64_MIN -> UINT64_MAX.
constexpr std::uint64_t zigzag_encode(std::int64_t v) {
  return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}
constexpr std::int64_t zigzag_decode(std::uint64_t u) {
  return static_cast<std::int64_t>((u >> 1) ^ (0 - (u & 1)));
}

inline constexpr std::size_t kMaxVarintBytes = 5;
inline constexpr std::size_t kMaxVarlongBytes = 10;

void append_varint(Bytes& out, std::int32_t value);
void append_varlong(Bytes& out, std::int64_t value);
std::size_t varint_size(std::int32_t value);
std::size_t varlong_size(std::int64_t value);

// A read cursor over a span. Each read either succeeds and advances, or returns nullopt
// and leaves the position where it was; nothing is ever read outside the span.
class ByteReader {
 public:
  explicit ByteReader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}

  std::optional<std::int8_t> read_int8();
  // nullopt if the input ends inside the number or it runs past 5 (varint) or 10
  // (varlong) bytes or its last byte carries bits beyond 32 (64).
  std::optional<std::int32_t> read_varint();
  std::optional<std::int64_t> read_varlong();
  // The next `length` bytes, as a view into the reader's span.
  std::optional<std::span<const std::uint8_t>> read_bytes(std::size_t length);

  std::size_t position() const { return pos_; }
  std::size_t remaining() const { return bytes_.size() - pos_; }

 private:
  std::optional<std::uint64_t> read_unsigned_varint(std::size_t max_bytes, int value_bits);

  std::span<const std::uint8_t> bytes_;
  std::size_t pos_ = 0;
};

}  // namespace samsa::cluster
