// The test server driven by the real kubectl (skipped when kubectl is not on
// PATH): HTTPS with the generated CA, a bearer token or a client certificate,
// and the commands the operator's users type.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/kube/server/test_server.h"
#include "tests/testutil/eventually.h"

extern char** environ;

namespace logstack::kubetest {
namespace {

using nlohmann::json;
using testutil::Eventually;
namespace fs = std::filesystem;

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A kubectl process with stdout and stderr going to files.
class Kubectl {
 public:
  Kubectl(const fs::path& dir, const std::string& kubeconfig, std::vector<std::string> args) {
    static int counter = 0;
    const std::string id = std::to_string(++counter);
    out_ = dir / ("kubectl-" + id + ".out");
    err_ = dir / ("kubectl-" + id + ".err");
    std::vector<std::string> argv = {"kubectl", "--kubeconfig=" + kubeconfig,
                                     "--request-timeout=20s"};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> cargv;
    for (auto& a : argv) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, 2, err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (posix_spawnp(&pid_, "kubectl", &actions, nullptr, cargv.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
  }
  ~Kubectl() {
    if (pid_ > 0 && !exited_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }

  // Waits for the exit; returns the exit code (-1 on timeout, then killed).
  int Wait(std::chrono::seconds timeout = std::chrono::seconds(30)) {
    if (pid_ <= 0) return -1;
    int status = 0;
    const bool exited =
        Eventually([&] { return waitpid(pid_, &status, WNOHANG) == pid_; }, timeout);
    if (!exited) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    exited_ = true;
    return exited ? (WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status)) : -1;
  }
  void Kill() {
    if (pid_ > 0 && !exited_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
      exited_ = true;
    }
  }
  bool Running() {
    if (exited_) return false;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) exited_ = true;
    return !exited_;
  }
  // Waits until stdout contains `text`; false at the deadline.
  bool WaitForOutput(const std::string& text,
                     std::chrono::seconds timeout = std::chrono::seconds(20)) {
    return Eventually([&] { return out().find(text) != std::string::npos; }, timeout);
  }
  std::string out() const { return ReadFile(out_); }
  std::string err() const { return ReadFile(err_); }

 private:
  pid_t pid_ = -1;
  bool exited_ = false;
  fs::path out_, err_;
};

bool HaveKubectl() { return std::system("kubectl version --client >/dev/null 2>&1") == 0; }

const char* kCrd = R"(apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wd]}
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            required: [size]
            properties:
              size: {type: integer, minimum: 1, maximum: 10}
              color: {type: string, enum: [red, blue], default: red}
          status:
            type: object
            x-kubernetes-preserve-unknown-fields: true
)";

class KubectlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!HaveKubectl()) GTEST_SKIP() << "kubectl is not installed";
    dir_ = fs::temp_directory_path() /
           ("kube-testserver-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    KubeTestServer::Options options;
    options.token = "test-token";
    options.tls_dir = dir_.string();
    auto server = KubeTestServer::Start(options);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
    kubeconfig_ = (dir_ / "kubeconfig").string();
    ASSERT_TRUE(server_->WriteKubeconfig(kubeconfig_).ok());
  }
  void TearDown() override {
    if (server_) server_->Stop();
    fs::remove_all(dir_);
  }

  std::string WriteManifest(const std::string& name, const std::string& text) {
    fs::path p = dir_ / name;
    std::ofstream(p) << text;
    return p.string();
  }
  // Runs kubectl to completion; returns the exit code, stdout in *out.
  int Run(std::vector<std::string> args, std::string* out = nullptr, std::string* err = nullptr) {
    Kubectl k(dir_, kubeconfig_, std::move(args));
    int rc = k.Wait();
    if (out) *out = k.out();
    if (err) *err = k.err();
    return rc;
  }
  void CreateWidgetCrd() {
    std::string err;
    ASSERT_EQ(Run({"create", "-f", WriteManifest("crd.yaml", kCrd)}, nullptr, &err), 0) << err;
  }
  void CreateWidget(const std::string& name, int size) {
    std::string err;
    ASSERT_EQ(Run({"create", "-f",
                   WriteManifest(name + ".yaml",
                                 "apiVersion: example.com/v1\nkind: Widget\n"
                                 "metadata: {name: " +
                                     name + "}\nspec: {size: " + std::to_string(size) + "}\n")},
                  nullptr, &err),
              0)
        << err;
  }

  fs::path dir_;
  std::string kubeconfig_;
  std::unique_ptr<KubeTestServer> server_;
};

TEST_F(KubectlTest, VersionAndDiscovery) {
  std::string out, err;
  ASSERT_EQ(Run({"version", "-o", "json"}, &out, &err), 0) << err;
  EXPECT_EQ(json::parse(out)["serverVersion"]["minor"], "32");
  ASSERT_EQ(Run({"api-resources", "-o", "name"}, &out, &err), 0) << err;
  for (const char* r : {"pods", "deployments.apps", "leases.coordination.k8s.io",
                        "customresourcedefinitions.apiextensions.k8s.io"}) {
    EXPECT_NE(out.find(std::string(r) + "\n"), std::string::npos) << r;
  }
  ASSERT_EQ(Run({"get", "namespaces", "-o", "name"}, &out, &err), 0) << err;
  EXPECT_NE(out.find("namespace/default"), std::string::npos);
}

TEST_F(KubectlTest, WrongTokenIsUnauthorized) {
  std::string text = ReadFile(kubeconfig_);
  text.replace(text.find("test-token"), 10, "wrong-token");
  std::string bad = WriteManifest("bad-kubeconfig", text);
  Kubectl k(dir_, bad, {"get", "configmaps"});
  EXPECT_NE(k.Wait(), 0);
  // kubectl words a 401 as "You must be logged in to the server".
  EXPECT_NE(k.err().find("must be logged in"), std::string::npos) << k.err();
}

TEST_F(KubectlTest, VerifiesTheServerCertificate) {
  // A kubeconfig that trusts another test server's CA must not connect.
  fs::path other = dir_ / "other-ca";
  fs::create_directories(other);
  KubeTestServer::Options options;
  options.tls_dir = other.string();
  auto second = KubeTestServer::Start(options);
  ASSERT_TRUE(second.ok());
  std::string text = ReadFile(kubeconfig_);
  const std::string ca = server_->ca_file();
  text.replace(text.find(ca), ca.size(), (*second)->ca_file());
  Kubectl k(dir_, WriteManifest("wrong-ca-kubeconfig", text), {"get", "configmaps"});
  EXPECT_NE(k.Wait(), 0);
  EXPECT_NE(k.err().find("certificate signed by unknown authority"), std::string::npos) << k.err();
}

TEST_F(KubectlTest, ClientCertificateAuthenticates) {
  // The kubeconfig without its token: the credentials come from kubectl's flags.
  std::string text = ReadFile(kubeconfig_);
  const std::string token_line = "    token: test-token\n";
  ASSERT_NE(text.find(token_line), std::string::npos) << text;
  text.erase(text.find(token_line), token_line.size());
  const std::string no_credentials = WriteManifest("no-credentials-kubeconfig", text);
  auto with_cert = [&](const std::string& cert, const std::string& key,
                       std::vector<std::string> args) {
    args.insert(args.begin(), {"--client-certificate=" + cert, "--client-key=" + key});
    return Kubectl(dir_, no_credentials, std::move(args));
  };

  // client.crt, which the server wrote: the administrator.
  {
    Kubectl k = with_cert(server_->client_cert_file(), server_->client_key_file(),
                          {"get", "ns", "-o", "name"});
    EXPECT_EQ(k.Wait(), 0) << k.err();
    EXPECT_NE(k.out().find("namespace/default"), std::string::npos) << k.out();
  }
  // Neither a token nor a certificate: 401. (Given no credentials at all,
  // kubectl prompts for a basic-auth user before it sends anything; with one,
  // the request carries only an "Authorization: Basic" header, which API
  // servers no longer accept, so the server sees no credentials.)
  {
    Kubectl k(dir_, no_credentials, {"--username=nobody", "--password=none", "get", "ns"});
    EXPECT_NE(k.Wait(), 0);
    EXPECT_NE(k.err().find("must be logged in"), std::string::npos) << k.err();
  }
  // A certificate for a user without rights: 403 naming the user.
  auto nobody = server_->IssueClientCertificate("nobody");
  ASSERT_TRUE(nobody.ok()) << nobody.status().ToString();
  {
    Kubectl k = with_cert(WriteManifest("nobody.crt", nobody->cert_pem),
                          WriteManifest("nobody.key", nobody->key_pem), {"get", "ns"});
    EXPECT_NE(k.Wait(), 0);
    EXPECT_NE(k.err().find("Forbidden"), std::string::npos) << k.err();
    EXPECT_NE(k.err().find("User \"nobody\""), std::string::npos) << k.err();
  }
  // The administrator's name and group signed by another CA: 401.
  auto other_ca = GenerateTlsMaterial();
  ASSERT_TRUE(other_ca.ok());
  auto forged = IssueClientCertificate(other_ca->ca_cert_pem, other_ca->ca_key_pem, kAdminUser,
                                       {kAdminGroup});
  ASSERT_TRUE(forged.ok());
  {
    Kubectl k = with_cert(WriteManifest("forged.crt", forged->cert_pem),
                          WriteManifest("forged.key", forged->key_pem), {"get", "ns"});
    EXPECT_NE(k.Wait(), 0);
    EXPECT_NE(k.err().find("must be logged in"), std::string::npos) << k.err();
  }
}

TEST(KubectlPlainHttpTest, ServesPlainHttp) {
  if (!HaveKubectl()) GTEST_SKIP() << "kubectl is not installed";
  auto server = KubeTestServer::Start({});
  ASSERT_TRUE(server.ok());
  fs::path dir = fs::temp_directory_path() / ("kube-testserver-http-" + std::to_string(getpid()));
  fs::create_directories(dir);
  const std::string kubeconfig = (dir / "kubeconfig").string();
  ASSERT_TRUE((*server)->WriteKubeconfig(kubeconfig).ok());
  Kubectl k(dir, kubeconfig, {"get", "namespace", "default", "-o", "name"});
  EXPECT_EQ(k.Wait(), 0) << k.err();
  EXPECT_EQ(k.out(), "namespace/default\n");
  fs::remove_all(dir);
}

TEST_F(KubectlTest, CreateCrdThenCustomResourceAndGetJson) {
  CreateWidgetCrd();
  CreateWidget("w1", 3);
  std::string out, err;
  ASSERT_EQ(Run({"get", "widgets", "w1", "-o", "json"}, &out, &err), 0) << err;
  json w = json::parse(out);
  EXPECT_EQ(w["spec"]["size"], 3);
  EXPECT_EQ(w["spec"]["color"], "red");  // the schema's default
  EXPECT_EQ(w["metadata"]["generation"], 1);
  EXPECT_FALSE(w["metadata"]["uid"].get<std::string>().empty());
  // Short name and table output.
  ASSERT_EQ(Run({"get", "wd"}, &out, &err), 0) << err;
  EXPECT_NE(out.find("w1"), std::string::npos);
  // Schema violations are 422 with the field path.
  std::string bad = WriteManifest("bad.yaml",
                                  "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w2}\n"
                                  "spec: {size: 50, color: green}\n");
  EXPECT_NE(Run({"create", "-f", bad}, &out, &err), 0);
  EXPECT_NE(err.find("spec.size"), std::string::npos) << err;
  EXPECT_NE(err.find("spec.color"), std::string::npos) << err;
  // Unknown fields: kubectl asks for strict field validation.
  std::string unknown =
      WriteManifest("unknown.yaml",
                    "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w3}\n"
                    "spec: {size: 1, shape: round}\n");
  EXPECT_NE(Run({"create", "-f", unknown}, &out, &err), 0);
  EXPECT_NE(err.find("unknown field \"spec.shape\""), std::string::npos) << err;
  // AlreadyExists.
  EXPECT_NE(Run({"create", "-f", (dir_ / "w1.yaml").string()}, &out, &err), 0);
  EXPECT_NE(err.find("AlreadyExists"), std::string::npos) << err;
}

TEST_F(KubectlTest, LabelPatchAndSelectors) {
  CreateWidgetCrd();
  CreateWidget("w1", 3);
  CreateWidget("w2", 4);
  std::string out, err;
  ASSERT_EQ(Run({"label", "widget", "w1", "tier=gold"}, &out, &err), 0) << err;
  ASSERT_EQ(Run({"get", "widgets", "-l", "tier in (gold,silver)", "-o", "name"}, &out, &err), 0)
      << err;
  EXPECT_EQ(out, "widget.example.com/w1\n");
  ASSERT_EQ(Run({"get", "widgets", "-l", "!tier", "-o", "name"}, &out, &err), 0) << err;
  EXPECT_EQ(out, "widget.example.com/w2\n");
  ASSERT_EQ(
      Run({"patch", "widget", "w1", "--type", "merge", "-p", R"({"spec":{"size":7}})"}, &out, &err),
      0)
      << err;
  ASSERT_EQ(Run({"get", "widget", "w1", "-o", "json"}, &out, &err), 0) << err;
  json w = json::parse(out);
  EXPECT_EQ(w["spec"]["size"], 7);
  EXPECT_EQ(w["metadata"]["labels"]["tier"], "gold");
  EXPECT_EQ(w["metadata"]["generation"], 2);  // the label did not bump it, the patch did
  EXPECT_NE(
      Run({"patch", "widget", "w1", "--type", "merge", "-p", R"({"spec":{"size":0}})"}, &out, &err),
      0);
  EXPECT_NE(err.find("greater than or equal to 1"), std::string::npos) << err;
  // Built-in types: strategic merge patch (kubectl label/annotate on a ConfigMap).
  std::string cm = WriteManifest(
      "cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c1}\ndata: {a: b}\n");
  ASSERT_EQ(Run({"create", "-f", cm}, &out, &err), 0) << err;
  ASSERT_EQ(Run({"annotate", "configmap", "c1", "note=hi"}, &out, &err), 0) << err;
  ASSERT_EQ(
      Run({"get", "configmap", "c1", "-o", "jsonpath={.metadata.annotations.note}"}, &out, &err), 0)
      << err;
  EXPECT_EQ(out, "hi");
}

TEST_F(KubectlTest, GetWatchStreamsChanges) {
  CreateWidgetCrd();
  CreateWidget("w1", 3);
  Kubectl watch(dir_, kubeconfig_,
                {"get", "widgets", "--watch", "-o",
                 "jsonpath={.metadata.name}:{.metadata.labels.tier}{\"\\n\"}"});
  ASSERT_TRUE(watch.WaitForOutput("w1:\n")) << watch.err();
  auto r = server_->api().Call("PATCH", "/apis/example.com/v1/namespaces/default/widgets/w1",
                               {{"metadata", {{"labels", {{"tier", "gold"}}}}}},
                               "application/merge-patch+json");
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_TRUE(watch.WaitForOutput("w1:gold\n")) << watch.out() << watch.err();
  CreateWidget("w2", 1);
  EXPECT_TRUE(watch.WaitForOutput("w2:\n")) << watch.out() << watch.err();
  EXPECT_TRUE(watch.Running());
  // The server notices a watcher that went away and ends its stream.
  ASSERT_EQ(server_->api().OpenWatchCount(), 1u);
  watch.Kill();
  EXPECT_TRUE(Eventually([&] { return server_->api().OpenWatchCount() == 0; }))
      << server_->api().OpenWatchCount() << " watches open";
}

TEST_F(KubectlTest, TheBinaryServesUntilSigterm) {
  const char* bin_dir = std::getenv("LOGSTACK_BIN_DIR");
  // ctest sets LOGSTACK_BIN_DIR; run by hand, the binary sits beside this test.
  fs::path bin = (bin_dir ? fs::path(bin_dir) : fs::read_symlink("/proc/self/exe").parent_path()) /
                 "kube-testserver";
  if (!fs::exists(bin)) GTEST_SKIP() << bin << " not built";
  fs::path tls = dir_ / "bin-tls";
  fs::create_directories(tls);
  // Port 0 is not printed back in a machine-readable way; pick one from a
  // probe server that is then stopped.
  uint16_t port = 0;
  {
    auto probe = KubeTestServer::Start({});
    ASSERT_TRUE(probe.ok());
    port = (*probe)->port();
  }
  const std::string kubeconfig = (dir_ / "bin-kubeconfig").string();
  std::vector<std::string> args = {bin.string(), "--listen=127.0.0.1:" + std::to_string(port),
                                   "--token=bin-token", "--tls-dir=" + tls.string(),
                                   "--kubeconfig=" + kubeconfig};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  ASSERT_EQ(posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ), 0);
  EXPECT_TRUE(Eventually([&] { return fs::exists(kubeconfig); })) << kubeconfig;
  Kubectl get(dir_, kubeconfig, {"get", "namespaces", "-o", "name"});
  EXPECT_EQ(get.Wait(), 0) << get.err();
  EXPECT_NE(get.out().find("namespace/kube-system"), std::string::npos);
  EXPECT_TRUE(fs::exists(tls / "ca.crt"));
  EXPECT_TRUE(fs::exists(tls / "client.crt"));
  EXPECT_TRUE(fs::exists(tls / "client.key"));
  kill(pid, SIGTERM);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

TEST_F(KubectlTest, WaitForConditionSetThroughTheServer) {
  CreateWidgetCrd();
  CreateWidget("w1", 3);
  Kubectl wait(dir_, kubeconfig_, {"wait", "--for=condition=Ready", "widget/w1", "--timeout=30s"});
  // Let kubectl get to its watch, then set the condition through /status.
  EXPECT_TRUE(Eventually([&] { return server_->api().OpenWatchCount() > 0; }));
  EXPECT_TRUE(wait.Running());
  auto r = server_->api().Call(
      "PATCH", "/apis/example.com/v1/namespaces/default/widgets/w1/status",
      {{"status", {{"conditions", {{{"type", "Ready"}, {"status", "True"}, {"reason", "Test"}}}}}}},
      "application/merge-patch+json");
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(r.body["metadata"]["generation"], 1);  // status writes leave generation alone
  EXPECT_EQ(wait.Wait(), 0) << wait.err();
  EXPECT_NE(wait.out().find("condition met"), std::string::npos);
}

TEST_F(KubectlTest, DeleteAndWaitForDeleteWithFinalizer) {
  CreateWidgetCrd();
  CreateWidget("w1", 3);
  CreateWidget("w2", 3);
  std::string out, err;
  ASSERT_EQ(Run({"delete", "widget", "w2"}, &out, &err), 0) << err;
  EXPECT_NE(Run({"get", "widget", "w2"}, &out, &err), 0);
  EXPECT_NE(err.find("NotFound"), std::string::npos) << err;

  ASSERT_EQ(Run({"patch", "widget", "w1", "--type", "merge", "-p",
                 R"({"metadata":{"finalizers":["example.com/cleanup"]}})"},
                &out, &err),
            0)
      << err;
  ASSERT_EQ(Run({"delete", "widget", "w1", "--wait=false"}, &out, &err), 0) << err;
  ASSERT_EQ(Run({"get", "widget", "w1", "-o", "json"}, &out, &err), 0) << err;
  EXPECT_TRUE(json::parse(out)["metadata"].contains("deletionTimestamp"));

  Kubectl wait(dir_, kubeconfig_, {"wait", "--for=delete", "widget/w1", "--timeout=30s"});
  EXPECT_TRUE(Eventually([&] { return server_->api().OpenWatchCount() > 0; }));
  EXPECT_TRUE(wait.Running());
  auto r = server_->api().Call("PATCH", "/apis/example.com/v1/namespaces/default/widgets/w1",
                               {{"metadata", {{"finalizers", nullptr}}}},
                               "application/merge-patch+json");
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(wait.Wait(), 0) << wait.err();
  EXPECT_NE(Run({"get", "widget", "w1"}, &out, &err), 0);
}

TEST_F(KubectlTest, ScaleAndPrinterColumns) {
  const char* crd = R"(apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: stacks.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: stacks, singular: stack, kind: Stack}
  versions:
  - name: v1
    served: true
    storage: true
    subresources:
      status: {}
      scale: {specReplicasPath: .spec.replicas, statusReplicasPath: .status.replicas}
    additionalPrinterColumns:
    - {name: Replicas, type: integer, jsonPath: .spec.replicas}
    - {name: Ready, type: string, jsonPath: '.status.conditions[?(@.type=="Ready")].status'}
    - {name: Age, type: date, jsonPath: .metadata.creationTimestamp}
    schema:
      openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
)";
  std::string out, err;
  ASSERT_EQ(Run({"apply", "-f", WriteManifest("stacks.yaml", crd)}, &out, &err), 0) << err;
  ASSERT_EQ(Run({"apply", "-f",
                 WriteManifest("s1.yaml",
                               "apiVersion: example.com/v1\nkind: Stack\n"
                               "metadata: {name: s1}\nspec: {replicas: 1}\n")},
                &out, &err),
            0)
      << err;
  ASSERT_EQ(Run({"scale", "stack", "s1", "--replicas=3"}, &out, &err), 0) << err;
  auto r =
      server_->api().Call("PATCH", "/apis/example.com/v1/namespaces/default/stacks/s1/status",
                          {{"status", {{"conditions", {{{"type", "Ready"}, {"status", "True"}}}}}}},
                          "application/merge-patch+json");
  ASSERT_EQ(r.status, 200) << r.body.dump();
  ASSERT_EQ(Run({"get", "stacks", "--no-headers"}, &out, &err), 0) << err;
  EXPECT_EQ(out.substr(0, out.find("True") + 4).find("s1"), 0u) << out;
  EXPECT_NE(out.find(" 3 "), std::string::npos) << out;
  EXPECT_NE(out.find("True"), std::string::npos) << out;

  // Built-in deployments scale too.
  std::string dep = WriteManifest("dep.yaml", R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: nginx}]}
)");
  ASSERT_EQ(Run({"apply", "-f", dep}, &out, &err), 0) << err;
  ASSERT_EQ(Run({"scale", "deployment", "web", "--replicas=2"}, &out, &err), 0) << err;
  ASSERT_EQ(Run({"get", "deployment", "web", "-o", "jsonpath={.spec.replicas}"}, &out, &err), 0)
      << err;
  EXPECT_EQ(out, "2");
}

TEST_F(KubectlTest, RetriesAfterTooManyRequests) {
  server_->api().FailNext("/api/v1/namespaces/default/configmaps", 1, 429, 1);
  std::string out, err;
  EXPECT_EQ(Run({"get", "configmaps", "-o", "name"}, &out, &err), 0) << err;
}

}  // namespace
}  // namespace logstack::kubetest
