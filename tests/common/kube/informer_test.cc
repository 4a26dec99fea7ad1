// Reflector, Informer and EventRecorder against an in-memory KubeClient whose
// watch streams the test feeds and breaks by hand.

#include "common/kube/informer.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include "common/kube/events.h"
#include "common/kube/object.h"
#include "tests/mocks/fake_clock.h"
#include "tests/testutil/eventually.h"

namespace logstack::kube {
namespace {

using namespace std::chrono_literals;

using testutil::Eventually;

class FakeStream;

// Objects in a map; one watch stream at a time, fed by the test.
class FakeKubeClient final : public KubeClient {
 public:
  StatusOr<Json> Get(const ResourceRef&, std::string_view, std::string_view) override {
    return Unimplemented("get");
  }
  StatusOr<ListResult> List(const ResourceRef&, std::string_view, const ListOptions&) override {
    std::lock_guard<std::mutex> l(mu_);
    ++lists;
    ListResult r;
    for (const auto& [k, v] : objects_) r.items.push_back(v);
    r.resource_version = std::to_string(rv_);
    return r;
  }
  StatusOr<Json> Create(const ResourceRef& r, std::string_view ns, const Json& obj) override {
    std::lock_guard<std::mutex> l(mu_);
    Json o = obj;
    o["metadata"]["resourceVersion"] = std::to_string(++rv_);
    created.push_back(o);
    return o;
  }
  StatusOr<Json> Update(const ResourceRef&, const Json&) override { return Unimplemented("u"); }
  StatusOr<Json> UpdateStatus(const ResourceRef&, const Json&) override {
    return Unimplemented("us");
  }
  StatusOr<Json> Patch(const ResourceRef&, std::string_view ns, std::string_view name, PatchType,
                       const Json& patch, std::string_view) override {
    std::lock_guard<std::mutex> l(mu_);
    if (patch_not_found) return NotFound("event expired");
    patches.emplace_back(std::string(ns) + "/" + std::string(name), patch);
    return patch;
  }
  Status Delete(const ResourceRef&, std::string_view, std::string_view,
                const DeleteOptions&) override {
    return Unimplemented("d");
  }
  StatusOr<WatchStreamPtr> Watch(const ResourceRef&, std::string_view,
                                 const WatchOptions& o) override;
  StatusOr<ResourceRef> Resolve(std::string_view, std::string_view) override {
    return Unimplemented("r");
  }
  StatusOr<Json> GetPath(std::string_view) override { return Unimplemented("p"); }

  // Changes the server's state; with `notify` the open watch sees it.
  void Put(const std::string& name, const std::string& data, bool notify);
  void Remove(const std::string& name, bool notify);
  // Sends an in-stream ERROR 410 on the open watch.
  void ExpireWatch();
  // Ends the open watch with a connection error.
  void BreakWatch();
  bool WatchOpen();

  int lists = 0;
  std::vector<std::string> watch_rvs;
  std::vector<Json> created;
  std::vector<std::pair<std::string, Json>> patches;
  bool patch_not_found = false;

  // The newest resourceVersion handed out.
  std::string Rv() {
    std::lock_guard<std::mutex> l(mu_);
    return std::to_string(rv_);
  }

 private:
  friend class FakeStream;
  void Send(WatchEvent ev);

  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, Json> objects_;
  int64_t rv_ = 10;
  std::deque<StatusOr<std::optional<WatchEvent>>> queue_;
  FakeStream* open_ = nullptr;
  uint64_t generation_ = 0;
};

class FakeStream final : public WatchStream {
 public:
  FakeStream(FakeKubeClient& c, uint64_t gen) : c_(c), gen_(gen) {}
  ~FakeStream() override {
    std::lock_guard<std::mutex> l(c_.mu_);
    if (c_.open_ == this) c_.open_ = nullptr;
  }
  StatusOr<std::optional<WatchEvent>> Next() override {
    std::unique_lock<std::mutex> l(c_.mu_);
    c_.cv_.wait(l, [&] { return cancelled_ || gen_ != c_.generation_ || !c_.queue_.empty(); });
    if (cancelled_ || gen_ != c_.generation_) return Cancelled("cancelled");
    auto r = std::move(c_.queue_.front());
    c_.queue_.pop_front();
    return r;
  }
  void Cancel() override {
    std::lock_guard<std::mutex> l(c_.mu_);
    cancelled_ = true;
    c_.cv_.notify_all();
  }

 private:
  FakeKubeClient& c_;
  uint64_t gen_;
  bool cancelled_ = false;
};

StatusOr<WatchStreamPtr> FakeKubeClient::Watch(const ResourceRef&, std::string_view,
                                               const WatchOptions& o) {
  std::lock_guard<std::mutex> l(mu_);
  watch_rvs.push_back(o.resource_version);
  queue_.clear();
  auto s = std::make_unique<FakeStream>(*this, ++generation_);
  open_ = s.get();
  return WatchStreamPtr(std::move(s));
}

void FakeKubeClient::Put(const std::string& name, const std::string& data, bool notify) {
  std::lock_guard<std::mutex> l(mu_);
  bool existed = objects_.count(name) > 0;
  Json obj = {{"apiVersion", "v1"},
              {"kind", "ConfigMap"},
              {"metadata",
               {{"name", name},
                {"namespace", "ns"},
                {"uid", "uid-" + name},
                {"resourceVersion", std::to_string(++rv_)},
                {"managedFields", Json::array({{{"manager", "kubectl"}}})}}},
              {"data", {{"v", data}}}};
  objects_[name] = obj;
  if (notify && open_ != nullptr) {
    queue_.push_back(std::optional<WatchEvent>(
        WatchEvent{existed ? WatchEvent::Type::kModified : WatchEvent::Type::kAdded, obj}));
    cv_.notify_all();
  }
}

void FakeKubeClient::Remove(const std::string& name, bool notify) {
  std::lock_guard<std::mutex> l(mu_);
  Json obj = objects_.at(name);
  objects_.erase(name);
  obj["metadata"]["resourceVersion"] = std::to_string(++rv_);
  if (notify && open_ != nullptr) {
    queue_.push_back(std::optional<WatchEvent>(WatchEvent{WatchEvent::Type::kDeleted, obj}));
    cv_.notify_all();
  }
}

void FakeKubeClient::ExpireWatch() {
  std::lock_guard<std::mutex> l(mu_);
  queue_.push_back(std::optional<WatchEvent>(WatchEvent{
      WatchEvent::Type::kError,
      {{"kind", "Status"}, {"code", 410}, {"reason", "Expired"}, {"message", "too old"}}}));
  cv_.notify_all();
}

void FakeKubeClient::BreakWatch() {
  std::lock_guard<std::mutex> l(mu_);
  queue_.push_back(Unavailable("connection reset"));
  cv_.notify_all();
}

bool FakeKubeClient::WatchOpen() {
  std::lock_guard<std::mutex> l(mu_);
  return open_ != nullptr;
}

// Records handler calls as "add x", "update x", "delete x".
struct Recorder {
  std::mutex mu;
  std::vector<std::string> calls;
  void Add(const std::string& s) {
    std::lock_guard<std::mutex> l(mu);
    calls.push_back(s);
  }
  std::vector<std::string> Take() {
    std::lock_guard<std::mutex> l(mu);
    auto out = calls;
    calls.clear();
    return out;
  }
  size_t Size() {
    std::lock_guard<std::mutex> l(mu);
    return calls.size();
  }
  InformerHandlers Handlers() {
    return {[this](const Json& o) { Add("add " + Name(o)); },
            [this](const Json& o, const Json& n) {
              Add("update " + Name(n) + (o == n ? " (resync)" : ""));
            },
            [this](const Json& o) { Add("delete " + Name(o)); }};
  }
};

std::vector<std::string> Sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

TEST(InformerTest, ListWatchRelistWithoutLostDeletesOrPhantoms) {
  FakeKubeClient client;
  client.Put("a", "1", false);
  client.Put("b", "1", false);
  InformerOptions o;
  o.reflector.ns = "ns";
  o.reflector.initial_backoff = 1ms;
  Informer inf(client, resources::kConfigMaps, o);
  Recorder rec;
  inf.AddHandlers(rec.Handlers());
  inf.Start();
  ASSERT_TRUE(inf.WaitForSync(5s));
  ASSERT_TRUE(Eventually([&] { return client.WatchOpen(); }));
  EXPECT_EQ(Sorted(rec.Take()), (std::vector<std::string>{"add a", "add b"}));
  EXPECT_FALSE(inf.Get("ns/a")->at("metadata").contains("managedFields"));

  client.Put("a", "2", true);
  client.Put("c", "1", true);
  client.Remove("b", true);
  ASSERT_TRUE(Eventually([&] { return rec.Size() == 3; }));
  EXPECT_EQ(rec.Take(), (std::vector<std::string>{"update a", "add c", "delete b"}));
  EXPECT_EQ(inf.Size(), 2u);
  // The reflector records an event's version after the handlers ran.
  ASSERT_TRUE(Eventually([&] { return inf.reflector().LastResourceVersion() == client.Rv(); }));
  std::string rv_before = inf.reflector().LastResourceVersion();

  // The watch breaks: the next one resumes from the last version seen.
  client.BreakWatch();
  ASSERT_TRUE(Eventually([&] { return inf.reflector().Watches() == 2 && client.WatchOpen(); }));
  EXPECT_EQ(client.watch_rvs.back(), rv_before);
  EXPECT_EQ(client.lists, 1);

  // Changes the watch never reports, then 410: the relist finds them.
  client.Remove("a", false);
  client.Put("c", "2", false);
  client.Put("d", "1", false);
  client.ExpireWatch();
  ASSERT_TRUE(Eventually([&] { return rec.Size() == 3; }));
  EXPECT_EQ(rec.Take(), (std::vector<std::string>{"delete a", "update c", "add d"}));
  EXPECT_EQ(client.lists, 2);
  EXPECT_FALSE(inf.Get("ns/a"));
  EXPECT_EQ(inf.Get("ns/c")->at("data").at("v"), "2");
  EXPECT_EQ(inf.Size(), 2u);
  inf.Stop();
}

TEST(InformerTest, PeriodicResync) {
  FakeKubeClient client;
  client.Put("a", "1", false);
  InformerOptions o;
  o.resync_period = 20ms;
  Informer inf(client, resources::kConfigMaps, o);
  Recorder rec;
  inf.AddHandlers(rec.Handlers());
  inf.Start();
  ASSERT_TRUE(inf.WaitForSync(5s));
  ASSERT_TRUE(Eventually([&] {
    auto calls = rec.Take();
    return std::find(calls.begin(), calls.end(), "update a (resync)") != calls.end();
  }));
  inf.Stop();
}

TEST(EventRecorderTest, RepeatsBumpCount) {
  FakeKubeClient client;
  FakeClock clock;
  EventRecorder rec(client, clock, "logstack-operator", "op-0");
  Json obj = {{"apiVersion", "logstack.io/v1alpha1"},
              {"kind", "LogStack"},
              {"metadata", {{"name", "ls"}, {"namespace", "ns"}, {"uid", "u1"}}}};
  ASSERT_TRUE(rec.Record(obj, "Normal", "Created", "created StatefulSet ls-logstore").ok());
  ASSERT_EQ(client.created.size(), 1u);
  const Json& ev = client.created[0];
  EXPECT_EQ(ev["involvedObject"]["kind"], "LogStack");
  EXPECT_EQ(ev["involvedObject"]["uid"], "u1");
  EXPECT_EQ(ev["source"]["component"], "logstack-operator");
  EXPECT_EQ(ev["count"], 1);
  EXPECT_EQ(ev["metadata"]["namespace"], "ns");
  EXPECT_EQ(ev["type"], "Normal");

  clock.Advance(5s);
  ASSERT_TRUE(rec.Record(obj, "Normal", "Created", "created StatefulSet ls-logstore").ok());
  EXPECT_EQ(client.created.size(), 1u);
  ASSERT_EQ(client.patches.size(), 1u);
  EXPECT_EQ(client.patches[0].second["count"], 2);
  EXPECT_EQ(client.patches[0].first, "ns/" + Name(ev));

  // A different message is another event.
  ASSERT_TRUE(rec.Record(obj, "Warning", "Failed", "boom").ok());
  EXPECT_EQ(client.created.size(), 2u);

  // The first event expired on the server: a new one is created.
  client.patch_not_found = true;
  ASSERT_TRUE(rec.Record(obj, "Normal", "Created", "created StatefulSet ls-logstore").ok());
  EXPECT_EQ(client.created.size(), 3u);
}

}  // namespace
}  // namespace logstack::kube
