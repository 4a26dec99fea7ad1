// Number functions: sprig's integer math (add, sub, mul, div, mod, max, min:
// arguments converted with cast.ToInt64), its float math (addf, subf, mulf,
// divf in exact decimal arithmetic, as sprig does with shopspring/decimal;
// maxf, minf, ceil, floor, round), the conversions int and float64, and
// Loki's bytes and duration.

#include <cmath>
#include <string>

#include "common/go/humanize.h"
#include "common/go/time.h"
#include "common/go/utf8.h"
#include "logstore/template/decimal.h"
#include "logstore/template/functions.h"
#include "logstore/template/go_fmt.h"

namespace logstack::logstore::tmpl {

using go::AppendRune;
using go::DecodeRune;
using go::kRuneError;
using go::RuneCount;
using go::RuneOffset;
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
  StatusOr<uint64_t> b = go::ParseBytes(a[0].str());
  if (!b.ok()) {
    // The template's bytes function has always reported a number it cannot
    // read as "invalid syntax", also one past float64's range, where Go says
    // "value out of range". Kept, so that its output does not change.
    std::string message(b.status().message());
    constexpr std::string_view kOutOfRange = ": value out of range";
    if (message.starts_with("strconv.ParseFloat: ") && message.ends_with(kOutOfRange)) {
      message.replace(message.size() - kOutOfRange.size(), kOutOfRange.size(), ": invalid syntax");
    }
    return CallError(message);
  }
  *out = Value::Uint64(*b);
  return Status::Ok();
}

// time.ParseDuration, in seconds (Duration.Seconds()).
Status FnDuration(Args a, const CallContext&, Value* out) {
  auto d = go::ParseDuration(a[0].str());
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
