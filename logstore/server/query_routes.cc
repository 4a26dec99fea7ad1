// GET|POST /loki/api/v1/query and /loki/api/v1/query_range: parameters as
// Loki reads them, the engine, and answers in Loki's JSON.

#include <charconv>
#include <cmath>
#include <limits>

#include "common/logging.h"
#include "common/units.h"
#include "logstore/engine/limits.h"
#include "logstore/server/api.h"
#include "logstore/server/api_util.h"

namespace logstack::logstore::api_internal {
namespace {

// Go's strconv.FormatFloat(v, 'f', -1, 64), which Prometheus and Loki use
// for sample values.
std::string FormatValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[400];
  auto res = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::fixed);
  return std::string(buf, res.ptr);
}

// A sample time as Prometheus writes it: Unix seconds, milliseconds as a
// fraction.
json FormatTime(int64_t ns) {
  int64_t ms = ns / 1'000'000;
  if (ms % 1000 == 0) return json(ms / 1000);
  return json(static_cast<double>(ms) / 1000.0);
}

json LabelsJson(const Labels& labels) {
  json o = json::object();
  for (const auto& l : labels) o[l.name] = l.value;
  return o;
}

json StatsJson(const engine::QueryStats& st) {
  double secs = st.exec_seconds;
  auto per_sec = [secs](uint64_t n) -> int64_t {
    return secs > 0 ? static_cast<int64_t>(static_cast<double>(n) / secs) : 0;
  };
  return {{"summary",
           {{"bytesProcessedPerSecond", per_sec(st.bytes_processed)},
            {"linesProcessedPerSecond", per_sec(st.lines_processed)},
            {"totalBytesProcessed", st.bytes_processed},
            {"totalLinesProcessed", st.lines_processed},
            {"execTime", secs},
            {"queueTime", 0},
            {"subqueries", 0},
            {"totalEntriesReturned", st.lines_returned},
            {"splits", 0},
            {"shards", 0},
            {"totalPostFilterLines", st.lines_returned},
            {"totalStructuredMetadataBytesProcessed", 0}}}};
}

json ResultJson(engine::QueryResult& r) {
  using T = engine::QueryResult::Type;
  json out = json::array();
  switch (r.type) {
    case T::kStreams:
      for (auto& s : r.streams) {
        json values = json::array();
        for (auto& e : s.entries) {
          values.push_back(json::array({std::to_string(e.ts), std::move(e.line)}));
        }
        out.push_back({{"stream", LabelsJson(s.labels)}, {"values", std::move(values)}});
      }
      return out;
    case T::kMatrix:
      for (auto& s : r.series) {
        json values = json::array();
        for (auto& p : s.points)
          values.push_back(json::array({FormatTime(p.t_ns), FormatValue(p.v)}));
        out.push_back({{"metric", LabelsJson(s.labels)}, {"values", std::move(values)}});
      }
      return out;
    case T::kVector:
      for (auto& s : r.series) {
        const auto& p = s.points.front();
        out.push_back({{"metric", LabelsJson(s.labels)},
                       {"value", json::array({FormatTime(p.t_ns), FormatValue(p.v)})}});
      }
      return out;
    case T::kScalar:
      return json::array({FormatTime(r.scalar.t_ns), FormatValue(r.scalar.v)});
  }
  return out;
}

const char* ResultTypeName(engine::QueryResult::Type t) {
  switch (t) {
    case engine::QueryResult::Type::kStreams:
      return "streams";
    case engine::QueryResult::Type::kMatrix:
      return "matrix";
    case engine::QueryResult::Type::kVector:
      return "vector";
    case engine::QueryResult::Type::kScalar:
      return "scalar";
  }
  return "streams";
}

// Go's strconv error for a value that is neither a number nor a time.
std::string ParseIntError(std::string_view v) {
  return "strconv.ParseInt: parsing \"" + std::string(v) + "\": invalid syntax";
}

StatusOr<int64_t> ParseTimeParam(const http::Request& req, std::string_view name, int64_t def,
                                 bool prefixed) {
  std::string v = req.Param(name);
  if (v.empty()) return def;
  StatusOr<int64_t> t = ParseApiTime(v);
  if (t.ok()) return t;
  std::string msg = ParseIntError(v);
  if (prefixed) msg = "could not parse '" + std::string(name) + "' parameter: " + msg;
  return InvalidArgument(msg);
}

// A step or interval: a duration ("30s") or a number of seconds ("60", "0.5").
StatusOr<int64_t> ParseStep(std::string_view v) {
  std::string s(v);
  char* end = nullptr;
  double secs = std::strtod(s.c_str(), &end);
  if (!s.empty() && end == s.c_str() + s.size()) {
    return static_cast<int64_t>(std::llround(secs * 1e9));
  }
  StatusOr<int64_t> d = ParseDuration(v);
  if (d.ok()) return d;
  return InvalidArgument("cannot parse \"" + s + "\" to a valid duration");
}

Status ParseCommon(const http::Request& req, engine::QueryParams* p) {
  p->query = req.Param("query");
  if (req.HasParam("limit")) {
    std::string l = req.Param("limit");
    int64_t n = 0;
    auto [ptr, ec] = std::from_chars(l.data(), l.data() + l.size(), n);
    if (l.empty() || ec != std::errc() || ptr != l.data() + l.size()) {
      return InvalidArgument("strconv.Atoi: parsing \"" + l + "\": invalid syntax");
    }
    if (n <= 0) return InvalidArgument("limit must be a positive value");
    p->limit = static_cast<uint32_t>(std::min<int64_t>(n, std::numeric_limits<uint32_t>::max()));
  }
  std::string d = req.Param("direction");
  std::string lower = d;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "forward") {
    p->direction = Direction::kForward;
  } else if (lower.empty() || lower == "backward") {
    p->direction = Direction::kBackward;
  } else {
    return InvalidArgument("invalid direction '" + d + "'");
  }
  return Status::Ok();
}

http::Response Run(engine::Engine* eng, Store* store, const engine::QueryParams& p,
                   int parallelism) {
  engine::QueryStats stats;
  engine::QueryLimits limits = LimitsFor(store, p.tenant, parallelism);
  StatusOr<engine::QueryResult> r = eng->Exec(p, limits, &stats);
  if (!r.ok()) {
    int code = HttpStatusOf(r.status());
    if (code == 429) code = 400;
    if (code >= 500) {
      LOG_ERROR("component=query query={} err={}", Quote(p.query), Quote(r.status().ToString()));
    }
    return Error(code, r.status().message());
  }
  LOG_DEBUG("component=query query={} bytes={} lines={} secs={}", Quote(p.query),
            stats.bytes_processed, stats.lines_processed, stats.exec_seconds);
  // The lines alone already too large: refused before the JSON is built.
  size_t line_bytes = 0;
  for (const auto& s : r->streams) {
    for (const auto& e : s.entries) line_bytes += e.line.size();
  }
  Status size = engine::CheckResponseSize(line_bytes, limits);
  if (!size.ok()) return Error(HttpStatusOf(size), size.message());
  json data = {{"resultType", ResultTypeName(r->type)},
               {"result", ResultJson(*r)},
               {"stats", StatsJson(stats)}};
  return JsonWithinLimit(Success(std::move(data)), limits);
}

}  // namespace

void RegisterQueryRoutes(ApiContext* ctx, http::Server* server) {
  const int parallelism = ctx->parallelism;
  server->Route(
      {"GET", "POST"}, "/loki/api/v1/query_range",
      [ctx, parallelism](http::Request& req, http::Responder respond) {
        Handle(ctx, req, std::move(respond),
               [ctx, parallelism](http::Request& req, Store* store, engine::Engine* eng,
                                  const std::string& tenant) {
                 engine::QueryParams p;
                 p.tenant = tenant;
                 Status st = ParseCommon(req, &p);
                 if (!st.ok()) return Error(400, st.message());
                 int64_t now = ctx->clock->NowNanos();
                 auto end = ParseTimeParam(req, "end", now, true);
                 if (!end.ok()) return Error(400, end.status().message());
                 int64_t span = 3600 * kSecond;
                 if (!req.Param("since").empty()) {
                   auto s = ParseDuration(req.Param("since"));
                   if (!s.ok()) return Error(400, s.status().message());
                   span = *s;
                 }
                 auto start = ParseTimeParam(req, "start", *end - span, true);
                 if (!start.ok()) return Error(400, start.status().message());
                 if (*end < *start) {
                   return Error(400, "end timestamp must not be before or equal to start time");
                 }
                 p.start_ns = *start;
                 p.end_ns = *end;
                 if (!req.Param("step").empty()) {
                   auto step = ParseStep(req.Param("step"));
                   if (!step.ok()) return Error(400, step.status().message());
                   p.step_ns = *step;
                 } else {
                   int64_t secs = std::max<int64_t>((p.end_ns - p.start_ns) / kSecond / 250, 1);
                   p.step_ns = secs * kSecond;
                 }
                 if (p.step_ns <= 0) {
                   return Error(400,
                                "zero or negative query resolution step widths are not "
                                "accepted. Try a positive integer");
                 }
                 if ((p.end_ns - p.start_ns) / p.step_ns > 11000) {
                   return Error(400,
                                "exceeded maximum resolution of 11,000 points per time "
                                "series. Try increasing the value of the step parameter");
                 }
                 if (!req.Param("interval").empty()) {
                   auto iv = ParseStep(req.Param("interval"));
                   if (!iv.ok()) return Error(400, iv.status().message());
                   p.interval_ns = *iv;
                 }
                 return Run(eng, store, p, parallelism);
               });
      });

  server->Route({"GET", "POST"}, "/loki/api/v1/query",
                [ctx, parallelism](http::Request& req, http::Responder respond) {
                  Handle(ctx, req, std::move(respond),
                         [ctx, parallelism](http::Request& req, Store* store, engine::Engine* eng,
                                            const std::string& tenant) {
                           engine::QueryParams p;
                           p.tenant = tenant;
                           Status st = ParseCommon(req, &p);
                           if (!st.ok()) return Error(400, st.message());
                           auto t = ParseTimeParam(req, "time", ctx->clock->NowNanos(), false);
                           if (!t.ok()) return Error(400, t.status().message());
                           p.start_ns = p.end_ns = *t;
                           p.instant = true;
                           return Run(eng, store, p, parallelism);
                         });
                });
}

}  // namespace logstack::logstore::api_internal
