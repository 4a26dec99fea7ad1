#pragma once

// A token bucket: `rate` tokens a second, holding at most `burst`.
//
// Thread safety: not synchronised; the owner locks.

#include <algorithm>
#include <cstdint>

namespace logstack::logstore::ingest {

class TokenBucket {
 public:
  TokenBucket(double rate, double burst) : rate_(rate), burst_(burst), tokens_(burst) {}

  // Takes n tokens at time now_ns iff the bucket holds them (all or nothing).
  bool Take(double n, int64_t now_ns) {
    Refill(now_ns);
    if (n > tokens_) return false;
    tokens_ -= n;
    return true;
  }
  void SetLimits(double rate, double burst) {
    rate_ = rate;
    burst_ = burst;
    tokens_ = std::min(tokens_, burst_);
  }
  double rate() const { return rate_; }
  double burst() const { return burst_; }

 private:
  void Refill(int64_t now_ns) {
    if (last_ns_ != 0 && now_ns > last_ns_) {
      tokens_ = std::min(burst_, tokens_ + rate_ * static_cast<double>(now_ns - last_ns_) / 1e9);
    }
    if (now_ns > last_ns_) last_ns_ = now_ns;
  }

  double rate_;
  double burst_;
  double tokens_;
  int64_t last_ns_ = 0;
};

}  // namespace logstack::logstore::ingest
