// `| drop a, b="x"` and `| keep a, b=~"y.*"`.
//
// drop removes each named label (with a matcher: only when its value
// matches), __error__ and __error_details__ included. keep removes every
// label not listed (or whose value fails the listed matcher), but never the
// error labels, as in Loki.

#include <string>
#include <vector>

#include "logstore/pipeline/stages_internal.h"

namespace logstack::logstore::pipeline {
namespace {

using Items = std::shared_ptr<const std::vector<logql::DropKeepItem>>;

class DropStage : public StageRuntime {
 public:
  explicit DropStage(Items items) : items_(std::move(items)) {}
  bool Process(int64_t, std::string_view*, LabelsBuilder* lbs) override {
    for (const auto& it : *items_) {
      if (it.matcher) {
        auto v = lbs->Get(it.matcher->name());
        if (!v || !it.matcher->Matches(*v)) continue;
        lbs->Del(it.matcher->name());
      } else {
        lbs->Del(it.name);
      }
    }
    return true;
  }
  StageRuntimePtr Clone() const override { return std::make_unique<DropStage>(items_); }

 private:
  Items items_;
};

class KeepStage : public StageRuntime {
 public:
  explicit KeepStage(Items items) : items_(std::move(items)) {}
  bool Process(int64_t, std::string_view*, LabelsBuilder* lbs) override {
    names_.clear();
    lbs->ForEach([&](std::string_view name, std::string_view value) {
      if (name == kErrorLabel || name == kErrorDetailsLabel) return;
      for (const auto& it : *items_) {
        if (it.matcher) {
          if (it.matcher->name() == name && it.matcher->Matches(value)) return;
        } else if (it.name == name) {
          return;
        }
      }
      names_.emplace_back(name);
    });
    for (const auto& n : names_) lbs->Del(n);
    return true;
  }
  StageRuntimePtr Clone() const override { return std::make_unique<KeepStage>(items_); }

 private:
  Items items_;
  std::vector<std::string> names_;
};

Items Copy(const std::vector<logql::DropKeepItem>& items) {
  auto v = std::make_shared<std::vector<logql::DropKeepItem>>();
  for (const auto& it : items) {
    logql::DropKeepItem c;
    c.name = it.matcher ? it.matcher->name() : it.name;
    c.matcher = it.matcher;
    v->push_back(std::move(c));
  }
  return v;
}

}  // namespace

StageRuntimePtr MakeDrop(const logql::DropStage& s) {
  return std::make_unique<DropStage>(Copy(s.items));
}
StageRuntimePtr MakeKeep(const logql::KeepStage& s) {
  return std::make_unique<KeepStage>(Copy(s.items));
}

}  // namespace logstack::logstore::pipeline
