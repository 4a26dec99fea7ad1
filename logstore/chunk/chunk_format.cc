#include "logstore/chunk/chunk_format.h"

#include <limits>

#include "common/coding.h"
#include "common/crc32c.h"

namespace logstack::logstore::chunk {

// The smallest block_meta: six one-byte varints and the fixed32 crc.
static constexpr size_t kMinBlockMetaSize = 6 + 4;

static size_t VarintLength(uint64_t v) {
  size_t n = 1;
  for (; v >= 0x80; v >>= 7) n++;
  return n;
}

void EncodeChunkHeader(Encoding encoding, std::string* dst, uint8_t flags) {
  dst->append(kChunkMagic);
  dst->push_back(static_cast<char>(encoding));
  dst->push_back(static_cast<char>(flags));
  dst->append(2, '\0');
}

StatusOr<Encoding> DecodeChunkHeader(std::string_view chunk) {
  if (chunk.size() < kChunkHeaderSize) {
    return Corruption("chunk of " + std::to_string(chunk.size()) +
                      " bytes is shorter than its header");
  }
  if (chunk.substr(0, kChunkMagic.size()) != kChunkMagic) {
    return Corruption("chunk header does not start with magic LSC1");
  }
  auto encoding = static_cast<uint8_t>(chunk[4]);
  if (!IsValidEncoding(encoding)) {
    return Corruption("chunk header has unknown encoding " + std::to_string(encoding));
  }
  if ((static_cast<uint8_t>(chunk[5]) & ~kChunkKnownFlags) != 0) {
    return Corruption("chunk header has unknown flags " +
                      std::to_string(static_cast<uint8_t>(chunk[5])));
  }
  if (chunk[6] != 0 || chunk[7] != 0) {
    return Corruption("chunk header has non-zero reserved bytes");
  }
  return static_cast<Encoding>(encoding);
}

void EncodeBlockIndex(const std::vector<BlockMeta>& blocks, std::string* dst) {
  PutVarint64(dst, blocks.size());
  for (const BlockMeta& b : blocks) {
    PutVarsint64(dst, b.min_ts);
    PutVarint64(dst, static_cast<uint64_t>(b.max_ts) - static_cast<uint64_t>(b.min_ts));
    PutVarint32(dst, b.entries);
    PutVarint32(dst, b.offset);
    PutVarint32(dst, b.compressed_len);
    PutVarint32(dst, b.raw_len);
    PutFixed32(dst, crc32c::Mask(b.crc));
  }
}

StatusOr<std::vector<BlockMeta>> DecodeBlockIndex(std::string_view index) {
  uint64_t count;
  if (!GetVarint64(&index, &count)) return Corruption("block index: bad block count");
  if (count > index.size() / kMinBlockMetaSize) {
    return Corruption("block index: block count " + std::to_string(count) + " does not fit in " +
                      std::to_string(index.size()) + " bytes");
  }
  std::vector<BlockMeta> blocks(count);
  for (uint64_t i = 0; i < count; i++) {
    BlockMeta& b = blocks[i];
    uint64_t span;
    uint32_t masked_crc;
    if (!GetVarsint64(&index, &b.min_ts) || !GetVarint64(&index, &span) ||
        !GetVarint32(&index, &b.entries) || !GetVarint32(&index, &b.offset) ||
        !GetVarint32(&index, &b.compressed_len) || !GetVarint32(&index, &b.raw_len) ||
        !GetFixed32(&index, &masked_crc)) {
      return Corruption("block index: block " + std::to_string(i) + " is truncated or malformed");
    }
    // Modular arithmetic: INT64_MAX - min_ts always fits in a uint64_t.
    uint64_t max_span = static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) -
                        static_cast<uint64_t>(b.min_ts);
    if (span > max_span) {
      return Corruption("block index: block " + std::to_string(i) + " max_ts overflows");
    }
    b.max_ts = static_cast<int64_t>(static_cast<uint64_t>(b.min_ts) + span);
    b.crc = crc32c::Unmask(masked_crc);
  }
  if (!index.empty()) {
    return Corruption("block index: " + std::to_string(index.size()) + " trailing bytes");
  }
  return blocks;
}

void EncodeChunkFooter(const ChunkFooter& footer, std::string* dst) {
  PutFixed32(dst, footer.index_offset);
  PutFixed32(dst, footer.index_len);
  PutFixed32(dst, crc32c::Mask(footer.index_crc));
  dst->append(kChunkMagic);
}

StatusOr<ChunkFooter> DecodeChunkFooter(std::string_view chunk) {
  if (chunk.size() < kChunkFooterSize) {
    return Corruption("chunk of " + std::to_string(chunk.size()) +
                      " bytes is shorter than its footer");
  }
  const char* p = chunk.data() + chunk.size() - kChunkFooterSize;
  if (std::string_view(p + 12, 4) != kChunkMagic) {
    return Corruption("chunk footer does not end with magic LSC1");
  }
  ChunkFooter f;
  f.index_offset = DecodeFixed32(p);
  f.index_len = DecodeFixed32(p + 4);
  f.index_crc = crc32c::Unmask(DecodeFixed32(p + 8));
  return f;
}

void Layout2TableBuilder::AppendTo(std::string* dst) const {
  dst->reserve(dst->size() + size());
  PutVarint64(dst, deltas_.size());
  PutVarint64(dst, line_lens_.size());
  PutVarint64(dst, metadata_lens_.size());
  dst->append(deltas_);
  dst->append(line_lens_);
  dst->append(metadata_lens_);
  dst->append(metadata_);
}

size_t Layout2TableBuilder::size() const {
  return VarintLength(deltas_.size()) + VarintLength(line_lens_.size()) +
         VarintLength(metadata_lens_.size()) + deltas_.size() + line_lens_.size() +
         metadata_lens_.size() + metadata_.size();
}

StatusOr<Layout2Table> SplitLayout2Table(std::string_view table) {
  uint64_t lens[3];
  static constexpr const char* kNames[3] = {"ts_delta", "line_len", "metadata_len"};
  for (int i = 0; i < 3; i++) {
    if (!GetVarint64(&table, &lens[i])) {
      return Corruption(std::string("layout-2 table: malformed length of the ") + kNames[i] +
                        " column");
    }
  }
  Layout2Table t;
  std::string_view* columns[3] = {&t.deltas, &t.line_lens, &t.metadata_lens};
  for (int i = 0; i < 3; i++) {
    if (lens[i] > table.size()) {
      return Corruption(std::string("layout-2 table: the ") + kNames[i] + " column of " +
                        std::to_string(lens[i]) + " bytes runs past the table (" +
                        std::to_string(table.size()) + " bytes left)");
    }
    *columns[i] = table.substr(0, lens[i]);
    table.remove_prefix(lens[i]);
  }
  t.metadata = table;
  return t;
}

Status AppendLayout2Block(Encoding encoding, int level, std::string_view table,
                          std::string_view lines, std::string* dst) {
  if (encoding == Encoding::kNone) {
    PutVarint64(dst, table.size());
    PutVarint64(dst, table.size());
    dst->reserve(dst->size() + table.size() + lines.size());
    dst->append(table);
    dst->append(lines);
    return Status::Ok();
  }
  // Reused across blocks so that cutting a block does not allocate.
  thread_local std::string table_frame, lines_frame;
  LOGSTACK_RETURN_IF_ERROR(Compress(encoding, level, table, &table_frame));
  LOGSTACK_RETURN_IF_ERROR(Compress(encoding, level, lines, &lines_frame, FrameKind::kLines));
  PutVarint64(dst, table.size());
  PutVarint64(dst, table_frame.size());
  dst->reserve(dst->size() + table_frame.size() + lines_frame.size());
  dst->append(table_frame);
  dst->append(lines_frame);
  return Status::Ok();
}

StatusOr<Layout2Frames> SplitLayout2Block(std::string_view block, uint32_t raw_len,
                                          Encoding encoding) {
  Layout2Frames f;
  uint32_t table_stored_len;
  if (!GetVarint32(&block, &f.table_raw_len)) {
    return Corruption("layout-2 block: malformed table_raw_len varint");
  }
  if (!GetVarint32(&block, &table_stored_len)) {
    return Corruption("layout-2 block: malformed table_stored_len varint");
  }
  if (table_stored_len > block.size()) {
    return Corruption("layout-2 block: table frame of " + std::to_string(table_stored_len) +
                      " bytes runs past the block (" + std::to_string(block.size()) +
                      " bytes after the lengths)");
  }
  if (f.table_raw_len > raw_len) {
    return Corruption("layout-2 block: table_raw_len " + std::to_string(f.table_raw_len) +
                      " exceeds the block's raw_len " + std::to_string(raw_len));
  }
  f.lines_raw_len = raw_len - f.table_raw_len;
  f.table = block.substr(0, table_stored_len);
  f.lines = block.substr(table_stored_len);
  if (encoding == Encoding::kNone &&
      (f.table.size() != f.table_raw_len || f.lines.size() != f.lines_raw_len)) {
    return Corruption("layout-2 block: uncompressed frames of " + std::to_string(f.table.size()) +
                      " and " + std::to_string(f.lines.size()) + " bytes, expected " +
                      std::to_string(f.table_raw_len) + " and " + std::to_string(f.lines_raw_len));
  }
  return f;
}

}  // namespace logstack::logstore::chunk
