#pragma once

// The on-disk chunk index of a partition (docs/storage.md, "Index log"): the
// file `index.log`, a sequence of records in the framing of
// wal/log_format.h, each naming one flushed chunk of one stream.
//
//   kind (1 byte, 1 = chunk reference) | labels (length-prefixed text)
//   | min_ts (varsint) | max_ts (varsint) | file_no | offset | length
//   | entries | raw_bytes | max_seq (varints)
//
// EncodeChunkRef and DecodeChunkRef are the record codec. ReadIndexLog reads
// a whole file back: damage never stops it and never reaches the caller as
// a reference; it is counted and described in the IndexLogStats it returns.
//
// Thread safety: free functions over their arguments.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/env.h"
#include "common/status.h"

namespace logstack::logstore::index {

// Where a flushed chunk is, and what it holds.
struct ChunkRef {
  int64_t partition = 0;  // the partition's start, ns (not stored: the file's directory says it)
  uint32_t file_no = 0;
  uint64_t offset = 0;
  uint32_t length = 0;
  int64_t min_ts = 0;
  int64_t max_ts = 0;
  uint32_t entries = 0;
  uint64_t raw_bytes = 0;
  uint64_t max_seq = 0;  // the newest WAL record whose entries the chunk holds
};

// One index record for the stream whose canonical labels text is `labels`.
std::string EncodeChunkRef(std::string_view labels, const ChunkRef& ref);

// Decodes a record. Returns true iff it is a whole, well-formed chunk
// reference with min_ts <= max_ts; *labels then points into `record`.
// ref->partition is left alone.
bool DecodeChunkRef(std::string_view record, std::string_view* labels, ChunkRef* ref);

struct IndexLogStats {
  uint64_t records = 0;      // references passed on
  uint64_t corruptions = 0;  // damaged spans and undecodable records skipped
  std::string last_error;    // the last damage seen, naming the file
  uint64_t good_end = 0;     // the offset just past the last intact record
};

// Reads every intact record of the index log at `path` and calls
// fn(labels, ref) for each (the view is valid during the call). Damaged
// framing and records that do not decode are skipped and counted. Returns
// IOError only when the file cannot be opened or read; damage is not an error.
StatusOr<IndexLogStats> ReadIndexLog(
    Env* env, const std::string& path,
    const std::function<void(std::string_view labels, const ChunkRef& ref)>& fn);

}  // namespace logstack::logstore::index
