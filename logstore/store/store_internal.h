#pragma once

// Internal types of the Store, shared by its .cc files. Not part of the API.

#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/env.h"
#include "common/metrics.h"
#include "logstore/chunk/head_chunk.h"
#include "logstore/index/label_index.h"
#include "logstore/model/types.h"
#include "logstore/store/rate_limiter.h"
#include "logstore/wal/log_writer.h"

namespace logstack::logstore {

// Where a flushed chunk is (docs/storage.md, "Index log").
struct ChunkRef {
  int64_t partition = 0;  // the partition's start, ns
  uint32_t file_no = 0;
  uint64_t offset = 0;
  uint32_t length = 0;
  int64_t min_ts = 0;
  int64_t max_ts = 0;
  uint32_t entries = 0;
  uint64_t raw_bytes = 0;
  uint64_t max_seq = 0;
};

struct Stream {
  Stream(index::StreamId id, Labels labels, std::string labels_string, double rate, double burst)
      : id(id),
        labels(std::move(labels)),
        labels_string(std::move(labels_string)),
        rate(rate, burst) {}

  const index::StreamId id;
  const Labels labels;
  const std::string labels_string;

  mutable std::mutex mu;                                    // guards everything below
  std::shared_ptr<chunk::HeadChunk> head;                   // null when empty
  std::vector<std::shared_ptr<chunk::HeadChunk>> flushing;  // cut, not yet indexed
  std::vector<ChunkRef> chunks;                             // flushed, by min_ts
  int64_t max_ts = INT64_MIN;        // newest entry ever accepted (out-of-order window)
  uint64_t last_seq = 0;             // newest WAL record applied to this stream
  uint64_t first_unflushed_seq = 0;  // oldest WAL record in head/flushing; 0 = none
  uint64_t flushed_seq = 0;          // entries of records <= this are in flushed chunks
  int64_t head_created_ns = 0;       // wall clock when the head got its first entry
  int64_t last_append_ns = 0;        // wall clock of the last append
  TokenBucket rate;                  // per-stream rate limit (under the ingest mutex)
};

// One time partition of a tenant: its chunk files and index log.
class Partition {
 public:
  Partition(Env* env, std::string dir, int64_t start)
      : env_(env), dir_(std::move(dir)), start_(start) {}

  int64_t start() const { return start_; }
  const std::string& dir() const { return dir_; }

  // Appends chunk bytes to the current chunk file (not synced). Returns the ref
  // fields file_no and offset.
  Status AppendChunk(std::string_view bytes, ChunkRef* ref);
  // Syncs the chunk file, then appends and syncs the index records.
  Status Commit(const std::vector<std::string>& index_records);
  // Reads a chunk's bytes.
  StatusOr<std::string> ReadChunk(const ChunkRef& ref);
  // The last `n` bytes of a chunk (all of it when n >= its length).
  StatusOr<std::string> ReadChunkTail(const ChunkRef& ref, uint32_t n);
  void SetNextFileNo(uint32_t n) { next_file_no_ = n; }
  uint64_t disk_bytes() const { return disk_bytes_.load(); }
  void AddDiskBytes(uint64_t n) { disk_bytes_ += n; }

 private:
  Status OpenWriters();

  Env* env_;
  const std::string dir_;
  const int64_t start_;
  std::mutex mu_;
  WritableFilePtr chunk_file_;
  uint32_t file_no_ = 0;
  uint32_t next_file_no_ = 1;
  WritableFilePtr index_file_;
  std::unique_ptr<wal::LogWriter> index_writer_;
  std::map<uint32_t, std::shared_ptr<RandomAccessFile>> readers_;
  std::atomic<uint64_t> disk_bytes_{0};
};

struct Tenant {
  explicit Tenant(std::string id, std::string dir) : id(std::move(id)), dir(std::move(dir)) {}

  const std::string id;
  const std::string dir;
  std::mutex ingest_mu;               // orders appends, their WAL records and flush cuts
  std::unique_ptr<TokenBucket> rate;  // under ingest_mu

  mutable std::shared_mutex mu;  // guards the maps, the index and partitions
  std::unordered_map<std::string, Stream*> by_labels;
  std::unordered_map<index::StreamId, std::unique_ptr<Stream>> streams;
  index::LabelIndex index;
  std::map<int64_t, std::shared_ptr<Partition>> partitions;
  index::StreamId next_id = 1;

  metrics::Counter* lines = nullptr;
  metrics::Counter* bytes = nullptr;
};

}  // namespace logstack::logstore
