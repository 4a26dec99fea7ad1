#include "common/http_server.h"

#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>

#include "common/logging.h"
#include "common/strings.h"

namespace logstack::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace websocket = boost::beast::websocket;
using tcp = net::ip::tcp;

namespace {

// The body buffer of an answered request, kept per I/O thread for the next
// request's body: a push of ~0.3 MiB then reuses memory instead of
// allocating it and faulting its pages in again. Only one is kept per thread,
// and none over kMaxSpareBodyBytes, so idle connections hold no buffer.
constexpr size_t kMaxSpareBodyBytes = 8 << 20;
thread_local std::string spare_body;

// Beast's one header limit covers the request line and the fields (and the
// CRLFs after each and after the header); ServerOptions limits each part on
// its own, so Beast is given their sum.
uint32_t BeastHeaderLimit(const ServerOptions& o) {
  const uint64_t sum = uint64_t{o.max_request_line_bytes} + o.max_header_bytes + 4;
  return static_cast<uint32_t>(std::min<uint64_t>(sum, UINT32_MAX));
}

std::string LimitText(const char* what, uint64_t limit) {
  return std::string(what) + ", limit " + std::to_string(limit) + " bytes\n";
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string PercentDecode(std::string_view s, bool plus_as_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); i++) {
    char c = s[i];
    if (c == '%' && i + 2 < s.size()) {
      int hi = HexValue(s[i + 1]);
      int lo = HexValue(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += (c == '+' && plus_as_space) ? ' ' : c;
  }
  return out;
}

void ParseQueryString(std::string_view qs, std::vector<std::pair<std::string, std::string>>* out) {
  while (!qs.empty()) {
    size_t amp = qs.find('&');
    std::string_view part = qs.substr(0, amp);
    qs = amp == std::string_view::npos ? std::string_view() : qs.substr(amp + 1);
    if (part.empty()) continue;
    size_t eq = part.find('=');
    std::string_view k = part.substr(0, eq);
    std::string_view v = eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1);
    out->emplace_back(PercentDecode(k, true), PercentDecode(v, true));
  }
}

StatusOr<std::pair<std::string, uint16_t>> SplitHostPort(std::string_view hp) {
  size_t colon = hp.rfind(':');
  if (colon == std::string_view::npos) {
    return InvalidArgument("listen address '" + std::string(hp) + "' is not host:port");
  }
  std::string host(hp.substr(0, colon));
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  std::string port_s(hp.substr(colon + 1));
  char* end = nullptr;
  long port = std::strtol(port_s.c_str(), &end, 10);
  if (port_s.empty() || *end != '\0' || port < 0 || port > 65535) {
    return InvalidArgument("listen address '" + std::string(hp) + "' has an invalid port");
  }
  return std::make_pair(host, static_cast<uint16_t>(port));
}

std::string_view Request::GetHeader(std::string_view name) const {
  for (const auto& h : headers) {
    if (EqualsIgnoreCase(h.name, name)) return h.value;
  }
  return {};
}

std::string Request::Param(std::string_view name) const {
  std::string out;
  for (const auto& [k, v] : query) {
    if (k == name) out = v;
  }
  for (const auto& [k, v] : form) {
    if (k == name) out = v;
  }
  return out;
}

bool Request::HasParam(std::string_view name) const {
  for (const auto& [k, v] : query) {
    if (k == name) return true;
  }
  for (const auto& [k, v] : form) {
    if (k == name) return true;
  }
  return false;
}

std::vector<std::string> Request::Params(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [k, v] : query) {
    if (k == name) out.push_back(v);
  }
  for (const auto& [k, v] : form) {
    if (k == name) out.push_back(v);
  }
  return out;
}

Response Response::Text(int status, std::string body) {
  Response r;
  r.status = status;
  r.content_type = "text/plain; charset=utf-8";
  r.body = std::move(body);
  return r;
}

Response Response::Json(int status, std::string body) {
  Response r;
  r.status = status;
  r.content_type = "application/json; charset=UTF-8";
  r.body = std::move(body);
  return r;
}

Response Response::Empty(int status) {
  Response r;
  r.status = status;
  return r;
}

Response Response::WebSocketUpgrade(std::function<void(WebSocketPtr)> on_open) {
  Response r;
  r.status = 101;
  r.websocket = std::move(on_open);
  return r;
}

struct RouteEntry {
  std::vector<std::string> methods;
  std::string path;
  bool prefix = false;
  Handler handler;
};

namespace {
class WsSession;
}

struct Server::Impl {
  explicit Impl(ServerOptions o) : opts(std::move(o)), ioc(std::max(1, opts.threads)) {}

  ServerOptions opts;
  net::io_context ioc;
  std::optional<tcp::acceptor> acceptor;
  std::vector<std::thread> threads;
  std::vector<RouteEntry> routes;
  std::function<void(const std::string&, int, double)> observer;
  std::atomic<bool> running{false};
  uint16_t port = 0;
  std::mutex ws_mu;                                  // guards websockets
  std::vector<std::weak_ptr<WsSession>> websockets;  // to end them on Stop

  void Accept();
  // Finds the route for a path: exact first, then the longest prefix.
  const RouteEntry* Find(const std::string& path) const {
    const RouteEntry* best = nullptr;
    for (const auto& r : routes) {
      if (!r.prefix && r.path == path) return &r;
    }
    for (const auto& r : routes) {
      if (r.prefix && path.rfind(r.path, 0) == 0 && (!best || r.path.size() > best->path.size())) {
        best = &r;
      }
    }
    return best;
  }
};

namespace {

// The server side of a WebSocket connection. Reads run continuously (and end
// the connection on error or a close frame); writes drain a queue one
// message at a time. All socket operations run on the connection's strand.
class WsSession : public WebSocket, public std::enable_shared_from_this<WsSession> {
 public:
  explicit WsSession(beast::tcp_stream stream) : ws_(std::move(stream)) {}

  void Accept(std::shared_ptr<bhttp::request<bhttp::string_body>> req,
              std::function<void(WebSocketPtr)> on_open) {
    beast::get_lowest_layer(ws_).expires_never();
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(bhttp::field::server, "logstore"); }));
    auto self = shared_from_this();
    ws_.async_accept(*req, [self, req, on_open = std::move(on_open)](beast::error_code ec) {
      if (ec) {
        LOG_DEBUG("component=http op=websocket_accept err={}", Quote(ec.message()));
        return self->Finish();
      }
      on_open(self);
      self->Read();
    });
  }

  bool SendText(std::string message) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_ || close_requested_) return false;
    pending_ += message.size();
    queue_.push_back(std::move(message));
    StartWritingLocked();
    return true;
  }

  size_t pending_bytes() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return pending_;
  }

  bool closed() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return closed_;
  }

  void Close(std::string reason) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_ || close_requested_) return;
    close_requested_ = true;
    close_reason_ = std::move(reason);
    StartWritingLocked();
  }

  void RunAfter(std::chrono::milliseconds delay, std::function<void()> fn) override {
    auto timer = std::make_shared<net::steady_timer>(ws_.get_executor(), delay);
    timer->async_wait([self = shared_from_this(), timer, fn = std::move(fn)](beast::error_code ec) {
      if (ec || self->closed()) return;
      fn();
    });
  }

  void OnClose(std::function<void()> fn) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!closed_) {
        on_close_ = std::move(fn);
        return;
      }
    }
    fn();
  }

  // Marks the connection ended and runs the close callback (once).
  void Finish() {
    std::function<void()> fn;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (closed_) return;
      closed_ = true;
      fn = std::move(on_close_);
      on_close_ = nullptr;
    }
    if (fn) fn();
  }

 private:
  void StartWritingLocked() {
    if (writing_) return;
    writing_ = true;
    net::post(ws_.get_executor(), [self = shared_from_this()] { self->WriteNext(); });
  }

  void Read() {
    ws_.async_read(read_buffer_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->Finish();
      self->read_buffer_.consume(self->read_buffer_.size());
      self->Read();
    });
  }

  void WriteNext() {
    std::unique_lock<std::mutex> lock(mu_);
    if (closed_) {
      writing_ = false;
      return;
    }
    if (queue_.empty()) {
      writing_ = false;
      if (close_requested_ && !close_sent_) {
        close_sent_ = true;
        websocket::close_reason reason(websocket::close_code::normal, close_reason_);
        lock.unlock();
        ws_.async_close(reason, [self = shared_from_this()](beast::error_code ec) {
          if (ec) self->Finish();  // else the read loop sees the peer's close
        });
      }
      return;
    }
    const std::string& front = queue_.front();  // deque: stays put while others are added
    lock.unlock();
    ws_.text(true);
    ws_.async_write(net::buffer(front), [self = shared_from_this()](beast::error_code ec, size_t) {
      {
        std::lock_guard<std::mutex> l(self->mu_);
        self->pending_ -= self->queue_.front().size();
        self->queue_.pop_front();
      }
      if (ec) {
        std::lock_guard<std::mutex> l(self->mu_);
        self->writing_ = false;
      }
      if (ec) return self->Finish();
      self->WriteNext();
    });
  }

  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer read_buffer_;
  mutable std::mutex mu_;  // guards everything below
  std::deque<std::string> queue_;
  size_t pending_ = 0;
  bool writing_ = false;  // a WriteNext is posted or a write is in flight
  bool closed_ = false;
  bool close_requested_ = false;
  bool close_sent_ = false;
  std::string close_reason_;
  std::function<void()> on_close_;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Server::Impl* server) : stream_(std::move(socket)), server_(server) {}

  void Start() {
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&Session::ReadHeader, shared_from_this()));
  }

 private:
  void ReadHeader() {
    parser_.emplace();
    parser_->header_limit(BeastHeaderLimit(server_->opts));
    parser_->body_limit(server_->opts.body_limit);
    stream_.expires_after(std::chrono::seconds(server_->opts.idle_timeout_seconds));
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             beast::bind_front_handler(&Session::OnHeader, shared_from_this()));
  }

  void OnHeader(beast::error_code ec, size_t) {
    // Beast checks a declared Content-Length against the limit already here.
    if (ec == bhttp::error::body_limit) {
      return SendError(413, "request body too large, limit " +
                                std::to_string(server_->opts.body_limit) + " bytes");
    }
    if (ec == bhttp::error::header_limit) return OnHeaderOverLimit();
    if (ec) return Fail(ec);
    auto& msg = parser_->get();
    if (CheckHeaderSizes(msg)) return;
    auto len = parser_->content_length();
    if (len && *len > server_->opts.body_limit) {
      return SendError(413, "request body too large: " + std::to_string(*len) + " bytes, limit " +
                                std::to_string(server_->opts.body_limit));
    }
    auto expect = msg[bhttp::field::expect];
    if (EqualsIgnoreCase(std::string_view(expect.data(), expect.size()), "100-continue")) {
      auto cont = std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::continue_,
                                                                       msg.version());
      bhttp::async_write(stream_, *cont,
                         [self = shared_from_this(), cont](beast::error_code wec, size_t) {
                           if (wec) return self->Fail(wec);
                           self->ReadBody();
                         });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    // The buffer starts at the size of the header; without room, a 1 MB body
    // arrives in hundreds of tiny reads (measured: 18x the CPU per byte).
    if (buffer_.capacity() < kReadBufferSize) buffer_.reserve(kReadBufferSize);
    auto length = parser_->content_length();
    std::string& body = parser_->get().body();
    if (length && *length > 0 && spare_body.capacity() > body.capacity()) {
      body.swap(spare_body);
      body.clear();
    }
    stream_.expires_after(std::chrono::seconds(server_->opts.idle_timeout_seconds));
    bhttp::async_read(stream_, buffer_, *parser_,
                      beast::bind_front_handler(&Session::OnRead, shared_from_this()));
  }

  void OnRead(beast::error_code ec, size_t) {
    if (ec == bhttp::error::body_limit) {
      return SendError(413, "request body too large, limit " +
                                std::to_string(server_->opts.body_limit) + " bytes");
    }
    if (ec) return Fail(ec);
    stream_.expires_never();
    auto msg = parser_->release();
    keep_alive_ = msg.keep_alive();
    version_ = msg.version();
    upgrade_.reset();
    if (websocket::is_upgrade(msg))
      upgrade_ = std::make_shared<bhttp::request<bhttp::string_body>>(msg);

    auto req = std::make_shared<Request>();
    req->method = std::string(msg.method_string());
    req->target = std::string(msg.target());
    std::string_view target = req->target;
    size_t q = target.find('?');
    req->path = PercentDecode(target.substr(0, q), false);
    if (q != std::string_view::npos) ParseQueryString(target.substr(q + 1), &req->query);
    for (const auto& f : msg) {
      req->headers.push_back({std::string(f.name_string()), std::string(f.value())});
    }
    req->body = std::move(msg.body());
    if (req->method == "POST" &&
        req->GetHeader("Content-Type").rfind("application/x-www-form-urlencoded", 0) == 0) {
      ParseQueryString(req->body, &req->form);
    }
    beast::error_code rec;
    auto ep = stream_.socket().remote_endpoint(rec);
    if (!rec) req->remote = ep.address().to_string();

    const RouteEntry* route = server_->Find(req->path);
    if (route == nullptr) return Send(Response::Text(404, "404 page not found\n"), "unmatched");
    if (std::find(route->methods.begin(), route->methods.end(), req->method) ==
        route->methods.end()) {
      return Send(Response::Empty(405), route->path);
    }
    start_ = std::chrono::steady_clock::now();
    route_ = route->path + (route->prefix ? "*" : "");
    auto self = shared_from_this();
    auto done = std::make_shared<std::atomic<bool>>(false);
    Responder responder = [self, done](Response resp) {
      if (done->exchange(true)) return;  // answered already
      net::post(self->stream_.get_executor(), [self, resp = std::move(resp)]() mutable {
        self->Send(std::move(resp), self->route_);
      });
    };
    route->handler(*req, std::move(responder));
    // The handler may hold references into req only until it returns unless
    // it copies what it needs; keep it alive for handlers that captured it.
    pending_ = req;
  }

  // Beast stopped reading a header longer than both limits together. Its
  // start is still in buffer_: when no line ends within the request line's
  // limit, the request line is what is too long (414); otherwise the fields
  // are (431). The rest of the header is unread, so the connection ends.
  void OnHeaderOverLimit() {
    const ServerOptions& o = server_->opts;
    const auto data = buffer_.data();
    std::string_view seen(static_cast<const char*>(data.data()), data.size());
    const size_t eol = seen.find('\n');
    if (eol == std::string_view::npos || eol > size_t{o.max_request_line_bytes} + 1) {
      return SendError(414, LimitText("request line too long", o.max_request_line_bytes));
    }
    SendError(431, LimitText("request header fields too large", o.max_header_bytes));
  }

  // Answers 414 or 431 for a header Beast read whole but that is over one of
  // the limits; returns true iff it did. The connection stays open for the
  // next request when this one has no body to skip.
  bool CheckHeaderSizes(const bhttp::request<bhttp::string_body>& msg) {
    const ServerOptions& o = server_->opts;
    const size_t line = msg.method_string().size() + 1 + msg.target().size() + 1 +
                        std::string_view("HTTP/1.1").size();
    size_t fields = 0;
    for (const auto& f : msg) fields += f.name_string().size() + 2 + f.value().size() + 2;
    int status = 0;
    std::string text;
    if (line > o.max_request_line_bytes) {
      status = 414;
      text = LimitText("request line too long", o.max_request_line_bytes);
    } else if (fields > o.max_header_bytes) {
      status = 431;
      text = LimitText("request header fields too large", o.max_header_bytes);
    } else {
      return false;
    }
    SendError(status, std::move(text), msg.keep_alive() && parser_->is_done());
    return true;
  }

  // Answers an error before the request reached a route. Unless keep_alive,
  // the answer says "Connection: close" and the connection ends after it.
  void SendError(int status, std::string text, bool keep_alive = false) {
    keep_alive_ = keep_alive;
    version_ = parser_ ? parser_->get().version() : 11;
    Send(Response::Text(status, std::move(text)), "error");
  }

  void Send(Response r, const std::string& route) {
    // The handler is done with the request once it has answered.
    if (pending_ && pending_->body.capacity() <= kMaxSpareBodyBytes &&
        pending_->body.capacity() > spare_body.capacity()) {
      spare_body.swap(pending_->body);
    }
    pending_.reset();
    if (r.websocket) {
      if (!upgrade_) {
        // As Gorilla's upgrader answers (Loki's tail uses it).
        r = Response::Text(400,
                           "Bad Request\nwebsocket: the client is not using the websocket "
                           "protocol: 'upgrade' token not found in 'Connection' header\n");
      } else {
        if (server_->observer) {
          double secs =
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
          server_->observer(route, 101, secs);
        }
        auto ws = std::make_shared<WsSession>(std::move(stream_));
        {
          std::lock_guard<std::mutex> lock(server_->ws_mu);
          std::erase_if(server_->websockets, [](const auto& w) { return w.expired(); });
          server_->websockets.push_back(ws);
        }
        ws->Accept(std::move(upgrade_), std::move(r.websocket));
        return;  // this HTTP session ends here; the WebSocket owns the socket
      }
    }
    auto res = std::make_shared<bhttp::response<bhttp::string_body>>(
        static_cast<bhttp::status>(r.status), version_ == 0 ? 11 : version_);
    res->set(bhttp::field::server, "logstore");
    if (!r.content_type.empty()) res->set(bhttp::field::content_type, r.content_type);
    for (const auto& h : r.headers) res->set(h.name, h.value);
    res->body() = std::move(r.body);
    res->keep_alive(keep_alive_);
    res->prepare_payload();
    if (server_->observer && route != "error") {
      double secs =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
      server_->observer(route, r.status, route == "unmatched" ? 0 : secs);
    }
    stream_.expires_after(std::chrono::seconds(server_->opts.idle_timeout_seconds));
    bhttp::async_write(stream_, *res,
                       [self = shared_from_this(), res](beast::error_code ec, size_t) {
                         if (ec) return self->Fail(ec);
                         if (!res->keep_alive()) return self->Close();
                         self->ReadHeader();
                       });
  }

  void Fail(beast::error_code ec) {
    if (ec != bhttp::error::end_of_stream && ec != net::error::operation_aborted &&
        ec != beast::error::timeout && ec != net::error::connection_reset &&
        ec != net::error::eof) {
      LOG_DEBUG("component=http op=read err={}", Quote(ec.message()));
    }
    Close();
  }

  // Closes the connection. When the client may still be sending (e.g. a body
  // over the limit after an early 413), closing with unread data would make
  // the kernel reset the connection and the client lose our answer; so the
  // send side is shut first and what still arrives is read and dropped until
  // the client closes or a few seconds pass.
  void Close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return;
    stream_.expires_after(std::chrono::seconds(5));
    Drain();
  }

  void Drain() {
    drain_.resize(64 * 1024);
    stream_.async_read_some(net::buffer(drain_),
                            [self = shared_from_this()](beast::error_code ec, size_t) {
                              if (!ec) self->Drain();
                            });
  }

  static constexpr size_t kReadBufferSize = 64 * 1024;

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  Server::Impl* server_;
  bool keep_alive_ = true;
  unsigned version_ = 11;
  std::shared_ptr<Request> pending_;
  std::shared_ptr<bhttp::request<bhttp::string_body>> upgrade_;  // a WebSocket handshake
  std::vector<char> drain_;
  std::string route_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace

void Server::Impl::Accept() {
  acceptor->async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (!running) return;
    if (!ec) {
      socket.set_option(tcp::no_delay(true), ec);
      std::make_shared<Session>(std::move(socket), this)->Start();
    }
    Accept();
  });
}

Server::Server(ServerOptions opts) : impl_(std::make_unique<Impl>(std::move(opts))) {}

Server::~Server() { Stop(); }

void Server::Route(std::vector<std::string> methods, std::string path, Handler handler) {
  RouteEntry r;
  r.methods = std::move(methods);
  if (!path.empty() && path.back() == '*') {
    path.pop_back();
    r.prefix = true;
  }
  r.path = std::move(path);
  r.handler = std::move(handler);
  impl_->routes.push_back(std::move(r));
}

void Server::SetObserver(std::function<void(const std::string&, int, double)> fn) {
  impl_->observer = std::move(fn);
}

Status Server::Start() {
  LOGSTACK_ASSIGN_OR_RETURN(auto hp, SplitHostPort(impl_->opts.listen));
  beast::error_code ec;
  net::ip::address addr;
  if (hp.first.empty() || hp.first == "0.0.0.0") {
    addr = net::ip::address_v4::any();
  } else if (hp.first == "localhost") {
    addr = net::ip::address_v4::loopback();
  } else {
    addr = net::ip::make_address(hp.first, ec);
    if (ec) return InvalidArgument("listen address '" + hp.first + "': " + ec.message());
  }
  tcp::endpoint ep(addr, hp.second);
  impl_->acceptor.emplace(impl_->ioc);
  impl_->acceptor->open(ep.protocol(), ec);
  if (!ec) impl_->acceptor->set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) impl_->acceptor->bind(ep, ec);
  if (!ec) impl_->acceptor->listen(net::socket_base::max_listen_connections, ec);
  if (ec) return IOError("listen on " + impl_->opts.listen + ": " + ec.message());
  impl_->port = impl_->acceptor->local_endpoint().port();
  impl_->running = true;
  impl_->Accept();
  for (int i = 0; i < std::max(1, impl_->opts.threads); i++) {
    impl_->threads.emplace_back([this] { impl_->ioc.run(); });
  }
  return Status::Ok();
}

void Server::Stop() {
  if (!impl_->running.exchange(false)) return;
  net::post(impl_->ioc, [this] {
    beast::error_code ec;
    impl_->acceptor->close(ec);
  });
  impl_->ioc.stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
  // No I/O thread runs now: end the WebSockets so their owners let go.
  std::vector<std::weak_ptr<WsSession>> websockets;
  {
    std::lock_guard<std::mutex> lock(impl_->ws_mu);
    websockets.swap(impl_->websockets);
  }
  for (auto& w : websockets) {
    if (auto ws = w.lock()) ws->Finish();
  }
}

uint16_t Server::port() const { return impl_->port; }

}  // namespace logstack::http
