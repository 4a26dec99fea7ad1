// The HTTP server's header limits (ServerOptions::max_request_line_bytes and
// max_header_bytes): a request over one is answered 414 or 431, not dropped,
// and the connection or at least the server serves the next request. Raw
// sockets over loopback, so that the test sees exactly which connection an
// answer came on and whether the server closed it.

#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "common/http_server.h"

namespace logstack::http {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;

constexpr uint32_t kLineLimit = 1024;
constexpr uint32_t kFieldsLimit = 2048;

struct Answer {
  int status = 0;
  bool keep_alive = false;
  std::string body;
};

// One client connection that writes raw request bytes and reads answers.
// Every operation gives up after 10 s, so a server that never answers fails
// the test instead of hanging it.
class RawConnection {
 public:
  explicit RawConnection(uint16_t port) : stream_(ioc_) {
    stream_.expires_after(kTimeout);
    stream_.async_connect(tcp::endpoint(net::ip::address_v4::loopback(), port),
                          [this](beast::error_code ec) { ec_ = ec; });
    Run();
    EXPECT_FALSE(ec_) << "connect: " << ec_.message();
  }

  // Writes `request` whole. The server may have answered and stopped reading
  // before the end; it then drains what follows, so the write still completes.
  void Write(const std::string& request) {
    stream_.expires_after(kTimeout);
    net::async_write(stream_, net::buffer(request),
                     [this](beast::error_code ec, size_t) { ec_ = ec; });
    Run();
    EXPECT_FALSE(ec_) << "write: " << ec_.message();
  }

  // Reads one answer; status 0 when none could be read.
  Answer Read() {
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(1 << 20);
    stream_.expires_after(kTimeout);
    bhttp::async_read(stream_, buffer_, parser, [this](beast::error_code ec, size_t) { ec_ = ec; });
    Run();
    if (ec_) {
      ADD_FAILURE() << "reading an answer: " << ec_.message();
      return {};
    }
    auto& res = parser.get();
    return Answer{static_cast<int>(res.result_int()), res.keep_alive(), res.body()};
  }

  // True iff the server closed the connection with nothing more sent.
  bool ClosedByServer() {
    char c;
    size_t n = 0;
    stream_.expires_after(kTimeout);
    stream_.async_read_some(net::buffer(&c, 1), [&](beast::error_code ec, size_t got) {
      ec_ = ec;
      n = got;
    });
    Run();
    return n == 0 && ec_ == net::error::eof;
  }

 private:
  static constexpr std::chrono::seconds kTimeout{10};

  void Run() {
    ioc_.restart();
    ioc_.run();
  }

  net::io_context ioc_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  beast::error_code ec_;
};

std::string Get(const std::string& target, const std::string& extra_fields = "") {
  return "GET " + target + " HTTP/1.1\r\nHost: x\r\n" + extra_fields + "\r\n";
}

// "GET <target> HTTP/1.1" of exactly `n` bytes.
std::string TargetForLineOf(size_t n) {
  const size_t overhead = std::string("GET  HTTP/1.1").size();
  std::string target = "/echo?q=";
  target.append(n - overhead - target.size(), 'a');
  return target;
}

// Header fields that come to exactly `n` bytes with "Host: x\r\n" counted.
std::string FieldsOf(size_t n) {
  const size_t host = std::string("Host: x\r\n").size();
  const size_t overhead = std::string("X-Pad: \r\n").size();
  return "X-Pad: " + std::string(n - host - overhead, 'p') + "\r\n";
}

class HttpServerLimitsTest : public ::testing::Test {
 protected:
  void Start(ServerOptions opts) {
    opts.listen = "127.0.0.1:0";
    server_ = std::make_unique<Server>(opts);
    server_->Route({"GET", "POST"}, "/echo", [](Request& req, Responder respond) {
      respond(Response::Text(200, "echo " + std::to_string(req.target.size())));
    });
    ASSERT_TRUE(server_->Start().ok());
  }
  void StartWithSmallLimits() {
    ServerOptions opts;
    opts.max_request_line_bytes = kLineLimit;
    opts.max_header_bytes = kFieldsLimit;
    Start(opts);
  }
  uint16_t port() const { return server_->port(); }

  std::unique_ptr<Server> server_;
};

TEST_F(HttpServerLimitsTest, LimitsAreInclusive) {
  StartWithSmallLimits();
  RawConnection c(port());
  c.Write(Get(TargetForLineOf(kLineLimit)));
  Answer a = c.Read();
  EXPECT_EQ(a.status, 200) << a.body;
  c.Write(Get("/echo", FieldsOf(kFieldsLimit)));
  a = c.Read();
  EXPECT_EQ(a.status, 200) << a.body;
}

TEST_F(HttpServerLimitsTest, LongRequestLineGets414AndTheConnectionServesTheNextRequest) {
  StartWithSmallLimits();
  RawConnection c(port());
  c.Write(Get(TargetForLineOf(kLineLimit + 1)));
  Answer a = c.Read();
  EXPECT_EQ(a.status, 414);
  EXPECT_EQ(a.body, "request line too long, limit 1024 bytes\n");
  EXPECT_TRUE(a.keep_alive);
  c.Write(Get("/echo"));
  a = c.Read();
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(a.body, "echo 5");
}

TEST_F(HttpServerLimitsTest, LargeHeaderFieldsGet431AndTheConnectionServesTheNextRequest) {
  StartWithSmallLimits();
  RawConnection c(port());
  c.Write(Get("/echo", FieldsOf(kFieldsLimit + 1)));
  Answer a = c.Read();
  EXPECT_EQ(a.status, 431);
  EXPECT_EQ(a.body, "request header fields too large, limit 2048 bytes\n");
  EXPECT_TRUE(a.keep_alive);
  c.Write(Get("/echo"));
  a = c.Read();
  EXPECT_EQ(a.status, 200);
}

// With a body the server would have to read past an unwanted request to find
// the next: it answers and closes instead.
TEST_F(HttpServerLimitsTest, OversizedHeaderWithABodyIsAnsweredThenClosed) {
  StartWithSmallLimits();
  RawConnection c(port());
  c.Write("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n" + FieldsOf(kFieldsLimit + 1) +
          "\r\nhello");
  Answer a = c.Read();
  EXPECT_EQ(a.status, 431);
  EXPECT_FALSE(a.keep_alive);
  EXPECT_TRUE(c.ClosedByServer());
}

// Beyond both limits together the server stops reading the header, so the
// connection cannot continue; the answer still comes, and the server goes on.
TEST_F(HttpServerLimitsTest, RequestLineBeyondAllLimitsGets414ThenClose) {
  StartWithSmallLimits();
  {
    RawConnection c(port());
    c.Write(Get(TargetForLineOf(256 << 10)));
    Answer a = c.Read();
    EXPECT_EQ(a.status, 414);
    EXPECT_EQ(a.body, "request line too long, limit 1024 bytes\n");
    EXPECT_FALSE(a.keep_alive);
    EXPECT_TRUE(c.ClosedByServer());
  }
  RawConnection next(port());
  next.Write(Get("/echo"));
  EXPECT_EQ(next.Read().status, 200);
}

TEST_F(HttpServerLimitsTest, HeaderFieldsBeyondAllLimitsGet431ThenClose) {
  StartWithSmallLimits();
  {
    RawConnection c(port());
    std::string fields;
    for (int i = 0; i < 1000; ++i) fields += "X-Field-" + std::to_string(i) + ": value\r\n";
    c.Write(Get("/echo", fields));
    Answer a = c.Read();
    EXPECT_EQ(a.status, 431);
    EXPECT_EQ(a.body, "request header fields too large, limit 2048 bytes\n");
    EXPECT_FALSE(a.keep_alive);
    EXPECT_TRUE(c.ClosedByServer());
  }
  RawConnection next(port());
  next.Write(Get("/echo"));
  EXPECT_EQ(next.Read().status, 200);
}

// The defaults leave room for a long LogQL query in a GET URL.
TEST_F(HttpServerLimitsTest, DefaultsAcceptA60KiBUrlAndRejectA65KiBOne) {
  Start(ServerOptions{});
  RawConnection c(port());
  c.Write(Get(TargetForLineOf(60 << 10)));
  EXPECT_EQ(c.Read().status, 200);
  c.Write(Get(TargetForLineOf((64 << 10) + 1)));
  Answer a = c.Read();
  EXPECT_EQ(a.status, 414);
  EXPECT_EQ(a.body, "request line too long, limit 65536 bytes\n");
}

}  // namespace
}  // namespace logstack::http
