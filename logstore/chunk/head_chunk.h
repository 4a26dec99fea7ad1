#pragma once

// HeadChunk: the in-memory, growing chunk of one stream.
//
// Entries are appended to an open block, kept uncompressed; when it holds
// `block_size` raw bytes it is sorted and compressed into a closed block in
// block layout 2 (an entry-table frame and a lines frame, each compressed
// with the chunk's encoding). Encode() writes the whole chunk in the format of
// docs/storage.md, "Chunks", with header flag bit 1 set: every block it writes
// uses layout 2.
//
// Duplicates: an entry with the same timestamp and line as one already in
// this head chunk (metadata ignored, as Loki does) is dropped. Against the
// open block the comparison is exact; against closed blocks it compares a
// 64-bit fingerprint of (timestamp, line), so a distinct entry is dropped
// only on a fingerprint collision between two entries with equal timestamps
// (odds about 2^-64 per pair). Appends newer than every stored entry skip the
// check entirely.
//
// Thread safety: not thread-safe; the owner (a stream) serializes calls.
// Iterators returned by Iterator() are snapshots that share ownership of the
// closed blocks they read, so they may be used without the owner's lock and
// outlive this object.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "logstore/chunk/chunk_format.h"
#include "logstore/chunk/compression.h"
#include "logstore/chunk/trigram_filter.h"
#include "logstore/model/iterator.h"

namespace logstack::logstore::chunk {

struct ChunkOptions {
  Encoding encoding = Encoding::kZstd;
  int level = 3;                  // zstd level; ignored by the other encodings
  size_t block_size = 256 << 10;  // raw bytes (lines + metadata) per block
};

// Returns InvalidArgument, saying what is wrong, unless `opts` has a known
// encoding, a level zstd accepts and 1 KiB <= block_size <= 64 MiB.
Status ValidateChunkOptions(const ChunkOptions& opts);

// A 64-bit fingerprint of an entry's timestamp and line, for duplicate
// checks within this process (not stable across builds: never store it).
uint64_t EntryFingerprint(int64_t ts, std::string_view line);

class HeadChunk {
 public:
  // Out-of-range levels are clamped and block_size is clamped to the range
  // ValidateChunkOptions accepts; validate options where they are configured.
  explicit HeadChunk(ChunkOptions opts);
  HeadChunk(const HeadChunk&) = delete;
  HeadChunk& operator=(const HeadChunk&) = delete;

  // Appends an entry; timestamps may come in any order. Returns false and
  // stores nothing when an entry with the same timestamp and line is already
  // in this head chunk. Cuts the open block once it holds block_size raw
  // bytes. `encoded_metadata` is structured metadata as EncodeMetadata writes
  // it. The bytes are copied. REQUIRES: line.size() + encoded_metadata.size()
  // < 2 GiB.
  bool Append(int64_t ts, std::string_view line, std::string_view encoded_metadata);

  // Returns true iff an entry with this timestamp and line is stored here
  // (by the comparison the file comment describes).
  bool Contains(int64_t ts, std::string_view line);

  // Sorts the open block by timestamp (ties keep arrival order) and
  // compresses it into a closed block. Does nothing if it is empty.
  void CutBlock();

  size_t entries() const { return entries_; }
  // Line bytes plus metadata bytes of every entry.
  size_t raw_bytes() const { return raw_bytes_; }
  // Compressed size of the closed blocks.
  size_t compressed_bytes() const { return compressed_bytes_; }
  // Approximate heap bytes held by this object (closed blocks that live
  // iterators also hold are counted here).
  size_t memory_bytes() const;
  // REQUIRES: !empty().
  int64_t min_ts() const { return min_ts_; }
  int64_t max_ts() const { return max_ts_; }
  bool empty() const { return entries_ == 0; }
  size_t closed_blocks() const { return blocks_.size(); }
  const ChunkOptions& options() const { return opts_; }

  // Cuts the open block and returns the bytes of a chunk holding every entry.
  // The head chunk keeps its entries and may be appended to afterwards.
  // REQUIRES: the encoded chunk is smaller than 4 GiB.
  std::string Encode();

  // Returns a snapshot iterator over the entries with from <= ts < to, in
  // timestamp order for `dir` (ties in arrival order forward, reversed
  // backward). Cheap: shares the closed blocks and copies only the open
  // block's entries in range; nothing is decompressed until iteration. The
  // iterator is unaffected by later calls on this object, including its
  // destruction.
  EntryIteratorPtr Iterator(int64_t from, int64_t to, Direction dir) const;

 private:
  // An open-block entry; its line and then its metadata are at `offset` in
  // open_data_.
  struct OpenEntry {
    int64_t ts;
    uint32_t offset;
    uint32_t line_len;
    uint32_t metadata_len;
  };

  // Immutable once cut: shared with iterators.
  struct ClosedBlock {
    BlockMeta meta;    // `offset` is assigned by Encode()
    std::string data;  // the stored block, layout 2
  };

  // Fingerprints of a closed block's entries, sorted, for duplicate checks.
  struct DedupIndex {
    std::vector<uint64_t> tail;  // entries at the block's max_ts, made at cut
    std::vector<uint64_t> all;   // every entry, made on first need
    bool all_built = false;
  };

  std::string_view LineOf(const OpenEntry& e) const {
    return std::string_view(open_data_).substr(e.offset, e.line_len);
  }
  std::string_view MetadataOf(const OpenEntry& e) const {
    return std::string_view(open_data_).substr(e.offset + e.line_len, e.metadata_len);
  }
  // Returns true iff an entry (ts, line) is stored. REQUIRES: ts <= max_ts_.
  bool IsDuplicate(int64_t ts, std::string_view line);
  bool InOpenBlock(int64_t ts, std::string_view line) const;
  bool InClosedBlock(size_t i, int64_t ts, std::string_view line);
  // Indices of open-block entries with first <= ts <= last, sorted by
  // (ts, arrival).
  std::vector<uint32_t> SortedOpenEntries(int64_t first, int64_t last) const;

  const ChunkOptions opts_;

  std::string open_data_;
  std::vector<OpenEntry> open_entries_;
  bool open_sorted_ = true;  // open_entries_ is in non-decreasing ts order
  int64_t open_min_ts_ = 0;
  int64_t open_max_ts_ = 0;
  size_t open_raw_ = 0;

  std::vector<std::shared_ptr<const ClosedBlock>> blocks_;
  std::vector<DedupIndex> dedup_;  // parallel to blocks_
  size_t dedup_bytes_ = 0;
  TrigramFilterBuilder trigrams_;  // of every line cut into a block

  size_t entries_ = 0;
  size_t raw_bytes_ = 0;
  size_t compressed_bytes_ = 0;
  int64_t min_ts_ = 0;
  int64_t max_ts_ = 0;
};

}  // namespace logstack::logstore::chunk
