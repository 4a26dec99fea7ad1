// The parsing stages that fill the extracted data from the line (or from an
// extracted value named by `source`): regex, json and logfmt.

#include <re2/re2.h>

#include "collector/pipeline/jmespath.h"
#include "collector/pipeline/stage_builders.h"
#include "logstore/pipeline/logfmt_scan.h"
#include "logstore/pipeline/regex_util.h"

namespace logstack::collector {
namespace {

// The text a parsing stage reads: the line, or extracted[source] as a string.
// nullopt when the source is absent or null (the stage then does nothing).
std::optional<std::string> Input(const PipelineEntry& e, const std::string& source) {
  if (source.empty()) return e.entry.line;
  return ExtractedString(e.extracted, source);
}

// ---------------------------------------------------------------------------
// regex: every named group of the first match goes into the extracted data
// (a group that did not take part as "").

class RegexStage : public SimpleStage {
 public:
  RegexStage(std::shared_ptr<const re2::RE2> re, std::string source)
      : re_(std::move(re)), source_(std::move(source)) {
    for (const auto& [name, index] : re_->NamedCapturingGroups()) groups_.emplace_back(name, index);
    groups_max_ = 0;
    for (const auto& g : groups_) groups_max_ = std::max(groups_max_, g.second);
  }

 protected:
  bool Apply(PipelineEntry& e, int64_t) override {
    std::optional<std::string> in = Input(e, source_);
    if (!in) return true;
    std::vector<re2::StringPiece> m(static_cast<size_t>(groups_max_) + 1);
    if (!re_->Match(*in, 0, in->size(), re2::RE2::UNANCHORED, m.data(),
                    static_cast<int>(m.size()))) {
      return true;
    }
    for (const auto& [name, index] : groups_) {
      const re2::StringPiece& g = m[static_cast<size_t>(index)];
      e.extracted.insert_or_assign(name, ExtractedValue::String(std::string(g.data(), g.size())));
    }
    return true;
  }

 private:
  std::shared_ptr<const re2::RE2> re_;
  std::string source_;
  std::vector<std::pair<std::string, int>> groups_;
  int groups_max_ = 0;
};

// ---------------------------------------------------------------------------
// json: the line must be a JSON object; each expression's result goes into
// the extracted data (strings, numbers and booleans as they are, objects and
// arrays as compact JSON, no match as null).

class JsonStage : public SimpleStage {
 public:
  JsonStage(std::vector<std::pair<std::string, JmesPath>> exprs, std::string source,
            bool drop_malformed, DropCounters* drops)
      : exprs_(std::move(exprs)),
        source_(std::move(source)),
        drop_malformed_(drop_malformed),
        drops_(drops) {}

 protected:
  bool Apply(PipelineEntry& e, int64_t) override {
    std::optional<std::string> in = Input(e, source_);
    if (!in) return true;
    nlohmann::json doc = nlohmann::json::parse(*in, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded() || !doc.is_object()) {
      if (drop_malformed_) {
        drops_->Add("malformed_json");
        return false;
      }
      return true;
    }
    for (const auto& [name, path] : exprs_) {
      nlohmann::json r = path.Search(doc);
      ExtractedValue v;
      switch (r.type()) {
        case nlohmann::json::value_t::string:
          v = ExtractedValue::String(r.get<std::string>());
          break;
        case nlohmann::json::value_t::number_integer:
        case nlohmann::json::value_t::number_unsigned:
        case nlohmann::json::value_t::number_float:
          v = ExtractedValue::Number(r.get<double>());
          break;
        case nlohmann::json::value_t::boolean:
          v = ExtractedValue::Bool(r.get<bool>());
          break;
        case nlohmann::json::value_t::null:
          v = ExtractedValue::Null();
          break;
        default:
          v = ExtractedValue::String(GoJsonMarshal(r));
      }
      e.extracted.insert_or_assign(name, std::move(v));
    }
    return true;
  }

 private:
  std::vector<std::pair<std::string, JmesPath>> exprs_;
  std::string source_;
  bool drop_malformed_;
  DropCounters* drops_;
};

// ---------------------------------------------------------------------------
// logfmt: the mapped keys of the line go into the extracted data; a syntax
// error stops the scan, keeping what was extracted before it.

class LogfmtStage : public SimpleStage {
 public:
  // mapping: logfmt key -> extracted names.
  LogfmtStage(std::multimap<std::string, std::string, std::less<>> by_key, std::string source)
      : by_key_(std::move(by_key)), source_(std::move(source)) {}

 protected:
  bool Apply(PipelineEntry& e, int64_t) override {
    std::optional<std::string> in = Input(e, source_);
    if (!in) return true;
    scanner_.Reset(*in);
    while (!scanner_.Eol()) {
      if (!scanner_.Next()) break;
      auto [first, last] = by_key_.equal_range(scanner_.key());
      for (auto it = first; it != last; ++it) {
        e.extracted.insert_or_assign(it->second,
                                     ExtractedValue::String(std::string(scanner_.value())));
      }
    }
    return true;
  }

 private:
  std::multimap<std::string, std::string, std::less<>> by_key_;
  std::string source_;
  logstore::pipeline::LogfmtScanner scanner_;
};

}  // namespace

StatusOr<StagePtr> MakeRegexStage(const std::string& expression, const std::string& source) {
  LOGSTACK_ASSIGN_OR_RETURN(auto re, logstore::pipeline::CompileGoRegex(expression));
  if (re->NamedCapturingGroups().empty()) {
    return InvalidArgument("expression must have at least one named capture group (?P<name>...)");
  }
  return StagePtr(std::make_unique<RegexStage>(std::move(re), source));
}

StatusOr<StagePtr> BuildRegexStage(const StageConfig& cfg, const BuildContext&) {
  LOGSTACK_RETURN_IF_ERROR(cfg.CheckMap({"expression", "source"}));
  LOGSTACK_ASSIGN_OR_RETURN(auto expr, cfg.String("expression"));
  if (!expr || expr->empty()) return cfg.KeyError("expression", "is required");
  LOGSTACK_ASSIGN_OR_RETURN(auto source, cfg.String("source"));
  auto stage = MakeRegexStage(*expr, source.value_or(""));
  if (!stage.ok()) return cfg.KeyError("expression", stage.status().message());
  return stage;
}

StatusOr<StagePtr> BuildJsonStage(const StageConfig& cfg, const BuildContext& ctx) {
  LOGSTACK_RETURN_IF_ERROR(cfg.CheckMap({"expressions", "source", "drop_malformed"}));
  LOGSTACK_ASSIGN_OR_RETURN(auto exprs, cfg.StringMap("expressions"));
  if (exprs.empty()) {
    return cfg.KeyError("expressions",
                        "is required: a map of extracted names to JMESPath expressions");
  }
  std::vector<std::pair<std::string, JmesPath>> compiled;
  for (auto& [name, expr] : exprs) {
    auto p = JmesPath::Compile(expr.empty() ? name : expr);
    if (!p.ok()) return cfg.KeyError("expressions: " + name, p.status().message());
    compiled.emplace_back(name, std::move(*p));
  }
  LOGSTACK_ASSIGN_OR_RETURN(auto source, cfg.String("source"));
  LOGSTACK_ASSIGN_OR_RETURN(auto drop, cfg.Bool("drop_malformed"));
  return StagePtr(std::make_unique<JsonStage>(std::move(compiled), source.value_or(""),
                                              drop.value_or(false), ctx.drops));
}

StatusOr<StagePtr> BuildLogfmtStage(const StageConfig& cfg, const BuildContext&) {
  LOGSTACK_RETURN_IF_ERROR(cfg.CheckMap({"mapping", "source"}));
  LOGSTACK_ASSIGN_OR_RETURN(auto mapping, cfg.StringMap("mapping"));
  if (mapping.empty()) {
    return cfg.KeyError("mapping", "is required: a map of extracted names to logfmt keys");
  }
  std::multimap<std::string, std::string, std::less<>> by_key;
  for (auto& [name, key] : mapping) by_key.emplace(key.empty() ? name : key, name);
  LOGSTACK_ASSIGN_OR_RETURN(auto source, cfg.String("source"));
  return StagePtr(std::make_unique<LogfmtStage>(std::move(by_key), source.value_or("")));
}

}  // namespace logstack::collector
