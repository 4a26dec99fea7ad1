// libFuzzer target for the template engine (line_format / label_format):
// any input must parse or fail with a Status, and a template that parses
// must execute to an output within TemplateOptions::max_output_bytes or to
// an error, never crash, never hang (ranges are budgeted) and never build
// more than the limit. Runs on a thread with a query thread's stack
// (query_thread.h), so that deep nesting that would overflow the log store
// overflows here. The dictionary (template.dict) makes nesting easy to
// reach: {{if 1}}, {{end}}, parentheses, {{range}}, printf widths.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "logstore/template/template.h"
#include "tests/fuzz/query_thread.h"

namespace {

using logstack::logstore::tmpl::Template;
using logstack::logstore::tmpl::TemplateData;
using logstack::logstore::tmpl::TemplateOptions;

constexpr size_t kMaxOutput = 4096;

class Data : public TemplateData {
 public:
  std::optional<std::string_view> Label(std::string_view name) const override {
    if (name == "app") return "web";
    if (name == "n") return "42";
    if (name == "msg") return "a \"quoted\" message\nwith two lines";
    return std::nullopt;
  }
  std::string_view Line() const override { return "level=info msg=hello n=42"; }
  int64_t TimestampNs() const override { return 1705308827529000000; }
  int64_t NowNs() const override { return 1705309200000000000; }
};

void ParseAndExecute(std::string_view text) {
  TemplateOptions opts;
  opts.max_output_bytes = kMaxOutput;
  for (const char* name : {"line", "label"}) {
    auto t = Template::Parse(name, text, opts);
    if (!t.ok()) {
      if (t.status().message().empty()) std::abort();
      continue;
    }
    std::string out = "kept:";
    auto st = (*t)->Execute(Data(), &out);
    if (st.ok() && out.size() - 5 > kMaxOutput) {
      std::fprintf(stderr, "output of %zu bytes past the limit\n", out.size() - 5);
      std::abort();
    }
    if (out.compare(0, 5, "kept:") != 0) std::abort();  // Execute only appends
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  logstack::fuzz::RunOnQueryThread([text] { ParseAndExecute(text); });
  return 0;
}
