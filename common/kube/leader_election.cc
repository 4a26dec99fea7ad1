#include "common/kube/leader_election.h"

#include "common/go/time.h"
#include "common/kube/object.h"
#include "common/kube/util.h"
#include "common/logging.h"

namespace logstack::kube {

// ---------------------------------------------------------------------------
// Stores

StatusOr<LeaseRecord> InMemoryLeaseStore::Get() {
  std::lock_guard<std::mutex> l(mu_);
  if (failing_) return Unavailable("lease store unreachable");
  if (!record_) return NotFound("lease not found");
  return *record_;
}

StatusOr<LeaseRecord> InMemoryLeaseStore::Create(const LeaseRecord& r) {
  std::lock_guard<std::mutex> l(mu_);
  if (failing_) return Unavailable("lease store unreachable");
  if (record_) return AlreadyExists("lease already exists");
  record_ = r;
  record_->resource_version = std::to_string(++version_);
  return *record_;
}

StatusOr<LeaseRecord> InMemoryLeaseStore::Update(const LeaseRecord& r) {
  std::lock_guard<std::mutex> l(mu_);
  if (failing_) return Unavailable("lease store unreachable");
  if (!record_) return NotFound("lease not found");
  if (r.resource_version != record_->resource_version) return Conflict("lease changed");
  record_ = r;
  record_->resource_version = std::to_string(++version_);
  return *record_;
}

void InMemoryLeaseStore::SetFailing(bool failing) {
  std::lock_guard<std::mutex> l(mu_);
  failing_ = failing;
}

namespace {
LeaseRecord FromJson(const Json& lease) {
  LeaseRecord r;
  r.resource_version = ResourceVersion(lease);
  auto spec = lease.find("spec");
  if (spec == lease.end() || !spec->is_object()) return r;
  auto str = [&](const char* k) {
    auto it = spec->find(k);
    return it != spec->end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  auto num = [&](const char* k) {
    auto it = spec->find(k);
    return it != spec->end() && it->is_number_integer() ? it->get<int>() : 0;
  };
  r.holder_identity = str("holderIdentity");
  r.acquire_time = str("acquireTime");
  r.renew_time = str("renewTime");
  r.lease_duration_seconds = num("leaseDurationSeconds");
  r.lease_transitions = num("leaseTransitions");
  return r;
}
}  // namespace

Json KubeLeaseStore::ToJson(const LeaseRecord& r) const {
  Json spec = {{"holderIdentity", r.holder_identity},
               {"leaseDurationSeconds", r.lease_duration_seconds},
               {"leaseTransitions", r.lease_transitions}};
  if (!r.acquire_time.empty()) spec["acquireTime"] = r.acquire_time;
  if (!r.renew_time.empty()) spec["renewTime"] = r.renew_time;
  Json lease = {{"apiVersion", "coordination.k8s.io/v1"},
                {"kind", "Lease"},
                {"metadata", {{"name", name_}, {"namespace", ns_}}},
                {"spec", spec}};
  if (!r.resource_version.empty()) lease["metadata"]["resourceVersion"] = r.resource_version;
  return lease;
}

StatusOr<LeaseRecord> KubeLeaseStore::Get() {
  LOGSTACK_ASSIGN_OR_RETURN(Json lease, client_.Get(resources::kLeases, ns_, name_));
  return FromJson(lease);
}
StatusOr<LeaseRecord> KubeLeaseStore::Create(const LeaseRecord& r) {
  LeaseRecord c = r;
  c.resource_version.clear();
  LOGSTACK_ASSIGN_OR_RETURN(Json lease, client_.Create(resources::kLeases, ns_, ToJson(c)));
  return FromJson(lease);
}
StatusOr<LeaseRecord> KubeLeaseStore::Update(const LeaseRecord& r) {
  LOGSTACK_ASSIGN_OR_RETURN(Json lease, client_.Update(resources::kLeases, ToJson(r)));
  return FromJson(lease);
}

// ---------------------------------------------------------------------------
// Elector

LeaderElector::LeaderElector(LeaseStore& store, Clock& clock, LeaderElectionConfig config)
    : store_(store), clock_(clock), config_(std::move(config)) {}

LeaderElector::~LeaderElector() { Stop(); }

bool LeaderElector::TryAcquireOrRenew(std::string* error) {
  const int64_t mono = clock_.MonotonicNanos();
  const std::string now = go::FormatRfc3339Micro(clock_.NowNanos());
  const int duration_s = static_cast<int>(
      std::chrono::duration_cast<std::chrono::seconds>(config_.lease_duration).count());
  LeaseRecord next;
  next.holder_identity = config_.identity;
  next.lease_duration_seconds = duration_s;
  next.acquire_time = now;
  next.renew_time = now;

  auto current = store_.Get();
  if (!current.ok()) {
    if (current.status().code() != StatusCode::kNotFound) {
      *error = current.status().ToString();
      return false;
    }
    auto created = store_.Create(next);
    if (!created.ok()) {
      *error = created.status().ToString();
      return false;
    }
    observed_ = *created;
    observed_mono_ = mono;
    return true;
  }
  if (!observed_ || !observed_->SameAs(*current)) {
    observed_ = *current;
    observed_mono_ = mono;
  }
  const bool mine = current->holder_identity == config_.identity;
  int64_t held_for_ns =
      int64_t{current->lease_duration_seconds > 0 ? current->lease_duration_seconds : duration_s} *
      1'000'000'000;
  if (!current->holder_identity.empty() && !mine && observed_mono_ + held_for_ns > mono) {
    *error = "lease held by " + current->holder_identity;
    return false;
  }
  if (mine) {
    next.acquire_time = current->acquire_time;
    next.lease_transitions = current->lease_transitions;
  } else {
    next.lease_transitions = current->lease_transitions + 1;
  }
  next.resource_version = current->resource_version;
  auto updated = store_.Update(next);
  if (!updated.ok()) {
    *error = updated.status().ToString();
    return false;
  }
  observed_ = *updated;
  observed_mono_ = mono;
  return true;
}

void LeaderElector::LoseLocked(std::unique_lock<std::mutex>& l) {
  leader_ = false;
  l.unlock();
  if (config_.on_stopped_leading) config_.on_stopped_leading();
  l.lock();
}

bool LeaderElector::Step() {
  std::unique_lock<std::mutex> l(mu_);
  if (stopped_) return false;
  std::string error;
  bool ok = TryAcquireOrRenew(&error);
  const int64_t mono = clock_.MonotonicNanos();
  std::string holder = observed_ ? observed_->holder_identity : "";
  if (holder != reported_leader_) {
    reported_leader_ = holder;
    if (config_.on_new_leader && !holder.empty()) {
      l.unlock();
      config_.on_new_leader(holder);
      l.lock();
    }
  }
  if (ok) {
    last_renew_mono_ = mono;
    if (!leader_) {
      leader_ = true;
      LOG_INFO("component=leader_election op=acquired identity={}", Quote(config_.identity));
      l.unlock();
      if (config_.on_started_leading) config_.on_started_leading();
      l.lock();
    }
    return leader_;
  }
  if (leader_) {
    bool taken = !holder.empty() && holder != config_.identity;
    if (taken || mono - last_renew_mono_ > config_.renew_deadline.count()) {
      LOG_WARN("component=leader_election op=lost identity={} error={}", Quote(config_.identity),
               Quote(error));
      LoseLocked(l);
    }
  }
  return leader_;
}

void LeaderElector::Run() {
  while (true) {
    Step();
    std::unique_lock<std::mutex> l(mu_);
    if (stopped_) return;
    // A leader retries sooner than the retry period's worth of renew deadline would allow.
    cv_.wait_for(l, config_.retry_period, [&] { return stopped_; });
    if (stopped_) return;
  }
}

void LeaderElector::Stop() {
  std::unique_lock<std::mutex> l(mu_);
  if (stopped_) return;
  stopped_ = true;
  cv_.notify_all();
  if (!leader_) return;
  if (config_.release_on_stop && observed_ && observed_->holder_identity == config_.identity) {
    LeaseRecord released = *observed_;
    released.holder_identity.clear();
    released.lease_duration_seconds = 1;
    released.renew_time = go::FormatRfc3339Micro(clock_.NowNanos());
    auto st = store_.Update(released);
    if (!st.ok()) {
      LOG_WARN("component=leader_election op=release identity={} error={}", Quote(config_.identity),
               Quote(st.status().ToString()));
    }
  }
  LoseLocked(l);
}

bool LeaderElector::IsLeader() {
  std::lock_guard<std::mutex> l(mu_);
  return leader_;
}

std::string LeaderElector::ObservedLeader() {
  std::lock_guard<std::mutex> l(mu_);
  return observed_ ? observed_->holder_identity : "";
}

}  // namespace logstack::kube
