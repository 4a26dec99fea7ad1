#pragma once

// Internal types of the Store, shared by its .cc files. Not part of the API.
// The locks and their order are described in store.h.

#include <array>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/metrics.h"
#include "logstore/chunk/head_chunk.h"
#include "logstore/index/index_log.h"
#include "logstore/index/label_index.h"
#include "logstore/ingest/discard.h"
#include "logstore/ingest/limits.h"
#include "logstore/model/types.h"
#include "logstore/store/partition.h"
#include "logstore/store/store.h"

namespace logstack::logstore {

struct Stream {
  Stream(index::StreamId id, Labels labels, std::string labels_string, double rate, double burst)
      : id(id),
        labels(std::move(labels)),
        labels_string(std::move(labels_string)),
        limiter(rate, burst) {}

  // True while entries of the stream are in memory (a head, or heads being
  // flushed): what counts against the tenant's active-stream limit.
  // REQUIRES: mu held.
  bool InMemory() const { return head != nullptr || !flushing.empty(); }

  const index::StreamId id;
  const Labels labels;
  const std::string labels_string;

  mutable std::mutex mu;                                    // guards everything below
  std::shared_ptr<chunk::HeadChunk> head;                   // null when empty
  std::vector<std::shared_ptr<chunk::HeadChunk>> flushing;  // cut, not yet indexed
  std::vector<ChunkRef> chunks;                             // flushed, by min_ts
  ingest::StreamLimiter limiter;     // out-of-order window (newest entry) and rate
  int64_t cold_max_ts = INT64_MIN;   // newest entry in `flushing` or `chunks`
  uint64_t last_seq = 0;             // newest WAL record applied to this stream
  uint64_t first_unflushed_seq = 0;  // oldest WAL record in head/flushing; 0 = none
  uint64_t flushed_seq = 0;          // entries of records <= this are in flushed chunks
  int64_t head_created_ns = 0;       // wall clock when the head got its first entry
  int64_t last_append_ns = 0;        // wall clock of the last append
};

// A tenant's counters, looked up once when the tenant is first seen.
struct TenantCounters {
  metrics::Counter* lines = nullptr;
  metrics::Counter* bytes = nullptr;
  std::array<metrics::Counter*, ingest::kNumDiscardReasons> discarded_entries{};
  std::array<metrics::Counter*, ingest::kNumDiscardReasons> discarded_bytes{};
};

struct Tenant {
  Tenant(std::string id, std::string dir, ingest::TenantLimiter::Limits limits,
         TenantCounters counters)
      : id(std::move(id)), dir(std::move(dir)), limiter(limits), counters(counters) {}

  const std::string id;
  const std::string dir;
  std::mutex ingest_mu;           // orders appends, their WAL records and flush cuts
  ingest::TenantLimiter limiter;  // ingestion rate under ingest_mu; stream count atomic

  mutable std::shared_mutex mu;  // guards the maps, the index and partitions
  std::unordered_map<std::string, Stream*> by_labels;
  std::unordered_map<index::StreamId, std::unique_ptr<Stream>> streams;
  index::LabelIndex index;
  std::map<int64_t, std::shared_ptr<Partition>> partitions;
  index::StreamId next_id = 1;

  const TenantCounters counters;
};

// The stream with this id, or null when the map lacks it (an index that
// names a stream the map lacks is a bug, but never a crash).
// REQUIRES: t.mu held.
inline Stream* StreamById(const Tenant& t, index::StreamId id) {
  auto it = t.streams.find(id);
  return it == t.streams.end() ? nullptr : it->second.get();
}

// The start of the partition holding ts.
int64_t PartitionStart(int64_t ts, int64_t period);
// The head chunks' options.
chunk::ChunkOptions ChunkOpts(const StoreOptions& o);

// The store's own metrics, looked up once when it opens.
struct Store::Metrics {
  explicit Metrics(metrics::Registry* r);

  metrics::Counter& chunks_flushed;
  metrics::Counter& chunk_bytes_flushed;
  metrics::Counter& flush_failures;
  metrics::Counter& index_corruptions;
  metrics::Counter& wal_corruptions;
  metrics::Counter& wal_replayed_records;
  metrics::Counter& partitions_deleted;
  metrics::Counter& partitions_deleted_for_space;
  metrics::Counter& skipped_dirs;        // stray names under the data directory
  metrics::Counter& skipped_chunk_refs;  // references past the end of their chunk file
  metrics::Counter& dedup_read_errors;   // flushed chunks a duplicate check could not read
  metrics::Counter& duplicates;          // re-sent entries dropped as already stored
  // Set from one Stats() snapshot per scrape (Store::SetScrapeGauges).
  metrics::Gauge& streams;
  metrics::Gauge& active_streams;
  metrics::Gauge& head_bytes;
  metrics::Gauge& disk_bytes;
  metrics::Gauge& wal_disk_bytes;
  metrics::Gauge& wal_failed;
  metrics::Gauge& wal_stalled;
  metrics::Gauge& flush_stalled;
  metrics::Registry* registry;
};

}  // namespace logstack::logstore
