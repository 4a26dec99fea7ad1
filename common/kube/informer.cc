#include "common/kube/informer.h"

#include <unordered_set>

#include "common/kube/object.h"

namespace logstack::kube {

Informer::Informer(KubeClient& client, ResourceRef resource, InformerOptions options)
    : options_(std::move(options)),
      reflector_(client, std::move(resource), options_.reflector, *this) {}

Informer::~Informer() { Stop(); }

void Informer::AddHandlers(InformerHandlers handlers) { handlers_.push_back(std::move(handlers)); }

void Informer::Start() {
  std::lock_guard<std::mutex> l(mu_);
  if (started_) return;
  started_ = true;
  reflector_thread_ = std::thread([this] { reflector_.Run(); });
  if (options_.resync_period.count() > 0) resync_thread_ = std::thread([this] { ResyncLoop(); });
}

void Informer::Stop() {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (stopped_) return;
    stopped_ = true;
    cv_.notify_all();
  }
  reflector_.Stop();
  if (reflector_thread_.joinable()) reflector_thread_.join();
  if (resync_thread_.joinable()) resync_thread_.join();
}

bool Informer::HasSynced() {
  std::lock_guard<std::mutex> l(mu_);
  return synced_;
}

bool Informer::WaitForSync(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> l(mu_);
  return cv_.wait_for(l, timeout, [&] { return synced_ || stopped_; }) && synced_;
}

std::optional<Json> Informer::Get(const std::string& key) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = cache_.find(key);
  if (it == cache_.end()) return std::nullopt;
  return it->second;
}

std::vector<Json> Informer::List() {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<Json> out;
  out.reserve(cache_.size());
  for (const auto& [k, v] : cache_) out.push_back(v);
  return out;
}

size_t Informer::Size() {
  std::lock_guard<std::mutex> l(mu_);
  return cache_.size();
}

void Informer::Added(const Json& obj) {
  for (auto& h : handlers_) {
    if (h.on_add) h.on_add(obj);
  }
}
void Informer::Updated(const Json& old_obj, const Json& new_obj) {
  for (auto& h : handlers_) {
    if (h.on_update) h.on_update(old_obj, new_obj);
  }
}
void Informer::Deleted(const Json& obj) {
  for (auto& h : handlers_) {
    if (h.on_delete) h.on_delete(obj);
  }
}

void Informer::Replace(std::vector<Json> items, const std::string& resource_version) {
  std::lock_guard<std::mutex> d(dispatch_mu_);
  std::map<std::string, Json> next;
  for (auto& item : items) {
    StripManagedFields(item);
    std::string key = ObjectKey(item);
    next[key] = std::move(item);
  }
  std::vector<Json> added, deleted;
  std::vector<std::pair<Json, Json>> updated;
  {
    std::lock_guard<std::mutex> l(mu_);
    for (auto& [key, obj] : cache_) {
      auto it = next.find(key);
      if (it == next.end()) {
        deleted.push_back(obj);
      } else if (ResourceVersion(it->second) != ResourceVersion(obj) ||
                 Uid(it->second) != Uid(obj)) {
        updated.emplace_back(obj, it->second);
      }
    }
    for (auto& [key, obj] : next) {
      if (cache_.count(key) == 0) added.push_back(obj);
    }
    cache_ = std::move(next);
    synced_ = true;
    cv_.notify_all();
  }
  for (const auto& o : deleted) Deleted(o);
  for (const auto& [o, n] : updated) {
    // Same name, different object: the old one was deleted and a new one made.
    if (Uid(o) != Uid(n)) {
      Deleted(o);
      Added(n);
    } else {
      Updated(o, n);
    }
  }
  for (const auto& n : added) Added(n);
}

void Informer::Apply(const WatchEvent& event) {
  std::lock_guard<std::mutex> d(dispatch_mu_);
  Json obj = event.object;
  StripManagedFields(obj);
  std::string key = ObjectKey(obj);
  std::optional<Json> old;
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it = cache_.find(key);
    if (it != cache_.end()) old = it->second;
    if (event.type == WatchEvent::Type::kDeleted) {
      cache_.erase(key);
    } else {
      cache_[key] = obj;
    }
  }
  if (event.type == WatchEvent::Type::kDeleted) {
    Deleted(old && ResourceVersion(obj).empty() ? *old : obj);
  } else if (old) {
    Updated(*old, obj);
  } else {
    Added(obj);
  }
}

void Informer::ResyncLoop() {
  while (true) {
    {
      std::unique_lock<std::mutex> l(mu_);
      if (cv_.wait_for(l, options_.resync_period, [&] { return stopped_; })) return;
      if (!synced_) continue;
    }
    std::lock_guard<std::mutex> d(dispatch_mu_);
    for (const auto& obj : List()) Updated(obj, obj);
  }
}

}  // namespace logstack::kube
