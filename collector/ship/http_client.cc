#include "collector/ship/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "common/http_server.h"
#include "common/strings.h"

namespace logstack::collector {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;
using Deadline = std::chrono::steady_clock::time_point;

namespace {

// Past this much body the rest is not read: the connection is closed.
constexpr uint64_t kHardBodyLimit = 16 << 20;

std::string Base64(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (static_cast<uint8_t>(in[i]) << 16) | (static_cast<uint8_t>(in[i + 1]) << 8) |
                 static_cast<uint8_t>(in[i + 2]);
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i + 1 == in.size()) {
    uint32_t v = static_cast<uint8_t>(in[i]) << 16;
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    uint32_t v = (static_cast<uint8_t>(in[i]) << 16) | (static_cast<uint8_t>(in[i + 1]) << 8);
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

bool IsValidHeaderValue(std::string_view v) {
  return v.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

bool IsValidHeaderName(std::string_view n) {
  if (n.empty()) return false;
  for (char c : n) {
    if (c <= ' ' || c >= 127 || c == ':') return false;
  }
  return true;
}

// The errors that mean "the server closed a kept-alive connection".
bool IsStaleConnection(const beast::error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == asio::error::connection_aborted || ec == ssl::error::stream_truncated;
}

}  // namespace

StatusOr<ParsedUrl> ParseUrl(std::string_view url) {
  auto bad = [&](std::string_view why) {
    return InvalidArgument("URL '" + std::string(url) + "' " + std::string(why));
  };
  ParsedUrl out;
  std::string_view rest;
  if (EqualsIgnoreCase(url.substr(0, 7), "http://")) {
    rest = url.substr(7);
    out.port = 80;
  } else if (EqualsIgnoreCase(url.substr(0, 8), "https://")) {
    rest = url.substr(8);
    out.tls = true;
    out.port = 443;
  } else {
    return bad("does not start with http:// or https://");
  }
  size_t slash = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) {
    std::string_view target = rest.substr(slash);
    if (size_t hash = target.find('#'); hash != std::string_view::npos) {
      target = target.substr(0, hash);
    }
    out.target = std::string(target);
    if (out.target.empty() || out.target[0] == '?') out.target.insert(out.target.begin(), '/');
  }
  if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    size_t colon = userinfo.find(':');
    out.username = http::PercentDecode(userinfo.substr(0, colon), false);
    if (colon != std::string_view::npos) {
      out.password = http::PercentDecode(userinfo.substr(colon + 1), false);
    }
  }
  std::string_view host = authority;
  std::string_view port_s;
  bool has_port = false;
  if (!authority.empty() && authority[0] == '[') {  // [IPv6]:port
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad("has an unclosed [");
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return bad("has junk after the host");
      port_s = after.substr(1);
      has_port = true;
    }
  } else if (size_t colon = authority.find(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port_s = authority.substr(colon + 1);
    has_port = true;
  }
  if (has_port) {
    if (port_s.empty() || port_s.size() > 5) return bad("has an invalid port");
    uint32_t port = 0;
    for (char c : port_s) {
      if (c < '0' || c > '9') return bad("has an invalid port");
      port = port * 10 + static_cast<uint32_t>(c - '0');
    }
    if (port == 0 || port > 65535) return bad("has an invalid port");
    out.port = static_cast<uint16_t>(port);
  }
  if (host.empty()) return bad("has no host");
  if (!IsValidHeaderValue(host) || host.find_first_of(" \t") != std::string_view::npos) {
    return bad("has an invalid host");
  }
  out.host = std::string(host);
  return out;
}

// The client's connection and I/O loop. Every asynchronous operation is
// started and then driven to completion by Drive() on the calling thread;
// Cancel() stops the loop from another thread, and Drive() then closes the
// connection, which makes the pending operation complete with an error.
struct HttpClient::Impl {
  // Resolving runs getaddrinfo on a thread of its own, which a deadline or
  // Cancel() abandons (getaddrinfo cannot be interrupted, and can take the
  // resolver's full timeouts when DNS is down).
  struct Resolution {
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;                     // GUARDED_BY(mu)
    bool abandon = false;                  // GUARDED_BY(mu): Cancel() was called
    beast::error_code ec;                  // GUARDED_BY(mu)
    std::vector<tcp::endpoint> endpoints;  // GUARDED_BY(mu)
  };

  asio::io_context ioc{1};
  std::optional<ssl::context> ssl_ctx;  // https only
  std::optional<beast::tcp_stream> tcp;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;
  bool used = false;  // the connection has carried a request
  std::atomic<bool> cancelled{false};

  std::mutex resolve_mu;
  std::shared_ptr<Resolution> resolving;  // GUARDED_BY(resolve_mu)

  bool connected() const { return tcp.has_value() || tls.has_value(); }
  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *tcp; }

  void CloseStream() {
    if (!connected()) return;
    beast::error_code ec;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
    lowest().close();
    tls.reset();
    tcp.reset();
    buffer.clear();
    used = false;
  }

  // Runs the I/O loop until the operation that `result` belongs to has
  // completed (result is no longer would_block).
  void Drive(beast::error_code* result) {
    ioc.restart();
    if (cancelled.load()) AbortIo();
    ioc.run();
    if (*result == asio::error::would_block) {
      // Cancel() stopped the loop with the operation still pending.
      AbortIo();
      ioc.restart();
      ioc.run();
    }
  }
  void AbortIo() {
    if (connected()) {
      beast::error_code ec;
      lowest().socket().close(ec);
    }
  }

  // Starts one operation on the connection with `start(handler)` and drives
  // it until it completes or `deadline` passes (the stream then closes itself
  // and the operation fails with beast::error::timeout).
  template <typename Start>
  beast::error_code Run(Deadline deadline, Start&& start) {
    beast::error_code result = asio::error::would_block;
    lowest().expires_at(deadline);
    start([&result](beast::error_code ec, auto&&...) { result = ec; });
    Drive(&result);
    return result;
  }

  // Calls f with the plain or TLS stream.
  template <typename F>
  decltype(auto) WithStream(F&& f) {
    if (tls) return f(*tls);
    return f(*tcp);
  }

  StatusOr<std::vector<tcp::endpoint>> Resolve(const std::string& host, uint16_t port,
                                               Deadline deadline) {
    beast::error_code ec;
    asio::ip::address addr = asio::ip::make_address(host, ec);
    if (!ec) return std::vector<tcp::endpoint>{tcp::endpoint(addr, port)};
    auto r = std::make_shared<Resolution>();
    {
      std::lock_guard<std::mutex> lock(resolve_mu);
      resolving = r;
    }
    std::thread([r, host, port] {
      asio::io_context ioc;
      tcp::resolver resolver(ioc);
      beast::error_code ec;
      auto results = resolver.resolve(host, std::to_string(port), ec);
      std::lock_guard<std::mutex> lock(r->mu);
      r->ec = ec;
      for (const auto& entry : results) r->endpoints.push_back(entry.endpoint());
      r->done = true;
      r->cv.notify_all();
    }).detach();
    std::unique_lock<std::mutex> lock(r->mu);
    bool finished = r->cv.wait_until(lock, deadline, [&] { return r->done || r->abandon; });
    bool abandoned = r->abandon;
    std::vector<tcp::endpoint> endpoints = r->endpoints;
    ec = r->ec;
    lock.unlock();
    {
      std::lock_guard<std::mutex> guard(resolve_mu);
      resolving.reset();
    }
    if (abandoned || cancelled.load()) return Cancelled("resolve " + host + ": cancelled");
    if (!finished) return DeadlineExceeded("resolve " + host + ": timed out");
    if (ec) return Unavailable("resolve " + host + ": " + ec.message());
    if (endpoints.empty()) return Unavailable("resolve " + host + ": no addresses");
    return endpoints;
  }

  void Cancel() {
    cancelled.store(true);
    ioc.stop();
    std::lock_guard<std::mutex> lock(resolve_mu);
    if (resolving) {
      std::lock_guard<std::mutex> guard(resolving->mu);
      resolving->abandon = true;
      resolving->cv.notify_all();
    }
  }

  Status FromError(std::string_view what, const beast::error_code& ec) const {
    std::string msg = std::string(what) + ": " + ec.message();
    if (cancelled.load()) return Cancelled(std::string(what) + ": cancelled");
    if (ec == beast::error::timeout) return DeadlineExceeded(msg);
    return Unavailable(msg);
  }
};

StatusOr<std::unique_ptr<HttpClient>> HttpClient::Create(HttpClientOptions opts) {
  LOGSTACK_ASSIGN_OR_RETURN(ParsedUrl url, ParseUrl(opts.url));
  auto impl = std::make_unique<Impl>();
  if (!opts.basic_auth_username.empty() && !opts.bearer_token.empty()) {
    return InvalidArgument("basic auth and a bearer token are both set; use one");
  }
  if (!url.username.empty() && !opts.bearer_token.empty()) {
    return InvalidArgument("the URL has credentials and a bearer token is set; use one");
  }
  for (const auto& [name, value] : opts.headers) {
    if (!IsValidHeaderName(name) || !IsValidHeaderValue(value)) {
      return InvalidArgument("invalid header '" + name + "'");
    }
  }
  if (!IsValidHeaderValue(opts.user_agent) || !IsValidHeaderValue(opts.bearer_token)) {
    return InvalidArgument("the user agent or bearer token has a line break or NUL");
  }
  if (url.tls) {
    const TlsOptions& t = opts.tls;
    beast::error_code ec;
    impl->ssl_ctx.emplace(ssl::context::tls_client);
    ssl::context& ctx = *impl->ssl_ctx;
    ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                        ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1,
                    ec);
    if (t.ca_file.empty()) {
      ctx.set_default_verify_paths(ec);
      if (ec) return InvalidArgument("TLS: loading the system's CA certificates: " + ec.message());
    } else {
      ctx.load_verify_file(t.ca_file, ec);
      if (ec) return InvalidArgument("TLS: loading CA file " + t.ca_file + ": " + ec.message());
    }
    if (t.cert_file.empty() != t.key_file.empty()) {
      return InvalidArgument("TLS: a client certificate needs both cert_file and key_file");
    }
    if (!t.cert_file.empty()) {
      ctx.use_certificate_chain_file(t.cert_file, ec);
      if (ec) return InvalidArgument("TLS: loading " + t.cert_file + ": " + ec.message());
      ctx.use_private_key_file(t.key_file, ssl::context::pem, ec);
      if (ec) return InvalidArgument("TLS: loading " + t.key_file + ": " + ec.message());
    }
    ctx.set_verify_mode(t.insecure_skip_verify ? ssl::verify_none : ssl::verify_peer, ec);
  }
  return std::unique_ptr<HttpClient>(
      new HttpClient(std::move(opts), std::move(url), std::move(impl)));
}

HttpClient::HttpClient(HttpClientOptions opts, ParsedUrl url, std::unique_ptr<Impl> impl)
    : opts_(std::move(opts)), url_(std::move(url)), impl_(std::move(impl)) {
  std::string user = opts_.basic_auth_username.empty() ? url_.username : opts_.basic_auth_username;
  std::string pass = opts_.basic_auth_username.empty() ? url_.password : opts_.basic_auth_password;
  if (!user.empty()) {
    authorization_ = "Basic " + Base64(user + ":" + pass);
  } else if (!opts_.bearer_token.empty()) {
    authorization_ = "Bearer " + opts_.bearer_token;
  }
}

HttpClient::~HttpClient() { Close(); }

void HttpClient::Close() { impl_->CloseStream(); }

void HttpClient::Cancel() { impl_->Cancel(); }

Status HttpClient::Connect(Deadline deadline) {
  Impl& io = *impl_;
  LOGSTACK_ASSIGN_OR_RETURN(auto endpoints, io.Resolve(url_.host, url_.port, deadline));
  const std::string where = url_.host + ":" + std::to_string(url_.port);
  io.tcp.emplace(io.ioc);
  beast::error_code ec =
      io.Run(deadline, [&](auto handler) { io.tcp->async_connect(endpoints, std::move(handler)); });
  if (ec) {
    Status s = io.FromError("connect " + where, ec);
    io.CloseStream();
    return s;
  }
  ++connections_opened_;
  if (!url_.tls) return Status::Ok();

  io.tls.emplace(std::move(*io.tcp), *io.ssl_ctx);
  io.tcp.reset();
  const std::string& name = opts_.tls.server_name.empty() ? url_.host : opts_.tls.server_name;
  beast::error_code addr_ec;
  asio::ip::make_address(name, addr_ec);
  if (addr_ec && !SSL_set_tlsext_host_name(io.tls->native_handle(), name.c_str())) {
    io.CloseStream();
    return Unavailable("TLS: cannot set the server name " + name);
  }
  if (!opts_.tls.insecure_skip_verify) {
    io.tls->set_verify_callback(ssl::host_name_verification(name));
  }
  ec = io.Run(deadline, [&](auto handler) {
    io.tls->async_handshake(ssl::stream_base::client, std::move(handler));
  });
  if (ec) {
    Status s = io.FromError("TLS handshake with " + where, ec);
    io.CloseStream();
    return s;
  }
  return Status::Ok();
}

StatusOr<HttpResponse> HttpClient::Post(std::string_view content_type, std::string_view body,
                                        const HttpHeaders& headers, Deadline deadline) {
  if (impl_->cancelled.load()) return Cancelled("POST " + url_.target + ": cancelled");
  if (!IsValidHeaderValue(content_type)) return InvalidArgument("invalid Content-Type");
  for (const auto& [name, value] : headers) {
    if (!IsValidHeaderName(name) || !IsValidHeaderValue(value)) {
      return InvalidArgument("header " + name + " has an invalid name or value");
    }
  }
  std::string head;
  head.reserve(256 + url_.target.size());
  head.append("POST ").append(url_.target).append(" HTTP/1.1\r\nHost: ");
  const bool ipv6 = url_.host.find(':') != std::string::npos;
  head.append(ipv6 ? "[" + url_.host + "]" : url_.host);
  if (url_.port != (url_.tls ? 443 : 80)) head.append(":").append(std::to_string(url_.port));
  head.append("\r\nUser-Agent: ").append(opts_.user_agent);
  head.append("\r\nContent-Type: ").append(content_type);
  head.append("\r\nContent-Length: ").append(std::to_string(body.size()));
  if (!authorization_.empty()) head.append("\r\nAuthorization: ").append(authorization_);
  for (const HttpHeaders* list : {&opts_.headers, &headers}) {
    for (const auto& [name, value] : *list)
      head.append("\r\n").append(name).append(": ").append(value);
  }
  head.append("\r\n\r\n");

  bool reused = false;
  bool got_bytes = false;
  auto r = PostOnce(head, body, deadline, &reused, &got_bytes);
  if (!r.ok() && reused && !got_bytes && r.status().code() == StatusCode::kUnavailable) {
    // The server closed the kept-alive connection as we sent: once more on a
    // new one.
    r = PostOnce(head, body, deadline, &reused, &got_bytes);
  }
  return r;
}

StatusOr<HttpResponse> HttpClient::PostOnce(std::string_view head, std::string_view body,
                                            Deadline deadline, bool* reused,
                                            bool* got_answer_bytes) {
  Impl& io = *impl_;
  *got_answer_bytes = false;
  *reused = io.connected() && io.used;
  if (!io.connected()) LOGSTACK_RETURN_IF_ERROR(Connect(deadline));
  io.used = true;
  const std::string what = "POST " + url_.target;

  std::array<asio::const_buffer, 2> buffers = {asio::buffer(head.data(), head.size()),
                                               asio::buffer(body.data(), body.size())};
  beast::error_code ec = io.Run(deadline, [&](auto handler) {
    io.WithStream([&](auto& stream) { asio::async_write(stream, buffers, std::move(handler)); });
  });
  if (ec) {
    Status s = io.FromError(what, ec);
    io.CloseStream();
    return s;
  }

  HttpResponse out;
  // Interim answers (1xx) are skipped; the final one follows them.
  std::optional<bhttp::response_parser<bhttp::buffer_body>> parser;
  for (;;) {
    parser.emplace();
    parser->body_limit(kHardBodyLimit);
    ec = io.Run(deadline, [&](auto handler) {
      io.WithStream([&](auto& stream) {
        bhttp::async_read_header(stream, io.buffer, *parser, std::move(handler));
      });
    });
    *got_answer_bytes = *got_answer_bytes || parser->got_some();
    if (ec) {
      bool stale = IsStaleConnection(ec);
      Status s = io.FromError("answer to " + what, ec);
      io.CloseStream();
      if (!stale) *got_answer_bytes = true;  // not the idle-close race: do not send it again
      return s;
    }
    out.status = static_cast<int>(parser->get().result_int());
    if (out.status >= 200 || out.status < 100) break;
  }
  auto& res = parser->get();
  if (auto it = res.find(bhttp::field::retry_after); it != res.end()) {
    out.retry_after = std::string(it->value());
  }

  char chunk[16 << 10];
  bool broken = false;
  while (!parser->is_done()) {
    res.body().data = chunk;
    res.body().size = sizeof(chunk);
    ec = io.Run(deadline, [&](auto handler) {
      io.WithStream(
          [&](auto& stream) { bhttp::async_read(stream, io.buffer, *parser, std::move(handler)); });
    });
    if (ec == bhttp::error::need_buffer) ec = {};
    size_t got = sizeof(chunk) - res.body().size;
    size_t keep =
        std::min(got, opts_.max_response_body - std::min(out.body.size(), opts_.max_response_body));
    out.body.append(chunk, keep);
    if (keep < got) out.body_truncated = true;
    if (ec == bhttp::error::body_limit) {
      out.body_truncated = true;
      broken = true;
      break;
    }
    if (ec) {
      Status s = io.FromError("body of the answer to " + what, ec);
      io.CloseStream();
      return s;
    }
  }
  if (broken || !parser->get().keep_alive()) io.CloseStream();
  return out;
}

}  // namespace logstack::collector
