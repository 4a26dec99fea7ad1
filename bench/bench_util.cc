#include "bench/bench_util.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>

namespace logstack::bench {

namespace fs = std::filesystem;
namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

void Die(const std::string& message) {
  std::fprintf(stderr, "bench: %s\n", message.c_str());
  std::fflush(stdout);
  std::exit(1);
}

uint64_t ParseUint(const std::string& flag, const std::string& value) {
  char* end = nullptr;
  unsigned long long v = std::strtoull(value.c_str(), &end, 10);
  if (value.empty() || *end != '\0') Die("bad value for " + flag + ": " + value);
  return v;
}

void Report(std::string_view name, double value, std::string_view unit) {
  std::printf("%.*s %.3f %.*s\n", static_cast<int>(name.size()), name.data(), value,
              static_cast<int>(unit.size()), unit.data());
  std::fflush(stdout);
}

double MonotonicSeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// ---------------------------------------------------------------- files

TempDir::TempDir(std::string_view prefix) {
  const char* root = std::getenv("TMPDIR");
  std::string tmpl = std::string(root != nullptr && *root != '\0' ? root : "/tmp") + "/" +
                     std::string(prefix) + "XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr) Die("mkdtemp " + tmpl + ": " + std::strerror(errno));
  path_ = buf.data();
}

TempDir::~TempDir() {
  const char* keep = std::getenv("LOGSTACK_KEEP_BENCH_DIRS");
  if (keep != nullptr && std::string_view(keep) == "1") {
    std::fprintf(stderr, "bench: keeping %s\n", path_.c_str());
    return;
  }
  std::error_code ec;
  fs::remove_all(path_, ec);
}

uint64_t DirBytes(const std::string& dir, bool (*match)(std::string_view name)) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) return 0;
  uint64_t total = 0;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    if (!match(it->path().filename().string())) continue;
    total += it->file_size(ec);
  }
  return total;
}

uint64_t FileSize(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return 0;
  return static_cast<uint64_t>(st.st_size);
}

// ---------------------------------------------------------------- /proc

double ProcessCpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // The command name (field 2) may hold spaces; fields after it follow the last ')'.
  size_t p = text.rfind(')');
  if (p == std::string::npos) Die("cannot read /proc/" + std::to_string(pid) + "/stat");
  // After ')': state(3) ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt
  // utime(14) stime(15)
  const char* s = text.c_str() + p + 2;
  unsigned long long utime = 0, stime = 0;
  if (std::sscanf(s, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) !=
      2) {
    Die("cannot parse /proc/" + std::to_string(pid) + "/stat");
  }
  static const double kTick = static_cast<double>(::sysconf(_SC_CLK_TCK));
  return static_cast<double>(utime + stime) / kTick;
}

namespace {

uint64_t StatusField(pid_t pid, std::string_view field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field, 0) == 0 && line.size() > field.size() && line[field.size()] == ':') {
      return std::strtoull(line.c_str() + field.size() + 1, nullptr, 10) * 1024;  // kB
    }
  }
  return 0;
}

}  // namespace

uint64_t ProcessPeakRssBytes(pid_t pid) { return StatusField(pid, "VmHWM"); }
uint64_t ProcessRssBytes(pid_t pid) { return StatusField(pid, "VmRSS"); }

// ---------------------------------------------------------------- child process

ChildProcess::ChildProcess(std::vector<std::string> args, std::string log_path) {
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) Die("open " + log_path + ": " + std::strerror(errno));
  pid_t pid = ::fork();
  if (pid < 0) Die(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    ::setpgid(0, 0);
    ::dup2(log_fd, STDOUT_FILENO);
    ::dup2(log_fd, STDERR_FILENO);
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
    ::close_range(3, ~0U, 0);
    ::execv(argv[0], argv.data());
    static const char kMsg[] = "bench: execv failed\n";
    ssize_t ignored = ::write(STDERR_FILENO, kMsg, sizeof kMsg - 1);
    (void)ignored;
    ::_exit(127);
  }
  ::setpgid(pid, pid);
  ::close(log_fd);
  pid_ = pid;
}

ChildProcess::~ChildProcess() {
  if (running()) SignalAndWait(SIGKILL);
}

int ChildProcess::SignalAndWait(int sig) {
  if (!running()) return 0;
  ::kill(pid_, sig);
  int ws = 0;
  struct rusage ru {};
  while (::wait4(pid_, &ws, 0, &ru) < 0 && errno == EINTR) {
  }
  auto secs = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) * 1e-6;
  };
  total_cpu_ = secs(ru.ru_utime) + secs(ru.ru_stime);
  pid_ = -1;
  return ws;
}

// ---------------------------------------------------------------- HTTP client

struct HttpConn::Impl {
  Impl(std::string h, uint16_t p) : host(std::move(h)), port(p), socket(ioc) {}

  std::string host;
  uint16_t port;
  asio::io_context ioc;
  tcp::socket socket;
  beast::flat_buffer buffer;
  bool connected = false;
  std::string header;
};

HttpConn::HttpConn(std::string host, uint16_t port)
    : impl_(std::make_unique<Impl>(std::move(host), port)) {}

HttpConn::~HttpConn() = default;

int HttpConn::Do(std::string_view method, std::string_view target, std::string_view content_type,
                 std::string_view body, std::string* response_body) {
  Impl& c = *impl_;
  beast::error_code ec;
  auto fail = [&](const char* what) {
    response_body->assign(std::string(what) + ": " + ec.message());
    c.socket.close(ec);
    c.socket = tcp::socket(c.ioc);
    c.buffer.clear();
    c.connected = false;
    return -1;
  };
  if (!c.connected) {
    tcp::endpoint ep(asio::ip::make_address(c.host, ec), c.port);
    if (ec) return fail("address");
    c.socket.connect(ep, ec);
    if (ec) return fail("connect");
    c.socket.set_option(tcp::no_delay(true), ec);
    c.connected = true;
  }
  c.header.clear();
  c.header.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: ");
  c.header.append(c.host).append(":").append(std::to_string(c.port));
  c.header.append("\r\nUser-Agent: logstack-bench\r\n");
  if (!content_type.empty()) c.header.append("Content-Type: ").append(content_type).append("\r\n");
  if (method != "GET" || !body.empty()) {
    c.header.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
  }
  c.header.append("\r\n");
  std::vector<asio::const_buffer> bufs = {asio::buffer(c.header), asio::buffer(body)};
  asio::write(c.socket, bufs, ec);
  if (ec) return fail("write");
  beast::http::response_parser<beast::http::string_body> parser;
  parser.body_limit(64u << 20);
  beast::http::read(c.socket, c.buffer, parser, ec);
  if (ec) return fail("read");
  auto& res = parser.get();
  *response_body = std::move(res.body());
  if (!res.keep_alive()) {
    c.socket.close(ec);
    c.socket = tcp::socket(c.ioc);
    c.buffer.clear();
    c.connected = false;
  }
  return static_cast<int>(res.result_int());
}

bool WaitReady(uint16_t port, double timeout_s, int poll_ms) {
  double deadline = MonotonicSeconds() + timeout_s;
  std::string body;
  while (MonotonicSeconds() < deadline) {
    HttpConn conn("127.0.0.1", port);
    if (conn.Do("GET", "/ready", "", "", &body) == 200) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(poll_ms));
  }
  return false;
}

uint16_t FindLogstorePort(const std::string& log_path, uint64_t offset) {
  std::ifstream in(log_path, std::ios::binary);
  if (!in) return 0;
  in.seekg(static_cast<std::streamoff>(offset));
  std::string line;
  while (std::getline(in, line)) {
    if (line.find("op=start") == std::string::npos) continue;
    size_t p = line.find(" port=");
    if (p == std::string::npos) continue;
    long port = std::strtol(line.c_str() + p + 6, nullptr, 10);
    if (port > 0 && port <= 65535) return static_cast<uint16_t>(port);
  }
  return 0;
}

}  // namespace logstack::bench
