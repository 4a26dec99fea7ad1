#include "logstore/chunk/chunk_reader.h"

#include <string.h>

#include <algorithm>
#include <utility>

#include "common/crc32c.h"

namespace logstack::logstore::chunk {
namespace {

std::string BlockName(size_t index, const BlockMeta& meta) {
  return "block " + std::to_string(index) + " (ts " + std::to_string(meta.min_ts) + ".." +
         std::to_string(meta.max_ts) + ")";
}

// Reads the entries of one block in [from, to), in one direction. Reused for
// block after block, so its buffers are allocated once per iterator, not once
// per block or entry.
class BlockCursor {
 public:
  // Verifies and decompresses `src` and positions on its first entry in range.
  // Returns true iff positioned; false when the block holds no entry in range,
  // when `filter` rules it out, or on an error, which is then stored in
  // *status.
  bool Load(const BlockSource& src, size_t index, int64_t from, int64_t to, Direction dir,
            const BlockFilter* filter, Status* status) {
    src_ = &src;
    index_ = index;
    from_ = from;
    to_ = to;
    forward_ = dir == Direction::kForward;
    split_ = src.layout == BlockLayout::kSplit;
    if (src.verify_crc && crc32c::Value(src.data) != src.meta.crc) {
      *status = Corruption(BlockName(index, src.meta) + ": checksum mismatch");
      return false;
    }
    if (!(split_ ? LoadSplit(filter, status) : LoadInterleaved(filter, status))) return false;
    prev_ts_ = src.meta.min_ts;
    parsed_ = 0;
    if (forward_) return NextForward(status);
    if (!IndexAll(status)) return false;
    // Entries are sorted: start below the first one at or after `to_`.
    auto it = std::lower_bound(all_.begin(), all_.end(), to_,
                               [](const EntryView& e, int64_t t) { return e.timestamp_ns < t; });
    pos_ = static_cast<size_t>(it - all_.begin());
    return NextBackward();
  }

  // Moves to the next entry in range. Returns false at the end or on an error
  // (stored in *status).
  bool Advance(Status* status) { return forward_ ? NextForward(status) : NextBackward(); }

  const EntryView& entry() const { return entry_; }
  int64_t ts() const { return entry_.timestamp_ns; }
  size_t index() const { return index_; }

 private:
  // Counts a block the filter rules out and returns false.
  bool Skip(const BlockFilter* filter) {
    filter->skipped_bytes.fetch_add(src_->meta.raw_len, std::memory_order_relaxed);
    filter->skipped_entries.fetch_add(src_->meta.entries, std::memory_order_relaxed);
    return false;
  }

  // Decompresses `stored` (or views it, for Encoding::kNone) into *buf.
  bool Inflate(std::string_view stored, size_t raw_len, std::string* buf, const char* what,
               std::string_view* out, Status* status) {
    if (src_->encoding == Encoding::kNone) {
      if (stored.size() != raw_len) {
        *status =
            Corruption(BlockName(index_, src_->meta) + ": " + what + " stored length " +
                       std::to_string(stored.size()) + " != raw length " + std::to_string(raw_len));
        return false;
      }
      *out = stored;
      return true;
    }
    Status st = Decompress(src_->encoding, stored, raw_len, buf);
    if (!st.ok()) {
      *status = st.Annotate(BlockName(index_, src_->meta) + " " + what);
      return false;
    }
    *out = *buf;
    return true;
  }

  // Layout 1: one frame of entries.
  bool LoadInterleaved(const BlockFilter* filter, Status* status) {
    std::string_view payload;
    if (!Inflate(src_->data, src_->meta.raw_len, &buf_, "payload", &payload, status)) return false;
    if (filter != nullptr && !filter->MayMatch(payload)) return Skip(filter);
    rest_ = payload;
    table_ = {};
    lines_ = {};
    return true;
  }

  // Layout 2: the lines frame first, so a block the filter rules out never
  // has its table decompressed.
  bool LoadSplit(const BlockFilter* filter, Status* status) {
    auto frames = SplitLayout2Block(src_->data, src_->meta.raw_len, src_->encoding);
    if (!frames.ok()) {
      *status = frames.status().Annotate(BlockName(index_, src_->meta));
      return false;
    }
    if (!Inflate(frames->lines, frames->lines_raw_len, &lines_buf_, "lines frame", &lines_,
                 status)) {
      return false;
    }
    if (filter != nullptr && !filter->MayMatch(lines_)) return Skip(filter);
    std::string_view table;
    if (!Inflate(frames->table, frames->table_raw_len, &buf_, "table frame", &table, status)) {
      return false;
    }
    auto columns = SplitLayout2Table(table);
    if (!columns.ok()) {
      *status = columns.status().Annotate(BlockName(index_, src_->meta));
      return false;
    }
    table_ = *columns;
    rest_ = {};
    return true;
  }

  // True while entries are left to decode: bytes of the layout-1 payload, or
  // of the layout-2 ts_delta column (the one that sets the entry count).
  bool More() const { return !rest_.empty() || !table_.deltas.empty(); }

  // Decodes the next entry (from rest_, or for layout 2 table_ and lines_)
  // into *e. Returns false (and sets *status) if it is malformed, overruns
  // its frame or breaks the block's stated time range.
  bool Decode(EntryView* e, Status* status) {
    uint64_t delta;
    if (split_) {
      uint64_t line_len;
      if (!GetLayout2Entry(&table_, &delta, &line_len, &e->metadata)) {
        *status = Corruption(BlockName(index_, src_->meta) + ": malformed table entry " +
                             std::to_string(parsed_));
        return false;
      }
      if (line_len > lines_.size()) {
        *status = Corruption(BlockName(index_, src_->meta) + ": entry " + std::to_string(parsed_) +
                             " has a line of " + std::to_string(line_len) +
                             " bytes, past the end of the lines frame (" +
                             std::to_string(lines_.size()) + " bytes left)");
        return false;
      }
      e->line = lines_.substr(0, line_len);
      lines_.remove_prefix(line_len);
    } else if (!GetBlockEntry(&rest_, &delta, &e->line, &e->metadata)) {
      *status = Corruption(BlockName(index_, src_->meta) + ": malformed entry " +
                           std::to_string(parsed_));
      return false;
    }
    if (parsed_ == 0 && delta != 0) {
      *status = Corruption(BlockName(index_, src_->meta) + ": first entry is not at min_ts");
      return false;
    }
    if (delta > static_cast<uint64_t>(src_->meta.max_ts) - static_cast<uint64_t>(prev_ts_)) {
      *status = Corruption(BlockName(index_, src_->meta) + ": entry " + std::to_string(parsed_) +
                           " is past the block's max_ts");
      return false;
    }
    prev_ts_ = static_cast<int64_t>(static_cast<uint64_t>(prev_ts_) + delta);
    e->timestamp_ns = prev_ts_;
    parsed_++;
    return true;
  }

  // Checks what can only be checked once the whole block is decoded.
  bool CheckEnd(Status* status) {
    if (parsed_ != src_->meta.entries || prev_ts_ != src_->meta.max_ts) {
      *status = Corruption(BlockName(index_, src_->meta) + ": holds " + std::to_string(parsed_) +
                           " entries up to ts " + std::to_string(prev_ts_) + ", index says " +
                           std::to_string(src_->meta.entries) + " up to " +
                           std::to_string(src_->meta.max_ts));
      return false;
    }
    if (!split_) return true;
    if (!table_.line_lens.empty() || !table_.metadata_lens.empty() || !table_.metadata.empty()) {
      *status = Corruption(BlockName(index_, src_->meta) +
                           ": table columns hold more than the ts_delta column's " +
                           std::to_string(parsed_) + " entries");
      return false;
    }
    if (!lines_.empty()) {
      *status =
          Corruption(BlockName(index_, src_->meta) + ": line lengths add up to " +
                     std::to_string(lines_.size()) + " bytes less than the lines frame holds");
      return false;
    }
    return true;
  }

  bool NextForward(Status* status) {
    while (More()) {
      if (!Decode(&entry_, status)) return false;
      if (entry_.timestamp_ns < from_) continue;
      if (entry_.timestamp_ns >= to_) {
        rest_ = {};  // sorted: nothing further is in range
        table_ = {};
        lines_ = {};
        return false;
      }
      return true;
    }
    CheckEnd(status);
    return false;
  }

  // Backward needs every entry's position: timestamps are delta-coded forward.
  bool IndexAll(Status* status) {
    all_.clear();
    all_.reserve(src_->meta.entries);
    EntryView e;
    while (More()) {
      if (!Decode(&e, status)) return false;
      all_.push_back(e);
    }
    return CheckEnd(status);
  }

  bool NextBackward() {
    if (pos_ == 0) return false;
    const EntryView& e = all_[pos_ - 1];
    if (e.timestamp_ns < from_) {
      pos_ = 0;
      return false;
    }
    pos_--;
    entry_ = e;
    return true;
  }

  const BlockSource* src_ = nullptr;
  size_t index_ = 0;
  int64_t from_ = 0;
  int64_t to_ = 0;
  bool forward_ = true;
  bool split_ = false;      // layout 2
  std::string buf_;         // decompressed payload (layout 1) or table (layout 2)
  std::string lines_buf_;   // decompressed lines frame (layout 2)
  std::string_view rest_;   // layout 1: the payload not decoded yet
  Layout2Table table_;      // layout 2: the table columns not decoded yet
  std::string_view lines_;  // layout 2: the lines not returned yet
  int64_t prev_ts_ = 0;
  uint32_t parsed_ = 0;
  std::vector<EntryView> all_;  // backward: every entry of the block
  size_t pos_ = 0;              // backward: all_[pos_ - 1] is next
  EntryView entry_;
};

// Merges the blocks' cursors with a heap ordered by (timestamp, block index),
// opening a block only when the merge reaches its time range. With disjoint,
// ordered blocks the heap never holds more than one cursor.
class BlockMergeIterator final : public EntryIterator {
 public:
  BlockMergeIterator(std::shared_ptr<const void> owner, std::vector<BlockSource> blocks,
                     int64_t from, int64_t to, Direction dir, BlockFilterPtr filter)
      : owner_(std::move(owner)),
        filter_(std::move(filter)),
        blocks_(std::move(blocks)),
        from_(from),
        to_(to),
        forward_(dir == Direction::kForward) {
    for (size_t i = 0; i < blocks_.size(); i++) {
      const BlockMeta& m = blocks_[i].meta;
      if (from_ < to_ && m.max_ts >= from_ && m.min_ts < to_) {
        pending_.push_back(static_cast<uint32_t>(i));
      }
    }
    // Pending blocks in the order the merge reaches their time ranges.
    if (forward_) {
      std::stable_sort(pending_.begin(), pending_.end(), [this](uint32_t a, uint32_t b) {
        return blocks_[a].meta.min_ts < blocks_[b].meta.min_ts;
      });
    } else {
      std::stable_sort(pending_.begin(), pending_.end(), [this](uint32_t a, uint32_t b) {
        return blocks_[a].meta.max_ts > blocks_[b].meta.max_ts;
      });
    }
  }

  bool Next() override {
    if (!status_.ok()) return false;
    if (last_ != nullptr) {
      BlockCursor* c = std::exchange(last_, nullptr);
      if (c->Advance(&status_)) {
        Push(c);
      } else {
        free_.push_back(c);
        if (!status_.ok()) return false;
      }
    }
    while (next_pending_ < pending_.size()) {
      uint32_t index = pending_[next_pending_];
      const BlockMeta& m = blocks_[index].meta;
      // A block whose range starts at or before the heap's next entry may
      // hold an entry that comes first (or ties and comes first by index).
      if (!heap_.empty()) {
        int64_t next_ts = heap_.front()->ts();
        if (forward_ ? m.min_ts > next_ts : m.max_ts < next_ts) break;
      }
      next_pending_++;
      BlockCursor* c = Acquire();
      if (c->Load(blocks_[index], index, from_, to_,
                  forward_ ? Direction::kForward : Direction::kBackward, filter_.get(), &status_)) {
        Push(c);
      } else {
        free_.push_back(c);
        if (!status_.ok()) return false;
      }
    }
    if (heap_.empty()) return false;
    std::pop_heap(heap_.begin(), heap_.end(), Later{forward_});
    last_ = heap_.back();
    heap_.pop_back();
    return true;
  }

  const EntryView& entry() const override { return last_->entry(); }
  Status status() const override { return status_; }

 private:
  // Heap order: Later(a, b) iff a's entry comes after b's in iteration order,
  // so the heap's front is the entry that comes first.
  struct Later {
    bool forward;
    bool operator()(const BlockCursor* a, const BlockCursor* b) const {
      if (a->ts() != b->ts()) return forward ? a->ts() > b->ts() : a->ts() < b->ts();
      return forward ? a->index() > b->index() : a->index() < b->index();
    }
  };

  void Push(BlockCursor* c) {
    heap_.push_back(c);
    std::push_heap(heap_.begin(), heap_.end(), Later{forward_});
  }

  BlockCursor* Acquire() {
    if (!free_.empty()) {
      BlockCursor* c = free_.back();
      free_.pop_back();
      return c;
    }
    cursors_.push_back(std::make_unique<BlockCursor>());
    return cursors_.back().get();
  }

  const std::shared_ptr<const void> owner_;
  const BlockFilterPtr filter_;
  const std::vector<BlockSource> blocks_;
  const int64_t from_;
  const int64_t to_;
  const bool forward_;
  std::vector<uint32_t> pending_;  // blocks in range, not opened yet
  size_t next_pending_ = 0;
  std::vector<std::unique_ptr<BlockCursor>> cursors_;  // owns every cursor
  std::vector<BlockCursor*> heap_;
  std::vector<BlockCursor*> free_;  // cursors to reuse, with their buffers
  BlockCursor* last_ = nullptr;     // produced the current entry
  Status status_;
};

Status BadBlock(size_t index, const BlockMeta& meta, const std::string& what) {
  return Corruption("chunk index: " + BlockName(index, meta) + " " + what);
}

}  // namespace

bool BlockFilter::MayMatch(std::string_view text) const {
  for (const auto& lit : literals) {
    if (lit.empty()) continue;
    if (memmem(text.data(), text.size(), lit.data(), lit.size()) == nullptr) return false;
  }
  return true;
}

EntryIteratorPtr NewBlockIterator(std::shared_ptr<const void> owner,
                                  std::vector<BlockSource> blocks, int64_t from, int64_t to,
                                  Direction dir, BlockFilterPtr filter) {
  return std::make_unique<BlockMergeIterator>(std::move(owner), std::move(blocks), from, to, dir,
                                              std::move(filter));
}

StatusOr<std::shared_ptr<const ChunkReader>> ChunkReader::Open(std::string bytes) {
  LOGSTACK_ASSIGN_OR_RETURN(Encoding encoding, DecodeChunkHeader(bytes));
  const BlockLayout layout = BlockLayoutOf(ChunkHeaderFlags(bytes));
  if (bytes.size() < kChunkHeaderSize + kChunkFooterSize) {
    return Corruption("chunk of " + std::to_string(bytes.size()) +
                      " bytes is shorter than a header and a footer");
  }
  LOGSTACK_ASSIGN_OR_RETURN(ChunkFooter footer, DecodeChunkFooter(bytes));
  const uint64_t index_end = bytes.size() - kChunkFooterSize;
  if (footer.index_offset < kChunkHeaderSize ||
      uint64_t{footer.index_offset} + footer.index_len != index_end) {
    return Corruption("chunk footer: block index at " + std::to_string(footer.index_offset) +
                      " length " + std::to_string(footer.index_len) +
                      " does not end where the footer starts (" + std::to_string(index_end) + ")");
  }
  std::string_view index = std::string_view(bytes).substr(footer.index_offset, footer.index_len);
  if (crc32c::Value(index) != footer.index_crc) {
    return Corruption("chunk footer: block index checksum mismatch");
  }
  LOGSTACK_ASSIGN_OR_RETURN(std::vector<BlockMeta> blocks, DecodeBlockIndex(index));
  // The blocks end where the trigram filter (if any) starts.
  uint32_t blocks_end = footer.index_offset;
  size_t filter_size = 0;
  if (ChunkHeaderFlags(bytes) & kChunkFlagTrigrams) {
    std::string_view before =
        std::string_view(bytes).substr(kChunkHeaderSize, footer.index_offset - kChunkHeaderSize);
    auto f = TrigramFilter::Decode(before, &filter_size);
    if (!f.ok()) return f.status();
    blocks_end = footer.index_offset - static_cast<uint32_t>(filter_size);
  }
  for (size_t i = 0; i < blocks.size(); i++) {
    const BlockMeta& b = blocks[i];
    if (b.offset < kChunkHeaderSize || uint64_t{b.offset} + b.compressed_len > blocks_end) {
      return BadBlock(i, b,
                      "at " + std::to_string(b.offset) + " length " +
                          std::to_string(b.compressed_len) +
                          " is not between the header and the index");
    }
    if (b.entries == 0 || uint64_t{b.entries} * kMinEncodedEntrySize > b.raw_len) {
      return BadBlock(i, b,
                      "claims " + std::to_string(b.entries) + " entries in " +
                          std::to_string(b.raw_len) + " raw bytes");
    }
    if (layout == BlockLayout::kInterleaved) {
      if (encoding == Encoding::kNone && b.compressed_len != b.raw_len) {
        return BadBlock(i, b, "is uncompressed but its lengths differ");
      }
    } else if (b.compressed_len < kMinLayout2BlockSize ||
               (encoding == Encoding::kNone &&
                b.compressed_len < uint64_t{b.raw_len} + kMinLayout2BlockSize)) {
      return BadBlock(i, b,
                      "has " + std::to_string(b.compressed_len) +
                          " stored bytes, too few for a layout-2 block of " +
                          std::to_string(b.raw_len) + " raw bytes");
    }
  }
  // The writer puts the blocks back to back up to the filter or the index:
  // a gap means a header flag or a length is wrong.
  uint64_t end = kChunkHeaderSize;
  for (const BlockMeta& b : blocks)
    end = std::max<uint64_t>(end, uint64_t{b.offset} + b.compressed_len);
  if (!blocks.empty() && end != blocks_end) {
    return Corruption("chunk: blocks end at " + std::to_string(end) + ", expected " +
                      std::to_string(blocks_end));
  }
  return std::make_shared<const ChunkReader>(PrivateTag(), std::move(bytes), encoding, layout,
                                             std::move(blocks), footer.index_offset, filter_size);
}

bool ChunkReader::TailMayMatch(std::string_view tail, uint64_t chunk_len, const BlockFilter& filter,
                               int64_t from, int64_t to) {
  if (filter.literals.empty() || tail.size() < kChunkFooterSize) return true;
  auto footer = DecodeChunkFooter(tail);
  if (!footer.ok()) return true;
  const uint64_t index_end = chunk_len - kChunkFooterSize;
  if (uint64_t{footer->index_offset} + footer->index_len != index_end) return true;
  // Where the index starts, counted from the start of `tail`.
  const uint64_t tail_start = chunk_len - tail.size();
  if (footer->index_offset < tail_start + 5) return true;  // the filter is not all here
  std::string_view index = tail.substr(footer->index_offset - tail_start, footer->index_len);
  if (crc32c::Value(index) != footer->index_crc) return true;
  size_t size = 0;
  auto tf = TrigramFilter::Decode(tail.substr(0, footer->index_offset - tail_start), &size);
  if (!tf.ok()) return true;  // no filter (or damage): read it all
  for (const auto& lit : filter.literals) {
    if (tf->MayContain(lit)) continue;
    auto blocks = DecodeBlockIndex(index);
    if (!blocks.ok()) return true;
    for (const BlockMeta& b : *blocks) {
      if (b.max_ts < from || b.min_ts >= to) continue;
      filter.skipped_bytes.fetch_add(b.raw_len, std::memory_order_relaxed);
      filter.skipped_entries.fetch_add(b.entries, std::memory_order_relaxed);
    }
    return false;
  }
  return true;
}

ChunkReader::ChunkReader(PrivateTag, std::string bytes, Encoding encoding, BlockLayout layout,
                         std::vector<BlockMeta> blocks, uint32_t index_offset, size_t filter_size)
    : bytes_(std::move(bytes)), encoding_(encoding), layout_(layout), blocks_(std::move(blocks)) {
  for (const BlockMeta& b : blocks_) entries_ += b.entries;
  if (filter_size > 0) {
    size_t size = 0;
    auto f = TrigramFilter::Decode(std::string_view(bytes_).substr(0, index_offset), &size);
    if (f.ok()) trigrams_ = *f;  // verified by Open()
  }
}

EntryIteratorPtr ChunkReader::Iterator(int64_t from, int64_t to, Direction dir,
                                       BlockFilterPtr filter) const {
  std::vector<BlockSource> sources;
  if (filter && trigrams_) {
    for (const auto& lit : filter->literals) {
      if (trigrams_->MayContain(lit)) continue;
      // No line of this chunk holds `lit`: count what is skipped, read nothing.
      for (const BlockMeta& b : blocks_) {
        if (b.max_ts < from || b.min_ts >= to) continue;
        filter->skipped_bytes.fetch_add(b.raw_len, std::memory_order_relaxed);
        filter->skipped_entries.fetch_add(b.entries, std::memory_order_relaxed);
      }
      return NewBlockIterator(shared_from_this(), {}, from, to, dir);
    }
  }
  sources.reserve(blocks_.size());
  for (const BlockMeta& b : blocks_) {
    sources.push_back(BlockSource{b, std::string_view(bytes_).substr(b.offset, b.compressed_len),
                                  encoding_, /*verify_crc=*/true, layout_});
  }
  return NewBlockIterator(shared_from_this(), std::move(sources), from, to, dir, std::move(filter));
}

}  // namespace logstack::logstore::chunk
