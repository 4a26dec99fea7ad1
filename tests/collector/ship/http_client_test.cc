// HttpClient against a scripted push endpoint (FakeLoki) and a small TLS
// server with a certificate made for the test.

#include "collector/ship/http_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <fstream>
#include <future>
#include <thread>

#include "tests/collector/ship/fake_loki.h"
#include "tests/testutil/eventually.h"
#include "tests/testutil/logstore_process.h"

namespace logstack::collector {
namespace {

using shiptest::FakeLoki;
using ::testing::HasSubstr;
using Steady = std::chrono::steady_clock;

constexpr auto kLongDeadline = std::chrono::seconds(20);

std::unique_ptr<HttpClient> MakeClient(HttpClientOptions opts) {
  auto c = HttpClient::Create(std::move(opts));
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return c.ok() ? std::move(*c) : nullptr;
}

std::unique_ptr<HttpClient> MakeClient(const std::string& url) {
  HttpClientOptions opts;
  opts.url = url;
  return MakeClient(std::move(opts));
}

StatusOr<HttpResponse> PostPush(HttpClient& c, std::string_view body = "body",
                                const HttpHeaders& headers = {},
                                std::chrono::milliseconds timeout = kLongDeadline) {
  return c.Post("application/x-protobuf", body, headers, Steady::now() + timeout);
}

TEST(ParseUrlTest, Forms) {
  auto u = ParseUrl("http://store:3100/loki/api/v1/push");
  ASSERT_TRUE(u.ok());
  EXPECT_FALSE(u->tls);
  EXPECT_EQ(u->host, "store");
  EXPECT_EQ(u->port, 3100);
  EXPECT_EQ(u->target, "/loki/api/v1/push");

  u = ParseUrl("HTTPS://user:p%40ss@logs.example.com/loki/api/v1/push?x=1#frag");
  ASSERT_TRUE(u.ok());
  EXPECT_TRUE(u->tls);
  EXPECT_EQ(u->port, 443);
  EXPECT_EQ(u->host, "logs.example.com");
  EXPECT_EQ(u->target, "/loki/api/v1/push?x=1");
  EXPECT_EQ(u->username, "user");
  EXPECT_EQ(u->password, "p@ss");

  u = ParseUrl("http://[::1]:8080");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, 8080);
  EXPECT_EQ(u->target, "/");

  for (const char* bad : {"ftp://x/", "store:3100/push", "http://", "http://:80/", "http://h:0/",
                          "http://h:65536/", "http://h:8x/", "http://[::1/", "http://h:/"}) {
    EXPECT_FALSE(ParseUrl(bad).ok()) << bad;
  }
}

TEST(HttpClientTest, SendsThePushHeaders) {
  FakeLoki loki;
  ASSERT_TRUE(loki.Start().ok());
  auto c = MakeClient(loki.url());
  auto r = PostPush(*c, "snappy bytes", {{"X-Scope-OrgID", "team-a"}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 204);
  auto reqs = loki.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].body, "snappy bytes");
  EXPECT_EQ(reqs[0].Header("Content-Type"), "application/x-protobuf");
  EXPECT_FALSE(reqs[0].HasHeader("Content-Encoding"));
  EXPECT_EQ(reqs[0].Header("X-Scope-OrgID"), "team-a");
  EXPECT_EQ(reqs[0].Header("User-Agent"), std::string("logstack-collector/") + LOGSTACK_VERSION);
  EXPECT_EQ(reqs[0].Header("Host"), "127.0.0.1:" + std::to_string(loki.port()));
  EXPECT_FALSE(reqs[0].HasHeader("Authorization"));
}

TEST(HttpClientTest, Authorization) {
  FakeLoki loki;
  ASSERT_TRUE(loki.Start().ok());
  HttpClientOptions basic;
  basic.url = loki.url();
  basic.basic_auth_username = "user";
  basic.basic_auth_password = "pa ss";
  basic.headers = {{"X-Extra", "1"}};
  ASSERT_TRUE(PostPush(*MakeClient(basic)).ok());

  std::string in_url =
      "http://alice:s%3Acret@127.0.0.1:" + std::to_string(loki.port()) + "/loki/api/v1/push";
  ASSERT_TRUE(PostPush(*MakeClient(in_url)).ok());

  HttpClientOptions bearer;
  bearer.url = loki.url();
  bearer.bearer_token = "tok3n";
  ASSERT_TRUE(PostPush(*MakeClient(bearer)).ok());

  auto reqs = loki.requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(reqs[0].Header("Authorization"), "Basic dXNlcjpwYSBzcw==");
  EXPECT_EQ(reqs[0].Header("X-Extra"), "1");
  EXPECT_EQ(reqs[1].Header("Authorization"), "Basic YWxpY2U6czpjcmV0");
  EXPECT_EQ(reqs[2].Header("Authorization"), "Bearer tok3n");

  bearer.basic_auth_username = "both";
  EXPECT_FALSE(HttpClient::Create(bearer).ok());
}

TEST(HttpClientTest, KeepsTheConnectionAlive) {
  FakeLoki loki;
  ASSERT_TRUE(loki.Start().ok());
  auto c = MakeClient(loki.url());
  for (int i = 0; i < 3; ++i) {
    auto r = PostPush(*c);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
  EXPECT_EQ(c->connections_opened(), 1u);
}

TEST(HttpClientTest, StatusRetryAfterAndCappedBody) {
  FakeLoki loki;
  ASSERT_TRUE(loki.Start().ok());
  loki.Script({{429, "5", "slow down", false}, {400, "", std::string(100'000, 'e'), false}});
  HttpClientOptions opts;
  opts.url = loki.url();
  opts.max_response_body = 10;
  auto c = MakeClient(opts);
  auto r = PostPush(*c);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 429);
  EXPECT_EQ(r->retry_after, "5");
  EXPECT_EQ(r->body, "slow down");
  EXPECT_FALSE(r->body_truncated);
  r = PostPush(*c);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(r->body, std::string(10, 'e'));
  EXPECT_TRUE(r->body_truncated);
  EXPECT_TRUE(r->retry_after.empty());
  // The rest of the body was read: the connection is still good.
  r = PostPush(*c);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 204);
  EXPECT_EQ(c->connections_opened(), 1u);
}

TEST(HttpClientTest, ReconnectsAfterTheServerClosedTheConnection) {
  auto loki = std::make_unique<FakeLoki>();
  ASSERT_TRUE(loki->Start().ok());
  const uint16_t port = loki->port();
  auto c = MakeClient(loki->url());
  ASSERT_TRUE(PostPush(*c).ok());
  loki.reset();  // closes the kept-alive connection

  auto r = PostPush(*c);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status().ToString();

  loki = std::make_unique<FakeLoki>(port);
  ASSERT_TRUE(loki->Start().ok());
  r = PostPush(*c);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 204);
  EXPECT_EQ(c->connections_opened(), 2u);
}

TEST(HttpClientTest, StaleKeptAliveConnectionIsRetriedOnce) {
  auto loki = std::make_unique<FakeLoki>();
  ASSERT_TRUE(loki->Start().ok());
  const uint16_t port = loki->port();
  auto c = MakeClient(loki->url());
  ASSERT_TRUE(PostPush(*c).ok());
  // A new server on the same port: the old connection is dead, the request
  // goes out again on a new one within the same Post().
  loki.reset();
  loki = std::make_unique<FakeLoki>(port);
  ASSERT_TRUE(loki->Start().ok());
  auto r = PostPush(*c);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 204);
  EXPECT_EQ(loki->request_count(), 1u);
}

TEST(HttpClientTest, RefusedConnection) {
  uint16_t port;
  {
    FakeLoki loki;
    ASSERT_TRUE(loki.Start().ok());
    port = loki.port();
  }
  auto c = MakeClient("http://127.0.0.1:" + std::to_string(port) + "/loki/api/v1/push");
  auto r = PostPush(*c);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(r.status().message(), HasSubstr("connect 127.0.0.1:"));
}

TEST(HttpClientTest, Deadline) {
  FakeLoki loki;
  ASSERT_TRUE(loki.Start().ok());
  loki.Script({{204, "", "", true}});
  auto c = MakeClient(loki.url());
  auto r = PostPush(*c, "body", {}, std::chrono::milliseconds(200));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kDeadlineExceeded) << r.status().ToString();
  loki.Release();
  // A fresh connection works.
  r = PostPush(*c);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
}

TEST(HttpClientTest, CancelEndsThePostInProgressAndLaterOnes) {
  FakeLoki loki;
  ASSERT_TRUE(loki.Start().ok());
  loki.Script({{204, "", "", true}});
  auto c = MakeClient(loki.url());
  auto post = std::async(std::launch::async, [&] { return PostPush(*c); });
  ASSERT_TRUE(testutil::Eventually([&] { return loki.hanging() == 1; }));
  c->Cancel();
  auto r = post.get();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kCancelled) << r.status().ToString();
  r = PostPush(*c);
  EXPECT_EQ(r.status().code(), StatusCode::kCancelled);
  EXPECT_EQ(loki.request_count(), 1u);
}

TEST(HttpClientTest, HeaderInjectionIsRefused) {
  FakeLoki loki;
  ASSERT_TRUE(loki.Start().ok());
  auto c = MakeClient(loki.url());
  auto r = PostPush(*c, "b", {{"X-Scope-OrgID", "a\r\nX-Evil: 1"}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(loki.request_count(), 0u);

  HttpClientOptions opts;
  opts.url = loki.url();
  opts.headers = {{"Bad Name", "v"}};
  EXPECT_FALSE(HttpClient::Create(opts).ok());
}

// ---- TLS ----

struct TestCert {
  std::string cert_pem;
  std::string key_pem;
};

std::string BioString(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(n));
}

// A self-signed certificate for `subject_alt_names` (OpenSSL's syntax,
// e.g. "IP:127.0.0.1,DNS:localhost").
TestCert MakeSelfSignedCert(const std::string& subject_alt_names) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 24 * 3600);
  X509_set_pubkey(x, key);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("logstack test"), -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
  for (auto [nid, value] : {std::pair{NID_subject_alt_name, subject_alt_names.c_str()},
                            std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
  }
  X509_sign(x, key, EVP_sha256());
  TestCert out;
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, x);
  out.cert_pem = BioString(bio);
  BIO_free(bio);
  bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  out.key_pem = BioString(bio);
  BIO_free(bio);
  X509_free(x);
  EVP_PKEY_free(key);
  return out;
}

// An HTTPS server on 127.0.0.1 that answers every request with 204, one
// connection at a time, on a thread of its own.
class TlsServer {
 public:
  explicit TlsServer(const TestCert& cert) : ctx_(boost::asio::ssl::context::tls_server) {
    ctx_.use_certificate_chain(boost::asio::buffer(cert.cert_pem));
    ctx_.use_private_key(boost::asio::buffer(cert.key_pem), boost::asio::ssl::context::pem);
    acceptor_.open(boost::asio::ip::tcp::v4());
    acceptor_.bind({boost::asio::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { Serve(); });
  }
  ~TlsServer() {
    stop_ = true;
    // Wakes the blocking accept.
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::socket s(ioc);
    boost::system::error_code ec;
    s.connect({boost::asio::ip::make_address("127.0.0.1"), port_}, ec);
    thread_.join();
  }
  uint16_t port() const { return port_; }
  int requests() const { return requests_.load(); }

 private:
  void Serve() {
    namespace bhttp = boost::beast::http;
    while (!stop_) {
      boost::asio::ip::tcp::socket sock(ioc_);
      boost::system::error_code ec;
      acceptor_.accept(sock, ec);
      if (ec || stop_) return;
      boost::beast::ssl_stream<boost::asio::ip::tcp::socket> stream(std::move(sock), ctx_);
      stream.handshake(boost::asio::ssl::stream_base::server, ec);
      if (ec) continue;  // the client refused our certificate
      boost::beast::flat_buffer buf;
      for (;;) {
        bhttp::request<bhttp::string_body> req;
        bhttp::read(stream, buf, req, ec);
        if (ec) break;
        ++requests_;
        bhttp::response<bhttp::empty_body> res(bhttp::status::no_content, 11);
        res.keep_alive(req.keep_alive());
        bhttp::write(stream, res, ec);
        if (ec) break;
      }
    }
  }

  boost::asio::io_context ioc_;
  boost::asio::ssl::context ctx_;
  boost::asio::ip::tcp::acceptor acceptor_{ioc_};
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  std::thread thread_;
};

class HttpsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = testutil::TempDir::Create("logstack-https-");
    ASSERT_TRUE(dir.ok());
    dir_.emplace(std::move(*dir));
    cert_ = MakeSelfSignedCert("IP:127.0.0.1,DNS:localhost");
    ca_file_ = dir_->Join("ca.pem");
    std::ofstream(ca_file_) << cert_.cert_pem;
    server_ = std::make_unique<TlsServer>(cert_);
  }
  HttpClientOptions Options(const std::string& host) {
    HttpClientOptions opts;
    opts.url = "https://" + host + ":" + std::to_string(server_->port()) + "/loki/api/v1/push";
    opts.tls.ca_file = ca_file_;
    return opts;
  }

  std::optional<testutil::TempDir> dir_;
  TestCert cert_;
  std::string ca_file_;
  std::unique_ptr<TlsServer> server_;
};

TEST_F(HttpsTest, VerifiedByTheGivenCa) {
  auto c = MakeClient(Options("127.0.0.1"));
  for (int i = 0; i < 2; ++i) {
    auto r = PostPush(*c);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->status, 204);
  }
  EXPECT_EQ(c->connections_opened(), 1u);
  EXPECT_EQ(server_->requests(), 2);
}

TEST_F(HttpsTest, HostNameResolvedAndChecked) {
  auto r = PostPush(*MakeClient(Options("localhost")));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 204);
}

TEST_F(HttpsTest, WrongNameIsRefused) {
  HttpClientOptions opts = Options("127.0.0.1");
  opts.tls.server_name = "store.example.com";
  auto r = PostPush(*MakeClient(opts));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(r.status().message(), HasSubstr("TLS handshake"));
}

TEST_F(HttpsTest, UnknownCaIsRefusedUnlessVerificationIsOff) {
  HttpClientOptions opts = Options("127.0.0.1");
  opts.tls.ca_file.clear();  // the system's CAs do not know our certificate
  auto r = PostPush(*MakeClient(opts));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);

  opts.tls.insecure_skip_verify = true;
  r = PostPush(*MakeClient(opts));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 204);
}

TEST_F(HttpsTest, BadTlsFilesAreReportedAtCreate) {
  HttpClientOptions opts = Options("127.0.0.1");
  opts.tls.ca_file = dir_->Join("missing.pem");
  EXPECT_FALSE(HttpClient::Create(opts).ok());
  opts = Options("127.0.0.1");
  opts.tls.cert_file = ca_file_;  // without key_file
  EXPECT_FALSE(HttpClient::Create(opts).ok());
}

}  // namespace
}  // namespace logstack::collector
