#pragma once

// Internals shared by the API's route files (api.cc, query_routes.cc,
// metadata_routes.cc, ...): Loki-style errors, tenant resolution, time
// parameters, JSON answers, and running handlers on the query pool.
//
// Thread safety: free functions; ApiContext is read-only after Register().

#include <atomic>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "common/clock.h"
#include "common/http_server.h"
#include "common/metrics.h"
#include "common/status.h"
#include "logstore/engine/engine.h"
#include "logstore/store/store.h"

namespace logstack::logstore::api_internal {

using json = nlohmann::json;
constexpr int64_t kSecond = 1'000'000'000;

// A plain-text error body, as Loki answers.
http::Response Error(int status, std::string message);
// Loki's X-Scope-OrgID rules; "fake" without auth.
Status ResolveTenant(const http::Request& req, bool auth_enabled, std::string* tenant);
// 400 for the caller's mistakes, 401, 429, 503, 504, 500 otherwise.
int HttpStatusOf(const Status& s);

struct TimeRange {
  int64_t start;
  int64_t end;
};
// start/end/since as Loki reads them; default_span is how far back start
// goes. Errors carry Loki's messages.
StatusOr<TimeRange> ParseRange(const http::Request& req, int64_t now, int64_t default_span);

// {"status":"success","data":...}
std::string Success(json data);

struct ApiContext {
  Clock* clock = nullptr;
  metrics::Registry* registry = nullptr;
  bool auth_enabled = false;
  int parallelism = 2;  // workers per query
  boost::asio::thread_pool* pool = nullptr;
  std::atomic<Store*>* store = nullptr;
  std::atomic<engine::Engine*>* engine = nullptr;
};

// Runs fn(req, store, engine, tenant) -> http::Response on the query pool,
// after answering 503 while the WAL replays and 4xx for a bad tenant.
template <typename Fn>
void Handle(ApiContext* ctx, http::Request& req, http::Responder respond, Fn fn) {
  auto shared = std::make_shared<http::Request>(std::move(req));
  boost::asio::post(*ctx->pool,
                    [ctx, shared, respond = std::move(respond), fn = std::move(fn)]() mutable {
                      Store* store = ctx->store->load();
                      engine::Engine* eng = ctx->engine->load();
                      if (store == nullptr || eng == nullptr) {
                        return respond(Error(503, "not ready: replaying the WAL"));
                      }
                      std::string tenant;
                      Status ts = ResolveTenant(*shared, ctx->auth_enabled, &tenant);
                      if (!ts.ok()) return respond(Error(HttpStatusOf(ts), ts.message()));
                      respond(fn(*shared, store, eng, tenant));
                    });
}

// The per-tenant query limits from the store's options.
engine::QueryLimits LimitsFor(Store* store, const std::string& tenant, int parallelism);

// A 200 JSON answer with `body`, or, when the body is larger than the
// tenant's max_query_response_size, a 400 naming the limit. Every route that
// answers query results or metadata sends its body through this.
http::Response JsonWithinLimit(std::string body, const engine::QueryLimits& limits);

void RegisterQueryRoutes(ApiContext* ctx, http::Server* server);
void RegisterMetadataRoutes(ApiContext* ctx, http::Server* server);
void RegisterTailRoutes(ApiContext* ctx, http::Server* server);

}  // namespace logstack::logstore::api_internal
