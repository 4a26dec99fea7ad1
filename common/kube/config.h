#pragma once

// Where the Kubernetes API server is and how to authenticate to it.
//
// A RestConfig comes from one of two places:
//   - in-cluster: KUBERNETES_SERVICE_HOST/PORT plus the service account's
//     token, CA bundle and namespace files (LoadInClusterConfig);
//   - a kubeconfig file (LoadKubeconfig), with a context chosen by name or the
//     file's current-context.
// LoadConfig applies the precedence the operator's --kubeconfig flag follows:
// an explicit file, then $KUBECONFIG, then in-cluster when
// KUBERNETES_SERVICE_HOST is set, then ~/.kube/config.
//
// Bearer tokens come from a TokenSource: a fixed string, a file that is re-read
// when it changes (service account tokens rotate), or an exec credential
// plugin (client.authentication.k8s.io ExecCredential, v1 or v1beta1) whose
// token is cached until its expirationTimestamp. A plugin may return a client
// certificate instead of (or with) a token; it comes and goes with the token.
// Static client certificates are TlsOptions.
//
// Errors name the file and the field that is wrong.
//
// Thread safety: RestConfig is a value; TokenSources are safe to share.

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace logstack::kube {

struct TlsOptions {
  std::string ca_pem;  // trusted CAs; empty = the system's trust store
  bool insecure_skip_verify = false;
  std::string server_name;  // host name the server certificate must carry, if not the URL's
  // The kubeconfig user's client certificate (chain) and key, PEM; presented
  // unless the TokenSource has one of its own.
  std::string client_cert_pem;
  std::string client_key_pem;
};

// A client certificate (chain) and its private key, PEM. Empty: none.
struct CertificateAndKey {
  std::string cert_pem;
  std::string key_pem;
  bool empty() const { return cert_pem.empty(); }
  bool operator==(const CertificateAndKey&) const = default;
};

// Supplies the credentials for each request: a bearer token and, for sources
// whose credential carries one, a client certificate.
class TokenSource {
 public:
  virtual ~TokenSource() = default;
  // The token to send now; an empty string sends no Authorization header.
  // Refreshes the whole credential, the client certificate included.
  virtual StatusOr<std::string> Token() = 0;
  // The server answered 401 to the last token: do not reuse a cached one.
  virtual void Invalidate() {}
  // The client certificate of the credential Token() last returned; empty
  // (the default) when the credential has none. Never refreshes, so it is
  // cheap and never blocks on a plugin: call Token() first. A client presents
  // it on the connections it opens after it changed.
  virtual CertificateAndKey ClientCertificate() { return {}; }
};
using TokenSourcePtr = std::shared_ptr<TokenSource>;

class StaticTokenSource final : public TokenSource {
 public:
  explicit StaticTokenSource(std::string token) : token_(std::move(token)) {}
  StatusOr<std::string> Token() override { return token_; }

 private:
  const std::string token_;
};

// Reads the token from a file and re-reads it whenever the file's inode,
// size or modification time changes (kubelet swaps projected tokens through
// a symlink), and after Invalidate().
class FileTokenSource final : public TokenSource {
 public:
  explicit FileTokenSource(std::string path) : path_(std::move(path)) {}
  StatusOr<std::string> Token() override;
  void Invalidate() override;

 private:
  const std::string path_;
  std::mutex mu_;
  bool valid_ = false;
  uint64_t ino_ = 0, size_ = 0;
  int64_t mtime_ns_ = 0;
  std::string token_;
};

// The `exec` stanza of a kubeconfig user.
struct ExecConfig {
  std::string api_version;  // client.authentication.k8s.io/v1 or /v1beta1
  std::string command;
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> env;
  std::string working_dir;  // where a relative command path is resolved
  std::string origin;       // for error messages: "kubeconfig FILE user NAME"
};

// Runs the exec credential plugin and caches its credential (token and client
// certificate) until status.expirationTimestamp (a little before, to cover the
// request's flight); runs it again when expired or after Invalidate() (a 401).
class ExecTokenSource final : public TokenSource {
 public:
  ExecTokenSource(ExecConfig config, Clock& clock) : config_(std::move(config)), clock_(clock) {}
  // Empty when the plugin returned only a client certificate.
  StatusOr<std::string> Token() override;
  void Invalidate() override;
  // status.clientCertificateData and clientKeyData of the last run, if any
  // (kept after Invalidate() until the next run replaces them).
  CertificateAndKey ClientCertificate() override;

 private:
  Status Run();  // REQUIRES: mu_ held

  const ExecConfig config_;
  Clock& clock_;
  std::mutex mu_;
  bool valid_ = false;
  std::string token_;
  std::optional<int64_t> expires_at_;  // unix nanos
  CertificateAndKey cert_;
};

// Parses a plugin's stdout. `want_api_version` must match the output's apiVersion.
struct ExecCredential {
  std::string token;
  std::optional<int64_t> expiration;  // unix nanos
  std::string client_certificate_data;
  std::string client_key_data;
};
StatusOr<ExecCredential> ParseExecCredential(std::string_view json_text,
                                             std::string_view want_api_version);

struct RestConfig {
  std::string server;  // "https://host:port", no trailing slash
  TlsOptions tls;
  TokenSourcePtr token;        // null: no bearer token (static client certificates, or none)
  std::string ns = "default";  // the context's or the pod's namespace
  std::string origin;          // "in-cluster" or "kubeconfig FILE context NAME"

  // Client behaviour; not part of kubeconfig.
  double qps = 20;
  int burst = 30;
  std::chrono::milliseconds timeout{30'000};
  std::string user_agent;  // empty: "logstack/<version>"
};

using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
// Reads the process environment.
std::optional<std::string> ProcessEnv(const std::string& name);

struct InClusterPaths {
  std::string token_file = "/var/run/secrets/kubernetes.io/serviceaccount/token";
  std::string ca_file = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt";
  std::string namespace_file = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";
};

// FailedPrecondition when not running in a cluster (no KUBERNETES_SERVICE_HOST);
// NotFound / InvalidArgument naming the file when the mounted files are wrong.
StatusOr<RestConfig> LoadInClusterConfig(const InClusterPaths& paths = {},
                                         const EnvLookup& env = ProcessEnv);

// Loads a kubeconfig. With several files ($KUBECONFIG's list), entries merge:
// the first file that names a cluster, user or context, or sets
// current-context, wins. `context` empty = current-context.
StatusOr<RestConfig> LoadKubeconfig(const std::vector<std::string>& files,
                                    std::string_view context = "",
                                    Clock& clock = RealClock::Default());
// The same from YAML text; `origin` names it in errors and `dir` resolves
// relative paths.
StatusOr<RestConfig> LoadKubeconfigFromString(std::string_view yaml, std::string_view origin,
                                              std::string_view dir, std::string_view context = "",
                                              Clock& clock = RealClock::Default());

struct LoadOptions {
  std::string kubeconfig;  // --kubeconfig
  std::string context;     // --context
  InClusterPaths in_cluster;
  EnvLookup env = ProcessEnv;
  Clock* clock = nullptr;  // null: RealClock::Default()
};
// Precedence: options.kubeconfig, $KUBECONFIG, in-cluster, ~/.kube/config.
StatusOr<RestConfig> LoadConfig(const LoadOptions& options = {});

}  // namespace logstack::kube
