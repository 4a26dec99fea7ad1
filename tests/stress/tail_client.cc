#include "tests/stress/tail_client.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>
#include <optional>

namespace logstack::stress {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
using tcp = net::ip::tcp;

struct TailClient::Impl {
  net::io_context ioc;
  std::optional<websocket::stream<tcp::socket>> ws;
  beast::flat_buffer buffer;

  // Runs the started operation until `done` or the deadline; past the
  // deadline the socket is closed, which completes the operation.
  bool RunUntil(const bool& done, std::chrono::milliseconds timeout) {
    ioc.restart();
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done && std::chrono::steady_clock::now() < deadline) ioc.run_one_until(deadline);
    if (done) return true;
    beast::error_code ec;
    ws->next_layer().close(ec);
    ioc.restart();
    ioc.run();
    return false;
  }
};

TailClient::TailClient() : impl_(std::make_unique<Impl>()) {}
TailClient::~TailClient() = default;

Status TailClient::Connect(const std::string& host, uint16_t port, const std::string& target,
                           const std::string& tenant, std::chrono::milliseconds timeout,
                           int receive_buffer) {
  impl_->ws.emplace(impl_->ioc);
  beast::error_code ec;
  tcp::socket& sock = impl_->ws->next_layer();
  sock.open(tcp::v4(), ec);
  if (!ec && receive_buffer > 0) {
    sock.set_option(net::socket_base::receive_buffer_size(receive_buffer), ec);
  }
  if (!ec) sock.connect(tcp::endpoint(net::ip::make_address(host), port), ec);
  if (ec) return Unavailable("connect: " + ec.message());
  if (!tenant.empty()) {
    impl_->ws->set_option(websocket::stream_base::decorator(
        [tenant](websocket::request_type& req) { req.set("X-Scope-OrgID", tenant); }));
  }
  bool done = false;
  websocket::response_type res;
  impl_->ws->async_handshake(res, host + ":" + std::to_string(port), target,
                             [&](beast::error_code e) {
                               ec = e;
                               done = true;
                             });
  if (!impl_->RunUntil(done, timeout)) return DeadlineExceeded("tail handshake timed out");
  if (ec) {
    return Unavailable("tail handshake: HTTP " + std::to_string(res.result_int()) + ": " +
                       res.body() + " (" + ec.message() + ")");
  }
  return Status::Ok();
}

StatusOr<TailFrame> TailClient::Read(std::chrono::milliseconds timeout) {
  if (!impl_->ws) return Unavailable("not connected");
  bool done = false;
  beast::error_code ec;
  impl_->buffer.clear();
  impl_->ws->async_read(impl_->buffer, [&](beast::error_code e, size_t) {
    ec = e;
    done = true;
  });
  if (!impl_->RunUntil(done, timeout)) return DeadlineExceeded("tail read timed out");
  if (ec) return Unavailable("tail read: " + ec.message());
  // {"streams":[{"stream":{...},"values":[["<ns>","<line>"],...]}],
  //  "dropped_entries":[{"labels":{...},"timestamp":"<ns>"},...]}
  auto j = nlohmann::json::parse(beast::buffers_to_string(impl_->buffer.data()), nullptr,
                                 /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return Internal("tail frame is not a JSON object");
  TailFrame f;
  if (auto it = j.find("streams"); it != j.end() && it->is_array()) {
    for (const auto& s : *it) {
      auto v = s.find("values");
      if (v == s.end() || !v->is_array()) return Internal("tail stream without values");
      for (const auto& e : *v) {
        if (!e.is_array() || e.size() < 2 || !e[1].is_string()) {
          return Internal("tail value is not [ts, line]");
        }
        f.lines.push_back(e[1].get<std::string>());
      }
    }
  }
  if (auto it = j.find("dropped_entries"); it != j.end() && it->is_array()) {
    f.dropped = it->size();
  }
  return f;
}

void TailClient::Close() {
  if (!impl_->ws || !impl_->ws->is_open()) return;
  bool done = false;
  impl_->ws->async_close(websocket::close_code::normal, [&](beast::error_code) { done = true; });
  impl_->RunUntil(done, std::chrono::seconds(2));
}

}  // namespace logstack::stress
