#pragma once

// Sender: delivers finished Batches to the store, one at a time and in the
// order they were queued, and reports each one back once it is done, so the
// caller can commit its positions (docs/collector.md, "Exactly once").
//
// Queue. Enqueue() takes a batch into a queue bounded by bytes and by count
// (the batch being sent counts too). When the queue is full, TryEnqueue()
// says so and Enqueue() blocks: the caller stops reading its files, which
// are the real buffer, so memory stays bounded however long the store is
// away. A batch larger than the whole bound is taken when the queue is empty.
//
// Delivery. One thread POSTs each batch (HttpClient, Content-Type
// application/x-protobuf, no Content-Encoding, X-Scope-OrgID when the batch
// has a tenant) and looks at the answer:
//   2xx                       delivered.
//   network error, 5xx, 429,  retried, the same bytes, for as long as it
//   408, 1xx/3xx              takes: no batch is ever dropped after N tries.
//                             The wait before a retry is Backoff's (full
//                             jitter between min and a ceiling that doubles
//                             up to max); a Retry-After header (seconds or an
//                             HTTP date) replaces it, clamped to [min, max].
//   any other 4xx             done, not retried: the store refused the batch
//                             or part of it (Loki stores the valid entries of
//                             a push and answers 400 for the rest, e.g. too
//                             old or too long). Logged (at most once per
//                             reject_log_interval, with the count of the ones
//                             not logged) and counted by status code.
// A batch without entries (positions only) is done without a request. A
// batch whose tenant cannot be sent (a line break in it) is refused before
// sending, counted with reason "invalid_tenant", and done.
//
// Acknowledgement. When a batch is done, on_ack(batch, info) runs on the
// sender thread, in queue order, outside the Sender's lock; the next batch
// is sent after it returns. A batch that was refused (4xx) is acknowledged
// too: its positions must advance or the same refusal would repeat forever.
//
// Waiting. Backoff waits are measured on the Clock given to Create(), which
// the wait looks at every clock_poll_interval of real time; so tests drive
// retries with a FakeClock (tests/mocks/fake_clock.h) and never sleep for a
// backoff. Stop() interrupts a wait at once. HTTP timeouts are real time.
//
// Stop(drain_timeout): no batch is taken after it; the queued ones (and the
// one being sent) are still delivered and acknowledged until the queue is
// empty or drain_timeout has passed on the Clock. Then the request in
// progress is cancelled and whatever is left is dropped without an ack: its
// positions are not committed, so after a restart the collector reads those
// lines again and the store drops the ones it already has.
//
// Metrics (when a registry is given), all named logstack_collector_*:
//   sent_batches_total, sent_entries_total, sent_bytes_total (line bytes),
//   sent_compressed_bytes_total (bodies as sent), retries_total{reason}
//   (reason "network" or the status code), dropped_batches_total{reason} and
//   dropped_entries_total{reason} (refused by the store: reason is the status
//   code; with 400 Loki kept the valid entries, so entries are an upper
//   bound), request_duration_seconds (one POST), batch_latency_seconds (a
//   batch's first entry to its acknowledgement), queue_bytes, queue_batches.
//
// Thread safety: every method may be called from any thread. on_ack is
// called from the sender thread only and must not call Stop().

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "collector/ship/backoff.h"
#include "collector/ship/batch.h"
#include "collector/ship/http_client.h"
#include "common/clock.h"
#include "common/metrics.h"
#include "common/status.h"

namespace logstack::collector {

struct SenderOptions {
  // The push URL, credentials, TLS and extra headers.
  HttpClientOptions http;
  // Real time allowed for one POST: connecting, sending and the answer.
  std::chrono::milliseconds request_timeout{10'000};
  BackoffOptions backoff;
  // 0: seeded from std::random_device.
  uint64_t jitter_seed = 0;
  // Statuses retried besides every 5xx and 1xx/3xx. Every other 4xx is
  // refused for good.
  std::vector<int> retry_statuses = {408, 429};
  // The queue's bounds, the batch being sent included. Bytes are the
  // compressed bodies plus the positions.
  // A 1 MiB batch of typical log lines compresses to about 1/3 MiB.
  size_t max_queue_bytes = 4 << 20;
  size_t max_queue_batches = 8;
  // How often a backoff wait or Stop()'s drain looks at the Clock again.
  std::chrono::milliseconds clock_poll_interval{100};
  // At most one log line per interval about refused batches, and one about
  // failing retries.
  std::chrono::milliseconds log_interval{10'000};
};

// How a batch ended.
struct AckInfo {
  // The final HTTP status: 2xx (delivered) or 4xx (refused); 0 when no
  // request was made (no entries, or a tenant that cannot be sent).
  int status = 0;
  // Requests made for the batch, the successful one included.
  int attempts = 0;
  // The refusal's body (capped), for the caller's logs; empty on success.
  std::string message;
};

using AckFn = std::function<void(BatchPtr batch, const AckInfo& info)>;

class Sender {
 public:
  // A snapshot of the Sender's counters.
  struct Stats {
    uint64_t sent_batches = 0;  // 2xx
    uint64_t sent_lines = 0;
    uint64_t sent_line_bytes = 0;
    uint64_t acked_batches = 0;  // every batch done: sent, refused or empty
    uint64_t requests = 0;       // POSTs, retries included
    uint64_t retries = 0;
    std::map<std::string, uint64_t> retries_by_reason;          // "network", "503", "429", ...
    std::map<std::string, uint64_t> dropped_batches_by_reason;  // "400", "invalid_tenant", ...
    uint64_t dropped_lines = 0;
    size_t queued_batches = 0;  // the batch being sent included
    size_t queued_bytes = 0;
    // While waiting to retry: the Clock's MonotonicNanos() at which the
    // retry is due, and the wait chosen. 0 otherwise.
    int64_t retry_at_mono_ns = 0;
    int64_t retry_wait_ns = 0;
    int last_status = 0;  // of the last answer; 0 after a network error
  };

  // Checks the options (URL, TLS files) and starts the sender thread.
  // `clock` and `registry` (may be null) must outlive the Sender.
  static StatusOr<std::unique_ptr<Sender>> Create(SenderOptions opts, const Clock* clock,
                                                  metrics::Registry* registry, AckFn on_ack);
  // Stop(0) if not stopped yet.
  ~Sender();
  Sender(const Sender&) = delete;
  Sender& operator=(const Sender&) = delete;

  // Queues the batch if there is room (or the queue is empty) and the
  // Sender is not stopped; returns true iff it was taken (batch is then
  // null). On false the caller keeps it.
  bool TryEnqueue(BatchPtr& batch);
  // Like TryEnqueue, but waits for room as long as `max_wait` (real time:
  // room is made by the sender thread, not by time passing). Returns false
  // on timeout or once stopped; the caller keeps the batch.
  bool Enqueue(BatchPtr& batch, std::chrono::milliseconds max_wait);
  // Waits for room without a time limit; false once stopped.
  bool Enqueue(BatchPtr& batch);
  // True iff a batch of `bytes` would be taken now.
  bool HasRoom(size_t bytes) const;

  // Delivers what is queued for up to drain_timeout (Clock time), then gives
  // up on the rest without acknowledging it, and joins the sender thread.
  // Idempotent; later calls return at once.
  void Stop(std::chrono::nanoseconds drain_timeout);

  Stats stats() const;

 private:
  struct Metrics;
  enum class Outcome { kDone, kAborted };

  Sender(SenderOptions opts, const Clock* clock, metrics::Registry* registry, AckFn on_ack,
         std::unique_ptr<HttpClient> client);
  void Run();
  // Sends until the batch is done (fills *info) or Stop() gave up.
  Outcome Deliver(const Batch& batch, AckInfo* info);
  // Waits `wait` on the Clock; false if Stop() gave up meanwhile.
  bool WaitForRetry(std::chrono::nanoseconds wait);
  bool RoomFor(size_t bytes) const;  // REQUIRES: mu_ held
  bool IsRetryable(int status) const;
  static size_t BatchBytes(const Batch& batch);
  void CountRetry(const std::string& reason, const std::string& detail);
  void CountRefusal(const Batch& batch, const std::string& reason, const std::string& detail);

  const SenderOptions opts_;
  const Clock* const clock_;
  const AckFn on_ack_;
  std::unique_ptr<HttpClient> client_;
  std::unique_ptr<metrics::Registry> own_registry_;  // when none was given
  metrics::Registry* const registry_;
  std::unique_ptr<Metrics> metrics_;
  Backoff backoff_;  // sender thread only

  mutable std::mutex mu_;
  std::condition_variable work_cv_;   // a batch was queued, or Stop()
  std::condition_variable room_cv_;   // a batch was done: room in the queue
  std::condition_variable abort_cv_;  // Stop() gave up: end backoff waits
  std::deque<BatchPtr> queue_;        // GUARDED_BY(mu_); front is being sent
  size_t queued_bytes_ = 0;           // GUARDED_BY(mu_)
  bool stopping_ = false;             // GUARDED_BY(mu_): no more batches taken
  bool abort_ = false;                // GUARDED_BY(mu_): give up on the rest
  bool stopped_ = false;              // GUARDED_BY(mu_): Stop() finished
  Stats stats_;                       // GUARDED_BY(mu_)
  int64_t next_reject_log_ns_ = 0;    // sender thread only
  uint64_t rejects_not_logged_ = 0;   // sender thread only
  int64_t next_retry_log_ns_ = 0;     // sender thread only
  uint64_t retries_not_logged_ = 0;   // sender thread only

  std::mutex stop_mu_;  // serializes Stop()
  std::thread thread_;
};

}  // namespace logstack::collector
