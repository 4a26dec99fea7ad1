#pragma once

// A TemplateData over a fixed label map, line and timestamp, with a fixed
// clock for `now`; and Render, which parses and runs a template once.

#include <map>
#include <string>

#include "logstore/template/template.h"

namespace logstack::logstore::tmpl::testing {

class FakeData : public TemplateData {
 public:
  FakeData() = default;
  FakeData(std::map<std::string, std::string> labels, std::string line = "", int64_t ts_ns = 0)
      : labels_(std::move(labels)), line_(std::move(line)), ts_ns_(ts_ns) {}

  std::optional<std::string_view> Label(std::string_view name) const override {
    auto it = labels_.find(std::string(name));
    if (it == labels_.end()) return std::nullopt;
    return std::string_view(it->second);
  }
  std::string_view Line() const override { return line_; }
  int64_t TimestampNs() const override { return ts_ns_; }
  int64_t NowNs() const override { return now_ns_; }

  void set_now_ns(int64_t ns) { now_ns_ = ns; }

 private:
  std::map<std::string, std::string> labels_;
  std::string line_;
  int64_t ts_ns_ = 0;
  int64_t now_ns_ = 1705309200000000000;  // 2024-01-15T09:00:00Z
};

// Parses and executes `text` ("line" template) against `data`; the output,
// or the parse or execution error.
inline StatusOr<std::string> Render(std::string_view text, const TemplateData& data) {
  auto t = Template::Parse("line", text);
  if (!t.ok()) return t.status();
  std::string out;
  Status st = (*t)->Execute(data, &out);
  if (!st.ok()) return st;
  return out;
}

inline StatusOr<std::string> Render(std::string_view text,
                                    std::map<std::string, std::string> labels = {}) {
  return Render(text, FakeData(std::move(labels)));
}

// The output, or "ERROR: message".
inline std::string R(std::string_view text, std::map<std::string, std::string> labels = {}) {
  auto r = Render(text, std::move(labels));
  return r.ok() ? *r : "ERROR: " + r.status().message();
}

}  // namespace logstack::logstore::tmpl::testing
