#include "tests/testutil/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <optional>

#include "common/strings.h"

namespace logstack::testutil {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = boost::asio::ip::tcp;
using SteadyTime = std::chrono::steady_clock::time_point;

namespace {

Status FromError(std::string_view what, const beast::error_code& ec) {
  std::string msg = std::string(what) + ": " + ec.message();
  if (ec == beast::error::timeout) return DeadlineExceeded(msg);
  return Unavailable(msg);
}

// The errors that mean "the server closed a kept-alive connection".
bool IsStaleConnection(const beast::error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == asio::error::connection_aborted;
}

}  // namespace

std::string HttpResult::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (EqualsIgnoreCase(k, name)) return v;
  }
  return "";
}

std::string HttpResult::Describe() const {
  constexpr size_t kMax = 400;
  std::string b = body.size() > kMax
                      ? body.substr(0, kMax) + "...(" + std::to_string(body.size()) + " bytes)"
                      : body;
  return "HTTP " + std::to_string(status) + ": " + b;
}

StatusOr<ParsedUrl> ParseHttpUrl(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (url.substr(0, kScheme.size()) != kScheme) {
    return InvalidArgument("URL '" + std::string(url) + "' does not start with http://");
  }
  std::string_view rest = url.substr(kScheme.size());
  size_t slash = rest.find_first_of("/?");
  std::string_view hostport = rest.substr(0, slash);
  ParsedUrl out;
  if (slash != std::string_view::npos) {
    out.target = std::string(rest.substr(slash));
    if (out.target[0] == '?') out.target.insert(out.target.begin(), '/');
  }
  auto bad = [&](std::string_view why) {
    return InvalidArgument("URL '" + std::string(url) + "' " + std::string(why));
  };
  std::string_view host = hostport;
  std::string_view port_s;
  bool has_port = false;
  if (!hostport.empty() && hostport[0] == '[') {  // [IPv6]:port
    size_t close = hostport.find(']');
    if (close == std::string_view::npos) return bad("has an unclosed [");
    host = hostport.substr(1, close - 1);
    std::string_view after = hostport.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return bad("has junk after the host");
      port_s = after.substr(1);
      has_port = true;
    }
  } else if (size_t colon = hostport.find(':'); colon != std::string_view::npos) {
    host = hostport.substr(0, colon);
    port_s = hostport.substr(colon + 1);
    has_port = true;
  }
  if (has_port) {
    if (port_s.empty() || port_s.size() > 5) return bad("has an invalid port");
    long port = 0;
    for (char c : port_s) {
      if (!std::isdigit(static_cast<unsigned char>(c))) return bad("has an invalid port");
      port = port * 10 + (c - '0');
    }
    if (port > 65535) return bad("has an invalid port");
    out.port = static_cast<uint16_t>(port);
  }
  if (host.empty()) return bad("has no host");
  out.host = std::string(host);
  return out;
}

std::string UrlEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() * 3);
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

struct HttpClient::Conn {
  asio::io_context ioc;
  beast::tcp_stream stream{ioc};
  beast::flat_buffer buffer;
  bool used = false;  // has carried a request already

  // Runs one asynchronous operation, started by `start` with a completion
  // handler, until it completes or `deadline` passes (the stream then closes
  // itself and the operation fails with beast::error::timeout).
  template <typename StartFn>
  beast::error_code Run(SteadyTime deadline, StartFn start) {
    beast::error_code result = asio::error::would_block;
    stream.expires_at(deadline);
    start([&result](beast::error_code ec, auto&&...) { result = ec; });
    ioc.restart();
    ioc.run();
    return result;
  }
};

HttpClient::HttpClient(std::string host, uint16_t port, bool keep_alive)
    : host_(std::move(host)), port_(port), keep_alive_(keep_alive) {}

HttpClient::~HttpClient() { Close(); }

void HttpClient::Close() {
  if (conn_) {
    beast::error_code ec;
    conn_->stream.socket().shutdown(tcp::socket::shutdown_both, ec);
    conn_->stream.close();
    conn_.reset();
  }
}

StatusOr<HttpResult> HttpClient::Do(std::string_view method, std::string_view target,
                                    const HttpHeaders& headers, std::string_view body,
                                    std::chrono::milliseconds timeout) {
  SteadyTime deadline = std::chrono::steady_clock::now() + timeout;
  bool reused = false;
  bool got_bytes = false;
  auto r = DoOnce(method, target, headers, body, deadline, &reused, &got_bytes);
  if (!r.ok() && reused && !got_bytes && r.status().code() == StatusCode::kUnavailable) {
    // The server closed the kept-alive connection before reading our
    // request; nothing was processed, so send it again on a new one.
    r = DoOnce(method, target, headers, body, deadline, &reused, &got_bytes);
  }
  return r;
}

StatusOr<HttpResult> HttpClient::DoOnce(std::string_view method, std::string_view target,
                                        const HttpHeaders& headers, std::string_view body,
                                        SteadyTime deadline, bool* reused,
                                        bool* got_response_bytes) {
  *got_response_bytes = false;
  *reused = conn_ != nullptr && conn_->used;
  if (!conn_) {
    conn_ = std::make_unique<Conn>();
    beast::error_code ec;
    tcp::resolver resolver(conn_->ioc);
    auto endpoints = resolver.resolve(host_, std::to_string(port_), ec);
    if (ec) {
      conn_.reset();
      return Unavailable("resolve " + host_ + ": " + ec.message());
    }
    ec = conn_->Run(deadline, [&](auto handler) {
      conn_->stream.async_connect(endpoints, std::move(handler));
    });
    if (ec) {
      conn_.reset();
      return FromError("connect " + host_ + ":" + std::to_string(port_), ec);
    }
  }
  conn_->used = true;

  bhttp::request<bhttp::string_body> req;
  const beast::string_view method_sv(method.data(), method.size());
  bhttp::verb verb = bhttp::string_to_verb(method_sv);
  if (verb == bhttp::verb::unknown) {
    req.method_string(method_sv);
  } else {
    req.method(verb);
  }
  req.target(beast::string_view(target.data(), target.size()));
  req.version(11);
  req.set(bhttp::field::host, host_ + ":" + std::to_string(port_));
  req.set(bhttp::field::user_agent, "logstack-tests");
  for (const auto& [k, v] : headers) req.set(k, v);
  req.body() = std::string(body);
  req.keep_alive(keep_alive_);
  req.prepare_payload();

  beast::error_code ec = conn_->Run(
      deadline, [&](auto handler) { bhttp::async_write(conn_->stream, req, std::move(handler)); });
  if (ec) {
    Close();
    return FromError("write " + std::string(method) + " " + std::string(target), ec);
  }

  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(boost::none);
  parser.header_limit(1 << 20);
  if (verb == bhttp::verb::head) parser.skip(true);
  ec = conn_->Run(deadline, [&](auto handler) {
    bhttp::async_read(conn_->stream, conn_->buffer, parser, std::move(handler));
  });
  *got_response_bytes = parser.got_some();
  if (ec) {
    bool stale = IsStaleConnection(ec);
    Close();
    Status s = FromError("read answer to " + std::string(method) + " " + std::string(target), ec);
    if (!stale && s.code() == StatusCode::kUnavailable) *got_response_bytes = true;
    return s;
  }
  bhttp::response<bhttp::string_body> res = parser.release();
  HttpResult out;
  out.status = static_cast<int>(res.result_int());
  for (const auto& f : res) {
    out.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
  }
  out.body = std::move(res.body());
  if (!keep_alive_ || !res.keep_alive()) Close();
  return out;
}

StatusOr<HttpResult> HttpDo(std::string_view method, std::string_view url,
                            const HttpHeaders& headers, std::string_view body,
                            std::chrono::milliseconds timeout) {
  LOGSTACK_ASSIGN_OR_RETURN(ParsedUrl u, ParseHttpUrl(url));
  HttpClient client(u.host, u.port, /*keep_alive=*/false);
  return client.Do(method, u.target, headers, body, timeout);
}

}  // namespace logstack::testutil
