#include "common/clock.h"

#include <algorithm>
#include <condition_variable>
#include <mutex>

namespace logstack {

namespace {

class RealTimeSleeper final : public Sleeper {
 public:
  explicit RealTimeSleeper(const Clock* clock) : clock_(clock) {}

  bool SleepUntil(int64_t deadline_ns) override {
    // Waits at most this long at a time, so that a far deadline never
    // overflows the condition variable's time arithmetic.
    constexpr int64_t kMaxWaitNs = int64_t{3600} * 1'000'000'000;
    std::unique_lock<std::mutex> lock(mu_);
    while (!stopped_) {
      const int64_t left = deadline_ns - clock_->MonotonicNanos();
      if (left <= 0) return true;
      cv_.wait_for(lock, std::chrono::nanoseconds(std::min(left, kMaxWaitNs)));
    }
    return false;
  }

  void Stop() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopped_ = true;
    }
    cv_.notify_all();
  }

 private:
  const Clock* const clock_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopped_ = false;  // GUARDED_BY(mu_)
};

}  // namespace

SleeperPtr Clock::NewSleeper() const { return std::make_unique<RealTimeSleeper>(this); }

RealClock& RealClock::Default() {
  static RealClock clock;
  return clock;
}

int64_t RealClock::NowNanos() const {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t RealClock::MonotonicNanos() const {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace logstack
