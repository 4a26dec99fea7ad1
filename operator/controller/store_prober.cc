#include "operator/controller/store_prober.h"

#include <cpprest/http_client.h>
#include <openssl/ssl.h>

#include <cmath>
#include <cstdlib>
#include <optional>

namespace logstack::op::controller {

namespace {

class HttpStoreProber final : public StoreProber {
 public:
  HttpStoreProber(std::chrono::milliseconds timeout, std::string ca_file)
      : timeout_(timeout), ca_file_(std::move(ca_file)) {}

  Status Probe(const std::string& base_url) override {
    auto body = Get(base_url, "/ready");
    return body.ok() ? Status::Ok() : body.status();
  }

  StatusOr<StorageReport> Storage(const std::string& base_url) override {
    auto body = Get(base_url, "/metrics");
    if (!body.ok()) return body.status();
    auto report = ParseStoreMetrics(*body);
    if (!report.ok()) return report.status().Annotate("GET " + base_url + "/metrics");
    return report;
  }

 private:
  // The body of a 2xx answer to GET <base_url><path>; Unavailable otherwise.
  StatusOr<std::string> Get(const std::string& base_url, const char* path) {
    std::string url = base_url;
    while (!url.empty() && url.back() == '/') url.pop_back();
    url += path;
    try {
      web::http::client::http_client_config cfg;
      cfg.set_timeout(timeout_);
      if (!ca_file_.empty()) {
        const std::string ca = ca_file_;
        cfg.set_ssl_context_callback([ca](boost::asio::ssl::context& ctx) {
          // Best effort: without the bundle, verification fails and says so.
          SSL_CTX_load_verify_locations(ctx.native_handle(), ca.c_str(), nullptr);
        });
      }
      web::http::client::http_client client(utility::conversions::to_string_t(url), cfg);
      web::http::http_response resp = client.request(web::http::methods::GET).get();
      const int code = resp.status_code();
      std::string body = resp.extract_utf8string(true).get();
      if (code >= 200 && code < 300) return body;
      if (body.size() > 200) body.resize(200);
      while (!body.empty() && (body.back() == '\n' || body.back() == '\r')) body.pop_back();
      return Unavailable("GET " + url + ": HTTP " + std::to_string(code) +
                         (body.empty() ? "" : ": " + body));
    } catch (const std::exception& e) {
      return Unavailable("GET " + url + ": " + e.what());
    }
  }

  const std::chrono::milliseconds timeout_;
  const std::string ca_file_;
};

}  // namespace

StatusOr<StorageReport> ParseStoreMetrics(std::string_view text) {
  std::optional<double> capacity, available, min_free;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(pos, eol - pos);
    pos = eol + 1;
    if (line.empty() || line[0] == '#') continue;
    size_t sp = line.find(' ');
    if (sp == std::string_view::npos) continue;
    std::string_view name = line.substr(0, sp);
    std::optional<double>* slot = name == "logstore_volume_capacity_bytes"    ? &capacity
                                  : name == "logstore_volume_available_bytes" ? &available
                                  : name == "logstore_volume_min_free_bytes"  ? &min_free
                                                                              : nullptr;
    if (slot == nullptr) continue;
    std::string value(line.substr(sp + 1));
    char* end = nullptr;
    double v = std::strtod(value.c_str(), &end);
    // A timestamp may follow the value.
    if (end == value.c_str() || (*end != '\0' && *end != ' ') || !std::isfinite(v) || v < 0) {
      return InvalidArgument(std::string(name) + " is not a byte count: \"" + value + "\"");
    }
    *slot = v;
  }
  if (!capacity || !available) {
    return NotFound(
        "no logstore_volume_capacity_bytes and logstore_volume_available_bytes gauges (not a "
        "logstack log store?)");
  }
  StorageReport r;
  r.capacity_bytes = static_cast<uint64_t>(*capacity);
  r.available_bytes = static_cast<uint64_t>(*available);
  r.min_free_bytes = static_cast<uint64_t>(min_free.value_or(0));
  return r;
}

StoreProberPtr NewHttpStoreProber(std::chrono::milliseconds timeout, std::string ca_file) {
  return std::make_unique<HttpStoreProber>(timeout, std::move(ca_file));
}

}  // namespace logstack::op::controller
