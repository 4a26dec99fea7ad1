#pragma once

// Clock: the one source of time. Code that needs "now" takes a Clock& in its
// constructor, so tests drive time with a FakeClock (tests/mocks/fake_clock.h)
// and never sleep.
//
// Thread safety: every implementation is safe to call from any thread.

#include <chrono>
#include <cstdint>

namespace logstack {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time in nanoseconds since the Unix epoch.
  virtual int64_t NowNanos() const = 0;
  // A monotonic reading in nanoseconds, for measuring intervals.
  virtual int64_t MonotonicNanos() const = 0;
};

// The system clocks. Default() is a process-wide instance that lives forever.
class RealClock final : public Clock {
 public:
  static RealClock& Default();
  int64_t NowNanos() const override;
  int64_t MonotonicNanos() const override;
};

}  // namespace logstack
