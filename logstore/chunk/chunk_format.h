#pragma once

// The chunk byte format (docs/storage.md, "Chunks"): constants shared by the
// writer (HeadChunk) and the reader (ChunkReader), and the codecs of the
// pieces around the blocks: header, block index, footer and block entries.
//
//   chunk  := header | block* | [trigram_filter] | block_index | footer
//
// Decoders treat their input as untrusted bytes read back from disk: any
// malformed input gives a Corruption status (or false), never a read past the
// input's end.
//
// Thread safety: stateless functions and plain values.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/coding.h"
#include "common/status.h"
#include "logstore/chunk/compression.h"

namespace logstack::logstore::chunk {

inline constexpr std::string_view kChunkMagic = "LSC1";
// magic (4) | encoding (1) | flags (1) | reserved (2, zero)
inline constexpr size_t kChunkHeaderSize = 8;
// fixed32 block_index_offset | fixed32 block_index_len | fixed32 crc | magic (4)
inline constexpr size_t kChunkFooterSize = 16;
// The smallest encoded entry: ts_delta, line length and metadata length, one
// byte each.
inline constexpr size_t kMinEncodedEntrySize = 3;

// One block_meta of the block index.
struct BlockMeta {
  int64_t min_ts = 0;  // timestamps (ns) of the block's first and last entries
  int64_t max_ts = 0;
  uint32_t entries = 0;
  uint32_t offset = 0;  // of the compressed bytes, from the start of the chunk
  uint32_t compressed_len = 0;
  uint32_t raw_len = 0;  // length of the decompressed block_payload
  uint32_t crc = 0;      // CRC-32C of the compressed bytes, unmasked (masked on disk)

  bool operator==(const BlockMeta&) const = default;
};

struct ChunkFooter {
  uint32_t index_offset = 0;
  uint32_t index_len = 0;
  uint32_t index_crc = 0;  // CRC-32C of the block index bytes, unmasked (masked on disk)
};

// Header flags (byte 5).
inline constexpr uint8_t kChunkFlagTrigrams = 1;  // a trigram filter precedes the block index

// Appends the 8-byte header.
void EncodeChunkHeader(Encoding encoding, std::string* dst, uint8_t flags = 0);
// Decodes the first kChunkHeaderSize bytes of `chunk`. Returns Corruption for
// a short input, a wrong magic, an unknown encoding, unknown flags or
// non-zero reserved bytes.
StatusOr<Encoding> DecodeChunkHeader(std::string_view chunk);
// The flags of a header that DecodeChunkHeader accepted.
inline uint8_t ChunkHeaderFlags(std::string_view chunk) { return static_cast<uint8_t>(chunk[5]); }

// Appends block_index := varint block_count | block_meta*.
void EncodeBlockIndex(const std::vector<BlockMeta>& blocks, std::string* dst);
// Decodes a whole block index; trailing bytes are Corruption. Checks only the
// index's own consistency, not that offsets fit a chunk (ChunkReader does).
StatusOr<std::vector<BlockMeta>> DecodeBlockIndex(std::string_view index);

// Appends the 16-byte footer.
void EncodeChunkFooter(const ChunkFooter& footer, std::string* dst);
// Decodes the last kChunkFooterSize bytes of `chunk`, checking its magic.
StatusOr<ChunkFooter> DecodeChunkFooter(std::string_view chunk);

// Appends one block_payload entry: varint ts_delta | lp line | lp metadata.
// Inline: it runs once per entry on the append path.
inline void AppendBlockEntry(std::string* dst, uint64_t ts_delta, std::string_view line,
                             std::string_view metadata) {
  char buf[30];
  char* p = EncodeVarint64(buf, ts_delta);
  p = EncodeVarint64(p, line.size());
  dst->append(buf, static_cast<size_t>(p - buf));
  dst->append(line);
  p = EncodeVarint64(buf, metadata.size());
  dst->append(buf, static_cast<size_t>(p - buf));
  dst->append(metadata);
}

// Decodes one block_payload entry from the front of *in, advancing it.
// Returns false if *in does not start with a complete entry.
// Inline: it runs once per entry on the scan path.
inline bool GetBlockEntry(std::string_view* in, uint64_t* ts_delta, std::string_view* line,
                          std::string_view* metadata) {
  return GetVarint64(in, ts_delta) && GetLengthPrefixed(in, line) &&
         GetLengthPrefixed(in, metadata);
}

}  // namespace logstack::logstore::chunk
