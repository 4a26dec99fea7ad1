#pragma once

// A tenant's ingest limits, as Loki's distributor and ingester apply them.
//
// ValidationLimits are checked on each request alone, before the store sees
// it (push::ValidatePush). The limiters below are the rules the store
// applies while it writes a batch, because they need its state: the
// tenant's ingestion rate, its number of active streams, and each stream's
// rate and out-of-order window. They decide only; the store reports what
// they refused as typed Refusals (batch.h), and the caller words them
// (push/errors.h) once no lock is held.
//
// Thread safety: ValidationLimits is a value. TenantLimiter's methods need
// the tenant's ingest mutex except the stream counters, which are atomic;
// StreamLimiter is guarded by its stream's mutex. Neither takes a lock or
// calls out.

#include <atomic>
#include <cstdint>

#include "logstore/ingest/token_bucket.h"

namespace logstack::logstore::ingest {

// A tenant's limits on each request. The defaults are Loki's.
struct ValidationLimits {
  uint64_t max_line_size = 256 << 10;                // bytes; 0: no limit
  bool max_line_size_truncate = false;               // cut long lines instead of refusing them
  int max_label_names_per_series = 15;               // a label named service_name is not counted
  int max_label_name_length = 1024;                  // bytes
  int max_label_value_length = 2048;                 // bytes
  uint64_t max_structured_metadata_size = 64 << 10;  // name + value bytes of one entry; 0: none
  int max_structured_metadata_entries_count = 128;   // pairs of one entry; 0: no limit
  bool reject_old_samples = true;
  int64_t reject_old_samples_max_age_ns = 168 * 3600 * int64_t{1'000'000'000};
  int64_t creation_grace_period_ns = 10 * 60 * int64_t{1'000'000'000};
  bool allow_structured_metadata = true;
};

class TenantLimiter {
 public:
  struct Limits {
    double rate_bytes = 0;    // a second
    double burst_bytes = 0;   // the bucket's size
    int64_t max_streams = 0;  // active streams; <= 0: no limit
  };
  explicit TenantLimiter(Limits l)
      : rate_(l.rate_bytes, l.burst_bytes), max_streams_(l.max_streams) {}

  // Takes `bytes` of the tenant's ingestion rate, all or nothing.
  // REQUIRES: the tenant's ingest mutex.
  bool TakeIngestion(uint64_t bytes, int64_t now_ns) {
    return bytes == 0 || rate_.Take(static_cast<double>(bytes), now_ns);
  }
  double rate_bytes() const { return rate_.rate(); }

  // Whether one more stream may become active. REQUIRES: the tenant's ingest
  // mutex, which every activation is made under, so the answer holds until
  // it is released.
  bool MayActivateStream() const {
    return max_streams_ <= 0 || active_.load(std::memory_order_relaxed) < max_streams_;
  }
  // A stream got entries in memory (it had none), or has none left.
  void StreamActivated() { active_.fetch_add(1, std::memory_order_relaxed); }
  void StreamDeactivated() { active_.fetch_sub(1, std::memory_order_relaxed); }
  int64_t active_streams() const { return active_.load(std::memory_order_relaxed); }

 private:
  TokenBucket rate_;
  const int64_t max_streams_;
  std::atomic<int64_t> active_{0};
};

class StreamLimiter {
 public:
  // rate and burst in bytes a second and bytes.
  StreamLimiter(double rate_bytes, double burst_bytes) : rate_(rate_bytes, burst_bytes) {}

  // Whether the entry falls inside the out-of-order window.
  bool InWindow(int64_t ts, int64_t window) const {
    return max_ts_ == INT64_MIN || ts >= max_ts_ - window;
  }
  // Takes `cost` bytes of the stream's rate, all or nothing.
  bool TakeRate(double cost, int64_t now_ns) { return rate_.Take(cost, now_ns); }
  // Records a stored entry (also one replayed or loaded from disk).
  void Stored(int64_t ts) {
    if (ts > max_ts_) max_ts_ = ts;
  }
  // The newest entry ever stored, INT64_MIN before the first.
  int64_t max_ts() const { return max_ts_; }
  // The oldest timestamp the window accepts. REQUIRES: max_ts() > INT64_MIN.
  int64_t OldestAcceptable(int64_t window) const { return max_ts_ - window; }

 private:
  TokenBucket rate_;
  int64_t max_ts_ = INT64_MIN;
};

}  // namespace logstack::logstore::ingest
