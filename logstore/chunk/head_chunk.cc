#include "logstore/chunk/head_chunk.h"

#include <zstd.h>

#include <algorithm>
#include <cassert>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <limits>

#include "common/coding.h"
#include "common/crc32c.h"
#include "logstore/chunk/chunk_reader.h"

namespace logstack::logstore::chunk {
namespace {

constexpr size_t kMinBlockSize = 1 << 10;
constexpr size_t kMaxBlockSize = 64 << 20;

uint64_t Mix(uint64_t x) {  // splitmix64's finalizer
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  x ^= x >> 31;
  return x;
}

uint64_t Fingerprint(int64_t ts, std::string_view line) { return EntryFingerprint(ts, line); }

ChunkOptions Clamp(ChunkOptions opts) {
  opts.level = std::clamp(opts.level, ZSTD_minCLevel(), ZSTD_maxCLevel());
  opts.block_size = std::clamp(opts.block_size, kMinBlockSize, kMaxBlockSize);
  return opts;
}

// Reused across cuts so that cutting a block does not allocate.
Layout2TableBuilder& TableScratch() {
  thread_local Layout2TableBuilder scratch;
  return scratch;
}
std::string& TableBytesScratch() {
  thread_local std::string scratch;
  return scratch;
}
std::string& LinesScratch() {
  thread_local std::string scratch;
  return scratch;
}

}  // namespace

uint64_t EntryFingerprint(int64_t ts, std::string_view line) {
  return Mix(std::hash<std::string_view>{}(line) ^ Mix(static_cast<uint64_t>(ts)));
}

bool HeadChunk::Contains(int64_t ts, std::string_view line) {
  if (empty() || ts < min_ts_ || ts > max_ts_) return false;
  return IsDuplicate(ts, line);
}

Status ValidateChunkOptions(const ChunkOptions& opts) {
  if (!IsValidEncoding(static_cast<uint8_t>(opts.encoding))) {
    return InvalidArgument("unknown chunk encoding " +
                           std::to_string(static_cast<int>(opts.encoding)));
  }
  if (opts.encoding == Encoding::kZstd &&
      (opts.level < ZSTD_minCLevel() || opts.level > ZSTD_maxCLevel())) {
    return InvalidArgument("zstd level " + std::to_string(opts.level) + " is outside [" +
                           std::to_string(ZSTD_minCLevel()) + ", " +
                           std::to_string(ZSTD_maxCLevel()) + "]");
  }
  if (opts.block_size < kMinBlockSize || opts.block_size > kMaxBlockSize) {
    return InvalidArgument("chunk block size " + std::to_string(opts.block_size) +
                           " is outside [1KiB, 64MiB]");
  }
  return Status::Ok();
}

HeadChunk::HeadChunk(ChunkOptions opts) : opts_(Clamp(opts)) {}

bool HeadChunk::Append(int64_t ts, std::string_view line, std::string_view encoded_metadata) {
  assert(line.size() + encoded_metadata.size() < (size_t{1} << 31));
  if (entries_ > 0) {
    // Fast path: an entry newer than everything stored cannot be a duplicate.
    if (ts <= max_ts_ && IsDuplicate(ts, line)) return false;
  } else {
    min_ts_ = max_ts_ = ts;
  }
  if (open_entries_.empty()) {
    open_min_ts_ = open_max_ts_ = ts;
  } else if (ts < open_max_ts_) {
    open_sorted_ = false;
    open_min_ts_ = std::min(open_min_ts_, ts);
  } else {
    open_max_ts_ = ts;
  }
  open_entries_.push_back(OpenEntry{ts, static_cast<uint32_t>(open_data_.size()),
                                    static_cast<uint32_t>(line.size()),
                                    static_cast<uint32_t>(encoded_metadata.size())});
  open_data_.append(line);
  open_data_.append(encoded_metadata);
  const size_t raw = line.size() + encoded_metadata.size();
  open_raw_ += raw;
  raw_bytes_ += raw;
  entries_++;
  min_ts_ = std::min(min_ts_, ts);
  max_ts_ = std::max(max_ts_, ts);
  if (open_raw_ >= opts_.block_size) CutBlock();
  return true;
}

bool HeadChunk::IsDuplicate(int64_t ts, std::string_view line) {
  if (InOpenBlock(ts, line)) return true;
  for (size_t i = 0; i < blocks_.size(); i++) {
    const BlockMeta& m = blocks_[i]->meta;
    if (m.min_ts <= ts && ts <= m.max_ts && InClosedBlock(i, ts, line)) return true;
  }
  return false;
}

bool HeadChunk::InOpenBlock(int64_t ts, std::string_view line) const {
  if (open_entries_.empty() || ts < open_min_ts_ || ts > open_max_ts_) return false;
  if (open_sorted_) {
    auto it = std::lower_bound(open_entries_.begin(), open_entries_.end(), ts,
                               [](const OpenEntry& e, int64_t t) { return e.ts < t; });
    for (; it != open_entries_.end() && it->ts == ts; ++it) {
      if (LineOf(*it) == line) return true;
    }
    return false;
  }
  // Out-of-order block: bounded by block_size, and only for writes at or
  // before the newest timestamp.
  for (const OpenEntry& e : open_entries_) {
    if (e.ts == ts && LineOf(e) == line) return true;
  }
  return false;
}

bool HeadChunk::InClosedBlock(size_t i, int64_t ts, std::string_view line) {
  const ClosedBlock& block = *blocks_[i];
  DedupIndex& dedup = dedup_[i];
  const uint64_t fp = Fingerprint(ts, line);
  if (ts == block.meta.max_ts) return std::binary_search(dedup.tail.begin(), dedup.tail.end(), fp);
  if (!dedup.all_built) {
    // First out-of-order write into this block's range: fingerprint it once.
    dedup.all_built = true;
    dedup.all.reserve(block.meta.entries);
    // [min_ts, INT64_MAX) misses entries at INT64_MAX; they are the block's
    // max_ts, which the tail above answers for.
    std::vector<BlockSource> source = {BlockSource{block.meta, block.data, opts_.encoding,
                                                   /*verify_crc=*/false, BlockLayout::kSplit}};
    EntryIteratorPtr it =
        NewBlockIterator(nullptr, std::move(source), block.meta.min_ts,
                         std::numeric_limits<int64_t>::max(), Direction::kForward);
    while (it->Next()) dedup.all.push_back(Fingerprint(it->entry().timestamp_ns, it->entry().line));
    assert(it->status().ok() && "a closed block of this head chunk does not decode");
    std::sort(dedup.all.begin(), dedup.all.end());
    dedup_bytes_ += dedup.all.capacity() * sizeof(uint64_t);
  }
  return std::binary_search(dedup.all.begin(), dedup.all.end(), fp);
}

std::vector<uint32_t> HeadChunk::SortedOpenEntries(int64_t first, int64_t last) const {
  std::vector<uint32_t> order;
  order.reserve(open_entries_.size());
  for (uint32_t i = 0; i < open_entries_.size(); i++) {
    int64_t ts = open_entries_[i].ts;
    if (first <= ts && ts <= last) order.push_back(i);
  }
  if (!open_sorted_) {
    std::stable_sort(order.begin(), order.end(), [this](uint32_t a, uint32_t b) {
      return open_entries_[a].ts < open_entries_[b].ts;
    });
  }
  return order;
}

void HeadChunk::CutBlock() {
  if (open_entries_.empty()) return;
  std::vector<uint32_t> order = SortedOpenEntries(open_min_ts_, open_max_ts_);

  Layout2TableBuilder& columns = TableScratch();
  std::string& table = TableBytesScratch();
  std::string& lines = LinesScratch();
  columns.Clear();
  table.clear();
  lines.clear();
  lines.reserve(open_raw_);
  int64_t prev = open_entries_[order.front()].ts;
  for (uint32_t i : order) {
    const OpenEntry& e = open_entries_[i];
    columns.Add(static_cast<uint64_t>(e.ts) - static_cast<uint64_t>(prev), e.line_len,
                MetadataOf(e));
    lines.append(LineOf(e));
    trigrams_.AddLine(LineOf(e));
    prev = e.ts;
  }
  columns.AppendTo(&table);

  auto block = std::make_shared<ClosedBlock>();
  Status st = AppendLayout2Block(opts_.encoding, opts_.level, table, lines, &block->data);
  if (!st.ok()) {
    // Only possible on allocation failure: the options were clamped to
    // values every codec accepts.
    std::fprintf(stderr, "logstack: chunk block compression failed: %s\n", st.ToString().c_str());
    std::abort();
  }
  block->data.shrink_to_fit();
  BlockMeta& m = block->meta;
  m.min_ts = open_entries_[order.front()].ts;
  m.max_ts = open_entries_[order.back()].ts;
  m.entries = static_cast<uint32_t>(order.size());
  m.compressed_len = static_cast<uint32_t>(block->data.size());
  m.raw_len = static_cast<uint32_t>(table.size() + lines.size());
  m.crc = crc32c::Value(block->data);

  DedupIndex dedup;
  for (auto it = order.rbegin(); it != order.rend() && open_entries_[*it].ts == m.max_ts; ++it) {
    dedup.tail.push_back(Fingerprint(m.max_ts, LineOf(open_entries_[*it])));
  }
  std::sort(dedup.tail.begin(), dedup.tail.end());
  dedup_bytes_ += dedup.tail.capacity() * sizeof(uint64_t);

  compressed_bytes_ += block->data.size();
  blocks_.push_back(std::move(block));
  dedup_.push_back(std::move(dedup));
  // Keep the buffers' capacity: the next block is about as big.
  open_data_.clear();
  open_entries_.clear();
  open_sorted_ = true;
  open_raw_ = 0;
}

size_t HeadChunk::memory_bytes() const {
  size_t n = sizeof(*this) + open_data_.capacity() + open_entries_.capacity() * sizeof(OpenEntry);
  n += blocks_.capacity() * sizeof(blocks_[0]) + dedup_.capacity() * sizeof(DedupIndex);
  n += blocks_.size() * (sizeof(ClosedBlock) + 32);  // + shared_ptr control block
  return n + compressed_bytes_ + dedup_bytes_ + trigrams_.memory_bytes();
}

std::string HeadChunk::Encode() {
  CutBlock();
  std::vector<BlockMeta> metas;
  metas.reserve(blocks_.size());
  std::string out;
  out.reserve(kChunkHeaderSize + compressed_bytes_ + blocks_.size() * 40 + 10 + kChunkFooterSize);
  EncodeChunkHeader(opts_.encoding, &out,
                    kChunkFlagLayout2 | (trigrams_.empty() ? 0 : kChunkFlagTrigrams));
  for (const auto& b : blocks_) {
    BlockMeta m = b->meta;
    m.offset = static_cast<uint32_t>(out.size());
    out.append(b->data);
    metas.push_back(m);
  }
  if (!trigrams_.empty()) trigrams_.EncodeTo(raw_bytes_, &out);
  ChunkFooter footer;
  footer.index_offset = static_cast<uint32_t>(out.size());
  EncodeBlockIndex(metas, &out);
  footer.index_len = static_cast<uint32_t>(out.size() - footer.index_offset);
  footer.index_crc = crc32c::Value(std::string_view(out).substr(footer.index_offset));
  EncodeChunkFooter(footer, &out);
  assert(out.size() <= std::numeric_limits<uint32_t>::max());
  return out;
}

EntryIteratorPtr HeadChunk::Iterator(int64_t from, int64_t to, Direction dir) const {
  // What the iterator reads: closed blocks in range (shared, immutable) and a
  // sorted, uncompressed layout-2 copy of the open block's entries in range.
  struct Snapshot {
    std::vector<std::shared_ptr<const ClosedBlock>> blocks;
    std::string open_block;  // layout 2, uncompressed
  };
  auto snap = std::make_shared<Snapshot>();
  std::vector<BlockSource> sources;
  if (from < to) {
    for (const auto& b : blocks_) {
      if (b->meta.max_ts >= from && b->meta.min_ts < to) snap->blocks.push_back(b);
    }
    sources.reserve(snap->blocks.size() + 1);
    for (const auto& b : snap->blocks) {
      sources.push_back(
          BlockSource{b->meta, b->data, opts_.encoding, /*verify_crc=*/false, BlockLayout::kSplit});
    }
    std::vector<uint32_t> order = SortedOpenEntries(from, to - 1);  // from < to
    if (!order.empty()) {
      // Layout 2, uncompressed: the lengths, the table, then the lines
      // copied once, straight from the open block.
      Layout2TableBuilder columns;
      size_t line_bytes = 0;
      int64_t prev = open_entries_[order.front()].ts;
      for (uint32_t i : order) {
        const OpenEntry& e = open_entries_[i];
        columns.Add(static_cast<uint64_t>(e.ts) - static_cast<uint64_t>(prev), e.line_len,
                    MetadataOf(e));
        line_bytes += e.line_len;
        prev = e.ts;
      }
      const size_t table_size = columns.size();
      std::string& p = snap->open_block;
      p.reserve(20 + table_size + line_bytes);  // 20: two varints at most
      PutVarint64(&p, table_size);
      PutVarint64(&p, table_size);
      columns.AppendTo(&p);
      for (uint32_t i : order) p.append(LineOf(open_entries_[i]));
      BlockMeta m;
      m.min_ts = open_entries_[order.front()].ts;
      m.max_ts = open_entries_[order.back()].ts;
      m.entries = static_cast<uint32_t>(order.size());
      m.raw_len = static_cast<uint32_t>(table_size + line_bytes);
      m.compressed_len = static_cast<uint32_t>(p.size());
      // Last: the open block arrived after every closed block.
      sources.push_back(
          BlockSource{m, p, Encoding::kNone, /*verify_crc=*/false, BlockLayout::kSplit});
    }
  }
  return NewBlockIterator(std::move(snap), std::move(sources), from, to, dir);
}

}  // namespace logstack::logstore::chunk
