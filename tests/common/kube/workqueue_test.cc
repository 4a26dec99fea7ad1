#include "common/kube/workqueue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <thread>

#include "tests/mocks/fake_clock.h"
#include "tests/testutil/eventually.h"

namespace logstack::kube {
namespace {

using namespace std::chrono_literals;

using testutil::Eventually;

TEST(WorkQueueTest, DeduplicatesWaitingItems) {
  FakeClock clock;
  WorkQueue q(clock);
  q.Add("a");
  q.Add("b");
  q.Add("a");
  EXPECT_EQ(q.Len(), 2u);
  EXPECT_EQ(*q.Get(), "a");
  EXPECT_EQ(*q.Get(), "b");
  EXPECT_EQ(q.TryGet(0ms), std::nullopt);
}

TEST(WorkQueueTest, ItemAddedWhileProcessingIsRequeuedOnDone) {
  FakeClock clock;
  WorkQueue q(clock);
  q.Add("a");
  auto item = q.Get();
  ASSERT_EQ(item, "a");
  q.Add("a");  // dirty while processing: not handed out again yet
  q.Add("a");
  EXPECT_EQ(q.Len(), 0u);
  EXPECT_EQ(q.TryGet(0ms), std::nullopt);
  q.Done("a");
  EXPECT_EQ(q.Len(), 1u);
  EXPECT_EQ(*q.Get(), "a");
  q.Done("a");
  EXPECT_EQ(q.Len(), 0u);
}

TEST(WorkQueueTest, RateLimitedBackoffDoublesOnFakeClock) {
  FakeClock clock;
  WorkQueueOptions o;
  o.qps = 0;  // only the per-item backoff
  WorkQueue q(clock, o);
  q.AddRateLimited("x");  // 5 ms
  EXPECT_EQ(q.Len(), 0u);
  EXPECT_EQ(q.NumWaiting(), 1u);
  clock.Advance(4ms);
  EXPECT_EQ(q.Len(), 0u);
  clock.Advance(1ms);
  EXPECT_EQ(q.Len(), 1u);
  ASSERT_EQ(*q.Get(), "x");
  q.Done("x");
  q.AddRateLimited("x");  // 10 ms
  clock.Advance(9ms);
  EXPECT_EQ(q.Len(), 0u);
  clock.Advance(1ms);
  EXPECT_EQ(q.Len(), 1u);
  EXPECT_EQ(q.NumRequeues("x"), 2);
  q.Forget("x");
  EXPECT_EQ(q.NumRequeues("x"), 0);
}

TEST(WorkQueueTest, BackoffCapsAtThousandSeconds) {
  FakeClock clock;
  WorkQueueOptions o;
  o.qps = 0;
  WorkQueue q(clock, o);
  for (int i = 0; i < 30; ++i) q.AddRateLimited("x");
  // The earliest wait wins while the item is waiting; drain and check the cap.
  clock.Advance(1000s);
  ASSERT_EQ(*q.Get(), "x");
  q.Done("x");
  q.AddRateLimited("x");
  clock.Advance(999s);
  EXPECT_EQ(q.Len(), 0u);
  clock.Advance(1s);
  EXPECT_EQ(q.Len(), 1u);
}

TEST(WorkQueueTest, OverallTokenBucketSpacesItems) {
  FakeClock clock;
  WorkQueueOptions o;
  o.qps = 10;
  o.burst = 1;
  o.base_delay = 1ns;
  WorkQueue q(clock, o);
  q.AddRateLimited("a");  // the burst token, ~now
  q.AddRateLimited("b");  // 100 ms later
  q.AddRateLimited("c");  // 200 ms later
  clock.Advance(1ms);     // past the 1 ns item backoff
  EXPECT_EQ(q.Len(), 1u);
  clock.Advance(99ms);
  EXPECT_EQ(q.Len(), 2u);
  clock.Advance(100ms);
  EXPECT_EQ(q.Len(), 3u);
}

TEST(WorkQueueTest, BlockedGetWakesWhenFakeClockPassesDelay) {
  FakeClock clock;
  WorkQueue q(clock);
  q.AddAfter("later", 10s);
  std::atomic<bool> got{false};
  std::thread t([&] {
    if (q.Get() == "later") got = true;
  });
  EXPECT_FALSE(got.load());
  clock.Advance(10s);
  EXPECT_TRUE(Eventually([&] { return got.load(); }));
  t.join();
}

TEST(WorkQueueTest, WorkersNeverProcessAnItemConcurrently) {
  FakeClock clock;
  WorkQueue q(clock);
  std::mutex mu;
  std::map<std::string, int> active;
  std::atomic<int> violations{0}, handled{0};
  q.Start(4, [&](const std::string& item) {
    {
      std::lock_guard<std::mutex> l(mu);
      if (++active[item] > 1) ++violations;
    }
    std::this_thread::yield();
    {
      std::lock_guard<std::mutex> l(mu);
      --active[item];
    }
    ++handled;
    return Status::Ok();
  });
  for (int round = 0; round < 2000; ++round) q.Add("k" + std::to_string(round % 3));
  EXPECT_TRUE(Eventually([&] { return q.Len() == 0 && handled.load() > 0; }));
  q.ShutDown();
  EXPECT_EQ(violations.load(), 0);
}

TEST(WorkQueueTest, FailedItemsAreRetriedWithBackoff) {
  FakeClock clock;
  WorkQueueOptions o;
  o.qps = 0;
  WorkQueue q(clock, o);
  std::atomic<int> calls{0};
  q.Start(1,
          [&](const std::string&) { return ++calls < 3 ? Unavailable("not yet") : Status::Ok(); });
  q.Add("x");
  ASSERT_TRUE(Eventually([&] { return calls.load() == 1 && q.NumWaiting() == 1; }));
  clock.Advance(5ms);
  ASSERT_TRUE(Eventually([&] { return calls.load() == 2 && q.NumWaiting() == 1; }));
  clock.Advance(10ms);
  ASSERT_TRUE(Eventually([&] { return calls.load() == 3; }));
  EXPECT_TRUE(Eventually([&] { return q.NumRequeues("x") == 0; }));
  q.ShutDown();
}

TEST(WorkQueueTest, ShutDownWakesGetAndJoinsWorkers) {
  FakeClock clock;
  WorkQueue q(clock);
  std::atomic<bool> returned{false};
  std::thread t([&] {
    EXPECT_EQ(q.Get(), std::nullopt);
    returned = true;
  });
  q.Start(2, [](const std::string&) { return Status::Ok(); });
  q.ShutDown();
  t.join();
  EXPECT_TRUE(returned.load());
  q.Add("after");
  EXPECT_EQ(q.Len(), 0u);
  EXPECT_TRUE(q.ShuttingDown());
}

}  // namespace
}  // namespace logstack::kube
