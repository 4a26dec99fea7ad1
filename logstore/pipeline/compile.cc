// CompilePipeline, CompileLabelFilters and RequiredLiterals (stage.h).

#include <string>
#include <type_traits>
#include <vector>

#include "logstore/logql/printer.h"
#include "logstore/pipeline/regex_util.h"
#include "logstore/pipeline/stage.h"
#include "logstore/pipeline/stages_internal.h"

namespace logstack::logstore::pipeline {
namespace {

Status StageError(const logql::Stage& stage, const Status& st) {
  return InvalidArgument("stage '" + logql::FormatStage(stage) + "' : " + st.message());
}

// Stages that rewrite the line: line filters must stay on their side.
bool ChangesLine(const logql::Stage& s) {
  return std::holds_alternative<logql::LineFormatStage>(s) ||
         std::holds_alternative<logql::UnpackStage>(s) ||
         std::holds_alternative<logql::DecolorizeStage>(s);
}

StatusOr<StageRuntimePtr> CompileStage(const logql::Stage& stage, const CompileOptions& options) {
  return std::visit(
      [&](const auto& s) -> StatusOr<StageRuntimePtr> {
        using T = std::decay_t<decltype(s)>;
        if constexpr (std::is_same_v<T, logql::LineFilterStage>) {
          auto r = MakeLineFilter(s);
          if (!r.ok()) return StageError(stage, r.status());
          return r;
        } else if constexpr (std::is_same_v<T, logql::JsonStage>) {
          return MakeJsonParser(s);
        } else if constexpr (std::is_same_v<T, logql::LogfmtStage>) {
          return MakeLogfmtParser(s);
        } else if constexpr (std::is_same_v<T, logql::RegexpStage>) {
          return MakeRegexpParser(s);
        } else if constexpr (std::is_same_v<T, logql::PatternStage>) {
          return MakePatternParser(s);
        } else if constexpr (std::is_same_v<T, logql::UnpackStage>) {
          return MakeUnpackParser();
        } else if constexpr (std::is_same_v<T, logql::DecolorizeStage>) {
          return MakeDecolorize();
        } else if constexpr (std::is_same_v<T, logql::LabelFilterStage>) {
          return MakeLabelFilter(s);
        } else if constexpr (std::is_same_v<T, logql::LineFormatStage>) {
          auto r = MakeLineFormat(s, options);
          if (!r.ok()) return StageError(stage, r.status());
          return r;
        } else if constexpr (std::is_same_v<T, logql::LabelFormatStage>) {
          auto r = MakeLabelFormat(s, options);
          if (!r.ok()) return StageError(stage, r.status());
          return r;
        } else if constexpr (std::is_same_v<T, logql::DropStage>) {
          return MakeDrop(s);
        } else {
          static_assert(std::is_same_v<T, logql::KeepStage>);
          return MakeKeep(s);
        }
      },
      stage);
}

}  // namespace

StatusOr<PipelinePtr> CompilePipeline(const std::vector<logql::Stage>& stages,
                                      const CompileOptions& options) {
  // Like Loki, run line filters as early as they can go: before the parsers
  // and label stages that precede them, but never across a stage that
  // rewrites the line. This changes no answer and saves parsing lines that
  // a filter drops.
  std::vector<const logql::Stage*> order;
  {
    std::vector<const logql::Stage*> filters, rest;
    for (const auto& s : stages) {
      if (std::holds_alternative<logql::LineFilterStage>(s)) {
        filters.push_back(&s);
      } else if (ChangesLine(s)) {
        order.insert(order.end(), filters.begin(), filters.end());
        order.insert(order.end(), rest.begin(), rest.end());
        order.push_back(&s);
        filters.clear();
        rest.clear();
      } else {
        rest.push_back(&s);
      }
    }
    order.insert(order.end(), filters.begin(), filters.end());
    order.insert(order.end(), rest.begin(), rest.end());
  }
  std::vector<StageRuntimePtr> out;
  out.reserve(order.size());
  for (const logql::Stage* s : order) {
    auto r = CompileStage(*s, options);
    if (!r.ok()) return r.status();
    out.push_back(std::move(*r));
  }
  return std::make_unique<Pipeline>(std::move(out));
}

StatusOr<PipelinePtr> CompileLabelFilters(const std::vector<logql::LabelFilterStage>& filters) {
  std::vector<StageRuntimePtr> out;
  for (const auto& f : filters) {
    auto r = MakeLabelFilter(f);
    if (!r.ok()) return r.status();
    out.push_back(std::move(*r));
  }
  return std::make_unique<Pipeline>(std::move(out));
}

std::vector<std::string> RequiredLiterals(const std::vector<logql::Stage>& stages) {
  std::vector<std::string> out;
  for (const auto& s : stages) {
    if (ChangesLine(s)) break;
    const auto* f = std::get_if<logql::LineFilterStage>(&s);
    if (f == nullptr || f->terms.size() != 1 || f->terms[0].is_ip) continue;
    const std::string& v = f->terms[0].value;
    if (f->op == logql::LineFilterOp::kContains) {
      if (!v.empty()) out.push_back(v);
    } else if (f->op == logql::LineFilterOp::kRegex) {
      auto lit = SimplifyRegex(v);
      if (lit && !lit->case_insensitive && !lit->match_all && lit->literals.size() == 1 &&
          !lit->literals[0].empty()) {
        out.push_back(lit->literals[0]);
      }
    }
  }
  return out;
}

}  // namespace logstack::logstore::pipeline
