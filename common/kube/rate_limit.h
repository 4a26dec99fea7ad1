#pragma once

// Rate limiting on a Clock: a token bucket (client QPS/burst, the work
// queue's overall limit) and per-key exponential backoff (the work queue).
//
// Thread safety: both classes are safe to call from any thread.

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "common/clock.h"

namespace logstack::kube {

// `qps` tokens a second refill a bucket of `burst`. Reserve() takes a token
// now and says how long the caller must wait before using it (zero when one
// was available); reservations queue up, so N callers at once wait 0, 1/qps,
// 2/qps, ... once the burst is spent. qps <= 0 means no limit.
class TokenBucket {
 public:
  TokenBucket(double qps, int burst, Clock& clock);
  std::chrono::nanoseconds Reserve();

 private:
  const double qps_;
  const double burst_;
  Clock& clock_;
  std::mutex mu_;
  double tokens_;
  int64_t last_ns_;
};

// Per-key exponential backoff: base * 2^failures, capped at max.
// Defaults are client-go's work queue: 5 ms doubling to 1000 s.
class ItemBackoff {
 public:
  explicit ItemBackoff(std::chrono::nanoseconds base = std::chrono::milliseconds(5),
                       std::chrono::nanoseconds max = std::chrono::seconds(1000))
      : base_(base), max_(max) {}
  // The delay for this failure of `key`, counting it.
  std::chrono::nanoseconds When(const std::string& key);
  void Forget(const std::string& key);
  int Failures(const std::string& key);

 private:
  const std::chrono::nanoseconds base_, max_;
  std::mutex mu_;
  std::unordered_map<std::string, int> failures_;
};

}  // namespace logstack::kube
