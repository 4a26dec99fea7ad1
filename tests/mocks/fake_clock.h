#pragma once

// FakeClock: a Clock (common/clock.h) that moves only when a test moves it,
// so tests never sleep to let time pass and never read the real clock.
//
// Its Sleepers (Clock::NewSleeper) wake when Set or Advance moves the clock
// to or past their deadline, so a loop that sleeps between rounds runs its
// next round as soon as the test moves time, and not before. Code that waits
// for a Clock time any other way notices a move only when it looks at the
// clock again; the components that wait that way poll at a short real-time
// interval for that reason (WorkQueueOptions::poll_interval,
// ControllerOptions::clock_poll_interval).
//
// Thread safety: every method may be called from any thread.
// REQUIRES: every Sleeper is destroyed before the clock.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>

#include "common/clock.h"

namespace logstack {

// Both readings start at `now_nanos` and move together.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t now_nanos = 1'700'000'000'000'000'000) : now_(now_nanos) {}
  int64_t NowNanos() const override { return now_.load(); }
  int64_t MonotonicNanos() const override { return now_.load(); }
  void Set(int64_t now_nanos) {
    now_.store(now_nanos);
    WakeSleepers();
  }
  void Advance(std::chrono::nanoseconds d) {
    now_.fetch_add(d.count());
    WakeSleepers();
  }

  SleeperPtr NewSleeper() const override { return std::make_unique<FakeSleeper>(this); }

 private:
  // Lock order: sleepers_mu_ -> FakeSleeper::mu_. A sleeper checks the time
  // under its own mutex, and a move takes that mutex before it notifies, so
  // a move between the check and the wait is never lost.
  class FakeSleeper final : public Sleeper {
   public:
    explicit FakeSleeper(const FakeClock* clock) : clock_(clock) {
      std::lock_guard<std::mutex> lock(clock_->sleepers_mu_);
      clock_->sleepers_.insert(this);
    }
    ~FakeSleeper() override {
      std::lock_guard<std::mutex> lock(clock_->sleepers_mu_);
      clock_->sleepers_.erase(this);
    }

    bool SleepUntil(int64_t deadline_ns) override {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stopped_ || clock_->MonotonicNanos() >= deadline_ns; });
      return !stopped_;
    }
    void Stop() override {
      {
        std::lock_guard<std::mutex> lock(mu_);
        stopped_ = true;
      }
      cv_.notify_all();
    }
    // The clock moved. REQUIRES: clock_->sleepers_mu_ held.
    void ClockMoved() {
      std::lock_guard<std::mutex> lock(mu_);
      cv_.notify_all();
    }

   private:
    const FakeClock* const clock_;
    std::mutex mu_;
    std::condition_variable cv_;
    bool stopped_ = false;  // GUARDED_BY(mu_)
  };

  void WakeSleepers() {
    std::lock_guard<std::mutex> lock(sleepers_mu_);
    for (FakeSleeper* s : sleepers_) s->ClockMoved();
  }

  std::atomic<int64_t> now_;
  mutable std::mutex sleepers_mu_;
  mutable std::set<FakeSleeper*> sleepers_;  // GUARDED_BY(sleepers_mu_)
};

}  // namespace logstack
