#include "tests/operator/controller/fixture.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/kube/config.h"
#include "common/kube/object.h"
#include "operator/manifests/build.h"

extern char** environ;

namespace logstack::op::controller::testing {

namespace fs = std::filesystem;

std::string SourceDir() {
  if (const char* d = std::getenv("LOGSTACK_SOURCE_DIR")) return d;
#ifdef LOGSTACK_SOURCE_DIR_DEFAULT
  return LOGSTACK_SOURCE_DIR_DEFAULT;
#else
  return ".";
#endif
}

std::string BinDir() {
  if (const char* d = std::getenv("LOGSTACK_BIN_DIR")) return d;
  // Run by hand: the test binary lives somewhere under the build directory.
  fs::path p = fs::read_symlink("/proc/self/exe").parent_path();
  for (int i = 0; i < 5 && !p.empty(); ++i, p = p.parent_path()) {
    if (fs::exists(p / "bin" / "logstack-operator")) return (p / "bin").string();
  }
  return "build/bin";
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// ---- Process -----------------------------------------------------------------

Process::Process(const std::vector<std::string>& argv, const std::string& log_path,
                 const std::vector<std::string>& extra_env)
    : log_path_(log_path) {
  std::vector<std::string> args = argv;
  std::vector<char*> cargv;
  for (auto& a : args) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) env.emplace_back(*e);
  for (const auto& e : extra_env) env.push_back(e);
  std::vector<char*> cenv;
  for (auto& e : env) cenv.push_back(e.data());
  cenv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                   0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  if (posix_spawnp(&pid_, args[0].c_str(), &actions, &attr, cargv.data(), cenv.data()) != 0) {
    pid_ = -1;
  }
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
}

Process::~Process() {
  if (pid_ > 0 && !exited_) {
    ::kill(-pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

bool Process::Running() {
  if (pid_ <= 0 || exited_) return false;
  int st = 0;
  if (waitpid(pid_, &st, WNOHANG) == pid_) {
    exited_ = true;
    status_ = st;
  }
  return !exited_;
}

void Process::Signal(int sig) {
  if (pid_ > 0 && !exited_) ::kill(pid_, sig);
}

int Process::Wait(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return -1;
  if (!Eventually([&] { return !Running(); }, timeout)) return -1;
  return WIFEXITED(status_) ? WEXITSTATUS(status_) : 128 + WTERMSIG(status_);
}

// ---- FakeKubelet -----------------------------------------------------------------

FakeKubelet::FakeKubelet(kubetest::ApiServer& api, int nodes, std::chrono::milliseconds interval)
    : api_(api), nodes_(nodes), interval_(interval) {}

FakeKubelet::~FakeKubelet() { Stop(); }

void FakeKubelet::Start() {
  stop_ = false;
  thread_ = std::thread([this] {
    while (!stop_) {
      if (!paused_) SyncOnce();
      std::this_thread::sleep_for(interval_);
    }
  });
}

void FakeKubelet::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

int FakeKubelet::SyncOnce() {
  int writes = 0;
  auto sync = [&](const std::string& list_path, const std::function<Json(const Json&)>& status_of) {
    auto list = api_.Call("GET", list_path);
    if (list.status != 200 || !list.body.contains("items")) return;
    for (auto& item : list.body["items"]) {
      Json want = status_of(item);
      if (item.value("status", Json::object()) == want) continue;
      item["status"] = want;
      const std::string path = list_path.substr(0, list_path.rfind('/')) + "/namespaces/" +
                               kube::Namespace(item) + list_path.substr(list_path.rfind('/')) +
                               "/" + kube::Name(item) + "/status";
      if (api_.Call("PUT", path, item).status == 200) ++writes;
    }
  };
  sync("/apis/apps/v1/statefulsets", [](const Json& o) {
    const int64_t gen = kube::Generation(o);
    const int64_t replicas = o["spec"].value("replicas", 1);
    const std::string rev = kube::Name(o) + "-" + std::to_string(gen);
    return Json{{"observedGeneration", gen},   {"replicas", replicas},
                {"readyReplicas", replicas},   {"currentReplicas", replicas},
                {"updatedReplicas", replicas}, {"availableReplicas", replicas},
                {"currentRevision", rev},      {"updateRevision", rev}};
  });
  sync("/apis/apps/v1/daemonsets", [this](const Json& o) {
    return Json{{"observedGeneration", kube::Generation(o)},
                {"desiredNumberScheduled", nodes_},
                {"currentNumberScheduled", nodes_},
                {"numberReady", nodes_},
                {"updatedNumberScheduled", nodes_},
                {"numberAvailable", nodes_},
                {"numberMisscheduled", 0}};
  });
  sync("/apis/apps/v1/deployments", [](const Json& o) {
    const int64_t replicas = o["spec"].value("replicas", 1);
    return Json{{"observedGeneration", kube::Generation(o)},
                {"replicas", replicas},
                {"readyReplicas", replicas},
                {"updatedReplicas", replicas},
                {"availableReplicas", replicas}};
  });
  return writes;
}

// ---- ClusterTest -----------------------------------------------------------------

void ClusterTest::SetUp() {
  if (std::system("kubectl version --client >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "kubectl is not installed";
  }
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  dir_ =
      (fs::temp_directory_path() / ("logstack-op-" + std::to_string(getpid()) + "-" + info->name()))
          .string();
  fs::remove_all(dir_);
  fs::create_directories(dir_);
  kubetest::KubeTestServer::Options o;
  o.token = "operator-test-token";
  o.tls_dir = dir_;
  o.api.garbage_collection = true;
  auto s = kubetest::KubeTestServer::Start(o);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  server_ = std::move(*s);
  kubeconfig_ = dir_ + "/kubeconfig";
  ASSERT_TRUE(server_->WriteKubeconfig(kubeconfig_).ok());

  std::string crd = SourceDir() + "/crds/logstack.io_logstacks.yaml";
  if (!fs::exists(crd)) {
    crd = SourceDir() + "/tests/operator/controller/testdata/logstack-crd-minimal.yaml";
  }
  auto r = Kubectl({"apply", "-f", crd});
  ASSERT_EQ(r.code, 0) << r.err;
  r = Kubectl(
      {"wait", "--for=condition=Established", "crd/logstacks.logstack.io", "--timeout=20s"});
  ASSERT_EQ(r.code, 0) << r.err;
}

void ClusterTest::TearDown() {
  StopController();
  if (server_) server_->Stop();
  if (std::getenv("LOGSTACK_KEEP_TEST_DIRS") == nullptr && !dir_.empty()) fs::remove_all(dir_);
}

KubectlResult ClusterTest::Kubectl(const std::vector<std::string>& args,
                                   std::chrono::seconds timeout) {
  static std::atomic<int> counter{0};
  const std::string base = dir_ + "/kubectl-" + std::to_string(++counter);
  std::vector<std::string> argv = {"kubectl", "--kubeconfig=" + kubeconfig_,
                                   "--request-timeout=20s"};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> cargv;
  for (auto& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  const std::string out = base + ".out", err = base + ".err";
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = -1;
  KubectlResult r;
  if (posix_spawnp(&pid, "kubectl", &actions, nullptr, cargv.data(), environ) != 0) {
    posix_spawn_file_actions_destroy(&actions);
    r.err = "cannot run kubectl";
    return r;
  }
  posix_spawn_file_actions_destroy(&actions);
  int st = 0;
  if (Eventually([&] { return waitpid(pid, &st, WNOHANG) == pid; }, timeout)) {
    r.code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  } else {
    ::kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
  }
  r.out = ReadFile(out);
  r.err = ReadFile(err);
  return r;
}

std::string ClusterTest::WriteFile(const std::string& name, const std::string& text) {
  const std::string p = dir_ + "/" + name;
  std::ofstream(p) << text;
  return p;
}

void ClusterTest::Apply(const std::string& yaml) {
  static std::atomic<int> counter{0};
  auto r =
      Kubectl({"apply", "-f", WriteFile("apply-" + std::to_string(++counter) + ".yaml", yaml)});
  ASSERT_EQ(r.code, 0) << r.err << r.out;
}

std::string ClusterTest::LogStackYaml(const std::string& name, const std::string& ns,
                                      const std::string& spec) {
  return "apiVersion: logstack.io/v1alpha1\nkind: LogStack\nmetadata:\n  name: " + name +
         "\n  namespace: " + ns + "\nspec: " + spec + "\n";
}

void ClusterTest::CreateNamespace(const std::string& ns) {
  Apply("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: " + ns + "\n");
}

Json ClusterTest::Get(const std::string& path) {
  auto r = api().Call("GET", path);
  return r.status == 200 ? r.body : Json();
}

std::vector<std::string> ClusterTest::ObjectsOf(const std::string& ns, const std::string& name) {
  std::vector<std::string> out;
  for (const auto& k : manifests::OwnedKinds()) {
    const auto& r = k.resource;
    std::string path = r.GroupVersionPath() + (r.namespaced ? "/namespaces/" + ns : std::string()) +
                       "/" + r.resource + "?labelSelector=app.kubernetes.io/instance=" + name;
    auto list = api().Call("GET", path);
    if (list.status != 200 || !list.body.contains("items")) continue;
    for (const auto& item : list.body["items"]) {
      if (!r.namespaced && kube::Labels(item)[manifests::kOwnerNamespaceLabel] != ns) continue;
      out.push_back(r.kind + "/" + kube::Name(item));
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string ClusterTest::ConditionOf(const std::string& ns, const std::string& name,
                                     const std::string& type) {
  Json ls = Get("/apis/logstack.io/v1alpha1/namespaces/" + ns + "/logstacks/" + name);
  auto c = kube::GetCondition(ls, type);
  return c ? c->status + "/" + c->reason : "";
}

ControllerOptions ClusterTest::DefaultOptions() {
  ControllerOptions o;
  o.workers = 2;
  o.optional_kinds_recheck = 200ms;
  o.reconciler.defaults.version = "0.1.0";
  o.reconciler.not_ready_requeue = 200ms;
  o.reconciler.blocked_requeue = 300ms;
  o.reconciler.conflict_requeue = 20ms;
  o.queue.base_delay = 5ms;
  o.queue.max_delay = 500ms;
  o.queue.qps = 0;
  return o;
}

void ClusterTest::StartController(ControllerOptions options, StoreProber* prober, Clock* clock) {
  auto cfg = kube::LoadKubeconfig({kubeconfig_});
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  cfg->qps = 0;
  kube::ClientOptions co;
  co.retry.initial_backoff = 5ms;
  co.retry.max_backoff = 100ms;
  auto c = kube::NewKubeClient(*cfg, co);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  client_ = std::move(*c);
  counting_ = std::make_unique<CountingKubeClient>(*client_, registry_);
  controller_ = std::make_unique<Controller>(
      *counting_, clock != nullptr ? *clock : RealClock::Default(), registry_, options, prober);
  controller_->Start();
  ASSERT_TRUE(controller_->WaitForSync(20s));
}

void ClusterTest::StopController() {
  if (controller_) controller_->Stop();
  controller_.reset();
  counting_.reset();
  client_.reset();
}

}  // namespace logstack::op::controller::testing
