// template: sets extracted[source] to the output of a Go text/template run
// over the extracted data, with .Value the current value of `source` and
// .Entry the line (Promtail's template stage). The functions are those of
// Loki's line_format (logstore/template): ToUpper, ToLower, Replace,
// TrimSpace, TrimPrefix, regexReplaceAll, default, printf, ...; an unknown
// function is an error at start. An execution error leaves the value as it
// was.

#include <deque>

#include "collector/pipeline/stage_builders.h"
#include "logstore/template/template.h"

namespace logstack::collector {
namespace {

class TemplateData : public logstore::tmpl::TemplateData {
 public:
  TemplateData(const PipelineEntry& e, const std::string& source, int64_t now_ns)
      : e_(e), source_(source), now_ns_(now_ns) {}

  std::optional<std::string_view> Label(std::string_view name) const override {
    if (name == "Entry") return std::string_view(e_.entry.line);
    auto it = e_.extracted.find(name == "Value" ? std::string_view(source_) : name);
    if (it == e_.extracted.end()) return std::nullopt;
    std::optional<std::string> s = it->second.AsString();
    if (!s) return std::nullopt;
    scratch_.push_back(std::move(*s));
    return std::string_view(scratch_.back());
  }
  std::string_view Line() const override { return e_.entry.line; }
  int64_t TimestampNs() const override { return e_.entry.timestamp_ns; }
  int64_t NowNs() const override { return now_ns_; }

 private:
  const PipelineEntry& e_;
  const std::string& source_;
  int64_t now_ns_;
  // Views returned by Label stay valid for the whole Execute.
  mutable std::deque<std::string> scratch_;
};

class TemplateStage : public SimpleStage {
 public:
  TemplateStage(std::string source, std::shared_ptr<const logstore::tmpl::Template> tmpl)
      : source_(std::move(source)), tmpl_(std::move(tmpl)) {}

 protected:
  bool Apply(PipelineEntry& e, int64_t now_ns) override {
    std::string out;
    TemplateData data(e, source_, now_ns);
    if (!tmpl_->Execute(data, &out).ok()) return true;
    e.extracted.insert_or_assign(source_, ExtractedValue::String(std::move(out)));
    return true;
  }

 private:
  std::string source_;
  std::shared_ptr<const logstore::tmpl::Template> tmpl_;
};

}  // namespace

StatusOr<StagePtr> BuildTemplateStage(const StageConfig& cfg, const BuildContext&) {
  LOGSTACK_RETURN_IF_ERROR(cfg.CheckMap({"source", "template"}));
  LOGSTACK_ASSIGN_OR_RETURN(auto source, cfg.String("source"));
  if (!source || source->empty()) return cfg.KeyError("source", "is required");
  LOGSTACK_ASSIGN_OR_RETURN(auto text, cfg.String("template"));
  if (!text || text->empty()) return cfg.KeyError("template", "is required");
  auto tmpl = logstore::tmpl::Template::Parse("template", *text);
  if (!tmpl.ok()) return cfg.KeyError("template", tmpl.status().message());
  return StagePtr(std::make_unique<TemplateStage>(*source, std::move(*tmpl)));
}

}  // namespace logstack::collector
