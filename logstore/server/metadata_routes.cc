// Loki's metadata routes: labels, label values, series, index stats and
// volumes, detected labels and fields, patterns and format_query. Answer
// shapes follow Loki 3.4 (see /work/shared/logql-conformance, meta/*).

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "common/go/humanize.h"
#include "common/go/strconv.h"
#include "common/go/time.h"
#include "common/units.h"
#include "logstore/engine/limits.h"
#include "logstore/logql/parser.h"
#include "logstore/logql/printer.h"
#include "logstore/pipeline/stage.h"
#include "logstore/server/api_util.h"

namespace logstack::logstore::api_internal {

namespace {

constexpr int64_t kDefaultSpan = 3600 * kSecond;  // Loki's default `since`
constexpr int64_t kMillisecond = 1'000'000;

json LabelsJson(const Labels& labels) {
  json out = json::object();
  for (const auto& l : labels) out[l.name] = l.value;
  return out;
}

// A Prometheus-style sample time: whole seconds as an integer, else seconds
// with a fraction.
json SampleTime(int64_t ns) {
  if (ns % kSecond == 0) return ns / kSecond;
  return static_cast<double>(ns) / 1e9;
}

// [start, end] of a request as a half-open store range.
int64_t EndExclusive(int64_t end) { return end == INT64_MAX ? end : end + 1; }

// A positive integer parameter, `def` when absent.
StatusOr<int64_t> IntParam(const http::Request& req, std::string_view name, int64_t def) {
  std::string v = req.Param(name);
  if (v.empty()) return def;
  char* end = nullptr;
  errno = 0;
  long long n = std::strtoll(v.c_str(), &end, 10);
  if (end != v.c_str() + v.size() || errno != 0 || n <= 0) {
    return InvalidArgument("invalid " + std::string(name) + ": " + v);
  }
  return static_cast<int64_t>(n);
}

// A step: a duration ("20m") or a number of seconds ("60", "0.5").
StatusOr<int64_t> ParseStepParam(const std::string& v) {
  char* end = nullptr;
  double secs = std::strtod(v.c_str(), &end);
  if (!v.empty() && end == v.c_str() + v.size()) {
    return static_cast<int64_t>(std::llround(secs * 1e9));
  }
  auto d = ParseDuration(v);
  if (!d.ok()) {
    return InvalidArgument("cannot parse \"" + v + "\" to a valid duration");
  }
  return *d;
}

std::vector<std::string> SplitCommas(const std::string& s) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= s.size()) {
    size_t comma = s.find(',', pos);
    if (comma == std::string::npos) comma = s.size();
    std::string part = s.substr(pos, comma - pos);
    part.erase(0, part.find_first_not_of(' '));
    part.erase(part.find_last_not_of(' ') + 1);
    if (!part.empty()) out.push_back(part);
    pos = comma + 1;
  }
  return out;
}

// ------------------------------------------------------------------ volumes

// How volumes are grouped: by the values of `names` (aggregateBy=series) or
// one group per label name (aggregateBy=labels).
struct VolumeGrouping {
  bool by_labels = false;
  std::vector<std::string> names;  // empty with by_labels: every name
};

// Adds each stream's bytes to its groups.
void AddVolumes(const std::vector<StreamVolume>& vols, const VolumeGrouping& g,
                const std::function<void(const Labels&, uint64_t)>& add) {
  for (const auto& v : vols) {
    if (g.by_labels) {
      for (const auto& l : v.labels) {
        if (!g.names.empty() &&
            std::find(g.names.begin(), g.names.end(), l.name) == g.names.end()) {
          continue;
        }
        add(Labels{{l.name, ""}}, v.bytes);
      }
      continue;
    }
    Labels key;
    for (const auto& l : v.labels) {
      if (std::find(g.names.begin(), g.names.end(), l.name) != g.names.end()) key.push_back(l);
    }
    if (!key.empty()) add(key, v.bytes);
  }
}

http::Response VolumeHandler(ApiContext* ctx, const http::Request& req, Store* store,
                             const std::string& tenant, bool range) {
  auto r = ParseRange(req, ctx->clock->NowNanos(), kDefaultSpan);
  if (!r.ok()) return Error(400, r.status().message());
  auto matchers = logql::ParseMatchers(req.Param("query"));
  if (!matchers.ok()) return Error(400, matchers.status().message());
  auto limit = IntParam(req, "limit", 100);
  if (!limit.ok()) return Error(400, limit.status().message());
  VolumeGrouping g;
  std::string agg = req.Param("aggregateBy");
  if (agg == "labels") {
    g.by_labels = true;
  } else if (!agg.empty() && agg != "series") {
    return Error(400, "invalid aggregation option: " + agg);
  }
  g.names = SplitCommas(req.Param("targetLabels"));
  if (g.names.empty() && !g.by_labels) {
    for (const auto& m : *matchers) {
      if (std::find(g.names.begin(), g.names.end(), m.name()) == g.names.end()) {
        g.names.push_back(m.name());
      }
    }
  }

  // Buckets [start + i*step, start + (i+1)*step) up to end, the last one
  // closed at end; Loki stamps each with its last millisecond, the last one
  // with end (08:00-09:00 by 20m: 08:19:59.999, 08:39:59.999, 09:00).
  int64_t step = r->end - r->start + 1;
  if (range) {
    int64_t span = r->end - r->start;
    step = std::max<int64_t>(span / 250 / kSecond, 1) * kSecond;
    if (!req.Param("step").empty()) {
      auto s = ParseStepParam(req.Param("step"));
      if (!s.ok()) return Error(400, s.status().message());
      step = *s;
    }
    if (step <= 0) {
      return Error(400,
                   "zero or negative query resolution step widths are not accepted. Try a "
                   "positive integer");
    }
    if (span / step > 11000) {
      return Error(400,
                   "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing "
                   "the query resolution (?step=XX)");
    }
  }
  struct Series {
    uint64_t total = 0;
    std::vector<std::pair<int64_t, uint64_t>> points;
  };
  std::map<Labels, Series> groups;
  for (int64_t from = r->start; from < r->end || from == r->start; from += step) {
    bool last = !range || from + step >= r->end;
    int64_t to = last ? EndExclusive(r->end) : from + step;
    int64_t stamp = !range ? r->end : (last ? r->end : to - kMillisecond);
    auto vols = store->Volumes(tenant, *matchers, from, to);
    if (!vols.ok()) return Error(500, vols.status().message());
    std::map<Labels, uint64_t> bucket;
    AddVolumes(*vols, g, [&](const Labels& key, uint64_t bytes) { bucket[key] += bytes; });
    for (auto& [key, bytes] : bucket) {
      Series& s = groups[key];
      s.total += bytes;
      s.points.push_back({stamp, bytes});
    }
    if (last) break;
  }
  std::vector<std::pair<const Labels*, const Series*>> order;
  for (const auto& [k, s] : groups) order.push_back({&k, &s});
  std::stable_sort(order.begin(), order.end(),
                   [](const auto& a, const auto& b) { return a.second->total > b.second->total; });
  if (order.size() > static_cast<size_t>(*limit)) order.resize(static_cast<size_t>(*limit));
  json result = json::array();
  for (const auto& [key, s] : order) {
    json item = {{"metric", LabelsJson(*key)}};
    if (range) {
      json values = json::array();
      for (const auto& [t, b] : s->points) values.push_back({SampleTime(t), std::to_string(b)});
      item["values"] = std::move(values);
    } else {
      item["value"] = {SampleTime(r->end), std::to_string(s->total)};
    }
    result.push_back(std::move(item));
  }
  return JsonWithinLimit(
      Success({{"resultType", range ? "matrix" : "vector"}, {"result", std::move(result)}}),
      LimitsFor(store, tenant, ctx->parallelism));
}

// ---------------------------------------------------------- detected labels

bool IsUuid(std::string_view v) {
  if (v.size() != 36) return false;
  for (size_t i = 0; i < v.size(); i++) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? v[i] != '-' : !std::isxdigit(static_cast<unsigned char>(v[i]))) return false;
  }
  return true;
}

bool IsInteger(std::string_view v) {
  if (!v.empty() && (v[0] == '-' || v[0] == '+')) v.remove_prefix(1);
  return !v.empty() && std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Loki leaves out labels that do not help to narrow a search: those with a
// single value or more than 50, and those whose values are all IDs; the
// topology labels below are always kept.
bool KeepDetectedLabel(const std::string& name, const std::set<std::string>& values) {
  static const std::set<std::string> kAlwaysKept = {"cluster", "namespace", "instance", "pod"};
  if (kAlwaysKept.count(name)) return true;
  if (values.size() < 2 || values.size() > 50) return false;
  bool all_ids = std::all_of(values.begin(), values.end(),
                             [](const std::string& v) { return IsUuid(v) || IsInteger(v); });
  return !all_ids;
}

// ---------------------------------------------------------- detected fields

// Loki's guess of a field's type from one value, in this order.
std::string FieldType(std::string_view v) {
  if (IsInteger(v)) return "int";
  if (go::ParseFloat(v).ok()) return "float";
  static const std::set<std::string_view> kBools = {"1", "t", "T", "TRUE",  "true",  "True",
                                                    "0", "f", "F", "FALSE", "false", "False"};
  if (kBools.count(v)) return "boolean";
  if (go::ParseDuration(v).ok()) return "duration";
  if (go::ParseBytes(v).ok()) return "bytes";
  return "string";
}

struct DetectedField {
  std::string type;
  std::set<std::string> values;
  std::set<std::string> parsers;
  bool metadata_only = true;
};

// The fields of the newest `line_limit` entries matching the query: labels
// the json parser (for lines that start with '{') or the logfmt parser finds,
// and structured metadata. Lines a parser fails on add nothing.
//
// The query limits apply as to a log query run by the engine (see
// engine/limits.h): the range, line_limit as the entries asked for, and the
// bytes read and the time spent while reading.
StatusOr<std::map<std::string, DetectedField>> DetectFields(Store* store, Clock* clock,
                                                            const engine::QueryLimits& limits,
                                                            const std::string& tenant,
                                                            const std::string& query, int64_t start,
                                                            int64_t end, int64_t line_limit) {
  LOGSTACK_ASSIGN_OR_RETURN(logql::ExprPtr expr, logql::ParseExpr(query));
  if (!expr->IsLogQuery()) {
    return InvalidArgument("only log queries are supported for detected fields");
  }
  LOGSTACK_RETURN_IF_ERROR(engine::CheckQueryLength(start, end, limits));
  LOGSTACK_RETURN_IF_ERROR(engine::CheckEntriesLimit(static_cast<uint64_t>(line_limit), limits));
  engine::ReadBudget budget(limits, clock);
  const auto& sel = static_cast<const logql::LogSelectorExpr&>(*expr);
  pipeline::CompileOptions opts;
  opts.clock = clock;
  opts.max_line_size = limits.max_line_size;
  auto user = pipeline::CompilePipeline(sel.stages, opts);
  if (!user.ok()) return InvalidArgument("parse error : " + user.status().message());
  std::vector<logql::Stage> json_stages, logfmt_stages;
  json_stages.emplace_back(logql::JsonStage{});
  logfmt_stages.emplace_back(logql::LogfmtStage{});
  auto json_p = pipeline::CompilePipeline(json_stages);
  auto logfmt_p = pipeline::CompilePipeline(logfmt_stages);
  if (!json_p.ok()) return json_p.status();
  if (!logfmt_p.ok()) return logfmt_p.status();

  LOGSTACK_ASSIGN_OR_RETURN(auto streams, store->Select(tenant, sel.matchers, start,
                                                        EndExclusive(end), Direction::kBackward));
  // The newest entries of each stream, then the newest of all.
  struct Line {
    int64_t ts;
    size_t stream;
    std::string line;
    std::string metadata;
  };
  std::vector<Line> lines;
  for (size_t i = 0; i < streams.size(); i++) {
    int64_t n = 0;
    while (n < line_limit && streams[i].it->Next()) {
      const EntryView& e = streams[i].it->entry();
      LOGSTACK_RETURN_IF_ERROR(budget.Add(e.line.size()));
      lines.push_back({e.timestamp_ns, i, std::string(e.line), std::string(e.metadata)});
      n++;
    }
    LOGSTACK_RETURN_IF_ERROR(streams[i].it->status());
  }
  std::stable_sort(lines.begin(), lines.end(),
                   [](const Line& a, const Line& b) { return a.ts > b.ts; });
  if (lines.size() > static_cast<size_t>(line_limit)) lines.resize(static_cast<size_t>(line_limit));

  std::map<std::string, DetectedField> fields;
  auto note = [&](std::string_view name, std::string_view value, const char* parser) {
    DetectedField& f = fields[std::string(name)];
    if (f.type.empty()) f.type = FieldType(value);
    f.values.insert(std::string(value));
    if (parser != nullptr) {
      f.parsers.insert(parser);
      f.metadata_only = false;
    }
  };
  std::vector<LabelRef> md;
  for (const Line& l : lines) {
    md.clear();
    if (!l.metadata.empty() && !DecodeMetadata(l.metadata, &md)) continue;
    pipeline::LabelsBuilder lbs(streams[l.stream].labels);
    lbs.Reset(md);
    std::string_view line = l.line;
    if (!(*user)->Process(l.ts, &line, &lbs)) continue;
    for (const auto& m : md) note(m.name, m.value, nullptr);
    size_t first = line.find_first_not_of(" \t\r\n");
    bool is_json = first != std::string_view::npos && line[first] == '{';
    pipeline::Pipeline& p = is_json ? **json_p : **logfmt_p;
    pipeline::LabelsBuilder parsed(streams[l.stream].labels);
    parsed.Reset();
    std::string_view text = line;
    if (!p.Process(l.ts, &text, &parsed) || parsed.HasError()) continue;
    parsed.ForEach([&](std::string_view name, std::string_view value) {
      if (parsed.ParsedHas(name)) note(name, value, is_json ? "json" : "logfmt");
    });
  }
  return fields;
}

}  // namespace

void RegisterMetadataRoutes(ApiContext* ctx, http::Server* server) {
  auto labels_handler = [ctx](http::Request& req, http::Responder respond) {
    Handle(ctx, req, std::move(respond),
           [ctx](http::Request& req, Store* store, engine::Engine*, const std::string& tenant) {
             auto range = ParseRange(req, ctx->clock->NowNanos(), 6 * 3600 * kSecond);
             if (!range.ok()) return Error(400, range.status().message());
             std::vector<index::Matcher> matchers;
             bool scoped = !req.Param("query").empty();
             if (scoped) {
               auto m = logql::ParseMatchers(req.Param("query"));
               if (!m.ok()) return Error(400, m.status().message());
               matchers = std::move(*m);
             }
             // Labels and values count a stream whose data touches [start, end].
             int64_t end = EndExclusive(range->end);
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
             if (values->empty() && req.path.rfind(prefix, 0) == 0) {
               // Loki answers a label nobody has without `data`.
               return http::Response::Json(200, R"({"status":"success"})");
             }
             return JsonWithinLimit(Success(json(*values)),
                                    LimitsFor(store, tenant, ctx->parallelism));
           });
  };
  server->Route({"GET", "POST"}, "/loki/api/v1/labels", labels_handler);
  server->Route({"GET", "POST"}, "/loki/api/v1/label/*", labels_handler);

  // Label sets of the streams matching any match[] with data in [start, end].
  server->Route(
      {"GET", "POST"}, "/loki/api/v1/series", [ctx](http::Request& req, http::Responder respond) {
        Handle(ctx, req, std::move(respond),
               [ctx](http::Request& req, Store* store, engine::Engine*, const std::string& tenant) {
                 auto r = ParseRange(req, ctx->clock->NowNanos(), kDefaultSpan);
                 if (!r.ok()) return Error(400, r.status().message());
                 std::vector<std::string> selectors = req.Params("match[]");
                 if (selectors.empty()) selectors = req.Params("match");
                 std::vector<std::vector<index::Matcher>> groups;
                 for (const auto& s : selectors) {
                   auto m = logql::ParseMatchers(s);
                   if (!m.ok()) return Error(400, m.status().message());
                   groups.push_back(std::move(*m));
                 }
                 if (groups.empty()) groups.emplace_back();  // every stream
                 std::set<Labels> all;
                 for (const auto& g : groups) {
                   auto series = store->Series(tenant, g, r->start, EndExclusive(r->end));
                   if (!series.ok()) return Error(500, series.status().message());
                   all.insert(series->begin(), series->end());
                 }
                 json data = json::array();
                 for (const auto& ls : all) data.push_back(LabelsJson(ls));
                 return JsonWithinLimit(Success(std::move(data)),
                                        LimitsFor(store, tenant, ctx->parallelism));
               });
      });

  // {"streams":N,"chunks":N,"bytes":N,"entries":N}, without the envelope.
  server->Route(
      {"GET", "POST"}, "/loki/api/v1/index/stats",
      [ctx](http::Request& req, http::Responder respond) {
        Handle(ctx, req, std::move(respond),
               [ctx](http::Request& req, Store* store, engine::Engine*, const std::string& tenant) {
                 auto r = ParseRange(req, ctx->clock->NowNanos(), kDefaultSpan);
                 if (!r.ok()) return Error(400, r.status().message());
                 auto m = logql::ParseMatchers(req.Param("query"));
                 if (!m.ok()) return Error(400, m.status().message());
                 auto vols = store->Volumes(tenant, *m, r->start, EndExclusive(r->end));
                 if (!vols.ok()) return Error(500, vols.status().message());
                 uint64_t chunks = 0, bytes = 0, entries = 0;
                 for (const auto& v : *vols) {
                   chunks += v.chunks;
                   bytes += v.bytes;
                   entries += v.entries;
                 }
                 json out = {{"streams", vols->size()},
                             {"chunks", chunks},
                             {"bytes", bytes},
                             {"entries", entries}};
                 return http::Response::Json(200, out.dump());
               });
      });

  for (bool range : {false, true}) {
    server->Route({"GET", "POST"},
                  range ? "/loki/api/v1/index/volume_range" : "/loki/api/v1/index/volume",
                  [ctx, range](http::Request& req, http::Responder respond) {
                    Handle(ctx, req, std::move(respond),
                           [ctx, range](http::Request& req, Store* store, engine::Engine*,
                                        const std::string& tenant) {
                             return VolumeHandler(ctx, req, store, tenant, range);
                           });
                  });
  }

  // {"detectedLabels":[{"label":"app","cardinality":5},...]}, no envelope.
  server->Route(
      {"GET", "POST"}, "/loki/api/v1/detected_labels",
      [ctx](http::Request& req, http::Responder respond) {
        Handle(ctx, req, std::move(respond),
               [ctx](http::Request& req, Store* store, engine::Engine*, const std::string& tenant) {
                 auto r = ParseRange(req, ctx->clock->NowNanos(), kDefaultSpan);
                 if (!r.ok()) return Error(400, r.status().message());
                 std::vector<index::Matcher> matchers;
                 if (!req.Param("query").empty()) {
                   auto m = logql::ParseMatchers(req.Param("query"));
                   if (!m.ok()) return Error(400, m.status().message());
                   matchers = std::move(*m);
                 }
                 auto series = store->Series(tenant, matchers, r->start, EndExclusive(r->end));
                 if (!series.ok()) return Error(500, series.status().message());
                 std::map<std::string, std::set<std::string>> values;
                 for (const auto& ls : *series) {
                   for (const auto& l : ls) values[l.name].insert(l.value);
                 }
                 json list = json::array();
                 for (const auto& [name, vs] : values) {
                   if (!KeepDetectedLabel(name, vs)) continue;
                   list.push_back({{"label", name}, {"cardinality", vs.size()}});
                 }
                 json out = {{"detectedLabels", std::move(list)}};
                 return JsonWithinLimit(out.dump(), LimitsFor(store, tenant, ctx->parallelism));
               });
      });

  // /detected_fields: {"fields":[{"label","type","cardinality","parsers"}],
  // "limit":N}; /detected_field/<name>/values: {"values":[...],"limit":N}.
  auto fields_handler = [ctx](http::Request& req, http::Responder respond) {
    Handle(ctx, req, std::move(respond),
           [ctx](http::Request& req, Store* store, engine::Engine*, const std::string& tenant) {
             std::string value_of;
             const std::string prefix = "/loki/api/v1/detected_field/";
             if (req.path.rfind(prefix, 0) == 0) {
               std::string rest = req.path.substr(prefix.size());
               size_t slash = rest.find('/');
               if (slash == std::string::npos || slash == 0 || rest.substr(slash) != "/values") {
                 return Error(404, "404 page not found");
               }
               value_of = rest.substr(0, slash);
             }
             auto r = ParseRange(req, ctx->clock->NowNanos(), kDefaultSpan);
             if (!r.ok()) return Error(400, r.status().message());
             // Loki 3.4 reads at most 100 lines unless told otherwise (its
             // recorded cardinalities match the newest 100 entries).
             auto line_limit = IntParam(req, "line_limit", 100);
             if (!line_limit.ok()) return Error(400, line_limit.status().message());
             auto field_limit = IntParam(req, value_of.empty() ? "field_limit" : "limit", 1000);
             if (!field_limit.ok()) return Error(400, field_limit.status().message());
             const engine::QueryLimits limits = LimitsFor(store, tenant, ctx->parallelism);
             auto fields = DetectFields(store, ctx->clock, limits, tenant, req.Param("query"),
                                        r->start, r->end, *line_limit);
             if (!fields.ok())
               return Error(HttpStatusOf(fields.status()), fields.status().message());
             size_t limit = static_cast<size_t>(*field_limit);
             if (!value_of.empty()) {
               json values = json::array();
               auto it = fields->find(value_of);
               if (it != fields->end()) {
                 for (const auto& v : it->second.values) {
                   if (values.size() >= limit) break;
                   values.push_back(v);
                 }
               }
               json out = {{"values", std::move(values)}, {"limit", *field_limit}};
               return JsonWithinLimit(out.dump(-1, ' ', false, json::error_handler_t::replace),
                                      limits);
             }
             json list = json::array();
             for (const auto& [name, f] : *fields) {
               if (list.size() >= limit) break;
               json parsers = f.metadata_only ? json(nullptr) : json(f.parsers);
               list.push_back({{"label", name},
                               {"type", f.type},
                               {"cardinality", f.values.size()},
                               {"parsers", std::move(parsers)}});
             }
             json out = {{"fields", std::move(list)}, {"limit", *field_limit}};
             return JsonWithinLimit(out.dump(-1, ' ', false, json::error_handler_t::replace),
                                    limits);
           });
  };
  server->Route({"GET", "POST"}, "/loki/api/v1/detected_fields", fields_handler);
  server->Route({"GET", "POST"}, "/loki/api/v1/detected_field/*", fields_handler);

  // No pattern detection yet: an honest empty answer, as Loki gives with
  // pattern ingestion off.
  server->Route({"GET", "POST"}, "/loki/api/v1/patterns",
                [](http::Request&, http::Responder respond) {
                  respond(http::Response::Json(200, R"({"status":"success","data":[]})"));
                });

  // The query in its canonical form; parse errors as Loki's JSON body.
  server->Route({"GET", "POST"}, "/loki/api/v1/format_query",
                [](http::Request& req, http::Responder respond) {
                  auto expr = logql::ParseExpr(req.Param("query"));
                  if (!expr.ok()) {
                    // Loki writes "status" before "error"; nlohmann sorts keys.
                    std::string err = R"({"status":"invalid-query","error":)" +
                                      json(expr.status().message()).dump() + "}";
                    return respond(http::Response::Json(400, std::move(err)));
                  }
                  respond(http::Response::Json(200, Success(logql::Format(**expr))));
                });
}

}  // namespace logstack::logstore::api_internal
