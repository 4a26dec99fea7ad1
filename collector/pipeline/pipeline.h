#pragma once

// Promtail-shaped pipeline stages for the collector: a user pastes the
// `pipeline_stages` block of a Promtail scrape config into the collector's
// config (or a LogStack's spec.collector.pipeline) and it behaves the same.
// docs/collector.md, "Pipeline stages", is the user's reference.
//
// The YAML is a list; each item is a one-key map {<stage name>: <config>}:
//   - cri: {}
//   - json: {expressions: {level: level, msg: msg}}
//   - labels: {level: ""}
//   - timestamp: {source: time, format: RFC3339Nano}
//   - output: {source: msg}
//   - match: {selector: '{app="noisy"} |= "debug"', action: drop}
// Stages: cri, docker, json, logfmt, regex, labels, static_labels, labeldrop,
// labelallow, structured_metadata, tenant, output, timestamp, drop, multiline,
// match, template. An unknown stage or a bad config fails FromYaml with a
// message naming the stage and where it is:
//   pipeline_stages[2]: unknown stage "jsonn"
//   pipeline_stages[3]: match: stages[0]: timestamp: format: ...
//
// Each entry carries Promtail's "extracted data" (value.h) from stage to
// stage, started from the entry's labels. Process emits 0..n entries: none
// when a stage dropped it or a multiline block holds it; a multiline-joined
// entry has the first line's timestamp, labels and extracted data, and the
// SourcePosition of its last line, so positions never advance past a line
// that was not sent.
//
// Per-stream state (multiline blocks, partial CRI lines when the cri stage
// parses raw lines, the timestamp stage's last good time for `fudge`) is
// keyed by the entry's labels and SourcePosition::source at that stage.
//
// Thread safety: a Pipeline is used by one thread at a time (it keeps
// per-stream state); DroppedByReason() may be called from any thread.

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "collector/model/entry.h"
#include "common/status.h"

namespace logstack::collector {

struct PipelineOptions {
  // True when entries come from the collector's format/ decoder, which
  // already parsed CRI and docker lines (timestamp, `stream` label, content)
  // and joined CRI partial lines: the cri and docker stages then do not parse
  // the line again (a container that itself prints CRI-looking lines must not
  // be decoded twice); they only put what Promtail's would have extracted
  // into the extracted data (cri: time, stream, flags "F", content; docker:
  // timestamp, stream, output). False: they parse the raw line as Promtail
  // does, joining CRI partial lines themselves.
  bool container_lines_decoded = true;
  // Where the timestamp stage reads `location` time zones (TZif files).
  std::string zoneinfo_dir = "/usr/share/zoneinfo";
  // False: the timestamp stage does not read `location` zones (it checks
  // only that one is named, and reads times in UTC). For validating a config
  // where the zoneinfo files may be missing (the operator); never for a
  // pipeline that processes entries.
  bool load_time_zones = true;
};

class Pipeline {
 public:
  // Builds the stages of a `pipeline_stages` list (a YAML sequence; null or
  // an empty list gives a pipeline that passes entries through unchanged).
  static StatusOr<std::unique_ptr<Pipeline>> FromYaml(const YAML::Node& stages,
                                                      const PipelineOptions& options = {});
  // The same from YAML text holding the list.
  static StatusOr<std::unique_ptr<Pipeline>> FromYamlText(std::string_view text,
                                                          const PipelineOptions& options = {});

  ~Pipeline();
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  // Runs `in` through the stages, appending 0..n entries to *out. `now_ns`
  // (Unix ns) is the time drop's older_than compares with, multiline's wait
  // starts from, and a timestamp without a year takes its year from.
  void Process(Entry&& in, int64_t now_ns, std::vector<Entry>* out);

  // Emits multiline blocks that waited max_wait_time since their last line
  // (every held entry when `force`, e.g. at shutdown) through the stages
  // after the one that held them. Call it periodically (every 100 ms or so).
  void Flush(int64_t now_ns, bool force, std::vector<Entry>* out);

  // Entries dropped so far, by reason: drop stages' drop_counter_reason
  // (default "drop_stage"), match stages' (default "match_stage"), the json
  // stage's "malformed_json" (drop_malformed).
  std::map<std::string, uint64_t> DroppedByReason() const;

  bool empty() const;

 private:
  struct Impl;
  explicit Pipeline(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Builds and discards: OK iff FromYaml would succeed. The operator uses it
// to validate spec.collector.pipeline.
Status ValidatePipelineStages(const YAML::Node& stages, const PipelineOptions& options = {});

}  // namespace logstack::collector
