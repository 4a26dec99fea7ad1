#include "common/kube/leader_election.h"

#include <gtest/gtest.h>

#include "tests/mocks/fake_clock.h"

namespace logstack::kube {
namespace {

using namespace std::chrono_literals;

struct Candidate {
  Candidate(const std::string& id, LeaseStore& store, Clock& clock) {
    LeaderElectionConfig c;
    c.identity = id;
    c.on_started_leading = [this] { ++started; };
    c.on_stopped_leading = [this] { ++stopped; };
    elector = std::make_unique<LeaderElector>(store, clock, c);
  }
  int started = 0, stopped = 0;
  std::unique_ptr<LeaderElector> elector;
};

// A store that one candidate reaches and the other may not (a partition).
class PartitionedStore : public LeaseStore {
 public:
  explicit PartitionedStore(LeaseStore& s) : s_(s) {}
  StatusOr<LeaseRecord> Get() override { return cut ? Unavailable("cut") : s_.Get(); }
  StatusOr<LeaseRecord> Create(const LeaseRecord& r) override {
    return cut ? Unavailable("cut") : s_.Create(r);
  }
  StatusOr<LeaseRecord> Update(const LeaseRecord& r) override {
    return cut ? Unavailable("cut") : s_.Update(r);
  }
  bool cut = false;

 private:
  LeaseStore& s_;
};

TEST(LeaderElectionTest, OneLeaderAmongTwo) {
  FakeClock clock;
  InMemoryLeaseStore store;
  Candidate a("a", store, clock), b("b", store, clock);
  EXPECT_TRUE(a.elector->Step());
  EXPECT_FALSE(b.elector->Step());
  for (int i = 0; i < 20; ++i) {
    clock.Advance(2s);
    EXPECT_TRUE(a.elector->Step());
    EXPECT_FALSE(b.elector->Step());
  }
  EXPECT_EQ(a.started, 1);
  EXPECT_EQ(b.started, 0);
  EXPECT_EQ(b.elector->ObservedLeader(), "a");
  auto rec = store.Get();
  EXPECT_EQ(rec->holder_identity, "a");
  EXPECT_EQ(rec->lease_duration_seconds, 15);
  EXPECT_EQ(rec->lease_transitions, 0);
}

TEST(LeaderElectionTest, FailoverWithinLeaseDurationWhenLeaderStopsRenewing) {
  FakeClock clock;
  InMemoryLeaseStore store;
  PartitionedStore a_view(store);
  Candidate a("a", a_view, clock), b("b", store, clock);
  ASSERT_TRUE(a.elector->Step());
  ASSERT_FALSE(b.elector->Step());
  a_view.cut = true;  // a can no longer renew

  int64_t cut_at = clock.MonotonicNanos();
  int64_t a_lost_at = 0, b_won_at = 0;
  for (int i = 0; i < 20 && (a_lost_at == 0 || b_won_at == 0); ++i) {
    clock.Advance(1s);
    if (!a.elector->Step() && a_lost_at == 0) a_lost_at = clock.MonotonicNanos();
    if (b.elector->Step() && b_won_at == 0) b_won_at = clock.MonotonicNanos();
  }
  ASSERT_NE(a_lost_at, 0);
  ASSERT_NE(b_won_at, 0);
  EXPECT_EQ(a.stopped, 1);
  // The old leader stops (renew deadline, 10 s) before the new one starts.
  EXPECT_LT(a_lost_at, b_won_at);
  EXPECT_LE(a_lost_at - cut_at, int64_t{11'000'000'000});
  // The new leader takes over within the lease duration (plus one retry step).
  EXPECT_LE(b_won_at - cut_at, int64_t{17'000'000'000});
  EXPECT_EQ(store.Get()->holder_identity, "b");
  EXPECT_EQ(store.Get()->lease_transitions, 1);

  // a comes back: it sees b's fresh lease and stays a follower.
  a_view.cut = false;
  clock.Advance(2s);
  EXPECT_TRUE(b.elector->Step());
  EXPECT_FALSE(a.elector->Step());
}

TEST(LeaderElectionTest, StopReleasesTheLeaseForAQuickSuccessor) {
  FakeClock clock;
  InMemoryLeaseStore store;
  Candidate a("a", store, clock), b("b", store, clock);
  ASSERT_TRUE(a.elector->Step());
  ASSERT_FALSE(b.elector->Step());
  a.elector->Stop();
  EXPECT_EQ(a.stopped, 1);
  EXPECT_FALSE(a.elector->IsLeader());
  EXPECT_EQ(store.Get()->holder_identity, "");
  clock.Advance(2s);
  EXPECT_TRUE(b.elector->Step());   // no need to wait out 15 s
  EXPECT_FALSE(a.elector->Step());  // stopped electors never lead again
}

TEST(LeaderElectionTest, LosingTheLeaseToAnotherHolderStopsAtOnce) {
  FakeClock clock;
  InMemoryLeaseStore store;
  Candidate a("a", store, clock);
  ASSERT_TRUE(a.elector->Step());
  // Someone overwrites the lease (e.g. a manual edit).
  LeaseRecord r = *store.Get();
  r.holder_identity = "intruder";
  ASSERT_TRUE(store.Update(r).ok());
  clock.Advance(2s);
  EXPECT_FALSE(a.elector->Step());
  EXPECT_EQ(a.stopped, 1);
}

}  // namespace
}  // namespace logstack::kube
