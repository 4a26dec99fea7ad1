#pragma once

// The chunk byte format (docs/storage.md, "Chunks"): constants shared by the
// writer (HeadChunk) and the reader (ChunkReader), and the codecs of the
// pieces around the blocks: header, block index, footer and block entries.
//
//   chunk  := header | block* | [trigram_filter] | block_index | footer
//
// A block is laid out in one of two ways (the header's flags say which):
// layout 1, one frame of interleaved entries (chunks written before layout 2
// existed), or layout 2, a frame of the entry table and a frame of the lines.
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
// byte each (a layout-1 entry, or a layout-2 entry's three table varints with
// an empty line).
inline constexpr size_t kMinEncodedEntrySize = 3;
// The smallest stored layout-2 block: its two one-byte length varints.
inline constexpr size_t kMinLayout2BlockSize = 2;

// How the entries of a chunk's blocks are laid out (docs/storage.md, "Block
// layout 1" and "Block layout 2").
enum class BlockLayout : uint8_t {
  kInterleaved = 1,  // one frame: entry*, line bytes between the varints
  kSplit = 2,        // two frames: the entry table, then the lines back to back
};

// One block_meta of the block index.
struct BlockMeta {
  int64_t min_ts = 0;  // timestamps (ns) of the block's first and last entries
  int64_t max_ts = 0;
  uint32_t entries = 0;
  uint32_t offset = 0;  // of the compressed bytes, from the start of the chunk
  uint32_t compressed_len = 0;
  uint32_t raw_len = 0;  // decompressed length (layout 2: table plus lines)
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
inline constexpr uint8_t kChunkFlagLayout2 = 2;   // every block uses BlockLayout::kSplit
inline constexpr uint8_t kChunkKnownFlags = kChunkFlagTrigrams | kChunkFlagLayout2;

// Appends the 8-byte header.
void EncodeChunkHeader(Encoding encoding, std::string* dst, uint8_t flags = 0);
// Decodes the first kChunkHeaderSize bytes of `chunk`. Returns Corruption for
// a short input, a wrong magic, an unknown encoding, unknown flags or
// non-zero reserved bytes.
StatusOr<Encoding> DecodeChunkHeader(std::string_view chunk);
// The flags of a header that DecodeChunkHeader accepted.
inline uint8_t ChunkHeaderFlags(std::string_view chunk) { return static_cast<uint8_t>(chunk[5]); }
// The layout of every block of a chunk with these header flags.
inline BlockLayout BlockLayoutOf(uint8_t flags) {
  return (flags & kChunkFlagLayout2) != 0 ? BlockLayout::kSplit : BlockLayout::kInterleaved;
}

// Appends block_index := varint block_count | block_meta*.
void EncodeBlockIndex(const std::vector<BlockMeta>& blocks, std::string* dst);
// Decodes a whole block index; trailing bytes are Corruption. Checks only the
// index's own consistency, not that offsets fit a chunk (ChunkReader does).
StatusOr<std::vector<BlockMeta>> DecodeBlockIndex(std::string_view index);

// Appends the 16-byte footer.
void EncodeChunkFooter(const ChunkFooter& footer, std::string* dst);
// Decodes the last kChunkFooterSize bytes of `chunk`, checking its magic.
StatusOr<ChunkFooter> DecodeChunkFooter(std::string_view chunk);

// Appends one layout-1 block_payload entry: varint ts_delta | lp line | lp metadata.
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

// Decodes one layout-1 block_payload entry from the front of *in, advancing it.
// Returns false if *in does not start with a complete entry.
// Inline: it runs once per entry on the scan path.
inline bool GetBlockEntry(std::string_view* in, uint64_t* ts_delta, std::string_view* line,
                          std::string_view* metadata) {
  return GetVarint64(in, ts_delta) && GetLengthPrefixed(in, line) &&
         GetLengthPrefixed(in, metadata);
}

// Builds the entry table of a layout-2 block, column by column:
//   table := varint deltas_len | varint line_lens_len | varint metadata_lens_len
//          | ts_delta* | line_len* | metadata_len* | metadata*
// Reusable: Clear() keeps the buffers' capacity.
class Layout2TableBuilder {
 public:
  void Clear() {
    deltas_.clear();
    line_lens_.clear();
    metadata_lens_.clear();
    metadata_.clear();
  }
  // Inline: it runs once per entry on the append path.
  void Add(uint64_t ts_delta, size_t line_len, std::string_view metadata) {
    PutVarint64(&deltas_, ts_delta);
    PutVarint64(&line_lens_, line_len);
    PutVarint64(&metadata_lens_, metadata.size());
    metadata_.append(metadata);
  }
  // Appends the table to *dst.
  void AppendTo(std::string* dst) const;
  // The length AppendTo appends.
  size_t size() const;

 private:
  std::string deltas_, line_lens_, metadata_lens_, metadata_;
};

// The four columns of a decompressed layout-2 entry table.
struct Layout2Table {
  std::string_view deltas;         // varint ts_delta per entry
  std::string_view line_lens;      // varint line_len per entry
  std::string_view metadata_lens;  // varint metadata_len per entry
  std::string_view metadata;       // every entry's metadata, back to back
};

// Splits a decompressed layout-2 table into its columns. Returns Corruption
// if a column length varint is malformed or the columns run past the table.
// The columns' contents are not looked at.
StatusOr<Layout2Table> SplitLayout2Table(std::string_view table);

// Decodes the next entry's fields from the front of the columns, advancing
// them. Returns false if a varint is malformed or the metadata runs past its
// column. *line_len is not checked: the caller checks it against the lines.
// Inline: it runs once per entry on the scan path.
inline bool GetLayout2Entry(Layout2Table* t, uint64_t* ts_delta, uint64_t* line_len,
                            std::string_view* metadata) {
  uint64_t md_len;
  if (!GetVarint64(&t->deltas, ts_delta) || !GetVarint64(&t->line_lens, line_len) ||
      !GetVarint64(&t->metadata_lens, &md_len) || md_len > t->metadata.size()) {
    return false;
  }
  *metadata = t->metadata.substr(0, md_len);
  t->metadata.remove_prefix(md_len);
  return true;
}

// Appends a stored layout-2 block made of a raw entry `table` and the raw
// `lines` (every line back to back), each compressed with `encoding`:
// varint table_raw_len | varint table_stored_len | table frame | lines frame.
// The block's raw_len is table.size() + lines.size(). Returns
// InvalidArgument as Compress does; *dst is then unspecified.
Status AppendLayout2Block(Encoding encoding, int level, std::string_view table,
                          std::string_view lines, std::string* dst);

// The two frames of a stored layout-2 block, as views of its bytes.
struct Layout2Frames {
  uint32_t table_raw_len = 0;
  uint32_t lines_raw_len = 0;
  std::string_view table;  // stored (compressed) table frame
  std::string_view lines;  // stored (compressed) lines frame
};

// Splits the stored bytes of a layout-2 block whose block_meta states
// `raw_len`. Returns Corruption, naming the problem, if a length varint is
// malformed, the table frame runs past the block, table_raw_len exceeds
// raw_len, or (encoding none) a frame's stored length is not its raw length.
// The frames' contents are not looked at.
StatusOr<Layout2Frames> SplitLayout2Block(std::string_view block, uint32_t raw_len,
                                          Encoding encoding);

}  // namespace logstack::logstore::chunk
