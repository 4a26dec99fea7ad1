#pragma once

// The collector's settings: config.yaml (as the operator renders it, see
// docs/operator.md "Collector") with every key also a flag, flags winning
// (common/config.h). docs/collector.md lists every key.
//
// Thread safety: a CollectorConfig is a value; decode it once at start.

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/config.h"
#include "common/status.h"

namespace logstack::collector {

// Files by glob with fixed labels: node logs, or sidecar mode (one
// container ships another's files from a shared volume).
struct StaticTarget {
  std::vector<std::string> paths;  // glob(3) patterns
  std::map<std::string, std::string> labels;
};

struct JournalConfig {
  bool enabled = false;
  std::string path;                 // "" = the system journal directories
  std::string job = "node/journal";  // the `job` label
  int64_t max_age_ns = 0;           // first start: skip older entries (0: from the tail)
  std::map<std::string, std::string> labels;
};

struct CollectorConfig {
  // Where to push, and as which tenant (X-Scope-OrgID; "" sends none).
  std::string push_url;
  std::string tenant;
  std::string bearer_token_file;
  std::string basic_auth_username;
  std::string basic_auth_password_file;

  // Container logs, and where to keep the read positions.
  std::string pods_dir = "/var/log/pods";
  std::string positions_file;
  bool collect_pods = true;

  // Which pods: namespaces by name, or by a metav1.LabelSelector on
  // namespaces. Both empty: every namespace.
  std::vector<std::string> namespaces;
  YAML::Node namespace_selector;
  // Pod labels copied to stream labels (sanitised to label names).
  std::vector<std::string> pod_labels;

  // Pod metadata: the node's name (default $NODE_NAME), and how to reach the
  // API server ("" = in-cluster when available, else path labels only).
  std::string node_name;
  std::string kubeconfig;
  bool kubernetes_metadata = true;

  std::vector<StaticTarget> static_targets;
  JournalConfig journal;
  YAML::Node pipeline_stages;

  // Batching and delivery.
  uint64_t batch_size = 1 << 20;
  int64_t batch_wait_ns = 1'000'000'000;
  uint64_t max_buffer_bytes = 4 << 20;
  int64_t min_backoff_ns = 500'000'000;
  int64_t max_backoff_ns = 300'000'000'000;
  int64_t request_timeout_ns = 30'000'000'000;
  uint64_t max_entry_size = 256 << 10;

  // Reading.
  int64_t rescan_interval_ns = 10'000'000'000;
  uint64_t read_block_size = 256 << 10;
  int64_t positions_sync_period_ns = 0;  // 0: after every acknowledged batch

  // Operations.
  std::string http_listen = "0.0.0.0:9080";
  std::string log_level = "info";
  std::string log_format = "logfmt";
};

// Decodes the tree made by LoadConfigTree. Unknown keys and malformed
// values are errors naming the key.
StatusOr<CollectorConfig> DecodeCollectorConfig(const YAML::Node& tree);

}  // namespace logstack::collector
