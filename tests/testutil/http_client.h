#pragma once

// A small blocking HTTP/1.1 client for tests, on Boost.Beast.
//
// HttpClient talks to one host:port and keeps its connection open between
// requests (keep-alive) unless told not to. Every request has a deadline;
// past it the connection is closed and DeadlineExceeded is returned. A
// request that fails because a kept-alive connection was closed by the
// server before any byte of the answer arrived is retried once on a new
// connection (a retry is safe: the server never saw a complete request).
//
// HttpDo() is the one-shot form for a full URL, on a fresh connection.
//
// Errors: Unavailable for connection failures (refused, reset, closed),
// DeadlineExceeded for timeouts, InvalidArgument for a bad URL. An HTTP
// answer of any status is OK at this level: the caller checks `status`.
//
// Thread safety: an HttpClient is used by one thread at a time; use one
// client per thread.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace logstack::testutil {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

inline constexpr std::chrono::milliseconds kDefaultHttpTimeout{30'000};

struct HttpResult {
  int status = 0;
  HttpHeaders headers;  // in the order received
  std::string body;

  // The first value of a header (case-insensitive name); empty when absent.
  std::string Header(std::string_view name) const;
  // "HTTP <status>: <body, shortened>" for assertion messages.
  std::string Describe() const;
};

struct ParsedUrl {
  std::string host;
  uint16_t port = 80;
  std::string target = "/";  // path and query
};

// Parses "http://host[:port][/path?query]". Only plain http is supported.
StatusOr<ParsedUrl> ParseHttpUrl(std::string_view url);

// Percent-encodes a query parameter value (RFC 3986 unreserved kept).
std::string UrlEncode(std::string_view s);

class HttpClient {
 public:
  HttpClient(std::string host, uint16_t port, bool keep_alive = true);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends one request to `target` ("/path?query") and reads the answer.
  // Host and Content-Length are set here; `headers` may add or override
  // others (Content-Type, Content-Encoding, X-Scope-OrgID, ...).
  StatusOr<HttpResult> Do(std::string_view method, std::string_view target,
                          const HttpHeaders& headers = {}, std::string_view body = {},
                          std::chrono::milliseconds timeout = kDefaultHttpTimeout);

  StatusOr<HttpResult> Get(std::string_view target, const HttpHeaders& headers = {},
                           std::chrono::milliseconds timeout = kDefaultHttpTimeout) {
    return Do("GET", target, headers, {}, timeout);
  }
  StatusOr<HttpResult> Post(std::string_view target, std::string_view body,
                            const HttpHeaders& headers = {},
                            std::chrono::milliseconds timeout = kDefaultHttpTimeout) {
    return Do("POST", target, headers, body, timeout);
  }

  // Drops the kept-alive connection, if any.
  void Close();

  const std::string& host() const { return host_; }
  uint16_t port() const { return port_; }

 private:
  struct Conn;
  StatusOr<HttpResult> DoOnce(std::string_view method, std::string_view target,
                              const HttpHeaders& headers, std::string_view body,
                              std::chrono::steady_clock::time_point deadline, bool* reused,
                              bool* got_response_bytes);

  std::string host_;
  uint16_t port_;
  bool keep_alive_;
  std::unique_ptr<Conn> conn_;
};

// One request on a fresh connection to a full URL.
StatusOr<HttpResult> HttpDo(std::string_view method, std::string_view url,
                            const HttpHeaders& headers = {}, std::string_view body = {},
                            std::chrono::milliseconds timeout = kDefaultHttpTimeout);

}  // namespace logstack::testutil
