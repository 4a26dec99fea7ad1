#include "logstore/server/api.h"

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <map>
#include <queue>

#include "common/logging.h"
#include "common/units.h"
#include "logstore/index/matcher.h"
#include "logstore/push/decompress.h"
#include "logstore/push/json_decoder.h"
#include "logstore/push/proto_decoder.h"
#include "logstore/version.h"

namespace logstack::logstore {

namespace {

using json = nlohmann::json;
constexpr int64_t kSecond = 1'000'000'000;

http::Response Error(int status, std::string message) {
  if (message.empty() || message.back() != '\n') message += '\n';
  return http::Response::Text(status, std::move(message));
}

// Loki's tenant ID rules (with auth enabled).
Status ResolveTenant(const http::Request& req, bool auth_enabled, std::string* tenant) {
  if (!auth_enabled) {
    *tenant = "fake";
    return Status::Ok();
  }
  std::string_view id = req.GetHeader("X-Scope-OrgID");
  if (id.empty()) return Unauthenticated("no org id");
  if (id.find('|') != std::string_view::npos) return InvalidArgument("multiple org IDs present");
  if (id == "." || id == "..") return InvalidArgument("tenant ID is '.' or '..'");
  if (id.size() > 150) return InvalidArgument("tenant ID is too long: max 150 characters");
  for (char c : id) {
    bool ok = std::isalnum(static_cast<unsigned char>(c)) ||
              std::string_view("!-_.*'()").find(c) != std::string_view::npos;
    if (!ok) {
      return InvalidArgument("tenant ID '" + std::string(id) + "' contains unsupported character '" +
                             std::string(1, c) + "'");
    }
  }
  *tenant = std::string(id);
  return Status::Ok();
}

int HttpStatusOf(const Status& s) {
  switch (s.code()) {
    case StatusCode::kUnauthenticated: return 401;
    case StatusCode::kInvalidArgument: return 400;
    case StatusCode::kResourceExhausted: return 429;
    case StatusCode::kUnavailable: return 503;
    case StatusCode::kNotFound: return 404;
    default: return 500;
  }
}

// Days since the civil epoch, for RFC3339 parsing without timegm's locale.
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

StatusOr<int64_t> ParseRfc3339(std::string_view s) {
  auto bad = [&] { return InvalidArgument("cannot parse \"" + std::string(s) + "\" to a valid timestamp"); };
  int y, mo, d, h, mi, sec;
  if (s.size() < 20 || std::sscanf(std::string(s.substr(0, 19)).c_str(), "%4d-%2d-%2dT%2d:%2d:%2d",
                                   &y, &mo, &d, &h, &mi, &sec) != 6) {
    return bad();
  }
  size_t i = 19;
  int64_t frac = 0;
  if (i < s.size() && s[i] == '.') {
    i++;
    int digits = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
      if (digits < 9) {
        frac = frac * 10 + (s[i] - '0');
        digits++;
      }
      i++;
    }
    while (digits++ < 9) frac *= 10;
  }
  int64_t offset = 0;
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
    i++;
  } else if (i + 6 == s.size() && (s[i] == '+' || s[i] == '-')) {
    int oh, om;
    if (std::sscanf(std::string(s.substr(i + 1)).c_str(), "%2d:%2d", &oh, &om) != 2) return bad();
    offset = (oh * 3600 + om * 60) * (s[i] == '+' ? 1 : -1);
    i += 6;
  } else {
    return bad();
  }
  if (i != s.size()) return bad();
  int64_t days = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  int64_t secs = days * 86400 + h * 3600 + mi * 60 + sec - offset;
  return secs * kSecond + frac;
}

struct TimeRange {
  int64_t start;
  int64_t end;
};

// start/end/since as Loki reads them; default_span is how far back start goes.
StatusOr<TimeRange> ParseRange(const http::Request& req, int64_t now, int64_t default_span) {
  TimeRange r{0, now};
  if (req.HasParam("end") && !req.Param("end").empty()) {
    LOGSTACK_ASSIGN_OR_RETURN(r.end, ParseApiTime(req.Param("end")));
  }
  int64_t span = default_span;
  if (req.HasParam("since") && !req.Param("since").empty()) {
    LOGSTACK_ASSIGN_OR_RETURN(span, ParseDuration(req.Param("since")));
  }
  r.start = r.end - span;
  if (req.HasParam("start") && !req.Param("start").empty()) {
    LOGSTACK_ASSIGN_OR_RETURN(r.start, ParseApiTime(req.Param("start")));
  }
  if (r.end < r.start) {
    return InvalidArgument("end timestamp must not be before or equal to start time");
  }
  return r;
}

std::string Success(json data) {
  json out = {{"status", "success"}, {"data", std::move(data)}};
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

StatusOr<int64_t> ParseApiTime(std::string_view text) {
  std::string s(text);
  if (s.find('.') != std::string::npos) {
    char* end = nullptr;
    double v = std::strtod(s.c_str(), &end);
    if (end == s.c_str() + s.size()) {
      double secs;
      double frac = std::modf(v, &secs);
      return static_cast<int64_t>(secs) * kSecond + static_cast<int64_t>(std::llround(frac * 1e9));
    }
  }
  char* end = nullptr;
  errno = 0;
  long long n = std::strtoll(s.c_str(), &end, 10);
  if (!s.empty() && end == s.c_str() + s.size() && errno == 0) {
    if (s.size() <= 10) return static_cast<int64_t>(n) * kSecond;
    return static_cast<int64_t>(n);
  }
  return ParseRfc3339(text);
}

struct Api::Impl {
  Impl(Clock* c, metrics::Registry* r, bool auth, int threads)
      : clock(c), registry(r), auth_enabled(auth), pool(std::max(1, threads)) {}

  Clock* clock;
  metrics::Registry* registry;
  bool auth_enabled;
  boost::asio::thread_pool pool;
};

Api::Api(Clock* clock, metrics::Registry* registry, bool auth_enabled, int query_threads)
    : impl_(std::make_unique<Impl>(clock, registry, auth_enabled, query_threads)) {}

Api::~Api() { impl_->pool.join(); }

namespace {

// Runs fn on the query pool and answers with what it returns.
template <typename Fn>
void Offload(boost::asio::thread_pool& pool, http::Request& req, http::Responder respond, Fn fn) {
  auto shared = std::make_shared<http::Request>(std::move(req));
  boost::asio::post(pool, [shared, respond = std::move(respond), fn = std::move(fn)]() mutable {
    respond(fn(*shared));
  });
}

}  // namespace

void Api::Register(http::Server* server) {
  Impl* impl = impl_.get();
  auto* store_ptr = &store_;

  auto& requests = *impl->registry;
  server->SetObserver([&requests](const std::string& route, int status, double secs) {
    requests.GetCounter("logstore_http_requests_total", "HTTP requests by route and status code.",
                        {{"code", std::to_string(status)}, {"route", route}})
        .Inc();
    requests
        .GetHistogram("logstore_http_request_duration_seconds", "HTTP request latency by route.",
                      metrics::ExponentialBuckets(0.0005, 4, 10), {{"route", route}})
        .Observe(secs);
  });

  server->Route({"GET"}, "/ready", [store_ptr](http::Request&, http::Responder respond) {
    if (store_ptr->load() == nullptr) {
      return respond(Error(503, "Ingester not ready: waiting for WAL replay to finish"));
    }
    respond(http::Response::Text(200, "ready\n"));
  });

  server->Route({"GET"}, "/metrics", [impl](http::Request&, http::Responder respond) {
    http::Response r = http::Response::Text(200, impl->registry->Render());
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    respond(std::move(r));
  });

  auto buildinfo = [](http::Request&, http::Responder respond) {
    json info = {{"version", std::string(kVersion)},      {"revision", std::string(kRevision)},
                 {"branch", "main"},                      {"buildUser", ""},
                 {"buildDate", ""},                       {"goVersion", ""},
                 {"lokiCompatibility", std::string(kLokiCompatVersion)}};
    respond(http::Response::Json(200, info.dump()));
  };
  server->Route({"GET"}, "/loki/api/v1/status/buildinfo", buildinfo);

  server->Route(
      {"POST"}, "/loki/api/v1/push",
      [impl, store_ptr](http::Request& req, http::Responder respond) {
        Store* store = store_ptr->load();
        if (store == nullptr) return respond(Error(503, "not ready: replaying the WAL"));
        std::string tenant;
        Status ts = ResolveTenant(req, impl->auth_enabled, &tenant);
        if (!ts.ok()) return respond(Error(HttpStatusOf(ts), ts.message()));
        std::string_view ctype = req.GetHeader("Content-Type");
        if (ctype.empty()) return respond(Error(400, "mime: no media type"));
        std::string media(ctype.substr(0, ctype.find(';')));
        while (!media.empty() && media.back() == ' ') media.pop_back();
        std::transform(media.begin(), media.end(), media.begin(), ::tolower);
        auto body = push::DecodeContentEncoding(req.GetHeader("Content-Encoding"),
                                                std::move(req.body));
        if (!body.ok()) return respond(Error(400, body.status().message()));
        StatusOr<PushRequestPtr> decoded =
            media == "application/json" ? push::DecodeJsonPush(std::move(*body))
                                        : push::DecodeProtoPush(*body);
        if (!decoded.ok()) return respond(Error(400, decoded.status().message()));
        store->Push(tenant, std::move(*decoded), [respond](PushResult r) {
          if (r.status == 204) return respond(http::Response::Empty(204));
          respond(Error(r.status, r.message));
        });
      });

  server->Route(
      {"GET", "POST"}, "/loki/api/v1/query_range",
      [impl, store_ptr](http::Request& req, http::Responder respond) {
        Offload(impl->pool, req, std::move(respond), [impl, store_ptr](http::Request& req) {
          Store* store = store_ptr->load();
          if (store == nullptr) return Error(503, "not ready: replaying the WAL");
          std::string tenant;
          Status ts = ResolveTenant(req, impl->auth_enabled, &tenant);
          if (!ts.ok()) return Error(HttpStatusOf(ts), ts.message());
          int64_t t0 = impl->clock->MonotonicNanos();
          auto range = ParseRange(req, impl->clock->NowNanos(), 3600 * kSecond);
          if (!range.ok()) return Error(400, range.status().message());
          int64_t limit = 100;
          if (req.HasParam("limit")) {
            char* end = nullptr;
            std::string l = req.Param("limit");
            limit = std::strtoll(l.c_str(), &end, 10);
            if (l.empty() || *end != '\0' || limit <= 0) {
              return Error(400, "limit must be a positive value");
            }
          }
          const TenantLimits& limits = store->options().LimitsFor(tenant);
          if (limits.max_query_length_ns > 0 &&
              range->end - range->start > limits.max_query_length_ns) {
            return Error(400, "the query time range exceeds the limit (query length: " +
                                  FormatDuration(range->end - range->start) +
                                  ", limit: " + FormatDuration(limits.max_query_length_ns) + ")");
          }
          int64_t max_limit = limits.max_entries_limit_per_query;
          if (max_limit > 0 && limit > max_limit) {
            return Error(400, "max entries limit per query exceeded, limit > max_entries_limit (" +
                                  std::to_string(limit) + " > " + std::to_string(max_limit) + ")");
          }
          std::string d = req.Param("direction");
          Direction dir = Direction::kBackward;
          if (d == "forward" || d == "FORWARD") {
            dir = Direction::kForward;
          } else if (!d.empty() && d != "backward" && d != "BACKWARD") {
            return Error(400, "invalid direction '" + d + "'");
          }
          auto matchers = index::ParseSelector(req.Param("query"));
          if (!matchers.ok()) return Error(400, matchers.status().message());
          // Log queries include start and exclude end.
          auto sel = store->Select(tenant, *matchers, range->start, range->end, dir);
          if (!sel.ok()) return Error(500, sel.status().message());

          // Merge all streams in time order and take the first `limit` entries.
          auto later = [&](size_t a, size_t b) {
            int64_t x = (*sel)[a].it->entry().timestamp_ns;
            int64_t y = (*sel)[b].it->entry().timestamp_ns;
            if (x != y) return dir == Direction::kForward ? x > y : x < y;
            return a > b;
          };
          std::priority_queue<size_t, std::vector<size_t>, decltype(later)> heap(later);
          for (size_t i = 0; i < sel->size(); i++) {
            if ((*sel)[i].it->Next()) heap.push(i);
          }
          // Result streams: stream labels plus the entry's structured metadata.
          std::map<std::string, std::pair<json, json>> groups;
          std::vector<LabelRef> md;
          int64_t n = 0;
          uint64_t bytes = 0;
          Status iter_status;
          while (!heap.empty() && n < limit) {
            size_t i = heap.top();
            heap.pop();
            StreamSelection& s = (*sel)[i];
            const EntryView& e = s.it->entry();
            std::string key = s.labels_string;
            bool has_md = !e.metadata.empty() && DecodeMetadata(e.metadata, &md) && !md.empty();
            key.push_back('\0');
            key.append(e.metadata);
            auto g = groups.find(key);
            if (g == groups.end()) {
              json ls = json::object();
              for (const auto& l : *s.labels) ls[l.name] = l.value;
              if (has_md) {
                for (const auto& m : md) ls[std::string(m.name)] = std::string(m.value);
              }
              g = groups.emplace(key, std::make_pair(std::move(ls), json::array())).first;
            }
            g->second.second.push_back(
                json::array({std::to_string(e.timestamp_ns), std::string(e.line)}));
            bytes += e.line.size();
            n++;
            if (s.it->Next()) {
              heap.push(i);
            } else if (!s.it->status().ok()) {
              iter_status = s.it->status();
            }
          }
          if (!iter_status.ok()) {
            LOG_ERROR("component=query op=query_range err={}", Quote(iter_status.ToString()));
            return Error(500, iter_status.message());
          }
          json result = json::array();
          for (auto& [key, g] : groups) {
            result.push_back({{"stream", std::move(g.first)}, {"values", std::move(g.second)}});
          }
          double secs = static_cast<double>(impl->clock->MonotonicNanos() - t0) / 1e9;
          json stats = {{"summary",
                         {{"bytesProcessedPerSecond", secs > 0 ? static_cast<int64_t>(bytes / secs) : 0},
                          {"linesProcessedPerSecond", secs > 0 ? static_cast<int64_t>(n / secs) : 0},
                          {"totalBytesProcessed", bytes},
                          {"totalLinesProcessed", n},
                          {"execTime", secs},
                          {"queueTime", 0},
                          {"subqueries", 0},
                          {"totalEntriesReturned", n}}}};
          json data = {{"resultType", "streams"}, {"result", std::move(result)}, {"stats", stats}};
          return http::Response::Json(200, Success(std::move(data)));
        });
      });

  auto labels_handler = [impl, store_ptr](http::Request& req, http::Responder respond) {
    Offload(impl->pool, req, std::move(respond), [impl, store_ptr](http::Request& req) {
      Store* store = store_ptr->load();
      if (store == nullptr) return Error(503, "not ready: replaying the WAL");
      std::string tenant;
      Status ts = ResolveTenant(req, impl->auth_enabled, &tenant);
      if (!ts.ok()) return Error(HttpStatusOf(ts), ts.message());
      auto range = ParseRange(req, impl->clock->NowNanos(), 6 * 3600 * kSecond);
      if (!range.ok()) return Error(400, range.status().message());
      std::vector<index::Matcher> matchers;
      bool scoped = !req.Param("query").empty();
      if (scoped) {
        auto m = index::ParseSelector(req.Param("query"));
        if (!m.ok()) return Error(400, m.status().message());
        matchers = std::move(*m);
      }
      // Labels and values count a stream whose data touches [start, end].
      int64_t end = range->end == INT64_MAX ? range->end : range->end + 1;
      StatusOr<std::vector<std::string>> values = std::vector<std::string>{};
      const std::string prefix = "/loki/api/v1/label/";
      if (req.path.rfind(prefix, 0) == 0) {
        std::string rest = req.path.substr(prefix.size());
        size_t slash = rest.find('/');
        if (slash == std::string::npos || rest.substr(slash) != "/values") {
          return Error(404, "404 page not found");
        }
        values = store->LabelValues(tenant, rest.substr(0, slash), range->start, end,
                                    scoped ? &matchers : nullptr);
      } else {
        values = store->LabelNames(tenant, range->start, end, scoped ? &matchers : nullptr);
      }
      if (!values.ok()) return Error(500, values.status().message());
      return http::Response::Json(200, Success(json(*values)));
    });
  };
  server->Route({"GET", "POST"}, "/loki/api/v1/labels", labels_handler);
  server->Route({"GET", "POST"}, "/loki/api/v1/label/*", labels_handler);
}

}  // namespace logstack::logstore
