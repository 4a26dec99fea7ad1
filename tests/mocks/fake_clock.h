#pragma once

// FakeClock: a Clock (common/clock.h) that moves only when a test moves it,
// so tests never sleep to let time pass and never read the real clock.
//
// Code that waits for a Clock time notices a move only when it looks at the
// clock again; the components that wait this way poll at a short real-time
// interval for that reason (WorkQueueOptions::poll_interval,
// ControllerOptions::clock_poll_interval).
//
// Thread safety: every method may be called from any thread.

#include <atomic>
#include <chrono>
#include <cstdint>

#include "common/clock.h"

namespace logstack {

// Both readings start at `now_nanos` and move together.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t now_nanos = 1'700'000'000'000'000'000) : now_(now_nanos) {}
  int64_t NowNanos() const override { return now_.load(); }
  int64_t MonotonicNanos() const override { return now_.load(); }
  void Set(int64_t now_nanos) { now_.store(now_nanos); }
  void Advance(std::chrono::nanoseconds d) { now_.fetch_add(d.count()); }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace logstack
