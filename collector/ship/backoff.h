#pragma once

// Backoff: how long the Sender waits before retrying a push that failed.
//
// Exponential with "full jitter": before retry n (n = 1, 2, ...) it waits a
// duration drawn uniformly from [min, ceiling(n)], where ceiling(n) =
// min * 2^(n-1) capped at max. The ceiling doubles with each failure until
// it reaches max; the random draw spreads the retries of many collectors
// that failed together (a store restart) over the whole interval instead of
// sending them back all at once. Unlike textbook full jitter it never waits
// less than min, so a store that fails fast is not hammered.
//
// There is no limit on the number of retries: the Sender retries a batch
// until it is delivered (docs/collector.md, "Retries").
//
// Thread safety: none; one Backoff per Sender thread.

#include <chrono>
#include <cstdint>
#include <random>

namespace logstack::collector {

struct BackoffOptions {
  std::chrono::nanoseconds min = std::chrono::milliseconds(500);
  std::chrono::nanoseconds max = std::chrono::minutes(5);
};

class Backoff {
 public:
  // REQUIRES: 0 < opts.min <= opts.max. The same seed gives the same waits.
  Backoff(BackoffOptions opts, uint64_t seed);

  // The wait before the next retry; counts a failure.
  std::chrono::nanoseconds Next();
  // After a success: the next failure waits at most min again.
  void Reset() { failures_ = 0; }

  int failures() const { return failures_; }
  // The upper bound of the wait after `failures` failures.
  std::chrono::nanoseconds Ceiling(int failures) const;
  const BackoffOptions& options() const { return opts_; }

 private:
  BackoffOptions opts_;
  std::mt19937_64 rng_;
  int failures_ = 0;
};

}  // namespace logstack::collector
