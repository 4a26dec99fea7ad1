// The `logfmt` parser stage, with --strict, --keep-empty and parameters.

#include <string>
#include <vector>

#include "logstore/model/labels.h"
#include "logstore/pipeline/logfmt_scan.h"
#include "logstore/pipeline/stages_internal.h"

namespace logstack::logstore::pipeline {
namespace {

class LogfmtParser : public StageRuntime {
 public:
  struct Param {
    std::string label;
    std::string key;
  };
  LogfmtParser(bool strict, bool keep_empty, std::shared_ptr<const std::vector<Param>> params)
      : strict_(strict), keep_empty_(keep_empty), params_(std::move(params)) {}

  bool Process(int64_t, std::string_view* line, LabelsBuilder* lbs) override {
    scan_.Reset(*line);
    bool failed = false;
    while (!scan_.Eol()) {
      if (!scan_.Next()) {
        failed = true;
        if (strict_) break;
        continue;
      }
      if (scan_.key().empty()) continue;
      if (params_) {
        OnParam(lbs);
        continue;
      }
      name_.clear();
      if (lbs->HasHints() && IsPlainKey(scan_.key())) {
        // Sanitising would not change it: reject unwanted keys without copying.
        if (!lbs->Wanted(scan_.key())) continue;
        name_.assign(scan_.key());
      } else {
        AppendSanitizedKey(&name_, scan_.key(), true);
        if (name_.empty() || !lbs->Wanted(name_)) continue;
      }
      std::string_view v = scan_.value();
      if (!scan_.has_value()) {
        if (!keep_empty_) continue;
        v = {};
      } else if (!IsCleanUtf8(v)) {
        if (!keep_empty_) continue;
        v = {};
      }
      SetExtracted(lbs, &name_, v);
    }
    if (strict_ && failed) lbs->SetError(kLogfmtParserErr, scan_.err());
    if (params_) {
      for (const Param& p : *params_) {
        if (!lbs->Get(p.label)) lbs->Set(LabelCategory::kParsed, p.label, "");
      }
    }
    return true;
  }

  StageRuntimePtr Clone() const override {
    return std::make_unique<LogfmtParser>(strict_, keep_empty_, params_);
  }

 private:
  void OnParam(LabelsBuilder* lbs) {
    for (const Param& p : *params_) {
      if (p.key != scan_.key()) continue;
      name_.assign(p.label);
      if (lbs->BaseHas(name_)) name_.append("_extracted");
      if (lbs->ParsedHas(name_)) continue;
      std::string_view v = scan_.value();
      if (!IsCleanUtf8(v)) v = {};
      lbs->Set(LabelCategory::kParsed, name_, v);
    }
  }

  bool strict_, keep_empty_;
  std::shared_ptr<const std::vector<Param>> params_;
  LogfmtScanner scan_;
  std::string name_;
};

}  // namespace

StatusOr<StageRuntimePtr> MakeLogfmtParser(const logql::LogfmtStage& s) {
  std::shared_ptr<std::vector<LogfmtParser::Param>> params;
  if (!s.params.empty()) {
    params = std::make_shared<std::vector<LogfmtParser::Param>>();
    for (const auto& p : s.params) {
      params->push_back(LogfmtParser::Param{p.label, p.expr.empty() ? p.label : p.expr});
    }
  }
  return StageRuntimePtr(std::make_unique<LogfmtParser>(s.strict, s.keep_empty, params));
}

}  // namespace logstack::logstore::pipeline
