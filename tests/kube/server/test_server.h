#pragma once

// KubeTestServer: the ApiServer behind HTTP/1.1 or HTTPS (Boost.Beast and
// Asio SSL), one thread a connection. Watch responses are streamed with
// chunked transfer encoding, one JSON event a line, until the watch ends, the
// client goes away or the server stops.
//
//   auto server = KubeTestServer::Start({.token = "t", .tls_dir = dir});
//   (*server)->WriteKubeconfig(dir + "/kubeconfig");   // for kubectl
//   (*server)->api().FailNext("/api/v1", 2, 429);       // fault injection
//
// Thread safety: every method may be called from any thread. Stop() (also
// run by the destructor) ends every connection and joins its thread.

#include <atomic>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/status.h"
#include "tests/kube/server/api_server.h"

namespace logstack::kubetest {

class KubeTestServer {
 public:
  struct Options {
    std::string listen = "127.0.0.1:0";  // HOST:PORT; port 0 picks a free port
    std::string token;                   // a full-access bearer token (none: no authentication)
    // When set, serve HTTPS with a CA generated at start-up; ca.crt,
    // server.crt and server.key are written into this directory.
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

  // Writes a kubeconfig (one cluster, one user with the token, one context
  // with `ns` as its namespace) that points kubectl at this server.
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
