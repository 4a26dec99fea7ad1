#pragma once

// The admission rules the store applies while it writes a push, as Loki's
// distributor and ingester apply them: the tenant's ingestion rate, its
// number of active streams, and each stream's rate and out-of-order window.
// They decide only; they return typed verdicts, and the caller counts them,
// words them (push/errors.h) and reports them once it holds no lock.
//
// Thread safety: TenantLimiter's methods need the tenant's ingest mutex
// except the stream counters, which are atomic; StreamLimiter is guarded by
// its stream's mutex. Neither takes a lock or calls out.

#include <atomic>
#include <cstdint>

#include "logstore/ingest/token_bucket.h"

namespace logstack::logstore::ingest {

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

enum class Verdict : uint8_t {
  kAccept,
  kTooFarBehind,       // older than the window behind the stream's newest entry
  kStreamRateLimited,  // over the stream's rate
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
