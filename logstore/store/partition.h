#pragma once

// Partition: one time partition of a tenant (docs/storage.md, "Partitions"):
// its chunk files `chunks-NNNNNN.dat` and its index log `index.log`.
//
// Thread safety: every method may be called from any thread; mu_ is a leaf
// lock (nothing is called out of the partition while it is held).

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/env.h"
#include "common/status.h"
#include "logstore/index/index_log.h"
#include "logstore/wal/log_writer.h"

namespace logstack::logstore {

using index::ChunkRef;

class Partition {
 public:
  Partition(Env* env, std::string dir, int64_t start)
      : env_(env), dir_(std::move(dir)), start_(start) {}

  int64_t start() const { return start_; }
  const std::string& dir() const { return dir_; }

  // Appends chunk bytes to the current chunk file (not synced). Sets the ref
  // fields file_no, offset and length.
  Status AppendChunk(std::string_view bytes, ChunkRef* ref);
  // Syncs the chunk file, then appends and syncs the index records.
  Status Commit(const std::vector<std::string>& index_records);
  // Reads a chunk's bytes. A chunk file shorter than the reference says is a
  // Corruption naming the file.
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
  WritableFilePtr chunk_file_;                                     // GUARDED_BY(mu_)
  uint32_t file_no_ = 0;                                           // GUARDED_BY(mu_)
  uint32_t next_file_no_ = 1;                                      // GUARDED_BY(mu_)
  WritableFilePtr index_file_;                                     // GUARDED_BY(mu_)
  std::unique_ptr<wal::LogWriter> index_writer_;                   // GUARDED_BY(mu_)
  std::map<uint32_t, std::shared_ptr<RandomAccessFile>> readers_;  // GUARDED_BY(mu_)
  std::atomic<uint64_t> disk_bytes_{0};
};

// The chunk file name of number n: chunks-NNNNNN.dat.
std::string ChunkFileName(uint32_t n);

}  // namespace logstack::logstore
