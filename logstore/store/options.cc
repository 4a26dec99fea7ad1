#include "logstore/store/options.h"

namespace logstack::logstore {
namespace {

void ReadLimits(ConfigReader& r, TenantLimits* l) {
  auto& v = l->validation;
  r.ReadBytes("max_line_size", &v.max_line_size);
  r.Read("max_line_size_truncate", &v.max_line_size_truncate);
  int64_t n = v.max_label_names_per_series;
  r.Read("max_label_names_per_series", &n);
  v.max_label_names_per_series = static_cast<int>(n);
  n = v.max_label_name_length;
  r.Read("max_label_name_length", &n);
  v.max_label_name_length = static_cast<int>(n);
  n = v.max_label_value_length;
  r.Read("max_label_value_length", &n);
  v.max_label_value_length = static_cast<int>(n);
  r.ReadBytes("max_structured_metadata_size", &v.max_structured_metadata_size);
  n = v.max_structured_metadata_entries_count;
  r.Read("max_structured_metadata_entries_count", &n);
  v.max_structured_metadata_entries_count = static_cast<int>(n);
  r.Read("allow_structured_metadata", &v.allow_structured_metadata);
  r.Read("reject_old_samples", &v.reject_old_samples);
  r.ReadDuration("reject_old_samples_max_age", &v.reject_old_samples_max_age_ns);
  r.ReadDuration("creation_grace_period", &v.creation_grace_period_ns);
  r.Read("ingestion_rate_mb", &l->ingestion_rate_mb);
  r.Read("ingestion_burst_size_mb", &l->ingestion_burst_size_mb);
  r.ReadBytes("per_stream_rate_limit", &l->per_stream_rate_limit);
  r.ReadBytes("per_stream_rate_limit_burst", &l->per_stream_rate_limit_burst);
  r.Read("max_global_streams_per_user", &l->max_global_streams_per_user);
  r.ReadDuration("retention_period", &l->retention_period_ns);
  r.ReadDuration("max_query_length", &l->max_query_length_ns);
  r.Read("max_entries_limit_per_query", &l->max_entries_limit_per_query);
  r.Read("max_query_series", &l->max_query_series);
  r.ReadDuration("query_timeout", &l->query_timeout_ns);
  r.ReadBytes("max_query_bytes_read", &l->max_query_bytes_read);
  r.ReadBytes("max_query_response_size", &l->max_query_response_size);
}

}  // namespace

void ReadStoreOptions(ConfigReader& root, StoreOptions* o) {
  root.Read("data_dir", &o->data_dir);
  root.Read("auth_enabled", &o->auth_enabled);

  ConfigReader& s = root.Child("storage");
  std::string enc(chunk::EncodingName(o->chunk_encoding));
  s.Read("chunk_encoding", &enc);
  auto parsed = chunk::ParseEncoding(enc);
  if (parsed.ok()) o->chunk_encoding = *parsed;
  int64_t level = o->chunk_compression_level;
  s.Read("chunk_compression_level", &level);
  o->chunk_compression_level = static_cast<int>(level);
  s.ReadBytes("chunk_block_size", &o->chunk_block_size);
  s.ReadBytes("chunk_target_size", &o->chunk_target_size);
  s.ReadDuration("max_chunk_age", &o->max_chunk_age_ns);
  s.ReadDuration("chunk_idle_period", &o->chunk_idle_period_ns);
  s.ReadDuration("flush_check_period", &o->flush_check_period_ns);
  s.ReadDuration("partition_period", &o->partition_period_ns);
  s.ReadDuration("retention_check_period", &o->retention_check_period_ns);
  s.ReadBytesOrPercent("min_free_disk", &o->min_free_disk_bytes, &o->min_free_disk_percent);
  s.ReadDuration("watchdog_timeout", &o->watchdog_timeout_ns);

  ConfigReader& w = root.Child("wal");
  w.Read("enabled", &o->wal_enabled);
  w.Read("sync", &o->wal_sync);
  w.ReadBytes("segment_size", &o->wal_segment_size);
  w.ReadBytes("max_size", &o->wal_max_size);

  ReadLimits(root.Child("limits"), &o->limits);
  ConfigReader& ov = root.Child("overrides");
  for (const std::string& tenant : root.ChildKeys("overrides")) {
    TenantLimits l = o->limits;
    ReadLimits(ov.Child(tenant), &l);
    o->overrides[tenant] = l;
  }
}

}  // namespace logstack::logstore
