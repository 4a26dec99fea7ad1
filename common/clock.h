#pragma once

// Clock: the one source of time. Code that needs "now" takes a Clock& in its
// constructor, so tests drive time with a FakeClock (tests/mocks/fake_clock.h)
// and never sleep. A thread that sleeps until a time (a loop that runs every
// N seconds) sleeps through the clock too, with a Sleeper, so that a test
// moving a FakeClock wakes it.
//
// Thread safety: every implementation is safe to call from any thread.

#include <chrono>
#include <cstdint>
#include <memory>

namespace logstack {

// A thread's sleep on a Clock's monotonic time, which another thread can end
// for good (to stop the sleeping thread). Made by Clock::NewSleeper().
//
// Thread safety: one thread sleeps; any thread may call Stop().
// REQUIRES: the Clock that made it outlives it.
class Sleeper {
 public:
  virtual ~Sleeper() = default;
  // Blocks until the clock's MonotonicNanos() reaches `deadline_ns` or Stop()
  // is called. Returns true iff it returned for the deadline: false once
  // stopped, even when the deadline has passed too.
  virtual bool SleepUntil(int64_t deadline_ns) = 0;
  // Ends a SleepUntil in progress, and makes every later one return false at
  // once. Idempotent.
  virtual void Stop() = 0;
};
using SleeperPtr = std::unique_ptr<Sleeper>;

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time in nanoseconds since the Unix epoch.
  virtual int64_t NowNanos() const = 0;
  // A monotonic reading in nanoseconds, for measuring intervals.
  virtual int64_t MonotonicNanos() const = 0;
  // A new Sleeper on this clock. The default sleeps in real time for what
  // MonotonicNanos() says is left, and looks again when that is over: right
  // for clocks that move with real time. A clock that moves otherwise
  // (FakeClock) wakes its sleepers when it moves.
  virtual SleeperPtr NewSleeper() const;
};

// The system clocks. Default() is a process-wide instance that lives forever.
class RealClock final : public Clock {
 public:
  static RealClock& Default();
  int64_t NowNanos() const override;
  int64_t MonotonicNanos() const override;
};

}  // namespace logstack
