// Number functions: sprig's integer math (add, sub, mul, div, mod, max, min:
// arguments converted with cast.ToInt64), its float math (addf, subf, mulf,
// divf in exact decimal arithmetic, as sprig does with shopspring/decimal;
// maxf, minf, ceil, floor, round), the conversions int and float64, and
// Loki's bytes and duration.

#include <cmath>
#include <string>

#include "logstore/logql/go_syntax.h"
#include "logstore/template/decimal.h"
#include "logstore/template/functions.h"
#include "logstore/template/go_fmt.h"
#include "logstore/template/utf8.h"

namespace logstack::logstore::tmpl {
namespace {

using Args = std::span<Value>;

Status Int64Result(int64_t v, Value* out) {
  *out = Value::Int64(v);
  return Status::Ok();
}

Status FloatResult(double v, Value* out) {
  *out = Value::Float(v);
  return Status::Ok();
}

// Go's wrapping int64 arithmetic.
int64_t WrapAdd(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}
int64_t WrapSub(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
}
int64_t WrapMul(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b));
}

Status FnAdd(Args a, const CallContext&, Value* out) {
  int64_t sum = 0;
  for (const Value& v : a) sum = WrapAdd(sum, ToInt64(v));
  return Int64Result(sum, out);
}

Status FnSub(Args a, const CallContext&, Value* out) {
  return Int64Result(WrapSub(ToInt64(a[0]), ToInt64(a[1])), out);
}

Status FnMul(Args a, const CallContext&, Value* out) {
  int64_t p = ToInt64(a[0]);
  for (size_t i = 1; i < a.size(); ++i) p = WrapMul(p, ToInt64(a[i]));
  return Int64Result(p, out);
}

Status FnDiv(Args a, const CallContext&, Value* out) {
  int64_t x = ToInt64(a[0]), y = ToInt64(a[1]);
  if (y == 0) return CallError("runtime error: integer divide by zero");
  if (y == -1) return Int64Result(WrapSub(0, x), out);
  return Int64Result(x / y, out);
}

Status FnMod(Args a, const CallContext&, Value* out) {
  int64_t x = ToInt64(a[0]), y = ToInt64(a[1]);
  if (y == 0) return CallError("runtime error: integer divide by zero");
  if (y == -1) return Int64Result(0, out);
  return Int64Result(x % y, out);
}

Status FnMax(Args a, const CallContext&, Value* out) {
  int64_t m = ToInt64(a[0]);
  for (size_t i = 1; i < a.size(); ++i) m = std::max(m, ToInt64(a[i]));
  return Int64Result(m, out);
}

Status FnMin(Args a, const CallContext&, Value* out) {
  int64_t m = ToInt64(a[0]);
  for (size_t i = 1; i < a.size(); ++i) m = std::min(m, ToInt64(a[i]));
  return Int64Result(m, out);
}

// sprig's execDecimalOp: each operand converted to float64, then to the
// shortest decimal that reads back as it, and combined exactly.
Status DecimalOp(Decimal acc, Args rest, Decimal::Op op, Value* out) {
  for (const Value& v : rest) {
    Decimal d;
    LOGSTACK_RETURN_IF_ERROR(Decimal::FromDouble(ToFloat64(v), &d));
    LOGSTACK_RETURN_IF_ERROR(acc.Apply(op, d));
  }
  return FloatResult(acc.ToDouble(), out);
}

Status FnAddf(Args a, const CallContext&, Value* out) {
  return DecimalOp(Decimal(), a, Decimal::Op::kAdd, out);
}

Status FirstDecimal(const Value& v, Decimal* d) { return Decimal::FromDouble(ToFloat64(v), d); }

Status FnSubf(Args a, const CallContext&, Value* out) {
  Decimal d;
  LOGSTACK_RETURN_IF_ERROR(FirstDecimal(a[0], &d));
  return DecimalOp(std::move(d), a.subspan(1), Decimal::Op::kSub, out);
}

Status FnMulf(Args a, const CallContext&, Value* out) {
  Decimal d;
  LOGSTACK_RETURN_IF_ERROR(FirstDecimal(a[0], &d));
  return DecimalOp(std::move(d), a.subspan(1), Decimal::Op::kMul, out);
}

Status FnDivf(Args a, const CallContext&, Value* out) {
  Decimal d;
  LOGSTACK_RETURN_IF_ERROR(FirstDecimal(a[0], &d));
  return DecimalOp(std::move(d), a.subspan(1), Decimal::Op::kDiv, out);
}

Status FnMaxf(Args a, const CallContext&, Value* out) {
  double m = ToFloat64(a[0]);
  for (size_t i = 1; i < a.size(); ++i) {
    double b = ToFloat64(a[i]);
    // math.Max: NaN wins, +0 beats -0.
    if (std::isnan(m) || std::isnan(b)) {
      m = NAN;
    } else if (b > m || (b == 0 && m == 0 && !std::signbit(b))) {
      m = b;
    }
  }
  return FloatResult(m, out);
}

Status FnMinf(Args a, const CallContext&, Value* out) {
  double m = ToFloat64(a[0]);
  for (size_t i = 1; i < a.size(); ++i) {
    double b = ToFloat64(a[i]);
    if (std::isnan(m) || std::isnan(b)) {
      m = NAN;
    } else if (b < m || (b == 0 && m == 0 && std::signbit(b))) {
      m = b;
    }
  }
  return FloatResult(m, out);
}

Status FnCeil(Args a, const CallContext&, Value* out) {
  return FloatResult(std::ceil(ToFloat64(a[0])), out);
}

Status FnFloor(Args a, const CallContext&, Value* out) {
  return FloatResult(std::floor(ToFloat64(a[0])), out);
}

// sprig's round(a, places, roundOn=.5): the fraction of a*10^places decides
// between ceil and floor (so negative halves round toward zero).
Status FnRound(Args a, const CallContext&, Value* out) {
  double round_on = a.size() > 2 ? a[2].float_value() : 0.5;
  double val = ToFloat64(a[0]);
  double pow = std::pow(10.0, static_cast<double>(a[1].int_value()));
  double digit = pow * val;
  double ipart;
  double frac = std::modf(digit, &ipart);
  double r = frac >= round_on ? std::ceil(digit) : std::floor(digit);
  return FloatResult(r / pow, out);
}

Status FnInt(Args a, const CallContext&, Value* out) {
  *out = Value::Int(ToInt64(a[0]));
  return Status::Ok();
}

Status FnFloat64(Args a, const CallContext&, Value* out) {
  return FloatResult(ToFloat64(a[0]), out);
}

// humanize.ParseBytes: "1.5KB" is 1500, "3KiB" 3072.
Status FnBytes(Args a, const CallContext&, Value* out) {
  std::string_view s = a[0].str();
  size_t last = 0;
  bool comma = false;
  while (last < s.size()) {
    char c = s[last];
    if (!((c >= '0' && c <= '9') || c == '.' || c == ',')) break;
    comma = comma || c == ',';
    ++last;
  }
  std::string num(s.substr(0, last));
  if (comma) {
    std::string t;
    for (char c : num) {
      if (c != ',') t.push_back(c);
    }
    num = t;
  }
  double f;
  if (!GoParseFloat(num, &f)) {
    return CallError("strconv.ParseFloat: parsing \"" + num + "\": invalid syntax");
  }
  std::string_view rest = s.substr(last);
  while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
  while (!rest.empty() && (rest.back() == ' ' || rest.back() == '\t')) rest.remove_suffix(1);
  std::string unit;
  for (char c : rest)
    unit.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  static constexpr std::pair<std::string_view, double> kUnits[] = {
      {"", 1},
      {"b", 1},
      {"k", 1e3},
      {"kb", 1e3},
      {"ki", 1024.0},
      {"kib", 1024.0},
      {"m", 1e6},
      {"mb", 1e6},
      {"mi", 1048576.0},
      {"mib", 1048576.0},
      {"g", 1e9},
      {"gb", 1e9},
      {"gi", 1073741824.0},
      {"gib", 1073741824.0},
      {"t", 1e12},
      {"tb", 1e12},
      {"ti", 1099511627776.0},
      {"tib", 1099511627776.0},
      {"p", 1e15},
      {"pb", 1e15},
      {"pi", 1125899906842624.0},
      {"pib", 1125899906842624.0},
      {"e", 1e18},
      {"eb", 1e18},
      {"ei", 1152921504606846976.0},
      {"eib", 1152921504606846976.0},
  };
  for (const auto& [name, mult] : kUnits) {
    if (unit == name) {
      f *= mult;
      if (f >= 18446744073709551615.0) return CallError("too large: " + std::string(s));
      *out = Value::Uint64(static_cast<uint64_t>(f));
      return Status::Ok();
    }
  }
  return CallError("unhandled size name: " + unit);
}

// time.ParseDuration, in seconds (Duration.Seconds()).
Status FnDuration(Args a, const CallContext&, Value* out) {
  auto d = logql::ParseGoDurationStrict(a[0].str());
  if (!d.ok()) return CallError(d.status().message());
  const int64_t sec = *d / 1000000000;
  const int64_t nsec = *d % 1000000000;
  return FloatResult(static_cast<double>(sec) + static_cast<double>(nsec) / 1e9, out);
}

constexpr FuncDef kMath[] = {
    {"add", "a*", FnAdd},       {"sub", "aa", FnSub},          {"mul", "aa*", FnMul},
    {"div", "aa", FnDiv},       {"mod", "aa", FnMod},          {"max", "aa*", FnMax},
    {"min", "aa*", FnMin},      {"addf", "a*", FnAddf},        {"subf", "aa*", FnSubf},
    {"mulf", "aa*", FnMulf},    {"divf", "aa*", FnDivf},       {"maxf", "aa*", FnMaxf},
    {"minf", "aa*", FnMinf},    {"ceil", "a", FnCeil},         {"floor", "a", FnFloor},
    {"round", "aif*", FnRound}, {"int", "a", FnInt},           {"float64", "a", FnFloat64},
    {"bytes", "s", FnBytes},    {"duration", "s", FnDuration},
};

}  // namespace

std::span<const FuncDef> MathFunctions() { return kMath; }

}  // namespace logstack::logstore::tmpl
