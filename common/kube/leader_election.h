#pragma once

// Leader election on a coordination.k8s.io/v1 Lease.
//
// Each candidate periodically tries to acquire or renew the lease (every
// retry period, 2 s). A lease held by another candidate counts as expired
// only when this candidate has seen its record unchanged for a whole lease
// duration (15 s) on its own monotonic clock, so clock skew between
// candidates does not matter. A leader that cannot renew within the renew
// deadline (10 s) stops leading at once: on_stopped_leading is called before
// anything else, and the caller must stop its work. Stop() releases the lease
// (empty holder) so a successor need not wait out the lease.
//
// The lease's storage is behind LeaseStore, implemented over KubeClient and
// in memory (tests).
//
// Thread safety: LeaderElector's methods may be called from any thread;
// callbacks run on the thread that calls Step() (Run()'s thread) or Stop().

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "common/clock.h"
#include "common/kube/client.h"
#include "common/status.h"

namespace logstack::kube {

struct LeaseRecord {
  std::string holder_identity;
  int lease_duration_seconds = 0;
  std::string acquire_time;  // RFC 3339 with microseconds
  std::string renew_time;
  int lease_transitions = 0;
  std::string resource_version;  // set by the store; Update is conditional on it

  bool SameAs(const LeaseRecord& o) const {
    return holder_identity == o.holder_identity && renew_time == o.renew_time &&
           resource_version == o.resource_version;
  }
};

class LeaseStore {
 public:
  virtual ~LeaseStore() = default;
  virtual StatusOr<LeaseRecord> Get() = 0;                         // NotFound when absent
  virtual StatusOr<LeaseRecord> Create(const LeaseRecord& r) = 0;  // AlreadyExists
  virtual StatusOr<LeaseRecord> Update(const LeaseRecord& r) = 0;  // Conflict when stale
};
using LeaseStorePtr = std::unique_ptr<LeaseStore>;

// A lease in memory with resourceVersion checks, shared by electors in tests.
class InMemoryLeaseStore final : public LeaseStore {
 public:
  StatusOr<LeaseRecord> Get() override;
  StatusOr<LeaseRecord> Create(const LeaseRecord& r) override;
  StatusOr<LeaseRecord> Update(const LeaseRecord& r) override;
  // Makes every call fail with Unavailable (a partitioned candidate).
  void SetFailing(bool failing);

 private:
  std::mutex mu_;
  std::optional<LeaseRecord> record_;
  int64_t version_ = 0;
  bool failing_ = false;
};

// The Lease `namespace/name` through a KubeClient.
class KubeLeaseStore final : public LeaseStore {
 public:
  KubeLeaseStore(KubeClient& client, std::string ns, std::string name)
      : client_(client), ns_(std::move(ns)), name_(std::move(name)) {}
  StatusOr<LeaseRecord> Get() override;
  StatusOr<LeaseRecord> Create(const LeaseRecord& r) override;
  StatusOr<LeaseRecord> Update(const LeaseRecord& r) override;

 private:
  Json ToJson(const LeaseRecord& r) const;
  KubeClient& client_;
  const std::string ns_, name_;
};

struct LeaderElectionConfig {
  std::string identity;  // unique per candidate, e.g. the pod name
  std::chrono::nanoseconds lease_duration = std::chrono::seconds(15);
  std::chrono::nanoseconds renew_deadline = std::chrono::seconds(10);
  std::chrono::nanoseconds retry_period = std::chrono::seconds(2);
  bool release_on_stop = true;
  std::function<void()> on_started_leading;
  std::function<void()> on_stopped_leading;
  std::function<void(const std::string& leader)> on_new_leader;  // any observed change of holder
};

class LeaderElector {
 public:
  LeaderElector(LeaseStore& store, Clock& clock, LeaderElectionConfig config);
  ~LeaderElector();

  // One attempt to acquire or renew, with the callbacks it implies.
  // Returns true iff this candidate leads afterwards.
  bool Step();
  // Calls Step() every retry period (real time) until Stop().
  void Run();
  // Ends Run(); a leader releases the lease and calls on_stopped_leading.
  void Stop();

  bool IsLeader();
  std::string ObservedLeader();

 private:
  bool TryAcquireOrRenew(std::string* error);  // REQUIRES: mu_ held
  void LoseLocked(std::unique_lock<std::mutex>& l);

  LeaseStore& store_;
  Clock& clock_;
  const LeaderElectionConfig config_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopped_ = false;
  bool leader_ = false;
  int64_t last_renew_mono_ = 0;
  std::optional<LeaseRecord> observed_;
  int64_t observed_mono_ = 0;
  std::string reported_leader_;
};

}  // namespace logstack::kube
