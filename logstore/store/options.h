#pragma once

// Settings of the storage engine and the per-tenant limits, with Loki's
// defaults and names (limits_config), so that Loki users recognise them.

#include <cstdint>
#include <map>
#include <string>

#include "common/config.h"
#include "common/status.h"
#include "logstore/chunk/compression.h"
#include "logstore/ingest/limits.h"

namespace logstack::logstore {

struct TenantLimits {
  ingest::ValidationLimits validation;              // checked per request (push::ValidatePush)
  double ingestion_rate_mb = 4;                     // MiB/s, token bucket refill
  double ingestion_burst_size_mb = 6;               // MiB, bucket size
  uint64_t per_stream_rate_limit = 3 << 20;         // bytes/s
  uint64_t per_stream_rate_limit_burst = 15 << 20;  // bytes
  int64_t max_global_streams_per_user = 5000;
  int64_t retention_period_ns = 168LL * 3600 * 1'000'000'000;  // 0 = keep forever
  int64_t max_query_length_ns = 0;                             // 0 = unlimited
  int64_t max_entries_limit_per_query = 5000;
  int64_t max_query_series = 500;
  int64_t query_timeout_ns = 60LL * 1'000'000'000;  // 0 = none
  uint64_t max_query_bytes_read = 0;                // line bytes; 0 = unlimited
  uint64_t max_query_response_size = 64 << 20;      // JSON bytes a query answers; 0 = unlimited
};

struct StoreOptions {
  std::string data_dir = "./data";
  bool auth_enabled = false;

  // Chunks.
  chunk::Encoding chunk_encoding = chunk::Encoding::kZstd;
  int chunk_compression_level = 1;          // level 3 costs ~20% more CPU for no better ratio here
  uint64_t chunk_block_size = 256 << 10;    // raw bytes per block
  uint64_t chunk_target_size = 1536 << 10;  // compressed bytes: flush when reached
  int64_t max_chunk_age_ns = 2LL * 3600 * 1'000'000'000;  // also sets the out-of-order window
  int64_t chunk_idle_period_ns = 30LL * 60 * 1'000'000'000;
  int64_t flush_check_period_ns = 1'000'000'000;

  // Partitions and retention.
  int64_t partition_period_ns = 24LL * 3600 * 1'000'000'000;
  int64_t retention_check_period_ns = 10LL * 60 * 1'000'000'000;
  // Before the disk fills, delete the oldest partitions until this much is
  // free: a byte count, or a share of the volume's capacity (0 = off).
  uint64_t min_free_disk_bytes = 0;
  double min_free_disk_percent = 0;

  // /ready answers 503 once the WAL's syncer or the flush loop has made no
  // progress for this long, so that Kubernetes restarts a hung store (0 = off).
  int64_t watchdog_timeout_ns = 5LL * 60 * 1'000'000'000;

  // Write-ahead log.
  bool wal_enabled = true;
  bool wal_sync = true;
  uint64_t wal_segment_size = 64 << 20;
  uint64_t wal_max_size = 1ull << 30;  // flush heads early past this

  TenantLimits limits;                            // defaults for every tenant
  std::map<std::string, TenantLimits> overrides;  // per tenant

  const TenantLimits& LimitsFor(const std::string& tenant) const {
    auto it = overrides.find(tenant);
    return it == overrides.end() ? limits : it->second;
  }
  // The out-of-order window: half the maximum chunk age, as in Loki >= 2.4.
  int64_t OutOfOrderWindow() const { return max_chunk_age_ns / 2; }
};

// Reads the `storage`, `wal`, `limits` and `overrides` sections and the
// top-level `data_dir` and `auth_enabled`. Unknown keys are left for the
// caller's Finish() to report.
void ReadStoreOptions(ConfigReader& root, StoreOptions* opts);

}  // namespace logstack::logstore
