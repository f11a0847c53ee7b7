// CRC32C (Castagnoli: reflected, polynomial 0x82F63B78, init and xorout 0xFFFFFFFF), the
// checksum of Kafka's v2 record batch (record_batch.h) and of iSCSI (RFC 3720). Pure
// functions over bytes: no state, no allocation. crc32c_extend lets a caller checksum a
// range in pieces: crc32c_extend(crc32c(a), b) == crc32c(a followed by b).
#pragma once

#include <cstdint>
#include <span>

namespace samsa::cluster {

// Extends a finished CRC32C `crc` (of the bytes before `data`; 0 for none) over `data`.
std::uint32_t crc32c_extend(std::uint32_t crc, std::span<const std::uint8_t> data);

// The CRC32C of `data`.
inline std::uint32_t crc32c(std::span<const std::uint8_t> data) {
  return crc32c_extend(0, data);
}

}  // namespace samsa::cluster
