#pragma once

// Clock: the one source of time. Code that needs "now" takes a Clock& in its
// constructor, so tests drive time with a FakeClock and never sleep.
//
// Thread safety: every implementation is safe to call from any thread.

#include <atomic>
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

// A clock that moves only when told to. Both readings move together.
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
