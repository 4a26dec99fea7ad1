#pragma once

// An HTTP/1.1 server on Boost.Beast for the log store's API: keep-alive,
// a body size limit (413 over it), and handlers that may answer later from
// another thread (a push answers only after its WAL record is synced).
//
// Handlers run on the server's I/O threads and must not block for long; work
// that can take a while (queries) should be moved to another thread and
// answered through the Responder, which may be called from any thread.
//
// Requests over a limit (ServerOptions) are answered, not dropped: 413 for
// the body, 414 for the request line, 431 for the header fields, each with a
// one-line text body. The connection stays open after a 414 or 431 when the
// whole header could be read and the request has no body; otherwise the
// answer says "Connection: close" (the rest of the request cannot be framed).
//
// A route may also take the connection over as a WebSocket: it answers
// Response::WebSocketUpgrade(on_open) and the server completes the handshake
// and hands on_open a WebSocket (see below).
//
// Thread safety: Route() before Start(); everything else from any thread.

#include <chrono>
#include <cstddef>
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
  std::string method;                                      // "GET", "POST", ...
  std::string target;                                      // path and query as sent
  std::string path;                                        // percent-decoded path without the query
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

// A WebSocket connection the server took over from an HTTP request. Text
// messages go out in the order sent; what the client sends is read and
// dropped (pings are answered), and reading is how the end is noticed.
//
// Thread safety: every method may be called from any thread. Handles must
// not be used after the Server is destroyed.
class WebSocket {
 public:
  virtual ~WebSocket() = default;
  // Queues a text message. Returns false (dropping it) once the connection
  // has ended or Close() was called.
  virtual bool SendText(std::string message) = 0;
  // Bytes queued and not yet written to the socket: grows while the client
  // reads slower than messages are sent.
  virtual size_t pending_bytes() const = 0;
  // True once the connection has ended.
  virtual bool closed() const = 0;
  // Writes the queued messages, then a close frame with `reason`.
  virtual void Close(std::string reason) = 0;
  // Runs fn on the connection's I/O thread after `delay`, unless the
  // connection has ended by then (fn is then dropped unrun). fn must not
  // block.
  virtual void RunAfter(std::chrono::milliseconds delay, std::function<void()> fn) = 0;
  // Calls fn once when the connection ends (closed by either side, an error,
  // or Server::Stop), at once if it has ended already.
  virtual void OnClose(std::function<void()> fn) = 0;
};
using WebSocketPtr = std::shared_ptr<WebSocket>;

struct Response {
  int status = 200;
  std::string content_type;
  std::string body;
  std::vector<Header> headers;
  // Set by WebSocketUpgrade: the connection becomes a WebSocket.
  std::function<void(WebSocketPtr)> websocket;

  static Response Text(int status, std::string body);
  static Response Json(int status, std::string body);
  static Response Empty(int status);
  // Accepts the request's WebSocket handshake and calls on_open with the
  // connection (on an I/O thread; it must not block). A request that is not
  // a WebSocket upgrade gets 400 instead and on_open is dropped.
  static Response WebSocketUpgrade(std::function<void(WebSocketPtr)> on_open);
};

// Called exactly once with the response. Safe to call from any thread.
using Responder = std::function<void(Response)>;
using Handler = std::function<void(Request&, Responder)>;

struct ServerOptions {
  std::string listen = "0.0.0.0:3100";  // host:port; port 0 picks a free one
  int threads = 2;
  uint64_t body_limit = 512ull << 20;  // a longer body gets 413
  int idle_timeout_seconds = 300;
  // The request line ("GET /path?query HTTP/1.1", without its CRLF) may be
  // this long; a longer one gets 414 URI Too Long. Queries travel in the URL
  // (GET /loki/api/v1/query_range?query=...), hence the room.
  uint32_t max_request_line_bytes = 64 << 10;
  // The header fields together, each counted as "Name: value" plus its CRLF,
  // may be this long; more gets 431 Request Header Fields Too Large.
  uint32_t max_header_bytes = 64 << 10;
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
