#include "tests/testutil/logstore_process.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/testutil/http_client.h"

namespace logstack::testutil {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::chrono::milliseconds kPollInterval{10};

bool KeepTestDirs() {
  const char* v = std::getenv("LOGSTACK_KEEP_TEST_DIRS");
  return v != nullptr && *v != '\0' && std::string_view(v) != "0";
}

uint64_t FileSize(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return 0;
  return static_cast<uint64_t>(st.st_size);
}

}  // namespace

// ---------------------------------------------------------------------------
// TempDir

StatusOr<TempDir> TempDir::Create(std::string_view prefix) {
  const char* root = std::getenv("TMPDIR");
  std::string tmpl = std::string(root != nullptr && *root != '\0' ? root : "/tmp") + "/" +
                     std::string(prefix) + "XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr) return ErrnoError("mkdtemp " + tmpl, errno);
  return TempDir(std::string(buf.data()));
}

TempDir::TempDir(TempDir&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }

TempDir& TempDir::operator=(TempDir&& other) noexcept {
  if (this != &other) {
    Remove();
    path_ = std::move(other.path_);
    other.path_.clear();
  }
  return *this;
}

TempDir::~TempDir() { Remove(); }

std::string TempDir::Join(std::string_view name) const { return path_ + "/" + std::string(name); }

void TempDir::Remove() {
  if (path_.empty()) return;
  if (KeepTestDirs()) {
    std::fprintf(stderr, "keeping test directory %s\n", path_.c_str());
  } else {
    std::error_code ec;
    fs::remove_all(path_, ec);
    if (ec) std::fprintf(stderr, "cannot remove %s: %s\n", path_.c_str(), ec.message().c_str());
  }
  path_.clear();
}

// ---------------------------------------------------------------------------
// LogstoreProcess

std::string DescribeWaitStatus(int ws) {
  if (WIFEXITED(ws)) return "exited with status " + std::to_string(WEXITSTATUS(ws));
  if (WIFSIGNALED(ws)) {
    return "killed by signal " + std::to_string(WTERMSIG(ws)) + " (" + strsignal(WTERMSIG(ws)) +
           ")";
  }
  return "wait status " + std::to_string(ws);
}

StatusOr<std::unique_ptr<LogstoreProcess>> LogstoreProcess::Start(LogstoreOptions opts) {
  if (opts.binary.empty()) {
    const char* dir = std::getenv("LOGSTACK_BIN_DIR");
    if (dir == nullptr || *dir == '\0') {
      return FailedPrecondition(
          "LOGSTACK_BIN_DIR is not set (CTest sets it to the build's bin/ directory)");
    }
    opts.binary = std::string(dir) + "/logstore";
  }
  if (::access(opts.binary.c_str(), X_OK) != 0) {
    return FailedPrecondition("cannot execute " + opts.binary + ": " + std::strerror(errno));
  }
  std::unique_ptr<LogstoreProcess> p(new LogstoreProcess(std::move(opts)));
  if (p->opts_.data_dir.empty()) {
    LOGSTACK_ASSIGN_OR_RETURN(TempDir dir, TempDir::Create("logstore-test-"));
    p->opts_.data_dir = dir.path();
    p->owned_dir_.emplace(std::move(dir));
  }
  LOGSTACK_RETURN_IF_ERROR(p->Launch());
  return p;
}

LogstoreProcess::~LogstoreProcess() {
  if (running()) {
    ::kill(-pid_, SIGKILL);
    int ws = 0;
    while (::waitpid(pid_, &ws, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
  }
}

std::string LogstoreProcess::url() const { return "http://" + host_ + ":" + std::to_string(port_); }

std::string LogstoreProcess::stderr_path() const { return opts_.data_dir + "/" + opts_.log_name; }

std::string LogstoreProcess::StderrTail(size_t max_bytes) const {
  std::ifstream in(stderr_path(), std::ios::binary);
  if (!in) return "(no stderr file " + stderr_path() + ")";
  in.seekg(0, std::ios::end);
  std::streamoff size = in.tellg();
  std::streamoff from = size > static_cast<std::streamoff>(max_bytes)
                            ? size - static_cast<std::streamoff>(max_bytes)
                            : 0;
  in.seekg(from);
  std::stringstream ss;
  ss << in.rdbuf();
  return (from > 0 ? "..." : "") + ss.str();
}

std::optional<uint16_t> LogstoreProcess::FindPort(uint64_t offset) const {
  std::ifstream in(stderr_path(), std::ios::binary);
  if (!in) return std::nullopt;
  in.seekg(static_cast<std::streamoff>(offset));
  std::string line;
  while (std::getline(in, line)) {
    if (line.find("op=start") == std::string::npos) continue;
    size_t p = line.find(" port=");
    if (p == std::string::npos) continue;
    long port = std::strtol(line.c_str() + p + 6, nullptr, 10);
    if (port > 0 && port <= 65535) return static_cast<uint16_t>(port);
  }
  return std::nullopt;
}

Status LogstoreProcess::Launch() {
  std::vector<std::string> args = {opts_.binary};
  if (opts_.pass_data_dir) args.push_back("--data-dir=" + opts_.data_dir);
  args.push_back("--http-listen=127.0.0.1:0");
  args.insert(args.end(), opts_.flags.begin(), opts_.flags.end());
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  const std::string log_path = stderr_path();
  int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) return ErrnoError("open " + log_path, errno);
  const uint64_t log_offset = FileSize(log_path);
  {
    std::string banner = "=== test harness: starting";
    for (const std::string& a : args) banner += " " + a;
    banner += "\n";
    if (::write(log_fd, banner.data(), banner.size()) < 0) {
      // Diagnosis only; the start goes on.
    }
  }

  pid_t pid = ::fork();
  if (pid < 0) {
    int err = errno;
    ::close(log_fd);
    return ErrnoError("fork", err);
  }
  if (pid == 0) {
    // Child: only async-signal-safe calls until exec.
    ::setpgid(0, 0);
    ::dup2(log_fd, STDOUT_FILENO);
    ::dup2(log_fd, STDERR_FILENO);
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
    ::close_range(3, ~0U, 0);
    ::execv(argv[0], argv.data());
    static const char kMsg[] = "=== test harness: execv failed\n";
    ssize_t ignored = ::write(STDERR_FILENO, kMsg, sizeof kMsg - 1);
    (void)ignored;
    ::_exit(127);
  }
  ::setpgid(pid, pid);  // also in the parent, so Kill() works before the child ran
  ::close(log_fd);
  pid_ = pid;
  port_ = 0;

  const auto deadline = Clock::now() + opts_.ready_timeout;
  auto fail = [&](std::string why) {
    if (running()) {
      ::kill(-pid_, SIGKILL);
      WaitExit(Clock::now() + std::chrono::seconds(10));
    }
    return Unavailable("logstore " + why + "; its output:\n" + StderrTail());
  };
  // The port, from the start-up log line.
  while (true) {
    if (auto port = FindPort(log_offset)) {
      port_ = *port;
      break;
    }
    if (WaitExit(Clock::now())) {
      return fail(DescribeWaitStatus(*last_wait_status_) + " before listening");
    }
    if (Clock::now() > deadline) return fail("logged no 'op=start ... port=N' line in time");
    std::this_thread::sleep_for(kPollInterval);
  }
  // Then /ready, which answers 503 until the WAL is replayed.
  HttpClient client(host_, port_, /*keep_alive=*/false);
  std::string last = "no answer";
  while (true) {
    auto r = client.Get("/ready", {}, std::chrono::milliseconds(2000));
    if (r.ok() && r->status == 200) return Status::Ok();
    last = r.ok() ? r->Describe() : r.status().ToString();
    if (WaitExit(Clock::now())) {
      return fail(DescribeWaitStatus(*last_wait_status_) + " before it was ready");
    }
    if (Clock::now() > deadline) return fail("not ready in time (last /ready: " + last + ")");
    std::this_thread::sleep_for(kPollInterval);
  }
}

bool LogstoreProcess::WaitExit(Clock::time_point deadline) {
  if (!running()) return true;
  while (true) {
    int ws = 0;
    pid_t r = ::waitpid(pid_, &ws, WNOHANG);
    if (r == pid_) {
      last_wait_status_ = ws;
      pid_ = -1;
      return true;
    }
    if (r < 0 && errno != EINTR) {  // not our child any more: nothing to wait for
      pid_ = -1;
      return true;
    }
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

Status LogstoreProcess::Kill(int sig) {
  if (!running()) return FailedPrecondition("logstore is not running");
  if (::kill(-pid_, sig) != 0 && ::kill(pid_, sig) != 0) {
    return ErrnoError("kill " + std::to_string(pid_), errno);
  }
  if (!WaitExit(Clock::now() + std::chrono::seconds(30))) {
    ::kill(-pid_, SIGKILL);
    WaitExit(Clock::now() + std::chrono::seconds(30));
    return DeadlineExceeded("logstore did not exit within 30 s of signal " + std::to_string(sig));
  }
  return Status::Ok();
}

Status LogstoreProcess::Stop(std::chrono::milliseconds timeout) {
  if (!running()) return Status::Ok();
  ::kill(-pid_, SIGTERM);
  if (!WaitExit(Clock::now() + timeout)) {
    ::kill(-pid_, SIGKILL);
    WaitExit(Clock::now() + std::chrono::seconds(30));
    return DeadlineExceeded("logstore did not exit within " + std::to_string(timeout.count()) +
                            " ms of SIGTERM; its output:\n" + StderrTail());
  }
  if (!last_wait_status_ || !WIFEXITED(*last_wait_status_) ||
      WEXITSTATUS(*last_wait_status_) != 0) {
    return Internal("logstore " +
                    (last_wait_status_ ? DescribeWaitStatus(*last_wait_status_) : "vanished") +
                    " after SIGTERM; its output:\n" + StderrTail());
  }
  return Status::Ok();
}

Status LogstoreProcess::Restart() {
  if (running()) LOGSTACK_RETURN_IF_ERROR(Stop());
  return Launch();
}

}  // namespace logstack::testutil
