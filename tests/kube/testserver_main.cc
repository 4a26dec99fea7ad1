// kube-testserver: the Kubernetes API test server as a process, so that
// kubectl, the operator or a client library can be pointed at it by hand.
//
//   kube-testserver --listen=127.0.0.1:6443 --token=secret [--tls-dir=DIR]
//                   [--kubeconfig=FILE] [--history=1000] [--gc] [--log-requests]
//
// Runs until SIGTERM or SIGINT. See docs/kube-testserver.md.

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "tests/kube/server/test_server.h"

namespace {

bool Flag(const std::string& arg, const std::string& name, std::string* value) {
  const std::string prefix = "--" + name + "=";
  if (arg.rfind(prefix, 0) != 0) return false;
  *value = arg.substr(prefix.size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  using logstack::kubetest::KubeTestServer;
  KubeTestServer::Options options;
  options.listen = "127.0.0.1:6443";
  std::string kubeconfig, history;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (Flag(arg, "listen", &options.listen) || Flag(arg, "token", &options.token) ||
        Flag(arg, "tls-dir", &options.tls_dir) || Flag(arg, "kubeconfig", &kubeconfig) ||
        Flag(arg, "history", &history)) {
      continue;
    }
    if (arg == "--gc") {
      options.api.garbage_collection = true;
    } else if (arg == "--log-requests") {
      options.log_requests = true;
    } else if (arg == "--help" || arg == "-h") {
      std::printf(
          "usage: kube-testserver --listen=HOST:PORT --token=TOKEN [--tls-dir=DIR]\n"
          "                       [--kubeconfig=FILE] [--history=N] [--gc] [--log-requests]\n");
      return 0;
    } else {
      std::fprintf(stderr, "kube-testserver: unknown flag %s (try --help)\n", arg.c_str());
      return 2;
    }
  }
  if (!history.empty()) options.api.history_limit = std::strtoull(history.c_str(), nullptr, 10);

  // Block the stop signals before any thread starts, then wait for one.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  auto server = KubeTestServer::Start(options);
  if (!server.ok()) {
    std::fprintf(stderr, "kube-testserver: %s\n", server.status().ToString().c_str());
    return 1;
  }
  if (!kubeconfig.empty()) {
    if (auto st = (*server)->WriteKubeconfig(kubeconfig); !st.ok()) {
      std::fprintf(stderr, "kube-testserver: %s\n", st.ToString().c_str());
      return 1;
    }
  }
  std::printf("kube-testserver listening on %s%s%s\n", (*server)->url().c_str(),
              (*server)->tls() ? " ca=" : "", (*server)->ca_file().c_str());
  std::fflush(stdout);
  int sig = 0;
  sigwait(&signals, &sig);
  (*server)->Stop();
  return 0;
}
