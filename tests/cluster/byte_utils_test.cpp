#include "cluster/log/byte_utils.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cstdint>
#include <limits>
#include <vector>

namespace samsa::cluster {
namespace {

constexpr auto kInt32Min = std::numeric_limits<std::int32_t>::min();
constexpr auto kInt32Max = std::numeric_limits<std::int32_t>::max();
constexpr auto kInt64Min = std::numeric_limits<std::int64_t>::min();
constexpr auto kInt64Max = std::numeric_limits<std::int64_t>::max();

Bytes varint_bytes(std::int32_t v) {
  Bytes out;
  append_varint(out, v);
  return out;
}
Bytes varlong_bytes(std::int64_t v) {
  Bytes out;
  append_varlong(out, v);
  return out;
}

TEST(ByteUtils, ZigzagMapsSmallMagnitudesOfEitherSignToSmallNumbers) {
  EXPECT_EQ(zigzag_encode(0), 0u);
  EXPECT_EQ(zigzag_encode(-1), 1u);
  EXPECT_EQ(zigzag_encode(1), 2u);
  EXPECT_EQ(zigzag_encode(-2), 3u);
  EXPECT_EQ(zigzag_encode(kInt64Max), std::numeric_limits<std::uint64_t>::max() - 1);
  EXPECT_EQ(zigzag_encode(kInt64Min), std::numeric_limits<std::uint64_t>::max());
  for (std::int64_t v : {std::int64_t{0}, std::int64_t{-1}, kInt64Min, kInt64Max}) {
    EXPECT_EQ(zigzag_decode(zigzag_encode(v)), v);
  }
}

// Expected bytes worked out from the definition Kafka implements (ByteUtils.writeVarint:
// zigzag, then 7 bits per byte, least significant group first, high bit = more follows).
TEST(ByteUtils, VarintEdgeValuesEncodeAsKafkaDoes) {
  EXPECT_EQ(varint_bytes(0), (Bytes{0x00}));
  EXPECT_EQ(varint_bytes(-1), (Bytes{0x01}));
  EXPECT_EQ(varint_bytes(1), (Bytes{0x02}));
  EXPECT_EQ(varint_bytes(63), (Bytes{0x7E}));
  EXPECT_EQ(varint_bytes(-64), (Bytes{0x7F}));
  EXPECT_EQ(varint_bytes(64), (Bytes{0x80, 0x01}));
  EXPECT_EQ(varint_bytes(kInt32Max), (Bytes{0xFE, 0xFF, 0xFF, 0xFF, 0x0F}));
  EXPECT_EQ(varint_bytes(kInt32Min), (Bytes{0xFF, 0xFF, 0xFF, 0xFF, 0x0F}));
}

TEST(ByteUtils, VarlongEdgeValuesEncodeAsKafkaDoes) {
  EXPECT_EQ(varlong_bytes(0), (Bytes{0x00}));
  EXPECT_EQ(varlong_bytes(-1), (Bytes{0x01}));
  EXPECT_EQ(varlong_bytes(kInt64Max),
            (Bytes{0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01}));
  EXPECT_EQ(varlong_bytes(kInt64Min),
            (Bytes{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01}));
}

TEST(ByteUtils, VarintEdgeValuesRoundTripAndReportTheirSize) {
  for (std::int32_t v : {0, -1, 1, kInt32Min, kInt32Max}) {
    const Bytes b = varint_bytes(v);
    ByteReader r(b);
    EXPECT_EQ(r.read_varint(), v);
    EXPECT_EQ(r.remaining(), 0u);
    EXPECT_EQ(varint_size(v), b.size());
  }
  for (std::int64_t v : {std::int64_t{0}, std::int64_t{-1}, kInt64Min, kInt64Max,
                         std::int64_t{kInt32Min}, std::int64_t{kInt32Max}}) {
    const Bytes b = varlong_bytes(v);
    ByteReader r(b);
    EXPECT_EQ(r.read_varlong(), v);
    EXPECT_EQ(r.remaining(), 0u);
    EXPECT_EQ(varlong_size(v), b.size());
  }
}

RC_GTEST_PROP(ByteUtils, AnyVarintAndVarlongRoundTrips, (std::int32_t a, std::int64_t b)) {
  Bytes out;
  append_varint(out, a);
  append_varlong(out, b);
  ByteReader r(out);
  RC_ASSERT(r.read_varint() == a);
  RC_ASSERT(r.read_varlong() == b);
  RC_ASSERT(r.remaining() == 0u);
}

RC_GTEST_PROP(ByteUtils, AVarintCutShortIsRejectedWithoutMovingTheReader, (std::int64_t v)) {
  const Bytes whole = varlong_bytes(v);
  const auto cut = *rc::gen::inRange<std::size_t>(0, whole.size());
  const Bytes prefix(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(cut));
  ByteReader r(prefix);
  RC_ASSERT(!r.read_varlong());
  RC_ASSERT(r.position() == 0u);
}

TEST(ByteUtils, AVarintLongerThanFiveBytesOrWiderThan32BitsIsRejected) {
  const Bytes six_bytes{0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
  EXPECT_FALSE(ByteReader(six_bytes).read_varint());
  const Bytes bit_32_set{0xFF, 0xFF, 0xFF, 0xFF, 0x1F};
  EXPECT_FALSE(ByteReader(bit_32_set).read_varint());
  const Bytes eleven_bytes{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
  EXPECT_FALSE(ByteReader(eleven_bytes).read_varlong());
  const Bytes bit_64_set{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x03};
  EXPECT_FALSE(ByteReader(bit_64_set).read_varlong());
}

TEST(ByteUtils, ReadBytesPastTheEndFailsAndLeavesThePosition) {
  const Bytes data{1, 2, 3};
  ByteReader r(data);
  EXPECT_TRUE(r.read_int8());
  EXPECT_FALSE(r.read_bytes(3));
  EXPECT_EQ(r.position(), 1u);
  auto rest = r.read_bytes(2);
  ASSERT_TRUE(rest);
  EXPECT_EQ(Bytes(rest->begin(), rest->end()), (Bytes{2, 3}));
  EXPECT_FALSE(r.read_int8());
}

TEST(ByteUtils, BigEndianStoreAndLoadRoundTripAtTheGivenPosition) {
  Bytes b(12, 0);
  store_be<std::int64_t>(b, 1, kInt64Min + 0x0102);
  store_be<std::uint16_t>(b, 9, 0xBEEF);
  EXPECT_EQ(b[1], 0x80);
  EXPECT_EQ(b[8], 0x02);
  EXPECT_EQ(b[9], 0xBE);
  EXPECT_EQ(load_be<std::int64_t>(b, 1), kInt64Min + 0x0102);
  EXPECT_EQ(load_be<std::uint16_t>(b, 9), 0xBEEF);
  EXPECT_EQ(load_be<std::int8_t>(b, 11), 0);
}

}  // namespace
}  // namespace samsa::cluster
