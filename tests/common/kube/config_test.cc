#include "common/kube/config.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include "common/go/time.h"
#include "common/kube/util.h"
#include "tests/mocks/fake_clock.h"

namespace logstack::kube {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/kube_config_test.XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path_); }
  const std::string& path() const { return path_; }
  std::string Write(const std::string& name, const std::string& content) {
    std::string p = path_ + "/" + name;
    std::ofstream(p) << content;
    return p;
  }

 private:
  std::string path_;
};

EnvLookup MapEnv(std::map<std::string, std::string> m) {
  return [m](const std::string& k) -> std::optional<std::string> {
    auto it = m.find(k);
    if (it == m.end()) return std::nullopt;
    return it->second;
  };
}

constexpr char kBasic[] = R"(
apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: dev-cluster
  cluster:
    server: https://10.0.0.1:6443/
    certificate-authority-data: Q0EtUEVN
    tls-server-name: api.example.com
- name: prod-cluster
  cluster:
    server: https://prod:6443
    insecure-skip-tls-verify: true
users:
- name: dev-user
  user:
    token: abc123
- name: prod-user
  user:
    client-certificate-data: Q0VSVA==
    client-key-data: S0VZ
contexts:
- name: dev
  context: {cluster: dev-cluster, user: dev-user, namespace: team-a}
- name: prod
  context: {cluster: prod-cluster, user: prod-user}
)";

TEST(KubeconfigTest, CurrentContext) {
  auto cfg = LoadKubeconfigFromString(kBasic, "kubeconfig test", "/tmp");
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  EXPECT_EQ(cfg->server, "https://10.0.0.1:6443");
  EXPECT_EQ(cfg->tls.ca_pem, "CA-PEM");
  EXPECT_EQ(cfg->tls.server_name, "api.example.com");
  EXPECT_FALSE(cfg->tls.insecure_skip_verify);
  EXPECT_EQ(cfg->ns, "team-a");
  ASSERT_NE(cfg->token, nullptr);
  EXPECT_EQ(*cfg->token->Token(), "abc123");
}

TEST(KubeconfigTest, ExplicitContextWithClientCertificate) {
  auto cfg = LoadKubeconfigFromString(kBasic, "kubeconfig test", "/tmp", "prod");
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  EXPECT_EQ(cfg->server, "https://prod:6443");
  EXPECT_TRUE(cfg->tls.insecure_skip_verify);
  EXPECT_EQ(cfg->tls.client_cert_pem, "CERT");
  EXPECT_EQ(cfg->tls.client_key_pem, "KEY");
  EXPECT_EQ(cfg->token, nullptr);
  EXPECT_EQ(cfg->ns, "default");
}

TEST(KubeconfigTest, FilesResolveRelativeToTheKubeconfig) {
  TempDir dir;
  dir.Write("ca.crt", "FILE-CA");
  dir.Write("token", "  file-token\n");
  std::string path = dir.Write("config", R"(
current-context: c
clusters: [{name: k, cluster: {server: "https://k:443", certificate-authority: ca.crt}}]
users: [{name: u, user: {tokenFile: token}}]
contexts: [{name: c, context: {cluster: k, user: u}}]
)");
  auto cfg = LoadKubeconfig({path});
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  EXPECT_EQ(cfg->tls.ca_pem, "FILE-CA");
  EXPECT_EQ(*cfg->token->Token(), "file-token");
}

TEST(KubeconfigTest, ErrorsNameFileAndField) {
  struct Case {
    const char* yaml;
    const char* context;
    std::vector<std::string> want;
  } cases[] = {
      {"clusters: [", "", {"kubeconfig bad.yaml", "not valid YAML"}},
      {"contexts: []", "", {"kubeconfig bad.yaml", "no current-context"}},
      {"current-context: x\ncontexts: []", "", {"context \"x\" not found"}},
      {"contexts: [{name: c, context: {cluster: k}}]\nclusters: [{name: k, cluster: {}}]",
       "c",
       {"kubeconfig bad.yaml", "cluster \"k\"", "\"server\""}},
      {"contexts: [{name: c, context: {cluster: k, user: u}}]\n"
       "clusters: [{name: k, cluster: {server: 'https://x', certificate-authority: /nope/ca}}]",
       "c",
       {"certificate-authority", "/nope/ca"}},
      {"contexts: [{name: c, context: {cluster: k, user: u}}]\n"
       "clusters: [{name: k, cluster: {server: 'https://x'}}]\n"
       "users: [{name: u, user: {exec: {apiVersion: foo/v9, command: x}}}]",
       "c",
       {"user \"u\"", "exec.apiVersion"}},
      {"contexts: [{name: c, context: {cluster: k, user: u}}]\n"
       "clusters: [{name: k, cluster: {server: 'https://x'}}]\n"
       "users: [{name: u, user: {client-certificate-data: QQ==}}]",
       "c",
       {"client-key"}},
  };
  for (const auto& c : cases) {
    auto cfg = LoadKubeconfigFromString(c.yaml, "kubeconfig bad.yaml", "/tmp", c.context);
    ASSERT_FALSE(cfg.ok()) << c.yaml;
    EXPECT_EQ(cfg.status().code(), StatusCode::kInvalidArgument) << c.yaml;
    for (const auto& w : c.want) {
      EXPECT_NE(cfg.status().message().find(w), std::string::npos)
          << cfg.status().message() << " lacks " << w;
    }
  }
}

TEST(KubeconfigTest, MultipleFilesMergeFirstWins) {
  TempDir dir;
  std::string a = dir.Write("a", R"(
current-context: one
contexts: [{name: one, context: {cluster: k, user: u}}]
users: [{name: u, user: {token: from-a}}]
)");
  std::string b = dir.Write("b", R"(
current-context: two
clusters: [{name: k, cluster: {server: "https://from-b"}}]
users: [{name: u, user: {token: from-b}}]
)");
  auto cfg = LoadKubeconfig({a, b});
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  EXPECT_EQ(cfg->server, "https://from-b");
  EXPECT_EQ(*cfg->token->Token(), "from-a");
}

TEST(LoadConfigTest, Precedence) {
  TempDir dir;
  std::string kc = dir.Write("kc", R"(
current-context: c
contexts: [{name: c, context: {cluster: k}}]
clusters: [{name: k, cluster: {server: "https://from-kubeconfig"}}]
)");
  dir.Write("token", "sa-token");
  dir.Write("ca.crt", "SA-CA");
  dir.Write("namespace", "ops\n");
  InClusterPaths paths{dir.path() + "/token", dir.path() + "/ca.crt", dir.path() + "/namespace"};

  LoadOptions o;
  o.in_cluster = paths;
  o.env = MapEnv({{"KUBERNETES_SERVICE_HOST", "10.96.0.1"}, {"KUBERNETES_SERVICE_PORT", "443"}});
  auto in = LoadConfig(o);
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  EXPECT_EQ(in->server, "https://10.96.0.1:443");
  EXPECT_EQ(in->tls.ca_pem, "SA-CA");
  EXPECT_EQ(in->ns, "ops");
  EXPECT_EQ(*in->token->Token(), "sa-token");
  EXPECT_EQ(in->origin, "in-cluster");

  // $KUBECONFIG wins over in-cluster; an explicit file wins over both.
  o.env = MapEnv({{"KUBERNETES_SERVICE_HOST", "10.96.0.1"},
                  {"KUBERNETES_SERVICE_PORT", "443"},
                  {"KUBECONFIG", "/does/not/exist:" + kc}});
  auto env = LoadConfig(o);
  ASSERT_TRUE(env.ok()) << env.status().ToString();
  EXPECT_EQ(env->server, "https://from-kubeconfig");

  // ~/.kube/config last.
  fs::create_directories(dir.path() + "/home/.kube");
  fs::copy_file(kc, dir.path() + "/home/.kube/config");
  o.env = MapEnv({{"HOME", dir.path() + "/home"}});
  auto home = LoadConfig(o);
  ASSERT_TRUE(home.ok()) << home.status().ToString();
  EXPECT_EQ(home->server, "https://from-kubeconfig");

  o.env = MapEnv({{"HOME", "/nonexistent"}});
  auto none = LoadConfig(o);
  EXPECT_EQ(none.status().code(), StatusCode::kNotFound);
}

TEST(InClusterTest, MissingFilesAreClearErrors) {
  auto env = MapEnv({{"KUBERNETES_SERVICE_HOST", "fd00::1"}, {"KUBERNETES_SERVICE_PORT", "443"}});
  auto cfg = LoadInClusterConfig({"/nope/token", "/nope/ca.crt", "/nope/ns"}, env);
  ASSERT_FALSE(cfg.ok());
  EXPECT_NE(cfg.status().message().find("/nope/ca.crt"), std::string::npos);
  auto not_in = LoadInClusterConfig({}, MapEnv({}));
  EXPECT_EQ(not_in.status().code(), StatusCode::kFailedPrecondition);

  TempDir dir;
  dir.Write("token", "t");
  dir.Write("ca.crt", "ca");
  auto v6 = LoadInClusterConfig({dir.path() + "/token", dir.path() + "/ca.crt", "/nope"}, env);
  ASSERT_TRUE(v6.ok()) << v6.status().ToString();
  EXPECT_EQ(v6->server, "https://[fd00::1]:443");
  EXPECT_EQ(v6->ns, "default");
}

TEST(FileTokenSourceTest, ReReadsWhenTheFileChanges) {
  TempDir dir;
  std::string p = dir.Write("token", "one");
  FileTokenSource src(p);
  EXPECT_EQ(*src.Token(), "one");
  // Rotation the way kubelet does it: a new file renamed over the old one.
  std::string tmp = dir.Write("token.new", "two-longer");
  ASSERT_EQ(::rename(tmp.c_str(), p.c_str()), 0);
  EXPECT_EQ(*src.Token(), "two-longer");
  ::unlink(p.c_str());
  EXPECT_FALSE(src.Token().ok());
}

// An exec plugin: a shell script that counts its runs and prints an
// ExecCredential whose token names the run.
class ExecPluginTest : public ::testing::Test {
 protected:
  std::string Script(const std::string& api_version, const std::string& expiry) {
    std::string script = dir_.Write(
        "plugin.sh",
        "#!/bin/sh\n"
        "n=$(cat \"$COUNT_FILE\" 2>/dev/null || echo 0)\n"
        "n=$((n+1))\n"
        "echo $n > \"$COUNT_FILE\"\n"
        "case \"$KUBERNETES_EXEC_INFO\" in *ExecCredential*) ;; *) exit 3;; esac\n"
        "echo '{\"apiVersion\": \"" +
            api_version +
            "\", \"kind\": \"ExecCredential\", \"status\": {\"token\": "
            "\"'\"$1-$n\"'\"" +
            (expiry.empty() ? "" : ", \"expirationTimestamp\": \"" + expiry + "\"") + "}}'\n");
    ::chmod(script.c_str(), 0755);
    return script;
  }
  int Count() {
    std::ifstream in(dir_.path() + "/count");
    int n = 0;
    in >> n;
    return n;
  }
  std::string Kubeconfig(const std::string& api_version) {
    return "current-context: c\n"
           "contexts: [{name: c, context: {cluster: k, user: u}}]\n"
           "clusters: [{name: k, cluster: {server: 'https://x'}}]\n"
           "users:\n- name: u\n  user:\n    exec:\n      apiVersion: " +
           api_version +
           "\n      command: ./plugin.sh\n      args: [tok]\n      env:\n      - {name: "
           "COUNT_FILE, "
           "value: " +
           dir_.path() + "/count}\n";
  }
  TempDir dir_;
};

TEST_F(ExecPluginTest, CachesUntilExpiryThenReruns) {
  FakeClock clock(*go::ParseRfc3339("2030-01-01T00:00:00Z"));
  Script("client.authentication.k8s.io/v1", "2030-01-01T00:10:00Z");
  auto cfg = LoadKubeconfigFromString(Kubeconfig("client.authentication.k8s.io/v1"), "kc",
                                      dir_.path(), "", clock);
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  EXPECT_EQ(*cfg->token->Token(), "tok-1");
  EXPECT_EQ(*cfg->token->Token(), "tok-1");
  EXPECT_EQ(Count(), 1);
  clock.Advance(std::chrono::minutes(5));
  EXPECT_EQ(*cfg->token->Token(), "tok-1");
  EXPECT_EQ(Count(), 1);
  clock.Advance(std::chrono::minutes(5));  // expired
  EXPECT_EQ(*cfg->token->Token(), "tok-2");
  EXPECT_EQ(Count(), 2);
  cfg->token->Invalidate();  // a 401
  EXPECT_EQ(*cfg->token->Token(), "tok-3");
}

TEST_F(ExecPluginTest, V1beta1WithoutExpiryCachesForever) {
  FakeClock clock;
  Script("client.authentication.k8s.io/v1beta1", "");
  auto cfg = LoadKubeconfigFromString(Kubeconfig("client.authentication.k8s.io/v1beta1"), "kc",
                                      dir_.path(), "", clock);
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  EXPECT_EQ(*cfg->token->Token(), "tok-1");
  clock.Advance(std::chrono::hours(100));
  EXPECT_EQ(*cfg->token->Token(), "tok-1");
  EXPECT_EQ(Count(), 1);
}

TEST_F(ExecPluginTest, WrongApiVersionAndFailingPluginAreErrors) {
  Script("client.authentication.k8s.io/v1beta1", "");
  auto cfg = LoadKubeconfigFromString(Kubeconfig("client.authentication.k8s.io/v1"), "kc",
                                      dir_.path(), "");
  ASSERT_TRUE(cfg.ok());
  auto t = cfg->token->Token();
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(t.status().message().find("apiVersion"), std::string::npos) << t.status().message();

  dir_.Write("plugin.sh", "#!/bin/sh\nexit 7\n");
  auto t2 = cfg->token->Token();
  EXPECT_NE(t2.status().message().find("exited with status 7"), std::string::npos)
      << t2.status().message();
}

TEST(ExecCredentialTest, Parse) {
  auto c = ParseExecCredential(
      R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential",
          "status":{"token":"t","expirationTimestamp":"2030-01-01T00:00:00.5+01:00"}})",
      "client.authentication.k8s.io/v1");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->token, "t");
  EXPECT_EQ(*c->expiration, *go::ParseRfc3339("2029-12-31T23:00:00Z") + 500'000'000);
  EXPECT_FALSE(ParseExecCredential("not json", "x").ok());
  EXPECT_FALSE(
      ParseExecCredential(R"({"apiVersion":"x","kind":"ExecCredential","status":{}})", "x").ok());
}

TEST(UtilTest, Base64) {
  EXPECT_EQ(*Base64Decode("aGVsbG8="), "hello");
  EXPECT_EQ(*Base64Decode("aGVsbG8"), "hello");
  EXPECT_EQ(Base64Encode("hello"), "aGVsbG8=");
  EXPECT_FALSE(Base64Decode("a*b").ok());
}

}  // namespace
}  // namespace logstack::kube
