#include "operator/controller/controller.h"

#include <algorithm>

#include "common/kube/object.h"
#include "common/logging.h"
#include "operator/controller/constants.h"
#include "operator/controller/ownership.h"
#include "operator/manifests/build.h"

namespace logstack::op::controller {

namespace {

using kube::Json;

std::string ResKey(const kube::ResourceRef& r) { return r.group + "/" + r.resource; }

bool IsDnsLabel(std::string_view s) {
  if (s.empty() || s.size() > 63) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && !(c == '-' && i > 0 && i + 1 < s.size())) return false;
  }
  return true;
}

std::string ConditionStatus(const Json& obj, const char* type) {
  auto c = kube::GetCondition(obj, type);
  return c && (c->status == "True" || c->status == "False") ? c->status : "Unknown";
}

}  // namespace

StatusOr<std::vector<std::string>> ParseWatchNamespaces(std::string_view value) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= value.size()) {
    size_t comma = value.find(',', start);
    if (comma == std::string_view::npos) comma = value.size();
    std::string_view part = value.substr(start, comma - start);
    while (!part.empty() && (part.front() == ' ' || part.front() == '\t')) part.remove_prefix(1);
    while (!part.empty() && (part.back() == ' ' || part.back() == '\t')) part.remove_suffix(1);
    if (!part.empty()) {
      if (!IsDnsLabel(part)) {
        return InvalidArgument("WATCH_NAMESPACE: \"" + std::string(part) +
                               "\" is not a namespace name (lower-case letters, digits and '-', "
                               "at most 63)");
      }
      if (std::find(out.begin(), out.end(), part) == out.end()) out.emplace_back(part);
    }
    start = comma + 1;
  }
  return out;
}

Controller::Controller(kube::KubeClient& client, Clock& clock, metrics::Registry& registry,
                       ControllerOptions options, StoreProber* prober)
    : client_(client),
      clock_(clock),
      registry_(registry),
      options_(std::move(options)),
      queue_(clock, options_.queue) {
  if (prober == nullptr) {
    own_prober_ = NewHttpStoreProber(std::chrono::seconds(3), options_.prober_ca_file);
    prober = own_prober_.get();
  }
  if (options_.record_events) {
    events_ = std::make_unique<kube::EventRecorder>(client_, clock_, kComponent, options_.instance);
  }
  reconciler_ = std::make_unique<Reconciler>(client_, *this, events_.get(), clock_, *prober,
                                             options_.reconciler);
  RegisterMetrics();
}

Controller::~Controller() { Stop(); }

void Controller::RegisterMetrics() {
  const std::string total = "logstack_operator_reconcile_total";
  const std::string total_help = "Reconcile passes by result (done, requeue, error).";
  reconcile_done_ = &registry_.GetCounter(total, total_help, {{"result", "done"}});
  reconcile_requeue_ = &registry_.GetCounter(total, total_help, {{"result", "requeue"}});
  reconcile_error_ = &registry_.GetCounter(total, total_help, {{"result", "error"}});
  errors_ = &registry_.GetCounter("logstack_operator_reconcile_errors_total",
                                  "Reconcile passes that returned an error.");
  duration_ = &registry_.GetHistogram("logstack_operator_reconcile_duration_seconds",
                                      "Time one reconcile pass takes.",
                                      metrics::ExponentialBuckets(0.001, 2, 14));
  const std::string objs = "logstack_operator_objects_written_total";
  const std::string objs_help = "Owned objects created, updated and deleted.";
  created_ = &registry_.GetCounter(objs, objs_help, {{"op", "create"}});
  updated_ = &registry_.GetCounter(objs, objs_help, {{"op", "update"}});
  deleted_ = &registry_.GetCounter(objs, objs_help, {{"op", "delete"}});
  status_writes_ =
      &registry_.GetCounter("logstack_operator_status_writes_total", "LogStack status updates.");
  registry_.AddGaugeFunction("logstack_operator_workqueue_depth", "Keys ready to be reconciled.",
                             {}, [this] { return static_cast<double>(queue_.Len()); });
  registry_.AddGaugeFunction("logstack_operator_workqueue_waiting",
                             "Keys waiting for a requeue delay or a backoff.", {},
                             [this] { return static_cast<double>(queue_.NumWaiting()); });
  for (const char* cond : {"Ready", "Progressing", "Degraded"}) {
    for (const char* st : {"True", "False", "Unknown"}) {
      registry_.AddGaugeFunction(
          "logstack_operator_logstacks", "LogStacks by condition and status.",
          {{"condition", cond}, {"status", st}},
          [this, cond = std::string(cond), st = std::string(st)] {
            std::lock_guard<std::mutex> l(mu_);
            double n = 0;
            for (const auto& [key, info] : logstacks_) {
              const std::string& v = cond == "Ready"         ? info.ready
                                     : cond == "Progressing" ? info.progressing
                                                             : info.degraded;
              if (v == st) ++n;
            }
            return n;
          });
    }
  }
}

void Controller::StartInformers(const kube::ResourceRef& r, bool cluster_scoped, bool owned) {
  std::vector<std::string> nss = cluster_scoped || options_.namespaces.empty()
                                     ? std::vector<std::string>{""}
                                     : options_.namespaces;
  std::vector<kube::Informer*> started;
  for (const auto& ns : nss) {
    kube::InformerOptions io;
    io.reflector.ns = ns;
    if (owned)
      io.reflector.label_selector = std::string(kLabelManagedBy) + "=" + manifests::kManagedBy;
    // No informer resync: it would parse every cached object at once (13 MB
    // of transient trees for 100 LogStacks); the controller's own resync
    // enqueues the LogStacks instead, which is all a resync is for here.
    io.resync_period = std::chrono::milliseconds(0);
    auto inf = std::make_unique<kube::Informer>(client_, r, io);
    kube::InformerHandlers h;
    if (owned) {
      h.on_add = [this, r](const Json& o) { OnOwned(r, nullptr, &o); };
      h.on_update = [this, r](const Json& o, const Json& n) { OnOwned(r, &o, &n); };
      h.on_delete = [this, r](const Json& o) { OnOwned(r, &o, nullptr); };
    } else {
      h.on_add = [this](const Json& o) { OnLogStack(nullptr, &o); };
      h.on_update = [this](const Json& o, const Json& n) { OnLogStack(&o, &n); };
      h.on_delete = [this](const Json& o) { OnLogStack(&o, nullptr); };
    }
    inf->AddHandlers(std::move(h));
    std::lock_guard<std::mutex> l(mu_);
    started.push_back(inf.get());
    informers_[ResKey(r) + "|" + ns] = std::move(inf);
  }
  {
    std::lock_guard<std::mutex> l(mu_);
    watched_.insert(ResKey(r));
  }
  for (auto* inf : started) inf->Start();
}

void Controller::Start() {
  {
    std::lock_guard<std::mutex> l(loop_mu_);
    if (started_) return;
    started_ = true;
    stopping_ = false;
  }
  LOG_INFO("component=controller op=start namespaces={} workers={}",
           options_.namespaces.empty() ? std::string("all") : Quote([&] {
             std::string s;
             for (const auto& n : options_.namespaces) s += (s.empty() ? "" : ",") + n;
             return s;
           }()),
           options_.workers);
  for (const auto& k : manifests::OwnedKinds()) {
    if (!k.optional) StartInformers(k.resource, k.cluster_scoped, true);
  }
  CheckOptionalKinds();
  StartInformers(kLogStacks, false, false);
  optional_thread_ = std::thread([this] { OptionalKindsLoop(); });
}

void Controller::Stop() {
  {
    std::lock_guard<std::mutex> l(loop_mu_);
    if (!started_ || stopping_) return;
    stopping_ = true;
    loop_cv_.notify_all();
  }
  // The loop thread starts the workers: join it first, so that no worker
  // starts after the queue is shut down.
  if (optional_thread_.joinable()) optional_thread_.join();
  queue_.ShutDown();
  std::vector<kube::Informer*> infs;
  {
    std::lock_guard<std::mutex> l(mu_);
    for (auto& [k, inf] : informers_) infs.push_back(inf.get());
  }
  for (auto* inf : infs) inf->Stop();
  LOG_INFO("component=controller op=stopped");
}

void Controller::OptionalKindsLoop() {
  // Workers start once the caches are filled, so that no pass acts on a
  // partial view (keys queued meanwhile wait).
  std::unique_lock<std::mutex> l(loop_mu_);
  while (!stopping_) {
    l.unlock();
    const bool synced = HasSynced();
    l.lock();
    if (synced) break;
    loop_cv_.wait_for(l, std::chrono::milliseconds(20), [this] { return stopping_; });
  }
  if (stopping_) return;
  LOG_INFO("component=controller op=synced: starting {} workers", options_.workers);
  queue_.Start(options_.workers, [this](const std::string& key) { return Handle(key); });
  // The timers run on the Clock. A wait ends at the earlier of the next
  // timer's time and clock_poll_interval, so that a clock moved by someone
  // else (a test's FakeClock) is noticed.
  const auto nanos = [](std::chrono::milliseconds d) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
  };
  int64_t next_check = clock_.MonotonicNanos() + nanos(options_.optional_kinds_recheck);
  int64_t next_resync = clock_.MonotonicNanos() + nanos(options_.resync_period);
  while (!stopping_) {
    const int64_t now = clock_.MonotonicNanos();
    if (now < next_check && now < next_resync) {
      const std::chrono::nanoseconds left(std::min(next_check, next_resync) - now);
      const auto wait = std::min<std::chrono::nanoseconds>(left, options_.clock_poll_interval);
      if (loop_cv_.wait_for(l, wait, [this] { return stopping_; })) break;
      continue;
    }
    l.unlock();
    if (now >= next_check) {
      CheckOptionalKinds();
      next_check = clock_.MonotonicNanos() + nanos(options_.optional_kinds_recheck);
    }
    if (now >= next_resync) {
      std::vector<std::string> keys;
      {
        std::lock_guard<std::mutex> g(mu_);
        for (const auto& [key, info] : logstacks_) keys.push_back(key);
      }
      for (const auto& key : keys) Enqueue(key);
      next_resync = clock_.MonotonicNanos() + nanos(options_.resync_period);
    }
    l.lock();
  }
}

void Controller::CheckOptionalKinds() {
  bool added = false;
  for (const auto& k : manifests::OwnedKinds()) {
    if (!k.optional || Watches(k.resource)) continue;
    auto found = client_.Resolve(k.resource.ApiVersion(), k.resource.resource);
    if (!found.ok()) {
      if (found.status().code() != StatusCode::kNotFound) {
        LOG_WARN("component=controller op=discover kind={} err={}", k.resource.kind,
                 Quote(found.status().ToString()));
      }
      continue;
    }
    LOG_INFO("component=controller op=discover kind={} found=true: watching it", k.resource.kind);
    StartInformers(k.resource, k.cluster_scoped, true);
    added = true;
  }
  if (added) {
    std::vector<std::string> keys;
    {
      std::lock_guard<std::mutex> l(mu_);
      for (const auto& [key, info] : logstacks_) keys.push_back(key);
    }
    for (const auto& key : keys) Enqueue(key);
  }
}

void Controller::OnOwned(const kube::ResourceRef& r, const Json* old_obj, const Json* new_obj) {
  const std::string rk = ResKey(r);
  std::vector<std::string> owners;
  std::lock_guard<std::mutex> l(mu_);
  auto& owner_of = owner_of_[rk];
  auto& owned = owned_[rk];
  const Json& any = new_obj != nullptr ? *new_obj : *old_obj;
  const std::string cache_key = kube::ObjectKey(any);
  // Unindex the previous owner.
  auto prev = owner_of.find(cache_key);
  if (prev != owner_of.end()) {
    owners.push_back(prev->second);
    auto it = owned.find(prev->second);
    if (it != owned.end()) {
      it->second.erase(cache_key);
      if (it->second.empty()) owned.erase(it);
    }
    owner_of.erase(prev);
  }
  if (old_obj != nullptr) {
    if (auto o = OwnerKey(*old_obj)) owners.push_back(*o);
  }
  if (new_obj != nullptr) {
    if (auto o = OwnerKey(*new_obj)) {
      owner_of[cache_key] = *o;
      owned[*o].insert(cache_key);
      owners.push_back(*o);
    }
  }
  std::sort(owners.begin(), owners.end());
  owners.erase(std::unique(owners.begin(), owners.end()), owners.end());
  for (const auto& o : owners) queue_.Add(o);
}

void Controller::OnLogStack(const Json* old_obj, const Json* new_obj) {
  const Json& any = new_obj != nullptr ? *new_obj : *old_obj;
  const std::string key = kube::ObjectKey(any);
  std::set<std::string> touched;  // namespaces whose claims changed
  std::vector<std::string> requeue;
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it = logstacks_.find(key);
    if (it != logstacks_.end()) touched = it->second.claim.namespaces;
    if (new_obj != nullptr) {
      LogStackInfo info;
      info.claim = ClaimOf(*new_obj);
      info.ready = ConditionStatus(*new_obj, "Ready");
      info.progressing = ConditionStatus(*new_obj, "Progressing");
      info.degraded = ConditionStatus(*new_obj, "Degraded");
      if (it != logstacks_.end() && it->second.claim.namespaces == info.claim.namespaces) {
        touched.clear();
      } else {
        touched.insert(info.claim.namespaces.begin(), info.claim.namespaces.end());
      }
      logstacks_[key] = std::move(info);
    } else if (it != logstacks_.end()) {
      logstacks_.erase(it);
    }
    // Claims changed: LogStacks claiming the same namespaces may gain or lose a conflict.
    if (!touched.empty()) {
      for (const auto& [other, info] : logstacks_) {
        if (other == key) continue;
        for (const auto& n : info.claim.namespaces) {
          if (touched.count(n) > 0) {
            requeue.push_back(other);
            break;
          }
        }
      }
    }
  }
  queue_.Add(key);
  for (const auto& k : requeue) queue_.Add(k);
}

Status Controller::Handle(const std::string& key) {
  const int failures = queue_.NumRequeues(key);
  const int64_t start = clock_.MonotonicNanos();
  PassSummary summary;
  auto r = reconciler_->Reconcile(key, failures, &summary);
  duration_->Observe(static_cast<double>(clock_.MonotonicNanos() - start) / 1e9);
  created_->Inc(summary.created);
  updated_->Inc(summary.updated);
  deleted_->Inc(summary.deleted);
  if (summary.status_written) status_writes_->Inc();
  if (!r.ok()) {
    reconcile_error_->Inc();
    errors_->Inc();
    LOG_WARN("component=controller logstack={} op=reconcile failures={} err={}", key, failures + 1,
             Quote(r.status().ToString()));
    return r.status();
  }
  if (r->requeue_after) {
    reconcile_requeue_->Inc();
    queue_.AddAfter(key, *r->requeue_after);
  } else {
    reconcile_done_->Inc();
  }
  return Status::Ok();
}

void Controller::Enqueue(const std::string& key) { queue_.Add(key); }

size_t Controller::QueueDepth() { return queue_.Len(); }

bool Controller::HasSynced() {
  std::vector<kube::Informer*> infs;
  {
    std::lock_guard<std::mutex> l(mu_);
    for (auto& [k, inf] : informers_) infs.push_back(inf.get());
  }
  if (infs.empty()) return false;
  for (auto* inf : infs) {
    if (!inf->HasSynced()) return false;
  }
  return true;
}

bool Controller::WaitForSync(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (HasSynced()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return HasSynced();
}

kube::Informer* Controller::InformerFor(const kube::ResourceRef& r, const std::string& ns) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = informers_.find(ResKey(r) + "|" + (r.namespaced ? ns : ""));
  if (it == informers_.end()) it = informers_.find(ResKey(r) + "|");
  return it == informers_.end() ? nullptr : it->second.get();
}

std::optional<Json> Controller::Get(const kube::ResourceRef& r, const std::string& ns,
                                    const std::string& name) {
  kube::Informer* inf = InformerFor(r, ns);
  if (inf == nullptr) return std::nullopt;
  return inf->Get(r.namespaced ? ns + "/" + name : name);
}

std::vector<std::string> Controller::OwnedKeys(const kube::ResourceRef& r,
                                               const std::string& owner_key) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = owned_.find(ResKey(r));
  if (it == owned_.end()) return {};
  auto jt = it->second.find(owner_key);
  if (jt == it->second.end()) return {};
  return {jt->second.begin(), jt->second.end()};
}

bool Controller::Watches(const kube::ResourceRef& r) {
  std::lock_guard<std::mutex> l(mu_);
  return watched_.count(ResKey(r)) > 0;
}

std::vector<CollectorClaim> Controller::Claims() {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<CollectorClaim> out;
  out.reserve(logstacks_.size());
  for (const auto& [key, info] : logstacks_) out.push_back(info.claim);
  return out;
}

}  // namespace logstack::op::controller
