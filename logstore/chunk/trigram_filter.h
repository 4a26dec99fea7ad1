#pragma once

// TrigramFilter: a chunk's summary of which byte trigrams its lines contain,
// so a query with a literal line filter can skip a chunk without reading its
// blocks: a literal of three or more bytes can only occur in a line if every
// one of its trigrams does. False positives are possible (hash collisions),
// false negatives are not.
//
// Each trigram (b0, b1, b2) of a line, taken as t = b0 | b1 << 8 | b2 << 16,
// hashes to h = (t * 0x9E3779B1) mod 2^32, and sets bit h >> (32 - L) of a
// bitmap of 2^L bits. The builder fills a 2^18-bit bitmap and, when the
// chunk is written, folds it down to a size that suits the chunk (bit i of
// the folded map is the OR of bits [i << d, (i + 1) << d) of the full one),
// so small chunks get small filters. docs/storage.md, "Chunks", has the
// on-disk form.
//
// Thread safety: the builder is used by one thread; a decoded view is
// immutable.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace logstack::logstore::chunk {

inline constexpr int kTrigramMaxLog2Bits = 18;
inline constexpr int kTrigramMinLog2Bits = 12;

class TrigramFilterBuilder {
 public:
  // Adds the trigrams of one line. The bitmap is allocated on first use.
  void AddLine(std::string_view line);
  bool empty() const { return bits_ == nullptr; }
  // Appends the filter section for a chunk of `raw_bytes` line bytes:
  //   bitmap (2^L / 8 bytes) | u8 L | fixed32 masked CRC-32C of both.
  // REQUIRES: !empty().
  void EncodeTo(uint64_t raw_bytes, std::string* dst) const;
  size_t memory_bytes() const { return bits_ ? (size_t{1} << kTrigramMaxLog2Bits) / 8 : 0; }

 private:
  std::unique_ptr<uint64_t[]> bits_;
};

// A filter section read back from a chunk. The view borrows the bytes.
class TrigramFilter {
 public:
  // Decodes the section that ends at the end of `bytes` (the bytes just
  // before the block index); *size is the section's length. Returns
  // Corruption for a bad size or checksum.
  static StatusOr<TrigramFilter> Decode(std::string_view bytes, size_t* size);

  // False only if `literal` (three bytes or more) cannot occur in a line.
  bool MayContain(std::string_view literal) const;

 private:
  std::string_view bitmap_;
  int log2_bits_ = 0;
};

}  // namespace logstack::logstore::chunk
