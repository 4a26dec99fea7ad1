#include "operator/controller/storage_poller.h"

#include "common/logging.h"

namespace logstack::op::controller {

StoragePoller::StoragePoller(StoreProber& prober) : prober_(prober) {
  thread_ = std::thread([this] { Run(); });
}

StoragePoller::~StoragePoller() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void StoragePoller::Request(const std::string& key, const std::string& endpoint) {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (stopping_ || pending_[key]) return;
    pending_[key] = true;
    queue_.emplace_back(key, endpoint);
  }
  cv_.notify_one();
}

std::optional<StorageReport> StoragePoller::Latest(const std::string& key) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = latest_.find(key);
  if (it == latest_.end()) return std::nullopt;
  return it->second;
}

void StoragePoller::Forget(const std::string& key) {
  std::lock_guard<std::mutex> l(mu_);
  latest_.erase(key);
}

void StoragePoller::Run() {
  std::unique_lock<std::mutex> l(mu_);
  while (true) {
    cv_.wait(l, [&] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    auto [key, endpoint] = std::move(queue_.front());
    queue_.pop_front();
    l.unlock();
    auto report = prober_.Storage(endpoint);
    if (!report.ok()) {
      LOG_DEBUG("component=storage_poller logstack={} err={}", key,
                Quote(report.status().ToString()));
    }
    l.lock();
    pending_.erase(key);
    if (report.ok()) latest_[key] = *report;
  }
}

}  // namespace logstack::op::controller
