#pragma once

// The client side of the Loki API for tests: building push bodies
// (protobuf+snappy through the classes generated from proto/push.proto, and
// JSON), sending them, reading query_range answers back, and reading
// Prometheus metrics text.
//
// Thread safety: free functions; the HttpClient passed in is used by the
// calling thread only.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "tests/testutil/http_client.h"

namespace logstack::testutil {

inline constexpr std::string_view kPushPath = "/loki/api/v1/push";
inline constexpr std::string_view kProtoContentType = "application/x-protobuf";
inline constexpr std::string_view kJsonContentType = "application/json";

// Label pairs in the order given (a push may send them unsorted).
using LabelList = std::vector<std::pair<std::string, std::string>>;

struct PushEntry {
  int64_t ts_ns = 0;
  std::string line;
  LabelList metadata;  // structured metadata
};

struct PushStream {
  LabelList labels;
  // Protobuf only: sent as the labels string instead of rendering `labels`,
  // to send strings that do not parse.
  std::optional<std::string> raw_labels;
  std::vector<PushEntry> entries;
};

// {a="1", b="2"}: the pairs in the given order, values quoted as Go does.
std::string LabelsString(const LabelList& labels);

// A logproto.PushRequest, serialized, not compressed.
std::string SerializeProtoPush(const std::vector<PushStream>& streams);
// The body of a protobuf push: snappy(SerializeProtoPush(streams)).
std::string EncodeProtoPush(const std::vector<PushStream>& streams);
// The body of a JSON push: {"streams": [{"stream": {...}, "values": [...]}]},
// with structured metadata as the third element of a value when present.
std::string EncodeJsonPush(const std::vector<PushStream>& streams);

std::string SnappyCompress(std::string_view raw);
std::string GzipCompress(std::string_view raw);

// POSTs `body` to the push endpoint with the given Content-Type, and
// X-Scope-OrgID when `tenant` is not empty.
StatusOr<HttpResult> Push(HttpClient& client, std::string_view body, std::string_view content_type,
                          std::string_view tenant = {}, const HttpHeaders& extra_headers = {});
StatusOr<HttpResult> PushProto(HttpClient& client, const std::vector<PushStream>& streams,
                               std::string_view tenant = {});
StatusOr<HttpResult> PushJson(HttpClient& client, const std::vector<PushStream>& streams,
                              std::string_view tenant = {});

// Wall-clock time in nanoseconds since the Unix epoch.
int64_t NowNanos();

struct QueryRangeParams {
  std::string query;
  int64_t start_ns = 0;
  int64_t end_ns = 0;
  int64_t limit = 100;
  std::string direction = "backward";  // or "forward"
  std::string tenant;                  // X-Scope-OrgID when not empty
};

struct QueriedEntry {
  LabelList labels;  // the result stream's labels, sorted by name
  int64_t ts_ns = 0;
  std::string line;
  bool operator==(const QueriedEntry&) const = default;
};

// GET /loki/api/v1/query_range. Returns the entries of every result stream,
// stream after stream, each stream's entries in the order answered.
// Returns an error (with the body) unless the server answered 200 with a
// streams result.
StatusOr<std::vector<QueriedEntry>> QueryRange(HttpClient& client, const QueryRangeParams& params);
// The raw answer of the same request, for tests of error answers.
StatusOr<HttpResult> QueryRangeRaw(HttpClient& client, const QueryRangeParams& params);

// GETs `path` (e.g. "/loki/api/v1/labels?start=...") and returns its
// "data" list of strings. Returns an error unless 200 with such a list
// (a missing or null "data" is an empty list).
StatusOr<std::vector<std::string>> GetStringList(HttpClient& client, std::string_view path,
                                                 std::string_view tenant = {});

// The value of the sample of metric `name` whose labels include all of
// `labels`, in Prometheus text exposition `text`. With several matching
// samples, their sum. nullopt when none matches.
std::optional<double> MetricValue(std::string_view text, std::string_view name,
                                  const LabelList& labels = {});

}  // namespace logstack::testutil
