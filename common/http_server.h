#pragma once

// An HTTP/1.1 server on Boost.Beast for the log store's API: keep-alive,
// a body size limit (413 over it), and handlers that may answer later from
// another thread (a push answers only after its WAL record is synced).
//
// Handlers run on the server's I/O threads and must not block for long; work
// that can take a while (queries) should be moved to another thread and
// answered through the Responder, which may be called from any thread.
//
// Thread safety: Route() before Start(); everything else from any thread.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace logstack::http {

struct Header {
  std::string name;
  std::string value;
};

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path and query as sent
  std::string path;    // percent-decoded path without the query
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in order
  std::vector<Header> headers;
  std::string body;
  std::string remote;  // peer address

  // Case-insensitive header lookup; empty when absent.
  std::string_view GetHeader(std::string_view name) const;
  // The last value of a query or form parameter (a POST body of type
  // application/x-www-form-urlencoded counts too); empty when absent.
  std::string Param(std::string_view name) const;
  bool HasParam(std::string_view name) const;
  // Every value of a parameter, e.g. match[] given several times.
  std::vector<std::string> Params(std::string_view name) const;

  // Parsed form parameters of the body (filled by the server).
  std::vector<std::pair<std::string, std::string>> form;
};

struct Response {
  int status = 200;
  std::string content_type;
  std::string body;
  std::vector<Header> headers;

  static Response Text(int status, std::string body);
  static Response Json(int status, std::string body);
  static Response Empty(int status);
};

// Called exactly once with the response. Safe to call from any thread.
using Responder = std::function<void(Response)>;
using Handler = std::function<void(Request&, Responder)>;

struct ServerOptions {
  std::string listen = "0.0.0.0:3100";  // host:port; port 0 picks a free one
  int threads = 2;
  uint64_t body_limit = 512ull << 20;
  int idle_timeout_seconds = 300;
};

// Splits "host:port". An empty host means all interfaces.
StatusOr<std::pair<std::string, uint16_t>> SplitHostPort(std::string_view hostport);
// Decodes %XX and, when plus_as_space, '+'.
std::string PercentDecode(std::string_view s, bool plus_as_space);
// Parses "a=1&b=2" (decoding both sides) and appends to out.
void ParseQueryString(std::string_view qs, std::vector<std::pair<std::string, std::string>>* out);

class Server {
 public:
  explicit Server(ServerOptions opts);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Routes an exact path, or every path starting with `path` when it ends in
  // '*' (the '*' removed). `methods` is e.g. {"GET", "POST"}; other methods on
  // a known path get 405. Unknown paths get 404.
  void Route(std::vector<std::string> methods, std::string path, Handler handler);
  // Called after each response with route pattern, status and seconds taken.
  void SetObserver(std::function<void(const std::string& route, int status, double secs)> fn);

  // Binds and starts the I/O threads. Returns OK iff listening.
  Status Start();
  // Stops accepting, closes connections, joins the threads. Idempotent.
  void Stop();
  uint16_t port() const;

  struct Impl;  // public so connection sessions in the .cc can reach it

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace logstack::http
