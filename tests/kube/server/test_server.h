#pragma once

// KubeTestServer: the ApiServer behind HTTP/1.1 or HTTPS (Boost.Beast and
// Asio SSL), one thread a connection. Watch responses are streamed with
// chunked transfer encoding, one JSON event a line, until the watch ends, the
// client goes away or the server stops.
//
//   auto server = KubeTestServer::Start({.token = "t", .tls_dir = dir});
//   (*server)->WriteKubeconfig(dir + "/kubeconfig");   // for kubectl
//   (*server)->api().FailNext("/api/v1", 2, 429);       // fault injection
//   auto cert = (*server)->IssueClientCertificate("alice");  // x509 authentication
//
// With TLS the server asks every client for a certificate (without requiring
// one) and hands what it got to the ApiServer, which authenticates it
// (api_server.h): a certificate the CA signed authenticates its CN as the
// user, with its O entries as groups; any other certificate gets 401.
//
// Thread safety: every method may be called from any thread. Stop() (also
// run by the destructor) ends every connection and joins its thread.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "tests/kube/server/api_server.h"
#include "tests/kube/server/tls_certs.h"

namespace logstack::kubetest {

// The user of the full-access token (Options::token) and of client.crt.
inline constexpr char kAdminUser[] = "admin";
// client.crt's group: full access without a SetUserAccess entry.
inline constexpr char kAdminGroup[] = "system:masters";

class KubeTestServer {
 public:
  struct Options {
    std::string listen = "127.0.0.1:0";  // HOST:PORT; port 0 picks a free port
    std::string token;                   // a full-access bearer token (none: no authentication)
    // When set, serve HTTPS with a CA generated at start-up; ca.crt,
    // server.crt and server.key are written into this directory, and
    // client.crt and client.key: a client certificate for kAdminUser in
    // kAdminGroup (full access), valid for a year.
    std::string tls_dir;
    ApiServer::Options api;
    // Logs one line a request to stderr (method, target, status, watch).
    bool log_requests = false;
  };

  // Returns a running server, or the reason it could not start.
  static StatusOr<std::unique_ptr<KubeTestServer>> Start(Options options);
  ~KubeTestServer();
  KubeTestServer(const KubeTestServer&) = delete;
  KubeTestServer& operator=(const KubeTestServer&) = delete;

  void Stop();

  ApiServer& api() { return api_; }
  uint16_t port() const { return port_; }
  bool tls() const { return !options_.tls_dir.empty(); }
  std::string url() const;  // https://127.0.0.1:PORT or http://...
  std::string ca_file() const { return tls() ? options_.tls_dir + "/ca.crt" : ""; }
  // The administrator's client certificate and key; "" without TLS.
  std::string client_cert_file() const { return tls() ? options_.tls_dir + "/client.crt" : ""; }
  std::string client_key_file() const { return tls() ? options_.tls_dir + "/client.key" : ""; }

  // A client certificate signed by this server's CA for `user` in `groups`
  // (tls_certs.h). Its access is ApiServer::SetUserAccess's for the user, or
  // kFull with group kAdminGroup. FailedPrecondition without TLS.
  StatusOr<ClientCertificate> IssueClientCertificate(
      const std::string& user, const std::vector<std::string>& groups = {},
      std::chrono::seconds valid_for = std::chrono::hours(24)) const;

  // Writes a kubeconfig (one cluster, one user, one context with `ns` as its
  // namespace) that points kubectl at this server. The user carries the token;
  // without a token but with TLS, client-certificate and client-key name
  // client.crt and client.key.
  Status WriteKubeconfig(const std::string& path, const std::string& ns = "default") const;

 private:
  struct Impl;
  explicit KubeTestServer(Options options);

  Options options_;
  ApiServer api_;
  uint16_t port_ = 0;
  std::unique_ptr<Impl> impl_;
};

}  // namespace logstack::kubetest
