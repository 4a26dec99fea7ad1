#include "common/kube/watch.h"

#include "common/kube/object.h"
#include "common/logging.h"

namespace logstack::kube {

Reflector::Reflector(KubeClient& client, ResourceRef resource, ReflectorOptions options,
                     WatchSink& sink)
    : client_(client), resource_(std::move(resource)), options_(std::move(options)), sink_(sink) {}

bool Reflector::Backoff(int attempt) {
  std::unique_lock<std::mutex> l(mu_);
  auto d = options_.initial_backoff * (int64_t{1} << std::min(attempt, 16));
  d = std::min(d, options_.max_backoff);
  std::uniform_real_distribution<double> jitter(0.5, 1.5);
  auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(d * jitter(rng_));
  cv_.wait_for(l, wait, [&] { return stopped_; });
  return !stopped_;
}

void Reflector::Run() {
  bool need_list = true;
  int failures = 0;
  const std::string what = "resource=" + resource_.resource + " ns=" + Quote(options_.ns);
  while (true) {
    {
      std::lock_guard<std::mutex> l(mu_);
      if (stopped_) return;
    }
    if (need_list) {
      ListOptions lo;
      lo.label_selector = options_.label_selector;
      lo.field_selector = options_.field_selector;
      lo.limit = options_.page_size;
      sink_.BeginList();
      auto list_rv = client_.ListPaged(
          resource_, options_.ns, lo, [&](std::vector<Json>& items) { sink_.ListPage(items); },
          [&] { sink_.BeginList(); });
      if (!list_rv.ok()) {
        LOG_WARN("component=kube op=list {} error={}", what, Quote(list_rv.status().ToString()));
        if (!Backoff(failures++)) return;
        continue;
      }
      {
        std::lock_guard<std::mutex> l(mu_);
        ++lists_;
        last_rv_ = *list_rv;
      }
      sink_.EndList(*list_rv);
      need_list = false;
    }

    WatchOptions wo;
    wo.label_selector = options_.label_selector;
    wo.field_selector = options_.field_selector;
    wo.resource_version = LastResourceVersion();
    wo.allow_bookmarks = true;
    wo.timeout_seconds = options_.watch_timeout_seconds;
    auto stream = client_.Watch(resource_, options_.ns, wo);
    if (!stream.ok()) {
      if (IsGone(stream.status())) {
        LOG_INFO("component=kube op=relist reason=gone {}", what);
        need_list = true;
        continue;
      }
      LOG_WARN("component=kube op=watch {} error={}", what, Quote(stream.status().ToString()));
      if (!Backoff(failures++)) return;
      continue;
    }
    {
      std::lock_guard<std::mutex> l(mu_);
      if (stopped_) return;
      current_ = stream->get();
      ++watches_;
    }
    bool broken = false;
    while (true) {
      auto next = (*stream)->Next();
      if (!next.ok()) {
        if (next.status().code() != StatusCode::kCancelled) {
          LOG_WARN("component=kube op=watch {} error={}", what, Quote(next.status().ToString()));
          broken = true;
        }
        break;
      }
      if (!next->has_value()) break;  // server-side timeout: watch again from last_rv_
      WatchEvent& ev = **next;
      if (ev.type == WatchEvent::Type::kError) {
        int code = ev.object.is_object() ? ev.object.value("code", 0) : 0;
        if (code == 410) {
          LOG_INFO("component=kube op=relist reason=expired {}", what);
          need_list = true;
        } else {
          LOG_WARN("component=kube op=watch {} error_event={}", what, Quote(ev.object.dump()));
          broken = true;
        }
        break;
      }
      std::string rv = ResourceVersion(ev.object);
      if (ev.type != WatchEvent::Type::kBookmark) sink_.Apply(ev);
      failures = 0;
      if (!rv.empty()) {
        std::lock_guard<std::mutex> l(mu_);
        last_rv_ = rv;
      }
    }
    {
      std::lock_guard<std::mutex> l(mu_);
      current_ = nullptr;
      if (stopped_) return;
    }
    stream->reset();
    if (broken && !Backoff(failures++)) return;
  }
}

void Reflector::Stop() {
  std::lock_guard<std::mutex> l(mu_);
  stopped_ = true;
  if (current_ != nullptr) current_->Cancel();
  cv_.notify_all();
}

std::string Reflector::LastResourceVersion() {
  std::lock_guard<std::mutex> l(mu_);
  return last_rv_;
}
int Reflector::Lists() {
  std::lock_guard<std::mutex> l(mu_);
  return lists_;
}
int Reflector::Watches() {
  std::lock_guard<std::mutex> l(mu_);
  return watches_;
}

}  // namespace logstack::kube
