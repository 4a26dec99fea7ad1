#include "tests/testutil/ws_client.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <optional>

namespace logstack::testutil {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
using tcp = net::ip::tcp;

struct WsClient::Impl {
  net::io_context ioc;
  std::optional<websocket::stream<tcp::socket>> ws;
  beast::flat_buffer buffer;

  // Runs the posted operation until `done` or the deadline.
  bool RunUntil(const bool& done, std::chrono::milliseconds timeout) {
    ioc.restart();
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done && std::chrono::steady_clock::now() < deadline) {
      ioc.run_one_until(deadline);
    }
    if (done) return true;
    beast::error_code ec;
    ws->next_layer().close(ec);  // cancels the operation
    ioc.restart();
    ioc.run();
    return false;
  }
};

WsClient::WsClient() : impl_(std::make_unique<Impl>()) {}
WsClient::~WsClient() = default;

Status WsClient::Connect(const std::string& host, uint16_t port, const std::string& target,
                         std::chrono::milliseconds timeout, int receive_buffer,
                         const std::string& org_id) {
  impl_->ws.emplace(impl_->ioc);
  beast::error_code ec;
  tcp::socket& sock = impl_->ws->next_layer();
  sock.open(tcp::v4(), ec);
  if (!ec && receive_buffer > 0) {
    sock.set_option(net::socket_base::receive_buffer_size(receive_buffer), ec);
  }
  if (!ec) sock.connect(tcp::endpoint(net::ip::make_address(host), port), ec);
  if (ec) return Unavailable("connect: " + ec.message());
  if (!org_id.empty()) {
    impl_->ws->set_option(websocket::stream_base::decorator(
        [org_id](websocket::request_type& req) { req.set("X-Scope-OrgID", org_id); }));
  }
  bool done = false;
  websocket::response_type res;
  impl_->ws->async_handshake(res, host + ":" + std::to_string(port), target,
                             [&](beast::error_code e) {
                               ec = e;
                               done = true;
                             });
  if (!impl_->RunUntil(done, timeout)) return DeadlineExceeded("websocket handshake timed out");
  if (ec) {
    return Unavailable("HTTP " + std::to_string(res.result_int()) + ": " + res.body() + " (" +
                       ec.message() + ")");
  }
  return Status::Ok();
}

StatusOr<std::string> WsClient::Read(std::chrono::milliseconds timeout) {
  if (!impl_->ws) return Unavailable("not connected");
  bool done = false;
  beast::error_code ec;
  impl_->buffer.clear();
  impl_->ws->async_read(impl_->buffer, [&](beast::error_code e, size_t) {
    ec = e;
    done = true;
  });
  if (!impl_->RunUntil(done, timeout)) return DeadlineExceeded("websocket read timed out");
  if (ec == websocket::error::closed) {
    return Unavailable("closed: " + std::string(impl_->ws->reason().reason.c_str()));
  }
  if (ec) return Unavailable("read: " + ec.message());
  return beast::buffers_to_string(impl_->buffer.data());
}

void WsClient::Close() {
  if (!impl_->ws || !impl_->ws->is_open()) return;
  bool done = false;
  impl_->ws->async_close(websocket::close_code::normal, [&](beast::error_code) { done = true; });
  impl_->RunUntil(done, std::chrono::seconds(5));
}

}  // namespace logstack::testutil
