#pragma once

// CountingKubeClient: a KubeClient that forwards every call to another one
// and counts the requests by verb, as the metric
// logstack_operator_api_requests_total{verb=...}. Writes (create, update,
// update_status, patch, delete) are what the steady state must not have.
//
// Thread safety: as the wrapped client.

#include <atomic>

#include "common/kube/client.h"
#include "common/metrics.h"

namespace logstack::op::controller {

class CountingKubeClient final : public kube::KubeClient {
 public:
  // `inner` must outlive this; metrics go to `registry`.
  CountingKubeClient(kube::KubeClient& inner, metrics::Registry& registry);

  StatusOr<kube::Json> Get(const kube::ResourceRef& r, std::string_view ns,
                           std::string_view name) override;
  StatusOr<kube::ListResult> List(const kube::ResourceRef& r, std::string_view ns,
                                  const kube::ListOptions& opts) override;
  StatusOr<kube::Json> Create(const kube::ResourceRef& r, std::string_view ns,
                              const kube::Json& obj) override;
  StatusOr<kube::Json> Update(const kube::ResourceRef& r, const kube::Json& obj) override;
  StatusOr<kube::Json> UpdateStatus(const kube::ResourceRef& r, const kube::Json& obj) override;
  StatusOr<kube::Json> Patch(const kube::ResourceRef& r, std::string_view ns, std::string_view name,
                             kube::PatchType type, const kube::Json& patch,
                             std::string_view subresource) override;
  Status Delete(const kube::ResourceRef& r, std::string_view ns, std::string_view name,
                const kube::DeleteOptions& opts) override;
  StatusOr<kube::WatchStreamPtr> Watch(const kube::ResourceRef& r, std::string_view ns,
                                       const kube::WatchOptions& opts) override;
  StatusOr<kube::ResourceRef> Resolve(std::string_view api_version,
                                      std::string_view kind_or_resource) override;
  StatusOr<kube::Json> GetPath(std::string_view path) override;

  // Writes (create, update, update status, patch, delete) so far.
  uint64_t Writes() const { return writes_.load(); }

 private:
  void Count(metrics::Counter* c, bool write);

  kube::KubeClient& inner_;
  metrics::Counter *get_, *list_, *create_, *update_, *update_status_, *patch_, *delete_, *watch_,
      *discovery_;
  std::atomic<uint64_t> writes_{0};
};

}  // namespace logstack::op::controller
