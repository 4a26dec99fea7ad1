#include "collector/ship/backoff.h"

#include <algorithm>
#include <cassert>

namespace logstack::collector {

Backoff::Backoff(BackoffOptions opts, uint64_t seed) : opts_(opts), rng_(seed) {
  assert(opts_.min.count() > 0 && opts_.min <= opts_.max);
}

std::chrono::nanoseconds Backoff::Ceiling(int failures) const {
  int64_t ceiling = opts_.min.count();
  const int64_t max = opts_.max.count();
  for (int i = 1; i < failures && ceiling < max; ++i) {
    ceiling = ceiling > max / 2 ? max : ceiling * 2;
  }
  return std::chrono::nanoseconds(std::min(ceiling, max));
}

std::chrono::nanoseconds Backoff::Next() {
  if (failures_ < 1'000'000) ++failures_;  // the ceiling stopped growing long before
  const int64_t lo = opts_.min.count();
  const int64_t hi = Ceiling(failures_).count();
  std::uniform_int_distribution<int64_t> dist(lo, hi);
  return std::chrono::nanoseconds(dist(rng_));
}

}  // namespace logstack::collector
