#include "tests/testutil/push_client.h"

#include <snappy.h>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "push.pb.h"

namespace logstack::testutil {

namespace {

using json = nlohmann::json;
using ordered_json = nlohmann::ordered_json;
constexpr int64_t kSecond = 1'000'000'000;

std::string GoQuote(std::string_view v) {
  std::string out = "\"";
  for (unsigned char c : v) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out += "\"";
  return out;
}

// The labels of a Prometheus sample line: {a="1",b="2"} (escapes \\ \" \n).
// Returns false if the text does not parse.
bool ParseSampleLabels(std::string_view text, LabelList* out) {
  size_t i = 0;
  auto skip_ws = [&] {
    while (i < text.size() && (text[i] == ' ' || text[i] == ',')) i++;
  };
  while (true) {
    skip_ws();
    if (i >= text.size()) return true;
    size_t eq = text.find('=', i);
    if (eq == std::string_view::npos || eq + 1 >= text.size() || text[eq + 1] != '"') return false;
    std::string name(text.substr(i, eq - i));
    i = eq + 2;
    std::string value;
    while (i < text.size() && text[i] != '"') {
      if (text[i] == '\\' && i + 1 < text.size()) {
        char e = text[i + 1];
        value.push_back(e == 'n' ? '\n' : e);
        i += 2;
      } else {
        value.push_back(text[i++]);
      }
    }
    if (i >= text.size()) return false;
    i++;  // closing quote
    out->emplace_back(std::move(name), std::move(value));
  }
}

}  // namespace

std::string LabelsString(const LabelList& labels) {
  std::string out = "{";
  for (size_t i = 0; i < labels.size(); i++) {
    if (i > 0) out += ", ";
    out += labels[i].first + "=" + GoQuote(labels[i].second);
  }
  out += "}";
  return out;
}

std::string SerializeProtoPush(const std::vector<PushStream>& streams) {
  logproto::PushRequest req;
  for (const PushStream& s : streams) {
    logproto::StreamAdapter* sa = req.add_streams();
    sa->set_labels(s.raw_labels ? *s.raw_labels : LabelsString(s.labels));
    for (const PushEntry& e : s.entries) {
      logproto::EntryAdapter* ea = sa->add_entries();
      int64_t secs = e.ts_ns / kSecond;
      int64_t nanos = e.ts_ns % kSecond;
      if (nanos < 0) {
        secs--;
        nanos += kSecond;
      }
      ea->mutable_timestamp()->set_seconds(secs);
      ea->mutable_timestamp()->set_nanos(static_cast<int32_t>(nanos));
      ea->set_line(e.line);
      for (const auto& [k, v] : e.metadata) {
        logproto::LabelPairAdapter* md = ea->add_structuredmetadata();
        md->set_name(k);
        md->set_value(v);
      }
    }
  }
  std::string out;
  req.SerializeToString(&out);
  return out;
}

std::string EncodeProtoPush(const std::vector<PushStream>& streams) {
  return SnappyCompress(SerializeProtoPush(streams));
}

std::string EncodeJsonPush(const std::vector<PushStream>& streams) {
  ordered_json doc = {{"streams", ordered_json::array()}};
  for (const PushStream& s : streams) {
    ordered_json labels = ordered_json::object();
    for (const auto& [k, v] : s.labels) labels[k] = v;
    ordered_json values = ordered_json::array();
    for (const PushEntry& e : s.entries) {
      ordered_json value = ordered_json::array({std::to_string(e.ts_ns), e.line});
      if (!e.metadata.empty()) {
        ordered_json md = ordered_json::object();
        for (const auto& [k, v] : e.metadata) md[k] = v;
        value.push_back(std::move(md));
      }
      values.push_back(std::move(value));
    }
    doc["streams"].push_back({{"stream", std::move(labels)}, {"values", std::move(values)}});
  }
  return doc.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
}

std::string SnappyCompress(std::string_view raw) {
  std::string out;
  snappy::Compress(raw.data(), raw.size(), &out);
  return out;
}

std::string GzipCompress(std::string_view raw) {
  z_stream zs{};
  // windowBits 15 + 16: a gzip header and trailer.
  if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
      Z_OK) {
    std::abort();  // only on out-of-memory or bad constants: a bug in the test
  }
  std::string out(deflateBound(&zs, static_cast<uLong>(raw.size())), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(raw.data()));
  zs.avail_in = static_cast<uInt>(raw.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&zs, Z_FINISH);
  if (rc != Z_STREAM_END) std::abort();
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

StatusOr<HttpResult> Push(HttpClient& client, std::string_view body, std::string_view content_type,
                          std::string_view tenant, const HttpHeaders& extra_headers) {
  HttpHeaders headers;
  if (!content_type.empty()) headers.emplace_back("Content-Type", std::string(content_type));
  if (!tenant.empty()) headers.emplace_back("X-Scope-OrgID", std::string(tenant));
  headers.insert(headers.end(), extra_headers.begin(), extra_headers.end());
  return client.Post(kPushPath, body, headers);
}

StatusOr<HttpResult> PushProto(HttpClient& client, const std::vector<PushStream>& streams,
                               std::string_view tenant) {
  return Push(client, EncodeProtoPush(streams), kProtoContentType, tenant);
}

StatusOr<HttpResult> PushJson(HttpClient& client, const std::vector<PushStream>& streams,
                              std::string_view tenant) {
  return Push(client, EncodeJsonPush(streams), kJsonContentType, tenant);
}

int64_t NowNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

StatusOr<HttpResult> QueryRangeRaw(HttpClient& client, const QueryRangeParams& p) {
  std::string target = "/loki/api/v1/query_range?query=" + UrlEncode(p.query) +
                       "&start=" + std::to_string(p.start_ns) + "&end=" + std::to_string(p.end_ns) +
                       "&limit=" + std::to_string(p.limit) + "&direction=" + p.direction;
  HttpHeaders headers;
  if (!p.tenant.empty()) headers.emplace_back("X-Scope-OrgID", p.tenant);
  return client.Get(target, headers, std::chrono::milliseconds(60'000));
}

StatusOr<std::vector<QueriedEntry>> QueryRange(HttpClient& client, const QueryRangeParams& p) {
  LOGSTACK_ASSIGN_OR_RETURN(HttpResult r, QueryRangeRaw(client, p));
  if (r.status != 200) return FailedPrecondition("query_range " + p.query + ": " + r.Describe());
  json doc = json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("data") || !doc["data"].is_object()) {
    return Corruption("query_range answer is not a JSON object with data: " + r.Describe());
  }
  const json& data = doc["data"];
  if (data.value("resultType", "") != "streams" || !data.contains("result") ||
      !data["result"].is_array()) {
    return Corruption("query_range answer has no streams result: " + r.Describe());
  }
  std::vector<QueriedEntry> out;
  for (const json& s : data["result"]) {
    if (!s.is_object() || !s.contains("stream") || !s["stream"].is_object() ||
        !s.contains("values") || !s["values"].is_array()) {
      return Corruption("query_range stream is malformed: " + s.dump());
    }
    LabelList labels;
    for (const auto& [k, v] : s["stream"].items()) {
      if (!v.is_string()) return Corruption("label value is not a string: " + s.dump());
      labels.emplace_back(k, v.get<std::string>());
    }
    std::sort(labels.begin(), labels.end());
    for (const json& v : s["values"]) {
      if (!v.is_array() || v.size() < 2 || !v[0].is_string() || !v[1].is_string()) {
        return Corruption("query_range value is malformed: " + v.dump());
      }
      const std::string ts = v[0].get<std::string>();
      char* end = nullptr;
      long long n = std::strtoll(ts.c_str(), &end, 10);
      if (ts.empty() || *end != '\0') return Corruption("timestamp is not an integer: " + ts);
      out.push_back({labels, static_cast<int64_t>(n), v[1].get<std::string>()});
    }
  }
  return out;
}

StatusOr<std::vector<std::string>> GetStringList(HttpClient& client, std::string_view path,
                                                 std::string_view tenant) {
  HttpHeaders headers;
  if (!tenant.empty()) headers.emplace_back("X-Scope-OrgID", std::string(tenant));
  LOGSTACK_ASSIGN_OR_RETURN(HttpResult r, client.Get(path, headers));
  if (r.status != 200) return FailedPrecondition(std::string(path) + ": " + r.Describe());
  json doc = json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object() || doc.value("status", "") != "success") {
    return Corruption(std::string(path) + ": not a success answer: " + r.Describe());
  }
  std::vector<std::string> out;
  if (!doc.contains("data") || doc["data"].is_null()) return out;
  if (!doc["data"].is_array()) return Corruption(std::string(path) + ": data is not a list");
  for (const json& v : doc["data"]) {
    if (!v.is_string()) return Corruption(std::string(path) + ": data holds a non-string");
    out.push_back(v.get<std::string>());
  }
  return out;
}

std::optional<double> MetricValue(std::string_view text, std::string_view name,
                                  const LabelList& want) {
  std::optional<double> sum;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(pos, eol - pos);
    pos = eol + 1;
    if (line.empty() || line[0] == '#') continue;
    if (line.substr(0, name.size()) != name) continue;
    std::string_view rest = line.substr(name.size());
    LabelList labels;
    if (!rest.empty() && rest[0] == '{') {
      size_t close = rest.rfind('}');
      if (close == std::string_view::npos) continue;
      if (!ParseSampleLabels(rest.substr(1, close - 1), &labels)) continue;
      rest = rest.substr(close + 1);
    } else if (rest.empty() || rest[0] != ' ') {
      continue;  // another metric whose name starts with `name`
    }
    bool match = std::all_of(want.begin(), want.end(), [&](const auto& w) {
      return std::find(labels.begin(), labels.end(), w) != labels.end();
    });
    if (!match) continue;
    while (!rest.empty() && rest[0] == ' ') rest.remove_prefix(1);
    std::string value(rest.substr(0, rest.find(' ')));
    char* end = nullptr;
    double v = std::strtod(value.c_str(), &end);
    if (value.empty() || *end != '\0') continue;
    sum = sum.value_or(0) + v;
  }
  return sum;
}

}  // namespace logstack::testutil
