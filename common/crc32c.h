#pragma once

// CRC-32C (Castagnoli), the checksum of every WAL record, chunk block and
// index record. Uses the SSE4.2 crc32 instruction when the CPU has it.
//
// Stored checksums are masked (as LevelDB does) so that a checksum computed
// over data that itself holds checksums does not degenerate.

#include <cstdint>
#include <string_view>

namespace logstack::crc32c {

// Extends `crc` (the CRC of some earlier bytes) with `data`.
uint32_t Extend(uint32_t crc, const char* data, size_t n);

inline uint32_t Value(std::string_view data) { return Extend(0, data.data(), data.size()); }

constexpr uint32_t kMaskDelta = 0xa282ead8u;

inline uint32_t Mask(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + kMaskDelta; }

inline uint32_t Unmask(uint32_t masked) {
  uint32_t rot = masked - kMaskDelta;
  return (rot >> 17) | (rot << 15);
}

}  // namespace logstack::crc32c
