#include "operator/controller/reconciler.h"

#include <openssl/rand.h>

#include <algorithm>
#include <map>
#include <vector>

#include "common/kube/object.h"
#include "common/kube/util.h"
#include "common/logging.h"
#include "operator/controller/claims.h"
#include "operator/controller/constants.h"
#include "operator/controller/mutate.h"
#include "operator/controller/ownership.h"
#include "operator/manifests/build.h"

namespace logstack::op::controller {

namespace {

using kube::Json;

// The Secret keys the Grafana admin password may be stored under; the first
// is the one the builders write (the Grafana Helm chart's name).
constexpr const char* kPasswordKeys[] = {"admin-password", "password",
                                         "GF_SECURITY_ADMIN_PASSWORD"};

std::optional<kube::ResourceRef> RefFor(const Json& obj) {
  const std::string api = obj.value("apiVersion", "");
  const std::string kind = obj.value("kind", "");
  for (const auto& k : manifests::OwnedKinds()) {
    if (k.resource.ApiVersion() == api && k.resource.kind == kind) return k.resource;
  }
  return std::nullopt;
}

// Identity of an object across the desired list and the cache.
std::string IdOf(const kube::ResourceRef& r, const std::string& cache_key) {
  return r.group + "/" + r.resource + "|" + cache_key;
}

bool HasFinalizer(const Json& obj) {
  if (!obj.contains("metadata") || !obj["metadata"].contains("finalizers")) return false;
  const Json& f = obj["metadata"]["finalizers"];
  return f.is_array() && std::find(f.begin(), f.end(), Json(kFinalizer)) != f.end();
}

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ", ";
    if (i == 8) {
      out += "and " + std::to_string(names.size() - 8) + " more";
      break;
    }
    out += names[i];
  }
  return out;
}

std::optional<kube::Condition> Cond(const Json& status, const std::string& type) {
  Json holder = {{"status", status}};
  return kube::GetCondition(holder, type);
}

const manifests::OwnedKind* OptionalGrafanaKind() {
  for (const auto& k : manifests::OwnedKinds()) {
    if (k.optional) return &k;
  }
  return nullptr;
}

}  // namespace

std::string GeneratePassword() {
  unsigned char buf[24];
  if (RAND_bytes(buf, sizeof buf) != 1) {
    // RAND_bytes fails only when the entropy source is broken; a fixed or
    // weak password would be worse than no Grafana, so stop here.
    LOG_ERROR("component=reconciler op=generate_password err=RAND_bytes_failed");
    std::abort();
  }
  std::string b64 = kube::Base64Encode(std::string(reinterpret_cast<char*>(buf), sizeof buf));
  for (char& c : b64) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  while (!b64.empty() && b64.back() == '=') b64.pop_back();
  return b64;
}

struct Reconciler::Pass {
  std::string key, ns, name;
  Json obj;  // the LogStack, freshest copy known
  int failures = 0;
  PassSummary summary;
  std::vector<std::string> created, updated, deleted;  // "Kind name"
  std::map<std::string, Json> live;                    // "Kind/name" -> live object
  std::vector<std::string> drift;

  const Json* Live(const std::string& kind, const std::string& obj_name) const {
    auto it = live.find(kind + "/" + obj_name);
    return it == live.end() ? nullptr : &it->second;
  }
  Json OldStatus() const {
    return obj.contains("status") && obj["status"].is_object() ? obj["status"] : Json::object();
  }
};

Reconciler::Reconciler(kube::KubeClient& client, ObjectCache& cache, kube::EventRecorder* events,
                       Clock& clock, StoreProber& prober, ReconcilerOptions options,
                       PasswordGenerator password)
    : client_(client),
      cache_(cache),
      events_(events),
      clock_(clock),
      prober_(prober),
      options_(std::move(options)),
      password_(std::move(password)),
      storage_poller_(prober) {}

void Reconciler::Event(Pass& p, std::string_view type, std::string_view reason,
                       const std::string& message) {
  if (events_ == nullptr) return;
  Status s = events_->Record(p.obj, type, reason, message);
  if (!s.ok()) {
    LOG_WARN("component=reconciler logstack={} op=event reason={} err={}", p.key,
             std::string(reason), Quote(s.ToString()));
  }
}

std::optional<Json> Reconciler::ReadStorage(Pass& p, const std::string& endpoint,
                                            const Json& old_status) {
  const int64_t now = clock_.NowNanos();
  bool ask = false;
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it = storage_asked_at_.find(p.key);
    const int64_t recheck =
        std::chrono::duration_cast<std::chrono::nanoseconds>(options_.storage_recheck).count();
    if (it == storage_asked_at_.end() || now - it->second >= recheck) {
      storage_asked_at_[p.key] = now;
      ask = true;
    }
  }
  if (ask) storage_poller_.Request(p.key, endpoint);
  auto report = storage_poller_.Latest(p.key);
  if (!report) return std::nullopt;
  const uint64_t cap = report->capacity_bytes;
  const uint64_t free = std::min(report->available_bytes, cap);
  Json storage = {{"capacityBytes", cap},
                  {"freeBytes", free},
                  {"usedBytes", cap - free},
                  {"minFreeBytes", report->min_free_bytes},
                  {"usedPercent", cap == 0 ? 0 : static_cast<int64_t>((cap - free) * 100 / cap)}};
  const Json old = old_status.contains("logstore") && old_status["logstore"].is_object()
                       ? old_status["logstore"].value("storage", Json::object())
                       : Json::object();
  const bool under_floor = report->min_free_bytes > 0 && free < report->min_free_bytes;
  const bool was_under =
      old.value("minFreeBytes", uint64_t{0}) > 0 &&
      old.value("freeBytes", uint64_t{0}) < old.value("minFreeBytes", uint64_t{0});
  if (under_floor && !was_under) {
    Event(p, "Warning", "StorageLow",
          "the log store's volume has " + std::to_string(free >> 20) +
              " MiB free, under its floor of " + std::to_string(report->min_free_bytes >> 20) +
              " MiB: it deletes its oldest logs to stay writable; raise spec.logstore.storage.size "
              "or shorten spec.logstore.retention");
  }
  for (const char* k : {"usedPercent", "capacityBytes", "minFreeBytes"}) {
    if (old.value(k, Json()) != storage[k]) return storage;
  }
  if (under_floor != was_under) return storage;
  return std::nullopt;
}

StatusOr<Action> Reconciler::Reconcile(const std::string& key, int failures, PassSummary* summary) {
  auto [ns, name] = SplitKey(key);
  auto cached = cache_.Get(kLogStacks, ns, name);
  if (!cached) {
    storage_poller_.Forget(key);
    std::lock_guard<std::mutex> l(mu_);
    storage_asked_at_.erase(key);
    return Action::Done();
  }
  Pass p;
  p.key = key;
  p.ns = ns;
  p.name = name;
  p.obj = std::move(*cached);
  p.failures = failures;

  StatusOr<Action> result = [&]() -> StatusOr<Action> {
    if (kube::IsDeleting(p.obj)) return Finalize(p);

    auto parsed = ParseLogStack(p.obj, options_.defaults);
    if (!parsed.ok()) {
      return ReportBlocked(p, Problem{"InvalidSpec", parsed.status().message(), true}, nullptr,
                           Action::Done());
    }
    const LogStack& stack = *parsed;
    LOGSTACK_ASSIGN_OR_RETURN(std::optional<Problem> problem, CheckCluster(p, stack));
    if (problem) return ReportBlocked(p, *problem, &stack, Action::After(options_.blocked_requeue));
    LOGSTACK_RETURN_IF_ERROR(EnsureFinalizer(p));

    // The version to run: with upgrade.policy Manual, a new spec.version
    // waits until the policy allows it.
    const Json old_status = p.OldStatus();
    const std::string running = old_status.value("version", "");
    std::string target = stack.spec.version;
    if (stack.spec.upgrade_policy == UpgradePolicy::kManual && !running.empty()) target = running;

    manifests::BuildOptions bo;
    bo.stack = stack;
    bo.stack.spec.version = target;
    bo.logstore_repository = options_.logstore_repository;
    bo.collector_repository = options_.collector_repository;
    bo.grafana_image = options_.grafana_image;
    bo.cluster_domain = options_.cluster_domain;
    const manifests::OwnedKind* gk = OptionalGrafanaKind();
    bo.grafana_operator_available = gk != nullptr && cache_.Watches(gk->resource);
    if (stack.spec.grafana.deploy_enabled) {
      LOGSTACK_ASSIGN_OR_RETURN(bo.grafana_admin_password, AdminPassword(p, stack));
    }

    std::vector<Json> desired = manifests::BuildAll(bo);
    std::set<std::string> ids;
    std::vector<Status> errors;
    for (const Json& d : desired) {
      auto ref = RefFor(d);
      if (!ref) {
        errors.push_back(Internal("the builders made a " + d.value("apiVersion", "") + " " +
                                  d.value("kind", "") + ", which is not among the owned kinds"));
        continue;
      }
      if (gk != nullptr && *ref == gk->resource && !bo.grafana_operator_available) continue;
      const std::string cache_key = ref->namespaced ? p.ns + "/" + kube::Name(d) : kube::Name(d);
      ids.insert(IdOf(*ref, cache_key));
      auto live = Apply(p, *ref, d);
      if (!live.ok()) {
        if (live.status().code() == StatusCode::kConflict) return live.status();
        errors.push_back(live.status());
        continue;
      }
      p.live[ref->kind + "/" + kube::Name(d)] = std::move(*live);
    }
    if (errors.empty()) LOGSTACK_RETURN_IF_ERROR(Prune(p, ids));
    if (!p.created.empty()) Event(p, "Normal", "Created", "created " + JoinNames(p.created));
    if (!p.updated.empty()) Event(p, "Normal", "Updated", "updated " + JoinNames(p.updated));
    if (!p.deleted.empty()) {
      Event(p, "Normal", "Deleted", "deleted " + JoinNames(p.deleted) + " (no longer in the spec)");
    }

    Status apply_error;
    if (!errors.empty()) {
      std::string msg;
      for (const auto& e : errors) msg += (msg.empty() ? "" : "; ") + e.message();
      apply_error = Status(errors.front().code(), msg);
      if (p.failures + 1 < options_.apply_failed_after) return apply_error;
    }

    StatusInput in;
    in.generation = kube::Generation(p.obj);
    in.stack = &stack;
    if (!apply_error.ok()) in.problem = Problem{"ApplyFailed", apply_error.message(), false};
    in.statefulset = p.Live("StatefulSet", manifests::LogStoreName(stack));
    in.daemonset = p.Live("DaemonSet", manifests::CollectorName(stack));
    in.grafana_deployment = p.Live("Deployment", manifests::GrafanaName(stack));
    if (stack.spec.logstore.External()) {
      in.external_probe = prober_.Probe(stack.spec.logstore.external_url);
    }
    in.wrote_objects = !p.created.empty() || !p.updated.empty();
    in.store_endpoint = manifests::StoreUrl(bo);
    if (!stack.spec.logstore.External() && StatefulSetState(in.statefulset).ready_count > 0) {
      in.storage = ReadStorage(p, in.store_endpoint, old_status);
    }
    if (stack.spec.grafana.deploy_enabled) {
      const std::string gname = manifests::GrafanaName(stack);
      int port = 3000;
      if (const Json* svc = p.Live("Service", gname)) {
        const Json& ports =
            svc->contains("spec") ? (*svc)["spec"].value("ports", Json::array()) : Json::array();
        if (!ports.empty() && ports[0].contains("port") && ports[0]["port"].is_number()) {
          port = ports[0]["port"].get<int>();
        }
      }
      in.grafana_endpoint = "http://" + gname + "." + p.ns + ".svc." + options_.cluster_domain +
                            ":" + std::to_string(port);
      in.grafana_admin_secret = manifests::GrafanaAdminSecretName(stack);
    }
    in.immutable_drift = p.drift;
    in.target_version = target;
    in.requested_version = stack.spec.version;
    StatusResult res = ComputeStatus(old_status, in, clock_.NowNanos());
    LOGSTACK_RETURN_IF_ERROR(WriteStatus(p, res));
    p.summary.ready = res.ready;
    p.summary.ready_reason = res.ready_reason;
    if (!apply_error.ok()) return apply_error;
    if (!res.ready) return Action::After(options_.not_ready_requeue);
    if (stack.spec.logstore.External()) return Action::After(options_.external_recheck);
    return Action::After(options_.storage_recheck);
  }();

  if (summary != nullptr) *summary = p.summary;
  if (!result.ok() && result.status().code() == StatusCode::kConflict) {
    LOG_DEBUG("component=reconciler logstack={} op=requeue reason=conflict err={}", key,
              Quote(result.status().message()));
    return Action::After(options_.conflict_requeue);
  }
  return result;
}

StatusOr<Action> Reconciler::Finalize(Pass& p) {
  if (!HasFinalizer(p.obj)) return Action::Done();
  LogStack meta_only;
  meta_only.meta.name = p.name;
  meta_only.meta.namespace_ = p.ns;
  meta_only.meta.uid = kube::Uid(p.obj);
  for (const auto& k : manifests::OwnedKinds()) {
    if (!k.cluster_scoped) continue;
    std::set<std::string> names;
    for (const auto& key : cache_.OwnedKeys(k.resource, p.key)) names.insert(key);
    // The name the builders give, in case the cache has not seen it (or its labels lack the owner).
    const std::string expected = manifests::CollectorClusterRoleName(meta_only);
    if (names.count(expected) == 0) {
      auto got = client_.Get(k.resource, "", expected);
      if (got.ok() && BelongsTo(*got, p.obj)) names.insert(expected);
      if (!got.ok() && got.status().code() != StatusCode::kNotFound) {
        return got.status().Annotate("finalizer: get " + k.resource.kind + " " + expected);
      }
    }
    for (const auto& n : names) {
      Status s = client_.Delete(k.resource, "", n);
      if (!s.ok() && s.code() != StatusCode::kNotFound) {
        return s.Annotate("finalizer: delete " + k.resource.kind + " " + n);
      }
      if (s.ok()) {
        p.deleted.push_back(k.resource.kind + " " + n);
        ++p.summary.deleted;
      }
    }
  }
  Json updated = p.obj;
  Json& fins = updated["metadata"]["finalizers"];
  Json kept = Json::array();
  for (const auto& f : fins) {
    if (f != Json(kFinalizer)) kept.push_back(f);
  }
  fins = kept;
  auto r = client_.Update(kLogStacks, updated);
  if (!r.ok()) {
    if (r.status().code() == StatusCode::kNotFound) return Action::Done();
    return r.status().Annotate("finalizer: remove " + std::string(kFinalizer));
  }
  p.obj = *r;
  LOG_INFO("component=reconciler logstack={} op=finalize deleted={}", p.key,
           Quote(JoinNames(p.deleted)));
  if (!p.deleted.empty()) {
    Event(p, "Normal", "Deleted", "deleted " + JoinNames(p.deleted) + " (the LogStack is deleted)");
  }
  return Action::Done();
}

StatusOr<Action> Reconciler::ReportBlocked(Pass& p, const Problem& problem, const LogStack* stack,
                                           Action action) {
  StatusInput in;
  in.generation = kube::Generation(p.obj);
  in.stack = stack;
  in.problem = problem;
  if (stack != nullptr) {
    // Report what runs now, from the cache: nothing is applied.
    auto sts = cache_.Get(kube::resources::kStatefulSets, p.ns, manifests::LogStoreName(*stack));
    auto ds = cache_.Get(kube::resources::kDaemonSets, p.ns, manifests::CollectorName(*stack));
    if (sts) p.live["StatefulSet/" + kube::Name(*sts)] = *sts;
    if (ds) p.live["DaemonSet/" + kube::Name(*ds)] = *ds;
    in.statefulset = sts ? p.Live("StatefulSet", kube::Name(*sts)) : nullptr;
    in.daemonset = ds ? p.Live("DaemonSet", kube::Name(*ds)) : nullptr;
    manifests::BuildOptions bo;
    bo.stack = *stack;
    bo.cluster_domain = options_.cluster_domain;
    in.store_endpoint = manifests::StoreUrl(bo);
    in.target_version = stack->spec.version;
    in.requested_version = stack->spec.version;
  }
  StatusResult res = ComputeStatus(p.OldStatus(), in, clock_.NowNanos());
  LOGSTACK_RETURN_IF_ERROR(WriteStatus(p, res));
  if (p.summary.status_written) {
    LOG_INFO("component=reconciler logstack={} op=blocked reason={} msg={}", p.key, problem.reason,
             Quote(problem.message));
  }
  p.summary.ready = false;
  p.summary.ready_reason = res.ready_reason;
  return action;
}

StatusOr<std::optional<Problem>> Reconciler::CheckCluster(Pass& p, const LogStack& stack) {
  const std::string& sc = stack.spec.logstore.storage_class_name;
  if (!stack.spec.logstore.External() && !sc.empty()) {
    auto got = client_.Get(kStorageClasses, "", sc);
    if (!got.ok()) {
      if (got.status().code() != StatusCode::kNotFound) {
        return got.status().Annotate("get StorageClass " + sc);
      }
      return std::optional<Problem>(Problem{
          "StorageClassNotFound",
          "StorageClass \"" + sc +
              "\" (spec.logstore.storage.storageClassName) does not exist; the log store is not "
              "created or changed until it does (kubectl get storageclass lists the classes; an "
              "empty storageClassName uses the cluster's default)",
          true});
    }
  }
  auto conflict = FindNamespaceConflict(ClaimOf(p.obj, /*wanted=*/true), cache_.Claims());
  if (conflict) return std::optional<Problem>(Problem{"NamespaceConflict", *conflict, true});
  return std::optional<Problem>();
}

Status Reconciler::EnsureFinalizer(Pass& p) {
  if (HasFinalizer(p.obj)) return Status::Ok();
  Json updated = p.obj;
  Json& meta = updated["metadata"];
  if (!meta.contains("finalizers") || !meta["finalizers"].is_array()) {
    meta["finalizers"] = Json::array();
  }
  meta["finalizers"].push_back(kFinalizer);
  auto r = client_.Update(kLogStacks, updated);
  if (!r.ok()) return r.status().Annotate("add finalizer " + std::string(kFinalizer));
  p.obj = *r;
  return Status::Ok();
}

StatusOr<std::string> Reconciler::AdminPassword(Pass& p, const LogStack& stack) {
  const std::string name = manifests::GrafanaAdminSecretName(stack);
  std::optional<Json> secret = cache_.Get(kube::resources::kSecrets, p.ns, name);
  if (!secret) {
    // Not in the cache: maybe created a moment ago. Never make a new password
    // while one exists.
    auto got = client_.Get(kube::resources::kSecrets, p.ns, name);
    if (got.ok()) {
      secret = std::move(*got);
    } else if (got.status().code() != StatusCode::kNotFound) {
      return got.status().Annotate("get Secret " + name);
    }
  }
  if (secret) {
    for (const char* key : kPasswordKeys) {
      if (secret->contains("data") && (*secret)["data"].is_object() &&
          (*secret)["data"].contains(key) && (*secret)["data"][key].is_string()) {
        auto decoded = kube::Base64Decode((*secret)["data"][key].get<std::string>());
        if (decoded.ok() && !decoded->empty()) return *decoded;
      }
      if (secret->contains("stringData") && (*secret)["stringData"].is_object() &&
          (*secret)["stringData"].contains(key) && (*secret)["stringData"][key].is_string()) {
        std::string v = (*secret)["stringData"][key].get<std::string>();
        if (!v.empty()) return v;
      }
    }
  }
  return password_();
}

StatusOr<Json> Reconciler::Apply(Pass& p, const kube::ResourceRef& ref, const Json& desired) {
  const std::string name = kube::Name(desired);
  const std::string ns = ref.namespaced ? p.ns : "";
  const std::string what = ref.kind + " " + name;
  std::optional<Json> live = cache_.Get(ref, ns, name);
  if (!live) {
    auto created = client_.Create(ref, ns, NormalizeDesired(desired));
    if (created.ok()) {
      p.created.push_back(what);
      ++p.summary.created;
      LOG_INFO("component=reconciler logstack={} op=create object={}", p.key, Quote(what));
      return std::move(*created);
    }
    if (created.status().code() != StatusCode::kAlreadyExists) {
      return created.status().Annotate("create " + what);
    }
    auto got = client_.Get(ref, ns, name);
    if (!got.ok()) return got.status().Annotate("get " + what);
    live = std::move(*got);
  }
  auto m = Mutate(desired, *live);
  if (!m.ok()) return m.status();
  for (const auto& path : m->immutable_drift) {
    const std::string d = what + " " + path;
    p.drift.push_back(d);
    bool first;
    {
      std::lock_guard<std::mutex> l(mu_);
      first = reported_drift_.insert(kube::Uid(*live) + " " + path).second;
    }
    if (first) {
      LOG_WARN("component=reconciler logstack={} op=mutate object={} immutable_drift={}", p.key,
               Quote(what), path);
      Event(p, "Warning", "ImmutableFieldChanged",
            what + ": " + path +
                " differs from the spec but cannot be changed in place; the old value stays");
    }
  }
  if (!m->changed) return std::move(*live);
  auto updated = client_.Update(ref, m->merged);
  if (!updated.ok()) return updated.status().Annotate("update " + what);
  p.updated.push_back(what);
  ++p.summary.updated;
  LOG_INFO("component=reconciler logstack={} op=update object={}", p.key, Quote(what));
  return std::move(*updated);
}

Status Reconciler::Prune(Pass& p, const std::set<std::string>& desired_ids) {
  for (const auto& k : manifests::OwnedKinds()) {
    if (!cache_.Watches(k.resource)) continue;
    for (const auto& key : cache_.OwnedKeys(k.resource, p.key)) {
      if (desired_ids.count(IdOf(k.resource, key)) > 0) continue;
      auto [ns, name] = SplitKey(key);
      auto obj = cache_.Get(k.resource, ns, name);
      if (!obj || !BelongsTo(*obj, p.obj)) continue;
      kube::DeleteOptions opts;
      opts.precondition_uid = kube::Uid(*obj);
      opts.propagation_policy = "Background";
      Status s = client_.Delete(k.resource, ns, name, opts);
      if (!s.ok() && s.code() != StatusCode::kNotFound) {
        return s.Annotate("delete " + k.resource.kind + " " + name);
      }
      if (s.ok()) {
        p.deleted.push_back(k.resource.kind + " " + name);
        ++p.summary.deleted;
        LOG_INFO("component=reconciler logstack={} op=prune object={}", p.key,
                 Quote(k.resource.kind + " " + name));
      }
    }
  }
  return Status::Ok();
}

Status Reconciler::WriteStatus(Pass& p, const StatusResult& res) {
  const Json old = p.OldStatus();
  if (res.status == old) return Status::Ok();
  Json updated = p.obj;
  updated["status"] = res.status;
  auto r = client_.UpdateStatus(kLogStacks, updated);
  if (!r.ok()) return r.status().Annotate("update status");
  p.obj = *r;
  p.summary.status_written = true;

  auto old_ready = Cond(old, "Ready");
  auto new_ready = Cond(res.status, "Ready");
  auto old_deg = Cond(old, "Degraded");
  auto new_deg = Cond(res.status, "Degraded");
  if (new_ready && new_ready->status == "True" && (!old_ready || old_ready->status != "True")) {
    Event(p, "Normal", "Ready", new_ready->message);
  }
  if (new_deg && new_deg->status == "True" &&
      (!old_deg || old_deg->status != "True" || old_deg->reason != new_deg->reason ||
       old_deg->message != new_deg->message)) {
    Event(p, "Warning", new_deg->reason, new_deg->message);
  } else if (new_deg && new_deg->status != "True" && old_deg && old_deg->status == "True") {
    Event(p, "Normal", "Recovered", "no longer degraded (was " + old_deg->reason + ")");
  }
  return Status::Ok();
}

}  // namespace logstack::op::controller
