// logstack-collector: tails the container logs of one node (and, if asked,
// the journal and static files) and pushes them to a Loki-compatible store.
//
//   logstack-collector --config=FILE --pods-dir=DIR --positions-file=FILE --push-url=URL
//                      [--any.config.key=VALUE]
//
// Every setting of the YAML config file can also be given as a flag; flags
// win. See docs/collector.md.

#include <sys/resource.h>

#include <csignal>
#include <cstdio>
#include <thread>

#include "collector/collector.h"
#include "collector/config.h"
#include "common/build_info.h"
#include "common/clock.h"
#include "common/config.h"
#include "common/env.h"
#include "common/http_server.h"
#include "common/kube/client.h"
#include "common/kube/config.h"
#include "common/logging.h"
#include "common/metrics.h"

namespace {

constexpr const char* kUsage =
    "usage: logstack-collector --push-url=URL --positions-file=FILE [--config=FILE]\n"
    "                          [--pods-dir=DIR] [--KEY=VALUE ...]\n"
    "\n"
    "Tails the container logs of this node (/var/log/pods) and pushes them to a\n"
    "Loki-compatible store, each line exactly once. Every config-file setting can be\n"
    "given as a flag, e.g. --batch-wait=2s; flags override the file. See docs/collector.md.\n";

volatile std::sig_atomic_t g_signal = 0;

void OnSignal(int sig) { g_signal = sig; }

int Fail(const std::string& msg) {
  std::fprintf(stderr, "logstack-collector: %s\n", msg.c_str());
  return 2;
}

int Run(int argc, char** argv) {
  using namespace logstack;
  auto cmd = ParseCommandLine(argc, argv);
  if (!cmd.ok()) return Fail(cmd.status().message() + "\n" + kUsage);
  if (cmd->Has("help")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (cmd->Has("version")) {
    std::printf("logstack-collector %s (%s)\n", LOGSTACK_VERSION, BuildRevision());
    return 0;
  }
  auto tree = LoadConfigTree(cmd->Get("config"), *cmd, {"config", "help", "version"});
  if (!tree.ok()) return Fail(tree.status().message());
  auto cfg = collector::DecodeCollectorConfig(*tree);
  if (!cfg.ok()) return Fail(cfg.status().message());
  Status ls = InitLogging(cfg->log_level, cfg->log_format);
  if (!ls.ok()) return Fail(ls.message());

  // One descriptor per log file still being read (rotated ones included):
  // a node with a thousand containers needs more than the usual soft limit.
  struct rlimit nofile;
  if (::getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < nofile.rlim_max) {
    nofile.rlim_cur = nofile.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &nofile);
  }

  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGPIPE, SIG_IGN);

  // Pod metadata: from the API server when one can be reached.
  kube::KubeClientPtr kube_client;
  if (cfg->collect_pods && cfg->kubernetes_metadata) {
    kube::LoadOptions lo;
    lo.kubeconfig = cfg->kubeconfig;
    auto rest = kube::LoadConfig(lo);
    if (!rest.ok()) {
      LOG_ERROR("component=collector op=kube_config err={}", Quote(rest.status().ToString()));
      return Fail("no Kubernetes API to read pod metadata from (" + rest.status().message() +
                  "); give --kubeconfig, run in a pod, or set --kubernetes-metadata=false");
    }
    auto client = kube::NewKubeClient(*rest);
    if (!client.ok()) return Fail(client.status().ToString());
    kube_client = std::move(*client);
  }

  metrics::Registry registry;
  http::ServerOptions so;
  so.listen = cfg->http_listen;
  so.threads = 1;
  so.body_limit = 1 << 20;
  http::Server server(so);

  collector::CollectorDeps deps;
  deps.env = Env::Default();
  deps.clock = &RealClock::Default();
  deps.registry = &registry;
  deps.kube = std::move(kube_client);
  auto col = collector::Collector::Create(*cfg, std::move(deps));
  if (!col.ok()) return Fail(col.status().ToString());
  collector::Collector* c = col->get();

  server.Route({"GET"}, "/metrics", [&registry](http::Request&, http::Responder respond) {
    http::Response r = http::Response::Text(200, registry.Render());
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    respond(std::move(r));
  });
  server.Route({"GET"}, "/ready", [c](http::Request&, http::Responder respond) {
    Status s = c->Ready();
    respond(s.ok() ? http::Response::Text(200, "ready\n")
                   : http::Response::Text(503, s.message() + "\n"));
  });
  server.Route({"GET"}, "/healthz", [](http::Request&, http::Responder respond) {
    respond(http::Response::Text(200, "ok\n"));
  });
  Status ss = server.Start();
  if (!ss.ok()) {
    LOG_ERROR("component=http op=listen err={}", Quote(ss.ToString()));
    return 1;
  }
  LOG_INFO("component=collector op=start version={} listen={} port={} push_url={} pods_dir={}",
           LOGSTACK_VERSION, cfg->http_listen, server.port(), Quote(cfg->push_url),
           Quote(cfg->pods_dir));

  Status st = c->Start();
  if (!st.ok()) {
    LOG_ERROR("component=collector op=start err={}", Quote(st.ToString()));
    server.Stop();
    return 1;
  }
  while (g_signal == 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  LOG_INFO("component=collector op=shutdown signal={}", static_cast<int>(g_signal));
  // Send what is buffered for a few seconds; what is not acknowledged by
  // then is read again at the next start (the positions did not move).
  c->Stop(std::chrono::seconds(5));
  server.Stop();
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return Run(argc, argv); }
