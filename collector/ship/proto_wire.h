#pragma once

// The few pieces of the protobuf wire format the push encoder writes:
// base-128 varints and field tags. Writers take a pointer to memory the
// caller has already sized (with the *Size functions) and return the pointer
// just past what they wrote, so an entry is sized once and then written with
// no bounds checks and no allocation.
//
// Only the two wire types Loki's PushRequest uses appear here: 0 (varint)
// and 2 (length-delimited).
//
// Thread safety: pure functions.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace logstack::collector::wire {

inline constexpr uint32_t kVarint = 0;
inline constexpr uint32_t kLengthDelimited = 2;

// The tag byte of field `field` (1..15, which is all PushRequest needs).
constexpr uint8_t Tag(uint32_t field, uint32_t wire_type) {
  return static_cast<uint8_t>((field << 3) | wire_type);
}

// Bytes of v as a varint: 1 to 10.
inline size_t VarintSize(uint64_t v) {
  // Each byte carries 7 bits; 0 still takes one byte.
  int bits = 64 - __builtin_clzll(v | 1);
  return static_cast<size_t>((bits * 9 + 64) / 64);
}

inline char* WriteVarint(char* p, uint64_t v) {
  while (v >= 0x80) {
    *p++ = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<char>(v);
  return p;
}

// A length-delimited field of `len` bytes, tag and length included.
inline size_t LengthDelimitedSize(size_t len) { return 1 + VarintSize(len) + len; }

// Writes the tag and length of a length-delimited field; its `len` bytes of
// payload follow.
inline char* WriteLengthPrefix(char* p, uint32_t field, size_t len) {
  *p++ = static_cast<char>(Tag(field, kLengthDelimited));
  return WriteVarint(p, len);
}

inline char* WriteBytesField(char* p, uint32_t field, std::string_view bytes) {
  p = WriteLengthPrefix(p, field, bytes.size());
  if (!bytes.empty()) std::memcpy(p, bytes.data(), bytes.size());
  return p + bytes.size();
}

}  // namespace logstack::collector::wire
