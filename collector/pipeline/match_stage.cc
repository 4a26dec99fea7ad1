// match: a LogQL stream selector with optional line filters
// (`{app="api", level!="debug"} |= "timeout" != "health"`) decides, per
// entry, whether the nested `stages` run on it (action keep, the default) or
// the entry is dropped (action drop). Label matchers compare with the
// entry's labels at that point; a label that is absent reads as "".

#include "collector/pipeline/stage_builders.h"
#include "logstore/logql/parser.h"
#include "logstore/pipeline/line_filter.h"

namespace logstack::collector {
namespace {

namespace logql = logstore::logql;

struct LineFilter {
  bool negative = false;
  std::vector<logstore::pipeline::LineMatcherPtr> terms;
};

class MatchStage : public Stage {
 public:
  MatchStage(std::vector<logstore::index::Matcher> matchers, std::vector<LineFilter> filters,
             StageChain nested, bool drop, std::string reason, DropCounters* drops)
      : matchers_(std::move(matchers)),
        filters_(std::move(filters)),
        nested_(std::move(nested)),
        drop_(drop),
        reason_(std::move(reason)),
        drops_(drops) {}

  void Process(PipelineEntry&& e, int64_t now_ns, std::vector<PipelineEntry>* out) override {
    if (!Matches(e.entry)) {
      out->push_back(std::move(e));
      return;
    }
    if (drop_) {
      drops_->Add(reason_);
      return;
    }
    nested_.Process(std::move(e), now_ns, out);
  }

  void Flush(int64_t now_ns, bool force, std::vector<PipelineEntry>* out) override {
    nested_.Flush(now_ns, force, out);
  }

 private:
  bool Matches(const Entry& e) const {
    for (const auto& m : matchers_) {
      const std::string* v = e.labels.Get(m.name());
      if (!m.Matches(v ? std::string_view(*v) : std::string_view())) return false;
    }
    for (const auto& f : filters_) {
      bool any = false;
      for (const auto& t : f.terms) {
        if (t->Matches(e.line)) {
          any = true;
          break;
        }
      }
      if (any == f.negative) return false;
    }
    return true;
  }

  std::vector<logstore::index::Matcher> matchers_;
  std::vector<LineFilter> filters_;
  StageChain nested_;
  bool drop_;
  std::string reason_;
  DropCounters* drops_;
};

}  // namespace

StatusOr<StagePtr> BuildMatchStage(const StageConfig& cfg, const BuildContext& ctx) {
  LOGSTACK_RETURN_IF_ERROR(
      cfg.CheckMap({"selector", "stages", "action", "pipeline_name", "drop_counter_reason"}));
  LOGSTACK_ASSIGN_OR_RETURN(auto selector, cfg.String("selector"));
  if (!selector || selector->empty()) {
    return cfg.KeyError("selector", "is required: a LogQL stream selector such as {app=\"api\"}");
  }
  auto parsed = logql::ParseExpr(*selector);
  if (!parsed.ok()) return cfg.KeyError("selector", parsed.status().message());
  if ((*parsed)->kind != logql::ExprKind::kLogSelector) {
    return cfg.KeyError("selector",
                        "must be a stream selector with optional line filters, not a "
                        "metric query");
  }
  auto& sel = static_cast<logql::LogSelectorExpr&>(**parsed);
  std::vector<LineFilter> filters;
  for (const auto& stage : sel.stages) {
    const auto* lf = std::get_if<logql::LineFilterStage>(&stage);
    if (lf == nullptr) {
      return cfg.KeyError("selector",
                          "only line filters (|=, !=, |~, !~, |>, !>) may follow the stream "
                          "selector; parsers and label filters are not allowed");
    }
    LineFilter f;
    f.negative = lf->op == logql::LineFilterOp::kNotContains ||
                 lf->op == logql::LineFilterOp::kNotRegex ||
                 lf->op == logql::LineFilterOp::kNotPattern;
    for (const auto& term : lf->terms) {
      auto m = logstore::pipeline::MakeLineMatcher(lf->op, term);
      if (!m.ok()) return cfg.KeyError("selector", m.status().message());
      f.terms.push_back(*m);
    }
    filters.push_back(std::move(f));
  }
  LOGSTACK_ASSIGN_OR_RETURN(auto action, cfg.String("action"));
  const bool drop = action && *action == "drop";
  if (action && !action->empty() && *action != "keep" && !drop) {
    return cfg.KeyError("action", "must be keep or drop, got \"" + *action + "\"");
  }
  LOGSTACK_ASSIGN_OR_RETURN(auto pipeline_name, cfg.String("pipeline_name"));
  (void)pipeline_name;  // Promtail names a metrics histogram with it; accepted, unused.
  LOGSTACK_ASSIGN_OR_RETURN(auto reason, cfg.String("drop_counter_reason"));
  const bool has_stages = cfg.Has("stages");
  if (drop && has_stages) return cfg.KeyError("stages", "must not be set with action: drop");
  if (!drop && !has_stages) {
    return cfg.KeyError("stages",
                        "is required with action keep (the default): the stages to run "
                        "on matching entries");
  }
  std::vector<StagePtr> nested;
  if (has_stages) {
    LOGSTACK_ASSIGN_OR_RETURN(nested,
                              BuildStageList(cfg.Get("stages"), cfg.where() + ": stages", ctx));
    if (nested.empty()) return cfg.KeyError("stages", "must have at least one stage");
  }
  return StagePtr(std::make_unique<MatchStage>(
      std::move(sel.matchers), std::move(filters), StageChain(std::move(nested)), drop,
      reason && !reason->empty() ? *reason : "match_stage", ctx.drops));
}

}  // namespace logstack::collector
