#include "operator/controller/manager.h"

#include <openssl/rand.h>
#include <openssl/x509.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>

#include "common/build_info.h"
#include "common/logging.h"

namespace logstack::op::controller {

namespace {

std::mutex g_run_mu;  // orders the election callbacks against Stop()

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
  size_t i = 0;
  while (i < s.size() && s[i] == ' ') ++i;
  return s.substr(i);
}

StatusOr<std::unique_ptr<http::Server>> Serve(const std::string& address, const char* what,
                                              std::function<void(http::Server&)> routes) {
  if (address.empty() || address == "0") return std::unique_ptr<http::Server>();
  http::ServerOptions so;
  so.listen = address;
  so.threads = 1;
  auto server = std::make_unique<http::Server>(so);
  routes(*server);
  Status s = server->Start();
  if (!s.ok()) return s.Annotate(std::string(what) + " server on " + address);
  LOG_INFO("component=manager op=listen what={} address={} port={}", what, address, server->port());
  return server;
}

}  // namespace

std::string DefaultIdentity() {
  std::string base;
  if (auto pod = kube::ProcessEnv("POD_NAME"); pod && !pod->empty()) {
    base = *pod;
  } else {
    char host[256] = {0};
    if (gethostname(host, sizeof host - 1) == 0) base = host;
    if (base.empty()) base = "logstack-operator";
  }
  unsigned char r[4];
  if (RAND_bytes(r, sizeof r) != 1) {
    const unsigned v = static_cast<unsigned>(getpid());
    std::memcpy(r, &v, sizeof r);
  }
  char suffix[16];
  std::snprintf(suffix, sizeof suffix, "_%02x%02x%02x%02x", r[0], r[1], r[2], r[3]);
  return base + suffix;
}

std::string ResolveLeaseNamespace(const std::string& flag, const std::string& config_ns,
                                  const kube::EnvLookup& env, const std::string& namespace_file) {
  if (!flag.empty()) return flag;
  if (auto ns = env("POD_NAMESPACE"); ns && !Trim(*ns).empty()) return Trim(*ns);
  std::ifstream in(namespace_file);
  if (in) {
    std::stringstream ss;
    ss << in.rdbuf();
    std::string ns = Trim(ss.str());
    if (!ns.empty()) return ns;
  }
  return config_ns.empty() ? "default" : config_ns;
}

StatusOr<std::unique_ptr<Manager>> Manager::Create(ManagerOptions options) {
  auto cfg = kube::LoadConfig(options.kube);
  if (!cfg.ok()) return cfg.status().Annotate("Kubernetes client configuration");
  cfg->qps = options.kube_qps;
  cfg->burst = options.kube_burst;
  if (cfg->user_agent.empty()) cfg->user_agent = "logstack-operator/" LOGSTACK_VERSION;
  if (options.leader_elect) {
    options.leader_election_namespace =
        ResolveLeaseNamespace(options.leader_election_namespace, cfg->ns);
    if (options.identity.empty()) options.identity = DefaultIdentity();
    if (options.renew_deadline >= options.lease_duration) {
      return InvalidArgument(
          "--leader-elect-renew-deadline must be shorter than "
          "--leader-elect-lease-duration");
    }
    if (options.retry_period >= options.renew_deadline) {
      return InvalidArgument(
          "--leader-elect-retry-period must be shorter than "
          "--leader-elect-renew-deadline");
    }
  }
  if (options.trim_tls_trust_store && !cfg->tls.ca_pem.empty()) {
    // cpprestsdk calls set_default_verify_paths for every TLS connection it
    // opens, which parses the whole system bundle (SSL_CERT_FILE: ~150
    // certificates, about 1 MB) into that connection's context, used or not.
    // With a long-lived watch connection per informer that was half of the
    // operator's memory. Our client verifies the API server against the
    // cluster's CA only, so the bundle serves nothing there; lookups in the
    // hashed directory (SSL_CERT_DIR) still work, lazily, and the probe of an
    // external store loads the bundle itself.
    const char* bundle = std::getenv("SSL_CERT_FILE");
    options.controller.prober_ca_file = bundle != nullptr ? bundle : X509_get_default_cert_file();
    setenv("SSL_CERT_FILE", "/dev/null", 1);
  }
  if (options.controller.instance.empty()) {
    if (auto pod = kube::ProcessEnv("POD_NAME")) options.controller.instance = *pod;
  }
  LOG_INFO("component=manager op=config origin={} server={}", Quote(cfg->origin), cfg->server);
  auto client = kube::NewKubeClient(*cfg);
  if (!client.ok()) return client.status().Annotate("Kubernetes client");
  std::unique_ptr<Manager> m(new Manager(std::move(options)));
  m->raw_client_ = std::move(*client);
  if (m->options_.leader_elect) {
    kube::RestConfig lease_cfg = *cfg;
    auto budget = std::chrono::duration_cast<std::chrono::milliseconds>(m->options_.renew_deadline -
                                                                        m->options_.retry_period);
    lease_cfg.timeout =
        std::clamp(budget, std::chrono::milliseconds(500), std::chrono::milliseconds(5000));
    lease_cfg.qps = 0;  // a renewal never waits behind the controller's requests
    kube::ClientOptions lease_opts;
    lease_opts.retry.max_retries = 0;
    auto lc = kube::NewKubeClient(lease_cfg, lease_opts);
    if (!lc.ok()) return lc.status().Annotate("Kubernetes client for the Lease");
    m->lease_client_ = std::move(*lc);
  }
  m->client_ = std::make_unique<CountingKubeClient>(*m->raw_client_, m->registry_);
  m->controller_ =
      std::make_unique<Controller>(*m->client_, m->clock(), m->registry_, m->options_.controller);
  Manager* self = m.get();
  m->registry_.AddGaugeFunction("logstack_operator_leader",
                                "1 while this replica leads (or runs without election).", {},
                                [self] { return self->IsLeader() ? 1.0 : 0.0; });
  m->registry_
      .GetGauge("logstack_operator_build_info", "The operator's version.",
                {{"version", LOGSTACK_VERSION}, {"revision", BuildRevision()}})
      .Set(1);
  return m;
}

Manager::~Manager() { Stop(); }

Status Manager::Start() {
  auto metrics = Serve(options_.metrics_bind_address, "metrics", [this](http::Server& s) {
    s.Route({"GET"}, "/metrics", [this](http::Request&, http::Responder respond) {
      http::Response r = http::Response::Text(200, registry_.Render());
      r.content_type = "text/plain; version=0.0.4; charset=utf-8";
      respond(std::move(r));
    });
  });
  if (!metrics.ok()) return metrics.status();
  metrics_server_ = std::move(*metrics);
  auto health = Serve(options_.health_probe_bind_address, "health", [this](http::Server& s) {
    s.Route({"GET"}, "/healthz", [](http::Request&, http::Responder respond) {
      respond(http::Response::Text(200, "ok\n"));
    });
    s.Route({"GET"}, "/readyz", [this](http::Request&, http::Responder respond) {
      if (Ready())
        return respond(http::Response::Text(200, IsLeader() ? "ok\n" : "ok (standby)\n"));
      respond(http::Response::Text(503, "informers have not synced yet\n"));
    });
  });
  if (!health.ok()) {
    if (metrics_server_) metrics_server_->Stop();
    return health.status();
  }
  health_server_ = std::move(*health);

  if (!options_.leader_elect) {
    controller_->Start();
    return Status::Ok();
  }
  lease_store_ = std::make_unique<kube::KubeLeaseStore>(
      *lease_client_, options_.leader_election_namespace, options_.leader_election_id);
  kube::LeaderElectionConfig lc;
  lc.identity = options_.identity;
  lc.lease_duration = options_.lease_duration;
  lc.renew_deadline = options_.renew_deadline;
  lc.retry_period = options_.retry_period;
  lc.on_started_leading = [this] {
    std::lock_guard<std::mutex> l(g_run_mu);
    if (stopping_) return;
    LOG_INFO("component=manager op=elected identity={} lease={}/{}", options_.identity,
             options_.leader_election_namespace, options_.leader_election_id);
    controller_->Start();
  };
  lc.on_stopped_leading = [this] {
    if (stopping_) return;
    LOG_ERROR("component=manager op=leadership_lost identity={}: stopping", options_.identity);
    if (options_.on_lost_leadership) {
      options_.on_lost_leadership();
      return;
    }
    spdlog::default_logger()->flush();
    std::_Exit(1);
  };
  lc.on_new_leader = [this](const std::string& leader) {
    if (leader != options_.identity) {
      LOG_INFO("component=manager op=observe_leader leader={}", Quote(leader));
    }
  };
  elector_ = std::make_unique<kube::LeaderElector>(*lease_store_, clock(), lc);
  LOG_INFO("component=manager op=campaign identity={} lease={}/{}", options_.identity,
           options_.leader_election_namespace, options_.leader_election_id);
  election_thread_ = std::thread([this] { elector_->Run(); });
  return Status::Ok();
}

void Manager::Stop() {
  if (stopped_.exchange(true)) return;
  {
    std::lock_guard<std::mutex> l(g_run_mu);
    stopping_ = true;
  }
  if (controller_) controller_->Stop();
  if (elector_) elector_->Stop();  // releases the Lease
  if (election_thread_.joinable()) election_thread_.join();
  if (health_server_) health_server_->Stop();
  if (metrics_server_) metrics_server_->Stop();
}

bool Manager::IsLeader() {
  if (!options_.leader_elect) return true;
  return elector_ != nullptr && elector_->IsLeader();
}

bool Manager::Ready() {
  if (options_.leader_elect && !IsLeader()) return true;
  return controller_->HasSynced();
}

uint16_t Manager::metrics_port() const { return metrics_server_ ? metrics_server_->port() : 0; }
uint16_t Manager::health_port() const { return health_server_ ? health_server_->port() : 0; }

}  // namespace logstack::op::controller
