#pragma once

// ChunkReader: reads an encoded chunk (docs/storage.md, "Chunks") and
// iterates its entries in timestamp order.
//
// Also home of NewBlockIterator(), the block-merging iterator that ChunkReader
// and HeadChunk share: both are "a list of compressed blocks, in arrival
// order, that may overlap in time".
//
// A chunk is untrusted input. Open() checks everything needed to make every
// later read stay inside the chunk; an iterator checks each block's CRC and
// entry encoding when it reaches the block and stops with a Corruption status
// on the first one that does not check out.
//
// Both block layouts are read: the header's flags say which one a chunk's
// blocks use (layout 2 for chunks HeadChunk writes now, layout 1 for older
// ones).
//
// Thread safety: a ChunkReader is immutable after Open(), so any number of
// threads may call its const methods. Each iterator is used by one thread at a
// time and shares ownership of the reader, so it may outlive every other
// reference to it.

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "logstore/chunk/chunk_format.h"
#include "logstore/chunk/compression.h"
#include "logstore/chunk/trigram_filter.h"
#include "logstore/model/iterator.h"

namespace logstack::logstore::chunk {

// One block as NewBlockIterator sees it.
struct BlockSource {
  BlockMeta meta;         // `offset` is not used
  std::string_view data;  // the block's stored bytes, compressed with `encoding`
  Encoding encoding = Encoding::kNone;
  bool verify_crc = true;  // false for bytes that never left this process's memory
  BlockLayout layout = BlockLayout::kInterleaved;
};

// A read hint from a query: literals every wanted line contains. A block
// whose lines lack one of them holds no wanted line, so its entries are never
// decoded or returned. What is searched: for a layout-2 block its decompressed
// lines frame alone, which is decompressed first, so a skipped block's entry
// table is never decompressed; for a layout-1 block its whole decompressed
// payload (metadata and framing bytes included, so it may let more blocks
// through). A literal found only across two adjacent lines lets a block
// through too: never a wrong answer, only a decode. A skipped block adds its
// raw_len to skipped_bytes and its entry_count to skipped_entries, once, for
// the query's statistics; a block that is read adds nothing.
//
// Thread safety: MayMatch and the counters may be used from many threads.
struct BlockFilter {
  std::vector<std::string> literals;  // case-sensitive; none = every block
  mutable std::atomic<uint64_t> skipped_bytes{0};
  mutable std::atomic<uint64_t> skipped_entries{0};

  // True iff `text` contains every literal.
  bool MayMatch(std::string_view text) const;
};
using BlockFilterPtr = std::shared_ptr<BlockFilter>;

// Returns an iterator over the entries with from <= ts < to of `blocks`, in
// timestamp order for `dir`, merging blocks that overlap in time.
//
// `blocks` must be listed in arrival order (as a chunk's index lists them):
// entries with equal timestamps come out in arrival order going forward and
// in reverse arrival order going backward. A block whose [min_ts, max_ts]
// misses [from, to) is never read, and a block is decompressed only when the
// merge reaches its time range, so at most as many blocks are held
// decompressed at once as overlap in time.
//
// `owner` keeps the bytes of every blocks[i].data alive; the iterator holds it
// until it is destroyed.
//
// With a `filter`, blocks it rules out are skipped after decompressing their
// lines (layout 2) or their payload (layout 1); see BlockFilter.
//
// Each block is checked (CRC if verify_crc, every varint, length and count
// against the frames that hold them, entry_count and max_ts against the
// entries) when the merge reaches it; the first check that fails stops the
// iterator with a Corruption status naming the block.
EntryIteratorPtr NewBlockIterator(std::shared_ptr<const void> owner,
                                  std::vector<BlockSource> blocks, int64_t from, int64_t to,
                                  Direction dir, BlockFilterPtr filter = nullptr);

class ChunkReader : public std::enable_shared_from_this<ChunkReader> {
 private:
  struct PrivateTag {
    explicit PrivateTag() = default;
  };

 public:
  // Takes ownership of the bytes of one chunk. Returns Corruption, naming the
  // first problem found, unless the header and footer magics, the encoding,
  // the block index checksum and encoding, and the bounds of every block
  // (inside the chunk, before the index) all check out. Block contents are
  // checked later, by the iterators that read them.
  static StatusOr<std::shared_ptr<const ChunkReader>> Open(std::string bytes);

  // Checks a chunk's trigram filter from its last bytes alone (`tail`, the
  // final tail.size() bytes of a chunk of `chunk_len` bytes), so a query can
  // skip a chunk without reading its blocks. Returns false when the filter
  // rules out one of `filter`'s literals (the blocks in [from, to) are then
  // counted as skipped), true when the chunk must be read: the filter allows
  // the literals, the chunk has no filter, or the tail is too short to
  // tell. Damage also answers true: the full read reports it.
  static bool TailMayMatch(std::string_view tail, uint64_t chunk_len, const BlockFilter& filter,
                           int64_t from, int64_t to);

  // Use Open(). `filter_size` is the length of the trigram filter section
  // before the block index (0: none), already verified.
  ChunkReader(PrivateTag, std::string bytes, Encoding encoding, BlockLayout layout,
              std::vector<BlockMeta> blocks, uint32_t index_offset, size_t filter_size);
  ChunkReader(const ChunkReader&) = delete;
  ChunkReader& operator=(const ChunkReader&) = delete;

  Encoding encoding() const { return encoding_; }
  // The layout of every block, from the header's flags.
  BlockLayout layout() const { return layout_; }
  // In the order the index lists them (arrival order).
  const std::vector<BlockMeta>& blocks() const { return blocks_; }
  const std::string& bytes() const { return bytes_; }
  // The total entry count of all blocks.
  uint64_t entries() const { return entries_; }

  // True iff the chunk has a trigram filter.
  bool has_trigram_filter() const { return trigrams_.has_value(); }

  // Returns an iterator over entries with from <= ts < to in timestamp order
  // for `dir` (see NewBlockIterator). With a `filter` whose literals the
  // chunk's trigram filter rules out, the iterator is empty and the blocks
  // in range are counted as skipped. The iterator shares ownership of this
  // reader. REQUIRES: this reader is owned by a shared_ptr (as Open returns it).
  EntryIteratorPtr Iterator(int64_t from, int64_t to, Direction dir,
                            BlockFilterPtr filter = nullptr) const;

 private:
  const std::string bytes_;
  const Encoding encoding_;
  const BlockLayout layout_;
  const std::vector<BlockMeta> blocks_;
  uint64_t entries_ = 0;
  std::optional<TrigramFilter> trigrams_;  // views bytes_
};

}  // namespace logstack::logstore::chunk
