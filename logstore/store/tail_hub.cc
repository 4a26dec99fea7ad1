#include "logstore/store/tail_hub.h"

namespace logstack::logstore {

void TailHub::Subscribe(const std::string& tenant, std::weak_ptr<TailSink> sink) {
  std::lock_guard<std::mutex> lock(mu_);
  sinks_.emplace_back(tenant, std::move(sink));
  count_.store(sinks_.size(), std::memory_order_relaxed);
}

void TailHub::Notify(const std::string& tenant, const Labels& labels,
                     const std::string& labels_string, std::span<const EntryView> entries) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = sinks_.begin(); it != sinks_.end();) {
    std::shared_ptr<TailSink> sink = it->second.lock();
    if (!sink) {
      it = sinks_.erase(it);
      continue;
    }
    if (it->first == tenant) sink->OnPush(labels, labels_string, entries);
    ++it;
  }
  count_.store(sinks_.size(), std::memory_order_relaxed);
}

}  // namespace logstack::logstore
