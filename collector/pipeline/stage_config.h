#pragma once

// Reading one stage's YAML body, with errors that name the stage:
//   pipeline_stages[2]: json: expressions: must be a map of names to JMESPath expressions
//   pipeline_stages[0]: regex: unknown option "expresion" (known: expression, source)
//
// yaml-cpp's conversion exceptions are caught here and become Status.
//
// Thread safety: plain values over an immutable node.

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace logstack::collector {

class StageConfig {
 public:
  // `where` is "pipeline_stages[2]: json". A null body (`- cri:`) reads as an
  // empty map.
  StageConfig(YAML::Node body, std::string where);

  const std::string& where() const { return where_; }
  const YAML::Node& body() const { return body_; }

  // Returns InvalidArgument "<where>: <message>".
  Status Error(std::string_view message) const;
  // Returns InvalidArgument "<where>: <key>: <message>".
  Status KeyError(std::string_view key, std::string_view message) const;

  // REQUIRES the body to be a map (or null) of these keys only.
  Status CheckMap(std::initializer_list<std::string_view> known) const;

  // The node at `key`, or an undefined/null node when absent.
  YAML::Node Get(std::string_view key) const;
  bool Has(std::string_view key) const;

  // A scalar option; nullopt when absent or null.
  StatusOr<std::optional<std::string>> String(std::string_view key) const;
  StatusOr<std::optional<int64_t>> Int(std::string_view key, int64_t min, int64_t max) const;
  StatusOr<std::optional<bool>> Bool(std::string_view key) const;
  // A Go duration ("3s", "1m30s") in nanoseconds.
  StatusOr<std::optional<int64_t>> Duration(std::string_view key) const;
  // A size in bytes as Loki's flagext.ByteSize reads it: 8192, 8kb, 1MB
  // (units B, K(B), M(B), G(B), T(B), P(B), E(B), any case, 1024 apart).
  StatusOr<std::optional<uint64_t>> ByteSize(std::string_view key) const;
  // A map of names to strings, in the order written; a null value reads as "".
  StatusOr<std::vector<std::pair<std::string, std::string>>> StringMap(std::string_view key) const;
  // A list of strings, or one string (as Promtail's drop `source` allows).
  StatusOr<std::optional<std::vector<std::string>>> StringList(std::string_view key) const;

  // The same readers over a node that is not under a key of the body.
  static StatusOr<std::vector<std::pair<std::string, std::string>>> ReadStringMap(
      const YAML::Node& node, const std::string& where);
  static StatusOr<std::vector<std::string>> ReadStringList(const YAML::Node& node,
                                                           const std::string& where);

 private:
  YAML::Node body_;
  std::string where_;
};

// Prometheus' label name rule: [a-zA-Z_][a-zA-Z0-9_]*.
bool IsValidLabelName(std::string_view name);

}  // namespace logstack::collector
