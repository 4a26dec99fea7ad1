#pragma once

// Store: the log store's storage engine. It takes validated pushes, makes
// them durable in the write-ahead log, keeps each stream's newest entries in
// an in-memory head chunk, flushes full, old or idle heads to compressed
// chunk files in time partitions, indexes streams by label, enforces
// retention, and serves reads that merge flushed chunks with the heads.
// docs/storage.md describes every file it writes.
//
// Thread safety: every public method may be called from any thread.
// Internally: per tenant, an ingest mutex orders appends with their WAL
// records and with flush cuts; a shared mutex guards the tenant's stream map,
// label index and partitions; a per-stream mutex guards a stream's head and
// chunk list. Lock order: ingest -> tenant -> stream -> partition.

#include <atomic>
#include <condition_variable>
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
#include "logstore/model/iterator.h"
#include "logstore/model/types.h"
#include "logstore/store/options.h"

namespace logstack::logstore {

namespace wal {
class Wal;
}

// What a push gets back: 204 with no message, or Loki's status and message.
struct PushResult {
  int status = 204;
  std::string message;
};

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

// Receives a tenant's entries as they are stored, for live tailing.
class TailSink {
 public:
  virtual ~TailSink() = default;
  // Called once per stream of a push with the entries accepted from it
  // (duplicates and rejected entries left out), on the pushing thread while
  // it holds the tenant's ingest mutex, before the WAL record is synced. It
  // must be quick, must not block and must not call into the Store. The
  // views are valid only during the call.
  virtual void OnPush(const Labels& labels, const std::string& labels_string,
                      std::span<const EntryView> entries) = 0;
};

struct Tenant;
struct Stream;
class Partition;

class Store {
 public:
  // Opens the data directory: loads every partition's index and replays the
  // WAL. Returns an error for an unusable directory; corrupt records are
  // skipped and reported in the log and metrics, never applied.
  static StatusOr<std::unique_ptr<Store>> Open(Env* env, Clock* clock, StoreOptions opts,
                                               metrics::Registry* registry);
  ~Store();

  // Starts the background flush and retention threads.
  void StartBackground();
  // Flushes every head to chunks (so a restart replays nothing), stops the
  // background threads and closes the WAL. Idempotent.
  void Close();

  // Validates and stores a decoded push for a tenant. `done` is called once,
  // possibly from another thread, after the accepted entries are durable.
  void Push(const std::string& tenant, PushRequestPtr req, std::function<void(PushResult)> done);
  // The same for a request the caller keeps: `req` is read (and its
  // structured metadata rewritten, see push::ValidatePush) only until Push
  // returns, so the caller may clear and reuse it, and the memory its views
  // point into, right after, while `done` is still to come.
  void Push(const std::string& tenant, PushRequest& req, std::function<void(PushResult)> done);

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

 private:
  Store(Env* env, Clock* clock, StoreOptions opts, metrics::Registry* registry);

  Status Load();
  Status LoadTenant(const std::string& dir_name);
  Status Replay();
  Status ApplyWalRecord(uint64_t seq, std::string_view payload);

  Tenant* GetTenant(const std::string& id, bool create);
  Stream* FindOrCreateStream(Tenant* t, const Labels& labels, const std::string& labels_string,
                             bool* created);

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
  void BackgroundLoop();
  // Hands one stream's newly stored entries to the tenant's live sinks and
  // forgets dead ones.
  void NotifyTails(const std::string& tenant, const Stream& s, std::span<const EntryView> entries);

  Env* env_;
  Clock* clock_;
  StoreOptions opts_;
  metrics::Registry* registry_;
  std::unique_ptr<wal::Wal> wal_;

  std::mutex tenants_mu_;
  std::map<std::string, std::unique_ptr<Tenant>> tenants_;

  std::mutex flush_mu_;  // one flush at a time
  std::mutex bg_mu_;
  std::condition_variable bg_cv_;
  bool stopping_ = false;
  bool closed_ = false;
  std::thread bg_thread_;

  std::mutex tails_mu_;  // guards tails_
  std::vector<std::pair<std::string, std::weak_ptr<TailSink>>> tails_;
  std::atomic<size_t> num_tails_{0};  // tails_.size(), read without the mutex

  struct Metrics;
  std::unique_ptr<Metrics> m_;
};

// The directory name of a tenant: bytes outside [A-Za-z0-9_.-] as %XX.
std::string EscapeTenant(const std::string& tenant);
std::string UnescapeTenant(const std::string& dir);

}  // namespace logstack::logstore
