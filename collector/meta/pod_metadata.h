#pragma once

// PodMetadata: the collector's view of the pods on its node and of the
// namespaces it collects, kept by informers (common/kube/informer.h):
//   - pods: one informer with the field selector `spec.nodeName=<node>`
//     (all pods of the cluster when the node name is empty, for running the
//     collector outside a cluster against a test server or kind);
//   - namespaces: an informer on all namespaces, only when a namespace label
//     selector is configured; the selector is evaluated here (label_selector.h),
//     so a namespace whose labels change is selected or dropped at once.
//
// Selection (NamespaceSelected): a namespace is collected when
//   - a selector is configured: the namespace's current labels match it;
//   - else a namespace list is configured: it is on the list;
//   - else (neither): every namespace. The operator always renders one of the
//     two; "every namespace" is for local use.
// A pod is collected when its namespace is and it does not carry the
// annotation `logstack.io/exclude: "true"`.
//
// Authority, for exactly-once (docs/collector.md, "Exactly once"): a line
// re-read after a restart must get the labels it got the first time, so the
// caller must know how far to trust an answer. Lookup() says which of these
// it is:
//   kNotSynced  the pod informer has not completed its first list: nothing is
//               known yet; ask again (WaitForSync at start-up).
//   kFound      authoritative: the informer is synced and holds this pod (with
//               this uid, when one is given).
//   kGone       the pod was deleted (or replaced by a pod of the same name and
//               another uid) less than `gone_grace` ago: `info` is its last
//               known state, so its remaining lines get the labels its
//               earlier ones got. After the grace period it is forgotten.
//   kUnknown    synced, but this pod is not known: either created so recently
//               that its watch event has not arrived (ask again shortly), or
//               deleted before this process saw it (it never will be). The
//               caller decides how long to wait before labelling from the
//               path alone (pod_labels.h with a null PodInfo).
// Just after a deletion an answer can be kUnknown for a moment (the informer
// drops the pod from its cache before this class records it as gone), which
// the caller treats as any kUnknown: ask again.
// The namespace decision has the same shape (nullopt while the namespace
// informer is not synced or the namespace is not known); a deleted namespace
// keeps its last labels for `gone_grace` too.
//
// Lookups read the informers' caches (parsing the pod's JSON: a lookup costs
// tens of microseconds), so they are for when a file is first seen or
// re-checked, not for every line.
//
// Thread safety: Start() and Stop() from the owning thread; everything else
// from any thread. on_change runs on an informer thread (the pod and the
// namespace informers each have one, so two calls may overlap), with no lock
// of this class held; it must not block (wake a waiting thread and return).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "collector/meta/label_selector.h"
#include "collector/meta/pod_info.h"
#include "common/clock.h"
#include "common/kube/client.h"
#include "common/kube/informer.h"

namespace logstack::collector {

struct PodMetadataOptions {
  // `spec.nodeName` of the pods to watch (NODE_NAME); "" = every pod.
  std::string node_name;
  // Which namespaces are collected (see above). A selector wins over a list.
  std::vector<std::string> namespaces;
  std::optional<LabelSelector> namespace_selector;
  // How long a deleted pod's or namespace's last metadata is kept.
  std::chrono::nanoseconds gone_grace = std::chrono::minutes(10);
  // Called after every change of a pod or namespace (add, update, delete).
  std::function<void()> on_change;
  // For the informers' list+watch (page size, watch timeout, backoff; tests
  // shorten the backoff). Its namespace and selectors are set here.
  kube::ReflectorOptions reflector;
};

enum class PodState { kNotSynced, kFound, kGone, kUnknown };
std::string_view PodStateName(PodState s);

struct PodLookup {
  PodState state = PodState::kNotSynced;
  PodInfo info;  // kFound and kGone only
  // Whether the pod's namespace is collected; nullopt: not known yet.
  std::optional<bool> namespace_selected;

  // True iff the pod is known (kFound or kGone), its namespace is selected
  // and it is not excluded.
  bool collect() const {
    return (state == PodState::kFound || state == PodState::kGone) &&
           namespace_selected.value_or(false) && !info.excluded;
  }
};

class PodMetadata {
 public:
  // `client` and `clock` must outlive this object.
  PodMetadata(kube::KubeClient& client, PodMetadataOptions options, const Clock& clock);
  ~PodMetadata();  // Stop()
  PodMetadata(const PodMetadata&) = delete;
  PodMetadata& operator=(const PodMetadata&) = delete;

  // Starts the informers' list+watch threads. Once only.
  void Start();
  // Stops them and joins their threads. Idempotent.
  void Stop();

  // True once every informer completed its first list.
  bool HasSynced();
  // Waits until HasSynced() or `timeout` passed; returns HasSynced().
  bool WaitForSync(std::chrono::milliseconds timeout);

  // The pod `ns`/`name`; `uid` (from the log path) "" to accept any uid.
  PodLookup Lookup(std::string_view ns, std::string_view name, std::string_view uid = "");

  // Whether `ns`'s pods are collected; nullopt when not known yet.
  std::optional<bool> NamespaceSelected(std::string_view ns);

  // Incremented on every change; the caller can re-check its decisions when
  // it moved.
  uint64_t Version() const { return version_.load(std::memory_order_acquire); }

  // Deleted pods still remembered (for tests and a gauge).
  size_t GonePods();

 private:
  struct GonePod {
    std::string key;  // "ns/name"
    PodInfo info;
    int64_t expires_mono_ns = 0;
  };
  struct GoneNamespace {
    std::map<std::string, std::string> labels;
    int64_t expires_mono_ns = 0;
  };

  void PodAdded(const kube::Json& pod);
  void PodDeleted(const kube::Json& pod);
  void NamespaceAdded(const kube::Json& ns);
  void NamespaceDeleted(const kube::Json& ns);
  void Changed();
  // Forgets gone pods and namespaces whose grace period ended.
  void ExpireLocked(int64_t now_mono_ns);

  const PodMetadataOptions options_;
  const Clock& clock_;
  std::unique_ptr<kube::Informer> pods_;
  std::unique_ptr<kube::Informer> namespaces_;  // null without a selector

  std::mutex mu_;
  std::map<std::string, GonePod, std::less<>> gone_pods_;  // by uid; GUARDED_BY(mu_)
  std::map<std::string, std::string, std::less<>>
      gone_pod_by_key_;  // "ns/name" -> uid of the
                         // last deletion; GUARDED_BY(mu_)
  std::map<std::string, GoneNamespace, std::less<>> gone_namespaces_;  // GUARDED_BY(mu_)
  std::atomic<uint64_t> version_{0};
};

}  // namespace logstack::collector
