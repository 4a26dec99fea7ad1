#include "common/kube/informer.h"

#include <unordered_set>
#include <utility>

#include "common/kube/object.h"

namespace logstack::kube {

namespace {

// The cached form of an object: its compact JSON, without spare capacity.
std::string Serialize(const Json& obj) {
  std::string s = obj.dump();
  s.shrink_to_fit();
  return s;
}

Json Parse(const std::string& text) { return Json::parse(text); }

}  // namespace

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
  return Parse(it->second);
}

std::vector<Json> Informer::List() {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<Json> out;
  out.reserve(cache_.size());
  for (const auto& [k, v] : cache_) out.push_back(Parse(v));
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

void Informer::BeginList() { listing_.clear(); }

// Each page is serialized as it arrives and its trees freed, so a list of
// 10,000 objects is never held parsed at once, and the texts fill the space
// the trees leave rather than landing among them. Handlers get objects parsed
// again from the texts, one at a time.
void Informer::ListPage(std::vector<Json>& items) {
  for (auto& item : items) {
    StripManagedFields(item);
    listing_[ObjectKey(item)] = Serialize(item);
    item = Json();
  }
}

void Informer::EndList(const std::string& /*resource_version*/) {
  std::lock_guard<std::mutex> d(dispatch_mu_);
  std::map<std::string, std::string> next = std::move(listing_);
  listing_.clear();
  std::vector<std::string> added, deleted;  // keys; texts
  std::vector<std::pair<std::string, std::string>> updated;
  {
    std::lock_guard<std::mutex> l(mu_);
    for (auto& [key, text] : cache_) {
      auto it = next.find(key);
      if (it == next.end()) {
        deleted.push_back(std::move(text));
      } else if (it->second != text) {
        // Same key, other text: a newer resourceVersion, or another object (uid).
        updated.emplace_back(std::move(text), it->second);
      }
    }
    for (auto& [key, text] : next) {
      if (cache_.count(key) == 0) added.push_back(key);
    }
    cache_ = std::move(next);
    synced_ = true;
    cv_.notify_all();
  }
  for (const auto& text : deleted) Deleted(Parse(text));
  for (const auto& [old_text, new_text] : updated) {
    Json o = Parse(old_text), n = Parse(new_text);
    // Same name, different object: the old one was deleted and a new one made.
    if (Uid(o) != Uid(n)) {
      Deleted(o);
      Added(n);
    } else if (ResourceVersion(o) != ResourceVersion(n)) {
      Updated(o, n);
    }
  }
  // Parsed from the cache one at a time (a first list adds everything: no second copy).
  for (const auto& key : added) {
    Json obj;
    {
      std::lock_guard<std::mutex> l(mu_);
      auto it = cache_.find(key);
      if (it == cache_.end()) continue;
      obj = Parse(it->second);
    }
    Added(obj);
  }
}

void Informer::Apply(const WatchEvent& event) {
  std::lock_guard<std::mutex> d(dispatch_mu_);
  Json obj = event.object;
  StripManagedFields(obj);
  std::string key = ObjectKey(obj);
  std::string text = event.type == WatchEvent::Type::kDeleted ? std::string() : Serialize(obj);
  std::optional<std::string> old_text;
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it = cache_.find(key);
    if (event.type == WatchEvent::Type::kDeleted) {
      if (it != cache_.end()) {
        old_text = std::move(it->second);
        cache_.erase(it);
      }
    } else if (it != cache_.end()) {
      old_text = std::exchange(it->second, std::move(text));
    } else {
      cache_.emplace(key, std::move(text));
    }
  }
  std::optional<Json> old;
  if (old_text) old = Parse(*old_text);
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
