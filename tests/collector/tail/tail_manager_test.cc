// TailManager on a real pods directory: inotify discovery of new pods and
// containers, the rescan fallback, deleted pods read to their end, partial
// lines joined across a rotation, static targets, restarts from positions
// (clean and damaged), and a writer rotating while the reader runs.

#include "collector/tail/tail_manager.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "collector/positions/positions.h"
#include "common/mem_env.h"
#include "tests/collector/tail/tail_test_util.h"
#include "tests/mocks/fake_clock.h"
#include "tests/testutil/eventually.h"
#include "tests/testutil/logstore_process.h"

namespace logstack::collector::tail {
namespace {

using namespace testing;
using format::AssembledEntry;

constexpr char kUid[] = "0b5c4e7a-1111-2222-3333-444455556666";

struct GotEntry {
  std::string path;
  Target::Kind kind;
  std::string ns, pod, container;
  std::string labels;
  std::string line;
  int64_t ts;
  bool read_time;
  SourcePosition pos;
};

class RecordingSink : public EntrySink {
 public:
  void OnTargetAdded(const Target& t, const SourcePosition*) override { added.push_back(t.path); }
  void OnEntry(const Target& t, const AssembledEntry& e) override {
    entries.push_back({t.path, t.kind, t.pod.namespace_name, t.pod.pod, t.pod.container,
                       t.labels.ToString(), std::string(e.line), e.timestamp_ns, e.read_time,
                       e.position});
  }
  void OnTargetRemoved(const Target& t) override { removed.push_back(t.path); }

  std::vector<std::string> Lines() const {
    std::vector<std::string> out;
    for (const GotEntry& e : entries) out.push_back(e.line);
    return out;
  }
  std::vector<std::string> LinesOf(const std::string& path) const {
    std::vector<std::string> out;
    for (const GotEntry& e : entries) {
      if (e.path == path) out.push_back(e.line);
    }
    return out;
  }

  std::vector<std::string> added;
  std::vector<std::string> removed;
  std::vector<GotEntry> entries;
};

std::vector<std::string> Texts(int from, int to) {
  std::vector<std::string> out;
  for (int i = from; i < to; ++i) out.push_back("line " + std::to_string(i));
  return out;
}

class TailManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    StatusOr<testutil::TempDir> d = testutil::TempDir::Create("tail-manager-test-");
    ASSERT_TRUE(d.ok());
    dir_.emplace(std::move(*d));
    pods_ = dir_->Join("pods");
    ASSERT_EQ(::mkdir(pods_.c_str(), 0755), 0);
  }

  // Makes <pods>/<ns>_<pod>_<uid>/<container>/ and returns the 0.log path.
  std::string Container(const std::string& ns, const std::string& pod,
                        const std::string& container) {
    const std::string pod_dir = pods_ + "/" + ns + "_" + pod + "_" + kUid;
    ::mkdir(pod_dir.c_str(), 0755);
    const std::string c = pod_dir + "/" + container;
    ::mkdir(c.c_str(), 0755);
    return c + "/0.log";
  }

  TailManagerOptions Options() {
    TailManagerOptions o;
    o.pods_dir = pods_;
    return o;
  }

  // Runs rounds until `done` holds (or the deadline).
  template <typename Done>
  bool Pump(TailManager* m, RecordingSink* sink, Done done, size_t budget = 1 << 20) {
    return testutil::Eventually([&] {
      m->ReadRound(budget, sink);
      return done();
    });
  }

  std::optional<testutil::TempDir> dir_;
  std::string pods_;
  FakeClock clock_;
  RecordingSink sink_;
};

TEST_F(TailManagerTest, ReadsExistingPodsWithTheirMetadata) {
  const std::string a = Container("shop", "web-1", "app");
  const std::string b = Container("shop", "web-1", "sidecar");
  AppendFile(a, Numbered(0, 3));
  AppendFile(b, Numbered(3, 5));
  TailManager m(Options(), &clock_, nullptr);
  m.Start(&sink_);
  EXPECT_EQ(m.target_count(), 2u);
  ASSERT_TRUE(Pump(&m, &sink_, [&] { return sink_.entries.size() == 5; }));
  EXPECT_EQ(sink_.LinesOf(a), Texts(0, 3));
  EXPECT_EQ(sink_.LinesOf(b), Texts(3, 5));
  const GotEntry& e = sink_.entries.front();
  EXPECT_EQ(e.kind, Target::Kind::kPodLog);
  EXPECT_EQ(e.ns, "shop");
  EXPECT_EQ(e.pod, "web-1");
  EXPECT_FALSE(e.read_time);
  const std::string last = sink_.LinesOf(a).back();
  // Positions resolve to the family's key and file.
  const GotEntry* ea = nullptr;
  for (const GotEntry& g : sink_.entries) {
    if (g.path == a) ea = &g;
  }
  ASSERT_NE(ea, nullptr);
  auto rec = m.sources().ToRecord(ea->pos);
  ASSERT_TRUE(rec.has_value());
  EXPECT_EQ(rec->first, a);
  EXPECT_EQ(rec->second.ino, Stat(a).st_ino);
  EXPECT_EQ(rec->second.offset, Stat(a).st_size);
}

TEST_F(TailManagerTest, InotifyDiscoversNewPodsAndContainers) {
  TailManager m(Options(), &clock_, nullptr);  // the fake clock never makes a rescan due
  m.Start(&sink_);
  EXPECT_EQ(m.target_count(), 0u);
  const std::string a = Container("ns1", "p1", "c1");
  AppendFile(a, Numbered(0, 2));
  ASSERT_TRUE(Pump(&m, &sink_, [&] { return sink_.entries.size() == 2; }));
  // A second container in the same pod, and a second pod.
  const std::string b = Container("ns1", "p1", "c2");
  AppendFile(b, Numbered(2, 3));
  const std::string c = Container("ns2", "p2", "c1");
  AppendFile(c, Numbered(3, 4));
  ASSERT_TRUE(Pump(&m, &sink_, [&] { return sink_.entries.size() == 4; }));
  // A restarted container's new log.
  const std::string a1 = a.substr(0, a.size() - 5) + "1.log";
  AppendFile(a1, Numbered(4, 5));
  // Writes to a known file.
  AppendFile(a, Numbered(5, 6));
  ASSERT_TRUE(Pump(&m, &sink_, [&] { return sink_.entries.size() == 6; }));
  EXPECT_EQ(sink_.LinesOf(a), (std::vector<std::string>{"line 0", "line 1", "line 5"}));
  EXPECT_EQ(sink_.LinesOf(a1), Texts(4, 5));
  EXPECT_EQ(m.target_count(), 4u);
  EXPECT_EQ(m.stats().rescans.load(), 1u);  // the one at start only
}

TEST_F(TailManagerTest, RescanFindsWhatInotifyDoesNot) {
  TailManagerOptions o = Options();
  o.use_inotify = false;
  o.rescan_interval = std::chrono::seconds(10);
  TailManager m(o, &clock_, nullptr);
  m.Start(&sink_);
  const std::string a = Container("ns", "p", "c");
  AppendFile(a, Numbered(0, 3));
  m.ReadRound(1 << 20, &sink_);
  EXPECT_TRUE(sink_.entries.empty());
  clock_.Advance(std::chrono::seconds(11));
  m.ReadRound(1 << 20, &sink_);
  EXPECT_EQ(sink_.Lines(), Texts(0, 3));
  // Without inotify, new data is found by the next rescan too.
  AppendFile(a, Numbered(3, 4));
  m.ReadRound(1 << 20, &sink_);
  EXPECT_EQ(sink_.entries.size(), 3u);
  clock_.Advance(std::chrono::seconds(11));
  m.ReadRound(1 << 20, &sink_);
  EXPECT_EQ(sink_.Lines(), Texts(0, 4));
}

TEST_F(TailManagerTest, DeletedPodIsReadToTheEnd) {
  const std::string a = Container("ns", "doomed", "c");
  AppendFile(a, Numbered(0, 1000));
  AppendFile(a, Cri(1000, "partial", 'P'));  // never completed
  TailManager m(Options(), &clock_, nullptr);
  m.Start(&sink_);
  m.ReadRound(1000, &sink_);  // behind
  EXPECT_LT(sink_.entries.size(), 1000u);
  std::filesystem::remove_all(pods_ + "/ns_doomed_" + kUid);
  ASSERT_TRUE(Pump(
      &m, &sink_, [&] { return !sink_.removed.empty(); }, 4096));
  std::vector<std::string> want = Texts(0, 1000);
  want.push_back("partial");  // flushed when the family ended
  EXPECT_EQ(sink_.Lines(), want);
  EXPECT_EQ(sink_.removed, std::vector<std::string>{a});
  EXPECT_EQ(m.target_count(), 0u);
  EXPECT_EQ(m.sources().live(), 0u);
  EXPECT_EQ(m.stats().open_files.load(), 0);
}

TEST_F(TailManagerTest, PartialLineJoinedAcrossRotation) {
  const std::string a = Container("ns", "p", "c");
  AppendFile(a, Cri(1, "first half, ", 'P'));
  TailManager m(Options(), &clock_, nullptr);
  m.Start(&sink_);
  m.ReadRound(1 << 20, &sink_);
  Rename(a, a + ".20240115-083000");
  AppendFile(a, Cri(2, "second half") + Cri(3, "next"));
  ASSERT_TRUE(Pump(&m, &sink_, [&] { return sink_.entries.size() == 2; }));
  EXPECT_EQ(sink_.Lines(), (std::vector<std::string>{"first half, second half", "next"}));
  // The joined entry has the first piece's timestamp.
  EXPECT_EQ(sink_.entries[0].ts, 1705305601LL * 1'000'000'000 + 1);
}

TEST_F(TailManagerTest, StaticTargetsByGlob) {
  const std::string node = dir_->Join("node");
  ASSERT_EQ(::mkdir(node.c_str(), 0755), 0);
  AppendFile(node + "/kern.log", "kernel says hi\n");
  AppendFile(node + "/other.txt", "not matched\n");
  TailManagerOptions o;
  StaticTarget st;
  st.glob = node + "/*.log";
  st.labels = LabelSet({{"job", "node/kern"}, {"node_name", "n1"}});
  o.static_targets.push_back(st);
  TailManager m(o, &clock_, nullptr);
  m.Start(&sink_);
  ASSERT_TRUE(Pump(&m, &sink_, [&] { return sink_.entries.size() == 1; }));
  const GotEntry& e = sink_.entries[0];
  EXPECT_EQ(e.kind, Target::Kind::kStatic);
  EXPECT_EQ(e.labels, "{job=\"node/kern\", node_name=\"n1\"}");
  EXPECT_EQ(e.line, "kernel says hi");
  EXPECT_TRUE(e.read_time);  // raw lines: the time they were read
  EXPECT_EQ(e.ts, clock_.NowNanos());
  // A matching file created later is found through the directory's watch.
  AppendFile(node + "/audit.log", "audit\n");
  ASSERT_TRUE(Pump(&m, &sink_, [&] { return sink_.entries.size() == 2; }));
  EXPECT_EQ(sink_.entries[1].path, node + "/audit.log");
}

TEST_F(TailManagerTest, OddNamesAreRejectedAndCounted) {
  ::mkdir((pods_ + "/not-a-pod-dir").c_str(), 0755);
  ::mkdir((pods_ + "/a_b").c_str(), 0755);
  AppendFile(pods_ + "/stray-file.log", "x\n");
  const std::string ok = Container("ns", "p", "c");
  AppendFile(ok, "fine\n");
  AppendFile(ok.substr(0, ok.size() - 5) + "notes.txt", "ignored\n");
  TailManager m(Options(), &clock_, nullptr);
  m.Start(&sink_);
  EXPECT_EQ(m.target_count(), 1u);
  EXPECT_EQ(m.stats().paths_rejected.load(), 3u);
  ::mkdir((pods_ + "/also_bad").c_str(), 0755);
  ASSERT_TRUE(Pump(&m, &sink_, [&] { return m.stats().paths_rejected.load() == 4u; }));
  // Rejected once each, not on every rescan.
  clock_.Advance(std::chrono::seconds(60));
  m.ReadRound(1 << 20, &sink_);
  EXPECT_EQ(m.stats().paths_rejected.load(), 4u);
}

TEST_F(TailManagerTest, ResumesFromPositionsAfterRestart) {
  const std::string a = Container("ns", "p", "c");
  AppendFile(a, Numbered(0, 10));
  MemEnv env;
  std::unique_ptr<positions::Positions> pos;
  {
    pos = std::move(*positions::Positions::Open(&env, "/state/positions"));
    TailManager m(Options(), &clock_, pos.get());
    m.Start(&sink_);
    ASSERT_TRUE(Pump(&m, &sink_, [&] { return sink_.entries.size() == 10; }));
    // The store acknowledged the first 6 entries.
    auto rec = m.sources().ToRecord(sink_.entries[5].pos);
    ASSERT_TRUE(rec.has_value());
    pos->Set(rec->first, rec->second);
    ASSERT_TRUE(pos->Save().ok());
  }
  // Down for a while: the file grew and rotated.
  AppendFile(a, Numbered(10, 12));
  Rename(a, a + ".20240115-083000");
  AppendFile(a, Numbered(12, 14));

  sink_.entries.clear();
  pos = std::move(*positions::Positions::Open(&env, "/state/positions"));
  TailManager m(Options(), &clock_, pos.get());
  m.Start(&sink_);
  ASSERT_TRUE(Pump(&m, &sink_, [&] { return sink_.entries.size() >= 8; }));
  EXPECT_EQ(sink_.Lines(), Texts(6, 14));
  EXPECT_EQ(m.stats().resumed.load(), 1u);
}

TEST_F(TailManagerTest, DamagedPositionsStartExistingFilesAtTheirEnd) {
  const std::string a = Container("ns", "p", "c");
  AppendFile(a, Numbered(0, 10));
  MemEnv env;
  ASSERT_TRUE(env.CreateDirs("/state").ok());
  ASSERT_TRUE(
      WriteFileAtomically(&env, "/state/positions", "logstack-positions v1\n\"/x\" garb").ok());
  auto pos = std::move(*positions::Positions::Open(&env, "/state/positions"));
  ASSERT_TRUE(pos->loaded_corrupt());
  TailManager m(Options(), &clock_, pos.get());
  m.Start(&sink_);
  m.ReadRound(1 << 20, &sink_);
  EXPECT_TRUE(sink_.entries.empty());
  EXPECT_EQ(m.stats().started_at_end.load(), 1u);
  // New lines of that file are read; a pod that appears later is read whole.
  AppendFile(a, Numbered(10, 11));
  const std::string b = Container("ns", "new", "c");
  AppendFile(b, Numbered(20, 22));
  ASSERT_TRUE(Pump(&m, &sink_, [&] { return sink_.entries.size() == 3; }));
  EXPECT_EQ(sink_.LinesOf(a), Texts(10, 11));
  EXPECT_EQ(sink_.LinesOf(b), Texts(20, 22));
}

TEST_F(TailManagerTest, StopWakesWait) {
  TailManager m(Options(), &clock_, nullptr);
  m.Start(&sink_);
  std::atomic<bool> returned{false};
  std::thread t([&] {
    m.Wait(std::chrono::hours(1));
    returned = true;
  });
  m.Stop();
  EXPECT_TRUE(testutil::Eventually([&] { return returned.load(); }));
  t.join();
  EXPECT_TRUE(m.stopping());
}

TEST_F(TailManagerTest, RunUntilStop) {
  const std::string a = Container("ns", "p", "c");
  AppendFile(a, Numbered(0, 100));
  TailManager m(Options(), &RealClock::Default(), nullptr);
  class CountingSink : public EntrySink {
   public:
    void OnEntry(const Target&, const AssembledEntry&) override { n.fetch_add(1); }
    std::atomic<int> n{0};
  } sink;
  m.Start(&sink);
  std::thread t([&] { m.Run(&sink, 4096); });
  EXPECT_TRUE(testutil::Eventually([&] { return sink.n.load() == 100; }));
  AppendFile(a, Numbered(100, 150));  // Run wakes on inotify
  EXPECT_TRUE(testutil::Eventually([&] { return sink.n.load() == 150; }));
  m.Stop();
  t.join();
}

// A container writing while kubelet rotates its log every few hundred lines,
// compressing and deleting all but the newest rotated file, and a reader
// running at the same time with a small budget: every line arrives once, in
// order. The writer rotates only once the reader has opened the current file
// (kubelet's rotation interval is seconds; the reader sees each file), but
// does not wait for it to be read: the reader is behind.
TEST_F(TailManagerTest, ConcurrentWriterWithRotationsAndGzip) {
  const std::string a = Container("ns", "busy", "c");
  AppendFile(a, "");
  TailManager m(Options(), &RealClock::Default(), nullptr);
  m.Start(&sink_);
  constexpr int kLines = 5000;
  constexpr int kPerFile = 400;
  std::atomic<bool> writer_done{false};
  std::thread writer([&] {
    std::vector<std::string> rotated;
    int files = 1;
    for (int i = 0; i < kLines; ++i) {
      AppendFile(a, Cri(i, "line " + std::to_string(i)));
      if (i % kPerFile == kPerFile - 1) {
        // Wait until the reader holds the current file open.
        const uint64_t want = static_cast<uint64_t>(files);
        ASSERT_TRUE(testutil::Eventually([&] { return m.stats().files_opened.load() >= want; }));
        const std::string r = a + ".rotated-" + std::to_string(100 + files);
        Rename(a, r);
        AppendFile(a, "");
        ++files;
        rotated.push_back(r);
        // Half of them as kubelet compresses, half as gzip(1) does.
        if (rotated.size() >= 2) GzipAndDelete(rotated[rotated.size() - 2], files % 2 == 0);
      }
    }
    writer_done = true;
  });
  const bool all = Pump(
      &m, &sink_, [&] { return sink_.entries.size() >= static_cast<size_t>(kLines); }, 8192);
  writer.join();
  ASSERT_TRUE(all) << sink_.entries.size();
  const std::vector<std::string> got = sink_.Lines(), want = Texts(0, kLines);
  size_t i = 0;
  while (i < got.size() && i < want.size() && got[i] == want[i]) ++i;
  EXPECT_EQ(i, want.size()) << "got " << got.size() << " lines; first difference at " << i << ": "
                            << (i < got.size() ? got[i] : "(end)") << " instead of "
                            << (i < want.size() ? want[i] : "(end)");
  EXPECT_EQ(got.size(), want.size());
  EXPECT_EQ(m.stats().files_lost.load(), 0u);
}

}  // namespace
}  // namespace logstack::collector::tail
