#include "operator/controller/status.h"

#include "common/kube/object.h"

namespace logstack::op::controller {

namespace {

int64_t IntAt(const Json& obj, std::initializer_list<const char*> path, int64_t fallback) {
  const Json* cur = &obj;
  for (const char* p : path) {
    if (!cur->is_object()) return fallback;
    auto it = cur->find(p);
    if (it == cur->end()) return fallback;
    cur = &*it;
  }
  return cur->is_number() ? cur->get<int64_t>() : fallback;
}

std::string StrAt(const Json& obj, std::initializer_list<const char*> path) {
  const Json* cur = &obj;
  for (const char* p : path) {
    if (!cur->is_object()) return "";
    auto it = cur->find(p);
    if (it == cur->end()) return "";
    cur = &*it;
  }
  return cur->is_string() ? cur->get<std::string>() : "";
}

// True when the workload controller has seen the object's current generation.
bool GenerationObserved(const Json& obj) {
  return IntAt(obj, {"status", "observedGeneration"}, 0) >= kube::Generation(obj);
}

std::string Fraction(int64_t a, int64_t b) { return std::to_string(a) + "/" + std::to_string(b); }

struct Cond {
  std::string status, reason, message;
};

}  // namespace

WorkloadState StatefulSetState(const Json* sts) {
  WorkloadState w;
  if (sts == nullptr) {
    w.message = "the log store's StatefulSet does not exist yet";
    return w;
  }
  const Json& o = *sts;
  const std::string what = "StatefulSet " + kube::Name(o);
  w.present = true;
  w.desired = IntAt(o, {"spec", "replicas"}, 1);
  w.ready_count = IntAt(o, {"status", "readyReplicas"}, 0);
  const bool gen_ok = GenerationObserved(o);
  const std::string cur = StrAt(o, {"status", "currentRevision"});
  const std::string upd = StrAt(o, {"status", "updateRevision"});
  const bool rev_ok = cur == upd;
  const int64_t updated = IntAt(o, {"status", "updatedReplicas"}, w.desired);
  w.rolling = !gen_ok || !rev_ok || updated < w.desired;
  w.ready = gen_ok && rev_ok && w.desired > 0 && w.ready_count >= w.desired;
  if (w.desired == 0) {
    w.message = what + " has 0 replicas (spec.logstore.replicas): the store is stopped";
  } else if (!gen_ok) {
    w.message = what + ": the StatefulSet controller has not seen generation " +
                std::to_string(kube::Generation(o)) + " yet";
  } else if (!rev_ok) {
    w.message = what + ": rolling out revision " + upd + " (" + Fraction(w.ready_count, w.desired) +
                " replicas ready)";
  } else {
    w.message = what + ": " + Fraction(w.ready_count, w.desired) + " replicas ready";
  }
  return w;
}

WorkloadState DaemonSetState(const Json* ds) {
  WorkloadState w;
  if (ds == nullptr) {
    w.message = "the collector's DaemonSet does not exist yet";
    return w;
  }
  const Json& o = *ds;
  const std::string what = "DaemonSet " + kube::Name(o);
  w.present = true;
  w.desired = IntAt(o, {"status", "desiredNumberScheduled"}, 0);
  w.ready_count = IntAt(o, {"status", "numberReady"}, 0);
  const int64_t updated = IntAt(o, {"status", "updatedNumberScheduled"}, 0);
  const bool gen_ok = GenerationObserved(o);
  w.rolling = !gen_ok || updated < w.desired;
  w.ready = gen_ok && w.ready_count == w.desired && updated == w.desired;
  if (!gen_ok) {
    w.message = what + ": the DaemonSet controller has not seen generation " +
                std::to_string(kube::Generation(o)) + " yet";
  } else if (updated < w.desired) {
    w.message = what + ": rolling out (" + Fraction(updated, w.desired) + " pods updated, " +
                Fraction(w.ready_count, w.desired) + " ready)";
  } else {
    w.message = what + ": " + Fraction(w.ready_count, w.desired) + " pods ready";
  }
  return w;
}

WorkloadState DeploymentState(const Json* deploy) {
  WorkloadState w;
  if (deploy == nullptr) {
    w.message = "the Grafana Deployment does not exist yet";
    return w;
  }
  const Json& o = *deploy;
  const std::string what = "Deployment " + kube::Name(o);
  w.present = true;
  w.desired = IntAt(o, {"spec", "replicas"}, 1);
  w.ready_count = IntAt(o, {"status", "readyReplicas"}, 0);
  const int64_t updated = IntAt(o, {"status", "updatedReplicas"}, 0);
  const bool gen_ok = GenerationObserved(o);
  w.rolling = !gen_ok || updated < w.desired;
  w.ready = gen_ok && w.ready_count >= w.desired && updated >= w.desired;
  if (!gen_ok) {
    w.message = what + ": the Deployment controller has not seen generation " +
                std::to_string(kube::Generation(o)) + " yet";
  } else {
    w.message = what + ": " + Fraction(w.ready_count, w.desired) + " replicas ready";
  }
  return w;
}

StatusResult ComputeStatus(const Json& old_status, const StatusInput& in, int64_t now_nanos) {
  Json holder = {{"status", old_status.is_object() ? old_status : Json::object()}};
  Json& st = holder["status"];
  const std::string old_version = StrAt(st, {"version"});
  st["observedGeneration"] = in.generation;

  const LogStack* s = in.stack;
  const bool blocking = in.problem && in.problem->blocking;
  WorkloadState store = StatefulSetState(in.statefulset);
  WorkloadState collector = DaemonSetState(in.daemonset);
  WorkloadState grafana = DeploymentState(in.grafana_deployment);
  const bool external = s != nullptr && s->spec.logstore.External();
  const bool probe_failed = external && in.external_probe && !in.external_probe->ok();

  if (s != nullptr) {
    st["tenant"] = s->spec.tenant;
    Json ls =
        st.contains("logstore") && st["logstore"].is_object() ? st["logstore"] : Json::object();
    if (external) {
      ls.erase("replicas");
      ls.erase("readyReplicas");
      ls["ready"] = "external";
    } else {
      const int64_t want = store.present ? store.desired : s->spec.logstore.replicas;
      ls["replicas"] = want;
      ls["readyReplicas"] = store.ready_count;
      ls["ready"] = Fraction(store.ready_count, want);
    }
    ls["endpoint"] = in.store_endpoint;
    if (external) {
      ls.erase("storage");
    } else if (in.storage) {
      ls["storage"] = *in.storage;
    }
    st["logstore"] = ls;
    if (s->spec.collector.enabled) {
      st["collector"] = {{"desiredNumberScheduled", collector.desired},
                         {"numberReady", collector.ready_count},
                         {"ready", Fraction(collector.ready_count, collector.desired)}};
    } else {
      st["collector"] = {{"ready", "disabled"}};
    }
    if (s->spec.grafana.deploy_enabled) {
      st["grafana"] = {{"endpoint", in.grafana_endpoint}, {"adminSecret", in.grafana_admin_secret}};
    } else {
      st.erase("grafana");
    }
  }

  // Ready.
  Cond ready;
  if (blocking) {
    ready = {"False", in.problem->reason, in.problem->message};
  } else if (s == nullptr) {
    ready = {"False", "Reconciling", "the spec has not been read yet"};
  } else if (probe_failed) {
    ready = {"False", "ExternalStoreUnreachable",
             "the external store " + s->spec.logstore.external_url +
                 " does not answer /ready: " + in.external_probe->message()};
  } else if (!external && !store.ready) {
    ready = {"False", !store.present && in.wrote_objects ? "Reconciling" : "StoreNotReady",
             store.message};
  } else if (s->spec.collector.enabled && !collector.ready) {
    ready = {"False", !collector.present && in.wrote_objects ? "Reconciling" : "CollectorNotReady",
             collector.message};
  } else if (s->spec.grafana.deploy_enabled && !grafana.ready) {
    ready = {"False", !grafana.present && in.wrote_objects ? "Reconciling" : "GrafanaNotReady",
             grafana.message};
  } else if (in.problem) {
    ready = {"False", "Reconciling", in.problem->message};
  } else {
    ready = {"True", "Ready", "the log store, the collector and the datasource are ready"};
  }
  const bool is_ready = ready.status == "True";

  // Progressing.
  Cond prog;
  std::string stable_note;
  if (!in.immutable_drift.empty()) {
    stable_note = "these fields differ from the spec but cannot be changed in place:";
    for (const auto& d : in.immutable_drift) stable_note += " " + d + ";";
    stable_note +=
        " a storage size change needs the PersistentVolumeClaims expanded by hand "
        "(kubectl edit pvc, with a StorageClass that allows expansion)";
  }
  if (!in.requested_version.empty() && in.requested_version != in.target_version) {
    if (!stable_note.empty()) stable_note += "; ";
    stable_note += "version " + in.requested_version + " is requested but upgrade.policy is " +
                   "Manual: version " + in.target_version +
                   " keeps running until the policy is Automatic";
  }
  if (blocking) {
    prog = {"False", "Stable", "nothing is rolled out until the problem in Degraded is fixed"};
  } else if (s != nullptr && !is_ready && old_version.empty()) {
    prog = {"True", "Creating", ready.message};
  } else if (s != nullptr && !is_ready && old_version != in.target_version) {
    prog = {"True", "Upgrading",
            "upgrading from " + old_version + " to " + in.target_version + ": " + ready.message};
  } else if (s != nullptr &&
             ((!external && store.rolling) || (s->spec.collector.enabled && collector.rolling) ||
              (s->spec.grafana.deploy_enabled && grafana.rolling))) {
    std::string msg;
    if (!external && store.rolling) msg = store.message;
    if (s->spec.collector.enabled && collector.rolling) {
      msg += (msg.empty() ? "" : "; ") + collector.message;
    }
    if (s->spec.grafana.deploy_enabled && grafana.rolling) {
      msg += (msg.empty() ? "" : "; ") + grafana.message;
    }
    prog = {"True", "RollingOut", msg};
  } else {
    prog = {"False", "Stable",
            stable_note.empty() ? "every component runs the current spec" : stable_note};
  }

  // Degraded.
  Cond deg;
  if (in.problem) {
    deg = {"True", in.problem->reason, in.problem->message};
  } else if (probe_failed) {
    deg = {"True", "ExternalStoreUnreachable", ready.message};
  } else {
    deg = {"False", "Healthy", "no problems"};
  }

  kube::SetCondition(
      holder, {"Ready", ready.status, ready.reason, ready.message, in.generation, ""}, now_nanos);
  kube::SetCondition(holder,
                     {"Progressing", prog.status, prog.reason, prog.message, in.generation, ""},
                     now_nanos);
  kube::SetCondition(holder, {"Degraded", deg.status, deg.reason, deg.message, in.generation, ""},
                     now_nanos);
  if (is_ready && !in.target_version.empty()) st["version"] = in.target_version;

  StatusResult r;
  r.ready = is_ready;
  r.progressing = prog.status == "True";
  r.degraded = deg.status == "True";
  r.ready_reason = ready.reason;
  r.status = std::move(st);
  return r;
}

}  // namespace logstack::op::controller
