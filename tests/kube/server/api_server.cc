#include "tests/kube/server/api_server.h"

#include <algorithm>
#include <ctime>
#include <random>
#include <set>
#include <thread>

#include "tests/kube/server/cel.h"
#include "tests/kube/server/json_path.h"
#include "tests/kube/server/schema.h"

namespace logstack::kubetest {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

std::string Rfc3339Now() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

int64_t ParseRfc3339(const std::string& s) {
  std::tm tm{};
  if (!strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm)) return 0;
  return timegm(&tm);
}

std::string AgeOf(const std::string& timestamp);
std::string Age(const json& obj) { return AgeOf(obj["metadata"].value("creationTimestamp", "")); }

std::string NewUid() {
  static std::mutex mu;
  static std::mt19937_64 rng{std::random_device{}()};
  std::lock_guard lock(mu);
  uint64_t a = rng(), b = rng();
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xfff),
                static_cast<unsigned>(0x8000 | ((b >> 48) & 0x3fff)),
                static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return buf;
}

std::string RandomSuffix() {
  static std::mutex mu;
  static std::mt19937 rng{std::random_device{}()};
  static const char kChars[] = "bcdfghjklmnpqrstvwxz2456789";
  std::lock_guard lock(mu);
  std::string s;
  for (int i = 0; i < 5; ++i) s += kChars[rng() % (sizeof(kChars) - 1)];
  return s;
}

json StatusJson(int code, const std::string& reason, const std::string& message,
                json details = nullptr) {
  json s = {{"kind", "Status"},    {"apiVersion", "v1"}, {"metadata", json::object()},
            {"status", "Failure"}, {"message", message}, {"reason", reason},
            {"code", code}};
  if (!details.is_null()) s["details"] = std::move(details);
  return s;
}

HttpResponse JsonResponse(int code, const json& body) {
  HttpResponse r;
  r.status = code;
  r.body = body.dump();
  return r;
}

HttpResponse Error(int code, const std::string& reason, const std::string& message,
                   json details = nullptr) {
  return JsonResponse(code, StatusJson(code, reason, message, std::move(details)));
}

// "deployments.apps" or "configmaps", as the API server names a resource in messages.
std::string QualifiedResource(const ResourceType& t) {
  return t.group.empty() ? t.resource : t.resource + "." + t.group;
}

json Details(const ResourceType& t, const std::string& name) {
  json d = {{"name", name}, {"kind", t.resource}};
  if (!t.group.empty()) d["group"] = t.group;
  return d;
}

HttpResponse NotFoundError(const ResourceType& t, const std::string& name) {
  return Error(404, "NotFound", QualifiedResource(t) + " \"" + name + "\" not found",
               Details(t, name));
}

HttpResponse BadRequest(const std::string& message) { return Error(400, "BadRequest", message); }

std::string StoreKey(const std::string& ns, const std::string& name) { return ns + "/" + name; }

std::string MetaString(const json& obj, const char* field) {
  if (!obj.is_object() || !obj.contains("metadata") || !obj["metadata"].is_object()) return "";
  const json& m = obj["metadata"];
  return m.contains(field) && m[field].is_string() ? m[field].get<std::string>() : "";
}

bool HasFinalizers(const json& obj) {
  const json& m = obj["metadata"];
  return m.contains("finalizers") && m["finalizers"].is_array() && !m["finalizers"].empty();
}

// A DNS-1123 subdomain, as most object names must be.
bool ValidName(const std::string& name) {
  if (name.empty() || name.size() > 253) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && c != '-' && c != '.') return false;
    if ((i == 0 || i + 1 == name.size()) && !alnum) return false;
  }
  return true;
}

bool ValidPathSegmentName(const std::string& name) {
  return !name.empty() && name != "." && name != ".." &&
         name.find_first_of("/%") == std::string::npos;
}

json WithTypeMeta(json obj, const ResourceType& t) {
  obj["apiVersion"] = t.ApiVersion();
  obj["kind"] = t.kind;
  return obj;
}

json InvalidDetails(const ResourceType& t, const std::string& name,
                    const std::vector<FieldCause>& causes) {
  json d = {{"name", name}, {"group", t.group}, {"kind", t.kind}, {"causes", json::array()}};
  for (const auto& c : causes) {
    d["causes"].push_back({{"reason", c.reason}, {"message", c.message}, {"field", c.field}});
  }
  return d;
}

HttpResponse InvalidError(const ResourceType& t, const std::string& name,
                          const std::vector<FieldCause>& causes) {
  std::string list;
  for (const auto& c : causes) {
    list += (list.empty() ? "" : ", ") + (c.field.empty() ? "" : c.field + ": ") + c.message;
  }
  if (causes.size() > 1) list = "[" + list + "]";
  std::string kind = t.group.empty() ? t.kind : t.kind + "." + t.group;
  return Error(422, "Invalid", kind + " \"" + name + "\" is invalid: " + list,
               InvalidDetails(t, name, causes));
}

std::string HexEncode(const std::string& s) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

std::optional<std::string> HexDecode(const std::string& s) {
  if (s.size() % 2) return std::nullopt;
  std::string out;
  for (size_t i = 0; i < s.size(); i += 2) {
    int v = 0;
    for (int k = 0; k < 2; ++k) {
      char c = s[i + k];
      int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
      if (d < 0) return std::nullopt;
      v = v * 16 + d;
    }
    out += static_cast<char>(v);
  }
  return out;
}

// The object without the fields that do not count as its spec.
json SpecPart(const json& obj, bool has_status) {
  json s = obj;
  s.erase("metadata");
  if (has_status) s.erase("status");
  return s;
}

json ForComparison(const json& obj) {
  json c = obj;
  if (c.contains("metadata")) {
    c["metadata"].erase("resourceVersion");
    c["metadata"].erase("managedFields");
  }
  return c;
}

// Strategic-merge-patch directives this server does not model are dropped,
// turning the patch into a JSON merge patch.
void StripDirectives(json& patch) {
  if (patch.is_object()) {
    if (patch.contains("$patch") && patch["$patch"] == "delete") {
      patch = nullptr;
      return;
    }
    for (auto it = patch.begin(); it != patch.end();) {
      if (!it.key().empty() && it.key()[0] == '$') {
        it = patch.erase(it);
      } else {
        StripDirectives(it.value());
        ++it;
      }
    }
  } else if (patch.is_array()) {
    for (auto& e : patch) StripDirectives(e);
  }
}

std::string AgeOf(const std::string& timestamp) {
  int64_t secs = std::max<int64_t>(0, std::time(nullptr) - ParseRfc3339(timestamp));
  if (secs < 120) return std::to_string(secs) + "s";
  if (secs < 7200) return std::to_string(secs / 60) + "m";
  if (secs < 172800) return std::to_string(secs / 3600) + "h";
  return std::to_string(secs / 86400) + "d";
}

// Name, then a CRD version's additionalPrinterColumns, or Age.
json TableColumns(const ResourceType& t) {
  json cols = json::array({{{"name", "Name"},
                            {"type", "string"},
                            {"format", "name"},
                            {"description", "Name must be unique within a namespace."},
                            {"priority", 0}}});
  if (t.printer_columns.is_array() && !t.printer_columns.empty()) {
    for (const auto& c : t.printer_columns) {
      std::string type = c.value("type", "string");
      cols.push_back({{"name", c.value("name", "")},
                      {"type", type == "date" ? "string" : type},
                      {"format", c.value("format", "")},
                      {"description", c.value("description", "")},
                      {"priority", c.value("priority", 0)}});
    }
  } else {
    cols.push_back({{"name", "Age"},
                    {"type", "string"},
                    {"format", ""},
                    {"description", "Time since the object was created."},
                    {"priority", 0}});
  }
  return cols;
}

json TableRow(const ResourceType& t, const json& obj, const std::string& include) {
  json cells = json::array({MetaString(obj, "name")});
  if (t.printer_columns.is_array() && !t.printer_columns.empty()) {
    for (const auto& c : t.printer_columns) {
      const json* v = EvalJsonPath(obj, c.value("jsonPath", ""));
      if (!v) {
        cells.push_back(nullptr);
      } else if (c.value("type", "") == "date" && v->is_string()) {
        cells.push_back(AgeOf(v->get<std::string>()));
      } else {
        cells.push_back(*v);
      }
    }
  } else {
    cells.push_back(Age(obj));
  }
  json row = {{"cells", cells}};
  if (include == "Object") {
    row["object"] = obj;
  } else if (include != "None") {
    row["object"] = {{"kind", "PartialObjectMetadata"},
                     {"apiVersion", "meta.k8s.io/v1"},
                     {"metadata", obj["metadata"]}};
  }
  return row;
}

json Table(const ResourceType& type, const std::vector<json>& objs, const std::string& include,
           const std::string& rv, const std::string& cont) {
  json t = {{"kind", "Table"},
            {"apiVersion", "meta.k8s.io/v1"},
            {"metadata", {{"resourceVersion", rv}}},
            {"columnDefinitions", TableColumns(type)},
            {"rows", json::array()}};
  if (!cont.empty()) t["metadata"]["continue"] = cont;
  for (const auto& o : objs) t["rows"].push_back(TableRow(type, o, include));
  return t;
}

// The autoscaling/v1 Scale of an object with the scale subresource.
json ScaleOf(const ResourceType& t, const json& obj) {
  const json* spec = EvalJsonPath(obj, t.scale_spec_path);
  const json* status = EvalJsonPath(obj, t.scale_status_path);
  std::string selector;
  if (!t.scale_selector_path.empty()) {
    const json* sel = EvalJsonPath(obj, t.scale_selector_path);
    if (sel && sel->is_string()) selector = sel->get<std::string>();
  } else if (const json* ml = EvalJsonPath(obj, ".spec.selector.matchLabels");
             ml && ml->is_object()) {
    for (const auto& [k, v] : ml->items()) {
      selector += (selector.empty() ? "" : ",") + k + "=" +
                  (v.is_string() ? v.get<std::string>() : v.dump());
    }
  }
  json meta = {{"name", MetaString(obj, "name")},
               {"uid", MetaString(obj, "uid")},
               {"resourceVersion", MetaString(obj, "resourceVersion")},
               {"creationTimestamp", MetaString(obj, "creationTimestamp")}};
  if (!MetaString(obj, "namespace").empty()) meta["namespace"] = MetaString(obj, "namespace");
  json scale = {
      {"kind", "Scale"},
      {"apiVersion", "autoscaling/v1"},
      {"metadata", meta},
      {"spec", {{"replicas", spec && spec->is_number() ? spec->get<int64_t>() : 0}}},
      {"status", {{"replicas", status && status->is_number() ? status->get<int64_t>() : 0}}}};
  if (!selector.empty()) scale["status"]["selector"] = selector;
  return scale;
}

HttpResponse WithWarnings(HttpResponse r, const std::vector<std::string>& warnings) {
  for (const auto& w : warnings) r.headers.emplace_back("Warning", "299 - " + json(w).dump());
  return r;
}

bool WantsTable(const HttpRequest& req) { return req.accept.find("as=Table") != std::string::npos; }

std::string QueryOr(const HttpRequest& req, const std::string& key, const std::string& dflt = "") {
  auto it = req.query.find(key);
  return it == req.query.end() ? dflt : it->second;
}

bool QueryTrue(const HttpRequest& req, const std::string& key) {
  std::string v = QueryOr(req, key);
  return v == "true" || v == "1";
}

}  // namespace

// --- WatchStream -------------------------------------------------------------

WatchStream::Next WatchStream::Wait(std::chrono::milliseconds max_wait) {
  std::unique_lock lock(mu_);
  auto now = Clock::now();
  auto until = std::min(now + max_wait, end_);
  if (bookmarks_) until = std::min(until, last_bookmark_ + bookmark_interval_);
  cv_.wait_until(lock, until, [&] { return closed_ || !lines_.empty(); });
  if (!lines_.empty()) {
    std::string line = std::move(lines_.front());
    lines_.pop_front();
    return {Next::kLine, std::move(line)};
  }
  if (closed_) return {Next::kEnd, ""};
  now = Clock::now();
  if (now >= end_) {
    closed_ = true;
    return {Next::kEnd, ""};
  }
  if (bookmarks_ && now >= last_bookmark_ + bookmark_interval_) {
    last_bookmark_ = now;
    json obj = {{"kind", type_.kind},
                {"apiVersion", type_.ApiVersion()},
                {"metadata", {{"resourceVersion", std::to_string(seen_rv_)}}}};
    return {Next::kLine, json{{"type", "BOOKMARK"}, {"object", obj}}.dump() + "\n"};
  }
  return {Next::kIdle, ""};
}

void WatchStream::Close() {
  std::lock_guard lock(mu_);
  closed_ = true;
  cv_.notify_all();
}

bool WatchStream::closed() const {
  std::lock_guard lock(mu_);
  return closed_;
}

void WatchStream::Push(uint64_t rv, std::string line) {
  std::lock_guard lock(mu_);
  seen_rv_ = std::max(seen_rv_, rv);
  if (closed_ || line.empty()) return;
  lines_.push_back(std::move(line));
  cv_.notify_all();
}

void WatchStream::Offer(uint64_t rv) {
  std::lock_guard lock(mu_);
  seen_rv_ = std::max(seen_rv_, rv);
}

// --- ApiServer ---------------------------------------------------------------

struct ApiServer::Target {
  ResourceType type;
  std::string ns;
  std::string name;
  std::string sub;
};

ApiServer::ApiServer() : ApiServer(Options{}) {}

ApiServer::ApiServer(Options options)
    : options_(options), history_limit_(options.history_limit), gc_(options.garbage_collection) {
  std::lock_guard lock(mu_);
  const ResourceType ns_type = *registry_.Find("", "v1", "namespaces");
  for (const char* name : {"default", "kube-system", "kube-public", "kube-node-lease"}) {
    json ns = {{"apiVersion", "v1"},
               {"kind", "Namespace"},
               {"metadata",
                {{"name", name},
                 {"uid", NewUid()},
                 {"creationTimestamp", Rfc3339Now()},
                 {"labels", {{"kubernetes.io/metadata.name", name}}}}},
               {"spec", {{"finalizers", {"kubernetes"}}}},
               {"status", {{"phase", "Active"}}}};
    CommitLocked(ns_type, StoreKey("", name), "ADDED", ns, nullptr);
  }
}

ApiServer::~ApiServer() { CloseWatches(); }

void ApiServer::AddToken(const std::string& token, const std::string& user, Access access) {
  std::lock_guard lock(mu_);
  tokens_[token] = {user, access};
}

void ApiServer::RemoveToken(const std::string& token) {
  std::lock_guard lock(mu_);
  tokens_.erase(token);
}

void ApiServer::SetUserAccess(const std::string& user, Access access) {
  std::lock_guard lock(mu_);
  user_access_[user] = access;
}

Access ApiServer::CertificateAccessLocked(const PeerCertificate& cert) const {
  if (auto it = user_access_.find(cert.user); it != user_access_.end()) return it->second;
  for (const std::string& g : cert.groups) {
    if (g == "system:masters") return Access::kFull;
  }
  return Access::kNone;
}

uint64_t ApiServer::CurrentResourceVersion() const {
  std::lock_guard lock(mu_);
  return rv_;
}

size_t ApiServer::OpenWatchCount() const {
  std::lock_guard lock(mu_);
  size_t n = 0;
  for (const auto& w : watches_) {
    if (auto p = w.lock(); p && !p->closed()) ++n;
  }
  return n;
}

void ApiServer::CloseWatches() {
  std::vector<WatchStreamPtr> open;
  {
    std::lock_guard lock(mu_);
    for (const auto& w : watches_) {
      if (auto p = w.lock()) open.push_back(p);
    }
    watches_.clear();
  }
  for (auto& w : open) w->Close();
}

void ApiServer::FailNext(const std::string& path_prefix, int count, int code,
                         int retry_after_seconds, const std::string& method) {
  std::lock_guard lock(mu_);
  faults_.push_back({path_prefix, method, count, code, retry_after_seconds, {}});
}

void ApiServer::DelayRequests(const std::string& path_prefix, std::chrono::milliseconds delay,
                              int count) {
  std::lock_guard lock(mu_);
  faults_.push_back({path_prefix, "", count, 0, 0, delay});
}

void ApiServer::ClearFaults() {
  std::lock_guard lock(mu_);
  faults_.clear();
}

void ApiServer::CompactHistory() {
  std::lock_guard lock(mu_);
  // The counter moves on so that every resourceVersion handed out so far is
  // expired while a fresh list gets one that is not.
  history_.clear();
  compacted_rv_ = ++rv_;
}

void ApiServer::SetHistoryLimit(size_t limit) {
  std::lock_guard lock(mu_);
  history_limit_ = std::max<size_t>(1, limit);
  while (history_.size() > history_limit_) {
    compacted_rv_ = std::max(compacted_rv_, history_.front().rv);
    history_.pop_front();
  }
}

void ApiServer::SetGarbageCollection(bool enabled) {
  std::lock_guard lock(mu_);
  gc_ = enabled;
}

std::optional<HttpResponse> ApiServer::ApplyFaults(const HttpRequest& req) {
  std::chrono::milliseconds delay{0};
  std::optional<HttpResponse> failure;
  {
    std::lock_guard lock(mu_);
    for (auto it = faults_.begin(); it != faults_.end();) {
      bool match = req.path.rfind(it->prefix, 0) == 0 &&
                   (it->method.empty() || it->method == req.method) && it->count != 0;
      if (match) {
        if (it->code == 0) {
          delay = std::max(delay, it->delay);
        } else if (!failure) {
          std::string reason = it->code == 429   ? "TooManyRequests"
                               : it->code == 503 ? "ServiceUnavailable"
                               : it->code == 504 ? "Timeout"
                                                 : "InternalError";
          failure = Error(it->code, reason, "injected fault: " + reason,
                          json{{"retryAfterSeconds", it->retry_after}});
          if (it->code == 429 || it->code == 503) {
            failure->headers.emplace_back("Retry-After", std::to_string(it->retry_after));
          }
        } else {
          ++it;
          continue;
        }
        if (it->count > 0 && --it->count == 0) {
          it = faults_.erase(it);
          continue;
        }
      }
      ++it;
    }
  }
  if (delay.count() > 0) std::this_thread::sleep_for(delay);
  return failure;
}

HttpRequest MakeRequest(const std::string& method, const std::string& target,
                        const std::string& body, const std::string& content_type) {
  HttpRequest req;
  req.method = method;
  auto q = target.find('?');
  req.path = target.substr(0, q);
  if (q != std::string::npos) {
    std::string query = target.substr(q + 1);
    size_t start = 0;
    while (start <= query.size()) {
      size_t amp = query.find('&', start);
      std::string kv = query.substr(start, amp == std::string::npos ? amp : amp - start);
      auto eq = kv.find('=');
      if (!kv.empty()) {
        req.query[kv.substr(0, eq)] = eq == std::string::npos ? "" : kv.substr(eq + 1);
      }
      if (amp == std::string::npos) break;
      start = amp + 1;
    }
  }
  req.content_type = content_type;
  req.accept = "application/json";
  req.body = body;
  return req;
}

ApiServer::CallResult ApiServer::Call(const std::string& method, const std::string& path,
                                      const json& body, const std::string& content_type) {
  HttpRequest req = MakeRequest(method, path, body.is_null() ? "" : body.dump(), content_type);
  HttpResponse resp = HandleResource(req, Access::kFull);
  json parsed = json::parse(resp.body, nullptr, false);
  return {resp.status, parsed.is_discarded() ? json(resp.body) : parsed};
}

HttpResponse ApiServer::Handle(const HttpRequest& req) {
  ++requests_;
  if ((req.method == "POST" || req.method == "PUT" || req.method == "PATCH" ||
       req.method == "DELETE") &&
      req.path.rfind("/testserver/", 0) != 0) {
    ++write_requests_;
  }
  if (req.path == "/healthz" || req.path == "/livez" || req.path == "/readyz") {
    HttpResponse r;
    r.content_type = "text/plain; charset=utf-8";
    r.body = "ok";
    return r;
  }
  if (auto failure = ApplyFaults(req)) return *failure;

  Access access = Access::kFull;
  std::string user = "admin";
  {
    std::lock_guard lock(mu_);
    const std::optional<PeerCertificate>& cert = req.client_certificate;
    const std::string prefix = "Bearer ";
    auto token = req.authorization.rfind(prefix, 0) == 0
                     ? tokens_.find(req.authorization.substr(prefix.size()))
                     : tokens_.end();
    if (cert && cert->verified) {
      user = cert->user;
      access = CertificateAccessLocked(*cert);
    } else if (token != tokens_.end()) {
      user = token->second.first;
      access = token->second.second;
    } else if (!tokens_.empty() || cert) {
      return Error(401, "Unauthorized", "Unauthorized");
    }
  }
  if (req.path == "/version") {
    return JsonResponse(200, {{"major", "1"},
                              {"minor", "32"},
                              {"gitVersion", "v1.32.0-logstack-testserver"},
                              {"gitCommit", "0000000000000000000000000000000000000000"},
                              {"gitTreeState", "clean"},
                              {"buildDate", "2025-01-01T00:00:00Z"},
                              {"goVersion", "go1.23.0"},
                              {"compiler", "gc"},
                              {"platform", "linux/amd64"}});
  }
  if (access == Access::kNone) {
    return Error(
        403, "Forbidden",
        "forbidden: User \"" + user + "\" cannot " + req.method + " path \"" + req.path + "\"",
        json{{"kind", req.path}});
  }
  if (req.path.rfind("/testserver/", 0) == 0) {
    if (access != Access::kFull) return Error(403, "Forbidden", "forbidden");
    return HandleControl(req);
  }
  return HandleResource(req, access);
}

HttpResponse ApiServer::HandleControl(const HttpRequest& req) {
  const std::string op = req.path.substr(std::string("/testserver/").size());
  auto num = [&](const char* key, int dflt) {
    std::string v = QueryOr(req, key);
    return v.empty() ? dflt : std::atoi(v.c_str());
  };
  if (op == "close-watches") {
    CloseWatches();
  } else if (op == "fail") {
    FailNext(QueryOr(req, "prefix", "/"), num("count", 1), num("code", 500), num("retryAfter", 1),
             QueryOr(req, "method"));
  } else if (op == "delay") {
    DelayRequests(QueryOr(req, "prefix", "/"), std::chrono::milliseconds(num("ms", 1000)),
                  num("count", -1));
  } else if (op == "clear-faults") {
    ClearFaults();
  } else if (op == "token") {
    const std::string token = QueryOr(req, "token");
    const std::string access = QueryOr(req, "access", "full");
    if (token.empty()) return BadRequest("token= is required");
    if (access == "remove") {
      RemoveToken(token);
    } else {
      AddToken(token, QueryOr(req, "user", "user"),
               access == "read"   ? Access::kReadOnly
               : access == "none" ? Access::kNone
                                  : Access::kFull);
    }
  } else if (op == "user") {
    const std::string user = QueryOr(req, "user");
    const std::string access = QueryOr(req, "access", "full");
    if (user.empty()) return BadRequest("user= is required");
    SetUserAccess(user, access == "read"   ? Access::kReadOnly
                        : access == "none" ? Access::kNone
                                           : Access::kFull);
  } else if (op == "compact") {
    CompactHistory();
  } else if (op == "gc") {
    SetGarbageCollection(QueryTrue(req, "enabled"));
  } else {
    return Error(404, "NotFound", "unknown test server control " + op);
  }
  return JsonResponse(
      200, {{"ok", true}, {"resourceVersion", std::to_string(CurrentResourceVersion())}});
}

HttpResponse ApiServer::HandleResource(const HttpRequest& req, Access access) {
  std::vector<std::string> seg;
  for (size_t start = 0; start < req.path.size();) {
    size_t slash = req.path.find('/', start);
    if (slash == std::string::npos) slash = req.path.size();
    if (slash > start) seg.push_back(req.path.substr(start, slash - start));
    start = slash + 1;
  }
  auto not_found = [] {
    return Error(
        404, "NotFound", "the server could not find the requested resource",
        json{{"causes",
              {{{"reason", "UnexpectedServerResponse"}, {"message", "404 page not found"}}}}});
  };
  if (req.method == "GET" || req.method == "HEAD") {
    std::lock_guard lock(mu_);
    if (seg.size() >= 2 && seg[0] == "openapi" && seg[1] == "v3") {
      if (seg.size() == 2) return JsonResponse(200, registry_.OpenApiIndex());
      std::optional<json> doc;
      if (seg.size() == 4 && seg[2] == "api") doc = registry_.OpenApiDoc("", seg[3]);
      if (seg.size() == 5 && seg[2] == "apis") doc = registry_.OpenApiDoc(seg[3], seg[4]);
      if (doc) return JsonResponse(200, *doc);
      return not_found();
    }
    if (seg.size() == 1 && seg[0] == "api") return JsonResponse(200, registry_.CoreVersions());
    if (seg.size() == 1 && seg[0] == "apis") return JsonResponse(200, registry_.GroupList());
    if (seg.size() == 2 && seg[0] == "api") {
      if (auto l = registry_.ResourceList("", seg[1])) return JsonResponse(200, *l);
      return not_found();
    }
    if (seg.size() == 2 && seg[0] == "apis") {
      json g = registry_.GroupList();
      for (const auto& group : g["groups"]) {
        if (group["name"] == seg[1]) {
          json out = group;
          out["kind"] = "APIGroup";
          out["apiVersion"] = "v1";
          return JsonResponse(200, out);
        }
      }
      return not_found();
    }
    if (seg.size() == 3 && seg[0] == "apis") {
      if (auto l = registry_.ResourceList(seg[1], seg[2])) return JsonResponse(200, *l);
      return not_found();
    }
  }
  std::string group, version;
  size_t rest;
  if (seg.size() >= 3 && seg[0] == "api") {
    version = seg[1];
    rest = 2;
  } else if (seg.size() >= 4 && seg[0] == "apis") {
    group = seg[1];
    version = seg[2];
    rest = 3;
  } else {
    return not_found();
  }
  Target t;
  {
    std::lock_guard lock(mu_);
    std::vector<std::string> r(seg.begin() + rest, seg.end());
    const ResourceType* type = nullptr;
    if (r.size() >= 3 && r[0] == "namespaces") {
      type = registry_.Find(group, version, r[2]);
      if (type && type->namespaced) {
        t.ns = r[1];
        r.erase(r.begin(), r.begin() + 2);
      } else {
        type = nullptr;
      }
    }
    if (!type) {
      type = registry_.Find(group, version, r[0]);
      if (!type) return not_found();
      if (type->namespaced && r.size() > 1) return not_found();
    }
    if (r.size() > 3) return not_found();
    t.type = *type;
    if (r.size() >= 2) t.name = r[1];
    if (r.size() == 3) {
      t.sub = r[2];
      const bool ok_sub = (t.sub == "status" && t.type.has_status) ||
                          (t.sub == "scale" && !t.type.scale_spec_path.empty());
      if (!ok_sub) return not_found();
    }
  }
  const bool read = req.method == "GET" || req.method == "HEAD";
  if (!read && !req.body.empty() && req.content_type.find("protobuf") != std::string::npos) {
    // Only JSON is spoken here; client-go then retries in JSON.
    return Error(415, "UnsupportedMediaType",
                 "the body of the request was in an unknown format - accepted media types "
                 "include: application/json, application/yaml");
  }
  if (!read && access != Access::kFull) {
    std::string verb = req.method == "POST"    ? "create"
                       : req.method == "PUT"   ? "update"
                       : req.method == "PATCH" ? "patch"
                                               : "delete";
    return Error(403, "Forbidden",
                 QualifiedResource(t.type) + " is forbidden: User cannot " + verb + " resource \"" +
                     t.type.resource + "\" in API group \"" + t.type.group + "\"",
                 Details(t.type, t.name));
  }
  if (t.sub == "scale") return Scale(t, req);
  if (read) {
    if (QueryTrue(req, "watch")) return Watch(t, req);
    if (!t.name.empty()) return Get(t, req);
    return List(t, req);
  }
  if (req.method == "POST") {
    if (!t.name.empty() || (t.type.namespaced && t.ns.empty())) {
      return Error(405, "MethodNotAllowed",
                   "the server does not allow this method on the requested resource");
    }
    return Create(t, req);
  }
  if (req.method == "PUT" && !t.name.empty()) {
    json body = json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object())
      return BadRequest("the request body is not a JSON object");
    std::lock_guard lock(mu_);
    return Update(t, req, std::move(body), false);
  }
  if (req.method == "PATCH" && !t.name.empty()) return Patch(t, req);
  if (req.method == "DELETE") return t.name.empty() ? DeleteCollection(t, req) : Delete(t, req);
  return Error(405, "MethodNotAllowed",
               "the server does not allow this method on the requested resource");
}

std::optional<ResourceType> ApiServer::TypeForStorageKeyLocked(const std::string& sk) const {
  auto slash = sk.find('/');
  auto versions = registry_.Versions(sk.substr(0, slash), sk.substr(slash + 1));
  if (versions.empty()) return std::nullopt;
  return *versions.front();
}

std::string ApiServer::EncodeEventLocked(const WatchStream& w, const Event& e) const {
  if (e.storage_key != w.type_.StorageKey()) return "";
  auto matches = [&](const json& obj) {
    if (!obj.is_object()) return false;
    if (!w.namespace_.empty() && MetaString(obj, "namespace") != w.namespace_) return false;
    const json& m = obj["metadata"];
    return w.labels_.Matches(m.contains("labels") ? m["labels"] : json()) && w.fields_.Matches(obj);
  };
  std::string type = e.type;
  if (type == "MODIFIED") {
    bool was = matches(e.previous), is = matches(e.object);
    if (!was && !is) return "";
    if (!was) type = "ADDED";
    if (!is) type = "DELETED";
  } else if (!matches(e.object)) {
    return "";
  }
  json obj = WithTypeMeta(e.object, w.type_);
  if (w.table_) obj = Table(w.type_, {obj}, "Object", std::to_string(e.rv), "");
  return json{{"type", type}, {"object", obj}}.dump() + "\n";
}

json ApiServer::CommitLocked(const ResourceType& type, const std::string& key,
                             const std::string& event_type, json object, json previous) {
  const uint64_t rv = ++rv_;
  object["metadata"]["resourceVersion"] = std::to_string(rv);
  auto& coll = store_[type.StorageKey()];
  if (event_type == "DELETED") {
    coll.erase(key);
  } else {
    coll[key] = object;
  }
  history_.push_back({rv, event_type, type.StorageKey(), object, std::move(previous)});
  while (history_.size() > history_limit_) {
    compacted_rv_ = std::max(compacted_rv_, history_.front().rv);
    history_.pop_front();
  }
  const Event& e = history_.back();
  std::erase_if(watches_, [&](const std::weak_ptr<WatchStream>& weak) {
    auto w = weak.lock();
    if (!w || w->closed()) return true;
    w->Push(rv, EncodeEventLocked(*w, e));
    return false;
  });
  return object;
}

json ApiServer::RemoveLocked(const ResourceType& type, const std::string& key, json object) {
  json removed = CommitLocked(type, key, "DELETED", std::move(object), nullptr);
  if (type.group == "apiextensions.k8s.io" && type.resource == "customresourcedefinitions") {
    auto cr_type = [&]() -> std::optional<ResourceType> {
      const json& spec = removed["spec"];
      return TypeForStorageKeyLocked(spec.value("group", "") + "/" +
                                     spec["names"].value("plural", ""));
    }();
    if (cr_type) {
      auto coll = store_[cr_type->StorageKey()];
      for (auto& [k, obj] : coll) CommitLocked(*cr_type, k, "DELETED", obj, nullptr);
      store_.erase(cr_type->StorageKey());
      for (auto& weak : watches_) {
        if (auto w = weak.lock(); w && w->type_.StorageKey() == cr_type->StorageKey()) w->Close();
      }
    }
    registry_.UnregisterCrd(removed);
  } else if (type.group.empty() && type.resource == "namespaces") {
    const std::string ns = MetaString(removed, "name");
    for (auto& [sk, coll] : store_) {
      auto t = TypeForStorageKeyLocked(sk);
      if (!t || !t->namespaced) continue;
      std::vector<std::pair<std::string, json>> doomed;
      for (auto& [k, obj] : coll) {
        if (MetaString(obj, "namespace") == ns) doomed.emplace_back(k, obj);
      }
      for (auto& [k, obj] : doomed) CommitLocked(*t, k, "DELETED", obj, nullptr);
    }
  }
  if (gc_) CollectGarbageLocked();
  return removed;
}

void ApiServer::CollectGarbageLocked() {
  // Like the garbage collector controller: an object all of whose owners are
  // gone is deleted (finalizers respected).
  for (bool changed = true; changed;) {
    changed = false;
    std::set<std::string> uids;
    for (const auto& [sk, coll] : store_) {
      for (const auto& [k, obj] : coll) uids.insert(MetaString(obj, "uid"));
    }
    for (auto& [sk, coll] : store_) {
      auto t = TypeForStorageKeyLocked(sk);
      if (!t) continue;
      for (auto& [k, obj] : coll) {
        const json& m = obj["metadata"];
        if (!m.contains("ownerReferences") || !m["ownerReferences"].is_array() ||
            m["ownerReferences"].empty()) {
          continue;
        }
        bool orphaned = true;
        for (const auto& ref : m["ownerReferences"]) {
          if (uids.count(ref.value("uid", ""))) orphaned = false;
        }
        if (!orphaned) continue;
        if (HasFinalizers(obj)) {
          if (m.contains("deletionTimestamp")) continue;
          json next = obj;
          next["metadata"]["deletionTimestamp"] = Rfc3339Now();
          next["metadata"]["deletionGracePeriodSeconds"] = 0;
          CommitLocked(*t, k, "MODIFIED", next, obj);
        } else {
          std::string key = k;
          json copy = obj;
          RemoveLocked(*t, key, copy);
        }
        changed = true;
        break;  // the store changed under the iterators
      }
      if (changed) break;
    }
  }
}

void ApiServer::OrphanDependentsLocked(const std::string& owner_uid) {
  for (auto& [sk, coll] : store_) {
    auto t = TypeForStorageKeyLocked(sk);
    if (!t) continue;
    std::vector<std::pair<std::string, json>> changed;
    for (auto& [k, obj] : coll) {
      const json& m = obj["metadata"];
      if (!m.contains("ownerReferences") || !m["ownerReferences"].is_array()) continue;
      json refs = json::array();
      for (const auto& ref : m["ownerReferences"]) {
        if (ref.value("uid", "") != owner_uid) refs.push_back(ref);
      }
      if (refs.size() == m["ownerReferences"].size()) continue;
      json next = obj;
      if (refs.empty()) {
        next["metadata"].erase("ownerReferences");
      } else {
        next["metadata"]["ownerReferences"] = refs;
      }
      changed.emplace_back(k, next);
    }
    for (auto& [k, next] : changed) CommitLocked(*t, k, "MODIFIED", next, coll[k]);
  }
}

std::optional<HttpResponse> ApiServer::PrepareLocked(const Target& t, json& object,
                                                     const std::string& field_validation,
                                                     std::vector<std::string>* warnings,
                                                     const json* old) {
  const std::string name = MetaString(object, "name");
  // RBAC objects only need to be valid path segments ("system:auth-delegator").
  const bool path_segment_name = t.type.group == "rbac.authorization.k8s.io";
  if (path_segment_name ? !ValidPathSegmentName(name) : !ValidName(name)) {
    return InvalidError(t.type, name,
                        {{"FieldValueInvalid",
                          "Invalid value: \"" + name +
                              "\": a lowercase RFC 1123 subdomain must consist of lower case "
                              "alphanumeric characters, '-' or '.', and must start and end with "
                              "an alphanumeric character",
                          "metadata.name"}});
  }
  if (t.type.custom && !t.type.schema.is_null()) {
    std::vector<std::string> pruned;
    auto causes = PrepareCustomResource(t.type.schema, object, &pruned, old);
    if (!pruned.empty() && field_validation == "Strict") {
      std::string list;
      for (const auto& p : pruned)
        list += (list.empty() ? "" : ", ") + ("unknown field \"" + p + "\"");
      return BadRequest(t.type.kind + " in version \"" + t.type.version +
                        "\" cannot be handled as a " + t.type.kind +
                        ": strict decoding error: " + list);
    }
    if (!pruned.empty() && field_validation == "Warn" && warnings) {
      for (const auto& p : pruned) warnings->push_back("unknown field \"" + p + "\"");
    }
    if (!causes.empty()) return InvalidError(t.type, name, causes);
  }
  if (t.type.group == "apiextensions.k8s.io" && t.type.resource == "customresourcedefinitions") {
    const json& spec = object.value("spec", json::object());
    std::vector<FieldCause> causes;
    const std::string group = spec.value("group", "");
    const json names = spec.value("names", json::object());
    const std::string plural = names.value("plural", "");
    if (group.empty()) causes.push_back({"FieldValueRequired", "Required value", "spec.group"});
    if (plural.empty()) {
      causes.push_back({"FieldValueRequired", "Required value", "spec.names.plural"});
    }
    if (names.value("kind", "").empty()) {
      causes.push_back({"FieldValueRequired", "Required value", "spec.names.kind"});
    }
    if (!spec.contains("versions") || !spec["versions"].is_array() || spec["versions"].empty()) {
      causes.push_back({"FieldValueRequired", "Required value", "spec.versions"});
    }
    if (!plural.empty() && !group.empty() && name != plural + "." + group) {
      causes.push_back(
          {"FieldValueInvalid",
           "Invalid value: \"" + name + "\": must be spec.names.plural+\".\"+spec.group",
           "metadata.name"});
    }
    auto rule_causes = cel::CheckCrdRules(spec);
    causes.insert(causes.end(), rule_causes.begin(), rule_causes.end());
    const std::string scope = spec.value("scope", "");
    if (scope != "Namespaced" && scope != "Cluster") {
      causes.push_back(
          {"FieldValueNotSupported",
           "Unsupported value: \"" + scope + "\": supported values: \"Cluster\", \"Namespaced\"",
           "spec.scope"});
    }
    if (!causes.empty()) return InvalidError(t.type, name, causes);
  }
  return std::nullopt;
}

HttpResponse ApiServer::Get(const Target& t, const HttpRequest& req) {
  std::lock_guard lock(mu_);
  auto& coll = store_[t.type.StorageKey()];
  auto it = coll.find(StoreKey(t.ns, t.name));
  if (it == coll.end()) return NotFoundError(t.type, t.name);
  json obj = WithTypeMeta(it->second, t.type);
  if (WantsTable(req)) {
    return JsonResponse(200, Table(t.type, {obj}, QueryOr(req, "includeObject", "Metadata"),
                                   MetaString(obj, "resourceVersion"), ""));
  }
  return JsonResponse(200, obj);
}

namespace {

// Checks that a field selector only names fields the resource supports.
std::optional<HttpResponse> CheckFields(const ResourceType& t, const FieldSelector& fs) {
  for (const auto& r : fs.requirements()) {
    if (r.field == "metadata.name" || r.field == "metadata.namespace") continue;
    if (std::find(t.field_selectors.begin(), t.field_selectors.end(), r.field) !=
        t.field_selectors.end()) {
      continue;
    }
    return BadRequest("field label not supported: " + r.field);
  }
  return std::nullopt;
}

}  // namespace

HttpResponse ApiServer::List(const Target& t, const HttpRequest& req) {
  auto labels = LabelSelector::Parse(QueryOr(req, "labelSelector"));
  if (!labels.ok()) return BadRequest("unable to parse requirement: " + labels.status().message());
  auto fields = FieldSelector::Parse(QueryOr(req, "fieldSelector"));
  if (!fields.ok()) return BadRequest(fields.status().message());
  if (auto err = CheckFields(t.type, *fields)) return *err;
  size_t limit = 0;
  if (std::string l = QueryOr(req, "limit"); !l.empty())
    limit = std::strtoull(l.c_str(), nullptr, 10);

  std::lock_guard lock(mu_);
  std::string start;
  uint64_t list_rv = rv_;
  if (std::string c = QueryOr(req, "continue"); !c.empty()) {
    auto decoded = HexDecode(c);
    json token = decoded ? json::parse(*decoded, nullptr, false) : json();
    if (!token.is_object() || !token.contains("rv") || !token.contains("start")) {
      return BadRequest("continue key is not valid: incorrect encoded start resourceVersion");
    }
    list_rv = token["rv"].get<uint64_t>();
    if (list_rv < compacted_rv_) {
      return Error(410, "Expired",
                   "The provided continue parameter is too old to display a consistent list "
                   "result. You can start a new list without the continue parameter, or use the "
                   "continue token in this response to retrieve the remainder of the results. "
                   "Continuing with the provided token results in an inconsistent list - objects "
                   "that were created, modified, or deleted between the time the first chunk was "
                   "returned and now may show up in the list.");
    }
    start = token["start"].get<std::string>();
  }
  const auto& coll = store_[t.type.StorageKey()];
  std::vector<json> items;
  std::string last_key;
  size_t remaining = 0;
  for (auto it = start.empty() ? coll.begin() : coll.upper_bound(start); it != coll.end(); ++it) {
    const json& obj = it->second;
    if (!t.ns.empty() && MetaString(obj, "namespace") != t.ns) continue;
    const json& m = obj["metadata"];
    if (!labels->Matches(m.contains("labels") ? m["labels"] : json())) continue;
    if (!fields->Matches(obj)) continue;
    if (limit > 0 && items.size() >= limit) {
      ++remaining;
      continue;
    }
    items.push_back(WithTypeMeta(obj, t.type));
    last_key = it->first;
  }
  std::string cont;
  if (remaining > 0) cont = HexEncode(json{{"rv", list_rv}, {"start", last_key}}.dump());
  if (WantsTable(req)) {
    return JsonResponse(200, Table(t.type, items, QueryOr(req, "includeObject", "Metadata"),
                                   std::to_string(list_rv), cont));
  }
  json list = {{"kind", t.type.list_kind},
               {"apiVersion", t.type.ApiVersion()},
               {"metadata", {{"resourceVersion", std::to_string(list_rv)}}},
               {"items", items}};
  if (!cont.empty()) {
    list["metadata"]["continue"] = cont;
    list["metadata"]["remainingItemCount"] = remaining;
  }
  return JsonResponse(200, list);
}

HttpResponse ApiServer::Watch(const Target& t, const HttpRequest& req) {
  auto labels = LabelSelector::Parse(QueryOr(req, "labelSelector"));
  if (!labels.ok()) return BadRequest("unable to parse requirement: " + labels.status().message());
  auto fields = FieldSelector::Parse(QueryOr(req, "fieldSelector"));
  if (!fields.ok()) return BadRequest(fields.status().message());
  if (auto err = CheckFields(t.type, *fields)) return *err;
  if (!t.name.empty()) {
    // A watch on a single object is a watch with a metadata.name selector.
    fields = FieldSelector::Parse("metadata.name=" + t.name);
  }
  auto w = std::make_shared<WatchStream>();
  w->type_ = t.type;
  w->namespace_ = t.ns;
  w->labels_ = *labels;
  w->fields_ = *fields;
  w->table_ = WantsTable(req);
  w->bookmarks_ = QueryTrue(req, "allowWatchBookmarks");
  w->bookmark_interval_ = options_.bookmark_interval;
  w->last_bookmark_ = Clock::now();
  w->end_ = Clock::now() + std::chrono::hours(24 * 365);
  if (std::string s = QueryOr(req, "timeoutSeconds"); !s.empty()) {
    w->end_ = Clock::now() + std::chrono::seconds(std::atoll(s.c_str()));
  }
  const std::string rv_param = QueryOr(req, "resourceVersion");
  const bool initial = rv_param.empty() || rv_param == "0" || QueryTrue(req, "sendInitialEvents");

  HttpResponse resp;
  resp.watch = w;
  std::lock_guard lock(mu_);
  w->seen_rv_ = rv_;
  if (initial) {
    for (const auto& [k, obj] : store_[t.type.StorageKey()]) {
      Event e{rv_, "ADDED", t.type.StorageKey(), obj, nullptr};
      std::string line = EncodeEventLocked(*w, e);
      if (!line.empty()) w->lines_.push_back(std::move(line));
    }
    if (QueryTrue(req, "sendInitialEvents") && w->bookmarks_) {
      json obj = {{"kind", t.type.kind},
                  {"apiVersion", t.type.ApiVersion()},
                  {"metadata",
                   {{"resourceVersion", std::to_string(rv_)},
                    {"annotations", {{"k8s.io/initial-events-end", "true"}}}}}};
      w->lines_.push_back(json{{"type", "BOOKMARK"}, {"object", obj}}.dump() + "\n");
    }
  } else {
    char* end = nullptr;
    uint64_t from = std::strtoull(rv_param.c_str(), &end, 10);
    if (end == rv_param.c_str() || *end != '\0') {
      return Error(400, "BadRequest", "invalid resource version: " + rv_param);
    }
    if (from < compacted_rv_) {
      // As the real server does: the stream starts, then carries one ERROR event.
      json status = StatusJson(
          410, "Expired",
          "too old resource version: " + rv_param + " (" + std::to_string(compacted_rv_ + 1) + ")");
      w->lines_.push_back(json{{"type", "ERROR"}, {"object", status}}.dump() + "\n");
      w->closed_ = true;
      return resp;
    }
    for (const auto& e : history_) {
      if (e.rv <= from) continue;
      std::string line = EncodeEventLocked(*w, e);
      if (!line.empty()) w->lines_.push_back(std::move(line));
    }
  }
  watches_.push_back(w);
  return resp;
}

HttpResponse ApiServer::Create(const Target& t, const HttpRequest& req) {
  json obj = json::parse(req.body, nullptr, false);
  if (obj.is_discarded() || !obj.is_object())
    return BadRequest("the request body is not a JSON object");
  if (obj.contains("apiVersion") && obj["apiVersion"] != t.type.ApiVersion()) {
    return BadRequest("the API version in the data (" + obj["apiVersion"].dump() +
                      ") does not match the expected API version (" + t.type.ApiVersion() + ")");
  }
  if (obj.contains("kind") && obj["kind"] != t.type.kind) {
    return BadRequest("the kind in the data (" + obj["kind"].dump() +
                      ") does not match the expected kind (" + t.type.kind + ")");
  }
  if (!obj.contains("metadata") || !obj["metadata"].is_object()) obj["metadata"] = json::object();
  json& m = obj["metadata"];
  const std::string body_ns = MetaString(obj, "namespace");
  if (t.type.namespaced) {
    if (!body_ns.empty() && body_ns != t.ns) {
      return BadRequest(
          "the namespace of the provided object does not match the namespace sent on the request");
    }
    m["namespace"] = t.ns;
  } else {
    m.erase("namespace");
  }
  if (MetaString(obj, "name").empty() && !MetaString(obj, "generateName").empty()) {
    m["name"] = MetaString(obj, "generateName") + RandomSuffix();
  }
  const std::string name = MetaString(obj, "name");
  if (name.empty()) {
    return InvalidError(t.type, "",
                        {{"FieldValueRequired", "Required value: name or generateName is required",
                          "metadata.name"}});
  }
  for (const char* f : {"uid", "resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds",
                        "generation", "managedFields"}) {
    m.erase(f);
  }
  m["uid"] = NewUid();
  m["creationTimestamp"] = Rfc3339Now();
  obj = WithTypeMeta(std::move(obj), t.type);
  if (t.type.has_status) obj.erase("status");

  std::lock_guard lock(mu_);
  std::vector<std::string> warnings;
  if (auto err = PrepareLocked(t, obj, QueryOr(req, "fieldValidation"), &warnings)) return *err;
  if (t.type.has_generation) obj["metadata"]["generation"] = 1;
  if (t.type.namespaced) {
    auto& namespaces = store_["/namespaces"];
    auto ns = namespaces.find(StoreKey("", t.ns));
    if (ns == namespaces.end()) {
      return Error(404, "NotFound", "namespaces \"" + t.ns + "\" not found",
                   json{{"name", t.ns}, {"kind", "namespaces"}});
    }
    if (ns->second["metadata"].contains("deletionTimestamp")) {
      return Error(403, "Forbidden",
                   QualifiedResource(t.type) + " \"" + name +
                       "\" is forbidden: unable to create new content in namespace " + t.ns +
                       " because it is being terminated");
    }
  }
  const bool is_crd =
      t.type.group == "apiextensions.k8s.io" && t.type.resource == "customresourcedefinitions";
  if (t.type.group.empty() && t.type.resource == "namespaces") {
    obj["status"] = {{"phase", "Active"}};
    obj["metadata"]["labels"]["kubernetes.io/metadata.name"] = name;
    obj["spec"]["finalizers"] = {"kubernetes"};
  }
  if (is_crd) {
    const json& spec = obj["spec"];
    json stored = json::array();
    for (const auto& v : spec["versions"]) {
      if (v.value("storage", false)) stored.push_back(v.value("name", ""));
    }
    obj["status"] = {{"acceptedNames", spec["names"]},
                     {"storedVersions", stored},
                     {"conditions",
                      {{{"type", "NamesAccepted"},
                        {"status", "True"},
                        {"lastTransitionTime", Rfc3339Now()},
                        {"reason", "NoConflicts"},
                        {"message", "no conflicts found"}},
                       {{"type", "Established"},
                        {"status", "True"},
                        {"lastTransitionTime", Rfc3339Now()},
                        {"reason", "InitialNamesAccepted"},
                        {"message", "the initial names have been accepted"}}}}};
  }
  auto& coll = store_[t.type.StorageKey()];
  const std::string key = StoreKey(t.ns, name);
  if (coll.count(key)) {
    return Error(409, "AlreadyExists",
                 QualifiedResource(t.type) + " \"" + name + "\" already exists",
                 Details(t.type, name));
  }
  if (req.query.count("dryRun")) return JsonResponse(201, obj);
  if (is_crd) {
    if (registry_.RegisterCrd(obj).empty()) {
      return InvalidError(t.type, name,
                          {{"FieldValueInvalid", "Invalid value: unusable CRD", "spec"}});
    }
  }
  return WithWarnings(JsonResponse(201, CommitLocked(t.type, key, "ADDED", obj, nullptr)),
                      warnings);
}

HttpResponse ApiServer::Update(const Target& t, const HttpRequest& req, json incoming,
                               bool from_patch) {
  auto& coll = store_[t.type.StorageKey()];
  const std::string key = StoreKey(t.ns, t.name);
  auto it = coll.find(key);
  if (it == coll.end()) return NotFoundError(t.type, t.name);
  const json old = it->second;
  if (!incoming.contains("metadata") || !incoming["metadata"].is_object()) {
    incoming["metadata"] = json::object();
  }
  const std::string body_name = MetaString(incoming, "name");
  if (body_name != t.name) {
    return BadRequest("the name of the object (" + body_name +
                      ") does not match the name on the URL (" + t.name + ")");
  }
  const std::string body_ns = MetaString(incoming, "namespace");
  if (t.type.namespaced && !body_ns.empty() && body_ns != t.ns) {
    return BadRequest(
        "the namespace of the provided object does not match the namespace sent on the request");
  }
  const std::string in_rv = MetaString(incoming, "resourceVersion");
  if (!in_rv.empty() && in_rv != MetaString(old, "resourceVersion")) {
    return Error(409, "Conflict",
                 "Operation cannot be fulfilled on " + QualifiedResource(t.type) + " \"" + t.name +
                     "\": the object has been modified; please apply your changes to the latest "
                     "version and try again",
                 Details(t.type, t.name));
  }
  json next;
  if (t.sub == "status") {
    next = old;
    if (incoming.contains("status")) {
      next["status"] = incoming["status"];
    } else {
      next.erase("status");
    }
  } else {
    next = std::move(incoming);
    if (t.type.has_status) {
      if (old.contains("status")) {
        next["status"] = old["status"];
      } else {
        next.erase("status");
      }
    }
    json& m = next["metadata"];
    for (const char* f : {"uid", "creationTimestamp", "deletionTimestamp",
                          "deletionGracePeriodSeconds", "generation", "namespace"}) {
      if (old["metadata"].contains(f)) {
        m[f] = old["metadata"][f];
      } else {
        m.erase(f);
      }
    }
    m.erase("managedFields");
  }
  next = WithTypeMeta(std::move(next), t.type);
  std::vector<std::string> warnings;
  if (auto err = PrepareLocked(t, next, QueryOr(req, "fieldValidation"), &warnings, &old)) {
    return *err;
  }
  if (t.type.has_generation &&
      SpecPart(old, t.type.has_status) != SpecPart(next, t.type.has_status)) {
    next["metadata"]["generation"] = old["metadata"].value("generation", 0) + 1;
  }
  (void)from_patch;
  if (ForComparison(old) == ForComparison(next)) return JsonResponse(200, old);
  if (req.query.count("dryRun")) return JsonResponse(200, next);
  const bool is_crd =
      t.type.group == "apiextensions.k8s.io" && t.type.resource == "customresourcedefinitions";
  if (is_crd) registry_.RegisterCrd(next);
  if (next["metadata"].contains("deletionTimestamp") && !HasFinalizers(next)) {
    return JsonResponse(200, RemoveLocked(t.type, key, next));
  }
  return WithWarnings(JsonResponse(200, CommitLocked(t.type, key, "MODIFIED", next, old)),
                      warnings);
}

HttpResponse ApiServer::Scale(const Target& t, const HttpRequest& req) {
  std::lock_guard lock(mu_);
  auto& coll = store_[t.type.StorageKey()];
  auto it = coll.find(StoreKey(t.ns, t.name));
  if (it == coll.end()) return NotFoundError(t.type, t.name);
  json scale = ScaleOf(t.type, it->second);
  if (req.method == "GET") return JsonResponse(200, scale);
  json body = json::parse(req.body, nullptr, false);
  if (body.is_discarded()) return BadRequest("the request body is not valid JSON");
  try {
    if (req.method == "PUT") {
      scale = body;
    } else if (req.method == "PATCH" &&
               req.content_type.rfind("application/json-patch+json", 0) == 0) {
      scale = scale.patch(body);
    } else if (req.method == "PATCH") {
      scale.merge_patch(body);
    } else {
      return Error(405, "MethodNotAllowed", "the server does not allow this method on scale");
    }
  } catch (const nlohmann::json::exception& e) {
    return Error(422, "Invalid", std::string("the patch could not be applied: ") + e.what());
  }
  const json* replicas = EvalJsonPath(scale, ".spec.replicas");
  if (!replicas || !replicas->is_number_integer() || replicas->get<int64_t>() < 0) {
    return InvalidError(t.type, t.name,
                        {{"FieldValueInvalid", "Invalid value: must be greater than or equal to 0",
                          "spec.replicas"}});
  }
  json next = it->second;
  if (std::string rv = MetaString(scale, "resourceVersion"); !rv.empty()) {
    next["metadata"]["resourceVersion"] = rv;  // Update checks it
  }
  SetJsonPath(next, t.type.scale_spec_path, *replicas);
  Target main = t;
  main.sub = "";
  HttpResponse r = Update(main, req, std::move(next), true);
  if (r.status != 200) return r;
  return JsonResponse(200, ScaleOf(t.type, json::parse(r.body)));
}

HttpResponse ApiServer::Patch(const Target& t, const HttpRequest& req) {
  json patch = json::parse(req.body, nullptr, false);
  if (patch.is_discarded()) return BadRequest("the request body is not valid JSON");
  std::string ct = req.content_type.substr(0, req.content_type.find(';'));
  std::lock_guard lock(mu_);
  auto& coll = store_[t.type.StorageKey()];
  auto it = coll.find(StoreKey(t.ns, t.name));
  if (it == coll.end()) return NotFoundError(t.type, t.name);
  json patched = it->second;
  try {
    if (ct == "application/merge-patch+json") {
      patched.merge_patch(patch);
    } else if (ct == "application/strategic-merge-patch+json") {
      if (t.type.custom) {
        return Error(415, "UnsupportedMediaType",
                     "the body of the request was in an unknown format - accepted media types "
                     "include: application/json-patch+json, application/merge-patch+json, "
                     "application/apply-patch+yaml");
      }
      StripDirectives(patch);
      patched.merge_patch(patch);
    } else if (ct == "application/json-patch+json") {
      if (!patch.is_array()) return BadRequest("json patch must be an array of operations");
      patched = patched.patch(patch);
    } else {
      return Error(415, "UnsupportedMediaType",
                   "the body of the request was in an unknown format - accepted media types "
                   "include: application/json-patch+json, application/merge-patch+json, "
                   "application/strategic-merge-patch+json");
    }
  } catch (const nlohmann::json::exception& e) {
    return Error(422, "Invalid", std::string("the patch could not be applied: ") + e.what());
  }
  if (!patched.is_object()) return BadRequest("the patched object is not a JSON object");
  return Update(t, req, std::move(patched), true);
}

HttpResponse ApiServer::Delete(const Target& t, const HttpRequest& req) {
  json opts = req.body.empty() ? json::object() : json::parse(req.body, nullptr, false);
  if (opts.is_discarded() || !opts.is_object())
    return BadRequest("the DeleteOptions body is not a JSON object");
  std::string policy = opts.value("propagationPolicy", QueryOr(req, "propagationPolicy"));
  if (!policy.empty() && policy != "Orphan" && policy != "Background" && policy != "Foreground") {
    return InvalidError(t.type, t.name,
                        {{"FieldValueNotSupported",
                          "Unsupported value: \"" + policy +
                              "\": supported values: \"Foreground\", \"Background\", \"Orphan\"",
                          "propagationPolicy"}});
  }
  std::lock_guard lock(mu_);
  auto& coll = store_[t.type.StorageKey()];
  const std::string key = StoreKey(t.ns, t.name);
  auto it = coll.find(key);
  if (it == coll.end()) return NotFoundError(t.type, t.name);
  json obj = it->second;
  if (t.type.group.empty() && t.type.resource == "namespaces" &&
      (t.name == "default" || t.name == "kube-system" || t.name == "kube-public")) {
    return Error(403, "Forbidden",
                 "namespaces \"" + t.name + "\" is forbidden: this namespace may not be deleted",
                 Details(t.type, t.name));
  }
  if (opts.contains("preconditions") && opts["preconditions"].is_object()) {
    const json& p = opts["preconditions"];
    for (const char* f : {"uid", "resourceVersion"}) {
      if (p.contains(f) && p[f].is_string() && p[f] != obj["metadata"].value(f, "")) {
        return Error(409, "Conflict",
                     std::string("Precondition failed: ") +
                         (f[0] == 'u' ? "UID" : "ResourceVersion") +
                         " in precondition: " + p[f].get<std::string>() + ", " +
                         (f[0] == 'u' ? "UID" : "ResourceVersion") +
                         " in object meta: " + obj["metadata"].value(f, ""),
                     Details(t.type, t.name));
      }
    }
  }
  if (req.query.count("dryRun") || opts.contains("dryRun")) return JsonResponse(200, obj);
  if (HasFinalizers(obj)) {
    if (obj["metadata"].contains("deletionTimestamp")) return JsonResponse(202, obj);
    json next = obj;
    next["metadata"]["deletionTimestamp"] = Rfc3339Now();
    next["metadata"]["deletionGracePeriodSeconds"] = 0;
    return JsonResponse(202, CommitLocked(t.type, key, "MODIFIED", next, obj));
  }
  if (policy == "Orphan" && gc_) OrphanDependentsLocked(MetaString(obj, "uid"));
  return JsonResponse(200, RemoveLocked(t.type, key, obj));
}

HttpResponse ApiServer::DeleteCollection(const Target& t, const HttpRequest& req) {
  HttpRequest list_req = req;
  list_req.accept = "application/json";
  list_req.query.erase("limit");
  list_req.query.erase("continue");
  HttpResponse listed = List(t, list_req);
  if (listed.status != 200) return listed;
  json list = json::parse(listed.body);
  for (const auto& item : list["items"]) {
    Target one = t;
    one.name = MetaString(item, "name");
    one.ns = MetaString(item, "namespace");
    HttpRequest del = req;
    Delete(one, del);
  }
  return listed;
}

}  // namespace logstack::kubetest
