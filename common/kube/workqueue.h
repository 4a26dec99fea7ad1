#pragma once

// WorkQueue: the controller's queue of object keys ("ns/name").
//
// Semantics (those of client-go's work queue, which controllers are written
// against):
//   - Deduplicating: an item added while it waits is queued once.
//   - Never processed twice at once: an item added while a worker holds it is
//     marked dirty and queued again only when that worker calls Done().
//   - AddRateLimited delays an item by its own exponential backoff (5 ms
//     doubling to 1000 s by default) and by an overall token bucket (10 qps,
//     burst 100 by default), whichever is longer; Forget resets the backoff.
//   - AddAfter queues an item once the delay has passed (by the Clock).
//   - ShutDown wakes every Get() with nullopt; workers started by Start() are
//     joined by ShutDown(), which lets a handler in progress finish.
//
// Thread safety: every method may be called from any thread.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/clock.h"
#include "common/kube/rate_limit.h"
#include "common/status.h"

namespace logstack::kube {

struct WorkQueueOptions {
  std::chrono::nanoseconds base_delay = std::chrono::milliseconds(5);
  std::chrono::nanoseconds max_delay = std::chrono::seconds(1000);
  double qps = 10;
  int burst = 100;
  // How often a blocked Get() looks at the Clock while items wait for their
  // delay; a FakeClock moved by a test is noticed within this much real time.
  std::chrono::milliseconds poll_interval{10};
};

class WorkQueue {
 public:
  explicit WorkQueue(Clock& clock, WorkQueueOptions options = {});
  ~WorkQueue();  // ShutDown()
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  void Add(const std::string& item);
  void AddAfter(const std::string& item, std::chrono::nanoseconds delay);
  void AddRateLimited(const std::string& item);
  void Forget(const std::string& item);
  int NumRequeues(const std::string& item);

  // Blocks for an item; nullopt once shut down. The caller must call Done(item).
  std::optional<std::string> Get();
  // Like Get but returns nullopt after `timeout` of real time without an item.
  std::optional<std::string> TryGet(std::chrono::milliseconds timeout);
  void Done(const std::string& item);

  // Items ready to be handed out (not counting delayed or in-process ones).
  size_t Len();
  // Items waiting for their AddAfter/AddRateLimited delay.
  size_t NumWaiting();

  // Handler returns OK (Forget) or an error (AddRateLimited). Starts `n`
  // threads that run until ShutDown().
  using Handler = std::function<Status(const std::string& item)>;
  void Start(int n, Handler handler);

  // Stops handing out items and joins the workers started by Start().
  void ShutDown();
  bool ShuttingDown();

 private:
  void AddLocked(const std::string& item);    // REQUIRES: mu_ held
  void PromoteLocked();                       // REQUIRES: mu_ held
  std::chrono::nanoseconds NextWaitLocked();  // REQUIRES: mu_ held
  std::optional<std::string> GetUntil(
      std::optional<std::chrono::steady_clock::time_point> deadline);

  Clock& clock_;
  const WorkQueueOptions options_;
  ItemBackoff backoff_;
  TokenBucket bucket_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;
  std::unordered_set<std::string> dirty_;
  std::unordered_set<std::string> processing_;
  std::unordered_map<std::string, int64_t> waiting_;  // item -> ready at (monotonic nanos)
  bool shutting_down_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace logstack::kube
