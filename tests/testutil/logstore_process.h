#pragma once

// Test helpers that run the real `logstore` binary as a child process, and a
// temporary directory that removes itself.
//
// LogstoreProcess forks and execs the binary ($LOGSTACK_BIN_DIR/logstore,
// set by CTest) in its own process group, listening on 127.0.0.1 port 0 (the
// kernel picks a free port; it is read back from the binary's start-up log
// line "op=start ... port=N"), with stdout and stderr appended to
// `<data_dir>/logstore.stderr`. Start() returns once GET /ready answers 200,
// polling with a deadline. The port changes on every (re)start.
//
// The start-up log line is logged at level info, so do not pass
// --log-level=warn or error.
//
// Thread safety: a LogstoreProcess is controlled from one thread; port() and
// url() may be read from others while no (re)start is in progress.
// Ownership: the object owns the child; its destructor kills the process
// group with SIGKILL and reaps it. A data directory it created itself is
// removed with it.

#include <sys/types.h>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace logstack::testutil {

// A directory under $TMPDIR (or /tmp), removed with everything in it when
// the object dies, unless the environment sets LOGSTACK_KEEP_TEST_DIRS=1
// (then its path is printed to stderr, for diagnosis). Move-only.
class TempDir {
 public:
  static StatusOr<TempDir> Create(std::string_view prefix = "logstack-test-");

  TempDir(TempDir&& other) noexcept;
  TempDir& operator=(TempDir&& other) noexcept;
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();

  const std::string& path() const { return path_; }
  // path()/name.
  std::string Join(std::string_view name) const;

 private:
  explicit TempDir(std::string path) : path_(std::move(path)) {}
  void Remove();

  std::string path_;
};

struct LogstoreOptions {
  // Extra command-line flags, after the defaults (--data-dir, --http-listen),
  // e.g. "--auth-enabled=true", "--limits.max-line-size=1KB".
  std::vector<std::string> flags;
  // Empty: a new temporary directory, owned by the LogstoreProcess.
  std::string data_dir;
  // Empty: $LOGSTACK_BIN_DIR/logstore.
  std::string binary;
  // Another server binary with the same start-up contract (logs
  // "op=start ... port=N", answers GET /ready) runs the same way, e.g. the
  // collector: it takes no --data-dir; the directory then only holds its log.
  bool pass_data_dir = true;
  std::string log_name = "logstore.stderr";
  // How long Start() and Restart() wait for GET /ready to answer 200.
  std::chrono::milliseconds ready_timeout{30'000};
};

class LogstoreProcess {
 public:
  // Starts the binary and waits until it is ready. Returns an error (with
  // the tail of its stderr) if it exits or is not ready within the timeout.
  static StatusOr<std::unique_ptr<LogstoreProcess>> Start(LogstoreOptions opts = {});

  ~LogstoreProcess();
  LogstoreProcess(const LogstoreProcess&) = delete;
  LogstoreProcess& operator=(const LogstoreProcess&) = delete;

  // Sends `sig` to the process group and waits for the process to exit.
  // REQUIRES: running().
  Status Kill(int sig = SIGKILL);
  // SIGTERM, then waits up to `timeout` for the exit. Returns OK iff the
  // process exited with status 0 in time (otherwise it is killed).
  Status Stop(std::chrono::milliseconds timeout = std::chrono::milliseconds(30'000));
  // Stops the process if it runs (SIGTERM), then starts it again on the same
  // data directory and waits until it is ready.
  Status Restart();

  // Flags for the next Restart() (replacing LogstoreOptions::flags).
  void set_flags(std::vector<std::string> flags) { opts_.flags = std::move(flags); }

  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  // The wait status of the last exit (as from waitpid), if the process exited.
  std::optional<int> last_wait_status() const { return last_wait_status_; }

  const std::string& host() const { return host_; }
  uint16_t port() const { return port_; }
  // "http://127.0.0.1:<port>".
  std::string url() const;
  const std::string& data_dir() const { return opts_.data_dir; }
  std::string stderr_path() const;
  // The last `max_bytes` of the captured stdout and stderr.
  std::string StderrTail(size_t max_bytes = 4000) const;

 private:
  explicit LogstoreProcess(LogstoreOptions opts) : opts_(std::move(opts)) {}

  // Forks and execs; then waits for the port and for /ready.
  Status Launch();
  // Waits for the child to exit until `deadline`; true iff it did.
  bool WaitExit(std::chrono::steady_clock::time_point deadline);
  // Reads the port from the start-up log line written after `offset`.
  std::optional<uint16_t> FindPort(uint64_t offset) const;

  LogstoreOptions opts_;
  std::optional<TempDir> owned_dir_;
  pid_t pid_ = -1;
  std::optional<int> last_wait_status_;
  std::string host_ = "127.0.0.1";
  uint16_t port_ = 0;
};

// A wait status as text: "exited with status 1", "killed by signal 9".
std::string DescribeWaitStatus(int wait_status);

}  // namespace logstack::testutil
