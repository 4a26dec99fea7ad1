#include "common/kube/config.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>

#include "common/go/time.h"
#include "common/kube/util.h"

extern char** environ;

namespace logstack::kube {

namespace {

constexpr auto kExecTimeout = std::chrono::seconds(60);
// A cached exec token is refreshed this long before it expires.
constexpr int64_t kExpirySlackNanos = 10'000'000'000;

std::string Trim(std::string s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  size_t e = s.find_last_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  return s.substr(b, e - b + 1);
}

std::string JoinPath(std::string_view dir, const std::string& path) {
  if (path.empty() || path[0] == '/' || dir.empty()) return path;
  std::string out(dir);
  if (out.back() != '/') out += '/';
  return out + path;
}

std::string DirName(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

std::optional<std::string> ProcessEnv(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  if (v == nullptr) return std::nullopt;
  return std::string(v);
}

// ---------------------------------------------------------------------------
// FileTokenSource

StatusOr<std::string> FileTokenSource::Token() {
  std::lock_guard<std::mutex> l(mu_);
  struct stat st;
  if (::stat(path_.c_str(), &st) != 0) {
    return ErrnoError("token file " + path_, errno).Annotate("kube");
  }
  int64_t mtime_ns = int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec;
  if (valid_ && st.st_ino == ino_ && uint64_t(st.st_size) == size_ && mtime_ns == mtime_ns_) {
    return token_;
  }
  LOGSTACK_ASSIGN_OR_RETURN(std::string raw, ReadSmallFile(path_));
  std::string token = Trim(std::move(raw));
  if (token.empty()) return Unauthenticated("token file " + path_ + " is empty");
  token_ = std::move(token);
  ino_ = st.st_ino;
  size_ = uint64_t(st.st_size);
  mtime_ns_ = mtime_ns;
  valid_ = true;
  return token_;
}

void FileTokenSource::Invalidate() {
  std::lock_guard<std::mutex> l(mu_);
  valid_ = false;
}

// ---------------------------------------------------------------------------
// ExecTokenSource

StatusOr<ExecCredential> ParseExecCredential(std::string_view json_text,
                                             std::string_view want_api_version) {
  nlohmann::json j = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return InvalidArgument("exec plugin output is not a JSON object");
  }
  auto str = [&](const nlohmann::json& o, const char* key) -> std::string {
    auto it = o.find(key);
    return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  if (str(j, "kind") != "ExecCredential") {
    return InvalidArgument("exec plugin output has kind \"" + str(j, "kind") +
                           "\", want ExecCredential");
  }
  std::string api_version = str(j, "apiVersion");
  if (api_version != want_api_version) {
    return InvalidArgument("exec plugin output has apiVersion \"" + api_version + "\", want \"" +
                           std::string(want_api_version) + "\"");
  }
  auto status = j.find("status");
  if (status == j.end() || !status->is_object()) {
    return InvalidArgument("exec plugin output has no status");
  }
  ExecCredential cred;
  cred.token = str(*status, "token");
  cred.client_certificate_data = str(*status, "clientCertificateData");
  cred.client_key_data = str(*status, "clientKeyData");
  if (cred.token.empty() && cred.client_certificate_data.empty()) {
    return InvalidArgument(
        "exec plugin output has neither status.token nor status.clientCertificateData");
  }
  if (cred.client_certificate_data.empty() != cred.client_key_data.empty()) {
    return InvalidArgument(
        "exec plugin output must have both status.clientCertificateData and status.clientKeyData");
  }
  std::string exp = str(*status, "expirationTimestamp");
  if (!exp.empty()) {
    auto t = go::ParseRfc3339(exp);
    if (!t.ok()) return t.status().Annotate("exec plugin output status.expirationTimestamp");
    cred.expiration = *t;
  }
  return cred;
}

StatusOr<std::string> ExecTokenSource::Token() {
  std::lock_guard<std::mutex> l(mu_);
  if (valid_ && expires_at_ && clock_.NowNanos() + kExpirySlackNanos >= *expires_at_) {
    valid_ = false;
  }
  if (!valid_) LOGSTACK_RETURN_IF_ERROR(Run());
  return token_;
}

void ExecTokenSource::Invalidate() {
  std::lock_guard<std::mutex> l(mu_);
  valid_ = false;
}

CertificateAndKey ExecTokenSource::ClientCertificate() {
  std::lock_guard<std::mutex> l(mu_);
  return cert_;
}

Status ExecTokenSource::Run() {
  const std::string what =
      "exec credential plugin \"" + config_.command + "\" (" + config_.origin + ")";
  std::string command = config_.command;
  if (command.find('/') != std::string::npos) command = JoinPath(config_.working_dir, command);

  // Environment: ours, the stanza's, and KUBERNETES_EXEC_INFO.
  std::map<std::string, std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string kv(*e);
    size_t eq = kv.find('=');
    if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  for (const auto& [k, v] : config_.env) env[k] = v;
  nlohmann::json info = {{"apiVersion", config_.api_version},
                         {"kind", "ExecCredential"},
                         {"spec", {{"interactive", false}}}};
  env["KUBERNETES_EXEC_INFO"] = info.dump();
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_strings{command};
  argv_strings.insert(argv_strings.end(), config_.args.begin(), config_.args.end());
  std::vector<char*> argv;
  for (auto& s : argv_strings) argv.push_back(s.data());
  argv.push_back(nullptr);

  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return ErrnoError("pipe for " + what, errno);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, command.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    return Unauthenticated(what + ": cannot run: " + std::strerror(rc));
  }

  std::string out;
  auto deadline = std::chrono::steady_clock::now() + kExecTimeout;
  bool timed_out = false;
  char buf[4096];
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    struct pollfd p {
      fds[0], POLLIN, 0
    };
    int pr = ::poll(&p, 1, static_cast<int>(left.count()));
    if (pr < 0 && errno == EINTR) continue;
    if (pr <= 0) {
      timed_out = pr == 0;
      break;
    }
    ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, size_t(n));
    if (out.size() > (1 << 20)) break;
  }
  ::close(fds[0]);
  if (timed_out) ::kill(pid, SIGKILL);
  int wstatus = 0;
  while (::waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) return Unauthenticated(what + ": timed out");
  if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
    return Unauthenticated(what + ": exited with status " +
                           std::to_string(WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1));
  }
  auto cred = ParseExecCredential(out, config_.api_version);
  if (!cred.ok()) return Unauthenticated(what + ": " + cred.status().message());
  token_ = cred->token;
  expires_at_ = cred->expiration;
  cert_ = {cred->client_certificate_data, cred->client_key_data};
  valid_ = true;
  return Status::Ok();
}

// ---------------------------------------------------------------------------
// In-cluster

StatusOr<RestConfig> LoadInClusterConfig(const InClusterPaths& paths, const EnvLookup& env) {
  auto host = env("KUBERNETES_SERVICE_HOST");
  auto port = env("KUBERNETES_SERVICE_PORT");
  if (!host || host->empty() || !port || port->empty()) {
    return FailedPrecondition(
        "not running in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be "
        "set");
  }
  RestConfig cfg;
  std::string h = *host;
  if (h.find(':') != std::string::npos && h.front() != '[') h = "[" + h + "]";  // IPv6
  cfg.server = "https://" + h + ":" + *port;
  auto ca = ReadSmallFile(paths.ca_file);
  if (!ca.ok()) return ca.status().Annotate("in-cluster config: CA bundle");
  cfg.tls.ca_pem = std::move(*ca);
  auto token_source = std::make_shared<FileTokenSource>(paths.token_file);
  auto token = token_source->Token();
  if (!token.ok()) return token.status().Annotate("in-cluster config: service account token");
  cfg.token = std::move(token_source);
  auto ns = ReadSmallFile(paths.namespace_file);
  if (ns.ok() && !Trim(*ns).empty()) cfg.ns = Trim(*ns);
  cfg.origin = "in-cluster";
  return cfg;
}

// ---------------------------------------------------------------------------
// kubeconfig

namespace {

struct Source {
  YAML::Node root;
  std::string origin;
  std::string dir;
};

// Finds the named entry of a list (clusters, users, contexts) across files.
struct Found {
  YAML::Node node;  // the inner map ("cluster", "user", "context")
  const Source* src = nullptr;
};

StatusOr<Found> FindNamed(const std::vector<Source>& srcs, const char* list, const char* inner,
                          const std::string& name) {
  for (const auto& s : srcs) {
    YAML::Node l = s.root[list];
    if (!l) continue;
    if (!l.IsSequence())
      return InvalidArgument(s.origin + ": field \"" + list + "\" must be a list");
    for (const auto& e : l) {
      if (!e.IsMap() || !e["name"]) continue;
      if (e["name"].as<std::string>() != name) continue;
      YAML::Node in = e[inner];
      if (!in || !in.IsMap()) {
        return InvalidArgument(s.origin + ": " + list + " entry \"" + name + "\" has no \"" +
                               inner + "\" map");
      }
      return Found{in, &s};
    }
  }
  return NotFound("no entry named \"" + name + "\" in \"" + list + "\"");
}

std::string Str(const YAML::Node& n, const char* key) {
  YAML::Node v = n[key];
  if (!v || v.IsNull()) return "";
  return v.as<std::string>();
}

// Reads `<key>-data` (base64) or the file `<key>`.
StatusOr<std::string> DataOrFile(const Found& f, const std::string& key, const std::string& what) {
  std::string data = Str(f.node, (key + "-data").c_str());
  if (!data.empty()) {
    auto d = Base64Decode(data);
    if (!d.ok())
      return InvalidArgument(f.src->origin + ": " + what + " field \"" + key +
                             "-data\": " + d.status().message());
    return *d;
  }
  std::string file = Str(f.node, key.c_str());
  if (file.empty()) return std::string();
  std::string path = JoinPath(f.src->dir, file);
  auto content = ReadSmallFile(path);
  if (!content.ok()) {
    return InvalidArgument(f.src->origin + ": " + what + " field \"" + key +
                           "\": " + content.status().message());
  }
  return *content;
}

StatusOr<RestConfig> Resolve(const std::vector<Source>& srcs, std::string_view want_context,
                             Clock& clock) {
  std::string origins;
  for (const auto& s : srcs) origins += (origins.empty() ? "" : ", ") + s.origin;
  std::string context(want_context);
  if (context.empty()) {
    for (const auto& s : srcs) {
      context = Str(s.root, "current-context");
      if (!context.empty()) break;
    }
    if (context.empty()) {
      return InvalidArgument(origins + ": no current-context set and no context given");
    }
  }
  auto ctx = FindNamed(srcs, "contexts", "context", context);
  if (!ctx.ok()) return InvalidArgument(origins + ": context \"" + context + "\" not found");
  std::string cluster_name = Str(ctx->node, "cluster");
  std::string user_name = Str(ctx->node, "user");
  if (cluster_name.empty()) {
    return InvalidArgument(ctx->src->origin + ": context \"" + context +
                           "\" has no field \"cluster\"");
  }
  auto cluster = FindNamed(srcs, "clusters", "cluster", cluster_name);
  if (!cluster.ok()) {
    return InvalidArgument(origins + ": cluster \"" + cluster_name + "\" of context \"" + context +
                           "\" not found");
  }
  RestConfig cfg;
  std::string what = "cluster \"" + cluster_name + "\"";
  cfg.server = Str(cluster->node, "server");
  if (cfg.server.empty()) {
    return InvalidArgument(cluster->src->origin + ": " + what + " has no field \"server\"");
  }
  if (cfg.server.rfind("https://", 0) != 0 && cfg.server.rfind("http://", 0) != 0) {
    return InvalidArgument(cluster->src->origin + ": " + what + " field \"server\": \"" +
                           cfg.server + "\" is not an http(s) URL");
  }
  while (cfg.server.size() > 8 && cfg.server.back() == '/') cfg.server.pop_back();
  LOGSTACK_ASSIGN_OR_RETURN(cfg.tls.ca_pem, DataOrFile(*cluster, "certificate-authority", what));
  if (YAML::Node n = cluster->node["insecure-skip-tls-verify"]; n && !n.IsNull()) {
    cfg.tls.insecure_skip_verify = n.as<bool>();
  }
  cfg.tls.server_name = Str(cluster->node, "tls-server-name");

  if (!user_name.empty()) {
    auto user = FindNamed(srcs, "users", "user", user_name);
    if (!user.ok()) {
      return InvalidArgument(origins + ": user \"" + user_name + "\" of context \"" + context +
                             "\" not found");
    }
    std::string uwhat = "user \"" + user_name + "\"";
    const std::string& uorigin = user->src->origin;
    LOGSTACK_ASSIGN_OR_RETURN(cfg.tls.client_cert_pem,
                              DataOrFile(*user, "client-certificate", uwhat));
    LOGSTACK_ASSIGN_OR_RETURN(cfg.tls.client_key_pem, DataOrFile(*user, "client-key", uwhat));
    if (cfg.tls.client_cert_pem.empty() != cfg.tls.client_key_pem.empty()) {
      return InvalidArgument(uorigin + ": " + uwhat +
                             " needs both client-certificate(-data) and client-key(-data)");
    }
    std::string token = Str(user->node, "token");
    std::string token_file = Str(user->node, "tokenFile");
    YAML::Node exec = user->node["exec"];
    if (!token.empty()) {
      cfg.token = std::make_shared<StaticTokenSource>(token);
    } else if (!token_file.empty()) {
      auto src = std::make_shared<FileTokenSource>(JoinPath(user->src->dir, token_file));
      auto t = src->Token();
      if (!t.ok())
        return InvalidArgument(uorigin + ": " + uwhat +
                               " field \"tokenFile\": " + t.status().message());
      cfg.token = std::move(src);
    } else if (exec && exec.IsMap()) {
      ExecConfig ec;
      ec.api_version = Str(exec, "apiVersion");
      ec.command = Str(exec, "command");
      ec.origin = uorigin + " " + uwhat;
      ec.working_dir = user->src->dir;
      if (ec.command.empty()) {
        return InvalidArgument(uorigin + ": " + uwhat + " field \"exec.command\" is empty");
      }
      if (ec.api_version != "client.authentication.k8s.io/v1" &&
          ec.api_version != "client.authentication.k8s.io/v1beta1") {
        return InvalidArgument(uorigin + ": " + uwhat + " field \"exec.apiVersion\": \"" +
                               ec.api_version +
                               "\" is not client.authentication.k8s.io/v1 or /v1beta1");
      }
      if (YAML::Node args = exec["args"]; args && args.IsSequence()) {
        for (const auto& a : args) ec.args.push_back(a.as<std::string>());
      }
      if (YAML::Node env = exec["env"]; env && env.IsSequence()) {
        for (const auto& e : env) {
          if (!e.IsMap() || Str(e, "name").empty()) {
            return InvalidArgument(uorigin + ": " + uwhat +
                                   " field \"exec.env\": entries need a name");
          }
          ec.env.emplace_back(Str(e, "name"), Str(e, "value"));
        }
      }
      cfg.token = std::make_shared<ExecTokenSource>(std::move(ec), clock);
    } else if (user->node["auth-provider"]) {
      return InvalidArgument(uorigin + ": " + uwhat +
                             " uses \"auth-provider\", which is not supported; use an exec plugin");
    } else if (!Str(user->node, "username").empty()) {
      return InvalidArgument(uorigin + ": " + uwhat +
                             " uses basic auth (username/password), which is not supported");
    }
  }
  std::string ns = Str(ctx->node, "namespace");
  if (!ns.empty()) cfg.ns = ns;
  cfg.origin = "kubeconfig " + origins + " context " + context;
  return cfg;
}

StatusOr<Source> ParseSource(std::string_view yaml, std::string origin, std::string dir) {
  Source s;
  s.origin = std::move(origin);
  s.dir = std::move(dir);
  try {
    s.root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return InvalidArgument(s.origin + ": not valid YAML: " + e.what());
  }
  if (s.root.IsNull()) s.root = YAML::Node(YAML::NodeType::Map);
  if (!s.root.IsMap())
    return InvalidArgument(s.origin + ": not a kubeconfig (top level is not a map)");
  return s;
}

StatusOr<RestConfig> ResolveCatching(const std::vector<Source>& srcs, std::string_view context,
                                     Clock& clock) {
  try {
    return Resolve(srcs, context, clock);
  } catch (const YAML::Exception& e) {
    std::string origins;
    for (const auto& s : srcs) origins += (origins.empty() ? "" : ", ") + s.origin;
    return InvalidArgument(origins + ": malformed kubeconfig: " + e.what());
  }
}

}  // namespace

StatusOr<RestConfig> LoadKubeconfigFromString(std::string_view yaml, std::string_view origin,
                                              std::string_view dir, std::string_view context,
                                              Clock& clock) {
  LOGSTACK_ASSIGN_OR_RETURN(Source s, ParseSource(yaml, std::string(origin), std::string(dir)));
  std::vector<Source> srcs;
  srcs.push_back(std::move(s));
  return ResolveCatching(srcs, context, clock);
}

StatusOr<RestConfig> LoadKubeconfig(const std::vector<std::string>& files, std::string_view context,
                                    Clock& clock) {
  std::vector<Source> srcs;
  for (const auto& f : files) {
    auto text = ReadSmallFile(f);
    if (!text.ok()) return text.status().Annotate("kubeconfig " + f);
    LOGSTACK_ASSIGN_OR_RETURN(Source s, ParseSource(*text, "kubeconfig " + f, DirName(f)));
    srcs.push_back(std::move(s));
  }
  if (srcs.empty()) return InvalidArgument("no kubeconfig file given");
  return ResolveCatching(srcs, context, clock);
}

StatusOr<RestConfig> LoadConfig(const LoadOptions& options) {
  Clock& clock = options.clock != nullptr ? *options.clock : RealClock::Default();
  if (!options.kubeconfig.empty())
    return LoadKubeconfig({options.kubeconfig}, options.context, clock);
  if (auto kc = options.env("KUBECONFIG"); kc && !kc->empty()) {
    // A colon-separated list; files that do not exist are skipped, as kubectl does.
    std::vector<std::string> files;
    size_t start = 0;
    while (start <= kc->size()) {
      size_t colon = kc->find(':', start);
      std::string f =
          kc->substr(start, colon == std::string::npos ? std::string::npos : colon - start);
      struct stat st;
      if (!f.empty() && ::stat(f.c_str(), &st) == 0) files.push_back(f);
      if (colon == std::string::npos) break;
      start = colon + 1;
    }
    if (files.empty()) {
      return NotFound("$KUBECONFIG=" + *kc + ": none of its files exist");
    }
    return LoadKubeconfig(files, options.context, clock);
  }
  if (auto host = options.env("KUBERNETES_SERVICE_HOST"); host && !host->empty()) {
    return LoadInClusterConfig(options.in_cluster, options.env);
  }
  if (auto home = options.env("HOME"); home && !home->empty()) {
    std::string path = *home + "/.kube/config";
    struct stat st;
    if (::stat(path.c_str(), &st) == 0) return LoadKubeconfig({path}, options.context, clock);
  }
  return NotFound(
      "no Kubernetes configuration: pass --kubeconfig, set $KUBECONFIG, run in a cluster, or "
      "create ~/.kube/config");
}

}  // namespace logstack::kube
