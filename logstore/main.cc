// logstore: a Loki-compatible log store.
//
//   logstore --config=FILE --data-dir=DIR --http-listen=HOST:PORT [--any.config.key=VALUE]
//
// Every setting of the YAML config file can also be given as a flag (dotted
// path, '-' or '_'); flags win. See docs/logstore.md for the settings.

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <thread>

#include "common/build_info.h"
#include "common/clock.h"
#include "common/config.h"
#include "common/env.h"
#include "common/http_server.h"
#include "common/logging.h"
#include "common/metrics.h"
#include "logstore/server/api.h"
#include "logstore/store/store.h"
#include "logstore/version.h"

namespace {

constexpr const char* kUsage =
    "usage: logstore [--config=FILE] [--data-dir=DIR] [--http-listen=HOST:PORT] [--KEY=VALUE ...]\n"
    "\n"
    "A Loki-compatible log store. Every config-file setting can be given as a flag,\n"
    "e.g. --limits.max-line-size=1MB; flags override the file. See docs/logstore.md.\n";

struct ServerConfig {
  std::string http_listen = "0.0.0.0:3100";
  int64_t http_threads = 2;
  uint64_t http_body_limit = 512ull << 20;
  uint64_t http_max_request_line = 64 << 10;
  uint64_t http_max_header = 64 << 10;
  int64_t query_threads = 2;
  int64_t query_parallelism = 0;  // 0: one worker per core
  std::string log_level = "info";
  std::string log_format = "logfmt";
};

volatile std::sig_atomic_t g_signal = 0;

void OnSignal(int sig) { g_signal = sig; }

int Run(int argc, char** argv) {
  using namespace logstack;
  auto cmd = ParseCommandLine(argc, argv);
  if (!cmd.ok()) {
    std::fprintf(stderr, "logstore: %s\n%s", cmd.status().message().c_str(), kUsage);
    return 2;
  }
  if (cmd->Has("help")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (cmd->Has("version")) {
    std::printf("logstore %s (%s)\n", std::string(logstore::kVersion).c_str(), BuildRevision());
    return 0;
  }
  auto tree = LoadConfigTree(cmd->Get("config"), *cmd, {"config", "help", "version"});
  if (!tree.ok()) {
    std::fprintf(stderr, "logstore: %s\n", tree.status().message().c_str());
    return 2;
  }
  ConfigReader root(*tree, "");
  ServerConfig sc;
  root.Read("http_listen", &sc.http_listen);
  root.Read("log_level", &sc.log_level);
  root.Read("log_format", &sc.log_format);
  ConfigReader& http_cfg = root.Child("http");
  http_cfg.Read("threads", &sc.http_threads);
  http_cfg.ReadBytes("body_limit", &sc.http_body_limit);
  http_cfg.ReadBytes("max_request_line_bytes", &sc.http_max_request_line);
  http_cfg.ReadBytes("max_header_bytes", &sc.http_max_header);
  root.Child("query").Read("threads", &sc.query_threads);
  root.Child("query").Read("parallelism", &sc.query_parallelism);
  logstore::StoreOptions opts;
  logstore::ReadStoreOptions(root, &opts);
  Status cs = root.Finish();
  if (!cs.ok()) {
    std::fprintf(stderr, "logstore: %s\n", cs.message().c_str());
    return 2;
  }
  Status ls = InitLogging(sc.log_level, sc.log_format);
  if (!ls.ok()) {
    std::fprintf(stderr, "logstore: %s\n", ls.message().c_str());
    return 2;
  }

  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGPIPE, SIG_IGN);

  metrics::Registry registry;
  http::ServerOptions so;
  so.listen = sc.http_listen;
  so.threads = static_cast<int>(sc.http_threads);
  so.body_limit = sc.http_body_limit;
  so.max_request_line_bytes =
      static_cast<uint32_t>(std::min<uint64_t>(sc.http_max_request_line, 1u << 30));
  so.max_header_bytes = static_cast<uint32_t>(std::min<uint64_t>(sc.http_max_header, 1u << 30));
  http::Server server(so);
  logstore::Api api(
      &RealClock::Default(), &registry, opts.auth_enabled, static_cast<int>(sc.query_threads),
      sc.query_parallelism > 0 ? static_cast<int>(sc.query_parallelism)
                               : static_cast<int>(std::thread::hardware_concurrency()));
  api.Register(&server);
  // Listen first so /ready can answer 503 while the WAL replays.
  Status ss = server.Start();
  if (!ss.ok()) {
    LOG_ERROR("component=http op=listen err={}", Quote(ss.ToString()));
    return 1;
  }
  LOG_INFO("component=logstore op=start version={} listen={} port={} data_dir={}",
           std::string(logstore::kVersion), sc.http_listen, server.port(), Quote(opts.data_dir));

  auto store = logstore::Store::Open(Env::Default(), &RealClock::Default(), opts, &registry);
  if (!store.ok()) {
    LOG_ERROR("component=store op=open err={}", Quote(store.status().ToString()));
    server.Stop();
    return 1;
  }
  (*store)->StartBackground();
  api.SetStore(store->get());
  LOG_INFO("component=logstore op=ready");

  while (g_signal == 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  LOG_INFO("component=logstore op=shutdown signal={}", static_cast<int>(g_signal));
  api.SetStore(nullptr);
  server.Stop();
  (*store)->Close();
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return Run(argc, argv); }
