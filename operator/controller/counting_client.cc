#include "operator/controller/counting_client.h"

namespace logstack::op::controller {

CountingKubeClient::CountingKubeClient(kube::KubeClient& inner, metrics::Registry& registry)
    : inner_(inner) {
  const std::string name = "logstack_operator_api_requests_total";
  const std::string help = "Kubernetes API requests the operator made, by verb.";
  auto c = [&](const char* verb) { return &registry.GetCounter(name, help, {{"verb", verb}}); };
  get_ = c("get");
  list_ = c("list");
  create_ = c("create");
  update_ = c("update");
  update_status_ = c("update_status");
  patch_ = c("patch");
  delete_ = c("delete");
  watch_ = c("watch");
  discovery_ = c("discovery");
}

void CountingKubeClient::Count(metrics::Counter* c, bool write) {
  c->Inc();
  if (write) writes_.fetch_add(1);
}

StatusOr<kube::Json> CountingKubeClient::Get(const kube::ResourceRef& r, std::string_view ns,
                                             std::string_view name) {
  Count(get_, false);
  return inner_.Get(r, ns, name);
}
StatusOr<kube::ListResult> CountingKubeClient::List(const kube::ResourceRef& r, std::string_view ns,
                                                    const kube::ListOptions& opts) {
  Count(list_, false);
  return inner_.List(r, ns, opts);
}
StatusOr<kube::Json> CountingKubeClient::Create(const kube::ResourceRef& r, std::string_view ns,
                                                const kube::Json& obj) {
  Count(create_, true);
  return inner_.Create(r, ns, obj);
}
StatusOr<kube::Json> CountingKubeClient::Update(const kube::ResourceRef& r, const kube::Json& obj) {
  Count(update_, true);
  return inner_.Update(r, obj);
}
StatusOr<kube::Json> CountingKubeClient::UpdateStatus(const kube::ResourceRef& r,
                                                      const kube::Json& obj) {
  Count(update_status_, true);
  return inner_.UpdateStatus(r, obj);
}
StatusOr<kube::Json> CountingKubeClient::Patch(const kube::ResourceRef& r, std::string_view ns,
                                               std::string_view name, kube::PatchType type,
                                               const kube::Json& patch,
                                               std::string_view subresource) {
  Count(patch_, true);
  return inner_.Patch(r, ns, name, type, patch, subresource);
}
Status CountingKubeClient::Delete(const kube::ResourceRef& r, std::string_view ns,
                                  std::string_view name, const kube::DeleteOptions& opts) {
  Count(delete_, true);
  return inner_.Delete(r, ns, name, opts);
}
StatusOr<kube::WatchStreamPtr> CountingKubeClient::Watch(const kube::ResourceRef& r,
                                                         std::string_view ns,
                                                         const kube::WatchOptions& opts) {
  Count(watch_, false);
  return inner_.Watch(r, ns, opts);
}
StatusOr<kube::ResourceRef> CountingKubeClient::Resolve(std::string_view api_version,
                                                        std::string_view kind_or_resource) {
  Count(discovery_, false);
  return inner_.Resolve(api_version, kind_or_resource);
}
StatusOr<kube::Json> CountingKubeClient::GetPath(std::string_view path) {
  Count(discovery_, false);
  return inner_.GetPath(path);
}

}  // namespace logstack::op::controller
