#include "tests/kube/server/test_server.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <sys/socket.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdio>
#include <fstream>

namespace logstack::kubetest {
namespace {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecode(std::string_view s, bool plus_is_space) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 && HexValue(s[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2]));
      i += 2;
    } else if (s[i] == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

HttpRequest Convert(const http::request<http::string_body>& req) {
  HttpRequest r;
  r.method = std::string(req.method_string());
  std::string_view target(req.target().data(), req.target().size());
  auto q = target.find('?');
  r.path = PercentDecode(target.substr(0, q), false);
  if (q != std::string_view::npos) {
    std::string_view query = target.substr(q + 1);
    while (!query.empty()) {
      auto amp = query.find('&');
      std::string_view kv = query.substr(0, amp);
      auto eq = kv.find('=');
      if (!kv.empty()) {
        r.query[PercentDecode(kv.substr(0, eq), true)] =
            eq == std::string_view::npos ? "" : PercentDecode(kv.substr(eq + 1), true);
      }
      if (amp == std::string_view::npos) break;
      query.remove_prefix(amp + 1);
    }
  }
  r.content_type = std::string(req[http::field::content_type]);
  r.accept = std::string(req[http::field::accept]);
  r.authorization = std::string(req[http::field::authorization]);
  r.body = req.body();
  return r;
}

// The text of one subject entry, UTF-8.
std::string EntryText(X509_NAME_ENTRY* entry) {
  unsigned char* utf8 = nullptr;
  int n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(entry));
  if (n < 0) return "";
  std::string out(reinterpret_cast<char*>(utf8), static_cast<size_t>(n));
  OPENSSL_free(utf8);
  return out;
}

// The client certificate of a TLS connection, checked against `ca` as an API
// server's x509 authenticator does on every request (so that one that expires
// on an open connection stops working): chain to the CA, validity now,
// extendedKeyUsage clientAuth, a CN. nullopt when the client presented none.
std::optional<PeerCertificate> CheckPeerCertificate(SSL* ssl, X509_STORE* ca) {
  X509* leaf = SSL_get0_peer_certificate(ssl);
  if (leaf == nullptr) return std::nullopt;
  PeerCertificate peer;
  X509_NAME* subject = X509_get_subject_name(leaf);
  for (int i = 0; i < X509_NAME_entry_count(subject); ++i) {
    X509_NAME_ENTRY* e = X509_NAME_get_entry(subject, i);
    int nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(e));
    if (nid == NID_commonName) peer.user = EntryText(e);
    if (nid == NID_organizationName) peer.groups.push_back(EntryText(e));
  }
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  // On the server side the peer's chain holds only the intermediates.
  if (ctx != nullptr && X509_STORE_CTX_init(ctx, ca, leaf, SSL_get_peer_cert_chain(ssl)) == 1) {
    X509_STORE_CTX_set_default(ctx, "ssl_client");
    if (X509_verify_cert(ctx) == 1) {
      peer.verified = true;
    } else {
      peer.error = X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx));
    }
  } else {
    peer.error = "cannot verify";
  }
  X509_STORE_CTX_free(ctx);
  ERR_clear_error();
  if (peer.verified && peer.user.empty()) {
    peer.verified = false;
    peer.error = "the certificate's subject has no common name";
  }
  return peer;
}

// True when the client has closed (or sent something, which a watching HTTP/1.1
// client never does).
bool PeerGone(int fd) {
  pollfd p{fd, POLLIN | POLLRDHUP, 0};
  return ::poll(&p, 1, 0) != 0;
}

}  // namespace

struct KubeTestServer::Impl {
  struct Conn {
    std::mutex mu;
    int fd = -1;
    std::atomic<bool> done{false};
    std::thread thread;
  };

  struct StoreFree {
    void operator()(X509_STORE* s) const { X509_STORE_free(s); }
  };

  asio::io_context io;
  std::unique_ptr<ssl::context> tls;
  TlsMaterial material;                              // with TLS
  std::unique_ptr<X509_STORE, StoreFree> client_ca;  // verifies client certificates
  tcp::acceptor acceptor{io};
  std::atomic<bool> stopping{false};
  std::thread accept_thread;
  std::mutex conns_mu;
  std::list<std::unique_ptr<Conn>> conns;
  ApiServer* api = nullptr;
  bool log_requests = false;

  void AcceptLoop() {
    const int lfd = acceptor.native_handle();
    while (!stopping) {
      pollfd p{lfd, POLLIN, 0};
      if (::poll(&p, 1, 200) <= 0) {
        Reap(false);
        continue;
      }
      beast::error_code ec;
      tcp::socket sock(io);
      acceptor.accept(sock, ec);
      if (ec) continue;
      sock.set_option(tcp::no_delay(true), ec);
      auto conn = std::make_unique<Conn>();
      Conn* c = conn.get();
      c->fd = sock.native_handle();
      std::lock_guard lock(conns_mu);
      if (stopping) break;
      c->thread = std::thread([this, c, s = std::move(sock)]() mutable { Run(c, std::move(s)); });
      conns.push_back(std::move(conn));
    }
  }

  void Reap(bool all) {
    std::list<std::unique_ptr<Conn>> finished;
    {
      std::lock_guard lock(conns_mu);
      for (auto it = conns.begin(); it != conns.end();) {
        if (all || (*it)->done) {
          finished.push_back(std::move(*it));
          it = conns.erase(it);
        } else {
          ++it;
        }
      }
    }
    for (auto& c : finished) {
      if (c->thread.joinable()) c->thread.join();
    }
  }

  void Run(Conn* c, tcp::socket sock) {
    if (tls) {
      ssl::stream<tcp::socket> stream(std::move(sock), *tls);
      beast::error_code ec;
      stream.handshake(ssl::stream_base::server, ec);
      if (!ec) Serve(stream, stream.next_layer().native_handle(), stream.native_handle());
      Finish(c, stream.next_layer());
    } else {
      Serve(sock, sock.native_handle(), nullptr);
      Finish(c, sock);
    }
  }

  void Finish(Conn* c, tcp::socket& sock) {
    {
      std::lock_guard lock(c->mu);
      c->fd = -1;
    }
    beast::error_code ec;
    sock.close(ec);
    c->done = true;
  }

  // `ssl` is the TLS connection, null for plain HTTP.
  template <class Stream>
  void Serve(Stream& stream, int fd, SSL* ssl) {
    beast::flat_buffer buffer;
    while (!stopping) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(64 * 1024 * 1024);
      beast::error_code ec;
      http::read(stream, buffer, parser, ec);
      if (ec) return;
      const auto& req = parser.get();
      HttpRequest request = Convert(req);
      if (ssl != nullptr) request.client_certificate = CheckPeerCertificate(ssl, client_ca.get());
      HttpResponse resp = api->Handle(request);
      if (log_requests) {
        std::fprintf(stderr, "component=kube-testserver method=%s target=\"%s\" status=%d%s\n",
                     std::string(req.method_string()).c_str(), std::string(req.target()).c_str(),
                     resp.status, resp.watch ? " watch=true" : "");
      }
      if (resp.watch) {
        StreamWatch(stream, fd, resp);
        return;
      }
      http::response<http::string_body> res{static_cast<http::status>(resp.status), req.version()};
      res.set(http::field::content_type, resp.content_type);
      res.set(http::field::cache_control, "no-cache, private");
      for (const auto& [k, v] : resp.headers) res.set(k, v);
      if (req.method() != http::verb::head) res.body() = std::move(resp.body);
      res.keep_alive(req.keep_alive());
      res.prepare_payload();
      http::write(stream, res, ec);
      if (ec || !req.keep_alive()) return;
    }
  }

  template <class Stream>
  void StreamWatch(Stream& stream, int fd, const HttpResponse& resp) {
    http::response<http::empty_body> res{http::status::ok, 11};
    res.set(http::field::content_type, "application/json");
    res.set(http::field::cache_control, "no-cache, private");
    res.keep_alive(false);
    res.chunked(true);
    http::response_serializer<http::empty_body> sr{res};
    beast::error_code ec;
    http::write_header(stream, sr, ec);
    bool end = false;
    while (!ec && !end) {
      auto next = resp.watch->Wait(std::chrono::milliseconds(250));
      if (next.kind == WatchStream::Next::kLine) {
        // Whatever else is queued goes into the same chunk: one TLS record
        // and one write for a burst of events.
        std::string batch = std::move(next.line);
        while (batch.size() < 64 * 1024) {
          auto more = resp.watch->Wait(std::chrono::milliseconds(0));
          if (more.kind == WatchStream::Next::kEnd) end = true;
          if (more.kind != WatchStream::Next::kLine) break;
          batch += more.line;
        }
        char size[20];
        int n = std::snprintf(size, sizeof(size), "%zx\r\n", batch.size());
        batch.insert(0, size, n);
        batch += "\r\n";
        asio::write(stream, asio::buffer(batch), ec);
      } else if (next.kind == WatchStream::Next::kEnd || stopping) {
        end = true;
      } else if (PeerGone(fd)) {
        break;  // nobody to end the stream for
      }
    }
    if (!ec && end) asio::write(stream, http::make_chunk_last(), ec);
    resp.watch->Close();
  }

  void Stop() {
    if (stopping.exchange(true)) return;
    if (accept_thread.joinable()) accept_thread.join();
    beast::error_code ec;
    acceptor.close(ec);
    {
      std::lock_guard lock(conns_mu);
      for (auto& c : conns) {
        std::lock_guard cl(c->mu);
        if (c->fd >= 0) ::shutdown(c->fd, SHUT_RDWR);
      }
    }
    Reap(true);
  }
};

KubeTestServer::KubeTestServer(Options options)
    : options_(std::move(options)), api_(options_.api), impl_(std::make_unique<Impl>()) {}

KubeTestServer::~KubeTestServer() { Stop(); }

void KubeTestServer::Stop() {
  api_.CloseWatches();
  impl_->Stop();
}

std::string KubeTestServer::url() const {
  return std::string(tls() ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_);
}

StatusOr<std::unique_ptr<KubeTestServer>> KubeTestServer::Start(Options options) {
  std::unique_ptr<KubeTestServer> s(new KubeTestServer(std::move(options)));
  Impl& impl = *s->impl_;
  impl.api = &s->api_;
  impl.log_requests = s->options_.log_requests;
  if (!s->options_.token.empty()) s->api_.AddToken(s->options_.token, kAdminUser, Access::kFull);

  if (!s->options_.tls_dir.empty()) {
    LOGSTACK_ASSIGN_OR_RETURN(impl.material, GenerateTlsMaterial());
    const TlsMaterial& material = impl.material;
    LOGSTACK_ASSIGN_OR_RETURN(
        const ClientCertificate admin,
        s->IssueClientCertificate(kAdminUser, {kAdminGroup}, std::chrono::hours(24 * 365)));
    const std::string& dir = s->options_.tls_dir;
    for (const auto& [file, pem] :
         {std::pair{"ca.crt", &material.ca_cert_pem},
          std::pair{"server.crt", &material.server_cert_pem},
          std::pair{"server.key", &material.server_key_pem},
          std::pair{"client.crt", &admin.cert_pem}, std::pair{"client.key", &admin.key_pem}}) {
      std::ofstream out(dir + "/" + file, std::ios::trunc);
      out << *pem;
      if (!out.good()) return Status(StatusCode::kIOError, "cannot write " + dir + "/" + file);
    }
    try {
      impl.tls = std::make_unique<ssl::context>(ssl::context::tls_server);
      impl.tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                            ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                            ssl::context::no_tlsv1_1);
      impl.tls->use_certificate_chain(asio::buffer(material.server_cert_pem));
      impl.tls->use_private_key(asio::buffer(material.server_key_pem), ssl::context::pem);
    } catch (const boost::system::system_error& e) {
      return Status(StatusCode::kInternal, std::string("TLS setup failed: ") + e.what());
    }
    // Request a client certificate but accept whatever comes (a real API
    // server's tls.RequestClientCert): it is checked per request, and one the
    // CA did not sign is a 401, not a failed handshake. The CA is named as the
    // acceptable issuer, which lets clients pick a matching certificate.
    SSL_CTX* ctx = impl.tls->native_handle();
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, [](int, X509_STORE_CTX*) { return 1; });
    // Session resumption with peer verification on needs a session context.
    static const unsigned char kSessionContext[] = "kube-testserver";
    SSL_CTX_set_session_id_context(ctx, kSessionContext, sizeof(kSessionContext) - 1);
    BIO* bio =
        BIO_new_mem_buf(material.ca_cert_pem.data(), static_cast<int>(material.ca_cert_pem.size()));
    X509* ca = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    impl.client_ca.reset(X509_STORE_new());
    const bool ca_ok = ca != nullptr && X509_STORE_add_cert(impl.client_ca.get(), ca) == 1 &&
                       SSL_CTX_add_client_CA(ctx, ca) == 1;
    X509_free(ca);
    if (!ca_ok) return Status(StatusCode::kInternal, "TLS setup failed: cannot load the CA");
  }

  const std::string& listen = s->options_.listen;
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) return InvalidArgument("--listen wants HOST:PORT, got " + listen);
  beast::error_code ec;
  auto addr = asio::ip::make_address(listen.substr(0, colon), ec);
  if (ec) return InvalidArgument("bad listen address " + listen + ": " + ec.message());
  tcp::endpoint ep(addr, static_cast<uint16_t>(std::atoi(listen.substr(colon + 1).c_str())));
  impl.acceptor.open(ep.protocol(), ec);
  if (!ec) impl.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl.acceptor.bind(ep, ec);
  if (!ec) impl.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Status(StatusCode::kIOError, "cannot listen on " + listen + ": " + ec.message());
  s->port_ = impl.acceptor.local_endpoint().port();
  impl.accept_thread = std::thread([&impl] { impl.AcceptLoop(); });
  return s;
}

StatusOr<ClientCertificate> KubeTestServer::IssueClientCertificate(
    const std::string& user, const std::vector<std::string>& groups,
    std::chrono::seconds valid_for) const {
  if (!tls()) return Status(StatusCode::kFailedPrecondition, "the test server does not use TLS");
  return kubetest::IssueClientCertificate(impl_->material.ca_cert_pem, impl_->material.ca_key_pem,
                                          user, groups, valid_for);
}

Status KubeTestServer::WriteKubeconfig(const std::string& path, const std::string& ns) const {
  // Written aside and renamed, so that whoever waits for the file never reads
  // half of it.
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << "apiVersion: v1\nkind: Config\nclusters:\n- name: testserver\n  cluster:\n"
        << "    server: " << url() << "\n";
    if (tls()) out << "    certificate-authority: " << ca_file() << "\n";
    out << "users:\n- name: testserver\n  user:\n";
    if (!options_.token.empty()) {
      out << "    token: " << options_.token << "\n";
    } else if (tls()) {
      out << "    client-certificate: " << client_cert_file() << "\n"
          << "    client-key: " << client_key_file() << "\n";
    }
    out << "contexts:\n- name: testserver\n  context:\n    cluster: testserver\n"
        << "    user: testserver\n    namespace: " << ns << "\ncurrent-context: testserver\n";
    out.flush();
    if (!out.good()) return Status(StatusCode::kIOError, "cannot write " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return Status(StatusCode::kIOError, "cannot rename " + tmp + " to " + path);
  }
  return Status::Ok();
}

}  // namespace logstack::kubetest
