// Sender: retries with backoff on the fake clock until delivered, in order,
// once; refusals are counted and acknowledged; the queue is bounded; Stop()
// drains until its deadline. Against a scripted fake Loki, and the real store.

#include "collector/ship/sender.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <time.h>

#include <chrono>
#include <future>
#include <mutex>
#include <string>
#include <vector>

#include "collector/ship/push_encoder.h"
#include "tests/collector/ship/fake_loki.h"
#include "tests/mocks/fake_clock.h"
#include "tests/testutil/eventually.h"
#include "tests/testutil/http_client.h"
#include "tests/testutil/logstore_process.h"
#include "tests/testutil/push_client.h"

namespace logstack::collector {
namespace {

using shiptest::FakeLoki;
using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::ElementsAre;
using testutil::Eventually;

int64_t Ns(std::chrono::nanoseconds d) { return d.count(); }

class SenderTest : public ::testing::Test {
 protected:
  struct Ack {
    uint64_t sequence;
    AckInfo info;
    std::vector<SourcePosition> positions;
  };

  void SetUp() override { ASSERT_TRUE(loki_.Start().ok()); }
  void TearDown() override {
    if (sender_) sender_->Stop(std::chrono::nanoseconds(0));
  }

  SenderOptions Options(const std::string& url) {
    SenderOptions opts;
    opts.http.url = url;
    opts.jitter_seed = 1;
    opts.clock_poll_interval = milliseconds(1);
    return opts;
  }

  void StartSender(SenderOptions opts) {
    auto s = Sender::Create(std::move(opts), &clock_, &registry_,
                            [this](BatchPtr batch, const AckInfo& info) {
                              std::lock_guard<std::mutex> lock(mu_);
                              acks_.push_back({batch->sequence, info, batch->positions});
                            });
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    sender_ = std::move(*s);
  }
  void StartSender() { StartSender(Options(loki_.url())); }

  // A batch with `lines` lines "<tag> i" and the position (source, lines).
  BatchPtr MakeBatch(const std::string& tag, int lines = 2, uint64_t source = 1,
                     std::string tenant = "") {
    PushEncoder enc(std::move(tenant), &clock_);
    uint32_t s = enc.StreamId(R"({app="sender-test"})");
    for (int i = 0; i < lines; ++i) enc.Append(s, 1000 + i, tag + " " + std::to_string(i));
    enc.AddPosition(source, lines);
    BatchPtr b = enc.Finish();
    b->sequence = ++sequence_;
    return b;
  }

  void EnqueueOrFail(BatchPtr b) { ASSERT_TRUE(sender_->TryEnqueue(b)); }

  std::vector<Ack> acks() {
    std::lock_guard<std::mutex> lock(mu_);
    return acks_;
  }
  std::vector<uint64_t> AckedSequences() {
    std::vector<uint64_t> seqs;
    for (const Ack& a : acks()) seqs.push_back(a.sequence);
    return seqs;
  }
  bool AckedCount(size_t n) { return acks().size() == n; }

  std::optional<double> Metric(std::string_view name, const testutil::LabelList& labels = {}) {
    return testutil::MetricValue(registry_.Render(), name, labels);
  }

  FakeClock clock_;
  metrics::Registry registry_;
  FakeLoki loki_;
  std::unique_ptr<Sender> sender_;
  std::mutex mu_;
  std::vector<Ack> acks_;
  uint64_t sequence_ = 0;
};

TEST_F(SenderTest, DeliversInOrder) {
  StartSender();
  for (int i = 0; i < 5; ++i) EnqueueOrFail(MakeBatch("b" + std::to_string(i), 3, 10 + i));
  // acked_batches counts after on_ack returned and the queue let go.
  ASSERT_TRUE(Eventually([&] { return sender_->stats().acked_batches == 5; }));
  EXPECT_THAT(AckedSequences(), ElementsAre(1, 2, 3, 4, 5));
  auto reqs = loki_.requests();
  ASSERT_EQ(reqs.size(), 5u);
  EXPECT_THAT(reqs[2].Lines(), ElementsAre("b2 0", "b2 1", "b2 2"));
  EXPECT_FALSE(reqs[0].HasHeader("X-Scope-OrgID"));
  EXPECT_FALSE(reqs[0].HasHeader("Content-Encoding"));
  EXPECT_EQ(reqs[0].Header("Content-Type"), "application/x-protobuf");
  for (const Ack& a : acks()) {
    EXPECT_EQ(a.info.status, 204);
    EXPECT_EQ(a.info.attempts, 1);
    ASSERT_EQ(a.positions.size(), 1u);
  }
  EXPECT_EQ(acks()[3].positions[0].source, 13u);
  auto st = sender_->stats();
  EXPECT_EQ(st.sent_batches, 5u);
  EXPECT_EQ(st.sent_lines, 15u);
  EXPECT_EQ(st.retries, 0u);
  EXPECT_EQ(Metric("logstack_collector_sent_batches_total"), 5);
  EXPECT_EQ(Metric("logstack_collector_sent_entries_total"), 15);
  EXPECT_EQ(Metric("logstack_collector_request_duration_seconds_count"), 5);
  EXPECT_EQ(Metric("logstack_collector_batch_latency_seconds_count"), 5);
  EXPECT_EQ(Metric("logstack_collector_queue_batches"), 0);
}

// 500, then 429 with Retry-After, then 204: the batch arrives once, after
// the backoff and the Retry-After waits, which pass on the fake clock only.
TEST_F(SenderTest, RetriesServerErrorsAndHonoursRetryAfter) {
  loki_.Script({{500, "", "ingester down", false}, {429, "7", "rate limited", false}});
  StartSender();
  EnqueueOrFail(MakeBatch("a"));
  EnqueueOrFail(MakeBatch("b"));

  // After the 500: the first backoff, whose ceiling is min (500 ms).
  ASSERT_TRUE(Eventually([&] { return sender_->stats().retry_at_mono_ns != 0; }));
  auto st = sender_->stats();
  EXPECT_EQ(st.retry_wait_ns, Ns(milliseconds(500)));
  EXPECT_EQ(st.retry_at_mono_ns, clock_.MonotonicNanos() + Ns(milliseconds(500)));
  EXPECT_EQ(loki_.request_count(), 1u);
  EXPECT_EQ(st.last_status, 500);
  clock_.Advance(milliseconds(500));

  // After the 429: Retry-After's 7 s.
  ASSERT_TRUE(Eventually([&] {
    auto s = sender_->stats();
    return s.retry_at_mono_ns != 0 && s.last_status == 429;
  }));
  EXPECT_EQ(sender_->stats().retry_wait_ns, Ns(seconds(7)));
  EXPECT_EQ(loki_.request_count(), 2u);
  EXPECT_TRUE(acks().empty());
  clock_.Advance(seconds(7));

  ASSERT_TRUE(Eventually([&] { return AckedCount(2); }));
  EXPECT_THAT(AckedSequences(), ElementsAre(1, 2));
  EXPECT_EQ(acks()[0].info.attempts, 3);
  EXPECT_EQ(acks()[1].info.attempts, 1);
  auto reqs = loki_.requests();
  ASSERT_EQ(reqs.size(), 4u);
  EXPECT_EQ(reqs[0].body, reqs[1].body);  // the same bytes each time
  EXPECT_EQ(reqs[1].body, reqs[2].body);
  EXPECT_THAT(reqs[3].Lines(), ElementsAre("b 0", "b 1"));
  st = sender_->stats();
  EXPECT_EQ(st.retries, 2u);
  EXPECT_EQ(st.retries_by_reason["500"], 1u);
  EXPECT_EQ(st.retries_by_reason["429"], 1u);
  EXPECT_EQ(Metric("logstack_collector_retries_total", {{"reason", "429"}}), 1);
  EXPECT_EQ(Metric("logstack_collector_sent_batches_total"), 2);
}

TEST_F(SenderTest, BackoffGrowsAndRetryAfterIsClamped) {
  // An HTTP date 30 s ahead of the fake clock's wall time.
  time_t t = static_cast<time_t>(clock_.NowNanos() / 1'000'000'000 + 30);
  struct tm tm;
  gmtime_r(&t, &tm);
  char date[64];
  strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  loki_.Script({{503, "", "", false},
                {503, "", "", false},
                {503, "", "", false},
                {503, date, "", false},
                {429, "100000", "", false}});
  SenderOptions opts = Options(loki_.url());
  opts.backoff = {milliseconds(100), seconds(60)};
  StartSender(opts);
  EnqueueOrFail(MakeBatch("a"));

  std::vector<int64_t> waits;
  int64_t now_at_date = 0;
  for (size_t i = 1; i <= 5; ++i) {
    ASSERT_TRUE(Eventually(
        [&] { return loki_.request_count() == i && sender_->stats().retry_at_mono_ns != 0; }));
    int64_t w = sender_->stats().retry_wait_ns;
    waits.push_back(w);
    if (i == 4) now_at_date = clock_.NowNanos();
    clock_.Advance(std::chrono::nanoseconds(w));
  }
  ASSERT_TRUE(Eventually([&] { return AckedCount(1); }));
  // Full jitter: the n-th wait lies in [min, min * 2^(n-1)].
  EXPECT_EQ(waits[0], Ns(milliseconds(100)));
  EXPECT_GE(waits[1], Ns(milliseconds(100)));
  EXPECT_LE(waits[1], Ns(milliseconds(200)));
  EXPECT_GE(waits[2], Ns(milliseconds(100)));
  EXPECT_LE(waits[2], Ns(milliseconds(400)));
  EXPECT_EQ(waits[3], static_cast<int64_t>(t) * 1'000'000'000 - now_at_date);  // the date
  EXPECT_GT(waits[3], Ns(seconds(29)));
  EXPECT_EQ(waits[4], Ns(seconds(60)));  // 100000 s, clamped to max
}

TEST_F(SenderTest, RefusalIsCountedAndAcknowledged) {
  loki_.Script({{400, "", "entry for stream '{app=\"x\"}' has timestamp too old", false}});
  StartSender();
  EnqueueOrFail(MakeBatch("refused", 4));
  EnqueueOrFail(MakeBatch("fine"));
  ASSERT_TRUE(Eventually([&] { return AckedCount(2); }));
  EXPECT_THAT(AckedSequences(), ElementsAre(1, 2));
  EXPECT_EQ(acks()[0].info.status, 400);
  EXPECT_EQ(acks()[0].info.attempts, 1);
  EXPECT_THAT(acks()[0].info.message, ::testing::HasSubstr("too old"));
  EXPECT_EQ(acks()[1].info.status, 204);
  EXPECT_EQ(loki_.request_count(), 2u);
  auto st = sender_->stats();
  EXPECT_EQ(st.dropped_batches_by_reason["400"], 1u);
  EXPECT_EQ(st.dropped_lines, 4u);
  EXPECT_EQ(st.retries, 0u);
  EXPECT_EQ(Metric("logstack_collector_dropped_batches_total", {{"reason", "400"}}), 1);
  EXPECT_EQ(Metric("logstack_collector_dropped_entries_total", {{"reason", "400"}}), 4);
}

TEST_F(SenderTest, ConnectionRefusedThenTheServerAppears) {
  uint16_t port;
  {
    FakeLoki gone;
    ASSERT_TRUE(gone.Start().ok());
    port = gone.port();
  }
  StartSender(Options("http://127.0.0.1:" + std::to_string(port) + "/loki/api/v1/push"));
  EnqueueOrFail(MakeBatch("late"));
  ASSERT_TRUE(Eventually([&] { return sender_->stats().retry_at_mono_ns != 0; }));
  EXPECT_EQ(sender_->stats().retries_by_reason["network"], 1u);

  FakeLoki loki(port);
  ASSERT_TRUE(loki.Start().ok());
  clock_.Advance(std::chrono::nanoseconds(sender_->stats().retry_wait_ns));
  ASSERT_TRUE(Eventually([&] { return AckedCount(1); }));
  EXPECT_EQ(acks()[0].info.status, 204);
  EXPECT_EQ(loki.request_count(), 1u);
  EXPECT_THAT(loki.requests()[0].Lines(), ElementsAre("late 0", "late 1"));
}

TEST_F(SenderTest, BoundedQueueBlocksTheProducer) {
  loki_.Script({{204, "", "", true}});  // the first request hangs
  SenderOptions opts = Options(loki_.url());
  opts.max_queue_batches = 2;
  StartSender(opts);
  EnqueueOrFail(MakeBatch("a"));
  ASSERT_TRUE(Eventually([&] { return loki_.hanging() == 1; }));
  EnqueueOrFail(MakeBatch("b"));

  BatchPtr c = MakeBatch("c");
  EXPECT_FALSE(sender_->HasRoom(1));
  EXPECT_FALSE(sender_->TryEnqueue(c));
  ASSERT_NE(c, nullptr);  // still the caller's
  EXPECT_FALSE(sender_->Enqueue(c, milliseconds(1)));
  EXPECT_EQ(sender_->stats().queued_batches, 2u);

  auto blocked = std::async(std::launch::async, [&] { return sender_->Enqueue(c); });
  EXPECT_EQ(blocked.wait_for(std::chrono::seconds(0)), std::future_status::timeout);
  loki_.Release();
  ASSERT_TRUE(blocked.get());
  EXPECT_EQ(c, nullptr);
  ASSERT_TRUE(Eventually([&] { return AckedCount(3); }));
  EXPECT_THAT(AckedSequences(), ElementsAre(1, 2, 3));
}

TEST_F(SenderTest, QueueIsBoundedByBytes) {
  loki_.Script({{204, "", "", true}});
  SenderOptions opts = Options(loki_.url());
  opts.max_queue_bytes = 1;  // less than any batch
  StartSender(opts);
  // A batch larger than the bound is still taken into an empty queue.
  EnqueueOrFail(MakeBatch("big", 100));
  BatchPtr next = MakeBatch("next");
  EXPECT_FALSE(sender_->TryEnqueue(next));
  EXPECT_GT(sender_->stats().queued_bytes, 1u);
  EXPECT_GT(*Metric("logstack_collector_queue_bytes"), 1);
  ASSERT_TRUE(Eventually([&] { return loki_.hanging() == 1; }));
  loki_.Release();
  ASSERT_TRUE(Eventually([&] { return sender_->TryEnqueue(next); }));
  ASSERT_TRUE(Eventually([&] { return AckedCount(2); }));
}

TEST_F(SenderTest, PositionsOnlyBatchIsAcknowledgedWithoutARequest) {
  StartSender();
  EnqueueOrFail(MakeBatch("a"));
  PushEncoder enc("", &clock_);
  enc.AddPosition(9, 1234);
  BatchPtr only_positions = enc.Finish();
  only_positions->sequence = ++sequence_;
  EnqueueOrFail(std::move(only_positions));
  ASSERT_TRUE(Eventually([&] { return AckedCount(2); }));
  EXPECT_THAT(AckedSequences(), ElementsAre(1, 2));
  EXPECT_EQ(acks()[1].info.status, 0);
  EXPECT_EQ(acks()[1].info.attempts, 0);
  EXPECT_EQ(acks()[1].positions[0].offset, 1234);
  EXPECT_EQ(loki_.request_count(), 1u);
}

TEST_F(SenderTest, Tenants) {
  StartSender();
  EnqueueOrFail(MakeBatch("a", 1, 1, "team-a"));
  EnqueueOrFail(MakeBatch("evil", 1, 1, "x\r\nX-Evil: 1"));
  ASSERT_TRUE(Eventually([&] { return AckedCount(2); }));
  auto reqs = loki_.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].Header("X-Scope-OrgID"), "team-a");
  EXPECT_EQ(acks()[1].info.status, 0);
  EXPECT_EQ(sender_->stats().dropped_batches_by_reason["invalid_tenant"], 1u);
}

TEST_F(SenderTest, StopDrainsTheQueue) {
  loki_.Script({{204, "", "", true}});
  StartSender();
  for (int i = 0; i < 4; ++i) EnqueueOrFail(MakeBatch("d" + std::to_string(i)));
  ASSERT_TRUE(Eventually([&] { return loki_.hanging() == 1; }));
  auto stop = std::async(std::launch::async, [&] { sender_->Stop(seconds(30)); });
  // Stopping: no new batch is taken, the queued ones still go out.
  BatchPtr late = MakeBatch("late");
  ASSERT_TRUE(Eventually([&] { return !sender_->HasRoom(0); }));
  EXPECT_FALSE(sender_->TryEnqueue(late));
  loki_.Release();
  stop.get();
  EXPECT_THAT(AckedSequences(), ElementsAre(1, 2, 3, 4));
  EXPECT_EQ(loki_.request_count(), 4u);
  EXPECT_EQ(sender_->stats().queued_batches, 0u);
}

TEST_F(SenderTest, StopGivesUpAtItsDeadlineWithoutAcknowledging) {
  loki_.Script({{204, "", "", true}});
  StartSender();
  EnqueueOrFail(MakeBatch("a"));
  EnqueueOrFail(MakeBatch("b"));
  ASSERT_TRUE(Eventually([&] { return loki_.hanging() == 1; }));
  auto stop = std::async(std::launch::async, [&] { sender_->Stop(seconds(5)); });
  // Stop() has read the clock once it refuses batches.
  ASSERT_TRUE(Eventually([&] { return !sender_->HasRoom(0); }));
  EXPECT_EQ(stop.wait_for(std::chrono::seconds(0)), std::future_status::timeout);
  clock_.Advance(seconds(5));
  stop.get();
  EXPECT_TRUE(acks().empty());
  EXPECT_EQ(sender_->stats().queued_batches, 0u);
  EXPECT_EQ(Metric("logstack_collector_queue_batches"), 0);
}

TEST_F(SenderTest, StopInterruptsABackoffWait) {
  loki_.Script({{503, "", "", false}});
  SenderOptions opts = Options(loki_.url());
  opts.backoff = {seconds(60), seconds(60)};
  StartSender(opts);
  EnqueueOrFail(MakeBatch("a"));
  ASSERT_TRUE(Eventually([&] { return sender_->stats().retry_at_mono_ns != 0; }));
  sender_->Stop(std::chrono::nanoseconds(0));
  EXPECT_TRUE(acks().empty());
  EXPECT_EQ(loki_.request_count(), 1u);
}

TEST_F(SenderTest, BadOptions) {
  SenderOptions opts = Options("ftp://x");
  EXPECT_FALSE(Sender::Create(opts, &clock_, nullptr, [](BatchPtr, const AckInfo&) {}).ok());
  opts = Options(loki_.url());
  opts.backoff = {seconds(2), seconds(1)};
  EXPECT_FALSE(Sender::Create(opts, &clock_, nullptr, [](BatchPtr, const AckInfo&) {}).ok());
  opts = Options(loki_.url());
  opts.max_queue_batches = 0;
  EXPECT_FALSE(Sender::Create(opts, &clock_, nullptr, [](BatchPtr, const AckInfo&) {}).ok());
}

// The real store: accepted batches, and a batch with one entry too old,
// which the store answers 400 for while keeping the valid one.
TEST(SenderStoreTest, RealStore) {
  auto store = testutil::LogstoreProcess::Start();
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  RealClock& clock = RealClock::Default();
  std::mutex mu;
  std::vector<AckInfo> acks;
  SenderOptions opts;
  opts.http.url = (*store)->url() + "/loki/api/v1/push";
  auto sender = Sender::Create(opts, &clock, nullptr, [&](BatchPtr, const AckInfo& info) {
    std::lock_guard<std::mutex> lock(mu);
    acks.push_back(info);
  });
  ASSERT_TRUE(sender.ok()) << sender.status().ToString();

  const int64_t now = testutil::NowNanos();
  PushEncoder enc("", &clock);
  uint32_t s = enc.StreamId(R"({app="sender"})");
  enc.Append(s, now - 2000, "one");
  enc.Append(s, now - 1000, "two");
  BatchPtr first = enc.Finish();
  s = enc.StreamId(R"({app="sender"})");
  enc.Append(s, now - 30LL * 24 * 3600 * 1'000'000'000, "too old");
  enc.Append(s, now - 500, "three");
  BatchPtr second = enc.Finish();
  ASSERT_TRUE((*sender)->Enqueue(first));
  ASSERT_TRUE((*sender)->Enqueue(second));
  (*sender)->Stop(seconds(20));
  ASSERT_EQ(acks.size(), 2u);
  EXPECT_EQ(acks[0].status, 204);
  EXPECT_EQ(acks[1].status, 400);
  EXPECT_THAT(acks[1].message, ::testing::HasSubstr("too old"));

  testutil::HttpClient client((*store)->host(), (*store)->port());
  testutil::QueryRangeParams q;
  q.query = R"({app="sender"})";
  q.start_ns = now - 10'000;
  q.end_ns = now + 1;
  q.direction = "forward";
  auto got = testutil::QueryRange(client, q);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  std::vector<std::string> lines;
  for (const auto& e : *got) lines.push_back(e.line);
  EXPECT_THAT(lines, ElementsAre("one", "two", "three"));
}

}  // namespace
}  // namespace logstack::collector
