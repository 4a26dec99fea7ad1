#include "logstore/server/api_util.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "common/go/time.h"
#include "common/units.h"
#include "logstore/engine/limits.h"
#include "logstore/server/api.h"

namespace logstack::logstore {
namespace api_internal {

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
      return InvalidArgument("tenant ID '" + std::string(id) +
                             "' contains unsupported character '" + std::string(1, c) + "'");
    }
  }
  *tenant = std::string(id);
  return Status::Ok();
}

int HttpStatusOf(const Status& s) {
  switch (s.code()) {
    case StatusCode::kDeadlineExceeded:
      return 504;
    case StatusCode::kUnauthenticated:
      return 401;
    case StatusCode::kInvalidArgument:
      return 400;
    case StatusCode::kResourceExhausted:
      return 429;
    case StatusCode::kUnavailable:
      return 503;
    case StatusCode::kNotFound:
      return 404;
    default:
      return 500;
  }
}

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
  // Loki's key order: status first.
  return R"({"status":"success","data":)" +
         data.dump(-1, ' ', false, json::error_handler_t::replace) + "}";
}

}  // namespace api_internal

StatusOr<int64_t> ParseApiTime(std::string_view text) {
  std::string s(text);
  if (s.find('.') != std::string::npos) {
    char* end = nullptr;
    double v = std::strtod(s.c_str(), &end);
    if (end == s.c_str() + s.size()) {
      double secs;
      double frac = std::modf(v, &secs);
      return static_cast<int64_t>(secs) * api_internal::kSecond +
             static_cast<int64_t>(std::llround(frac * 1e9));
    }
  }
  char* end = nullptr;
  errno = 0;
  long long n = std::strtoll(s.c_str(), &end, 10);
  if (!s.empty() && end == s.c_str() + s.size() && errno == 0) {
    if (s.size() <= 10) return static_cast<int64_t>(n) * api_internal::kSecond;
    return static_cast<int64_t>(n);
  }
  // Loki's time.Parse(time.RFC3339Nano, ...) reads what time.RFC3339 does.
  StatusOr<int64_t> t = go::ParseRfc3339(text);
  if (!t.ok()) return InvalidArgument("cannot parse \"" + s + "\" to a valid timestamp");
  return t;
}

namespace api_internal {

engine::QueryLimits LimitsFor(Store* store, const std::string& tenant, int parallelism) {
  const TenantLimits& l = store->options().LimitsFor(tenant);
  engine::QueryLimits q;
  q.max_entries = static_cast<uint32_t>(std::max<int64_t>(0, l.max_entries_limit_per_query));
  q.max_series = static_cast<uint32_t>(std::max<int64_t>(0, l.max_query_series));
  q.max_query_length_ns = l.max_query_length_ns;
  q.timeout_ns = l.query_timeout_ns;
  q.max_bytes_read = l.max_query_bytes_read;
  q.max_line_size = l.validation.max_line_size;
  q.max_response_bytes = l.max_query_response_size;
  q.parallelism = parallelism;
  return q;
}

http::Response JsonWithinLimit(std::string body, const engine::QueryLimits& limits) {
  Status st = engine::CheckResponseSize(body.size(), limits);
  if (!st.ok()) return Error(HttpStatusOf(st), st.message());
  return http::Response::Json(200, std::move(body));
}

}  // namespace api_internal
}  // namespace logstack::logstore
