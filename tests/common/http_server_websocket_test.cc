// The HTTP server's WebSocket takeover (Response::WebSocketUpgrade), with a
// real client over loopback.

#include <gtest/gtest.h>

#include <future>

#include "common/http_server.h"
#include "tests/testutil/http_client.h"
#include "tests/testutil/ws_client.h"

namespace logstack::http {
namespace {

using namespace std::chrono_literals;

class WebSocketTest : public ::testing::Test {
 protected:
  void Start() {
    ServerOptions opts;
    opts.listen = "127.0.0.1:0";
    server_ = std::make_unique<Server>(opts);
    server_->Route({"GET"}, "/ws", [this](Request& req, Responder respond) {
      if (req.Param("reject") == "1") return respond(Response::Text(400, "bad params\n"));
      respond(Response::WebSocketUpgrade([this, greeting = req.Param("greeting")](WebSocketPtr ws) {
        ws->OnClose([this] { closed_.set_value(); });
        ws->SendText(greeting);
        ws->RunAfter(20ms, [ws] {
          ws->SendText("later");
          ws->Close("bye");
          EXPECT_FALSE(ws->SendText("after close"));
        });
      }));
    });
    // Echoes the handshake's X-Scope-OrgID, then closes.
    server_->Route({"GET"}, "/org", [](Request& req, Responder respond) {
      respond(Response::WebSocketUpgrade(
          [org = std::string(req.GetHeader("X-Scope-OrgID"))](WebSocketPtr ws) {
            ws->SendText(org.empty() ? "(none)" : org);
            ws->Close("done");
          }));
    });
    server_->Route({"GET"}, "/hold", [this](Request&, Responder respond) {
      respond(Response::WebSocketUpgrade([this](WebSocketPtr ws) {
        ws->OnClose([this] { closed_.set_value(); });
        held_.set_value(ws);
      }));
    });
    ASSERT_TRUE(server_->Start().ok());
  }

  std::unique_ptr<Server> server_;
  std::promise<void> closed_;
  std::promise<WebSocketPtr> held_;
};

TEST_F(WebSocketTest, SendsInOrderRunsTimersAndClosesWithReason) {
  Start();
  testutil::WsClient c;
  ASSERT_TRUE(c.Connect("127.0.0.1", server_->port(), "/ws?greeting=hello").ok());
  auto m1 = c.Read();
  ASSERT_TRUE(m1.ok()) << m1.status().ToString();
  EXPECT_EQ(*m1, "hello");
  auto m2 = c.Read();
  ASSERT_TRUE(m2.ok()) << m2.status().ToString();
  EXPECT_EQ(*m2, "later");
  auto end = c.Read();
  ASSERT_FALSE(end.ok());
  EXPECT_EQ(end.status().message(), "closed: bye");
  EXPECT_EQ(closed_.get_future().wait_for(10s), std::future_status::ready);
}

TEST_F(WebSocketTest, HandlerCanAnswerPlainHttpAndPlainRequestsGet400) {
  Start();
  testutil::WsClient c;
  Status s = c.Connect("127.0.0.1", server_->port(), "/ws?reject=1");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("HTTP 400"), std::string::npos) << s.ToString();

  testutil::HttpClient http("127.0.0.1", server_->port());
  auto r = http.Get("/ws?greeting=x");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(r->body.find("not using the websocket protocol"), std::string::npos) << r->body;
}

TEST_F(WebSocketTest, ClientSendsTheOrgIdItIsGiven) {
  Start();
  for (const std::string org : {"tenant-a", ""}) {
    testutil::WsClient c;
    ASSERT_TRUE(c.Connect("127.0.0.1", server_->port(), "/org", 10s, 0, org).ok());
    auto m = c.Read();
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    EXPECT_EQ(*m, org.empty() ? "(none)" : org);
  }
}

TEST_F(WebSocketTest, ClientCloseAndServerStopEndTheConnection) {
  Start();
  {
    testutil::WsClient c;
    ASSERT_TRUE(c.Connect("127.0.0.1", server_->port(), "/hold").ok());
    auto f = held_.get_future();
    ASSERT_EQ(f.wait_for(10s), std::future_status::ready);
    WebSocketPtr ws = f.get();
    EXPECT_FALSE(ws->closed());
    c.Close();
    EXPECT_EQ(closed_.get_future().wait_for(10s), std::future_status::ready);
    EXPECT_TRUE(ws->closed());
    EXPECT_FALSE(ws->SendText("x"));
  }
  closed_ = {};
  held_ = {};
  testutil::WsClient c;
  ASSERT_TRUE(c.Connect("127.0.0.1", server_->port(), "/hold").ok());
  auto f = held_.get_future();
  ASSERT_EQ(f.wait_for(10s), std::future_status::ready);
  WebSocketPtr ws = f.get();
  server_->Stop();
  EXPECT_EQ(closed_.get_future().wait_for(10s), std::future_status::ready);
  EXPECT_TRUE(ws->closed());
}

}  // namespace
}  // namespace logstack::http
