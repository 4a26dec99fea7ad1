#include "common/kube/workqueue.h"

#include <algorithm>

namespace logstack::kube {

WorkQueue::WorkQueue(Clock& clock, WorkQueueOptions options)
    : clock_(clock),
      options_(options),
      backoff_(options.base_delay, options.max_delay),
      bucket_(options.qps, options.burst, clock) {}

WorkQueue::~WorkQueue() { ShutDown(); }

void WorkQueue::AddLocked(const std::string& item) {
  if (shutting_down_ || dirty_.count(item) > 0) return;
  dirty_.insert(item);
  if (processing_.count(item) > 0) return;  // queued again by Done()
  queue_.push_back(item);
  cv_.notify_one();
}

void WorkQueue::Add(const std::string& item) {
  std::lock_guard<std::mutex> l(mu_);
  AddLocked(item);
}

void WorkQueue::AddAfter(const std::string& item, std::chrono::nanoseconds delay) {
  std::lock_guard<std::mutex> l(mu_);
  if (shutting_down_) return;
  if (delay.count() <= 0) {
    AddLocked(item);
    return;
  }
  int64_t ready = clock_.MonotonicNanos() + delay.count();
  auto [it, inserted] = waiting_.emplace(item, ready);
  if (!inserted && ready < it->second) it->second = ready;  // the earlier time wins
  cv_.notify_all();                                         // a waiting Get() recomputes its wait
}

void WorkQueue::AddRateLimited(const std::string& item) {
  auto delay = std::max(backoff_.When(item), bucket_.Reserve());
  AddAfter(item, delay);
}

void WorkQueue::Forget(const std::string& item) { backoff_.Forget(item); }
int WorkQueue::NumRequeues(const std::string& item) { return backoff_.Failures(item); }

void WorkQueue::PromoteLocked() {
  if (waiting_.empty()) return;
  int64_t now = clock_.MonotonicNanos();
  std::vector<std::pair<int64_t, std::string>> ready;
  for (auto it = waiting_.begin(); it != waiting_.end();) {
    if (it->second <= now) {
      ready.emplace_back(it->second, it->first);
      it = waiting_.erase(it);
    } else {
      ++it;
    }
  }
  std::sort(ready.begin(), ready.end());
  for (auto& [t, item] : ready) AddLocked(item);
}

std::chrono::nanoseconds WorkQueue::NextWaitLocked() {
  int64_t now = clock_.MonotonicNanos();
  int64_t next = INT64_MAX;
  for (const auto& [item, t] : waiting_) next = std::min(next, t);
  auto left = std::chrono::nanoseconds(std::max<int64_t>(0, next - now));
  return std::min<std::chrono::nanoseconds>(left, options_.poll_interval);
}

std::optional<std::string> WorkQueue::GetUntil(
    std::optional<std::chrono::steady_clock::time_point> deadline) {
  std::unique_lock<std::mutex> l(mu_);
  while (true) {
    PromoteLocked();
    if (!queue_.empty() && !shutting_down_) break;
    if (shutting_down_) return std::nullopt;
    auto now = std::chrono::steady_clock::now();
    if (deadline && now >= *deadline) return std::nullopt;
    auto until = deadline ? *deadline : std::chrono::steady_clock::time_point::max();
    if (!waiting_.empty()) {
      until = std::min(until, now + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                        NextWaitLocked()));
    }
    if (until == std::chrono::steady_clock::time_point::max()) {
      cv_.wait(l);
    } else {
      cv_.wait_until(l, until);
    }
  }
  std::string item = std::move(queue_.front());
  queue_.pop_front();
  processing_.insert(item);
  dirty_.erase(item);
  return item;
}

std::optional<std::string> WorkQueue::Get() { return GetUntil(std::nullopt); }

std::optional<std::string> WorkQueue::TryGet(std::chrono::milliseconds timeout) {
  return GetUntil(std::chrono::steady_clock::now() + timeout);
}

void WorkQueue::Done(const std::string& item) {
  std::lock_guard<std::mutex> l(mu_);
  processing_.erase(item);
  if (dirty_.count(item) > 0 && !shutting_down_) {
    queue_.push_back(item);
    cv_.notify_one();
  }
}

size_t WorkQueue::Len() {
  std::lock_guard<std::mutex> l(mu_);
  PromoteLocked();
  return queue_.size();
}

size_t WorkQueue::NumWaiting() {
  std::lock_guard<std::mutex> l(mu_);
  PromoteLocked();
  return waiting_.size();
}

void WorkQueue::Start(int n, Handler handler) {
  std::lock_guard<std::mutex> l(mu_);
  for (int i = 0; i < n; ++i) {
    workers_.emplace_back([this, handler] {
      while (auto item = Get()) {
        Status st = handler(*item);
        if (st.ok()) {
          Forget(*item);
        } else {
          AddRateLimited(*item);
        }
        Done(*item);
      }
    });
  }
}

void WorkQueue::ShutDown() {
  std::vector<std::thread> workers;
  {
    std::lock_guard<std::mutex> l(mu_);
    shutting_down_ = true;
    workers.swap(workers_);
    cv_.notify_all();
  }
  for (auto& t : workers) {
    if (t.joinable()) t.join();
  }
}

bool WorkQueue::ShuttingDown() {
  std::lock_guard<std::mutex> l(mu_);
  return shutting_down_;
}

}  // namespace logstack::kube
