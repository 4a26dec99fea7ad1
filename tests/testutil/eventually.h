#pragma once

// Eventually: how a test waits for something another thread or process makes
// true (an informer's cache, a child's output, a server's answer). It polls
// the condition until it holds or a real-time deadline passes; the caller
// asserts on the result, so a condition that never comes fails the test at
// the deadline instead of hanging it, and one that comes early ends the wait
// early. Tests never sleep a fixed time for something to happen.
//
// Time that the code under test reads from a Clock is not waited for: the
// test advances a FakeClock (tests/mocks/fake_clock.h), then waits here for
// the effect.
//
// The condition runs on the calling thread, first at once, then every 1 ms
// backing off to every 10 ms; it must be cheap or tolerate that rate.

#include <algorithm>
#include <chrono>
#include <thread>

namespace logstack::testutil {

// Generous, because the build machines are shared: a passing test never
// waits this long, only a failing one.
inline constexpr std::chrono::milliseconds kEventuallyTimeout{20'000};

// Returns true as soon as condition() does; false if it still does not when
// `timeout` has passed (it is asked once more at the deadline).
template <typename Condition>
bool Eventually(Condition&& condition, std::chrono::milliseconds timeout = kEventuallyTimeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::chrono::microseconds pause{1000};
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(pause);
    pause = std::min<std::chrono::microseconds>(pause * 2, std::chrono::milliseconds(10));
  }
  return condition();
}

}  // namespace logstack::testutil
