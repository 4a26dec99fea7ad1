// line_format and label_format, on the Go template engine (template/).

#include <string>
#include <utility>
#include <vector>

#include "logstore/pipeline/stages_internal.h"
#include "logstore/template/template.h"

namespace logstack::logstore::pipeline {
namespace {

// Labels read live from the builder.
class BuilderData : public tmpl::TemplateData {
 public:
  BuilderData(const LabelsBuilder* lbs, std::string_view line, int64_t ts, const Clock* clock)
      : lbs_(lbs), line_(line), ts_(ts), clock_(clock) {}
  std::optional<std::string_view> Label(std::string_view name) const override {
    return lbs_->Get(name);
  }
  std::string_view Line() const override { return line_; }
  int64_t TimestampNs() const override { return ts_; }
  int64_t NowNs() const override { return clock_->NowNanos(); }

 private:
  const LabelsBuilder* lbs_;
  std::string_view line_;
  int64_t ts_;
  const Clock* clock_;
};

// A snapshot of the labels: label_format's templates all see the labels as
// they were when its first template ran, as in Loki.
class SnapshotData : public tmpl::TemplateData {
 public:
  SnapshotData(const std::vector<std::pair<std::string, std::string>>* labels,
               std::string_view line, int64_t ts, const Clock* clock)
      : labels_(labels), line_(line), ts_(ts), clock_(clock) {}
  std::optional<std::string_view> Label(std::string_view name) const override {
    for (const auto& [n, v] : *labels_) {
      if (n == name) return std::string_view(v);
    }
    return std::nullopt;
  }
  std::string_view Line() const override { return line_; }
  int64_t TimestampNs() const override { return ts_; }
  int64_t NowNs() const override { return clock_->NowNanos(); }

 private:
  const std::vector<std::pair<std::string, std::string>>* labels_;
  std::string_view line_;
  int64_t ts_;
  const Clock* clock_;
};

// The clock `now` reads, and template options, from the pipeline's.
const Clock* ClockOf(const CompileOptions& o) {
  return o.clock != nullptr ? o.clock : &RealClock::Default();
}
tmpl::TemplateOptions TemplateOptionsOf(const CompileOptions& o) {
  constexpr uint64_t kUnlimitedLineSize = 64 << 20;
  tmpl::TemplateOptions t;
  t.max_output_bytes = o.max_line_size != 0 ? o.max_line_size : kUnlimitedLineSize;
  return t;
}

class LineFormat : public StageRuntime {
 public:
  LineFormat(std::shared_ptr<const tmpl::Template> t, const Clock* clock)
      : t_(std::move(t)), clock_(clock) {}
  bool Process(int64_t ts, std::string_view* line, LabelsBuilder* lbs) override {
    // The output may be read from the previous output (__line__): render
    // into the spare buffer, then swap.
    spare_.clear();
    Status st = t_->Execute(BuilderData(lbs, *line, ts, clock_), &spare_);
    if (!st.ok()) {
      lbs->SetError(kTemplateFormatErr, st.message());
      return true;
    }
    out_.swap(spare_);
    *line = out_;
    return true;
  }
  StageRuntimePtr Clone() const override { return std::make_unique<LineFormat>(t_, clock_); }

 private:
  std::shared_ptr<const tmpl::Template> t_;
  const Clock* clock_;
  std::string out_, spare_;
};

struct FormatItem {
  std::string dst;
  std::string src;                          // rename
  std::shared_ptr<const tmpl::Template> t;  // template
};

class LabelFormat : public StageRuntime {
 public:
  LabelFormat(std::shared_ptr<const std::vector<FormatItem>> items, const Clock* clock)
      : items_(std::move(items)), clock_(clock) {}
  bool Process(int64_t ts, std::string_view* line, LabelsBuilder* lbs) override {
    bool have_snapshot = false;
    for (const FormatItem& it : *items_) {
      if (!it.t) {
        auto v = lbs->Get(it.src);
        if (!v) continue;
        LabelCategory cat = lbs->ParsedHas(it.src) ? LabelCategory::kParsed
                            : lbs->BaseHas(it.src) ? LabelCategory::kStream
                                                   : LabelCategory::kMetadata;
        value_.assign(*v);
        lbs->Set(cat, it.dst, value_);
        if (it.src != it.dst) lbs->Del(it.src);
        continue;
      }
      if (!have_snapshot) {
        snapshot_.clear();
        lbs->ForEach([&](std::string_view n, std::string_view v) {
          snapshot_.emplace_back(std::string(n), std::string(v));
        });
        have_snapshot = true;
      }
      value_.clear();
      Status st = it.t->Execute(SnapshotData(&snapshot_, *line, ts, clock_), &value_);
      if (!st.ok()) {
        lbs->SetError(kTemplateFormatErr, st.message());
        continue;
      }
      lbs->Set(LabelCategory::kParsed, it.dst, value_);
    }
    return true;
  }
  StageRuntimePtr Clone() const override { return std::make_unique<LabelFormat>(items_, clock_); }

 private:
  std::shared_ptr<const std::vector<FormatItem>> items_;
  const Clock* clock_;
  std::vector<std::pair<std::string, std::string>> snapshot_;
  std::string value_;
};

}  // namespace

StatusOr<StageRuntimePtr> MakeLineFormat(const logql::LineFormatStage& s,
                                         const CompileOptions& options) {
  auto t = tmpl::Template::Parse("line", s.tmpl, TemplateOptionsOf(options));
  if (!t.ok()) return InvalidArgument("invalid line template: " + t.status().message());
  return StageRuntimePtr(std::make_unique<LineFormat>(std::move(*t), ClockOf(options)));
}

StatusOr<StageRuntimePtr> MakeLabelFormat(const logql::LabelFormatStage& s,
                                          const CompileOptions& options) {
  auto items = std::make_shared<std::vector<FormatItem>>();
  for (const auto& it : s.items) {
    for (const auto& prev : *items) {
      if (prev.dst == it.dst) {
        return InvalidArgument("multiple label name '" + it.dst +
                               "' not allowed in a single format operation");
      }
    }
    FormatItem f;
    f.dst = it.dst;
    if (it.is_template) {
      auto t = tmpl::Template::Parse("label", it.value, TemplateOptionsOf(options));
      if (!t.ok()) return InvalidArgument("invalid label template: " + t.status().message());
      f.t = std::move(*t);
    } else {
      f.src = it.value;
    }
    items->push_back(std::move(f));
  }
  return StageRuntimePtr(std::make_unique<LabelFormat>(std::move(items), ClockOf(options)));
}

}  // namespace logstack::logstore::pipeline
