#include "logstore/server/api.h"

#include <algorithm>

#include "common/build_info.h"
#include "common/logging.h"
#include "logstore/distributor/distributor.h"
#include "logstore/push/decompress.h"
#include "logstore/push/json_decoder.h"
#include "logstore/push/proto_decoder.h"
#include "logstore/server/api_util.h"
#include "logstore/version.h"

namespace logstack::logstore {

using namespace api_internal;  // NOLINT: this file is the API's own

namespace {

// A push request object per HTTP I/O thread, decoded into push after push.
// Distributor::Push reads a request only while it runs, so the next push on the
// thread may reuse it, and with it the memory of its decompressed body
// (about 1 MiB for a batch of an agent) instead of allocating and faulting
// in a new one. A body that grew past kMaxKeptBodyBytes for one unusually
// large push is let go after it.
constexpr size_t kMaxKeptBodyBytes = 8 << 20;
thread_local PushRequestPtr thread_push_request;

PushRequest& ThreadPushRequest() {
  if (thread_push_request == nullptr) thread_push_request = std::make_unique<PushRequest>();
  return *thread_push_request;
}

// Drops what the last push left in the thread's request (its views and
// vectors), keeping the body's memory unless it is too large to keep.
void ReleaseThreadPushRequest() {
  PushRequest& req = *thread_push_request;
  if (req.body.capacity() > kMaxKeptBodyBytes) {
    thread_push_request.reset();
    return;
  }
  req.streams.clear();
  req.metadata.clear();
  req.arena.clear();
}

}  // namespace

struct Api::Impl {
  Impl(Clock* c, metrics::Registry* r, bool auth, int threads, int parallelism)
      : pool(std::max(1, threads)), parallelism(std::max(1, parallelism)) {
    ctx.clock = c;
    ctx.registry = r;
    ctx.auth_enabled = auth;
    ctx.pool = &pool;
    ctx.parallelism = this->parallelism;
    ctx.engine = &engine_ptr;
  }

  boost::asio::thread_pool pool;
  int parallelism;
  std::unique_ptr<engine::Engine> engine;
  std::atomic<engine::Engine*> engine_ptr{nullptr};
  ApiContext ctx;
};

Api::Api(Clock* clock, metrics::Registry* registry, bool auth_enabled, int query_threads,
         int query_parallelism)
    : impl_(
          std::make_unique<Impl>(clock, registry, auth_enabled, query_threads, query_parallelism)) {
  impl_->ctx.store = &store_;
}

Api::~Api() { impl_->pool.join(); }

void Api::SetStore(Store* store) {
  if (store == nullptr) {
    store_.store(nullptr);
    impl_->engine_ptr.store(nullptr);
    return;
  }
  impl_->engine = std::make_unique<engine::Engine>(store, impl_->ctx.clock, impl_->parallelism);
  impl_->engine_ptr.store(impl_->engine.get());
  store_.store(store);
}

void Api::Register(http::Server* server) {
  Impl* impl = impl_.get();
  auto* store_ptr = &store_;

  auto& requests = *impl->ctx.registry;
  server->SetObserver([&requests](const std::string& route, int status, double secs) {
    requests
        .GetCounter("logstore_http_requests_total", "HTTP requests by route and status code.",
                    {{"code", std::to_string(status)}, {"route", route}})
        .Inc();
    requests
        .GetHistogram("logstore_http_request_duration_seconds", "HTTP request latency by route.",
                      metrics::ExponentialBuckets(0.0005, 4, 10), {{"route", route}})
        .Observe(secs);
  });

  server->Route({"GET"}, "/ready", [store_ptr](http::Request&, http::Responder respond) {
    Store* store = store_ptr->load();
    if (store == nullptr) {
      return respond(Error(503, "Ingester not ready: waiting for WAL replay to finish"));
    }
    if (Status h = store->Health(); !h.ok()) return respond(Error(503, h.message()));
    respond(http::Response::Text(200, "ready\n"));
  });

  server->Route({"GET"}, "/metrics", [impl](http::Request&, http::Responder respond) {
    http::Response r = http::Response::Text(200, impl->ctx.registry->Render());
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    respond(std::move(r));
  });

  auto buildinfo = [](http::Request&, http::Responder respond) {
    json info = {{"version", std::string(kVersion)},
                 {"revision", std::string(BuildRevision())},
                 {"branch", "main"},
                 {"buildUser", ""},
                 {"buildDate", ""},
                 {"goVersion", ""},
                 {"lokiCompatibility", std::string(kLokiCompatVersion)}};
    respond(http::Response::Json(200, info.dump()));
  };
  server->Route({"GET"}, "/loki/api/v1/status/buildinfo", buildinfo);

  server->Route({"POST"}, "/loki/api/v1/push",
                [impl, store_ptr](http::Request& req, http::Responder respond) {
                  Store* store = store_ptr->load();
                  if (store == nullptr) return respond(Error(503, "not ready: replaying the WAL"));
                  std::string tenant;
                  Status ts = ResolveTenant(req, impl->ctx.auth_enabled, &tenant);
                  if (!ts.ok()) return respond(Error(HttpStatusOf(ts), ts.message()));
                  std::string_view ctype = req.GetHeader("Content-Type");
                  if (ctype.empty()) return respond(Error(400, "mime: no media type"));
                  std::string media(ctype.substr(0, ctype.find(';')));
                  while (!media.empty() && media.back() == ' ') media.pop_back();
                  std::transform(media.begin(), media.end(), media.begin(), ::tolower);
                  Distributor distributor(store, impl->ctx.clock);
                  auto answer = [respond](PushResult r) {
                    if (r.status == 204) return respond(http::Response::Empty(204));
                    respond(Error(r.status, r.message));
                  };
                  std::string_view encoding = req.GetHeader("Content-Encoding");
                  if (media != "application/json" && push::IsIdentityContentEncoding(encoding)) {
                    // What agents send: protobuf + snappy. Decoded into this
                    // thread's request, and the body left in place, so that
                    // neither needs fresh memory (see ThreadPushRequest).
                    PushRequest& scratch = ThreadPushRequest();
                    Status st = push::DecodeProtoPushInto(req.body, &scratch);
                    if (st.ok()) distributor.Push(tenant, scratch, std::move(answer));
                    // Also after a bad body, which may have grown it past the limit.
                    ReleaseThreadPushRequest();
                    if (!st.ok()) respond(Error(400, st.message()));
                    return;
                  }
                  auto body = push::DecodeContentEncoding(encoding, std::move(req.body));
                  if (!body.ok()) return respond(Error(400, body.status().message()));
                  StatusOr<PushRequestPtr> decoded = media == "application/json"
                                                         ? push::DecodeJsonPush(std::move(*body))
                                                         : push::DecodeProtoPush(*body);
                  if (!decoded.ok()) return respond(Error(400, decoded.status().message()));
                  distributor.Push(tenant, std::move(*decoded), std::move(answer));
                });

  RegisterQueryRoutes(&impl->ctx, server);
  RegisterMetadataRoutes(&impl->ctx, server);
  RegisterTailRoutes(&impl->ctx, server);
}

}  // namespace logstack::logstore
