#pragma once

// The runtime form of a LogQL pipeline: each AST stage (logql/ast.h)
// compiled into a StageRuntime that processes one entry at a time.
//
// Usage, per stream and worker thread:
//   ASSIGN_OR_RETURN(PipelinePtr p, CompilePipeline(expr.stages));
//   LabelsBuilder lbs(&stream_labels);
//   for each entry:
//     lbs.Reset(metadata);
//     std::string_view line = entry.line;
//     if (!p->Process(entry.timestamp_ns, &line, &lbs)) continue;  // filtered out
//     // `line` may now point into storage owned by the pipeline: valid until
//     // the next Process call.
//
// Thread safety: a compiled Pipeline keeps per-call scratch state, so one
// Pipeline per thread; Clone() makes another cheaply (compiled regexes and
// templates are shared, immutable).

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "logstore/logql/ast.h"
#include "logstore/pipeline/labels_builder.h"

namespace logstack::logstore::pipeline {

class StageRuntime {
 public:
  virtual ~StageRuntime() = default;
  // Returns false to drop the entry. May replace *line with a view of
  // storage the stage owns (valid until its next Process call).
  virtual bool Process(int64_t ts, std::string_view* line, LabelsBuilder* lbs) = 0;
  virtual std::unique_ptr<StageRuntime> Clone() const = 0;
};
using StageRuntimePtr = std::unique_ptr<StageRuntime>;

class Pipeline;
using PipelinePtr = std::unique_ptr<Pipeline>;

class Pipeline {
 public:
  explicit Pipeline(std::vector<StageRuntimePtr> stages) : stages_(std::move(stages)) {}
  bool Process(int64_t ts, std::string_view* line, LabelsBuilder* lbs) {
    for (auto& s : stages_) {
      if (!s->Process(ts, line, lbs)) return false;
    }
    return true;
  }
  bool empty() const { return stages_.empty(); }
  PipelinePtr Clone() const {
    std::vector<StageRuntimePtr> c;
    c.reserve(stages_.size());
    for (auto& s : stages_) c.push_back(s->Clone());
    return std::make_unique<Pipeline>(std::move(c));
  }

 private:
  std::vector<StageRuntimePtr> stages_;
};

// What a compiled pipeline needs from its query.
struct CompileOptions {
  // The time of the template function `now`; null means
  // RealClock::Default(). REQUIRES: outlives the pipeline and its clones.
  const Clock* clock = nullptr;
  // The longest line (line_format) or label value (label_format) a template
  // may build: the tenant's limits.max_line_size; 0 (no line size limit)
  // means 64 MiB. Longer output is an execution error, TemplateFormatErr.
  uint64_t max_line_size = 256 << 10;
};

// Compiles AST stages. Errors are Loki's, as the HTTP API returns them
// (status 400), e.g.
//   stage '|~ "(unclosed"' : error parsing regexp: missing closing ): `(unclosed`
//   invalid regexp parser: at least one named capture must be supplied
// (without the "parse error : " prefix, which the caller adds).
StatusOr<PipelinePtr> CompilePipeline(const std::vector<logql::Stage>& stages,
                                      const CompileOptions& options = {});

// Compiles the label filters that follow an unwrap.
StatusOr<PipelinePtr> CompileLabelFilters(const std::vector<logql::LabelFilterStage>& filters);

// The literal substrings every line passing `stages` must contain (from the
// leading positive line filters), so the engine can skip blocks or use a
// fast search first. Empty when nothing is required.
std::vector<std::string> RequiredLiterals(const std::vector<logql::Stage>& stages);

}  // namespace logstack::logstore::pipeline
