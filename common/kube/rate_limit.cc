#include "common/kube/rate_limit.h"

#include <algorithm>
#include <cmath>

namespace logstack::kube {

TokenBucket::TokenBucket(double qps, int burst, Clock& clock)
    : qps_(qps),
      burst_(std::max(1, burst)),
      clock_(clock),
      tokens_(std::max(1, burst)),
      last_ns_(clock.MonotonicNanos()) {}

std::chrono::nanoseconds TokenBucket::Reserve() {
  if (qps_ <= 0) return std::chrono::nanoseconds(0);
  std::lock_guard<std::mutex> l(mu_);
  int64_t now = clock_.MonotonicNanos();
  if (now > last_ns_) {
    tokens_ = std::min(burst_, tokens_ + double(now - last_ns_) * qps_ / 1e9);
    last_ns_ = now;
  }
  tokens_ -= 1;
  if (tokens_ >= 0) return std::chrono::nanoseconds(0);
  return std::chrono::nanoseconds(static_cast<int64_t>(std::ceil(-tokens_ / qps_ * 1e9)));
}

std::chrono::nanoseconds ItemBackoff::When(const std::string& key) {
  std::lock_guard<std::mutex> l(mu_);
  int n = failures_[key]++;
  if (n >= 40) return max_;  // 5 ms * 2^40 is far past any max
  auto d = base_ * (int64_t{1} << n);
  return std::min(d, max_);
}

void ItemBackoff::Forget(const std::string& key) {
  std::lock_guard<std::mutex> l(mu_);
  failures_.erase(key);
}

int ItemBackoff::Failures(const std::string& key) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = failures_.find(key);
  return it == failures_.end() ? 0 : it->second;
}

}  // namespace logstack::kube
