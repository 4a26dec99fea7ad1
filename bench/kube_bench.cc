// kube_bench: the Kubernetes client's Informer against the API test server
// (tests/kube/), both in this process, over plain HTTP on 127.0.0.1.
//
//   kube_bench [--configmaps=10000] [--object-bytes=1024] [--events=100000]
//              [--disconnects=100] [--resyncs=20]
//
// 1. Memory. --configmaps ConfigMaps of about --object-bytes serialized
//    bytes each are created, twice: with 8 data keys (mem_keys8_*) and with
//    one (mem_keys1_*, a config file's shape). They are created in the
//    server (ApiServer::Call, bypassing HTTP), then an Informer lists them through the client and
//    caches them. Reported against the raw JSON size (the sum of the cached
//    objects' compact serializations):
//      - the bytes the cache holds (its map nodes, keys and compact JSON
//        texts, in glibc malloc chunk sizes: 16-byte granules, 8 bytes of
//        header, 32 bytes at least), and for comparison what parsed
//        nlohmann::json trees of the same objects would hold, node by node;
//      - the process RSS delta from before the Informer started to after it
//        synced, both read after malloc_trim(0) and after a warm-up list so
//        the server's transient page buffers are in the baseline; and the
//        delta left once the informer is destroyed (what the list left
//        behind, not the cache).
// 2. Watch throughput. An Informer on a namespace of 100 ConfigMaps; the
//    server applies --events merge patches (ApiServer::Call, one thread, as
//    fast as it goes) while the informer's handler counts the events. Rate
//    = events / (first patch to last event handled). Then the same number of
//    events replayed from the server's watch history to a fresh Informer
//    whose watch starts at an old resourceVersion: the client alone, with no
//    producer in the way.
// 3. Reconnect and resync. (a) --resyncs times: the server ends every watch
//    stream (CloseWatches) and at once patches one object; the time from the
//    drop until the informer's handler sees that patch. (b) The same after
//    CompactHistory, so the re-watch gets 410 and the informer relists.
//    (c) Loss: while a producer creates, patches and deletes objects in a
//    namespace, the server drops the watch --disconnects times at random
//    moments (every tenth also expiring the history, forcing a relist).
//    Afterwards the state the handlers saw (a map kept by on_add/on_update/
//    on_delete) and the informer's cache are compared with the server's list:
//    missing objects, phantom objects and objects at another resourceVersion
//    are lost events.
//
// Prints "name value unit" lines (see bench/run.sh).

#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_util.h"
#include "common/kube/client.h"
#include "common/kube/informer.h"
#include "common/kube/object.h"
#include "common/logging.h"
#include "tests/kube/server/test_server.h"

namespace logstack::bench {
namespace {

using kube::Json;
using namespace std::chrono_literals;

constexpr double kMiB = 1024.0 * 1024.0;

struct Flags {
  uint64_t configmaps = 10000;
  uint64_t object_bytes = 1024;
  uint64_t events = 100000;
  uint64_t disconnects = 100;
  uint64_t resyncs = 20;
};

Flags ParseFlags(int argc, char** argv) {
  Flags f;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto eq = a.find('=');
    std::string key = a.substr(0, eq), value = eq == std::string::npos ? "" : a.substr(eq + 1);
    if (key == "--configmaps") {
      f.configmaps = ParseUint(key, value);
    } else if (key == "--object-bytes") {
      f.object_bytes = ParseUint(key, value);
    } else if (key == "--events") {
      f.events = ParseUint(key, value);
    } else if (key == "--disconnects") {
      f.disconnects = ParseUint(key, value);
    } else if (key == "--resyncs") {
      f.resyncs = ParseUint(key, value);
    } else {
      Die("unknown flag " + a);
    }
  }
  return f;
}

// Waits for `f` with a deadline, polling every `poll`.
template <typename F>
bool WaitFor(F f, std::chrono::milliseconds deadline, std::chrono::microseconds poll = 200us) {
  auto end = std::chrono::steady_clock::now() + deadline;
  while (!f()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(poll);
  }
  return true;
}

kubetest::ApiServer::CallResult MustCall(kubetest::ApiServer& api, const std::string& method,
                                         const std::string& path, const Json& body = nullptr,
                                         const std::string& type = "application/json") {
  auto r = api.Call(method, path, body, type);
  if (r.status / 100 != 2) {
    Die(method + " " + path + ": HTTP " + std::to_string(r.status) + " " + r.body.dump());
  }
  return r;
}

void CreateNamespace(kubetest::ApiServer& api, const std::string& name) {
  MustCall(api, "POST", "/api/v1/namespaces",
           {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", name}}}});
}

std::string CmPath(const std::string& ns, const std::string& name = "") {
  return "/api/v1/namespaces/" + ns + "/configmaps" + (name.empty() ? "" : "/" + name);
}

Json ConfigMap(const std::string& ns, const std::string& name, Json data) {
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", {{"name", name}, {"namespace", ns}, {"labels", {{"app", "kube-bench"}}}}},
          {"data", std::move(data)}};
}

// ---- Memory accounting -------------------------------------------------------

// The chunk glibc's malloc uses for a request of n bytes.
size_t Chunk(size_t n) { return std::max<size_t>(32, (n + 8 + 15) & ~size_t{15}); }

size_t StringBytes(const std::string& s) {
  return s.capacity() > 15 ? Chunk(s.capacity() + 1) : 0;  // beyond the small-string buffer
}

// Heap bytes owned by a json value (not counting the 16-byte value itself).
size_t JsonHeapBytes(const Json& j) {
  switch (j.type()) {
    case Json::value_t::object: {
      const auto& o = j.get_ref<const Json::object_t&>();
      size_t n = Chunk(sizeof(Json::object_t));
      // One red-black tree node a member: 32 bytes of links and colour, the key, the value.
      for (const auto& [k, v] : o) {
        n += Chunk(32 + sizeof(std::string) + sizeof(Json)) + StringBytes(k) + JsonHeapBytes(v);
      }
      return n;
    }
    case Json::value_t::array: {
      const auto& a = j.get_ref<const Json::array_t&>();
      size_t n = Chunk(sizeof(Json::array_t));
      if (a.capacity() > 0) n += Chunk(a.capacity() * sizeof(Json));
      for (const auto& v : a) n += JsonHeapBytes(v);
      return n;
    }
    case Json::value_t::string: {
      const auto& s = j.get_ref<const std::string&>();
      return Chunk(sizeof(std::string)) + StringBytes(s);
    }
    case Json::value_t::binary:
      return Chunk(sizeof(Json::binary_t)) + Chunk(j.get_binary().capacity());
    default:
      return 0;  // null, booleans and numbers live in the value
  }
}

struct JsonCensus {
  size_t nodes = 0, strings = 0, string_bytes = 0;
};
void Count(const Json& j, JsonCensus& c) {
  ++c.nodes;
  if (j.is_string()) {
    ++c.strings;
    c.string_bytes += j.get_ref<const std::string&>().size();
  } else if (j.is_object()) {
    for (const auto& [k, v] : j.items()) {
      ++c.strings;
      c.string_bytes += k.size();
      Count(v, c);
    }
  } else if (j.is_array()) {
    for (const auto& v : j) Count(v, c);
  }
}

uint64_t TrimmedRss() {
  malloc_trim(0);
  return ProcessRssBytes(getpid());
}

void MemoryBench(kubetest::KubeTestServer& server, kube::KubeClient& client, const Flags& flags,
                 int data_keys) {
  auto& api = server.api();
  const std::string ns = "bench-mem-" + std::to_string(data_keys);
  const std::string p = "mem_keys" + std::to_string(data_keys) + "_";
  CreateNamespace(api, ns);
  // `data_keys` data keys; the values padded so the stored object serializes to about
  // --object-bytes.
  const std::string probe_name = "cm-00000";
  Json probe = ConfigMap(ns, probe_name, Json::object());
  probe["metadata"]["uid"] = "00000000-0000-0000-0000-000000000000";
  probe["metadata"]["resourceVersion"] = "100000";
  probe["metadata"]["creationTimestamp"] = "2026-01-01T00:00:00Z";
  for (int k = 0; k < data_keys; ++k) probe["data"]["key-" + std::to_string(k)] = "";
  size_t base = probe.dump().size();
  size_t value_len = flags.object_bytes > base ? (flags.object_bytes - base) / data_keys : 1;
  std::mt19937 rng(42);
  const char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  for (uint64_t i = 0; i < flags.configmaps; ++i) {
    char name[32];
    std::snprintf(name, sizeof(name), "cm-%05llu", static_cast<unsigned long long>(i));
    Json data = Json::object();
    for (int k = 0; k < data_keys; ++k) {
      std::string v(value_len, 'x');
      for (auto& ch : v) ch = kAlphabet[rng() % 36];
      data["key-" + std::to_string(k)] = std::move(v);
    }
    MustCall(api, "POST", CmPath(ns), ConfigMap(ns, name, std::move(data)));
  }

  kube::InformerOptions opts;
  opts.reflector.ns = ns;
  // Warm up the list path (the server's page buffers, the client's pools).
  {
    kube::ListOptions lo;
    lo.limit = 500;
    auto warm = client.ListAll(kube::resources::kConfigMaps, ns, lo);
    if (!warm.ok()) Die("warm-up list: " + warm.status().ToString());
  }
  uint64_t rss_before = TrimmedRss();
  auto informer = std::make_unique<kube::Informer>(client, kube::resources::kConfigMaps, opts);
  double t0 = MonotonicSeconds();
  informer->Start();
  if (!informer->WaitForSync(60s)) Die("memory informer did not sync");
  double sync_s = MonotonicSeconds() - t0;
  uint64_t rss_after = TrimmedRss();
  if (informer->Size() != flags.configmaps) {
    Die("memory informer holds " + std::to_string(informer->Size()) + " objects");
  }

  // The cache is a std::map<std::string, std::string> of compact JSON without spare capacity:
  // one map node (links, key, value) an object, the key's and the text's heap buffers. The
  // parsed-tree figure is what a std::map<std::string, Json> cache would hold (the design
  // this replaced), for comparison.
  size_t raw = 0, accounted = 0, tree_accounted = 0;
  JsonCensus census;
  for (const auto& obj : informer->List()) {
    std::string text = obj.dump();
    text.shrink_to_fit();  // as the informer keeps it
    raw += text.size();
    Count(obj, census);
    std::string key = kube::ObjectKey(obj);
    size_t node = Chunk(32 + 2 * sizeof(std::string)) + StringBytes(key);
    accounted += node + StringBytes(text);
    tree_accounted +=
        Chunk(32 + sizeof(std::string) + sizeof(Json)) + StringBytes(key) + JsonHeapBytes(obj);
  }
  double n = static_cast<double>(flags.configmaps);
  Report(p + "objects", n, "configmaps");
  Report(p + "raw_json", raw / kMiB, "MiB");
  Report(p + "raw_json_per_object", raw / n, "bytes");
  Report(p + "json_nodes_per_object", census.nodes / n, "values");
  Report(p + "strings_per_object", census.strings / n, "strings (keys included)");
  Report(p + "cache_accounted", accounted / kMiB, "MiB");
  Report(p + "cache_accounted_ratio", static_cast<double>(accounted) / raw, "x raw JSON");
  Report(p + "parsed_tree_accounted_ratio", static_cast<double>(tree_accounted) / raw,
         "x raw JSON (were the cache parsed trees)");
  int64_t delta = static_cast<int64_t>(rss_after) - static_cast<int64_t>(rss_before);
  Report(p + "rss_delta", delta / kMiB, "MiB");
  Report(p + "rss_delta_ratio", static_cast<double>(delta) / raw, "x raw JSON");
  Report(p + "informer_sync", sync_s * 1000, "ms");
  informer.reset();
  int64_t kept = static_cast<int64_t>(TrimmedRss()) - static_cast<int64_t>(rss_before);
  Report(p + "rss_delta_after_informer_freed", kept / kMiB, "MiB");
  MustCall(api, "DELETE", "/api/v1/namespaces/" + ns);
}

// ---- Watch throughput --------------------------------------------------------

void WatchRateBench(kubetest::KubeTestServer& server, kube::KubeClient& client,
                    const Flags& flags) {
  auto& api = server.api();
  const std::string ns = "bench-watch";
  CreateNamespace(api, ns);
  constexpr int kObjects = 100;
  for (int i = 0; i < kObjects; ++i) {
    MustCall(
        api, "POST", CmPath(ns),
        ConfigMap(ns, "w-" + std::to_string(i), {{"v", "0"}, {"other", std::string(64, 'y')}}));
  }
  // Keep every event, for the replay run below.
  api.SetHistoryLimit(flags.events + 1000);

  std::atomic<uint64_t> seen{0};
  kube::InformerOptions opts;
  opts.reflector.ns = ns;
  kube::Informer live(client, kube::resources::kConfigMaps, opts);
  kube::InformerHandlers count;
  count.on_update = [&](const Json&, const Json&) { seen.fetch_add(1); };
  live.AddHandlers(std::move(count));
  live.Start();
  if (!live.WaitForSync(10s)) Die("watch informer did not sync");
  if (!WaitFor([&] { return api.OpenWatchCount() > 0; }, 10s)) Die("no watch opened");
  uint64_t start_rv = api.CurrentResourceVersion();

  double t0 = MonotonicSeconds();
  for (uint64_t i = 0; i < flags.events; ++i) {
    Json patch = {{"data", {{"v", std::to_string(i + 1)}}}};
    MustCall(api, "PATCH", CmPath(ns, "w-" + std::to_string(i % kObjects)), patch,
             "application/merge-patch+json");
  }
  double produced_s = MonotonicSeconds() - t0;
  if (!WaitFor([&] { return seen.load() >= flags.events; }, 120s, 100us)) {
    Die("live informer saw " + std::to_string(seen.load()) + " of " + std::to_string(flags.events) +
        " events");
  }
  double live_s = MonotonicSeconds() - t0;
  live.Stop();
  Report("watch_events", static_cast<double>(flags.events), "events");
  Report("watch_server_produce_rate", flags.events / produced_s, "updates/s");
  Report("watch_live_rate", flags.events / live_s, "events/s");

  // Replay: a watch from start_rv gets the whole history at once, so the
  // client is the only limit. The Informer cannot start a watch at a given
  // version, so this reads the client's WatchStream directly and does the
  // informer's per-event work (strip, key, store in a map) itself.
  std::map<std::string, Json> cache;
  kube::WatchOptions wo;
  wo.resource_version = std::to_string(start_rv);
  wo.allow_bookmarks = false;
  t0 = MonotonicSeconds();
  auto stream = client.Watch(kube::resources::kConfigMaps, ns, wo);
  if (!stream.ok()) Die("replay watch: " + stream.status().ToString());
  uint64_t replayed = 0;
  while (replayed < flags.events) {
    auto next = (*stream)->Next();
    if (!next.ok() || !next->has_value())
      Die("replay watch ended after " + std::to_string(replayed));
    Json obj = std::move((**next).object);
    kube::StripManagedFields(obj);
    cache[kube::ObjectKey(obj)] = std::move(obj);
    ++replayed;
  }
  double replay_s = MonotonicSeconds() - t0;
  (*stream)->Cancel();
  Report("watch_replay_rate", flags.events / replay_s, "events/s");
  api.SetHistoryLimit(1000);
}

// ---- Reconnect, resync, loss -------------------------------------------------

void ResyncBench(kubetest::KubeTestServer& server, kube::KubeClient& client, const Flags& flags) {
  auto& api = server.api();
  const std::string ns = "bench-watch";  // 100 objects, from WatchRateBench
  std::mutex mu;
  std::map<std::string, std::string> rv_seen;  // name -> last resourceVersion handled
  kube::InformerOptions opts;
  opts.reflector.ns = ns;
  kube::Informer informer(client, kube::resources::kConfigMaps, opts);
  auto note = [&](const Json& obj) {
    std::lock_guard<std::mutex> l(mu);
    rv_seen[kube::Name(obj)] = kube::ResourceVersion(obj);
  };
  kube::InformerHandlers handlers;
  handlers.on_add = note;
  handlers.on_update = [&](const Json&, const Json& n) { note(n); };
  informer.AddHandlers(std::move(handlers));
  informer.Start();
  if (!informer.WaitForSync(10s)) Die("resync informer did not sync");

  auto run = [&](bool compact, const char* label) {
    std::vector<double> ms;
    for (uint64_t i = 0; i < flags.resyncs; ++i) {
      if (!WaitFor([&] { return api.OpenWatchCount() > 0; }, 10s)) Die("no watch reopened");
      double t0 = MonotonicSeconds();
      if (compact) api.CompactHistory();
      api.CloseWatches();
      auto r =
          MustCall(api, "PATCH", CmPath(ns, "w-0"), {{"data", {{"resync", std::to_string(i)}}}},
                   "application/merge-patch+json");
      std::string rv = kube::ResourceVersion(r.body);
      if (!WaitFor(
              [&] {
                std::lock_guard<std::mutex> l(mu);
                return rv_seen["w-0"] == rv;
              },
              30s, 50us)) {
        Die(std::string(label) + ": the informer did not catch up");
      }
      ms.push_back((MonotonicSeconds() - t0) * 1000);
    }
    std::sort(ms.begin(), ms.end());
    Report(std::string(label) + "_p50", ms[ms.size() / 2], "ms");
    Report(std::string(label) + "_max", ms.back(), "ms");
  };
  int lists0 = informer.reflector().Lists();
  run(false, "rewatch_after_drop");
  run(true, "relist_after_drop_and_expiry");
  Report("relists_during_expiry_runs", informer.reflector().Lists() - lists0, "lists");
  informer.Stop();
}

void LossBench(kubetest::KubeTestServer& server, kube::KubeClient& client, const Flags& flags) {
  auto& api = server.api();
  const std::string ns = "bench-loss";
  CreateNamespace(api, ns);
  constexpr int kNames = 500;

  std::mutex mu;
  std::map<std::string, std::string> seen;  // what the handlers saw: name -> resourceVersion
  uint64_t bad_events = 0;                  // e.g. an update of an object never added
  kube::InformerOptions opts;
  opts.reflector.ns = ns;
  kube::Informer informer(client, kube::resources::kConfigMaps, opts);
  informer.AddHandlers({
      .on_add =
          [&](const Json& o) {
            std::lock_guard<std::mutex> l(mu);
            if (!seen.emplace(kube::Name(o), kube::ResourceVersion(o)).second) ++bad_events;
          },
      .on_update =
          [&](const Json&, const Json& n) {
            std::lock_guard<std::mutex> l(mu);
            auto it = seen.find(kube::Name(n));
            if (it == seen.end()) {
              ++bad_events;
              seen[kube::Name(n)] = kube::ResourceVersion(n);
            } else {
              it->second = kube::ResourceVersion(n);
            }
          },
      .on_delete =
          [&](const Json& o) {
            std::lock_guard<std::mutex> l(mu);
            if (seen.erase(kube::Name(o)) == 0) ++bad_events;
          },
  });
  informer.Start();
  if (!informer.WaitForSync(10s)) Die("loss informer did not sync");
  int watches0 = informer.reflector().Watches(), lists0 = informer.reflector().Lists();

  // The producer: creates, patches and deletes on random names until the disconnects are done.
  std::atomic<bool> done{false};
  std::atomic<uint64_t> ops{0};
  std::thread producer([&] {
    std::mt19937 rng(7);
    std::vector<bool> exists(kNames, false);
    while (!done.load()) {
      int i = static_cast<int>(rng() % kNames);
      std::string name = "l-" + std::to_string(i);
      int action = static_cast<int>(rng() % 10);
      if (!exists[i]) {
        MustCall(api, "POST", CmPath(ns), ConfigMap(ns, name, {{"v", "0"}}));
        exists[i] = true;
      } else if (action == 0) {
        MustCall(api, "DELETE", CmPath(ns, name));
        exists[i] = false;
      } else {
        MustCall(api, "PATCH", CmPath(ns, name), {{"data", {{"v", std::to_string(ops.load())}}}},
                 "application/merge-patch+json");
      }
      ops.fetch_add(1);
    }
  });

  std::mt19937 rng(11);
  uint64_t drops = 0, expiries = 0;
  double t0 = MonotonicSeconds();
  for (uint64_t i = 0; i < flags.disconnects; ++i) {
    if (!WaitFor([&] { return api.OpenWatchCount() > 0; }, 10s)) Die("no watch reopened");
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % 10000));
    if (i % 10 == 9) {
      api.CompactHistory();
      ++expiries;
    }
    api.CloseWatches();
    ++drops;
  }
  done.store(true);
  producer.join();
  double flow_s = MonotonicSeconds() - t0;
  uint64_t final_rv = api.CurrentResourceVersion();

  // The server's final state.
  auto list = MustCall(api, "GET", CmPath(ns));
  std::map<std::string, std::string> truth;
  for (const auto& item : list.body["items"]) {
    truth[kube::Name(item)] = kube::ResourceVersion(item);
  }
  auto differences = [&](const std::map<std::string, std::string>& got, uint64_t* missing,
                         uint64_t* phantom, uint64_t* stale) {
    *missing = *phantom = *stale = 0;
    for (const auto& [name, rv] : truth) {
      auto it = got.find(name);
      if (it == got.end()) {
        ++*missing;
      } else if (it->second != rv) {
        ++*stale;
      }
    }
    for (const auto& [name, rv] : got) {
      if (truth.count(name) == 0) ++*phantom;
    }
    return *missing + *phantom + *stale;
  };
  auto cache_state = [&] {
    std::map<std::string, std::string> m;
    for (const auto& o : informer.List()) m[kube::Name(o)] = kube::ResourceVersion(o);
    return m;
  };
  uint64_t missing = 0, phantom = 0, stale = 0;
  double t_end = MonotonicSeconds();
  bool converged = WaitFor(
      [&] {
        std::lock_guard<std::mutex> l(mu);
        return differences(seen, &missing, &phantom, &stale) == 0;
      },
      10s, 1ms);
  double catch_up_ms = (MonotonicSeconds() - t_end) * 1000;
  {
    std::lock_guard<std::mutex> l(mu);
    differences(seen, &missing, &phantom, &stale);
  }
  uint64_t c_missing = 0, c_phantom = 0, c_stale = 0;
  differences(cache_state(), &c_missing, &c_phantom, &c_stale);
  int watches = informer.reflector().Watches() - watches0;
  int lists = informer.reflector().Lists() - lists0;
  informer.Stop();

  Report("loss_disconnects", static_cast<double>(drops), "drops");
  Report("loss_history_expiries", static_cast<double>(expiries), "compactions");
  Report("loss_rewatches", watches, "watches");
  Report("loss_relists", lists, "lists");
  Report("loss_server_ops", static_cast<double>(ops.load()), "writes");
  Report("loss_server_ops_rate", ops.load() / flow_s, "writes/s");
  Report("loss_final_objects", static_cast<double>(truth.size()), "objects");
  Report("loss_catch_up_after_last_write", catch_up_ms, "ms");
  Report("loss_handler_missing", static_cast<double>(missing), "objects");
  Report("loss_handler_phantom", static_cast<double>(phantom), "objects");
  Report("loss_handler_stale_rv", static_cast<double>(stale), "objects");
  Report("loss_handler_bad_sequences", static_cast<double>(bad_events), "events");
  Report("loss_cache_mismatches", static_cast<double>(c_missing + c_phantom + c_stale), "objects");
  Report(
      "loss_lost_events",
      static_cast<double>(missing + phantom + stale + bad_events + c_missing + c_phantom + c_stale),
      "events");
  if (!converged) {
    std::fprintf(stderr, "bench: loss test did not converge (final rv %llu)\n",
                 static_cast<unsigned long long>(final_rv));
  }
}

int Main(int argc, char** argv) {
  Flags flags = ParseFlags(argc, argv);
  // The reflector logs every dropped watch and relist; the drops are the point here.
  (void)InitLogging("error");
  // Each benchmark gets a fresh server and client, so none pays for the state
  // (deleted namespaces, history) another left behind.
  auto run = [&](const std::function<void(kubetest::KubeTestServer&, kube::KubeClient&)>& bench) {
    kubetest::KubeTestServer::Options so;
    so.token = "bench";
    auto server = kubetest::KubeTestServer::Start(so);
    if (!server.ok()) Die("test server: " + server.status().ToString());
    kube::RestConfig config;
    config.server = (*server)->url();
    config.token = std::make_shared<kube::StaticTokenSource>("bench");
    config.qps = 0;  // no client-side rate limit
    auto client = kube::NewKubeClient(config);
    if (!client.ok()) Die("client: " + client.status().ToString());
    bench(**server, **client);
  };
  run([&](auto& server, auto& client) { MemoryBench(server, client, flags, 8); });
  run([&](auto& server, auto& client) { MemoryBench(server, client, flags, 1); });
  run([&](auto& server, auto& client) {
    WatchRateBench(server, client, flags);
    ResyncBench(server, client, flags);  // on the watch benchmark's objects
  });
  run([&](auto& server, auto& client) { LossBench(server, client, flags); });
  return 0;
}

}  // namespace
}  // namespace logstack::bench

int main(int argc, char** argv) { return logstack::bench::Main(argc, argv); }
