#include "logstore/wal/wal.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/coding.h"
#include "common/fault_injection_env.h"
#include "common/mem_env.h"
#include "logstore/wal/log_reader.h"
#include "tests/mocks/fake_clock.h"

namespace logstack::logstore::wal {
namespace {

constexpr auto kDeadline = std::chrono::seconds(30);
constexpr const char* kDir = "/data/wal";

struct Replayed {
  std::vector<uint64_t> seqs;
  std::vector<std::string> payloads;
  ReplayStats stats;
  Status status;
};

// Counts completions and lets a test wait for a number of them.
class Completions {
 public:
  Wal::Callback Track() {
    return [this](Status s) {
      std::lock_guard<std::mutex> l(mu_);
      if (s.ok()) {
        ok_++;
      } else {
        failed_++;
        last_error_ = s;
      }
      cv_.notify_all();
    };
  }
  // Waits until n callbacks ran in total. Returns false at the deadline.
  bool WaitForTotal(uint64_t n) {
    std::unique_lock<std::mutex> l(mu_);
    return cv_.wait_for(l, kDeadline, [&] { return ok_ + failed_ >= n; });
  }
  uint64_t ok() {
    std::lock_guard<std::mutex> l(mu_);
    return ok_;
  }
  uint64_t failed() {
    std::lock_guard<std::mutex> l(mu_);
    return failed_;
  }
  Status last_error() {
    std::lock_guard<std::mutex> l(mu_);
    return last_error_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t ok_ = 0;
  uint64_t failed_ = 0;
  Status last_error_;
};

// Holds WAL syncs until opened.
class SyncGate {
 public:
  void Pass() {
    std::unique_lock<std::mutex> l(mu_);
    waiting_++;
    cv_.notify_all();
    cv_.wait(l, [this] { return open_; });
  }
  bool WaitForWaiter() {
    std::unique_lock<std::mutex> l(mu_);
    return cv_.wait_for(l, kDeadline, [this] { return waiting_ > 0; });
  }
  void Open() {
    std::lock_guard<std::mutex> l(mu_);
    open_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int waiting_ = 0;
  bool open_ = false;
};

class WalTest : public ::testing::Test {
 protected:
  std::unique_ptr<Wal> OpenWal(WalOptions opts = {}) {
    opts.dir = kDir;
    StatusOr<std::unique_ptr<Wal>> wal = Wal::Open(&env_, &clock_, opts);
    EXPECT_TRUE(wal.ok()) << wal.status().ToString();
    return wal.ok() ? std::move(*wal) : nullptr;
  }

  Replayed Replay(Wal* wal) {
    Replayed r;
    r.status = wal->Replay(
        [&r](uint64_t seq, std::string_view payload) {
          r.seqs.push_back(seq);
          r.payloads.emplace_back(payload);
          return Status::Ok();
        },
        &r.stats);
    return r;
  }

  // Opens the WAL afresh (as after a restart) and replays it.
  Replayed Reopen(WalOptions opts = {}) {
    std::unique_ptr<Wal> wal = OpenWal(opts);
    return Replay(wal.get());
  }

  std::vector<std::string> SegmentFiles() {
    std::vector<std::string> names = *base_.GetChildren(kDir);
    std::sort(names.begin(), names.end());
    return names;
  }

  // The seqs stored in one segment file, read independently of the Wal.
  std::vector<uint64_t> SeqsInSegment(const std::string& name) {
    SequentialFilePtr file = *base_.NewSequentialFile(JoinPath(kDir, name));
    LogReader reader(file.get(), nullptr);
    std::vector<uint64_t> seqs;
    std::string scratch;
    std::string_view record;
    while (reader.ReadRecord(&record, &scratch)) seqs.push_back(DecodeFixed64(record.data()));
    return seqs;
  }

  uint64_t DiskBytes() {
    uint64_t total = 0;
    for (const std::string& name : SegmentFiles())
      total += *base_.GetFileSize(JoinPath(kDir, name));
    return total;
  }

  MemEnv base_;
  FaultInjectionEnv env_{&base_};
  FakeClock clock_;
};

std::string Payload(uint64_t i) {
  return "payload-" + std::to_string(i) + std::string(i % 37, 'x');
}

TEST_F(WalTest, AppendThenReplayAfterReopen) {
  {
    std::unique_ptr<Wal> wal = OpenWal();
    Replayed empty = Replay(wal.get());
    ASSERT_TRUE(empty.status.ok());
    EXPECT_TRUE(empty.seqs.empty());
    ASSERT_TRUE(wal->Start().ok());
    for (uint64_t i = 1; i <= 100; i++) ASSERT_TRUE(wal->AppendSync(Payload(i)).ok());
    EXPECT_EQ(wal->last_seq(), 100u);
    EXPECT_EQ(wal->stats().records.load(), 100u);
  }
  EXPECT_EQ(SegmentFiles(), std::vector<std::string>{"0000000000000001.wal"});

  Replayed r = Reopen();
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  ASSERT_EQ(r.seqs.size(), 100u);
  for (uint64_t i = 1; i <= 100; i++) {
    EXPECT_EQ(r.seqs[i - 1], i);
    EXPECT_EQ(r.payloads[i - 1], Payload(i));
  }
  EXPECT_EQ(r.stats.records, 100u);
  EXPECT_EQ(r.stats.segments, 1u);
  EXPECT_EQ(r.stats.corruptions, 0u);
  EXPECT_EQ(r.stats.corrupt_bytes, 0u);
  uint64_t payload_bytes = 0;
  for (uint64_t i = 1; i <= 100; i++) payload_bytes += Payload(i).size();
  EXPECT_EQ(r.stats.bytes, payload_bytes);
}

TEST_F(WalTest, SeqsContinueAcrossRestartsInNewSegments) {
  uint64_t next = 1;
  for (int generation = 0; generation < 3; generation++) {
    std::unique_ptr<Wal> wal = OpenWal();
    Replayed r = Replay(wal.get());
    ASSERT_TRUE(r.status.ok());
    ASSERT_EQ(r.seqs.size(), next - 1);
    for (size_t i = 0; i < r.seqs.size(); i++) ASSERT_EQ(r.seqs[i], i + 1);
    EXPECT_EQ(wal->last_seq(), next - 1);
    ASSERT_TRUE(wal->Start().ok());
    EXPECT_EQ(wal->segment_count(), static_cast<size_t>(generation + 1));
    for (int i = 0; i < 10; i++) {
      uint64_t seq = wal->Append(Payload(next), [](Status s) { EXPECT_TRUE(s.ok()); });
      EXPECT_EQ(seq, next);
      next++;
    }
    wal->Close();
  }
  EXPECT_EQ(SegmentFiles(),
            (std::vector<std::string>{"0000000000000001.wal", "0000000000000002.wal",
                                      "0000000000000003.wal"}));
}

TEST_F(WalTest, StartWithoutReplayStillContinuesSeqs) {
  {
    std::unique_ptr<Wal> wal = OpenWal();
    ASSERT_TRUE(wal->Start().ok());
    for (int i = 0; i < 5; i++) ASSERT_TRUE(wal->AppendSync("x").ok());
  }
  std::unique_ptr<Wal> wal = OpenWal();
  ASSERT_TRUE(wal->Start().ok());
  EXPECT_EQ(wal->Append("y", [](Status) {}), 6u);
}

TEST_F(WalTest, ReplayStopsAtTheCallbacksError) {
  {
    std::unique_ptr<Wal> wal = OpenWal();
    ASSERT_TRUE(wal->Start().ok());
    for (int i = 0; i < 10; i++) ASSERT_TRUE(wal->AppendSync("x").ok());
  }
  std::unique_ptr<Wal> wal = OpenWal();
  int calls = 0;
  Status s = wal->Replay(
      [&calls](uint64_t seq, std::string_view) {
        calls++;
        return seq == 4 ? InvalidArgument("bad record") : Status::Ok();
      },
      nullptr);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(calls, 4);
  // An interrupted replay does not tell which segments are obsolete.
  EXPECT_EQ(wal->TruncateBefore(100).code(), StatusCode::kFailedPrecondition);
  ASSERT_TRUE(wal->Start().ok());
  EXPECT_EQ(wal->Append("y", [](Status) {}), 11u);
}

TEST_F(WalTest, AppendBeforeStartOrAfterCloseFailsInline) {
  std::unique_ptr<Wal> wal = OpenWal();
  Status got;
  wal->Append("x", [&got](Status s) { got = s; });
  EXPECT_EQ(got.code(), StatusCode::kFailedPrecondition);
  ASSERT_TRUE(wal->Start().ok());
  ASSERT_TRUE(wal->AppendSync("ok").ok());
  wal->Close();
  wal->Close();  // idempotent
  got = Status::Ok();
  wal->Append("x", [&got](Status s) { got = s; });
  EXPECT_EQ(got.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(wal->Start().code(), StatusCode::kFailedPrecondition);
}

TEST_F(WalTest, CloseCompletesEverythingPending) {
  std::unique_ptr<Wal> wal = OpenWal();
  ASSERT_TRUE(wal->Start().ok());
  Completions done;
  for (int i = 0; i < 1000; i++) wal->Append(Payload(i), done.Track());
  wal->Close();
  EXPECT_EQ(done.ok(), 1000u);  // no waiting needed: Close() ran them all
  EXPECT_EQ(wal->stats().pending_records.load(), 0u);
  EXPECT_EQ(Reopen().seqs.size(), 1000u);
}

TEST_F(WalTest, GroupCommitSharesSyncsAmongConcurrentAppenders) {
  std::unique_ptr<Wal> wal = OpenWal();
  ASSERT_TRUE(wal->Start().ok());
  SyncGate gate;
  env_.SetSyncHook([&gate] { gate.Pass(); });

  constexpr int kThreads = 8;
  constexpr int kPerThread = 250;
  constexpr uint64_t kTotal = kThreads * kPerThread;
  Completions done;
  std::mutex order_mu;
  std::vector<uint64_t> completion_order;
  std::set<std::thread::id> callback_threads;
  const std::thread::id test_thread = std::this_thread::get_id();

  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; t++) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; i++) {
        auto track = done.Track();
        // The seq is known only once Append returns, so the callback reads
        // it through a shared slot (filled before the gate opens).
        auto seq_slot = std::make_shared<std::atomic<uint64_t>>(0);
        uint64_t seq = wal->Append(Payload(t * kPerThread + i), [&, track, seq_slot](Status s) {
          {
            std::lock_guard<std::mutex> l(order_mu);
            completion_order.push_back(seq_slot->load());
            callback_threads.insert(std::this_thread::get_id());
          }
          track(s);
        });
        seq_slot->store(seq);
      }
    });
  }
  // The first round is stuck in its sync while every thread appends.
  ASSERT_TRUE(gate.WaitForWaiter());
  for (std::thread& t : threads) t.join();
  gate.Open();
  ASSERT_TRUE(done.WaitForTotal(kTotal));
  env_.SetSyncHook(nullptr);

  EXPECT_EQ(done.ok(), kTotal);
  EXPECT_EQ(done.failed(), 0u);
  EXPECT_LE(wal->stats().fsyncs.load(), 2u);
  EXPECT_EQ(wal->stats().fsyncs.load(), wal->stats().write_rounds.load());
  EXPECT_EQ(wal->last_seq(), kTotal);
  ASSERT_EQ(callback_threads.size(), 1u);
  EXPECT_NE(*callback_threads.begin(), test_thread);
  // Callbacks ran after the gate opened, when every seq slot was filled.
  EXPECT_TRUE(std::is_sorted(completion_order.begin(), completion_order.end()));
  EXPECT_EQ(completion_order.size(), kTotal);
  wal->Close();

  // Every record made it, in seq order, each exactly once.
  Replayed r = Reopen();
  ASSERT_EQ(r.seqs.size(), kTotal);
  std::multiset<std::string> payloads(r.payloads.begin(), r.payloads.end());
  for (uint64_t i = 0; i < kTotal; i++) EXPECT_EQ(payloads.count(Payload(i)), 1u);
  for (uint64_t i = 0; i < kTotal; i++) EXPECT_EQ(r.seqs[i], i + 1);
}

TEST_F(WalTest, ConcurrentAppendersWithoutStallsAllComplete) {
  std::unique_ptr<Wal> wal = OpenWal();
  ASSERT_TRUE(wal->Start().ok());
  constexpr int kThreads = 4;
  constexpr int kPerThread = 2000;
  Completions done;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; t++) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; i++) wal->Append(Payload(i), done.Track());
    });
  }
  for (std::thread& t : threads) t.join();
  ASSERT_TRUE(done.WaitForTotal(kThreads * kPerThread));
  EXPECT_EQ(done.ok(), static_cast<uint64_t>(kThreads * kPerThread));
  const WalStats& st = wal->stats();
  EXPECT_LE(st.fsyncs.load(), static_cast<uint64_t>(kThreads * kPerThread));
  uint64_t in_buckets = 0;
  for (const auto& b : st.fsync_latency_buckets) in_buckets += b.load();
  EXPECT_EQ(in_buckets, st.fsyncs.load());
  wal->WaitIdle();
  EXPECT_EQ(st.pending_records.load(), 0u);
  EXPECT_EQ(st.bytes_written.load(), DiskBytes());
  EXPECT_EQ(wal->disk_bytes(), DiskBytes());
}

TEST_F(WalTest, FsyncLatencyIsMeasuredWithTheClock) {
  std::unique_ptr<Wal> wal = OpenWal();
  ASSERT_TRUE(wal->Start().ok());
  env_.SetSyncHook([this] { clock_.Advance(std::chrono::milliseconds(3)); });
  ASSERT_TRUE(wal->AppendSync("x").ok());
  const WalStats& st = wal->stats();
  EXPECT_EQ(st.fsyncs.load(), 1u);
  EXPECT_EQ(st.fsync_nanos_total.load(), 3'000'000u);
  // 3 ms falls in the (2.5 ms, 5 ms] bucket.
  const auto& bounds = WalStats::kFsyncBucketBoundsMicros;
  size_t bucket = std::find(bounds.begin(), bounds.end(), 5'000u) - bounds.begin();
  EXPECT_EQ(st.fsync_latency_buckets[bucket].load(), 1u);
  env_.SetSyncHook(nullptr);
}

TEST_F(WalTest, NoSyncOptionSkipsFsync) {
  WalOptions opts;
  opts.sync = false;
  std::unique_ptr<Wal> wal = OpenWal(opts);
  ASSERT_TRUE(wal->Start().ok());
  for (int i = 0; i < 10; i++) ASSERT_TRUE(wal->AppendSync("x").ok());
  EXPECT_EQ(wal->stats().fsyncs.load(), 0u);
  EXPECT_GE(wal->stats().write_rounds.load(), 1u);
}

TEST_F(WalTest, SyncErrorFailsThatRoundAndEveryLaterAppend) {
  std::unique_ptr<Wal> wal = OpenWal();
  ASSERT_TRUE(wal->Start().ok());
  ASSERT_TRUE(wal->AppendSync("ok-1").ok());
  ASSERT_TRUE(wal->AppendSync("ok-2").ok());
  EXPECT_TRUE(wal->healthy());

  env_.SetSyncError(IOError("fdatasync: EIO"));
  Status s = wal->AppendSync("lost");
  EXPECT_EQ(s.code(), StatusCode::kIOError);
  EXPECT_EQ(s.message(), "fdatasync: EIO");
  EXPECT_FALSE(wal->healthy());
  EXPECT_EQ(wal->error(), s);
  EXPECT_EQ(wal->stats().errors.load(), 1u);

  // Sticky: the disk recovering does not make the WAL write again.
  env_.SetSyncError(Status::Ok());
  Completions done;
  for (int i = 0; i < 10; i++) wal->Append("later", done.Track());
  ASSERT_TRUE(done.WaitForTotal(10));
  EXPECT_EQ(done.failed(), 10u);
  EXPECT_EQ(done.last_error(), s);
  wal->Close();

  // What was acknowledged is there; nothing after the failure was written.
  Replayed r = Reopen();
  ASSERT_GE(r.payloads.size(), 2u);
  EXPECT_EQ(r.payloads[0], "ok-1");
  EXPECT_EQ(r.payloads[1], "ok-2");
  for (const std::string& p : r.payloads) EXPECT_NE(p, "later");
}

TEST_F(WalTest, WriteErrorAfterSomeAppendsPropagates) {
  std::unique_ptr<Wal> wal = OpenWal();
  ASSERT_TRUE(wal->Start().ok());
  env_.SetWriteError(IOError("ENOSPC"), 3);
  for (int i = 0; i < 3; i++) ASSERT_TRUE(wal->AppendSync("fits").ok());
  EXPECT_EQ(wal->AppendSync("does not").code(), StatusCode::kIOError);
  EXPECT_EQ(wal->AppendSync("neither").code(), StatusCode::kIOError);
  env_.SetWriteError(Status::Ok());
  wal->Close();
  EXPECT_EQ(Reopen().payloads, std::vector<std::string>(3, "fits"));
}

TEST_F(WalTest, CrashLosesNoAcknowledgedRecordAndReturnsNoGarbage) {
  uint64_t replayed_before = 0;
  for (uint64_t seed = 1; seed <= 6; seed++) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::unique_ptr<Wal> wal = OpenWal();
    ASSERT_TRUE(Replay(wal.get()).status.ok());
    const uint64_t first_seq = wal->last_seq() + 1;
    ASSERT_TRUE(wal->Start().ok());

    // Payloads are unique, so a callback needs no seq to say what was acked.
    std::mutex mu;
    std::condition_variable cv;
    std::map<uint64_t, std::string> written;  // seq -> payload
    std::set<std::string> acked;
    std::atomic<bool> stop{false};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; t++) {
      threads.emplace_back([&, t] {
        for (uint64_t i = 0; !stop.load(); i++) {
          std::string payload = Payload(i) + "/t" + std::to_string(t);
          uint64_t seq = wal->Append(payload, [&, payload](Status s) {
            if (!s.ok()) return;
            std::lock_guard<std::mutex> l(mu);
            acked.insert(payload);
            cv.notify_all();
          });
          std::lock_guard<std::mutex> l(mu);
          written[seq] = payload;
        }
      });
    }
    {
      std::unique_lock<std::mutex> l(mu);
      ASSERT_TRUE(cv.wait_for(l, kDeadline, [&] { return acked.size() >= 300; }));
    }
    // Power loss while appends and syncs are in flight; torn tails included.
    ASSERT_TRUE(env_.SimulateCrash(seed).ok());
    stop = true;
    for (std::thread& t : threads) t.join();
    wal->Close();  // its remaining writes fail: the "process" is gone
    wal.reset();
    env_.SetFilesystemActive(true);

    std::unique_ptr<Wal> reopened = OpenWal();
    Replayed r = Replay(reopened.get());
    ASSERT_TRUE(r.status.ok()) << r.status.ToString();
    // Seqs are contiguous from 1: nothing in the middle went missing, and
    // earlier generations are all still there.
    for (size_t i = 0; i < r.seqs.size(); i++) ASSERT_EQ(r.seqs[i], i + 1);
    ASSERT_GE(r.seqs.size(), first_seq - 1);
    EXPECT_GE(r.seqs.size(), replayed_before);
    replayed_before = r.seqs.size();
    std::lock_guard<std::mutex> l(mu);
    // Everything replayed from this generation is exactly what was appended...
    std::set<std::string> replayed;
    for (size_t i = first_seq - 1; i < r.seqs.size(); i++) {
      auto it = written.find(r.seqs[i]);
      ASSERT_NE(it, written.end()) << "seq " << r.seqs[i];
      ASSERT_EQ(r.payloads[i], it->second) << "seq " << r.seqs[i];
      replayed.insert(r.payloads[i]);
    }
    // ...and everything acknowledged survived.
    ASSERT_GE(acked.size(), 300u);
    for (const std::string& p : acked) ASSERT_EQ(replayed.count(p), 1u) << p;
  }
}

TEST_F(WalTest, CrashAfterFailedSyncKeepsExactlyTheDurablePrefix) {
  for (uint64_t seed = 1; seed <= 20; seed++) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    ASSERT_TRUE(env_.RemoveDirRecursively(kDir).ok());
    std::unique_ptr<Wal> wal = OpenWal();
    ASSERT_TRUE(wal->Start().ok());
    for (int i = 0; i < 10; i++) ASSERT_TRUE(wal->AppendSync(Payload(i)).ok());
    env_.SetSyncError(IOError("EIO"));
    Completions done;
    for (int i = 10; i < 15; i++) wal->Append(Payload(i), done.Track());
    ASSERT_TRUE(done.WaitForTotal(5));
    EXPECT_EQ(done.failed(), 5u);
    env_.SetSyncError(Status::Ok());
    ASSERT_TRUE(env_.SimulateCrash(seed).ok());
    wal.reset();
    env_.SetFilesystemActive(true);

    Replayed r = Reopen();
    ASSERT_GE(r.payloads.size(), 10u);
    ASSERT_LE(r.payloads.size(), 15u);
    for (size_t i = 0; i < r.payloads.size(); i++) EXPECT_EQ(r.payloads[i], Payload(i));
  }
}

TEST_F(WalTest, NewSegmentSurvivesACrashBecauseItsDirectoryIsSynced) {
  std::unique_ptr<Wal> wal = OpenWal();
  ASSERT_TRUE(wal->Start().ok());
  ASSERT_TRUE(wal->AppendSync("durable").ok());
  ASSERT_TRUE(env_.SimulateCrash().ok());
  wal.reset();
  env_.SetFilesystemActive(true);
  EXPECT_EQ(Reopen().payloads, std::vector<std::string>{"durable"});
}

TEST_F(WalTest, RotatesWhenTheSegmentPassesItsSize) {
  WalOptions opts;
  opts.segment_size = 1000;
  std::unique_ptr<Wal> wal = OpenWal(opts);
  ASSERT_TRUE(wal->Start().ok());
  for (uint64_t i = 1; i <= 100; i++) ASSERT_TRUE(wal->AppendSync(std::string(100, 'r')).ok());
  std::vector<std::string> files = SegmentFiles();
  // 100 records of 115 framed bytes, 9 per 1000-byte segment.
  EXPECT_GE(files.size(), 10u);
  EXPECT_EQ(wal->segment_count(), files.size());
  EXPECT_EQ(wal->stats().segments_created.load(), files.size());
  for (size_t i = 0; i < files.size(); i++) {
    char expected[32];
    std::snprintf(expected, sizeof(expected), "%016zu.wal", i + 1);
    EXPECT_EQ(files[i], expected);
    if (i + 1 < files.size()) {
      uint64_t size = *base_.GetFileSize(JoinPath(kDir, files[i]));
      EXPECT_GE(size, opts.segment_size);
      EXPECT_LT(size, opts.segment_size + 200);  // rotated after one round past the size
    }
  }
  EXPECT_EQ(wal->disk_bytes(), DiskBytes());
  wal->Close();

  Replayed r = Reopen(opts);
  ASSERT_EQ(r.seqs.size(), 100u);
  for (uint64_t i = 0; i < 100; i++) EXPECT_EQ(r.seqs[i], i + 1);
  EXPECT_EQ(r.stats.segments, files.size());
}

TEST_F(WalTest, TruncateBeforeRemovesOnlyWhollyOlderSegments) {
  WalOptions opts;
  opts.segment_size = 500;
  std::unique_ptr<Wal> wal = OpenWal(opts);
  ASSERT_TRUE(wal->Start().ok());
  for (int i = 0; i < 60; i++) ASSERT_TRUE(wal->AppendSync(std::string(50, 'x')).ok());
  std::vector<std::string> files = SegmentFiles();
  ASSERT_GE(files.size(), 4u);
  std::vector<std::vector<uint64_t>> seqs;
  for (const std::string& f : files) seqs.push_back(SeqsInSegment(f));
  ASSERT_FALSE(seqs[2].empty());

  // A seq inside segment 3: segments 1 and 2 go, 3 stays (it holds older seqs too).
  const uint64_t cut = seqs[2].front() + 1;
  ASSERT_TRUE(wal->TruncateBefore(cut).ok());
  std::vector<std::string> left = SegmentFiles();
  EXPECT_EQ(left, std::vector<std::string>(files.begin() + 2, files.end()));
  EXPECT_EQ(wal->segment_count(), left.size());
  EXPECT_EQ(wal->disk_bytes(), DiskBytes());
  EXPECT_EQ(wal->stats().segments_removed.load(), 2u);

  // Exactly the first seq of segment 4: segment 3 is wholly older.
  ASSERT_TRUE(wal->TruncateBefore(seqs[3].front()).ok());
  EXPECT_EQ(SegmentFiles(), std::vector<std::string>(files.begin() + 3, files.end()));

  // Everything: the segment being written stays.
  ASSERT_TRUE(wal->TruncateBefore(UINT64_MAX).ok());
  EXPECT_EQ(SegmentFiles(), std::vector<std::string>{files.back()});
  EXPECT_EQ(wal->segment_count(), 1u);
  ASSERT_TRUE(wal->AppendSync("still writing").ok());
  wal->Close();

  Replayed r = Reopen(opts);
  ASSERT_FALSE(r.payloads.empty());
  EXPECT_EQ(r.payloads.back(), "still writing");
  EXPECT_EQ(r.seqs.front(), seqs.back().empty() ? 61u : seqs.back().front());
  EXPECT_EQ(r.seqs.back(), 61u);
}

TEST_F(WalTest, TruncateBeforeAfterReplayUsesReplayedSeqs) {
  WalOptions opts;
  opts.segment_size = 300;
  {
    std::unique_ptr<Wal> wal = OpenWal(opts);
    ASSERT_TRUE(wal->Start().ok());
    for (int i = 0; i < 30; i++) ASSERT_TRUE(wal->AppendSync(std::string(40, 'y')).ok());
  }
  std::vector<std::string> files = SegmentFiles();
  ASSERT_GE(files.size(), 3u);
  std::unique_ptr<Wal> wal = OpenWal(opts);
  EXPECT_EQ(wal->TruncateBefore(5).code(), StatusCode::kFailedPrecondition);
  ASSERT_TRUE(Replay(wal.get()).status.ok());
  const std::vector<uint64_t> second = SeqsInSegment(files[1]);
  ASSERT_TRUE(wal->TruncateBefore(second.back() + 1).ok());
  EXPECT_EQ(SegmentFiles(), std::vector<std::string>(files.begin() + 2, files.end()));
}

TEST_F(WalTest, ReplayReportsCorruptionAndGoesOn) {
  WalOptions opts;
  opts.segment_size = 1000;
  {
    std::unique_ptr<Wal> wal = OpenWal(opts);
    ASSERT_TRUE(wal->Start().ok());
    for (uint64_t i = 1; i <= 50; i++) ASSERT_TRUE(wal->AppendSync(Payload(i)).ok());
  }
  std::vector<std::string> files = SegmentFiles();
  ASSERT_GE(files.size(), 2u);
  ASSERT_TRUE(env_.CorruptFile(JoinPath(kDir, files[0]), 30, 0x40).ok());

  Replayed r = Reopen(opts);
  ASSERT_TRUE(r.status.ok());
  EXPECT_GT(r.stats.corruptions, 0u);
  EXPECT_GT(r.stats.corrupt_bytes, 0u);
  EXPECT_NE(r.stats.last_error.find(files[0]), std::string::npos) << r.stats.last_error;
  EXPECT_LT(r.seqs.size(), 50u);
  EXPECT_EQ(r.stats.segments, files.size());
  for (size_t i = 0; i < r.seqs.size(); i++) EXPECT_EQ(r.payloads[i], Payload(r.seqs[i]));
  // The later segments are intact.
  EXPECT_EQ(r.seqs.back(), 50u);
}

TEST_F(WalTest, IgnoresFilesThatAreNotSegments) {
  ASSERT_TRUE(base_.CreateDirs(kDir).ok());
  for (const char* name :
       {"notes.txt", "123.wal", "0000000000000000.wal", "000000000000000x.wal"}) {
    ASSERT_TRUE(base_.NewWritableFile(JoinPath(kDir, name)).ok());
  }
  std::unique_ptr<Wal> wal = OpenWal();
  EXPECT_EQ(wal->segment_count(), 0u);
  ASSERT_TRUE(wal->Start().ok());
  EXPECT_TRUE(base_.FileExists(JoinPath(kDir, "0000000000000001.wal")));
}

TEST_F(WalTest, OpenRejectsBadOptions) {
  EXPECT_EQ(Wal::Open(&env_, &clock_, WalOptions{}).status().code(), StatusCode::kInvalidArgument);
  WalOptions opts;
  opts.dir = kDir;
  opts.segment_size = 0;
  EXPECT_EQ(Wal::Open(&env_, &clock_, opts).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace logstack::logstore::wal
