#pragma once

// The write-ahead log (docs/storage.md, "Write-ahead log"): numbered segment
// files `NNNNNNNNNNNNNNNN.wal` in one directory, each a sequence of framed
// records `seq (fixed64) | payload`. seq numbers records from 1, increasing by
// one per record across segments.
//
// Life cycle: Open(), Replay() the existing segments (optional: Start() scans
// them itself when it was not called), Start(), then Append() from any thread,
// TruncateBefore() as data gets flushed elsewhere, Close().
//
// Group commit: Append() only frames the record into a pending buffer. One
// background thread (the syncer) repeatedly takes everything pending, writes
// it, fdatasyncs once and then runs the callbacks of all those records;
// records appended meanwhile go out in the next round.
//
// Errors: after a failed write or sync the state of the segment's tail is
// unknown (the kernel may have dropped dirty pages; retrying fsync can report
// success for data that is gone). The WAL therefore fails that round's
// callbacks and every later Append() with the same error, and never writes
// again: the owner must report the error and the process restart, replaying
// what is durable. healthy() turns false at that point.
//
// Thread safety: Append(), AppendSync(), TruncateBefore() and the accessors
// are safe from any thread. Open(), Replay(), Start() and Close() are for the
// owning thread. Callbacks run on the syncer thread, outside every WAL lock,
// and hold up the next round while they run, so they should be quick; they
// must not call Close() or AppendSync() (that would deadlock), but may call
// Append().

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/env.h"
#include "common/status.h"
#include "logstore/wal/log_writer.h"

namespace logstack::logstore::wal {

struct WalOptions {
  // The directory holding the segments (<data_dir>/wal). Created if missing.
  std::string dir;
  // A new segment is started once the current one has grown past this.
  uint64_t segment_size = 64 << 20;
  // When false, callbacks run right after the write (no fdatasync): for tests
  // and benchmarks only.
  bool sync = true;
};

struct ReplayStats {
  uint64_t records = 0;        // records passed to the callback
  uint64_t bytes = 0;          // their payload bytes
  uint64_t segments = 0;       // segments read
  uint64_t corrupt_bytes = 0;  // bytes dropped as damaged or torn
  uint64_t corruptions = 0;    // separate pieces of damage
  std::string last_error;      // the last damage seen, for the log and /ready
};

// Counters for Prometheus. All monotonic except the gauges noted; read them
// with relaxed loads at any time.
struct WalStats {
  // Upper bounds (inclusive, in microseconds) of the fsync latency histogram
  // buckets; fsync_latency_buckets has one more bucket for +Inf. Counts are
  // per bucket, not cumulative.
  static constexpr std::array<uint64_t, 14> kFsyncBucketBoundsMicros = {
      50,     100,    250,    500,     1'000,   2'500,   5'000,
      10'000, 25'000, 50'000, 100'000, 250'000, 500'000, 1'000'000};

  std::atomic<uint64_t> records{0};        // records appended (also failed ones)
  std::atomic<uint64_t> bytes_written{0};  // framed bytes written to segments
  std::atomic<uint64_t> write_rounds{0};   // group-commit rounds that wrote data
  std::atomic<uint64_t> fsyncs{0};
  std::atomic<uint64_t> fsync_nanos_total{0};
  std::array<std::atomic<uint64_t>, kFsyncBucketBoundsMicros.size() + 1> fsync_latency_buckets{};
  std::atomic<uint64_t> errors{0};  // failed writes, syncs or segment creations
  std::atomic<uint64_t> segments_created{0};
  std::atomic<uint64_t> segments_removed{0};
  std::atomic<uint64_t> pending_records{0};  // gauge: appended, not yet completed

  void ObserveFsync(uint64_t nanos);
};

class Wal {
  struct PassKey {
    explicit PassKey() = default;
  };

 public:
  using Callback = std::function<void(Status)>;

  // Opens the WAL in opts.dir (creating the directory) and lists its segments.
  // Writes nothing yet. env and clock must outlive the Wal.
  static StatusOr<std::unique_ptr<Wal>> Open(Env* env, Clock* clock, WalOptions opts);

  // Use Open(), the only holder of a PassKey.
  Wal(PassKey, Env* env, Clock* clock, WalOptions opts);
  Wal(const Wal&) = delete;
  Wal& operator=(const Wal&) = delete;
  // Calls Close().
  ~Wal();

  // Reads every existing segment in order and calls fn(seq, payload) for each
  // intact record. Damage is counted in *stats (which may be null), logged,
  // and skipped as the framing section of docs/storage.md says; a record too
  // short to hold a seq, or whose seq does not increase, counts as damage.
  // Returns fn's first non-OK status (stopping there), an IOError if a
  // segment cannot be read, else OK.
  // REQUIRES: Start() not called yet.
  Status Replay(const std::function<Status(uint64_t seq, std::string_view payload)>& fn,
                ReplayStats* stats);

  // Starts a new segment (never appending to an old one, whose tail may be
  // torn), syncs the directory so the segment survives a crash, and starts
  // the syncer thread. Seqs continue after the highest one replayed.
  // REQUIRES: called once, before Append().
  Status Start();

  // Frames `payload` with the next seq into the pending buffer and returns
  // the seq. Does no I/O, so it may be called under the caller's locks.
  // `done` runs exactly once on the syncer thread: with OK once the record is
  // written and fdatasynced (written only, with opts.sync false), or with the
  // error that prevented it. Records become durable in seq order.
  // Once the WAL has failed, the record is not written and `done` gets the
  // WAL's error (the seq is still used up).
  // REQUIRES: Start() returned OK. Misuse (before Start() or after Close())
  // runs `done` inline with FailedPrecondition and returns 0.
  uint64_t Append(std::string_view payload, Callback done);

  // Append() and wait until done runs. Returns its status.
  Status AppendSync(std::string_view payload);

  // Deletes every segment, except the one being written, all of whose records
  // have a seq below `seq`. Returns the first removal error (the segments it
  // could not remove stay listed and are retried next time).
  // REQUIRES: a Replay() completed or Start() returned OK, so the segments'
  // seqs are known; FailedPrecondition otherwise.
  Status TruncateBefore(uint64_t seq);

  // Waits until the syncer thread is idle: every record appended before the
  // call has completed. For tests and orderly shutdown.
  void WaitIdle();

  // Completes what is pending (written and synced when possible), stops the
  // syncer thread and closes the segment. Idempotent.
  void Close();

  // The highest seq assigned; after Replay(), the highest seq seen.
  uint64_t last_seq() const;
  // Total bytes of the segments on disk, as far as the WAL knows.
  uint64_t disk_bytes() const;
  size_t segment_count() const;
  // The highest seq in the oldest segment, when there is one besides the
  // segment being written; else 0. Data holding records up to this seq pins
  // that segment: once it is elsewhere, TruncateBefore can delete it.
  uint64_t OldestSegmentMaxSeq() const;
  // How long records have been waiting with no round of the syncer
  // completing (monotonic nanoseconds); 0 while it has nothing to do. A
  // syncer stuck in a write or fdatasync shows here as an ever-growing value.
  int64_t StalledNanos() const;
  // False once a write or sync failed: see the header comment.
  bool healthy() const;
  // The error that made the WAL unhealthy, or OK.
  Status error() const;
  const WalStats& stats() const { return stats_; }

 private:
  struct Segment {
    uint64_t number = 0;
    uint64_t size = 0;     // bytes, as last written or listed
    uint64_t max_seq = 0;  // highest seq in it; 0 when it holds no record
  };

  std::string SegmentPath(uint64_t number) const;
  // Creates segment `number`, syncs the directory and makes it current.
  Status OpenSegment(uint64_t number);
  void SyncerLoop();
  // Writes (and syncs) one round's bytes to the current segment.
  Status WriteRound(std::string_view data);

  Env* const env_;
  Clock* const clock_;
  const WalOptions opts_;
  WalStats stats_;

  mutable std::mutex mu_;
  std::condition_variable work_cv_;  // the syncer waits for pending work or closing
  std::condition_variable idle_cv_;  // WaitIdle() waits for the syncer to finish a round
  std::vector<Segment> segments_;    // GUARDED_BY(mu_); in order, the current one last
  uint64_t last_seq_ = 0;            // GUARDED_BY(mu_)
  bool replayed_ = false;            // GUARDED_BY(mu_); a Replay() completed
  bool started_ = false;             // GUARDED_BY(mu_)
  bool closing_ = false;             // GUARDED_BY(mu_)
  bool round_in_progress_ = false;   // GUARDED_BY(mu_)
  Status error_;                     // GUARDED_BY(mu_); sticky, see the header comment
  // Pending records, framed for the current segment at framer_.offset().
  RecordFramer framer_;                      // GUARDED_BY(mu_)
  std::string pending_;                      // GUARDED_BY(mu_)
  std::vector<Callback> pending_callbacks_;  // GUARDED_BY(mu_)
  uint64_t pending_max_seq_ = 0;             // GUARDED_BY(mu_)
  std::atomic<uint64_t> disk_bytes_{0};
  // Monotonic time since which records have waited for the syncer with no
  // round finishing; 0 when it has nothing to do. Written under mu_.
  std::atomic<int64_t> busy_since_{0};

  // Used by the syncer thread only (and by Start()/Close() when it is not
  // running).
  WritableFilePtr file_;

  std::mutex close_mu_;  // serializes Close()
  std::thread syncer_;
};

}  // namespace logstack::logstore::wal
