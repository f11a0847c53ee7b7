#include "cluster/log/byte_utils.h"

namespace samsa::cluster {
namespace {

void append_unsigned_varint(Bytes& out, std::uint64_t u) {
  while (u >= 0x80) {
    out.push_back(static_cast<std::uint8_t>((u & 0x7F) | 0x80));
    u >>= 7;
  }
  out.push_back(static_cast<std::uint8_t>(u));
}

std::size_t unsigned_varint_size(std::uint64_t u) {
  std::size_t n = 1;
  for (; u >= 0x80; u >>= 7) ++n;
  return n;
}

// 32-bit zigzag, so that a varint of an int32 is at most 5 bytes.
std::uint64_t zigzag_encode32(std::int32_t v) {
  return (static_cast<std::uint32_t>(v) << 1) ^ static_cast<std::uint32_t>(v >> 31);
}

}  // namespace

void append_varint(Bytes& out, std::int32_t value) {
  append_unsigned_varint(out, zigzag_encode32(value));
}
void append_varlong(Bytes& out, std::int64_t value) {
  append_unsigned_varint(out, zigzag_encode(value));
}
std::size_t varint_size(std::int32_t value) {
  return unsigned_varint_size(zigzag_encode32(value));
}
std::size_t varlong_size(std::int64_t value) {
  return unsigned_varint_size(zigzag_encode(value));
}

std::optional<std::int8_t> ByteReader::read_int8() {
  if (remaining() < 1) return std::nullopt;
  return static_cast<std::int8_t>(bytes_[pos_++]);
}

std::optional<std::uint64_t> ByteReader::read_unsigned_varint(std::size_t max_bytes,
                                                              int value_bits) {
  std::uint64_t u = 0;
  for (std::size_t i = 0; i < max_bytes; ++i) {
    if (pos_ + i >= bytes_.size()) return std::nullopt;  // ends inside the number
    const std::uint64_t b = bytes_[pos_ + i];
    const int shift = static_cast<int>(7 * i);
    const bool last_group = i + 1 == max_bytes;
    // The last group may hold only the bits left of the value, and cannot continue.
    if (last_group && (b >> (value_bits - shift)) != 0) return std::nullopt;
    u |= (b & 0x7F) << shift;
    if ((b & 0x80) == 0) {
      pos_ += i + 1;
      return u;
    }
  }
  SAMSA_ASSERT(false, "unreachable: the last group cannot continue");
  return std::nullopt;
}

std::optional<std::int32_t> ByteReader::read_varint() {
  auto u = read_unsigned_varint(kMaxVarintBytes, 32);
  if (!u) return std::nullopt;
  const auto z = static_cast<std::uint32_t>(*u);
  return static_cast<std::int32_t>((z >> 1) ^ (0u - (z & 1u)));
}

std::optional<std::int64_t> ByteReader::read_varlong() {
  auto u = read_unsigned_varint(kMaxVarlongBytes, 64);
  if (!u) return std::nullopt;
  return zigzag_decode(*u);
}

std::optional<std::span<const std::uint8_t>> ByteReader::read_bytes(std::size_t length) {
  if (remaining() < length) return std::nullopt;
  auto view = bytes_.subspan(pos_, length);
  pos_ += length;
  return view;
}

}  // namespace samsa::cluster
