#pragma once

// Go text/template, the subset Loki's line_format and label_format use:
// actions `{{ }}` with trim markers `{{-`/`-}}`, fields `.name`, variables
// `$`, pipelines `a | f b`, parentheses, string/raw-string/number/bool
// literals, if/else if/else/end, range is not needed, and Loki's function set
// (sprig's string and math helpers plus Loki's own: ToUpper, ToLower, trim,
// replace, regexReplaceAll, regexReplaceAllLiteral, default, printf, div,
// add, sub, mul, mod, addf, subf, mulf, divf, round, ceil, floor, unixEpoch,
// unixEpochMillis, unixEpochNanos, toDate, toDateInZone, date, now,
// alignLeft, alignRight, trunc, substr, title, b64enc, b64dec, urlencode,
// urldecode, contains, hasPrefix, hasSuffix, eq/ne/lt/le/gt/ge, and/or/not,
// len, count, fromJson, ...). An unknown function is a parse error:
//   template: line:1: function "foo" not defined
//
// Data: the entry's labels as fields ({{.app}}), plus the functions
// __line__ and __timestamp__ that Loki provides.
//
// Thread safety: a parsed Template is immutable; Execute may run from many
// threads at once.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace logstack::logstore::tmpl {

// What a template reads while it runs.
class TemplateData {
 public:
  virtual ~TemplateData() = default;
  // The value of label `name`, or nullopt when absent (renders as "").
  virtual std::optional<std::string_view> Label(std::string_view name) const = 0;
  virtual std::string_view Line() const = 0;  // __line__
  virtual int64_t TimestampNs() const = 0;    // __timestamp__
  // The time `now` returns, in Unix nanoseconds: the caller's Clock (the
  // pipeline passes the engine's), so that tests fix it.
  virtual int64_t NowNs() const = 0;
};

// Loki's default limits_config.max_line_size.
inline constexpr size_t kDefaultMaxOutputBytes = 256 << 10;

struct TemplateOptions {
  // The most bytes one Execute may append, and the longest string any
  // function may build on the way (repeat, printf's widths, replace, ...):
  // a template builds no line longer than a line may be. Functions refuse
  // before they allocate; the executor checks every value and its output.
  size_t max_output_bytes = kDefaultMaxOutputBytes;
};

class Template {
 public:
  // Parses `text`; errors as Go reports them, e.g.
  //   template: line:1: unclosed action
  // (`name` is "line" for line_format, "label" for label_format). A template
  // nested deeper than 100 levels is refused (see parse.h).
  static StatusOr<std::shared_ptr<const Template>> Parse(std::string_view name,
                                                         std::string_view text,
                                                         const TemplateOptions& options = {});
  virtual ~Template() = default;
  // Appends the output to *out. An execution error (e.g. a function given a
  // bad argument, or output past options.max_output_bytes) returns a non-OK
  // status; Loki then sets __error__="TemplateFormatErr" and keeps the line.
  // A range runs at most 1M iterations in one Execute, nested ones included.
  virtual Status Execute(const TemplateData& data, std::string* out) const = 0;
};

}  // namespace logstack::logstore::tmpl
