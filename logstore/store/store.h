#pragma once

// Store: the log store's storage engine. It takes checked batches
// (ingest/batch.h; the distributor validates each push first), applies the
// limits that need its state (ingest/limits.h), makes
// them durable in the write-ahead log, keeps each stream's newest entries in
// an in-memory head chunk, flushes full, old or idle heads to compressed
// chunk files in time partitions, indexes streams by label, enforces
// retention, and serves reads that merge flushed chunks with the heads.
// docs/storage.md describes every file it writes.
//
// Thread safety: every public method may be called from any thread.
//
// Locks, in the only order in which one may be taken while another is held:
//
//   round_mu_ -> flush_mu_ -> tenants_mu_ -> Tenant::ingest_mu -> Tenant::mu
//     -> Stream::mu -> Partition::mu_ -> the WAL's mutex
//
// - round_mu_: one background round (flush choice and retention) at a time.
// - flush_mu_: one flush at a time.
// - tenants_mu_: the tenant map only; held for lookups and inserts.
// - Tenant::ingest_mu: orders a tenant's appends with their WAL records and
//   with flush cuts; holds the tenant's ingestion token bucket.
// - Tenant::mu (shared): the tenant's stream map, label index and
//   partitions. Exclusive only to add streams and partitions and to drop them.
// - Stream::mu: one stream's heads, chunk list and limits.
// - Partition::mu_ and the WAL's mutex are leaves.
//
// Nothing is called out of the store while any of these is held: metrics
// are counted, live tails fed and push callbacks run after the locks are
// released (the WAL runs callbacks on its own thread, outside its locks).
// Metric lookups (Registry::GetCounter) happen when a tenant is first seen,
// not per push. /metrics reads one Stats() snapshot per scrape through a
// scrape hook; the registry calls it without its own lock, so nothing calls
// into the store while holding the registry's lock.

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/clock.h"
#include "common/env.h"
#include "common/metrics.h"
#include "common/status.h"
#include "logstore/chunk/chunk_reader.h"
#include "logstore/index/label_index.h"
#include "logstore/index/matcher.h"
#include "logstore/ingest/batch.h"
#include "logstore/model/iterator.h"
#include "logstore/model/types.h"
#include "logstore/store/options.h"
#include "logstore/store/tail_hub.h"

namespace logstack::logstore {

namespace wal {
class Wal;
}

// One selected stream and an iterator over its entries in the asked range.
struct StreamSelection {
  const Labels* labels;  // valid while the Store lives and the stream exists
  std::string labels_string;
  EntryIteratorPtr it;
};

struct StoreStats {
  uint64_t streams = 0;
  uint64_t active_streams = 0;
  uint64_t head_bytes = 0;
  uint64_t chunks = 0;
  uint64_t partitions = 0;
  uint64_t disk_bytes = 0;
  uint64_t wal_bytes = 0;
};

// One stream's share of a time range (Store::Volumes).
struct StreamVolume {
  Labels labels;
  uint64_t chunks = 0;   // flushed chunks and in-memory heads overlapping the range
  uint64_t entries = 0;  // entries in the range (estimated, see Volumes)
  uint64_t bytes = 0;    // line bytes in the range (estimated, see Volumes)
};

struct Tenant;
struct Stream;
struct PushWork;
class Partition;
class WalRecordWriter;

class Store {
 public:
  // Opens the data directory: loads every partition's index and replays the
  // WAL. Returns an error for an unusable directory; corrupt records are
  // skipped and reported in the log and metrics, never applied.
  static StatusOr<std::unique_ptr<Store>> Open(Env* env, Clock* clock, StoreOptions opts,
                                               metrics::Registry* registry);
  ~Store();

  // Starts the background loop: a round (below) every flush_check_period on
  // the Clock, timed from the end of the previous one.
  void StartBackground();
  // One round of what the background loop does every flush_check_period:
  // flushes heads that are full, old or idle, and those that pin the WAL's
  // oldest segment while the WAL is over wal.max_size; runs retention when
  // retention_check_period has passed on the Clock. Tests may call it
  // directly, or start the loop and move a FakeClock.
  void RunBackgroundRound();
  // Flushes every head to chunks (so a restart replays nothing), stops the
  // background threads and closes the WAL. Idempotent.
  void Close();

  // Stores a checked batch for a tenant: refuses what the tenant's rate, its
  // active-stream limit and each stream's rate and out-of-order window do
  // not allow, drops entries already stored (docs/storage.md,
  // "Duplicates"), and appends the rest to the WAL and the heads. `done` is
  // called once, possibly from another thread, once the kept entries are
  // durable or the WAL failed (ingest::Outcome). The batch, and the request
  // it views, are read only until Push returns: the caller may reuse them
  // right after, while `done` is still to come.
  void Push(const std::string& tenant, const ingest::Batch& batch,
            std::function<void(ingest::Outcome)> done);

  // Streams matching the selector with entries in [from, to), each with an
  // iterator in `dir` order. Entries identical in time and line are merged.
  // With a `filter`, blocks of flushed chunks that cannot hold a wanted
  // line are skipped (see chunk::BlockFilter); heads are read in full.
  StatusOr<std::vector<StreamSelection>> Select(const std::string& tenant,
                                                const std::vector<index::Matcher>& matchers,
                                                int64_t from, int64_t to, Direction dir,
                                                chunk::BlockFilterPtr filter = nullptr);

  // Label names and values of streams with data overlapping [from, to),
  // optionally only of streams matching `matchers`. Sorted.
  StatusOr<std::vector<std::string>> LabelNames(const std::string& tenant, int64_t from, int64_t to,
                                                const std::vector<index::Matcher>* matchers);
  StatusOr<std::vector<std::string>> LabelValues(const std::string& tenant, const std::string& name,
                                                 int64_t from, int64_t to,
                                                 const std::vector<index::Matcher>* matchers);

  // Label sets of the streams matching `matchers` (every stream when empty)
  // with data overlapping [from, to), sorted.
  StatusOr<std::vector<Labels>> Series(const std::string& tenant,
                                       const std::vector<index::Matcher>& matchers, int64_t from,
                                       int64_t to);

  // For each stream matching `matchers` (every stream when empty) with data
  // overlapping [from, to): its chunks, entries and line bytes there, counted
  // from the chunk index and the in-memory heads without reading entries. A
  // chunk only partly in the range counts in proportion to the overlap of its
  // time span, so entries and bytes are estimates (exact when every chunk
  // lies inside the range). Sorted by labels.
  StatusOr<std::vector<StreamVolume>> Volumes(const std::string& tenant,
                                              const std::vector<index::Matcher>& matchers,
                                              int64_t from, int64_t to);

  // Passes every entry stored for `tenant` from now on to `sink`, until the
  // sink is destroyed: the store keeps only a weak reference, so destroying
  // the sink is how a tail ends. Costs nothing on Push while no sink lives.
  void Subscribe(const std::string& tenant, std::weak_ptr<TailSink> sink);

  // Flushes every non-empty head now (tests, shutdown). Returns the first error.
  Status FlushAll();
  // Runs one retention pass now (tests): partitions past the tenant's
  // retention, then the oldest ones while free space is under the floor.
  // Returns the first error.
  Status EnforceRetention();

  StoreStats Stats();
  const StoreOptions& options() const { return opts_; }

  // OK while the store can take pushes; otherwise Unavailable, saying why:
  // the WAL failed (disk full, EIO: sticky until a restart), or the WAL's
  // syncer or the flush loop made no progress for opts.watchdog_timeout_ns.
  // /ready answers 503 with this message.
  Status Health() const;

 private:
  Store(Env* env, Clock* clock, StoreOptions opts, metrics::Registry* registry);

  Status Load();
  Status LoadTenant(const std::string& dir_name);
  Status Replay();
  Status ApplyWalRecord(uint64_t seq, std::string_view payload);

  Tenant* GetTenant(const std::string& id, bool create);
  // REQUIRES: t->mu not held.
  Stream* FindOrCreateStream(Tenant* t, const Labels& labels, const std::string& labels_string);
  // Creates a stream. REQUIRES: t->mu held exclusively; no stream has these labels.
  Stream* CreateStreamLocked(Tenant* t, const Labels& labels, const std::string& labels_string);
  Status LoadPartition(Tenant* t, const std::string& name, int64_t start);
  // The WAL's failure, if it failed: pushes are refused with it.
  Status WalHealth() const;
  // How long the WAL's syncer and the flush loop have made no progress,
  // each 0 unless past opts_.watchdog_timeout_ns.
  struct Stalls {
    int64_t wal_ns = 0;
    int64_t flush_ns = 0;
  };
  Stalls CheckStalls() const;

  // Push's steps (store_push.cc). REQUIRES: t->ingest_mu held.
  void WriteStream(Tenant* t, const ingest::ValidStream& vs, const ingest::Batch& batch,
                   int64_t now, WalRecordWriter* record, PushWork* work);
  // Appends one stream's entries. REQUIRES: t->ingest_mu, t->mu (shared or
  // exclusive) and s->mu held.
  void AppendEntries(Tenant* t, Stream* s, const ingest::ValidStream& vs,
                     const ingest::Batch& batch, int64_t now, WalRecordWriter* record,
                     PushWork* work);
  // True iff (ts, line) is stored in the stream: in its head, a head being
  // flushed or a flushed chunk. REQUIRES: t->mu (either way) and s->mu held.
  bool IsStored(Tenant* t, const Stream& s, int64_t ts, std::string_view line, PushWork* work);
  // Counts what a push stored and left out, and feeds the live tails.
  // REQUIRES: no lock held.
  void ReportPush(Tenant* t, PushWork& work);

  // Flushes heads chosen by `pick` (called under the tenant's ingest mutex).
  Status FlushWhere(const std::function<bool(const Stream&, int64_t now)>& pick);
  Status FlushTenant(Tenant* t, const std::function<bool(const Stream&, int64_t now)>& pick);
  StatusOr<std::shared_ptr<Partition>> GetPartition(Tenant* t, int64_t start);
  void TruncateWal();
  // Removes references to chunks of `doomed` and streams left with no data.
  // REQUIRES: t->mu held exclusively.
  void DropPartitionsLocked(Tenant* t, const std::vector<std::shared_ptr<Partition>>& doomed);
  Status DeletePartitions(Tenant* t, const std::vector<std::shared_ptr<Partition>>& doomed,
                          std::string_view why);
  Status EnforceFreeSpace();
  // REQUIRES: first_round is a MonotonicNanos() reading.
  void BackgroundLoop(int64_t first_round);
  // Sets the gauges from one Stats() snapshot; the registry's scrape hook.
  void SetScrapeGauges();

  Env* env_;
  Clock* clock_;
  StoreOptions opts_;
  metrics::Registry* registry_;
  std::unique_ptr<wal::Wal> wal_;

  std::mutex tenants_mu_;
  std::map<std::string, std::unique_ptr<Tenant>> tenants_;

  std::mutex flush_mu_;  // one flush at a time
  std::mutex bg_mu_;     // guards closed_
  bool closed_ = false;  // GUARDED_BY(bg_mu_)
  // The flush loop's sleep between rounds, on clock_: a FakeClock moved past
  // the next round wakes it. Stopped by Close().
  const SleeperPtr bg_sleeper_;
  std::thread bg_thread_;

  std::mutex round_mu_;            // one background round at a time; taken before flush_mu_
  int64_t last_retention_ns_ = 0;  // GUARDED_BY(round_mu_); monotonic
  TailHub tails_;
  // Monotonic time of the flush loop's last sign of life; 0 before it starts.
  std::atomic<int64_t> flush_heartbeat_{0};

  struct Metrics;
  std::unique_ptr<Metrics> m_;
};

// The directory name of a tenant: bytes outside [A-Za-z0-9_.-] as %XX.
std::string EscapeTenant(const std::string& tenant);
// The tenant a directory name stands for. A name EscapeTenant cannot have
// written (a '%' not followed by two hex digits) is a Corruption.
StatusOr<std::string> UnescapeTenant(const std::string& dir);

}  // namespace logstack::logstore
