#include "common/kube/client.h"

#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

// spdlog (fmt) before cpprestsdk: cpprestsdk defines a U() macro that breaks fmt's templates.
#include "common/logging.h"
// clang-format off
#include <atomic>
#include <boost/asio/ssl.hpp>
#include <cpprest/http_client.h>
#include <map>
#include <mutex>
#include <random>
#include <thread>
// clang-format on

#include "common/kube/object.h"
#include "common/kube/rate_limit.h"

namespace logstack::kube {

namespace http = web::http;
namespace http_client = web::http::client;

// ---------------------------------------------------------------------------
// Paths, queries, errors

std::string PercentEncode(std::string_view s) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string ResourcePath(const ResourceRef& r, std::string_view ns, std::string_view name,
                         std::string_view subresource) {
  std::string p = r.GroupVersionPath();
  if (r.namespaced && !ns.empty()) p += "/namespaces/" + PercentEncode(ns);
  p += "/" + r.resource;
  if (!name.empty()) {
    p += "/" + PercentEncode(name);
    if (!subresource.empty()) p += "/" + std::string(subresource);
  }
  return p;
}

namespace {
void AddParam(std::string& q, std::string_view key, std::string_view value) {
  q += q.empty() ? '?' : '&';
  q += key;
  q += '=';
  q += PercentEncode(value);
}
}  // namespace

std::string ListQuery(const ListOptions& o) {
  std::string q;
  if (!o.label_selector.empty()) AddParam(q, "labelSelector", o.label_selector);
  if (!o.field_selector.empty()) AddParam(q, "fieldSelector", o.field_selector);
  if (o.limit > 0) AddParam(q, "limit", std::to_string(o.limit));
  if (!o.continue_token.empty()) AddParam(q, "continue", o.continue_token);
  if (!o.resource_version.empty()) AddParam(q, "resourceVersion", o.resource_version);
  return q;
}

std::string WatchQuery(const WatchOptions& o) {
  std::string q = "?watch=true";
  if (!o.label_selector.empty()) AddParam(q, "labelSelector", o.label_selector);
  if (!o.field_selector.empty()) AddParam(q, "fieldSelector", o.field_selector);
  if (!o.resource_version.empty()) AddParam(q, "resourceVersion", o.resource_version);
  if (o.allow_bookmarks) AddParam(q, "allowWatchBookmarks", "true");
  if (o.timeout_seconds > 0) AddParam(q, "timeoutSeconds", std::to_string(o.timeout_seconds));
  return q;
}

Json DeleteBody(const DeleteOptions& o) {
  Json body = {{"kind", "DeleteOptions"}, {"apiVersion", "v1"}};
  if (!o.propagation_policy.empty()) body["propagationPolicy"] = o.propagation_policy;
  if (o.grace_period_seconds) body["gracePeriodSeconds"] = *o.grace_period_seconds;
  if (o.precondition_uid || o.precondition_resource_version) {
    Json pre = Json::object();
    if (o.precondition_uid) pre["uid"] = *o.precondition_uid;
    if (o.precondition_resource_version) pre["resourceVersion"] = *o.precondition_resource_version;
    body["preconditions"] = pre;
  }
  return body;
}

Status StatusFromApiError(int http_status, std::string_view body, std::string_view what) {
  std::string reason, message;
  Json j = Json::parse(body, nullptr, false);
  if (!j.is_discarded() && j.is_object() && j.value("kind", "") == "Status") {
    if (j.contains("reason") && j["reason"].is_string()) reason = j["reason"].get<std::string>();
    if (j.contains("message") && j["message"].is_string())
      message = j["message"].get<std::string>();
    if (j.contains("code") && j["code"].is_number_integer() && http_status == 0) {
      http_status = j["code"].get<int>();
    }
    // Invalid: keep the field causes, they say what to fix.
    auto details = j.find("details");
    if (details != j.end() && details->is_object()) {
      auto causes = details->find("causes");
      if (causes != details->end() && causes->is_array() && !causes->empty()) {
        std::string cs;
        for (const auto& c : *causes) {
          if (!c.is_object()) continue;
          std::string field = c.value("field", "");
          std::string msg = c.value("message", "");
          if (!cs.empty()) cs += "; ";
          cs += field.empty() ? msg : field + ": " + msg;
        }
        if (!cs.empty() && message.find(cs) == std::string::npos) message += " [" + cs + "]";
      }
    }
  } else {
    message = std::string(body.substr(0, 256));
  }
  std::string text = std::string(what) + ": " + std::to_string(http_status) +
                     (reason.empty() ? "" : " " + reason) + (message.empty() ? "" : ": " + message);
  if (reason == "NotFound" || (reason.empty() && http_status == 404)) return NotFound(text);
  if (reason == "AlreadyExists") return AlreadyExists(text);
  if (reason == "Conflict" || http_status == 409) return Conflict(text);
  if (reason == "Invalid" || reason == "BadRequest" || http_status == 422 || http_status == 400) {
    return InvalidArgument(text);
  }
  if (reason == "Forbidden" || http_status == 403) return PermissionDenied(text);
  if (reason == "Unauthorized" || http_status == 401) return Unauthenticated(text);
  if (reason == "TooManyRequests" || http_status == 429) return ResourceExhausted(text);
  if (reason == "Expired" || reason == "Gone" || http_status == 410) return OutOfRange(text);
  if (reason == "Timeout" || http_status == 504) return DeadlineExceeded(text);
  if (reason == "MethodNotAllowed" || http_status == 405) return Unimplemented(text);
  if (http_status == 404) return NotFound(text);
  if (http_status >= 500) return Unavailable(text);
  return Internal(text);
}

std::optional<int> ParseRetryAfter(std::string_view v) {
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  if (v.empty() || v.size() > 9) return std::nullopt;
  int n = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  return n;
}

std::string_view WatchEventTypeName(WatchEvent::Type t) {
  switch (t) {
    case WatchEvent::Type::kAdded:
      return "ADDED";
    case WatchEvent::Type::kModified:
      return "MODIFIED";
    case WatchEvent::Type::kDeleted:
      return "DELETED";
    case WatchEvent::Type::kBookmark:
      return "BOOKMARK";
    case WatchEvent::Type::kError:
      return "ERROR";
  }
  return "?";
}

StatusOr<WatchEvent> ParseWatchEvent(std::string_view line) {
  Json j = Json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Corruption("watch event is not a JSON object");
  auto type = j.find("type");
  auto obj = j.find("object");
  if (type == j.end() || !type->is_string() || obj == j.end() || !obj->is_object()) {
    return Corruption("watch event lacks \"type\" or \"object\"");
  }
  WatchEvent ev;
  const std::string& t = type->get_ref<const std::string&>();
  if (t == "ADDED")
    ev.type = WatchEvent::Type::kAdded;
  else if (t == "MODIFIED")
    ev.type = WatchEvent::Type::kModified;
  else if (t == "DELETED")
    ev.type = WatchEvent::Type::kDeleted;
  else if (t == "BOOKMARK")
    ev.type = WatchEvent::Type::kBookmark;
  else if (t == "ERROR")
    ev.type = WatchEvent::Type::kError;
  else
    return Corruption("unknown watch event type \"" + t + "\"");
  ev.object = std::move(*obj);
  return ev;
}

StatusOr<ListResult> KubeClient::ListAll(const ResourceRef& r, std::string_view ns,
                                         ListOptions opts) {
  ListResult all;
  auto rv = ListPaged(
      r, ns, std::move(opts),
      [&](std::vector<Json>& items) {
        for (auto& item : items) all.items.push_back(std::move(item));
      },
      [&] { all.items.clear(); });
  if (!rv.ok()) return rv.status();
  all.resource_version = std::move(*rv);
  return all;
}

StatusOr<std::string> KubeClient::ListPaged(
    const ResourceRef& r, std::string_view ns, ListOptions opts,
    const std::function<void(std::vector<Json>& items)>& on_page,
    const std::function<void()>& on_restart) {
  const ListOptions first = opts;
  for (int restart = 0;; ++restart) {
    if (restart > 0) on_restart();
    opts = first;
    while (true) {
      auto page = List(r, ns, opts);
      if (!page.ok()) {
        // An expired continue token: start over (with a fresh snapshot).
        if (page.status().code() == StatusCode::kOutOfRange && !opts.continue_token.empty() &&
            restart < 3) {
          break;
        }
        return page.status();
      }
      on_page(page->items);
      if (page->continue_token.empty()) return std::move(page->resource_version);
      opts.continue_token = std::move(page->continue_token);
    }
  }
}

// ---------------------------------------------------------------------------
// TLS

namespace {

struct X509StoreDeleter {
  void operator()(X509_STORE* s) const { X509_STORE_free(s); }
};

// Verifies the server's chain against our own trust store and host name,
// instead of cpprestsdk's check (which trusts the system store too and checks
// only the URL's host): a cluster's CA is the only one that should count,
// and tls-server-name may name another host.
class TlsVerifier {
 public:
  static StatusOr<std::shared_ptr<TlsVerifier>> Make(const std::string& ca_pem, std::string host) {
    auto v = std::make_shared<TlsVerifier>();
    v->store_.reset(X509_STORE_new());
    if (ca_pem.empty()) {
      X509_STORE_set_default_paths(v->store_.get());
    } else {
      BIO* bio = BIO_new_mem_buf(ca_pem.data(), static_cast<int>(ca_pem.size()));
      int n = 0;
      while (X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
        X509_STORE_add_cert(v->store_.get(), cert);
        X509_free(cert);
        ++n;
      }
      BIO_free(bio);
      ERR_clear_error();
      if (n == 0) return InvalidArgument("certificate authority holds no PEM certificate");
    }
    v->host_ = std::move(host);
    return v;
  }

  static int Callback(X509_STORE_CTX* ctx, void* arg) {
    auto* self = static_cast<TlsVerifier*>(arg);
    X509_STORE_CTX* mine = X509_STORE_CTX_new();
    if (mine == nullptr) return 0;
    int ok = 0;
    if (X509_STORE_CTX_init(mine, self->store_.get(), X509_STORE_CTX_get0_cert(ctx),
                            X509_STORE_CTX_get0_untrusted(ctx)) == 1) {
      X509_STORE_CTX_set_default(mine, "ssl_server");
      X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(mine);
      std::string host = self->host_;
      if (!host.empty() && host.front() == '[') host = host.substr(1, host.size() - 2);
      if (X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) != 1) {
        X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size());
      }
      ok = X509_verify_cert(mine) == 1 ? 1 : 0;
      X509_STORE_CTX_set_error(ctx, X509_STORE_CTX_get_error(mine));
    }
    X509_STORE_CTX_free(mine);
    return ok;
  }

  std::unique_ptr<X509_STORE, X509StoreDeleter> store_;
  std::string host_;
};

bool IsTlsError(const std::string& what) {
  return what.find("certificate") != std::string::npos ||
         what.find("handshake") != std::string::npos || what.find("SSL") != std::string::npos ||
         what.find("ssl") != std::string::npos;
}

// Installs the server verification and `cert` (may be empty) as the client
// certificate of every connection `hc`'s client opens. A certificate or key
// that does not load fails here, not per connection; `cert_what` names it.
Status ConfigureTls(const RestConfig& cfg, const std::string& host, const CertificateAndKey& cert,
                    const std::string& cert_what, http_client::http_client_config& hc) {
  if (cfg.server.rfind("https://", 0) != 0) return Status::Ok();
  if (!cert.empty()) {
    try {
      boost::asio::ssl::context probe(boost::asio::ssl::context::tls_client);
      probe.use_certificate_chain(boost::asio::buffer(cert.cert_pem));
      probe.use_private_key(boost::asio::buffer(cert.key_pem), boost::asio::ssl::context::pem);
    } catch (const std::exception& e) {
      return InvalidArgument(cert_what + ": " + e.what());
    }
  }
  std::shared_ptr<TlsVerifier> verifier;
  if (cfg.tls.insecure_skip_verify) {
    hc.set_validate_certificates(false);
  } else {
    auto v =
        TlsVerifier::Make(cfg.tls.ca_pem, cfg.tls.server_name.empty() ? host : cfg.tls.server_name);
    if (!v.ok()) return v.status().Annotate(cfg.origin);
    verifier = *v;
  }
  hc.set_ssl_context_callback([verifier, cert](boost::asio::ssl::context& ctx) {
    if (verifier) {
      SSL_CTX_set_cert_verify_callback(ctx.native_handle(), &TlsVerifier::Callback, verifier.get());
    }
    if (!cert.empty()) {
      ctx.use_certificate_chain(boost::asio::buffer(cert.cert_pem));
      ctx.use_private_key(boost::asio::buffer(cert.key_pem), boost::asio::ssl::context::pem);
    }
  });
  return Status::Ok();
}

struct Response {
  int status = 0;
  std::string body;
  std::string retry_after;
};

// ---------------------------------------------------------------------------
// Watch stream

class CpprestWatchStream final : public WatchStream {
 public:
  CpprestWatchStream(std::unique_ptr<http_client::http_client> client, http::http_response resp,
                     pplx::cancellation_token_source cts, std::string what)
      : client_(std::move(client)),
        resp_(std::move(resp)),
        buf_(resp_.body().streambuf()),
        cts_(std::move(cts)),
        what_(std::move(what)) {}

  ~CpprestWatchStream() override { Cancel(); }

  StatusOr<std::optional<WatchEvent>> Next() override {
    while (true) {
      if (cancelled_.load()) return Cancelled(what_ + ": cancelled");
      size_t nl = pending_.find('\n', scan_);
      if (nl != std::string::npos) {
        std::string line = pending_.substr(0, nl);
        pending_.erase(0, nl + 1);
        scan_ = 0;
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        auto ev = ParseWatchEvent(line);
        if (!ev.ok()) return ev.status().Annotate(what_);
        return std::optional<WatchEvent>(std::move(*ev));
      }
      scan_ = pending_.size();
      if (eof_) {
        if (pending_.find_first_not_of(" \t\r") == std::string::npos) {
          return std::optional<WatchEvent>();
        }
        pending_ += '\n';  // a last line without its newline
        continue;
      }
      Status st = ReadMore();
      if (!st.ok()) return st;
    }
  }

  void Cancel() override {
    if (!cancelled_.exchange(true)) cts_.cancel();
  }

 private:
  // Appends whatever bytes have arrived, blocking for at least one.
  Status ReadMore() {
    try {
      size_t avail = buf_.in_avail();
      if (avail > 0) {
        char tmp[65536];
        size_t n = buf_.getn(reinterpret_cast<uint8_t*>(tmp), std::min(avail, sizeof tmp)).get();
        pending_.append(tmp, n);
        if (n == 0) eof_ = true;
        return Status::Ok();
      }
      auto c = buf_.bumpc().get();
      if (c == concurrency::streams::streambuf<uint8_t>::traits::eof()) {
        eof_ = true;
      } else {
        pending_ += static_cast<char>(c);
      }
      return Status::Ok();
    } catch (const std::exception& e) {
      if (cancelled_.load()) return Cancelled(what_ + ": cancelled");
      return Unavailable(what_ + ": stream broken: " + e.what());
    }
  }

  std::unique_ptr<http_client::http_client> client_;
  http::http_response resp_;
  concurrency::streams::streambuf<uint8_t> buf_;
  pplx::cancellation_token_source cts_;
  const std::string what_;
  std::atomic<bool> cancelled_{false};
  std::string pending_;
  size_t scan_ = 0;
  bool eof_ = false;
};

// ---------------------------------------------------------------------------
// The client

class CpprestKubeClient final : public KubeClient {
 public:
  CpprestKubeClient(RestConfig cfg, ClientOptions opts)
      : cfg_(std::move(cfg)),
        opts_(std::move(opts)),
        bucket_(cfg_.qps, cfg_.burst, opts_.clock != nullptr ? *opts_.clock : RealClock::Default()),
        rng_(std::random_device{}()) {
    if (!opts_.sleep) {
      opts_.sleep = [](std::chrono::nanoseconds d) { std::this_thread::sleep_for(d); };
    }
    user_agent_ =
        cfg_.user_agent.empty() ? std::string("logstack/") + LOGSTACK_VERSION : cfg_.user_agent;
  }

  Status Init() {
    try {
      web::uri uri(cfg_.server);
      host_ = uri.host();
    } catch (const std::exception& e) {
      return InvalidArgument(cfg_.origin + ": server \"" + cfg_.server + "\": " + e.what());
    }
    // The kubeconfig's certificate now, so that a bad one fails here.
    return CurrentClient().status();
  }

  StatusOr<Json> Get(const ResourceRef& r, std::string_view ns, std::string_view name) override {
    return DoJson(http::methods::GET, ResourcePath(r, ns, name), nullptr, "",
                  "get " + r.resource + " " + Key(r, ns, name));
  }

  StatusOr<ListResult> List(const ResourceRef& r, std::string_view ns,
                            const ListOptions& opts) override {
    LOGSTACK_ASSIGN_OR_RETURN(
        Json j, DoJson(http::methods::GET, ResourcePath(r, ns) + ListQuery(opts), nullptr, "",
                       "list " + r.resource));
    ListResult out;
    auto items = j.find("items");
    if (items == j.end() || !(items->is_array() || items->is_null())) {
      return Corruption("list " + r.resource + ": answer has no items array");
    }
    if (items->is_array()) {
      out.items.reserve(items->size());
      for (auto& item : *items) {
        // List items carry no apiVersion/kind; fill them in as the informer's consumers expect.
        if (item.is_object()) {
          if (!item.contains("apiVersion")) item["apiVersion"] = r.ApiVersion();
          if (!item.contains("kind")) item["kind"] = r.kind;
        }
        out.items.push_back(std::move(item));
      }
    }
    if (auto m = j.find("metadata"); m != j.end() && m->is_object()) {
      out.resource_version = m->value("resourceVersion", "");
      out.continue_token = m->value("continue", "");
    }
    return out;
  }

  StatusOr<Json> Create(const ResourceRef& r, std::string_view ns, const Json& obj) override {
    std::string n = ns.empty() ? Namespace(obj) : std::string(ns);
    std::string body = obj.dump();
    return DoJson(http::methods::POST, ResourcePath(r, n), &body, "application/json",
                  "create " + r.resource + " " + Key(r, n, Name(obj)));
  }

  StatusOr<Json> Update(const ResourceRef& r, const Json& obj) override { return Put(r, obj, ""); }
  StatusOr<Json> UpdateStatus(const ResourceRef& r, const Json& obj) override {
    return Put(r, obj, "status");
  }

  StatusOr<Json> Patch(const ResourceRef& r, std::string_view ns, std::string_view name,
                       PatchType type, const Json& patch, std::string_view subresource) override {
    const char* ct = type == PatchType::kMerge       ? "application/merge-patch+json"
                     : type == PatchType::kJsonPatch ? "application/json-patch+json"
                                                     : "application/strategic-merge-patch+json";
    std::string body = patch.dump();
    return DoJson(http::methods::PATCH, ResourcePath(r, ns, name, subresource), &body, ct,
                  "patch " + r.resource + " " + Key(r, ns, name));
  }

  Status Delete(const ResourceRef& r, std::string_view ns, std::string_view name,
                const DeleteOptions& opts) override {
    std::string body = DeleteBody(opts).dump();
    return Do(http::methods::DEL, ResourcePath(r, ns, name), &body, "application/json",
              "delete " + r.resource + " " + Key(r, ns, name))
        .status();
  }

  StatusOr<WatchStreamPtr> Watch(const ResourceRef& r, std::string_view ns,
                                 const WatchOptions& opts) override {
    std::string what = "watch " + r.resource;
    std::string path = ResourcePath(r, ns) + WatchQuery(opts);
    // Reads may pause for as long as the server keeps the stream quietly open.
    auto timeout = std::chrono::milliseconds(
        (opts.timeout_seconds > 0 ? opts.timeout_seconds : 1800) * 1000 + 30'000);
    for (int attempt = 0;; ++attempt) {
      WaitForBucket();
      LOGSTACK_ASSIGN_OR_RETURN(std::string token, Token());
      std::unique_ptr<http_client::http_client> client;
      pplx::cancellation_token_source cts;
      http::http_response resp;
      try {
        auto hc = BaseConfig(timeout, Certificate());
        if (!hc.ok()) return hc.status();
        client = std::make_unique<http_client::http_client>(web::uri(cfg_.server), *hc);
        resp = client
                   ->request(MakeRequest(http::methods::GET, path, nullptr, "", token),
                             cts.get_token())
                   .get();
      } catch (const std::exception& e) {
        return Unavailable(what + ": " + e.what());
      }
      int code = resp.status_code();
      if (code == 200) {
        return WatchStreamPtr(
            std::make_unique<CpprestWatchStream>(std::move(client), std::move(resp), cts, what));
      }
      std::string body;
      try {
        body = resp.extract_utf8string(true).get();
      } catch (const std::exception&) {
      }
      if (code == 401 && attempt == 0 && cfg_.token) {
        cfg_.token->Invalidate();
        continue;
      }
      if (code == 429 && attempt < opts_.retry.max_retries) {
        opts_.sleep(RetryAfter(resp, attempt));
        continue;
      }
      return StatusFromApiError(code, body, what);
    }
  }

  StatusOr<ResourceRef> Resolve(std::string_view api_version,
                                std::string_view kind_or_resource) override {
    if (auto b = FindBuiltin(api_version, kind_or_resource)) return *b;
    std::string gv(api_version);
    for (int pass = 0; pass < 2; ++pass) {
      {
        std::lock_guard<std::mutex> l(discovery_mu_);
        auto it = discovery_.find(gv);
        if (it != discovery_.end() && pass == 0) {
          for (const auto& r : it->second) {
            if (r.kind == kind_or_resource || r.resource == kind_or_resource) return r;
          }
        }
      }
      if (pass == 1) break;
      size_t slash = gv.find('/');
      std::string path = slash == std::string::npos ? "/api/" + gv : "/apis/" + gv;
      auto list = GetPath(path);
      if (!list.ok()) {
        if (list.status().code() == StatusCode::kNotFound) {
          return NotFound("resolve " + gv + " " + std::string(kind_or_resource) +
                          ": the server does not serve " + gv);
        }
        return list.status();
      }
      std::vector<ResourceRef> refs;
      auto res = list->find("resources");
      if (res != list->end() && res->is_array()) {
        for (const auto& e : *res) {
          if (!e.is_object()) continue;
          std::string name = e.value("name", "");
          if (name.empty() || name.find('/') != std::string::npos) continue;  // subresources
          ResourceRef r;
          r.group = slash == std::string::npos ? "" : gv.substr(0, slash);
          r.version = slash == std::string::npos ? gv : gv.substr(slash + 1);
          r.resource = name;
          r.kind = e.value("kind", "");
          r.namespaced = e.value("namespaced", true);
          refs.push_back(std::move(r));
        }
      }
      std::lock_guard<std::mutex> l(discovery_mu_);
      discovery_[gv] = refs;
      for (const auto& r : refs) {
        if (r.kind == kind_or_resource || r.resource == kind_or_resource) return r;
      }
      break;
    }
    return NotFound("resolve " + gv + " " + std::string(kind_or_resource) +
                    ": no such resource in discovery");
  }

  StatusOr<Json> GetPath(std::string_view path) override {
    return DoJson(http::methods::GET, std::string(path), nullptr, "", "get " + std::string(path));
  }

 private:
  static std::string Key(const ResourceRef& r, std::string_view ns, std::string_view name) {
    if (!r.namespaced || ns.empty()) return std::string(name);
    return std::string(ns) + "/" + std::string(name);
  }

  StatusOr<http_client::http_client_config> BaseConfig(std::chrono::milliseconds timeout,
                                                       const CertificateAndKey& cert) {
    http_client::http_client_config hc;
    hc.set_timeout(timeout);
    const bool from_credential = cert.cert_pem != cfg_.tls.client_cert_pem;
    Status st = ConfigureTls(cfg_, host_, cert,
                             cfg_.origin + (from_credential ? ": exec credential plugin's" : ":") +
                                 " client certificate or key",
                             hc);
    if (!st.ok()) return st;
    return hc;
  }

  // The client certificate to present now: the credential's (an exec
  // plugin's), else the kubeconfig's, else none.
  CertificateAndKey Certificate() {
    if (cfg_.token) {
      CertificateAndKey c = cfg_.token->ClientCertificate();
      if (!c.empty()) return c;
    }
    return {cfg_.tls.client_cert_pem, cfg_.tls.client_key_pem};
  }

  // The HTTP client whose connections present the current certificate. When
  // the certificate changes (a plugin's credential was refreshed) a new client
  // replaces the old one, so that no pooled connection goes on presenting the
  // old certificate (client-go closes its connections then, too); requests in
  // flight keep the old client alive until they end.
  StatusOr<std::shared_ptr<http_client::http_client>> CurrentClient() {
    CertificateAndKey cert = Certificate();
    std::lock_guard<std::mutex> l(client_mu_);
    if (client_ && cert == client_cert_) return client_;
    LOGSTACK_ASSIGN_OR_RETURN(http_client::http_client_config hc, BaseConfig(cfg_.timeout, cert));
    try {
      client_ = std::make_shared<http_client::http_client>(web::uri(cfg_.server), hc);
    } catch (const std::exception& e) {
      return InvalidArgument(cfg_.origin + ": server \"" + cfg_.server + "\": " + e.what());
    }
    if (!client_cert_.empty() || !cert.empty()) {
      LOG_DEBUG("component=kube op=client_certificate server={} certificate={}", cfg_.server,
                cert.empty() ? "none" : "new");
    }
    client_cert_ = std::move(cert);
    return client_;
  }

  StatusOr<Json> Put(const ResourceRef& r, const Json& obj, std::string_view sub) {
    std::string name = Name(obj);
    if (name.empty())
      return InvalidArgument("update " + r.resource + ": object has no metadata.name");
    std::string body = obj.dump();
    return DoJson(http::methods::PUT, ResourcePath(r, Namespace(obj), name, sub), &body,
                  "application/json",
                  std::string(sub.empty() ? "update " : "update status of ") + r.resource + " " +
                      Key(r, Namespace(obj), name));
  }

  StatusOr<std::string> Token() {
    if (!cfg_.token) return std::string();
    auto t = cfg_.token->Token();
    if (!t.ok()) return t.status().Annotate("kube credentials");
    return t;
  }

  void WaitForBucket() {
    auto d = bucket_.Reserve();
    if (d.count() > 0) opts_.sleep(d);
  }

  http::http_request MakeRequest(const http::method& method, const std::string& path,
                                 const std::string* body, const std::string& content_type,
                                 const std::string& token) {
    http::http_request req(method);
    req.set_request_uri(web::uri(path));
    req.headers().add("Accept", "application/json");
    req.headers().add("User-Agent", user_agent_);
    if (!token.empty()) req.headers().add("Authorization", "Bearer " + token);
    if (body != nullptr) req.set_body(*body, content_type);
    return req;
  }

  std::chrono::nanoseconds Backoff(int attempt) {
    auto base = opts_.retry.initial_backoff * (int64_t{1} << std::min(attempt, 20));
    base = std::min(base, opts_.retry.max_backoff);
    std::lock_guard<std::mutex> l(rng_mu_);
    std::uniform_real_distribution<double> jitter(1.0, 1.5);
    return std::chrono::duration_cast<std::chrono::nanoseconds>(base * jitter(rng_));
  }

  std::chrono::nanoseconds RetryAfter(const http::http_response& resp, int attempt) {
    auto h = resp.headers().find("Retry-After");
    if (h != resp.headers().end()) {
      if (auto secs = ParseRetryAfter(h->second)) {
        auto s = std::min(std::chrono::seconds(*secs), opts_.retry.max_retry_after);
        return std::chrono::duration_cast<std::chrono::nanoseconds>(s);
      }
    }
    return Backoff(attempt);
  }

  StatusOr<Response> Do(const http::method& method, const std::string& path,
                        const std::string* body, const std::string& content_type,
                        const std::string& what) {
    const bool idempotent = method == http::methods::GET || method == http::methods::PUT ||
                            method == http::methods::DEL;
    bool reauthenticated = false;
    for (int attempt = 0;; ++attempt) {
      WaitForBucket();
      LOGSTACK_ASSIGN_OR_RETURN(std::string token, Token());
      LOGSTACK_ASSIGN_OR_RETURN(std::shared_ptr<http_client::http_client> client, CurrentClient());
      http::http_response resp;
      Response out;
      try {
        resp = client->request(MakeRequest(method, path, body, content_type, token)).get();
        out.status = resp.status_code();
        out.body = resp.extract_utf8string(true).get();
      } catch (const std::exception& e) {
        std::string msg = e.what();
        Status st = Unavailable(what + ": " + msg);
        if (IsTlsError(msg) || !idempotent || attempt >= opts_.retry.max_retries) return st;
        LOG_DEBUG("component=kube op=retry what={} error={}", Quote(what), Quote(msg));
        opts_.sleep(Backoff(attempt));
        continue;
      }
      if (out.status >= 200 && out.status < 300) return out;
      if (out.status == 401 && !reauthenticated && cfg_.token) {
        reauthenticated = true;
        cfg_.token->Invalidate();
        --attempt;
        continue;
      }
      if (out.status == 429 && attempt < opts_.retry.max_retries) {
        opts_.sleep(RetryAfter(resp, attempt));
        continue;
      }
      if (out.status >= 500 && out.status != 501 && idempotent &&
          attempt < opts_.retry.max_retries) {
        opts_.sleep(RetryAfter(resp, attempt));
        continue;
      }
      return StatusFromApiError(out.status, out.body, what);
    }
  }

  StatusOr<Json> DoJson(const http::method& method, const std::string& path,
                        const std::string* body, const std::string& content_type,
                        const std::string& what) {
    LOGSTACK_ASSIGN_OR_RETURN(Response r, Do(method, path, body, content_type, what));
    Json j = Json::parse(r.body, nullptr, false);
    if (j.is_discarded()) return Corruption(what + ": answer is not JSON");
    return j;
  }

  RestConfig cfg_;
  ClientOptions opts_;
  TokenBucket bucket_;
  std::string user_agent_;
  std::string host_;
  std::mutex client_mu_;
  std::shared_ptr<http_client::http_client> client_;  // guarded by client_mu_
  CertificateAndKey client_cert_;                     // client_'s; guarded by client_mu_
  std::mutex rng_mu_;
  std::mt19937 rng_;
  std::mutex discovery_mu_;
  std::map<std::string, std::vector<ResourceRef>> discovery_;
};

}  // namespace

StatusOr<KubeClientPtr> NewKubeClient(const RestConfig& config, ClientOptions options) {
  if (config.server.empty()) return InvalidArgument("kube client: no server URL");
  auto c = std::make_unique<CpprestKubeClient>(config, std::move(options));
  LOGSTACK_RETURN_IF_ERROR(c->Init());
  return KubeClientPtr(std::move(c));
}

}  // namespace logstack::kube
