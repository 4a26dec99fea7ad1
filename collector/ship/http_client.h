#pragma once

// HttpClient: the collector's HTTP/1.1 client for POSTing pushes to one URL
// (a log store's or Loki's /loki/api/v1/push), on Boost.Beast.
//
// - http:// and https:// (TLS through Boost.Asio's OpenSSL layer: the
//   server's certificate is checked against the system's CA bundle or
//   TlsOptions::ca_file and the host name, unless insecure_skip_verify;
//   SNI is sent; a client certificate is optional).
// - One connection, kept alive between requests and opened again, after
//   resolving the host again, when it broke or the server closed it. A
//   request that fails on a kept-alive connection before any byte of the
//   answer arrived is sent once more on a new connection (the server may have
//   closed the idle connection just then; a push is safe to repeat, since the
//   store drops exact duplicates).
// - Blocking, with a deadline per request that covers resolving,
//   connecting, the TLS handshake, sending and reading the answer.
// - Every request carries User-Agent (logstack-collector/<version>),
//   Authorization when configured (basic auth, from the options or the URL's
//   user:password@, or a bearer token), and the options' extra headers.
// - The answer's status, Retry-After and body are returned; the body is
//   kept up to max_response_body bytes and the rest is read and dropped (so
//   the connection stays usable), up to a hard limit past which the
//   connection is closed instead.
//
// Errors (Post): Unavailable for network failures (resolve, connect, TLS,
// reset, closed), DeadlineExceeded when the deadline passed, Cancelled after
// Cancel(), InvalidArgument for a header value with CR, LF or NUL (nothing is
// sent). An answer of any HTTP status is OK at this level.
//
// Thread safety: Post() and Close() from one thread at a time; Cancel() from
// any thread, also while Post() runs.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace logstack::collector {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct TlsOptions {
  // PEM file of CA certificates to trust; empty: the system's.
  std::string ca_file;
  // A client certificate and its key (PEM), for servers that ask for one.
  std::string cert_file;
  std::string key_file;
  // The name sent as SNI and checked against the certificate; empty: the
  // URL's host.
  std::string server_name;
  // Accepts any certificate. For tests and emergencies only.
  bool insecure_skip_verify = false;
};

struct HttpClientOptions {
  // http[s]://[user:password@]host[:port][/path][?query]
  std::string url;
  // Basic auth (username non-empty) or a bearer token; not both. Credentials
  // in the URL count as basic auth.
  std::string basic_auth_username;
  std::string basic_auth_password;
  std::string bearer_token;
  // Sent with every request, after the client's own headers.
  HttpHeaders headers;
  std::string user_agent = "logstack-collector/" LOGSTACK_VERSION;
  // Bytes of an answer's body kept in HttpResponse::body.
  size_t max_response_body = 64 << 10;
  TlsOptions tls;
};

struct HttpResponse {
  int status = 0;
  // The first max_response_body bytes of the body.
  std::string body;
  bool body_truncated = false;
  // The Retry-After header as sent; empty when absent (retry_after.h reads it).
  std::string retry_after;
};

struct ParsedUrl {
  bool tls = false;
  std::string host;  // without [] for IPv6
  uint16_t port = 0;
  std::string target = "/";  // path and query
  std::string username;      // percent-decoded userinfo
  std::string password;
};

// Parses an http:// or https:// URL. InvalidArgument names what is wrong.
StatusOr<ParsedUrl> ParseUrl(std::string_view url);

class HttpClient {
 public:
  // Checks the URL and loads the TLS settings (CA, client certificate);
  // connects only on the first Post().
  static StatusOr<std::unique_ptr<HttpClient>> Create(HttpClientOptions opts);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // POSTs `body` to the URL with Content-Type `content_type` and `headers`
  // (e.g. X-Scope-OrgID) and reads the answer, by `deadline`.
  StatusOr<HttpResponse> Post(std::string_view content_type, std::string_view body,
                              const HttpHeaders& headers,
                              std::chrono::steady_clock::time_point deadline);

  // Makes the Post() in progress, if any, and every later one return
  // Cancelled quickly. Irreversible; safe from any thread.
  void Cancel();
  // Closes the kept-alive connection, if any.
  void Close();

  const ParsedUrl& url() const { return url_; }
  // Connections opened so far (a test checks that keep-alive holds).
  uint64_t connections_opened() const { return connections_opened_; }

  struct Impl;  // Boost.Asio state, in the .cc

 private:
  HttpClient(HttpClientOptions opts, ParsedUrl url, std::unique_ptr<Impl> impl);
  StatusOr<HttpResponse> PostOnce(std::string_view request_head, std::string_view body,
                                  std::chrono::steady_clock::time_point deadline, bool* reused,
                                  bool* got_answer_bytes);
  Status Connect(std::chrono::steady_clock::time_point deadline);

  const HttpClientOptions opts_;
  const ParsedUrl url_;
  std::string authorization_;  // the Authorization header's value, or empty
  std::unique_ptr<Impl> impl_;
  uint64_t connections_opened_ = 0;
};

}  // namespace logstack::collector
