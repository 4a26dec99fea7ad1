#pragma once

// Helpers shared by the benchmarks that drive servers over HTTP: a temporary
// directory, a child process with its output captured to a file, readings of
// a process's CPU time and memory from /proc, a minimal blocking keep-alive
// HTTP client, and the "name value unit" report line.
//
// Benchmarks are programs, not libraries: a failure that makes a measurement
// meaningless (the server does not start, a push is refused) ends the program
// through Die() with a message, rather than being returned.
//
// Thread safety: a HttpConn is used by one thread at a time; the free
// functions are safe from any thread.

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace logstack::bench {

// Prints "bench: <message>" to stderr and exits with status 1.
[[noreturn]] void Die(const std::string& message);

// The unsigned decimal value of a flag, or Die() naming the flag.
uint64_t ParseUint(const std::string& flag, const std::string& value);

// Prints one "name value unit" line to stdout (the format bench/run.sh reads).
void Report(std::string_view name, double value, std::string_view unit);

// Seconds on a monotonic clock.
double MonotonicSeconds();

// A directory under $TMPDIR (or /tmp), removed with its contents on
// destruction unless LOGSTACK_KEEP_BENCH_DIRS=1.
class TempDir {
 public:
  explicit TempDir(std::string_view prefix);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Total size of the regular files under `dir` (recursively) whose names
// satisfy `match`; 0 when `dir` does not exist.
uint64_t DirBytes(const std::string& dir, bool (*match)(std::string_view name));

// CPU time (user + system) a process has used so far, in seconds, from
// /proc/<pid>/stat. Its threads are included.
double ProcessCpuSeconds(pid_t pid);
// VmHWM (peak resident set) or VmRSS from /proc/<pid>/status, in bytes.
uint64_t ProcessPeakRssBytes(pid_t pid);
uint64_t ProcessRssBytes(pid_t pid);

// A child process running `argv` in its own process group, stdout and stderr
// appended to `log_path`. The destructor kills (SIGKILL) and reaps it if it
// still runs.
class ChildProcess {
 public:
  ChildProcess(std::vector<std::string> argv, std::string log_path);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool running() const { return pid_ > 0; }
  // Sends `sig` and waits for the exit; returns the wait status. The child's
  // total CPU time (from wait4) is kept in total_cpu_seconds().
  int SignalAndWait(int sig);
  double total_cpu_seconds() const { return total_cpu_; }

 private:
  pid_t pid_ = -1;
  double total_cpu_ = 0;
};

// A blocking HTTP/1.1 client on one keep-alive connection (Boost.Asio
// sockets; the request is written as header + body buffers without copying
// the body, the answer parsed by Boost.Beast).
class HttpConn {
 public:
  HttpConn(std::string host, uint16_t port);
  ~HttpConn();
  HttpConn(const HttpConn&) = delete;
  HttpConn& operator=(const HttpConn&) = delete;

  // Connects if needed, sends the request and reads the answer. Returns the
  // status code, or -1 when the connection failed (then *body holds the
  // error text and the connection is reset).
  int Do(std::string_view method, std::string_view target, std::string_view content_type,
         std::string_view body, std::string* response_body);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Waits until GET /ready on 127.0.0.1:port answers 200, polling every
// `poll_ms`; returns false if it did not within `timeout_s` seconds.
bool WaitReady(uint16_t port, double timeout_s, int poll_ms = 5);

// The port in the log store's start-up line ("op=start ... port=N") in the
// file, read from byte `offset` on; 0 until the line is there.
uint16_t FindLogstorePort(const std::string& log_path, uint64_t offset);

uint64_t FileSize(const std::string& path);

}  // namespace logstack::bench
