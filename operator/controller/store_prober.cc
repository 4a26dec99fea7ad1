#include "operator/controller/store_prober.h"

#include <cpprest/http_client.h>
#include <openssl/ssl.h>

namespace logstack::op::controller {

namespace {

class HttpStoreProber final : public StoreProber {
 public:
  HttpStoreProber(std::chrono::milliseconds timeout, std::string ca_file)
      : timeout_(timeout), ca_file_(std::move(ca_file)) {}

  Status Probe(const std::string& base_url) override {
    std::string url = base_url;
    while (!url.empty() && url.back() == '/') url.pop_back();
    url += "/ready";
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
      if (code >= 200 && code < 300) return Status::Ok();
      std::string body = resp.extract_utf8string(true).get();
      if (body.size() > 200) body.resize(200);
      while (!body.empty() && (body.back() == '\n' || body.back() == '\r')) body.pop_back();
      return Unavailable("GET " + url + ": HTTP " + std::to_string(code) +
                         (body.empty() ? "" : ": " + body));
    } catch (const std::exception& e) {
      return Unavailable("GET " + url + ": " + e.what());
    }
  }

 private:
  const std::chrono::milliseconds timeout_;
  const std::string ca_file_;
};

}  // namespace

StoreProberPtr NewHttpStoreProber(std::chrono::milliseconds timeout, std::string ca_file) {
  return std::make_unique<HttpStoreProber>(timeout, std::move(ca_file));
}

}  // namespace logstack::op::controller
