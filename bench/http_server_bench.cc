// http_server_bench: cpprestsdk's http_listener against our Boost.Beast
// server (logstack::http::Server) on the push path.
//
//   http_server_bench [--mb=2048] [--small-mb=256] [--clients=4] [--threads=2]
//                     [--servers=beast,cpprest,cpprest_default]
//
// Each server runs in a child process forked from this one, with one handler:
// POST /push receives the whole body (Beast: into Request::body; cpprestsdk:
// http_request::extract_vector()) and answers 204, decoding nothing. This
// process is the client: --clients threads, each on its own keep-alive
// connection, send the same body back to back (each waits for the answer),
// until --mb MiB of 1 MiB bodies have been sent, then --small-mb MiB of
// 16 KiB bodies (per-request overhead). A few requests per connection warm
// up first and are not counted.
//
// Server CPU is the child's utime + stime from /proc/<pid>/stat, read just
// before the first measured request and after the last answer: it holds the
// server's work only, none of the client's (which runs in this process and
// is reported separately, from getrusage). The servers:
//   beast            logstack::http::Server, --threads I/O threads (logstore's default: 2)
//   cpprest          http_listener with cpprestsdk's thread pool set to --threads
//   cpprest_default  http_listener with the pool's default size (40 threads)
//
// Prints "name value unit" lines (see bench/run.sh).

#include <cpprest/http_listener.h>
#include <netinet/in.h>
#include <pplx/threadpool.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_util.h"
#include "common/http_server.h"

namespace logstack::bench {
namespace {

constexpr double kMiB = 1024.0 * 1024.0;

enum class Kind { kBeast, kCpprest, kCpprestDefault };

const char* Name(Kind k) {
  switch (k) {
    case Kind::kBeast:
      return "beast";
    case Kind::kCpprest:
      return "cpprest";
    case Kind::kCpprestDefault:
      return "cpprest_default";
  }
  return "?";
}

struct Options {
  uint64_t mb = 2048;
  uint64_t small_mb = 256;
  int clients = 4;
  int threads = 2;
  std::string servers = "beast,cpprest,cpprest_default";
};

// A free TCP port on 127.0.0.1, for cpprestsdk, which cannot listen on port 0
// and report the port it got. (Another process could take it before the
// listener binds; the caller retries.)
uint16_t FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    Die(std::string("cannot find a free port: ") + std::strerror(errno));
  }
  ::close(fd);
  return ntohs(a.sin_port);
}

// Runs in the child: serves until SIGTERM. Writes the port (0 on failure) to `fd`.
[[noreturn]] void ServeChild(Kind kind, int threads, int fd) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  // Blocked before any server thread exists, so they all inherit the mask and
  // sigwait below is the only taker.
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  uint16_t port = 0;
  auto wait_term = [&] {
    int sig = 0;
    sigwait(&set, &sig);
  };
  if (kind == Kind::kBeast) {
    http::ServerOptions so;
    so.listen = "127.0.0.1:0";
    so.threads = threads;
    so.body_limit = 64u << 20;
    http::Server server(so);
    server.Route({"POST"}, "/push", [](http::Request& req, http::Responder respond) {
      respond(http::Response::Empty(204));
    });
    Status s = server.Start();
    if (s.ok()) port = server.port();
    if (::write(fd, &port, sizeof port) != sizeof port) ::_exit(1);
    if (!s.ok()) ::_exit(1);
    wait_term();
    server.Stop();
    ::_exit(0);
  }
  namespace wh = web::http;
  if (kind == Kind::kCpprest) crossplat::threadpool::initialize_with_threads(threads);
  std::unique_ptr<wh::experimental::listener::http_listener> listener;
  for (int attempt = 0; attempt < 5 && port == 0; attempt++) {
    uint16_t p = FreePort();
    try {
      auto l = std::make_unique<wh::experimental::listener::http_listener>(
          "http://127.0.0.1:" + std::to_string(p) + "/push");
      l->support(wh::methods::POST, [](wh::http_request req) {
        req.extract_vector().then([req](pplx::task<std::vector<unsigned char>> body) mutable {
          try {
            body.get();
            req.reply(wh::status_codes::NoContent);
          } catch (const std::exception& e) {
            std::fprintf(stderr, "cpprest: receiving a body: %s\n", e.what());
            req.reply(wh::status_codes::BadRequest);
          }
        });
      });
      l->open().wait();
      listener = std::move(l);
      port = p;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "cpprest: listening on port %u: %s\n", p, e.what());
    }
  }
  if (::write(fd, &port, sizeof port) != sizeof port) ::_exit(1);
  if (port == 0) ::_exit(1);
  wait_term();
  try {
    listener->close().wait();
  } catch (const std::exception&) {
  }
  ::_exit(0);
}

double SelfCpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
}

struct RunResult {
  double wall = 0;
  double server_cpu = 0;
  double client_cpu = 0;
  uint64_t requests = 0;
  uint64_t bytes = 0;
};

// Sends `total` bytes in bodies of `body.size()` over `clients` connections.
RunResult Drive(pid_t server, uint16_t port, const std::string& body, uint64_t total, int clients) {
  const uint64_t per_client = total / body.size() / static_cast<uint64_t>(clients);
  std::vector<std::unique_ptr<HttpConn>> conns;
  std::string answer;
  for (int c = 0; c < clients; c++) {
    conns.push_back(std::make_unique<HttpConn>("127.0.0.1", port));
    for (int i = 0; i < 4; i++) {  // warm-up: connect, first allocations
      int st = conns.back()->Do("POST", "/push", "application/octet-stream", body, &answer);
      if (st != 204) Die("warm-up answered " + std::to_string(st) + ": " + answer);
    }
  }
  RunResult r;
  double cpu0 = ProcessCpuSeconds(server);
  double self0 = SelfCpuSeconds();
  double t0 = MonotonicSeconds();
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; c++) {
    threads.emplace_back([&, c] {
      std::string a;
      for (uint64_t i = 0; i < per_client; i++) {
        int st = conns[c]->Do("POST", "/push", "application/octet-stream", body, &a);
        if (st != 204) Die("push answered " + std::to_string(st) + ": " + a);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  r.wall = MonotonicSeconds() - t0;
  r.server_cpu = ProcessCpuSeconds(server) - cpu0;
  r.client_cpu = SelfCpuSeconds() - self0;
  r.requests = per_client * static_cast<uint64_t>(clients);
  r.bytes = r.requests * body.size();
  return r;
}

void Run(Kind kind, const Options& o, const std::string& big, const std::string& small) {
  int fds[2];
  if (::pipe(fds) != 0) Die(std::string("pipe: ") + std::strerror(errno));
  std::fflush(stdout);
  std::fflush(stderr);
  pid_t pid = ::fork();
  if (pid < 0) Die(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    ::close(fds[0]);
    ServeChild(kind, o.threads, fds[1]);
  }
  ::close(fds[1]);
  uint16_t port = 0;
  if (::read(fds[0], &port, sizeof port) != sizeof port || port == 0) {
    Die(std::string("the ") + Name(kind) + " server did not start");
  }
  ::close(fds[0]);

  const std::string n = Name(kind);
  auto report = [&](const std::string& prefix, const RunResult& r) {
    double mib = r.bytes / kMiB;
    Report(prefix + "_throughput", mib / r.wall, "MiB/s");
    Report(prefix + "_requests", static_cast<double>(r.requests) / r.wall, "req/s");
    Report(prefix + "_server_cpu_per_gib", r.server_cpu / (mib / 1024), "cpu-s/GiB");
    Report(prefix + "_server_mib_per_cpu_s", mib / r.server_cpu, "MiB/cpu-s");
    Report(prefix + "_client_cpu_per_gib", r.client_cpu / (mib / 1024), "cpu-s/GiB");
  };
  RunResult big_r = Drive(pid, port, big, o.mb << 20, o.clients);
  report(n + "_1mib", big_r);
  if (o.small_mb > 0) {
    RunResult small_r = Drive(pid, port, small, o.small_mb << 20, o.clients);
    report(n + "_16kib", small_r);
  }
  Report(n + "_peak_rss", ProcessPeakRssBytes(pid) / kMiB, "MiB");
  ::kill(pid, SIGTERM);
  int ws = 0;
  while (::waitpid(pid, &ws, 0) < 0 && errno == EINTR) {
  }
}

int Main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    size_t eq = a.find('=');
    std::string key = a.substr(0, eq), value = eq == std::string::npos ? "" : a.substr(eq + 1);
    if (key == "--mb") {
      o.mb = ParseUint(key, value);
    } else if (key == "--small-mb") {
      o.small_mb = ParseUint(key, value);
    } else if (key == "--clients") {
      o.clients = static_cast<int>(ParseUint(key, value));
    } else if (key == "--threads") {
      o.threads = static_cast<int>(ParseUint(key, value));
    } else if (key == "--servers") {
      o.servers = value;
    } else {
      Die("usage: http_server_bench [--mb=2048] [--small-mb=256] [--clients=4] [--threads=2] "
          "[--servers=beast,cpprest,cpprest_default]");
    }
  }
  if (o.clients < 1 || o.threads < 1) Die("--clients and --threads must be at least 1");
  ::signal(SIGPIPE, SIG_IGN);
  // Bodies of pseudo-random bytes; nothing looks at them.
  std::string big(1 << 20, '\0'), small(16 << 10, '\0');
  uint64_t x = 88172645463325252ull;
  for (char& c : big) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    c = static_cast<char>(x);
  }
  small.assign(big, 0, small.size());
  const std::string wanted = "," + o.servers + ",";
  for (Kind k : {Kind::kBeast, Kind::kCpprest, Kind::kCpprestDefault}) {
    if (wanted.find("," + std::string(Name(k)) + ",") != std::string::npos) Run(k, o, big, small);
  }
  return 0;
}

}  // namespace
}  // namespace logstack::bench

int main(int argc, char** argv) { return logstack::bench::Main(argc, argv); }
