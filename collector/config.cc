#include "collector/config.h"

#include <cstdlib>

namespace logstack::collector {
namespace {

Status DecodeLabels(const YAML::Node& n, const std::string& where,
                    std::map<std::string, std::string>* out) {
  if (!n || n.IsNull()) return {};
  if (!n.IsMap()) return InvalidArgument(where + ": expected a map of label names to values");
  for (const auto& kv : n) {
    if (!kv.second.IsScalar()) {
      return InvalidArgument(where + "." + kv.first.Scalar() + ": expected a string");
    }
    (*out)[kv.first.Scalar()] = kv.second.Scalar();
  }
  return {};
}

Status DecodeStaticTargets(const YAML::Node& n, std::vector<StaticTarget>* out) {
  if (!n || n.IsNull()) return {};
  if (!n.IsSequence()) return InvalidArgument("static_targets: expected a list");
  for (size_t i = 0; i < n.size(); ++i) {
    const std::string where = "static_targets[" + std::to_string(i) + "]";
    const YAML::Node t = n[i];
    if (!t.IsMap()) return InvalidArgument(where + ": expected a map");
    StaticTarget st;
    for (const auto& kv : t) {
      const std::string key = kv.first.Scalar();
      if (key == "paths") {
        if (kv.second.IsScalar()) {
          st.paths.push_back(kv.second.Scalar());
        } else if (kv.second.IsSequence()) {
          for (const auto& p : kv.second) st.paths.push_back(p.Scalar());
        } else {
          return InvalidArgument(where + ".paths: expected a glob or a list of globs");
        }
      } else if (key == "labels") {
        LOGSTACK_RETURN_IF_ERROR(DecodeLabels(kv.second, where + ".labels", &st.labels));
      } else {
        return InvalidArgument(where + ": unknown key \"" + key + "\"");
      }
    }
    if (st.paths.empty()) return InvalidArgument(where + ".paths: at least one glob is required");
    out->push_back(std::move(st));
  }
  return {};
}

}  // namespace

StatusOr<CollectorConfig> DecodeCollectorConfig(const YAML::Node& tree) {
  CollectorConfig c;
  if (const char* node = std::getenv("NODE_NAME"); node != nullptr) c.node_name = node;

  ConfigReader root(tree, "");
  root.Read("push_url", &c.push_url);
  root.Read("tenant", &c.tenant);
  root.Read("bearer_token_file", &c.bearer_token_file);
  root.Read("basic_auth_username", &c.basic_auth_username);
  root.Read("basic_auth_password_file", &c.basic_auth_password_file);
  root.Read("pods_dir", &c.pods_dir);
  root.Read("positions_file", &c.positions_file);
  root.Read("collect_pods", &c.collect_pods);
  root.Read("namespaces", &c.namespaces);
  root.ReadNode("namespace_selector", &c.namespace_selector);
  root.Read("pod_labels", &c.pod_labels);
  root.Read("node_name", &c.node_name);
  root.Read("kubeconfig", &c.kubeconfig);
  root.Read("kubernetes_metadata", &c.kubernetes_metadata);
  YAML::Node targets;
  root.ReadNode("static_targets", &targets);
  root.ReadNode("pipeline_stages", &c.pipeline_stages);
  root.ReadBytes("batch_size", &c.batch_size);
  root.ReadDuration("batch_wait", &c.batch_wait_ns);
  root.ReadBytes("max_buffer_bytes", &c.max_buffer_bytes);
  root.ReadDuration("min_backoff", &c.min_backoff_ns);
  root.ReadDuration("max_backoff", &c.max_backoff_ns);
  root.ReadDuration("request_timeout", &c.request_timeout_ns);
  root.ReadBytes("max_entry_size", &c.max_entry_size);
  root.ReadDuration("rescan_interval", &c.rescan_interval_ns);
  root.ReadBytes("read_block_size", &c.read_block_size);
  root.ReadDuration("positions_sync_period", &c.positions_sync_period_ns);
  root.Read("http_listen", &c.http_listen);
  root.Read("log_level", &c.log_level);
  root.Read("log_format", &c.log_format);

  ConfigReader& j = root.Child("journal");
  j.Read("enabled", &c.journal.enabled);
  j.Read("path", &c.journal.path);
  j.Read("job", &c.journal.job);
  j.ReadDuration("max_age", &c.journal.max_age_ns);
  YAML::Node journal_labels;
  j.ReadNode("labels", &journal_labels);

  LOGSTACK_RETURN_IF_ERROR(root.Finish());
  LOGSTACK_RETURN_IF_ERROR(DecodeStaticTargets(targets, &c.static_targets));
  LOGSTACK_RETURN_IF_ERROR(DecodeLabels(journal_labels, "journal.labels", &c.journal.labels));

  if (c.push_url.empty()) return InvalidArgument("push_url is required (--push-url=URL)");
  if (c.push_url.rfind("http://", 0) != 0 && c.push_url.rfind("https://", 0) != 0) {
    return InvalidArgument("push_url: expected an http:// or https:// URL, got \"" +
                                   c.push_url + "\"");
  }
  if (c.positions_file.empty()) {
    return InvalidArgument("positions_file is required (--positions-file=FILE)");
  }
  if (!c.namespaces.empty() && c.namespace_selector && !c.namespace_selector.IsNull()) {
    return InvalidArgument("namespaces and namespace_selector are exclusive; give one");
  }
  if (c.batch_size < 1024) return InvalidArgument("batch_size: must be at least 1KB");
  if (c.max_buffer_bytes < 2 * c.batch_size) {
    return InvalidArgument("max_buffer_bytes: must be at least twice batch_size");
  }
  if (c.min_backoff_ns <= 0 || c.max_backoff_ns < c.min_backoff_ns) {
    return InvalidArgument("min_backoff and max_backoff: need 0 < min_backoff <= max_backoff");
  }
  if (c.max_entry_size < 1024) return InvalidArgument("max_entry_size: must be at least 1KB");
  if (c.read_block_size < 4096) return InvalidArgument("read_block_size: must be at least 4KB");
  return c;
}

}  // namespace logstack::collector
