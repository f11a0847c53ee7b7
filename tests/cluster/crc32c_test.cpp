#include "cluster/log/crc32c.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cstdint>
#include <string_view>
#include <vector>

namespace samsa::cluster {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes bytes(std::string_view text) {
  return Bytes(text.begin(), text.end());
}

TEST(Crc32c, MatchesTheStandardCheckValueFor123456789) {
  EXPECT_EQ(crc32c(bytes("123456789")), 0xE3069283u);
}

TEST(Crc32c, OfNothingIsZero) {
  EXPECT_EQ(crc32c({}), 0u);
}

// RFC 3720 (iSCSI), appendix B.4.
TEST(Crc32c, MatchesRfc3720VectorFor32ZeroBytes) {
  EXPECT_EQ(crc32c(Bytes(32, 0x00)), 0x8A9136AAu);
}

TEST(Crc32c, MatchesRfc3720VectorFor32OnesBytes) {
  EXPECT_EQ(crc32c(Bytes(32, 0xFF)), 0x62A8AB43u);
}

TEST(Crc32c, MatchesRfc3720VectorFor32AscendingBytes) {
  Bytes data;
  for (int i = 0; i < 32; ++i) data.push_back(static_cast<std::uint8_t>(i));
  EXPECT_EQ(crc32c(data), 0x46DD794Eu);
}

TEST(Crc32c, MatchesRfc3720VectorFor32DescendingBytes) {
  Bytes data;
  for (int i = 31; i >= 0; --i) data.push_back(static_cast<std::uint8_t>(i));
  EXPECT_EQ(crc32c(data), 0x113FDB5Cu);
}

// The bitwise definition, one bit at a time: the reference the table-driven code must match.
std::uint32_t crc32c_bitwise(const Bytes& data) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (std::uint8_t b : data) {
    crc ^= b;
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ ((crc & 1u) ? 0x82F63B78u : 0u);
  }
  return ~crc;
}

RC_GTEST_PROP(Crc32c, EqualsTheBitwiseDefinitionOnAnyInput, (const Bytes& data)) {
  RC_ASSERT(crc32c(data) == crc32c_bitwise(data));
}

RC_GTEST_PROP(Crc32c, ExtendingPieceByPieceEqualsTheOneShotCrc, (const Bytes& data)) {
  const auto cut_a = *rc::gen::inRange<std::size_t>(0, data.size() + 1);
  const auto cut_b = *rc::gen::inRange<std::size_t>(cut_a, data.size() + 1);
  const std::span<const std::uint8_t> all(data);
  std::uint32_t crc = crc32c(all.first(cut_a));
  crc = crc32c_extend(crc, all.subspan(cut_a, cut_b - cut_a));
  crc = crc32c_extend(crc, all.subspan(cut_b));
  RC_ASSERT(crc == crc32c(data));
}

}  // namespace
}  // namespace samsa::cluster
