// drop: drops entries that meet every condition configured (AND; use several
// drop stages for OR): older_than, longer_than, and on the line or on the
// extracted `source` values (joined with `separator`) a regex `expression`
// or an exact `value`; `source` alone drops entries that have all its names
// in the extracted data.

#include <re2/re2.h>

#include "collector/pipeline/stage_builders.h"
#include "logstore/pipeline/regex_util.h"

namespace logstack::collector {
namespace {

struct DropConfig {
  std::vector<std::string> sources;  // empty: the line
  std::string separator = ";";
  std::shared_ptr<const re2::RE2> expression;
  std::optional<std::string> value;
  std::optional<int64_t> older_than_ns;
  std::optional<uint64_t> longer_than;
  std::string reason = "drop_stage";
};

class DropStage : public SimpleStage {
 public:
  DropStage(DropConfig cfg, DropCounters* drops) : cfg_(std::move(cfg)), drops_(drops) {}

 protected:
  bool Apply(PipelineEntry& e, int64_t now_ns) override {
    if (!Matches(e, now_ns)) return true;
    drops_->Add(cfg_.reason);
    return false;
  }

 private:
  bool Matches(const PipelineEntry& e, int64_t now_ns) const {
    if (cfg_.older_than_ns && e.entry.timestamp_ns > now_ns - *cfg_.older_than_ns) return false;
    if (cfg_.longer_than && e.entry.line.size() <= *cfg_.longer_than) return false;
    if (cfg_.sources.empty()) {
      return !cfg_.expression || re2::RE2::PartialMatch(e.entry.line, *cfg_.expression);
    }
    std::string joined;
    for (size_t i = 0; i < cfg_.sources.size(); ++i) {
      std::optional<std::string> v = ExtractedString(e.extracted, cfg_.sources[i]);
      if (!v) return false;
      if (i > 0) joined += cfg_.separator;
      joined += *v;
    }
    if (cfg_.expression) return re2::RE2::PartialMatch(joined, *cfg_.expression);
    if (cfg_.value) return joined == *cfg_.value;
    return true;
  }

  DropConfig cfg_;
  DropCounters* drops_;
};

}  // namespace

StatusOr<StagePtr> BuildDropStage(const StageConfig& cfg, const BuildContext& ctx) {
  LOGSTACK_RETURN_IF_ERROR(cfg.CheckMap({"source", "separator", "expression", "value", "older_than",
                                         "longer_than", "drop_counter_reason"}));
  DropConfig d;
  LOGSTACK_ASSIGN_OR_RETURN(auto sources, cfg.StringList("source"));
  if (sources) {
    for (auto& s : *sources) {
      if (!s.empty()) d.sources.push_back(std::move(s));
    }
  }
  LOGSTACK_ASSIGN_OR_RETURN(auto sep, cfg.String("separator"));
  if (sep) d.separator = *sep;
  LOGSTACK_ASSIGN_OR_RETURN(auto expr, cfg.String("expression"));
  if (expr && !expr->empty()) {
    auto re = logstore::pipeline::CompileGoRegex(*expr);
    if (!re.ok()) return cfg.KeyError("expression", re.status().message());
    d.expression = *re;
  }
  LOGSTACK_ASSIGN_OR_RETURN(d.value, cfg.String("value"));
  if (d.value && d.expression) {
    return cfg.Error("expression and value exclude each other: set one");
  }
  if (d.value && d.sources.empty()) return cfg.KeyError("value", "requires source");
  LOGSTACK_ASSIGN_OR_RETURN(d.older_than_ns, cfg.Duration("older_than"));
  LOGSTACK_ASSIGN_OR_RETURN(d.longer_than, cfg.ByteSize("longer_than"));
  LOGSTACK_ASSIGN_OR_RETURN(auto reason, cfg.String("drop_counter_reason"));
  if (reason && !reason->empty()) d.reason = *reason;
  if (d.sources.empty() && !d.expression && !d.older_than_ns && !d.longer_than) {
    return cfg.Error("needs at least one of source, expression, older_than or longer_than");
  }
  return StagePtr(std::make_unique<DropStage>(std::move(d), ctx.drops));
}

}  // namespace logstack::collector
