#include "collector/meta/pod_metadata.h"

#include <algorithm>

#include "common/kube/object.h"

namespace logstack::collector {

std::string_view PodStateName(PodState s) {
  switch (s) {
    case PodState::kNotSynced:
      return "not_synced";
    case PodState::kFound:
      return "found";
    case PodState::kGone:
      return "gone";
    case PodState::kUnknown:
      return "unknown";
  }
  return "?";
}

PodMetadata::PodMetadata(kube::KubeClient& client, PodMetadataOptions options, const Clock& clock)
    : options_(std::move(options)), clock_(clock) {
  kube::InformerOptions pod_opts;
  pod_opts.reflector = options_.reflector;
  pod_opts.reflector.ns = "";
  pod_opts.reflector.label_selector = "";
  pod_opts.reflector.field_selector =
      options_.node_name.empty() ? "" : "spec.nodeName=" + options_.node_name;
  pods_ = std::make_unique<kube::Informer>(client, kube::resources::kPods, pod_opts);
  pods_->AddHandlers({
      .on_add = [this](const kube::Json& p) { PodAdded(p); },
      .on_update = [this](const kube::Json&, const kube::Json& p) { PodAdded(p); },
      .on_delete = [this](const kube::Json& p) { PodDeleted(p); },
  });

  if (options_.namespace_selector) {
    kube::InformerOptions ns_opts;
    ns_opts.reflector = options_.reflector;
    ns_opts.reflector.ns = "";
    ns_opts.reflector.label_selector = "";  // matched here: label changes must be seen
    ns_opts.reflector.field_selector = "";
    namespaces_ = std::make_unique<kube::Informer>(client, kube::resources::kNamespaces, ns_opts);
    namespaces_->AddHandlers({
        .on_add = [this](const kube::Json& n) { NamespaceAdded(n); },
        .on_update = [this](const kube::Json&, const kube::Json& n) { NamespaceAdded(n); },
        .on_delete = [this](const kube::Json& n) { NamespaceDeleted(n); },
    });
  }
}

PodMetadata::~PodMetadata() { Stop(); }

void PodMetadata::Start() {
  pods_->Start();
  if (namespaces_) namespaces_->Start();
}

void PodMetadata::Stop() {
  pods_->Stop();
  if (namespaces_) namespaces_->Stop();
}

bool PodMetadata::HasSynced() {
  return pods_->HasSynced() && (!namespaces_ || namespaces_->HasSynced());
}

bool PodMetadata::WaitForSync(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto left = [&] {
    return std::max(std::chrono::milliseconds(0),
                    std::chrono::duration_cast<std::chrono::milliseconds>(
                        deadline - std::chrono::steady_clock::now()));
  };
  if (!pods_->WaitForSync(left())) return false;
  if (namespaces_ && !namespaces_->WaitForSync(left())) return false;
  return true;
}

std::optional<bool> PodMetadata::NamespaceSelected(std::string_view ns) {
  if (options_.namespace_selector) {
    if (!namespaces_->HasSynced()) return std::nullopt;
    if (auto obj = namespaces_->Get(std::string(ns))) {
      return options_.namespace_selector->Matches(kube::Labels(*obj));
    }
    std::lock_guard<std::mutex> l(mu_);
    ExpireLocked(clock_.MonotonicNanos());
    auto it = gone_namespaces_.find(ns);
    if (it == gone_namespaces_.end()) return std::nullopt;
    return options_.namespace_selector->Matches(it->second.labels);
  }
  if (!options_.namespaces.empty()) {
    return std::find(options_.namespaces.begin(), options_.namespaces.end(), ns) !=
           options_.namespaces.end();
  }
  return true;
}

PodLookup PodMetadata::Lookup(std::string_view ns, std::string_view name, std::string_view uid) {
  PodLookup r;
  r.namespace_selected = NamespaceSelected(ns);
  if (!pods_->HasSynced()) {
    r.state = PodState::kNotSynced;
    return r;
  }
  std::string key;
  key.reserve(ns.size() + 1 + name.size());
  key.append(ns).append("/").append(name);
  if (auto obj = pods_->Get(key)) {
    PodInfo info = PodInfoFromObject(*obj);
    if (uid.empty() || info.uid == uid) {
      r.state = PodState::kFound;
      r.info = std::move(info);
      return r;
    }
  }
  std::lock_guard<std::mutex> l(mu_);
  ExpireLocked(clock_.MonotonicNanos());
  std::string_view gone_uid = uid;
  if (gone_uid.empty()) {
    auto k = gone_pod_by_key_.find(key);
    if (k != gone_pod_by_key_.end()) gone_uid = k->second;
  }
  auto it = gone_uid.empty() ? gone_pods_.end() : gone_pods_.find(gone_uid);
  if (it != gone_pods_.end() && it->second.key == key) {
    r.state = PodState::kGone;
    r.info = it->second.info;
    return r;
  }
  r.state = PodState::kUnknown;
  return r;
}

size_t PodMetadata::GonePods() {
  std::lock_guard<std::mutex> l(mu_);
  ExpireLocked(clock_.MonotonicNanos());
  return gone_pods_.size();
}

void PodMetadata::PodAdded(const kube::Json& pod) {
  {
    std::lock_guard<std::mutex> l(mu_);
    // A uid is never reused; it can come back only when a relist finds a pod
    // that a watch had reported deleted.
    auto it = gone_pods_.find(kube::Uid(pod));
    if (it != gone_pods_.end()) {
      auto k = gone_pod_by_key_.find(it->second.key);
      if (k != gone_pod_by_key_.end() && k->second == it->first) gone_pod_by_key_.erase(k);
      gone_pods_.erase(it);
    }
  }
  Changed();
}

void PodMetadata::PodDeleted(const kube::Json& pod) {
  {
    std::lock_guard<std::mutex> l(mu_);
    const int64_t now = clock_.MonotonicNanos();
    ExpireLocked(now);
    GonePod g{kube::ObjectKey(pod), PodInfoFromObject(pod), now + options_.gone_grace.count()};
    if (!g.info.uid.empty()) {
      gone_pod_by_key_[g.key] = g.info.uid;
      std::string uid = g.info.uid;
      gone_pods_.insert_or_assign(std::move(uid), std::move(g));
    }
  }
  Changed();
}

void PodMetadata::NamespaceAdded(const kube::Json& ns) {
  {
    std::lock_guard<std::mutex> l(mu_);
    gone_namespaces_.erase(kube::Name(ns));
  }
  Changed();
}

void PodMetadata::NamespaceDeleted(const kube::Json& ns) {
  {
    std::lock_guard<std::mutex> l(mu_);
    const int64_t now = clock_.MonotonicNanos();
    ExpireLocked(now);
    gone_namespaces_.insert_or_assign(
        kube::Name(ns), GoneNamespace{kube::Labels(ns), now + options_.gone_grace.count()});
  }
  Changed();
}

void PodMetadata::Changed() {
  version_.fetch_add(1, std::memory_order_acq_rel);
  if (options_.on_change) options_.on_change();
}

void PodMetadata::ExpireLocked(int64_t now_mono_ns) {
  for (auto it = gone_pods_.begin(); it != gone_pods_.end();) {
    if (it->second.expires_mono_ns > now_mono_ns) {
      ++it;
      continue;
    }
    auto k = gone_pod_by_key_.find(it->second.key);
    if (k != gone_pod_by_key_.end() && k->second == it->first) gone_pod_by_key_.erase(k);
    it = gone_pods_.erase(it);
  }
  std::erase_if(gone_namespaces_,
                [&](const auto& kv) { return kv.second.expires_mono_ns <= now_mono_ns; });
}

}  // namespace logstack::collector
