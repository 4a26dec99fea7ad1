#pragma once

// The functions a Loki template may call: Go's text/template builtins, the
// subset of sprig that Loki allows, and Loki's own. Each is described by its
// Go signature, which the executor uses to convert arguments the way Go's
// reflection does (a string parameter rejects an int, an untyped number
// constant becomes int or float64, ...).
//
// Thread safety: the table is immutable; functions are pure apart from `now`.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "common/status.h"
#include "logstore/template/template.h"
#include "logstore/template/value.h"

namespace logstack::logstore::tmpl {

struct CallContext {
  const TemplateData* data;
  // The longest string a function may return (TemplateOptions): functions
  // whose output can outgrow their input check it before they build.
  size_t max_bytes = SIZE_MAX;
};

// The error of a function whose result would be longer than ctx.max_bytes.
Status TooLarge(const CallContext& ctx);

// Returns OK with *out set, or an error that the executor reports as
// "error calling NAME: MESSAGE".
using FuncImpl = Status (*)(std::span<Value> args, const CallContext& ctx, Value* out);

struct FuncDef {
  std::string_view name;
  // One character a parameter: 'a' any (interface{}), 's' string, 'i' int,
  // 'f' float64, 'b' bool, 't' time.Time. A trailing '*' makes the last one
  // variadic.
  std::string_view params;
  FuncImpl impl;  // null for `and` and `or`, which the executor evaluates lazily
};

// The function named `name`, or null when Loki's templates have none.
const FuncDef* FindFunction(std::string_view name);

// Shared by the function families.
Status CallError(std::string msg);
// sprig's toInt64 / toFloat64 (spf13/cast, errors become 0).
int64_t ToInt64(const Value& v);
double ToFloat64(const Value& v);
// url.QueryEscape.
std::string QueryEscape(std::string_view s);

// The families, defined in functions_*.cc; FindFunction looks in all.
std::span<const FuncDef> BuiltinFunctions();  // Go's: and, or, not, eq, len, printf, ...
std::span<const FuncDef> StringFunctions();   // sprig's and Loki's string helpers
std::span<const FuncDef> MathFunctions();     // add, mulf, round, int, bytes, ...
std::span<const FuncDef> TimeFunctions();     // date, toDate, unixEpoch, now, ...

}  // namespace logstack::logstore::tmpl
