// Store's retention: partitions past a tenant's retention period, and the
// oldest partitions while the volume is short of free space
// (docs/storage.md, "Retention").

#include "common/logging.h"
#include "logstore/store/store.h"
#include "logstore/store/store_internal.h"

namespace logstack::logstore {

Status Store::EnforceRetention() {
  int64_t now = clock_->NowNanos();
  std::vector<Tenant*> tenants;
  {
    std::lock_guard<std::mutex> lock(tenants_mu_);
    for (auto& [id, t] : tenants_) tenants.push_back(t.get());
  }
  Status first;
  for (Tenant* t : tenants) {
    int64_t keep = opts_.LimitsFor(t->id).retention_period_ns;
    if (keep <= 0) continue;
    std::vector<std::shared_ptr<Partition>> doomed;
    {
      std::unique_lock<std::shared_mutex> lock(t->mu);
      for (auto it = t->partitions.begin(); it != t->partitions.end();) {
        int64_t end = it->first + opts_.partition_period_ns;
        if (end > now - keep) break;  // partitions are in time order
        doomed.push_back(it->second);
        it = t->partitions.erase(it);
      }
      if (doomed.empty()) continue;
      DropPartitionsLocked(t, doomed);
    }
    Status s = DeletePartitions(t, doomed, "retention");
    if (!s.ok() && first.ok()) first = s;
  }
  Status s = EnforceFreeSpace();
  if (!s.ok() && first.ok()) first = s;
  return first;
}

Status Store::DeletePartitions(Tenant* t, const std::vector<std::shared_ptr<Partition>>& doomed,
                               std::string_view why) {
  Status first;
  for (const auto& p : doomed) {
    // Readers that already opened its files keep them until they finish.
    Status s = env_->RemoveDirRecursively(p->dir());
    LOG_INFO("component=retention op=delete reason={} tenant={} partition={} err={}", why, t->id,
             p->dir(), Quote(s.ToString()));
    m_->partitions_deleted.Inc();
    if (!s.ok() && first.ok()) first = s;
  }
  return first;
}

void Store::DropPartitionsLocked(Tenant* t, const std::vector<std::shared_ptr<Partition>>& doomed) {
  std::vector<index::StreamId> empty_streams;
  for (auto& [id, s] : t->streams) {
    std::lock_guard<std::mutex> sl(s->mu);
    std::erase_if(s->chunks, [&](const ChunkRef& r) {
      for (const auto& p : doomed) {
        if (p->start() == r.partition) return true;
      }
      return false;
    });
    if (s->chunks.empty() && !s->head && s->flushing.empty()) empty_streams.push_back(id);
  }
  for (index::StreamId id : empty_streams) {
    t->index.Remove(id);
    t->by_labels.erase(t->streams[id]->labels_string);
    t->streams.erase(id);
  }
}

// Deletes the oldest partitions, of any tenant, while the volume has less
// free space than min_free_disk_bytes, so the store never fills its disk.
// The newest partition of a tenant is kept: it is being written.
Status Store::EnforceFreeSpace() {
  if (opts_.min_free_disk_bytes == 0 && opts_.min_free_disk_percent <= 0) return Status::Ok();
  Status first;
  while (true) {
    auto space = env_->GetDiskSpace(opts_.data_dir);
    if (!space.ok()) return space.status();
    const uint64_t floor = std::max<uint64_t>(
        opts_.min_free_disk_bytes,
        static_cast<uint64_t>(space->capacity * opts_.min_free_disk_percent / 100));
    const uint64_t* free_bytes = &space->available;
    if (*free_bytes >= floor) return first;
    Tenant* oldest_tenant = nullptr;
    int64_t oldest = INT64_MAX;
    {
      std::lock_guard<std::mutex> lock(tenants_mu_);
      for (auto& [id, t] : tenants_) {
        std::shared_lock<std::shared_mutex> tl(t->mu);
        if (t->partitions.size() < 2) continue;
        if (t->partitions.begin()->first < oldest) {
          oldest = t->partitions.begin()->first;
          oldest_tenant = t.get();
        }
      }
    }
    if (oldest_tenant == nullptr) {
      LOG_WARN("component=retention op=free_space free_bytes={} floor={} msg={}", *free_bytes,
               floor, Quote("nothing left to delete"));
      return first;
    }
    std::vector<std::shared_ptr<Partition>> doomed;
    {
      std::unique_lock<std::shared_mutex> lock(oldest_tenant->mu);
      auto it = oldest_tenant->partitions.find(oldest);
      if (it == oldest_tenant->partitions.end()) continue;
      doomed.push_back(it->second);
      oldest_tenant->partitions.erase(it);
      DropPartitionsLocked(oldest_tenant, doomed);
    }
    m_->partitions_deleted_for_space.Inc();
    Status s = DeletePartitions(oldest_tenant, doomed, "free_space");
    if (!s.ok()) return s;
  }
}

}  // namespace logstack::logstore
